#!/bin/bash
# console.t - the serial console: the boot log in RUNDIR, qemu-init
# console in a real pseudo-terminal (output shown, input sent, Ctrl-]
# leaves with the terminal restored), one client at a time, socket
# modes, and SERIAL=no.
. "$(dirname "$0")/lib.sh"
test_require GUEST,TMUX
monitor_conf

guest_vm web obey
guest_vm quiet obey "SERIAL=no"

test_expect_success 'start web' '
	run qemu-init start web && test_rc 0 && test_out_has "web: started"
'
test_expect_success "the guest's ready marker shows up in the console log" '
	wait_ready web
'
test_expect_success 'the serial socket is mode 0600, the console log too' '
	test_eq "600 600" "$(stat -c %a "$QEMU_INIT_RUNDIR/web@serial" \
	    "$QEMU_INIT_RUNDIR/web@console.log" | tr "\n" " " | sed "s/ $//")"
'

attach() {
	term_start "qemu-init console web" &&
	    wait_pane "attached to the console of 'web'"
}
test_expect_success 'qemu-init console attaches in a terminal' attach
test_expect_success "...what is typed reaches the guest's shell and its output shows" '
	keys Enter && keys "echo \$((6*7))x" Enter && wait_pane "^42x"
'
test_expect_success 'a second client while one is attached gets a clear error' <<'T'
	run qemu-init console web < /dev/null &&
	test_rc 1 &&
	test_err "qemu-init: the console of 'web' is in use (another client is attached)"
T
test_expect_success 'Ctrl-] leaves, with exit 0, the terminal modes restored' '
	keys C-] && term_done && test_eq 0 "$(term_rc)" && term_modes_kept
'
term_stop

test_expect_success 'the console can be attached again after that' attach
test_expect_success '...and still works' '
	keys Enter && keys "echo \$((7*8))y" Enter && wait_pane "^56y"
'
test_expect_success 'SIGHUP detaches with the terminal restored, exit 129 (128 + SIGHUP)' <<'T'
	pid=$(pgrep -P "$(tmux -L "$TMUX_SOCK" display -p '#{pane_pid}')" -x qemu-init) &&
	kill -HUP "$pid" &&
	term_done && test_eq 129 "$(term_rc)" && term_modes_kept
T
term_stop
test_expect_success 'the log kept what was typed and answered' '
	test_grep "^56y" "$(console_log web)"
'

test_expect_success 'console with piped input sends it and prints the answer' <<'T'
	printf 'echo $((8*9))z\n' > "$T/typed" &&
	run qemu-init console web < "$T/typed" &&
	test_rc 0 && test_out_has "72z"
T

test_expect_success 'a VM with SERIAL=no starts, and has no serial socket' '
	run qemu-init start quiet && test_rc 0 && test_out_has "quiet: started" &&
	test ! -e "$QEMU_INIT_RUNDIR/quiet@serial"
'
test_expect_success 'console of a VM without a serial port says so' <<'T'
	run qemu-init console quiet < /dev/null &&
	test_rc 1 &&
	test_err "qemu-init: 'quiet' has no serial console (nothing listens on $QEMU_INIT_RUNDIR/quiet@serial; SERIAL=no?)"
T
test_expect_success 'console of an unknown VM' <<'T'
	run qemu-init console nosuchvm &&
	test_rc 1 &&
	test_err "qemu-init: unknown VM 'nosuchvm' (not in $QEMU_INIT_CONFDIR/qemu-init.reg)"
T

test_expect_success 'stop -a stops both, no QEMU is left' '
	run qemu-init stop -a -t 600 && test_rc 0 &&
	test_out "web: stopped
quiet: stopped" && test -z "$(our_qemus)"
'

test_done
