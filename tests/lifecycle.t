#!/bin/bash
# lifecycle.t - qemu-init start, stop, restart, kill, status, list with a
# real guest: the power button, timeouts, forcing, crashes, parallel
# starts, and failures that must leave nothing behind.
. "$(dirname "$0")/lib.sh"
test_require GUEST
monitor_conf

guest_vm web obey
guest_vm ign ignore
guest_vm a obey
guest_vm b obey
guest_vm c obey

# --- start, status, ready, already running, stop -------------------------
test_expect_success 'start web boots it and says so' '
	run qemu-init start web && test_rc 0 && test_out_has "web: started, pid "
'
# Whichever slot it got (another run may hold a port): its own ports.
mon=$(state_of web MONPORT)
test_expect_success "start reports its slot's ports, from MONPORT up" <<'T'
	test "$mon" -ge "$PORTBASE" && test "$mon" -lt $((PORTBASE + 20)) &&
	test_out_has "monitor $mon, control $((mon + 100))"
T
pid=$(state_pid web)
pidstart=$(pid_start "$pid" 2>/dev/null)
test_expect_success "the state file holds QEMU's pid" 'alive "$pid"'
test_expect_success 'status of a running VM: exit 0, running' '
	run qemu-init status web && test_rc 0 && test_out_has "web: running, pid $pid"
'
test_expect_success 'the guest reports ready on its serial console' 'wait_ready web'
test_expect_success 'starting a running VM is a no-op (exit 0), no second QEMU' '
	run qemu-init start web &&
	test_rc 0 && test_out "web: already running, pid $pid" &&
	test "$(our_qemus | wc -l)" -eq 1
'
test_expect_success 'list shows the VM running with its ports, a line per registered VM and a header' <<'T'
	run qemu-init list &&
	test_rc 0 &&
	printf '%s\n' "$out" | grep -Eq "^web +web +running +$pid +$mon +$((mon + 100)) " &&
	test "$(printf '%s\n' "$out" | wc -l)" -eq 6
T
test_expect_success 'stop powers the guest off through ACPI' '
	run_guest web qemu-init stop -t 3600 web && test_rc 0 && test_out "web: stopped"
'
test_expect_success 'QEMU is gone when stop returns, and so is the state file' '
	{ gone "$pid" "$pidstart" || { process_seen "$pid"; false; }; } &&
	{ test ! -e "$QEMU_INIT_RUNDIR/web@state" ||
	    { cat "$QEMU_INIT_RUNDIR/web@state"; false; }; }
'
test_expect_success 'status of a stopped VM: exit 3' '
	run qemu-init status web && test_rc 3 && test_out "web: stopped"
'
test_expect_success 'stop of a stopped VM says so, exit 0' '
	run qemu-init stop web && test_rc 0 && test_out "web: not running"
'

# --- a guest that ignores the power button --------------------------------
test_expect_success 'start ign, a guest that ignores the power button' '
	run qemu-init start ign && test_rc 0 && test_out_has "ign: started" &&
	wait_ready ign
'
ipid=$(state_pid ign)
test_expect_success 'stop -t 3 of it fails: still running, and it is' <<'T'
	run qemu-init stop -t 3 ign &&
	test_rc 1 &&
	test_err "qemu-init: 'ign' is still running after 3 s (use -f to force it off)" &&
	alive "$ipid"
T
test_expect_success 'stop -t 3 -f forces it off, and QEMU is gone' '
	run qemu-init stop -t 3 -f ign &&
	test_rc 0 && test_out "ign: stopped (forced)" && gone "$ipid"
'

# --- three parallel starts get three slots ---------------------------------
test_expect_success 'three parallel starts all succeed, on three distinct slots' <<'T'
	for v in a b c; do
		qemu-init start "$v" >"$T/start-$v.out" 2>&1 &
	done
	wait
	cat "$T"/start-[abc].out
	test "$(cat "$T"/start-[abc].out | grep -c ': started')" -eq 3 &&
	test "$(cat "$T"/start-[abc].out |
	    sed -n 's/.*monitor \([0-9]*\),.*/\1/p' | sort -u | wc -l)" -eq 3
T
test_expect_success 'stop -a stops them all, no QEMU left' '
	run qemu-init stop -a -t 3600 &&
	test_rc 0 && test_out "a: stopped
b: stopped
c: stopped" && test -z "$(our_qemus)"
'

# --- a crashed QEMU ---------------------------------------------------------
test_expect_success 'a SIGKILLed QEMU is dead: status exits 1' <<'T'
	run qemu-init start web && test_rc 0 &&
	pid=$(state_pid web) && kill -KILL "$pid" && wait_until 60 gone "$pid" &&
	run qemu-init status web &&
	test_rc 1 && test_out_has "web: dead"
T
test_expect_success 'start recovers a crashed VM without manual clean-up, with a new QEMU' '
	run qemu-init start web &&
	test_rc 0 && test_out_has "web: started" && alive "$(state_pid web)"
'
test_expect_success 'kill ends it at once' '
	run qemu-init kill web && test_rc 0 && test_out "web: killed"
'

