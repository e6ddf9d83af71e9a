#!/bin/bash
# trust-stop.t - the trust boundary (qemu-init(8) SECURITY
# CONSIDERATIONS), as stop meets it: idle clients of another user on
# every TCP monitor cannot make stop fail or skip the power button;
# stop -f presses the button and forces only after its wait; kill and
# stop -f from elsewhere win over a stop that waits; a second press that
# meets QEMU's exit is a stop; and only the VM's QEMU on its control
# socket gets a command.  (A guest's reach: trust-guest.t; recycled
# pids and a state cut short: trust-pid.t.)
. "$(dirname "$0")/lib.sh"
test_require ROOT,GUEST,SOCAT,TMUX
monitor_conf
R=$QEMU_INIT_RUNDIR
NB=$(nobody_dir)

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
		wait_until 60 greeted "$1-ctl-$w" '"QMP"' &&
		    wait_until 60 greeted "$1-mon-$w" 'QEMU .* monitor' ||
		    return 1
	done
}

guest_vm web obey
guest_vm deaf ignore
guest_vm hang1 ignore
guest_vm hang2 ignore

# --- idle clients on every TCP monitor cannot block stop ---------------
# (How qemu-cmd and qemu-mon fare with a busy monitor, the other
# loopback address and who holds it: monitor.t.)
test_expect_success 'start web; the guest is ready' '
	run qemu-init start web && test_rc 0 && wait_ready web
'
test_expect_success "idle clients of another user hold all of web's TCP monitors" \
    'hold_monitors web'
test_expect_success '...so a TCP client cannot use them (exit 2)' '
	run qemu-cmd -t 2 -c "info status" web && test_rc 2 && test_out ""
'
pid=$(state_pid web)
test_expect_success 'stop powers the guest off anyway, through ACPI: exit 0' '
	run_guest web qemu-init stop -t 3600 web &&
	test_rc 0 && test_out "web: stopped" && test_err ""
'
test_expect_success "...the guest's own power-off message is in its console log, and its QEMU is gone" '
	test_grep QINIT-GUEST-POWERDOWN "$R/web@console.log" && gone "$pid"
'

# A guest that ignores the button: stop -f presses it first (an acpid of
# the test's own logs the press on the console) and forces only after
# its wait, as it says on a terminal.  The wait is long enough for a
# loaded guest to log the press; how long it took is not asserted.
test_expect_success 'start a guest that ignores the power button' '
	run qemu-init start deaf && test_rc 0 && test_out_has "deaf: started" &&
	wait_ready deaf
'
test_expect_success '...an acpid of the test'"'"'s own in it logs each press' <<'T'
	guest_type deaf "mkdir -p /tmp/a/PWRF && printf '#!/bin/busybox sh\necho QINIT-BUTTON-\$((6*7)) > /dev/console\n' > /tmp/a/PWRF/00000080 && chmod 755 /tmp/a/PWRF/00000080 && acpid -c /tmp/a -l /dev/console && echo LOGGER\$((40+2))UP" &&
	wait_for_log deaf LOGGER42UP
T
test_expect_success '...idle clients hold its TCP monitors' 'hold_monitors deaf'
pid=$(state_pid deaf)
test_expect_success 'stop -f -t 20 forces it off: exit 0' <<'T'
	script -qec "qemu-init stop -f -t 20 deaf; echo rc=\$?" /dev/null > "$T/deaf.out" 2>&1
	tr -d '\r' < "$T/deaf.out" > "$T/deaf.txt" &&
	test_eq "qemu-init: deaf: power button pressed, waiting up to 20 s
deaf: stopped (forced)
rc=0" "$(grep -v '^$' "$T/deaf.txt")"
T
test_expect_success '...after pressing the button (the guest saw the press) and saying it waits 20 s first' '
	test_grep "^QINIT-BUTTON-42" "$R/deaf@console.log"
'
test_expect_success '...QEMU is gone' 'gone "$pid"'

# --- kill and stop -f win over a stop that waits ---------------------------
test_expect_success 'start two guests that ignore the button' '
	run qemu-init start hang1 hang2 && test_rc 0 &&
	wait_ready hang1 && wait_ready hang2
'
waiting_stop() {	# waiting_stop VM: a stop -t 3600 in a terminal, waiting
	term_start "qemu-init stop -t 3600 $1" 150 10 &&
	    wait_pane 'power button pressed, waiting up to 3600 s'
}
test_expect_success 'a stop of hang1 presses its button and waits (3600 s)' 'waiting_stop hang1'
pid=$(state_pid hang1)
test_expect_success 'kill from elsewhere meanwhile ends hang1: exit 0, QEMU gone' '
	run timeout 300 qemu-init kill hang1 &&
	test_rc 0 && test_out "hang1: killed" && gone "$pid"
'
test_expect_success '...and the waiting stop ends too, exit 0' '
	term_done && test_eq 0 "$(term_rc)"
'
test_expect_success 'a stop of hang2 presses its button and waits (3600 s)' 'waiting_stop hang2'
pid=$(state_pid hang2)
test_expect_success 'stop -f from elsewhere meanwhile forces hang2 off: exit 0, QEMU gone' '
	run timeout 300 qemu-init stop -f -t 2 hang2 &&
	test_rc 0 && test_out "hang2: stopped (forced)" && gone "$pid"
'
test_expect_success '...and the waiting stop ends too, exit 0' '
	term_done && test_eq 0 "$(term_rc)"
'
term_stop

# --- a press that meets QEMU's exit ----------------------------------------
# A fake QEMU of ours on fading's control socket (and a CTLPORT): the
# first press is answered, the second one meets its exit (the guest
# powered off just then).
guest_vm fading obey
test_expect_success 'a fake QEMU plays fading on its control socket' '
	fake_qemu fading 2
'
fpid=$FAKE_PID
test_expect_success "stop: a second press that meets QEMU's exit is a stop, exit 0" '
	run timeout 300 qemu-init stop -t 30 fading &&
	test_rc 0 && test_out "fading: stopped" && test_err ""
'
test_expect_success '...it was pressed twice, and the fake has exited' '
	test_eq 2 "$(grep -c system_powerdown "$T/fading.fake.log")" &&
	wait_until 60 gone "$fpid"
'

# --- only the VM's QEMU on its control socket gets a command ----------
# Another process listens on squat's control socket while the state
# names a live process that is not it: stop sends it nothing, not even
# the capabilities, and says who listens there.
guest_vm squat obey
test_expect_success 'a fake QEMU listens on squat'"'"'s control socket, its state names another process' <<'T'
	sleep 600 &
	spid=$!
	bg_started $spid
	fakeqmp "unix:$R/squat@control" squat "$T/squat.log" answer &&
	qpid=$! &&
	dead_port &&
	plant_state squat "$spid" "$DEAD_PORT" &&
	wait_until 60 test -S "$R/squat@control"
T
test_expect_success 'stop: exit 1, the listener named, nothing sent' <<'T'
	run timeout 300 qemu-init stop -t 5 squat &&
	test_rc 1 &&
	test_err "qemu-init: $R/squat@control is not the monitor of 'squat' (pid $qpid listens there, not its QEMU, pid $spid): nothing sent"
T
test_expect_success '...the fake got no command at all' '
	test_eq "" "$(grep -v "^connect$" "$T/squat.log")"
'
kill "$qpid" "$spid"
rm -f "$R/squat@state" "$R/squat@control"

test_expect_success 'no QEMU of this test is left' 'test -z "$(our_qemus)"'
test_done
