#!/bin/bash
# verbs-show.t - show -s and the names of taps (qemu-init(8)): show -s
# is one line of shell words that a shell runs as the QEMU start would;
# a VM's taps are named after its slot and NIC (qi<slot>n<nic>), a start
# skips a slot whose tap name another interface has, and info says them;
# a running VM's recorded MAC is in use whatever its config says now.
# The taps live in a network namespace of the test's own.
. "$(dirname "$0")/lib.sh"
test_require GUEST,PYTHON3
monitor_conf

guest_vm hand obey

# --- show -s ---------------------------------------------------------------
test_expect_success 'show -s prints one line' <<'T'
	run qemu-init show hand && test_rc 0 &&
	printf '%s\n' "$out" > "$T/show.txt" &&
	run qemu-init show -s hand && test_rc 0 &&
	line=$out &&
	test "$(printf '%s\n' "$line" | wc -l)" -eq 1
T
# show's arguments with each descriptor as the file it stands for
# (runnable.sh), but for where QEMU run by hand writes its pid, that it
# daemonizes, and the sandbox that lets it.
by_design() { grep -v -x -- '-daemonize\|on,obsolete=.*\|.*@pid\|.*@qemu/pid'; }
test_expect_success '...of shell words that read back as show'"'"'s arguments, files named' <<'T'
	eval "words=($line)" &&
	test_eq "$("$TOP/tests/guest/runnable.sh" < "$T/show.txt" | by_design)" \
	    "$(printf '%s\n' "${words[@]}" | by_design)"
T
test_expect_success '...the sockets and log named, not handed over' '
	test_has "$line" "path=$QEMU_INIT_RUNDIR/hand@control,server=on"
'
test_expect_success '...that a shell runs as a QEMU, with the guest'"'"'s console log where start keeps it' <<'T'
	mkdir -p "$QEMU_INIT_RUNDIR" &&
	bash -c "$line -S" 2>"$T/qemu.err"
	spid=$(cat "$QEMU_INIT_RUNDIR/hand@pid" 2>/dev/null) &&
	bg_started "$spid" &&
	alive "$spid" &&
	test -e "$QEMU_INIT_RUNDIR/hand@console.log" || { cat "$T/qemu.err"; false; }
T
[ -n "${spid:-}" ] && kill "$spid" 2>/dev/null && wait_until 60 gone "$spid"
rm -f "$QEMU_INIT_RUNDIR"/hand@*

# --- taps: named after the slot and the NIC, in a netns of our own ------------
prereq TAPS "a network namespace with a bridge (root, and its setup)" false
test_expect_success ROOT 'setup: a network namespace with br0, the tap scripts, two VMs with NICs' <<'T' && test_have_prereq ROOT && test_set_prereq TAPS
	netns_add && netns_bridge br0 && tap_scripts &&
	guest_vm n1 obey 'NIC1=virtio-net-pci
NIC2=e1000' &&
	guest_vm n2 obey 'NIC1=virtio-net-pci'
T
test_expect_success TAPS "show names NIC1's tap qi<slot>n0 (the slot a start would take)" <<'T'
	run inns qemu-init show n1 &&
	want=$(printf '%s\n' "$out" | sed -n 's/^tap,id=net0,fd=<tap \([^ ]*\) .*/\1/p') &&
	grep -qx 'qi[0-9]*n0' <<< "$want"
T
# That name taken by another interface: start skips that slot.
test_expect_success TAPS 'start n1 with two NICs on br0, that tap name taken by another interface' '
	inns ip link add "$want" type bridge &&
	run inns qemu-init start n1 && test_rc 0 && test_out_has "n1: started"
'
test_expect_success TAPS '...on another slot than the one whose tap name was taken' '
	run qemu-init info -o json n1 && printf "%s\n" "$out" > "$T/n1.json" &&
	s=$(jget "$T/n1.json" slot) && test "qi${s}n0" != "$want"
'
test_expect_success TAPS '...info shows its taps: qi<slot>n0, qi<slot>n1' '
	test_eq "qi${s}n0 qi${s}n1" "$(jget "$T/n1.json" nics 0 tap) $(jget "$T/n1.json" nics 1 tap)"
'
test_expect_success TAPS '...the bridge and the NIC models' '
	test_eq "br0 virtio-net-pci e1000" \
	    "$(jget "$T/n1.json" bridge) $(jget "$T/n1.json" nics 0 model) $(jget "$T/n1.json" nics 1 model)"
'
test_expect_success TAPS '...and ip link shows those taps on br0' <<'T'
	test_eq "qi${s}n0 qi${s}n1 " \
	    "$(inns ip -o link show master br0 | awk -F': ' '{ print $2 }' | sort | tr '\n' ' ')"
T
test_expect_success TAPS '...as info in text does' '
	run qemu-init info n1 && test_rc 0 &&
	test_out_has "nic1:          virtio-net-pci $(jget "$T/n1.json" nics 0 mac) qi${s}n0"
'
test_expect_success TAPS "a running VM's recorded MAC is in use, whatever its config says now" <<'T'
	inns ip link del "$want" &&
	mac1=$(jget "$T/n1.json" nics 0 mac) &&
	echo 'MAC1=02:00:00:00:00:01' >> "$T/vms/n1/n1-qemu.cfg" &&
	echo "MAC1=$mac1" >> "$T/vms/n2/n2-qemu.cfg" &&
	run inns qemu-init start n2 &&
	test_rc 1 &&
	test_err "qemu-init: MAC $mac1 of NIC1 is in use by NIC1 of running VM 'n1' (set MAC1)"
T
test_expect_success TAPS '...and the MAC its config has now is not' <<'T'
	echo 'MAC1=02:00:00:00:00:01' >> "$T/vms/n2/n2-qemu.cfg" &&
	run inns qemu-init start n2 && test_rc 0 && test_out_has "n2: started"
T
test_expect_success TAPS 'stop n1 and n2; no tap is left on br0' '
	run inns qemu-init stop -t 3600 n1 n2 &&
	test_rc 0 && test_out "n1: stopped
n2: stopped" &&
	test -z "$(inns ip -o link show master br0)"
'

test_expect_success 'no QEMU is left' 'test -z "$(our_qemus)"'
test_done