# A recycled pid that is not our QEMU is never taken for the VM.
test_expect_success "a state file naming someone else's pid: dead, not running" <<'T'
	sleep 300 &
	sleeper=$!
	bg_started $sleeper
	cat > "$QEMU_INIT_RUNDIR/web@state" <<STATE &&
PID=$sleeper
PIDSTART=1
SLOT=0
MONPORT=$PORTBASE
CTLPORT=$((PORTBASE + 100))
STARTED=1
STOPDELAY=90
CFG=x
STATE
	echo "$sleeper" > "$QEMU_INIT_RUNDIR/web@pid" &&
	run qemu-init status web &&
	kill "$sleeper" &&
	rm -f "$QEMU_INIT_RUNDIR/web@state" "$QEMU_INIT_RUNDIR/web@pid" &&
	test_rc 1 && test_out_has "web: dead"
T

# --- failures leave nothing behind -----------------------------------------
nothing_left() {
	test -z "$(our_qemus)" && test ! -e "$QEMU_INIT_RUNDIR/$1@state" &&
	    test ! -e "$QEMU_INIT_RUNDIR/$1@pid"
}
guest_vm nodisk obey "DSK1=$T/missing.img"
test_expect_success 'a missing disk: start fails naming the file and line, nothing left' <<'T'
	run qemu-init start nodisk &&
	test_rc 1 &&
	test_err "qemu-init: $T/vms/nodisk/nodisk-qemu.cfg:11: $T/missing.img: No such file or directory" &&
	nothing_left nodisk
T
guest_vm badkey obey 'RAM=$(echo 1G)'
test_expect_success 'a syntax error: start fails with FILE:LINE:COL, nothing left' <<'T'
	run qemu-init start badkey &&
	test_rc 1 &&
	test_err_has "badkey-qemu.cfg:11:5: command substitution" &&
	nothing_left badkey
T
guest_vm baddev obey 'CUSTOM1="-device no-such-device-model"'
test_expect_success "QEMU's own error is shown when it fails to start, naming the device; nothing left" <<'T'
	run qemu-init start baddev &&
	test_rc 1 &&
	test_err_has "QEMU failed to start 'baddev': " &&
	test_err_has "no-such-device-model" &&
	nothing_left baddev
T
test_expect_success 'an unknown VM: exit 1' <<'T'
	run qemu-init start nosuchvm &&
	test_rc 1 &&
	test_err "qemu-init: unknown VM 'nosuchvm' (not in $QEMU_INIT_CONFDIR/qemu-init.reg)"
T
test_expect_success 'status of an unknown VM exits 4' '
	run qemu-init status nosuchvm && test_rc 4
'

# --- hooks, restart, start -a ----------------------------------------------
guest_vm hooks obey "PRECMD='exit 3'"
test_expect_success 'a failing PRECMD aborts the start, nothing started' <<'T'
	run qemu-init start hooks &&
	test_rc 1 && test_err_has "PRECMD of 'hooks' failed" && nothing_left hooks
T
guest_vm hooks2 obey "PRECMD=\"touch $T/pre\"
POSTCMD=\"touch $T/post\"
AUTOSTART=yes"
test_expect_success 'start -a starts the AUTOSTART VM, and reports the broken configs it met (exit 1)' <<'T'
	run qemu-init start -a &&
	test_rc 1 && test_out_has "hooks2: started" &&
	test_err_has "badkey-qemu.cfg:11:5: command substitution"
T
test_expect_success '...running PRECMD and POSTCMD' 'test -e "$T/pre" -a -e "$T/post"'
test_expect_success '...and only that one' 'test "$(our_qemus | wc -l)" -eq 1'
test_expect_success 'restart stops and starts' '
	run qemu-init restart hooks2 && test_rc 0 && test_out_has "hooks2: started"
'
test_expect_success 'stop after restart' '
	run_guest hooks2 qemu-init stop -t 3600 hooks2 &&
	test_rc 0 && test_out "hooks2: stopped"
'

# start -a: side by side, each BOOTDELAY after start -a began, reported
# in registry order.  Their PRECMDs log when each start begins: early's,
# with no BOOTDELAY, begins before late's, which waits its BOOTDELAY
# (were the starts one after the other, in registry order, late's would
# come first).  stop -a reports in registry order too.
: > "$QEMU_INIT_CONFDIR/qemu-init.reg"
guest_vm late obey "AUTOSTART=yes
BOOTDELAY=10
PRECMD=\"echo late >> $T/begun\""
guest_vm early obey "AUTOSTART=yes
PRECMD=\"echo early >> $T/begun\""
test_expect_success 'start -a starts both, reported in registry order' <<'T'
	run qemu-init start -a &&
	test_rc 0 &&
	test_eq "late early" "$(printf '%s\n' "$out" | cut -d: -f1 | tr '\n' ' ' | sed 's/ $//')"
T
test_expect_success "...the one with no BOOTDELAY did not wait for the other's" '
	test_eq "early late" "$(tr "\n" " " < "$T/begun" | sed "s/ $//")"
'
test_expect_success 'stop -a reports in registry order' '
	run qemu-init stop -a -t 3600 &&
	test_rc 0 && test_out "late: stopped
early: stopped"
'
test_expect_success 'no QEMU is left at the end' 'test -z "$(our_qemus)"'

test_done
