#!/bin/bash
# trust.t - the trust boundary of SPEC 9 (issue 13): what a guest,
# another local user and a crashed QEMU can and cannot do to qemu-init's
# control of a VM.  A guest reaches nothing its config did not give it;
# idle clients on every TCP monitor cannot make stop fail or skip the
# power button; a process with a recycled pid and an imitated command
# line is never taken for the VM; and the life cycle holds where it used
# to give up: RUNAS, a start cut short, a long stop, no RUNDIR yet, a
# QEMU that exits while the button is pressed again; and only the VM's
# QEMU on its control socket gets a command.
. "$(dirname "$0")/lib.sh"
need_guest
need_root "trust.t plays another local user (nobody)"
BASE=34800
monitor_conf $BASE 20
TMUX_SOCK=qinit-trust-$$
R=$QEMU_INIT_RUNDIR
NB=$(nobody_dir)


# A QMP server that plays a VM: it greets, answers query-name as NAME and
# query-status as running, and logs every connection and command to LOG.
# LISTEN is tcp:PORT (on 127.0.0.1), unix:PATH, or several of them with
# commas.  With FADE=n it closes the connection on the n-th
# system_powerdown and exits 0.3 s later, as a QEMU whose guest powers
# off does.  Arguments after the first four are not read: they imitate a
# QEMU command line.
cat > "$T/fakeqmp.pl" <<'PERL'
use strict;
use warnings;
use IO::Select;
use IO::Socket::INET;
use IO::Socket::UNIX;
use JSON::PP;
my ($listen, $name, $log, $fade) = @ARGV;
my $sel = IO::Select->new;
for my $l (split /,/, $listen) {
	my $srv = $l =~ /^tcp:(\d+)$/ ?
	    IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $1,
		Listen => 5, ReuseAddr => 1) :
	    IO::Socket::UNIX->new(Local => substr($l, 5), Listen => 5);
	die "cannot listen on $l: $!\n" unless $srv;
	$sel->add($srv);
}
open(my $lf, '>>', $log) or die "$log: $!\n";
$lf->autoflush(1);
$SIG{PIPE} = 'IGNORE';
my $presses = 0;
while (my ($srv) = $sel->can_read) {
	my $c = $srv->accept or next;
	$c->autoflush(1);
	print $lf "connect\n";
	print $c '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, ' .
	    '"major": 7}, "package": ""}, "capabilities": []}}' . "\r\n";
	while (my $line = <$c>) {
		my $req = eval { decode_json($line) } or next;
		my $cmd = $req->{execute} // '';
		print $lf "$cmd\n";
		my $ret = {};
		if ($cmd eq 'query-name') {
			$ret = { name => $name };
		} elsif ($cmd eq 'query-status') {
			$ret = { status => 'running', running => JSON::PP::true,
			    singlestep => JSON::PP::false };
		} elsif ($cmd eq 'human-monitor-command') {
			$ret = '';
		} elsif ($cmd eq 'system_powerdown' && $fade &&
		    ++$presses >= $fade) {
			close $c;
			select(undef, undef, undef, 0.3);
			exit 0;
		}
		my $reply = { return => $ret };
		$reply->{id} = $req->{id} if exists $req->{id};
		print $c encode_json($reply), "\r\n";
	}
}
PERL

# idle_client NAME HOST PORT: another user's client that connects to a
# monitor, takes its greeting and then says nothing (the greeting goes to
# $NB/NAME).
idle_client() {
	case $2 in
	*:*) as_nobody_bg socat -u "TCP:[$2]:$3" "CREATE:$NB/$1" ;;
	*) as_nobody_bg socat -u "TCP:$2:$3" "CREATE:$NB/$1" ;;
	esac 2>/dev/null
}
ip_word() {	# ip_word ADDRESS: a name for it in file names
	case $1 in *:*) echo v6 ;; *) echo v4 ;; esac
}
greeted() {	# greeted NAME TEXT: that idle client got its greeting
	grep -q "$2" "$NB/$1" 2>/dev/null
}
# hold_monitors VM: idle clients on both TCP monitors of VM, on every
# loopback address QEMU listens on (but those already held).  Fails
# unless each got its greeting.
hold_monitors() {
	local mon ctl hosts=127.0.0.1 h w
	mon=$(state_of "$1" MONPORT)
	ctl=$(state_of "$1" CTLPORT)
	ipv6_loopback && hosts="127.0.0.1 ::1"
	for h in $hosts; do
		w=$(ip_word $h)
		greeted "$1-ctl-$w" '"QMP"' || idle_client "$1-ctl-$w" "$h" "$ctl"
		greeted "$1-mon-$w" 'QEMU' || idle_client "$1-mon-$w" "$h" "$mon"
	done
	for h in $hosts; do
		w=$(ip_word $h)
		wait_until 30 greeted "$1-ctl-$w" '"QMP"' &&
		    wait_until 30 greeted "$1-mon-$w" 'QEMU .* monitor' ||
		    return 1
	done
}

