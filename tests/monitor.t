#!/bin/bash
# monitor.t - qemu-cmd and qemu-mon against a real running guest: HMP
# through QMP, raw QMP, errors and exit codes, a busy monitor, a port
# that answers as another VM, stdin, and the interactive console in a
# real pseudo-terminal.
. "$(dirname "$0")/lib.sh"
need_guest
monitor_conf 31400 20
TMUX_SOCK=qinit-test-$$

guest_vm web obey
guest_vm other obey

run qemu-init start web
expect_out "start web" 0 "web: started"
check "the guest is ready" wait_ready web

# --- qemu-cmd ---------------------------------------------------------------
run qemu-cmd -c "info status" web
expect_out "qemu-cmd -c 'info status' prints HMP's answer" 0 \
    "VM status: running"
check "...with LF line ends, nothing added" test "$out" = "VM status: running"
run qemu-cmd -c "info name" -c "info status" web
check "several -c run in order" test "$out" = $'web\nVM status: running'
run qemu-cmd -j '{"execute":"query-status"}' web
expect_out "-j sends raw QMP and prints the JSON reply" 0 '"status": "running"'
check "...on one line" test "$(printf '%s\n' "$out" | wc -l)" -eq 1
run qemu-cmd -c "no-such-command" web
expect "an unknown HMP command exits 1" 1 "unknown command: 'no-such-command'"
check "...and prints no data on stdout" test -z "$out"
run qemu-cmd -j '{"execute":"no-such-command"}' web
expect "a QMP error exits 1" 1 "has not been found"
check "...with the JSON error reply on stdout" contains "$out" '"error"'
run qemu-cmd -j 'not json' web
expect "-j with what is not JSON is a usage error" 64 "-j: not JSON"
run qemu-cmd -c "info status" other
expect "a stopped VM exits 2" 2 "'other' is not running"
run qemu-cmd -c "info status" nosuchvm
expect "an unknown VM exits 1" 1 "unknown VM 'nosuchvm'"
run qemu-cmd web extra
check "two VMs is a usage error (64)" test "$rc" -eq 64
run qemu-cmd -V
expect_out "-V prints the version" 0 "qemu-cmd "

for i in $(seq 1 50); do echo "info name"; done > "$T/many"
run qemu-cmd web < "$T/many"
check "50 commands from stdin: 50 answers, exit 0" \
    test "$rc" -eq 0 -a "$(printf '%s\n' "$out" | grep -cx web)" -eq 50
printf 'info name\n\nbogus\ninfo status\n' > "$T/mixed"
run qemu-cmd web < "$T/mixed"
expect "stdin: a failing line makes the exit 1, the rest still runs" 1 \
    "unknown command: 'bogus'"
check "...both good lines answered" test "$out" = $'web\nVM status: running'

# A monitor takes one client: a second one gets no greeting and must
# give up with a clear message, not hang.
ctl=$(sed -n 's/^CTLPORT=//p' "$QEMU_INIT_RUNDIR/web@state")
exec 7<>"/dev/tcp/127.0.0.1/$ctl"
if [ -e /proc/sys/net/ipv6 ] && exec 8<>"/dev/tcp/::1/$ctl" 2>/dev/null; then
	:
fi
run qemu-cmd -c "info status" web
expect "a busy monitor: exit 2 with a clear message" 2 \
    "monitor of 'web' is busy (another client is connected)"
exec 7>&- 8>&- 2>/dev/null
run qemu-cmd -c "info status" web
expect_out "...and works again once the other client left" 0 "running"

# A port that answers as another VM gets an error, never the command.
mkdir -p "$QEMU_INIT_RUNDIR"
impostor_port=31499
qemu-system-x86_64 -accel tcg -m 64M -display none -S -name impostor \
    -qmp "tcp:127.0.0.1:$impostor_port,server=on,wait=off" \
    -pidfile "$QEMU_INIT_RUNDIR/other@pid" -daemonize 2>"$T/imp.err"
ipid=$(cat "$QEMU_INIT_RUNDIR/other@pid" 2>/dev/null)
check "an impostor QEMU runs with other's pid file" alive "$ipid" ||
    diag "$(cat "$T/imp.err")"
