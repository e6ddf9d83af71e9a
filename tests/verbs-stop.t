#!/bin/bash
# verbs-stop.t - what scripts and habits expect of stop, wait, pause,
# resume and reset (qemu-init(8)), with the real guest: stop waits the
# STOPDELAY recorded at start, not the edited one, and on a terminal
# says what it waits for; stop -n and wait; the init-script form with
# long options; pause, resume and reset; stop -A, the boot unit's way to
# stop only what it started.
. "$(dirname "$0")/lib.sh"
test_require GUEST
monitor_conf

guest_vm web obey
guest_vm ign ignore 'STOPDELAY=3'
guest_vm auto obey 'AUTOSTART=yes'
guest_vm hand obey
guest_vm con obey

# markers NAME: how many times the guest has reached its ready marker.
markers() {
	grep -c QINIT-GUEST-READY "$(console_log "$1")" 2>/dev/null
}

# --- the STOPDELAY recorded at start ----------------------------------------
test_expect_success 'start ign (STOPDELAY=3, ignores the power button)' '
	run qemu-init start ign && test_rc 0 && test_out_has "ign: started" &&
	wait_ready ign
'
ipid=$(state_pid ign)
test_expect_success 'stop waits the recorded STOPDELAY (3 s), not the edited one (60)' <<'T'
	echo 'STOPDELAY=60' >> "$T/vms/ign/ign-qemu.cfg" &&
	script -qec "qemu-init stop ign" /dev/null > "$T/tty.out" 2>&1
	test_grep "'ign' is still running after 3 s" "$T/tty.out"
T
test_expect_success '...and on a terminal says what it waits for' '
	test_grep "qemu-init: ign: power button pressed, waiting up to 3 s" "$T/tty.out"
'
test_expect_success '...which it does not say when stderr is no terminal' <<'T'
	run qemu-init stop ign -t 2 &&
	test_rc 1 &&
	test_err "qemu-init: 'ign' is still running after 2 s (use -f to force it off)"
T

# --- stop -n, wait ----------------------------------------------------------
test_expect_success 'stop -n presses the button and returns 0, without waiting: the ignoring guest still runs' '
	run qemu-init stop -n ign &&
	test_rc 0 && test_out "ign: power button pressed" && alive "$ipid"
'
test_expect_success 'wait -t 2 for a VM that does not stop: exit 1, and it still runs' <<'T'
	run qemu-init wait -t 2 ign &&
	test_rc 1 && test_err "qemu-init: 'ign' is still running after 2 s" &&
	alive "$ipid"
T
test_expect_success 'wait --timeout=0: at once, still running' <<'T'
	run qemu-init wait --timeout=0 ign hand &&
	test_rc 1 && test_err_has "'ign' is still running after 0 s"
T
test_expect_success 'init-script form with long options: qemu-init ign stop --timeout 2 --force; QEMU is gone' '
	run qemu-init ign stop --timeout 2 --force &&
	test_rc 0 && test_out "ign: stopped (forced)" && gone "$ipid"
'
test_expect_success 'wait for a VM that does not run returns at once' '
	run qemu-init wait hand && test_rc 0 && test_out "hand: stopped"
'
test_expect_success 'qemu-init hand stop --no-wait' '
	run qemu-init start hand && test_rc 0 && wait_ready hand &&
	hpid=$(state_pid hand) &&
	run qemu-init hand stop --no-wait &&
	test_rc 0 && test_out "hand: power button pressed"
'
test_expect_success 'wait returns once the guest powered off; its QEMU is gone' '
	run_guest hand qemu-init wait -t 3600 hand &&
	test_rc 0 && test_out "hand: stopped" && gone "$hpid"
'

# --- pause, resume, reset ----------------------------------------------------
test_expect_success 'start web' '
	run qemu-init start web && test_rc 0 && wait_ready web
'
pid=$(state_pid web)
test_expect_success 'pause web' '
	run qemu-init pause web && test_rc 0 && test_out "web: paused"
