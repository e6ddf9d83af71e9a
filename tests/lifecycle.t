#!/bin/bash
# lifecycle.t - qemu-init start, stop, restart, kill, status, list with a
# real guest: the power button, timeouts, forcing, crashes, parallel
# starts, and failures that must leave nothing behind.
. "$(dirname "$0")/lib.sh"
need_guest
monitor_conf 31200 20

guest_vm web obey
guest_vm ign ignore
guest_vm a obey
guest_vm b obey
guest_vm c obey

# --- start, status, ready, already running, stop -------------------------
run qemu-init start web
expect_out "start web boots it and says so" 0 "web: started, pid "
# Whichever slot it got (another run may hold a port): its own ports.
mon=$(sed -n 's/^MONPORT=//p' "$QEMU_INIT_RUNDIR/web@state")
check "start reports its slot's ports, from MONPORT up" eval \
    'test "$mon" -ge 31200 && test "$mon" -lt 31220 &&
    contains "$out" "monitor $mon, control $((mon + 100))"'
pid=$(state_pid web)
check "the state file holds QEMU's pid" alive "$pid"
run qemu-init status web
expect_out "status of a running VM: exit 0, running" 0 "web: running, pid $pid"
check "the guest reports ready on its serial console" wait_ready web
run qemu-init start web
expect_out "starting a running VM is a no-op (exit 0)" 0 "web: already running, pid $pid"
check "...and starts no second QEMU" test "$(our_qemus | wc -l)" -eq 1
run qemu-init list
expect_out "list shows the VM running with its ports" 0 "$mon"
check "list has a line per registered VM" \
    test "$(printf '%s\n' "$out" | wc -l)" -eq 6
run qemu-init stop web
expect_out "stop powers the guest off through ACPI" 0 "web: stopped"
check "QEMU is gone when stop returns" gone "$pid"
check "the state file is gone" test ! -e "$QEMU_INIT_RUNDIR/web@state"
run qemu-init status web
expect_out "status of a stopped VM: exit 3" 3 "web: stopped"
run qemu-init stop web
expect_out "stop of a stopped VM says so, exit 0" 0 "web: not running"

# --- a guest that ignores the power button --------------------------------
run qemu-init start ign
expect_out "start ign" 0 "ign: started"
ipid=$(state_pid ign)
wait_ready ign >/dev/null
run qemu-init stop -t 3 ign
expect "stop -t 3 of an ignoring guest fails: still running" 1 \
    "'ign' is still running after 3 s"
check "...and the VM is still running" alive "$ipid"
run qemu-init stop -t 3 -f ign
expect_out "stop -t 3 -f forces it off" 0 "ign: stopped (forced)"
check "...and QEMU is gone" gone "$ipid"

# --- three parallel starts get three slots ---------------------------------
for v in a b c; do
	qemu-init start "$v" >"$T/start-$v.out" 2>&1 &
done
wait
ports=$(cat "$T"/start-[abc].out | sed -n 's/.*monitor \([0-9]*\),.*/\1/p' | sort -u)
check "three parallel starts all succeed" \
    test "$(cat "$T"/start-[abc].out | grep -c ': started')" -eq 3 ||
    diag "$(cat "$T"/start-[abc].out)"
check "...on three distinct slots" test "$(echo "$ports" | wc -l)" -eq 3 ||
    diag "$(cat "$T"/start-[abc].out)"
run qemu-init stop -a
expect_out "stop -a stops them all" 0 "a: stopped"
check "...no QEMU left" test -z "$(our_qemus)"

# --- a crashed QEMU ---------------------------------------------------------
run qemu-init start web
pid=$(state_pid web)
kill -KILL "$pid"
while ! gone "$pid"; do sleep 0.05; done
run qemu-init status web
expect_out "a SIGKILLed QEMU is dead: status exits 1" 1 "web: dead"
run qemu-init start web
expect_out "start recovers a crashed VM without manual clean-up" 0 \
    "web: started"
check "...with a new QEMU" alive "$(state_pid web)"
run qemu-init kill web
expect_out "kill ends it at once" 0 "web: killed"