# list_state NAME: the STATE and PID columns of NAME in qemu-init list.
list_state() {
	qemu-init list | awk -v vm="$1" '$1 == vm { print $3, $4 }'
}

# ms: milliseconds since the epoch.
ms() {
	echo $(($(date +%s%N) / 1000000))
}

guest_vm web obey
guest_vm usernet obey 'CUSTOM1="-nic user,model=virtio-net-pci"' \
    "qinit.ip=10.0.2.15/24"
guest_vm deaf ignore
guest_vm hang1 ignore
guest_vm hang2 ignore
guest_vm runas obey "RUNAS=nobody"

# The sections are numbered as the items of issue 13 (4 and 5, and the
# JSON half of 10, are monitor.t's).

# --- 1. a guest reaches nothing its config did not give it ---------------
run qemu-init start web
expect_out "a VM with no NICx starts" 0 "web: started"
run qemu-init start usernet
expect_out "a VM given user-mode networking through CUSTOM1 starts" 0 \
    "usernet: started"
check "both guests are ready" eval 'wait_ready web && wait_ready usernet'
run qemu-init show web
check "show: a VM with no NICx gets -nic none" \
    eval 'printf "%s\n" "$out" | paste -sd " " | grep -q -- " -nic none "'
run qemu-cmd -c "info network" web
check "...QEMU's 'info network' lists no NIC and no network" \
    test "$rc:$out" = "0:"

# What the guest itself sees: its interfaces and its PCI network
# controllers (class 0x02...), whether or not it has their driver.
probe='echo NETPROBE:$(ls /sys/class/net | tr "\n" " ")NICS=$(cat /sys/bus/pci/devices/*/class | grep -c ^0x02)'
netprobe() {	# netprobe VM: the probe's answer on VM's console
	sed -n 's/\r$//; s/^NETPROBE://p' "$R/$1@console.log"
}
guest_type web "$probe"
guest_type usernet "$probe"
check "the guest of a VM with no NICx sees no network device" \
    eval 'wait_until 30 eval "[ -n \"\$(netprobe web)\" ]" &&
        test "$(netprobe web)" = "lo NICS=0"' ||
    diag "its probe said: $(netprobe web)"
check "...while the CUSTOM1 guest sees its NIC (the probe can see one)" \
    eval 'wait_until 30 eval "[ -n \"\$(netprobe usernet)\" ]" &&
        test "$(netprobe usernet)" = "eth0 lo NICS=1"' ||
    diag "its probe said: $(netprobe usernet)"

# From inside each guest: connect to 10.0.2.2 (the host's 127.0.0.1
# under user-mode networking) on web's CTLPORT.
ctl=$(state_of web CTLPORT)
dial="sleep 3 | nc 10.0.2.2 $ctl; echo DIAL\$((40+2))DONE"
guest_type web "$dial"
guest_type usernet "$dial"
check "the NIC-less guest cannot reach the host's TCP monitor" \
    eval 'wait_for_log web DIAL42DONE 60 && ! grep -q "\"QMP\"" "$R/web@console.log"'
check "...the CUSTOM1 guest reaches it at 10.0.2.2:CTLPORT: QMP's greeting" \
    eval 'wait_for_log usernet DIAL42DONE 60 && grep -q "^{\"QMP\": {\"version\"" "$R/usernet@console.log"'

# --- 2. idle clients on every TCP monitor cannot block stop ---------------
# (How qemu-cmd and qemu-mon fare with a busy monitor, the other
# loopback address and who holds it: monitor.t.)
check "idle clients of another user hold all of web's TCP monitors" \
    hold_monitors web
run qemu-cmd -t 2 -c "info status" web
check "...so a TCP client cannot use them (exit 2)" test "$rc:$out" = "2:" ||
    show_run
pid=$(state_pid web)
run qemu-init stop -t 120 web
check "stop powers the guest off anyway, through ACPI: exit 0" \
    test "$rc:$out:$err" = "0:web: stopped:" || show_run
check "...the guest's own power-off message is in its console log" \
    grep -q QINIT-GUEST-POWERDOWN "$R/web@console.log"