'
test_expect_success '...QEMU says the VM is paused' '
	run qemu-cmd -c "info status" web && test_rc 0 && test_out "VM status: paused"
'
test_expect_success '...status shows it' '
	run qemu-init status web && test_rc 0 && test_out_has ", qemu paused"
'
test_expect_success '...info (init-script form) says qemu_state paused' '
	run qemu-init web info --output json && test_rc 0 &&
	printf "%s\n" "$out" > "$T/i3.json" &&
	test_eq paused "$(jget "$T/i3.json" qemu_state)"
' 
test_expect_success "...list's STATE says paused" <<'T'
	run qemu-init list &&
	test_eq paused "$(printf '%s\n' "$out" | awk '$1 == "web" { print $3 }')"
T
test_expect_success 'resume web; QEMU runs it again' '
	run qemu-init resume web && test_rc 0 && test_out "web: resumed" &&
	run qemu-cmd -c "info status" web && test_rc 0 && test_out "VM status: running"
'
n=$(markers web)
test_expect_success 'reset web' '
	run qemu-init reset web && test_rc 0 && test_out "web: reset"
'
test_expect_success '...the guest boots again (its ready marker once more), in the same QEMU' '
	guest_wait web "its ready marker once more" \
	    eval "[ \"\$(markers web)\" -gt $n ]" &&
	test_eq "$pid" "$(state_pid web)"
'
test_expect_success 'pause of a VM that does not run: exit 1' <<'T'
	run qemu-init pause hand &&
	test_rc 1 && test_err "qemu-init: 'hand' is not running"
T
test_expect_success 'resume without a VM is a usage error' '
	run qemu-init resume && test_rc 64
'

# --- stop -A: only what was started with AUTOSTART=yes ----------------------
test_expect_success 'start --autostart starts the AUTOSTART VM, and no other' '
	run qemu-init start --autostart &&
	test_rc 0 && test_out_has "auto: started" &&
	test "$(printf "%s\n" "$out" | grep -c ": started")" -eq 1
'
test_expect_success 'setup: hand and con started by hand; the configs edited; con'"'"'s state as an older qemu-init wrote it' <<'T'
	wait_ready auto &&
	run qemu-init start hand con && test_rc 0 &&
	echo 'AUTOSTART=yes' >> "$T/vms/hand/hand-qemu.cfg" &&
	echo 'AUTOSTART=no' >> "$T/vms/auto/auto-qemu.cfg" &&
	apid=$(state_pid auto) && cpid=$(state_pid con) &&
	# con's state as a qemu-init before AUTOSTART was recorded wrote it.
	sed -i '/^AUTOSTART=/d' "$QEMU_INIT_RUNDIR/con@state" &&
	wait_ready hand && wait_ready con
T
test_expect_success 'stop --autostart stops the VM started with AUTOSTART=yes, even though its config says AUTOSTART=no now' '
	run qemu-init stop --autostart --force &&
	test_rc 0 && test_out_has "auto: stopped" && gone "$apid"
'
test_expect_success '...and a VM whose state does not say (an older start)' 'gone "$cpid"'
test_expect_success '...and says nothing of the others (in parallel: in any order)' <<'T'
	test_eq "$(printf 'auto: stopped\ncon: stopped')" "$(printf '%s\n' "$out" | sort)"
T
test_expect_success '...which run on: started by hand (AUTOSTART=yes only since), and web' '
	alive "$(state_pid hand)" && alive "$pid"
'
test_expect_success 'stop -A with none to stop: exit 0, nothing said at all' '
	run qemu-init stop -A && test_rc 0 && test_eq "" "$out$err"
'

test_expect_success 'stop -a -f stops the rest; no QEMU is left' <<'T'
	run qemu-init stop -a -f &&
	test_rc 0 && test_out "web: stopped
hand: stopped" &&
	test -z "$(our_qemus)"
T
test_done