cat > "$QEMU_INIT_RUNDIR/other@state" <<STATE
PID=$ipid
PIDSTART=$(pid_start "$ipid")
SLOT=19
MONPORT=$((impostor_port - 100))
CTLPORT=$impostor_port
STARTED=1
STOPDELAY=90
CFG=x
STATE
run qemu-cmd -c "system_powerdown" other
expect "a port held by another VM: exit 2, named" 2 \
    "answers as VM 'impostor', not 'other': nothing sent"
check "...and nothing was sent: it still runs, paused" \
    test "$(printf '%s\n' '{"execute":"qmp_capabilities"}' \
        '{"execute":"query-status"}' | timeout 5 socat - \
        "TCP:127.0.0.1:$impostor_port" | grep -c '"status": "prelaunch"')" -eq 1
kill "$ipid"
rm -f "$QEMU_INIT_RUNDIR/other@state" "$QEMU_INIT_RUNDIR/other@pid"

# --- qemu-mon -----------------------------------------------------------------
run qemu-mon web < /dev/null
expect_out "qemu-mon with stdin at its end: the greeting, exit 0" 0 "(qemu)"
printf 'info name\n' > "$T/one"
run qemu-mon web < "$T/one"
expect_out "qemu-mon relays stdin and prints the reply" 0 $'\nweb\r'
run qemu-mon other < /dev/null
expect "qemu-mon of a stopped VM exits 2" 2 "'other' is not running"

# In a real terminal: type a command, see the reply, Ctrl-] leaves and
# the terminal modes are as before.
tmux -L "$TMUX_SOCK" new-session -d -x 120 -y 30 \
    "stty -g > $T/stty.before; qemu-mon web; echo \$? > $T/mon.rc; \
     stty -g > $T/stty.after; sleep 600"
pane() { tmux -L "$TMUX_SOCK" capture-pane -p; }
wait_pane() {
	local i=0
	while [ $i -lt 100 ]; do
		pane | grep -q "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	diag "pane has no '$1':" "$(pane)"
	return 1
}
check "qemu-mon in a terminal shows the monitor prompt" wait_pane "(qemu)"
tmux -L "$TMUX_SOCK" send-keys "info status" Enter
check "...typed 'info status' is answered" wait_pane "VM status: running"
tmux -L "$TMUX_SOCK" send-keys C-]
i=0
while [ ! -s "$T/stty.after" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "...Ctrl-] leaves with exit 0" test "$(cat "$T/mon.rc" 2>/dev/null)" = 0
check "...and the terminal modes are restored" \
    cmp -s "$T/stty.before" "$T/stty.after"
tmux -L "$TMUX_SOCK" kill-server 2>/dev/null

# SIGTERM while attached also restores the terminal.
rm -f "$T/stty.after" "$T/mon.rc"
tmux -L "$TMUX_SOCK" new-session -d -x 120 -y 30 \
    "stty -g > $T/stty.before; qemu-mon web; echo \$? > $T/mon.rc; \
     stty -g > $T/stty.after; sleep 600"
wait_pane "(qemu)" >/dev/null
monpid=$(pgrep -P "$(tmux -L "$TMUX_SOCK" display -p '#{pane_pid}')" -x qemu-mon)
[ -n "$monpid" ] && kill -TERM "$monpid"
i=0
while [ ! -s "$T/stty.after" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "SIGTERM ends qemu-mon with the terminal restored" \
    cmp -s "$T/stty.before" "$T/stty.after"
check "...exit status 143 (128 + SIGTERM)" test "$(cat "$T/mon.rc" 2>/dev/null)" = 143
tmux -L "$TMUX_SOCK" kill-server 2>/dev/null

# --- the power button through qemu-cmd ----------------------------------------
pid=$(state_pid web)
run qemu-cmd -c "system_powerdown" web
expect "qemu-cmd -c system_powerdown exits 0" 0 ""
i=0
while ! gone "$pid" && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
check "...and the guest powers off" gone "$pid"
run qemu-init status web
expect_out "a VM whose guest powered off is stopped, not dead" 3 "web: stopped"

done_testing
