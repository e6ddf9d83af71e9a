#!/bin/bash
# console.t - the serial console: the boot log in RUNDIR, qemu-init
# console in a real pseudo-terminal (output shown, input sent, Ctrl-]
# leaves with the terminal restored), one client at a time, socket
# modes, and SERIAL=no.
. "$(dirname "$0")/lib.sh"
need_guest
monitor_conf 31800 20
TMUX_SOCK=qinit-con-$$

guest_vm web obey
guest_vm quiet obey "SERIAL=no"

run qemu-init start web
expect_out "start web" 0 "web: started"
check "the guest's ready marker shows up in the console log" wait_ready web
check "the serial socket is mode 0600" \
    test "$(stat -c %a "$QEMU_INIT_RUNDIR/web@serial")" = 600
check "the console log is not readable by others" \
    test "$(stat -c %a "$QEMU_INIT_RUNDIR/web@console.log")" = 600

attach() {
	in_terminal qemu-init console web
	wait_pane "attached to the console of 'web'"
}

check "qemu-init console attaches in a terminal" attach
tmux -L "$TMUX_SOCK" send-keys Enter
tmux -L "$TMUX_SOCK" send-keys 'echo $((6*7))x' Enter
check "...what is typed reaches the guest's shell and its output shows" \
    wait_pane '^42x'
run qemu-init console web < /dev/null
expect "a second client while one is attached gets a clear error" 1 \
    "the console of 'web' is in use (another client is attached)"
tmux -L "$TMUX_SOCK" send-keys C-]
check "Ctrl-] leaves" terminal_left
check "...with exit 0" test "$(cat "$T/term.rc" 2>/dev/null)" = 0
check "...and the terminal modes restored" \
    cmp -s "$T/stty.before" "$T/stty.after"
tmux -L "$TMUX_SOCK" kill-server 2>/dev/null

check "the console can be attached again after that" attach
tmux -L "$TMUX_SOCK" send-keys Enter
tmux -L "$TMUX_SOCK" send-keys 'echo $((7*8))y' Enter
check "...and still works" wait_pane '^56y'
pid=$(pgrep -P "$(tmux -L "$TMUX_SOCK" display -p '#{pane_pid}')" -x qemu-init)
[ -n "$pid" ] && kill -HUP "$pid"
check "SIGHUP detaches with the terminal restored" terminal_left
check "...exit status 129 (128 + SIGHUP)" test "$(cat "$T/term.rc" 2>/dev/null)" = 129
check "...identical modes" cmp -s "$T/stty.before" "$T/stty.after"
tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
check "the log kept what was typed and answered" \
    grep -q '^56y' "$QEMU_INIT_RUNDIR/web@console.log"

printf 'echo $((8*9))z\n' > "$T/typed"
run qemu-init console web < "$T/typed"
expect_out "console with piped input sends it and prints the answer" 0 "72z"

run qemu-init start quiet
expect_out "a VM with SERIAL=no starts" 0 "quiet: started"
check "...and has no serial socket" test ! -e "$QEMU_INIT_RUNDIR/quiet@serial"
run qemu-init console quiet < /dev/null
expect "console of a VM without a serial port says so" 1 \
    "'quiet' has no serial console"
run qemu-init console nosuchvm
expect "console of an unknown VM" 1 "unknown VM 'nosuchvm'"

run qemu-init stop -a
expect_out "stop -a" 0 "web: stopped"
check "no QEMU is left" test -z "$(our_qemus)"

done_testing