check "...and its QEMU is gone" gone "$pid"

# A guest that ignores the button: stop -f presses it first (an acpid of
# the test's own logs the press on the console) and forces only after
# the wait.
run qemu-init start deaf
expect_out "start a guest that ignores the power button" 0 "deaf: started"
wait_ready deaf >/dev/null
guest_type deaf "mkdir -p /tmp/a/PWRF && printf '#!/bin/busybox sh\necho QINIT-BUTTON-\$((6*7)) > /dev/console\n' > /tmp/a/PWRF/00000080 && chmod 755 /tmp/a/PWRF/00000080 && acpid -c /tmp/a -l /dev/console && echo LOGGER\$((40+2))UP"
check "...an acpid of the test's own in it logs each press" \
    wait_for_log deaf LOGGER42UP 60
check "...idle clients hold its TCP monitors" hold_monitors deaf
pid=$(state_pid deaf)
t0=$(ms)
run qemu-init stop -f -t 4 deaf
t1=$(ms)
check "stop -f -t 4 forces it off: exit 0" \
    test "$rc:$out" = "0:deaf: stopped (forced)" || show_run
check "...after pressing the button (the guest saw the press)" \
    grep -q '^QINIT-BUTTON-42' "$R/deaf@console.log"
check "...and forcing only after the 4 s wait" test $((t1 - t0)) -ge 4000 ||
    diag "it took $((t1 - t0)) ms"
check "...QEMU is gone" gone "$pid"

# --- 3. a recycled pid with an imitated command line ----------------------
# usernet's QEMU crashes; its pid goes to another user's process whose
# command line has every word of a QEMU of ours, and which answers as
# usernet on usernet's CTLPORT.
qpid=$(state_pid usernet)
qstart=$(state_of usernet PIDSTART)
uctl=$(state_of usernet CTLPORT)
kill -KILL "$qpid"
check "usernet's QEMU crashes (SIGKILL)" wait_until 10 gone "$qpid"
as_nobody_bg perl "$T/fakeqmp.pl" "tcp:$uctl" usernet "$NB/impostor.log" 0 \
    -name usernet -pidfile "$R/usernet@pid" -daemonize
imp=$!
check "another user's impostor runs, listening on usernet's CTLPORT" \
    wait_until 10 eval 'ss -Hltn "sport = :$uctl" | grep -q .'
check "...with the words of a QEMU of ours in its command line" \
    eval 'tr "\0" " " < /proc/$imp/cmdline | grep -q -- "-name usernet -pidfile $R/usernet@pid"'
# The state as the crash left it, but naming the impostor's pid.
sed "s/^PID=.*/PID=$imp/" "$R/usernet@state" > "$T/usernet.state"
check "...and its state names the impostor's pid with the crashed QEMU's start" \
    test "$(sed -n 's/^PIDSTART=//p' "$T/usernet.state")" = "$qstart"
plant_state() {
	cp "$T/usernet.state" "$R/usernet@state"
	echo "$imp" > "$R/usernet@pid"
}
plant_state
run qemu-init status usernet
check "status does not take it for the VM: dead (exit 1)" \
    test "$rc:$out" = "1:usernet: dead (pid $imp gone, state left): QEMU crashed; its console log is $R/usernet@console.log, and start recovers it" ||
    show_run
check "...nor does list" test "$(list_state usernet)" = "dead -" ||
    diag "$(qemu-init list)"
run qemu-cmd -c "info status" usernet
expect "...qemu-cmd sends it nothing: exit 2" 2 "'usernet' is not running"
run qemu-init stop -f -t 5 usernet
check "stop -f does not signal it: not running, exit 0" \
    test "$rc:$out" = "0:usernet: not running" || show_run
check "...it still runs" alive "$imp"
plant_state
run qemu-init kill usernet
check "kill does not signal it: not running, exit 0" \
    test "$rc:$out" = "0:usernet: not running" || show_run
check "...it still runs" alive "$imp"
plant_state
run qemu-init stop -a -f -t 5
check "stop -a -f does not signal it: nothing to stop, exit 0" \
    test "$rc:$out:$err" = "0::" || show_run
check "...it still runs" alive "$imp"