# A recycled pid that is not our QEMU is never taken for the VM.
sleep 300 &
sleeper=$!
cat > "$QEMU_INIT_RUNDIR/web@state" <<STATE
PID=$sleeper
PIDSTART=1
SLOT=0
MONPORT=31200
CTLPORT=31300
STARTED=1
STOPDELAY=90
CFG=x
STATE
echo "$sleeper" > "$QEMU_INIT_RUNDIR/web@pid"
run qemu-init status web
expect_out "a state file naming someone else's pid: dead, not running" 1 \
    "web: dead"
kill "$sleeper"
rm -f "$QEMU_INIT_RUNDIR/web@state" "$QEMU_INIT_RUNDIR/web@pid"

# --- failures leave nothing behind -----------------------------------------
nothing_left() {
	test -z "$(our_qemus)" && test ! -e "$QEMU_INIT_RUNDIR/$1@state" &&
	    test ! -e "$QEMU_INIT_RUNDIR/$1@pid"
}
guest_vm nodisk obey "DSK1=$T/missing.img"
run qemu-init start nodisk
expect "a missing disk: start fails naming the file and line" 1 \
    "nodisk-qemu.cfg:11: $T/missing.img: No such file or directory"
check "...nothing left" nothing_left nodisk
guest_vm badkey obey 'RAM=$(echo 1G)'
run qemu-init start badkey
expect "a syntax error: start fails with FILE:LINE:COL" 1 \
    "badkey-qemu.cfg:11:5: command substitution"
check "...nothing left" nothing_left badkey
guest_vm baddev obey 'CUSTOM1="-device no-such-device-model"'
run qemu-init start baddev
expect "QEMU's own error is shown when it fails to start" 1 \
    "QEMU failed to start 'baddev': "
check "...its text names the device" contains "$err" "no-such-device-model"
check "...nothing left" nothing_left baddev
run qemu-init start nosuchvm
expect "an unknown VM: exit 1" 1 "unknown VM 'nosuchvm'"
run qemu-init status nosuchvm
check "status of an unknown VM exits 4" test "$rc" -eq 4

# --- hooks, restart, start -a ----------------------------------------------
guest_vm hooks obey "PRECMD='exit 3'"
run qemu-init start hooks
expect "a failing PRECMD aborts the start" 1 "PRECMD of 'hooks' failed"
check "...nothing started" nothing_left hooks
guest_vm hooks2 obey "PRECMD=\"touch $T/pre\"
POSTCMD=\"touch $T/post\"
AUTOSTART=yes"
run qemu-init start -a
expect_out "start -a starts the AUTOSTART VM" 1 "hooks2: started"
check "...and reports the broken configs it met (exit 1)" \
    contains "$err" "badkey-qemu.cfg:11:5: command substitution"
check "...running PRECMD and POSTCMD" test -e "$T/pre" -a -e "$T/post"
check "...and only that one" test "$(our_qemus | wc -l)" -eq 1
run qemu-init restart hooks2
expect_out "restart stops and starts" 0 "hooks2: started"
run qemu-init stop hooks2
expect_out "stop after restart" 0 "hooks2: stopped"

# start -a: side by side, each BOOTDELAY after start -a began, reported
# in registry order; stop -a reports in registry order too.
: > "$QEMU_INIT_CONFDIR/qemu-init.reg"
guest_vm late obey "AUTOSTART=yes
BOOTDELAY=3"
guest_vm early obey "AUTOSTART=yes"
run qemu-init start -a
check "start -a starts both, reported in registry order" eval \
    'test $rc -eq 0 && test "$(printf "%s\n" "$out" | cut -d: -f1 |
        tr "\n" " ")" = "late early "' || show_run
started() { sed -n 's/^STARTED=//p' "$QEMU_INIT_RUNDIR/$1@state"; }
check "...the one with no BOOTDELAY did not wait for the other's" \
    test "$(( $(started late) - $(started early) ))" -ge 2
run qemu-init stop -a
check "stop -a reports in registry order" eval \
    'test $rc -eq 0 && test "$out" = "late: stopped
early: stopped"' || show_run
check "no QEMU is left at the end" test -z "$(our_qemus)"

done_testing
