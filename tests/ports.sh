# tests/ports.sh - the port map of the tests, and free_port: sourced by
# tests/lib.sh, and by tests/sshd.sh (which make bench sources alone).
#
# Each test file that starts VMs has a range of ports of its own, from
# its MONPORT base: its VMs' monitors take BASE..BASE+SLOTS-1 (SLOTS 20
# unless said) and their control monitors 100 above (CTLPORT = MONPORT +
# 100), so the bases are 200 apart.  They stay clear of the defaults of
# monitor.conf (30320-30519); 35000-37999 is kept for create.t,
# snapshot.t, backup.t, systemd.t and migrate.t.  No file assumes that
# it is alone on its range: another make check may run the same file at
# the same time.
# Its VMs take whatever slot is free, and its other listeners (sshd,
# fake QEMUs, impostors) listen on ports the kernel chose (free_port).

# port_base NAME: the MONPORT base of tests/NAME.t (or of make demo, or
# make bench); fails for a name the map does not know.
port_base() {
	case $1 in
	bench)		echo 30000 ;;	# make bench: SLOTS 100; its host B 30200, SLOTS 20
	config)		echo 30600 ;;
	lifecycle)	echo 30800 ;;
	monitor)	echo 31000 ;;
	network)	echo 31200 ;;
	console)	echo 31400 ;;
	confine)	echo 31600 ;;
	security)	echo 31800 ;;
	faults)		echo 32000 ;;
	bad)		echo 32200 ;;
	distro)		echo 32400 ;;
	valgrind)	echo 32600 ;;
	remote)		echo 32800 ;;
	demo)		echo 33000 ;;	# make demo (tests/demo.sh)
	check)		echo 33200 ;;
	deb)		echo 33400 ;;
	load)		echo 33600 ;;	# SLOTS 40: 11 VMs, twice at once
	ansible)	echo 33800 ;;
	rundir)		echo 34000 ;;
	trust-guest)	echo 34200 ;;
	trust-stop)	echo 34400 ;;
	trust-pid)	echo 34600 ;;
	verbs-json)	echo 34800 ;;
	create)		echo 35000 ;;
	verbs-stop)	echo 38000 ;;
	verbs-show)	echo 38200 ;;
	verbs-start)	echo 38400 ;;
	distro-uefi)	echo 38600 ;;
	distro-agent)	echo 38800 ;;
	runswith)	echo 39000 ;;
	snapshot)	echo 35400 ;;
	backup)		echo 35600 ;;
	systemd)	echo 35800 ;;	# the VMs of its container (own network)
	migrate)	echo 36200 ;;	# host B: 36400 (PORTBASE + 200)
	*)		return 1 ;;
	esac
}

# free_port: a TCP port of 127.0.0.1 that nothing listens on now, the
# kernel's choice (so that two tests that run at once never pick the
# same one).
free_port() {
	perl -MIO::Socket::INET -e '
	    my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
		LocalPort => 0, Listen => 1) or die "free_port: $!\n";
	    print $s->sockport, "\n";'
}