# No state at all: only a pid file naming it.  Older than the process it
# names (the pid was recycled after QEMU wrote it), and then newer, but
# with nobody on usernet's control socket.
rm -f "$R/usernet@state"
qemu_started=$(sed -n 's/^STARTED=//p' "$T/usernet.state")
plant_pidfile() {	# plant_pidfile old|new
	echo "$imp" > "$R/usernet@pid"
	[ "$1" = new ] || touch -d "@$qemu_started" "$R/usernet@pid"
}
pidfile_only() {	# pidfile_only old|new WHAT
	local age=$1
	shift
	plant_pidfile $age
	run qemu-init status usernet
	check "a pid file $1: status says stopped" \
	    test "$rc:$out" = "3:usernet: stopped" || show_run
	run qemu-cmd -c "info status" usernet
	expect "...qemu-cmd sends it nothing: exit 2" 2 "'usernet' is not running"
	run qemu-init stop -a -f -t 5
	check "...stop -a -f does not signal it" test "$rc:$out" = "0:" ||
	    show_run
	plant_pidfile $age
	run qemu-init kill usernet
	check "...nor does kill" test "$rc:$out" = "0:usernet: not running" ||
	    show_run
	check "...it still runs" alive "$imp"
}
pidfile_only old "older than the process it names"
pidfile_only new "newer than that process, but nobody on the control socket"
check "the impostor was never even connected to" \
    test ! -s "$NB/impostor.log" ||
    diag "$(cat "$NB/impostor.log")"
run qemu-init start usernet
npid=$(state_pid usernet)
check "start boots a new QEMU for usernet" \
    eval 'test "$rc" -eq 0 && contains "$out" "usernet: started, pid $npid" &&
        [ "$npid" != "$imp" ]' || show_run
run qemu-init kill usernet
expect_out "...which kill ends" 0 "usernet: killed"
check "...and the impostor still runs" alive "$imp"
kill "$imp"

# --- 6. RUNAS: a guest that powers itself off is stopped, not dead -----------
run qemu-init start runas
expect_out "start a VM with RUNAS=nobody" 0 "runas: started"
pid=$(state_pid runas)
check "...its QEMU runs as nobody" \
    test "$(ps -o user= -p "$pid" 2>/dev/null)" = nobody
wait_ready runas >/dev/null
guest_type runas "poweroff -f"
check "its guest powers itself off" wait_until 60 gone "$pid"
run qemu-init status runas
check "...status says stopped (exit 3), not dead" \
    test "$rc:$out" = "3:runas: stopped" || show_run

# --- 7. a QEMU whose start was cut short (no state file) ---------------------
run qemu-init start web
expect_out "start web again" 0 "web: started"
pid=$(state_pid web)
wait_ready web >/dev/null
rm "$R/web@state"
run qemu-init status web
check "with its state file gone, status still finds it (exit 0)" \
    test "$rc:$out" = "0:web: running, pid $pid, its start was cut short (ports unknown: qemu-init restart web)" ||
    show_run
check "...and list shows it running" test "$(list_state web)" = "running $pid" ||
    diag "$(qemu-init list)"
run qemu-init stop -a -f -t 60
check "stop -a -f (the shutdown path) stops it: exit 0" \
    test "$rc:$out" = "0:web: stopped" || show_run
check "...QEMU is gone" gone "$pid"

# --- 8. kill and stop -f win over a stop that waits ---------------------------
run qemu-init start hang1
expect_out "start a guest that ignores the button" 0 "hang1: started"
run qemu-init start hang2
expect_out "...and another" 0 "hang2: started"
wait_ready hang1 >/dev/null
wait_ready hang2 >/dev/null
waiting_stop() {	# waiting_stop VM: a stop -t 120 in a terminal, waiting
	# A server of its own: one being killed may still take a session.
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	TMUX_SOCK=qinit-trust-$$-$1
	tmux -L "$TMUX_SOCK" new-session -d -x 150 -y 10 \
	    "qemu-init stop -t 120 $1; echo \$? > $T/$1.stop.rc; sleep 600"
	wait_pane 'power button pressed, waiting up to 120 s' 30
}
check "a stop of hang1 presses its button and waits (120 s)" waiting_stop hang1
pid=$(state_pid hang1)
run timeout 60 qemu-init kill hang1
check "kill from elsewhere meanwhile ends hang1: exit 0" \
    test "$rc:$out" = "0:hang1: killed" || show_run
check "...QEMU is gone" gone "$pid"
check "...and the waiting stop ends too, exit 0" \
    eval 'wait_until 30 test -s "$T/hang1.stop.rc" && test "$(cat "$T/hang1.stop.rc")" = 0'
check "a stop of hang2 presses its button and waits (120 s)" waiting_stop hang2
pid=$(state_pid hang2)
run timeout 60 qemu-init stop -f -t 2 hang2
check "stop -f from elsewhere meanwhile forces hang2 off: exit 0" \
    test "$rc:$out" = "0:hang2: stopped (forced)" || show_run
