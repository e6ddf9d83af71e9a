#!/bin/bash
# verbs-start.t - start's options (qemu-init(8)), with the real guest:
# start -c starts a VM and attaches its console in a real terminal;
# start -w waits until the guest is up, quiet in a script, and when it
# is not up in time says why (no marker, an empty console while QEMU
# does not execute the guest, KVM=no as the likely fix) and what to do,
# on a terminal with a live line that no escape sequence of the guest
# gets through.
. "$(dirname "$0")/lib.sh"
test_require GUEST,TMUX
monitor_conf

guest_vm con obey
guest_vm hand obey

# --- start -c -------------------------------------------------------------
test_expect_success 'start -c starts the VM' <<'T'
	term_start "qemu-init start -c con" 150 40 &&
	wait_pane "con: started, pid"
T
test_expect_success '...then attaches its console' '
	wait_pane "attached to the console of .con."
'
test_expect_success "...where the guest's boot shows" '
	PANE_VM=con wait_pane QINIT-GUEST-READY
'
test_expect_success '...and what is typed reaches the guest' '
	keys Enter && keys "echo \$((6*7))x" Enter && PANE_VM=con wait_pane "^42x"
'
test_expect_success '...Ctrl-] leaves, exit 0, the VM still running' '
	keys C-] && term_done && test_eq 0 "$(term_rc)" && alive "$(state_pid con)"
'
term_stop
test_expect_success 'start --console of a running VM attaches to it' <<'T'
	printf 'echo $((8*9))z\n' > "$T/typed" &&
	run qemu-init start --console con < "$T/typed" &&
	test_rc 0 && test_out_has 72z
T
test_expect_success 'start -c takes one VM (64), not -a (64)' '
	run qemu-init start -c con hand && test_rc 64 &&
	run qemu-init start -c -a && test_rc 64
'

# --- start -w ----------------------------------------------------------------
# In a script it stays quiet: the two lines of data, nothing on stderr.
# (Its wait, -w 3600, is far beyond a boot: the test's own is as long as
# the guest makes progress.)
guest_vm upw obey 'READY=QINIT-GUEST-READY'
test_expect_success 'start -w in a script: started, then up, and nothing on stderr' <<'T'
	run_guest upw qemu-init start -w 3600 upw &&
	test_rc 0 && test_err "" &&
	test_eq "upw: up" "$(printf '%s\n' "$out" | sed -n 2p)"
T
# Not up in time: the VM still runs, and the message says how to look
# at it or stop it.
guest_vm never obey 'READY=NEVER-SEEN'
test_expect_success 'start -w: not up in time, still running, what to do now (exit 1)' <<'T'
	run qemu-init start -w 5 never &&
	test_rc 1 &&
	test_err "qemu-init: 'never' is not up after 5 s: no 'NEVER-SEEN' in its console log; it still runs: watch it with 'qemu-init console never', stop it with 'qemu-init stop never'"
T
test_expect_success '...and it does still run' '
	run qemu-init status never && test_rc 0 && test_out_has "never: running"
'
# A guest that never gets to write to its console, while QEMU does not
# execute it (-S holds it before its first instruction): said, and with
# KVM=auto, KVM=no named as the likely fix.
guest_vm held obey 'CUSTOM1=-S'
test_expect_success 'start -w: an empty console and QEMU not executing, said (KVM=no)' <<'T'
	run qemu-init start -w 6 held &&
	test_rc 1 &&
	test_err "qemu-init: 'held' is not up after 6 s: its console log is empty and QEMU is not executing the guest (state: prelaunch); it still runs: watch it with 'qemu-init console held', stop it with 'qemu-init stop held'"
T
test_expect_success '...and with KVM=auto, KVM=no named as the likely fix' <<'T'
	run qemu-init kill held && test_rc 0 &&
	sed -i 's/^KVM=no$/KVM=auto/' "$T/vms/held/held-qemu.cfg" &&
	run qemu-init start -w 6 held &&
	test_rc 1 &&
	test_err "qemu-init: 'held' is not up after 6 s: its console log is empty and QEMU is not executing the guest (state: prelaunch), as with a /dev/kvm that opens but does not work: try KVM=no; it still runs: watch it with 'qemu-init console held', stop it with 'qemu-init stop held'"
T
run qemu-init kill held
# On a terminal: a live line, with the console's last line made harmless
# (a guest's escape sequences neither clear the screen nor colour it).
test_expect_success 'start -w on a terminal: a live line, the time and what it waits for' <<'T'
	wait_ready never &&
	term_start "qemu-init start -w 3600 never" 150 40 &&
	wait_pane "never: [0-9]* s, waiting for 'NEVER-SEEN' in its console log"
T
test_expect_success "...and the console's last line, escapes dropped, a tab a blank" <<'T'
	guest_type never "printf 'LIVE\\033[2J\\033[1;31m-RED\\033[0m-\\a\\t%s\\n' \$((6*7)); sleep 600" &&
	PANE_VM=never wait_pane "never: [0-9]* s, waiting for 'NEVER-SEEN' in its console log: LIVE-RED- 42$"
T
test_expect_success "...the guest's clear-screen never reached the terminal" '
	pane_has "never: already running"
'
test_expect_success '...kill ends the VM' '
	run qemu-init kill never && test_rc 0 && test_out "never: killed"
'
test_expect_success '...and the wait with it, exit 1, its line replaced by why' '
	wait_pane "never. stopped before .NEVER-SEEN. showed up" &&
	term_done && test_eq 1 "$(term_rc)"
'
term_stop

test_expect_success 'stop -a -f stops the rest; no QEMU is left' '
	run qemu-init stop -a -f && test_rc 0 && test -z "$(our_qemus)"
'
test_done