check "...QEMU is gone" gone "$pid"
check "...and the waiting stop ends too, exit 0" \
    eval 'wait_until 30 test -s "$T/hang2.stop.rc" && test "$(cat "$T/hang2.stop.rc")" = 0'
tmux -L "$TMUX_SOCK" kill-server 2>/dev/null

# --- 9. no RUNDIR yet (right after boot) ---------------------------------------
L=$T/later
run env QEMU_INIT_RUNDIR="$L" qemu-init stop web
check "stop before RUNDIR exists: not running, exit 0" \
    test "$rc:$out:$err" = "0:web: not running:" || show_run
run env QEMU_INIT_RUNDIR="$L" qemu-init kill web
check "kill before RUNDIR exists: not running, exit 0" \
    test "$rc:$out:$err" = "0:web: not running:" || show_run
run env QEMU_INIT_RUNDIR="$L" qemu-init stop -a
check "stop -a before RUNDIR exists: nothing, exit 0" \
    test "$rc:$out:$err" = "0::" || show_run
check "...none of them made RUNDIR" test ! -e "$L"
run env QEMU_INIT_RUNDIR="$L" qemu-init restart web
lpid=$(sed -n 's/^PID=//p' "$L/web@state" 2>/dev/null)
bg_started $lpid
check "restart before RUNDIR exists starts the VM" \
    test "$rc:$(printf '%s\n' "$out" | sed -n 1p)" = "0:web: not running" -a \
    "$(printf '%s\n' "$out" | sed -n 2p | cut -d, -f1-2)" = "web: started, pid $lpid" ||
    show_run
check "...and made RUNDIR 0755" test "$(stat -c %a "$L")" = 755
run env QEMU_INIT_RUNDIR="$L" qemu-init kill web
expect_out "...kill ends it" 0 "web: killed"

# --- 10. a press that meets QEMU's exit ----------------------------------------
# A fake QEMU of ours on fading's control socket (and its CTLPORT): the
# first press is answered, the second one meets its exit (the guest
# powered off just then).
guest_vm fading obey
perl "$T/fakeqmp.pl" "unix:$R/fading@control,tcp:$((BASE + 119))" fading \
    "$T/fading.log" 2 -name fading -pidfile "$R/fading@pid" &
fpid=$!
bg_started $fpid
# fake_state VM PID SLOT: a state of VM that names PID as its QEMU.
fake_state() {
	cat > "$R/$1@state" <<STATE
PID=$2
PIDSTART=$(pid_start $2)
SLOT=$3
MONPORT=$((BASE + $3))
CTLPORT=$((BASE + 100 + $3))
STARTED=$(date +%s)
STOPDELAY=90
MONITOR=tcp
RUNAS=no
CFG=$T/vms/$1/$1-qemu.cfg
STATE
}
fake_state fading $fpid 19
check "a fake QEMU plays fading on its control socket" \
    wait_until 10 test -S "$R/fading@control"
run qemu-init stop -t 30 fading
check "stop: a second press that meets QEMU's exit is a stop, exit 0" \
    test "$rc:$out:$err" = "0:fading: stopped:" || show_run
check "...it was pressed twice, and the fake has exited" \
    eval 'test "$(grep -c system_powerdown "$T/fading.log")" -eq 2 && gone "$fpid"'

# --- 11. only the VM's QEMU on its control socket gets a command ----------
# Another process listens on squat's control socket while the state
# names a live process that is not it: stop sends it nothing, not even
# the capabilities, and says who listens there.
guest_vm squat obey
sleep 600 &
spid=$!
bg_started $spid
perl "$T/fakeqmp.pl" "unix:$R/squat@control" squat "$T/squat.log" 0 &
qpid=$!
bg_started $qpid
fake_state squat $spid 18
check "a fake QEMU listens on squat's control socket, its state names another process" \
    wait_until 10 test -S "$R/squat@control"
run qemu-init stop -t 5 squat
check "stop: exit 1, the listener named, nothing sent" \
    eval 'test "$rc" -eq 1 && contains "$err" "$R/squat@control is not the monitor of '"'"'squat'"'"' (pid $qpid listens there, not its QEMU, pid $spid): nothing sent"' ||
    show_run
check "...the fake got no command at all" \
    eval '! grep -v "^connect$" "$T/squat.log"' || diag "$(cat "$T/squat.log")"
kill "$qpid" "$spid"
rm -f "$R/squat@state" "$R/squat@control"

check "no QEMU of this test is left" test -z "$(our_qemus)"
done_testing
