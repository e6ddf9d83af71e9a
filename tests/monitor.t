#!/bin/bash
# monitor.t - qemu-cmd and qemu-mon against a real running guest: HMP
# through QMP, raw QMP and its ids, errors and exit codes, what is not
# JSON or not UTF-8, a busy monitor and the other loopback address (and
# ::1 only where QEMU listens, in a network namespace of the test's
# own), a port that answers as another VM, stdin, and both programs in a
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
for bad in 'e5' '1-2' '1.2.3' '--1' '01' '1.' '.5'; do
	run qemu-cmd -j "{\"execute\":\"query-status\",\"x\":$bad}" web
	[ "$rc" -eq 64 ] && contains "$err" "-j: not JSON: " || break
done
check "-j with a number JSON does not have (e5, 1-2, 01, ...) is a usage error" \
    test "$rc" -eq 64 -a "$bad" = .5 || show_run
run qemu-cmd -j '{"execute":"query-status","id":1}' web
expect "-j with an id that is not a string is a usage error" 64 \
    '-j: its "id" is not a string'
run qemu-cmd -j '{"execute":"query-name","id":"mine"}' \
    -j '{"execute":"query-status"}' web
check "-j: each reply carries its command's id, the given one or qemu-cmd's" \
    test "$(printf '%s\n' "$out" | sed -n '1{/"mine"/{/"web"/p}};2{/"qinit-[0-9]*"/{/"running"/p}}' |
        wc -l)" -eq 2 || show_run
run qemu-cmd -c $'info \xff' web
expect "-c with bytes that are not UTF-8 is a usage error" 64 \
    "-c: not valid UTF-8"
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
# JSON cannot carry bytes that are not UTF-8: such a line is refused,
# never sent, and the next command prints its own output.
printf 'info \xff\xfe\ninfo name\n' > "$T/notutf8"
run qemu-cmd web < "$T/notutf8"
expect "stdin: a line that is not UTF-8 is refused, exit 1" 1 \
    "qemu-cmd: stdin line 1: not valid UTF-8: not sent"
check "...and the next line, info name, prints its own output" \
    test "$out" = web || show_run
printf 'info status\ninfo \xc0\xaf\ninfo name\ninfo status\n' > "$T/notutf8"
run qemu-cmd web < "$T/notutf8"
check "...in the middle of a batch too: every other answer in order" \
    test "$rc" -eq 1 -a "$out" = $'VM status: running\nweb\nVM status: running' ||
    show_run

# A monitor takes one client: a second one gets no greeting.  Clients
# then try the other loopback address, and when both are held they give
# up with a clear message naming who holds them, never a hang.
ctl=$(sed -n 's/^CTLPORT=//p' "$QEMU_INIT_RUNDIR/web@state")
mon=$(sed -n 's/^MONPORT=//p' "$QEMU_INIT_RUNDIR/web@state")
printf 'info name\n' > "$T/one"
holders=
# hold ADDRESS PORT: an idle client on it (socat), once QEMU greeted it.
hold() {
	local log="$T/hold.$1.$2" i=0
	socat -u "TCP:$1:$2" "OPEN:$log,creat" & holders="$holders $!"
	while ! [ -s "$log" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ -s "$log" ]
}
release() {
	local p
	for p in $holders; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	holders=
}
if ss -Hltn "sport = :$ctl" | grep -q '\[::1\]'; then
	check "an idle client holds the QMP monitor on 127.0.0.1" \
	    hold 127.0.0.1 "$ctl"
	p4=${holders# }
	run qemu-cmd -c "info name" web
	expect_out "...qemu-cmd works through [::1], where QEMU listens too" 0 web
	check "an idle client holds the human monitor on 127.0.0.1" \
	    hold 127.0.0.1 "$mon"
	run qemu-mon web < "$T/one"
	expect_out "...qemu-mon works through [::1]" 0 $'\nweb\r'
	check "idle clients hold both monitors on [::1] too" eval \
	    'hold "[::1]" "$ctl" && hold "[::1]" "$mon"'
	run qemu-cmd -c "info status" web
	expect "both addresses held: exit 2, busy, and who holds it" 2 \
	    "qemu-cmd: monitor of 'web' is busy: held by pid "
	check "...both holders named" eval 'contains "$err" "pid $p4 (socat)" &&
	    contains "$err" "pid $(echo $holders | cut -d" " -f3) (socat)"' ||
	    show_run
	run qemu-mon web < /dev/null
	expect "...qemu-mon too: exit 2, busy, and who holds it" 2 \
	    "qemu-mon: monitor of 'web' is busy: held by pid "
else
	diag "no IPv6 loopback: one address to hold"
	check "an idle client holds the QMP monitor on 127.0.0.1" \
	    hold 127.0.0.1 "$ctl"
	run qemu-cmd -c "info status" web
	expect "a busy monitor: exit 2, and who holds it" 2 \
	    "qemu-cmd: monitor of 'web' is busy: held by pid ${holders# } (socat)"
fi
release
run qemu-cmd -c "info status" web
expect_out "...and works again once the others left" 0 "running"

# A port that answers as another VM gets an error, never the command.
# The QEMU recorded for 'other' is told from its command line in /proc
# (its -name), without a word to it; where that cannot be told, it is
# asked its name.
mkdir -p "$QEMU_INIT_RUNDIR"
impostor_port=31499
qemu-system-x86_64 -accel tcg -m 64M -display none -S -name impostor \
    -qmp "tcp:127.0.0.1:$impostor_port,server=on,wait=off" \
    -pidfile "$QEMU_INIT_RUNDIR/other@pid" -daemonize 2>"$T/imp.err"
ipid=$(cat "$QEMU_INIT_RUNDIR/other@pid" 2>/dev/null)
check "an impostor QEMU runs with other's pid file" alive "$ipid" ||
    diag "$(cat "$T/imp.err")"
# plant_other PID: other's state, naming PID as its QEMU.
plant_other() {
	cat > "$QEMU_INIT_RUNDIR/other@state" <<STATE
PID=$1
PIDSTART=$(pid_start "$1")
SLOT=19
MONPORT=$((impostor_port - 100))
CTLPORT=$impostor_port
STARTED=1
STOPDELAY=90
CFG=x
STATE
}
# still_paused: the impostor got no command: it still runs, paused.
still_paused() {
	test "$(printf '%s\n' '{"execute":"qmp_capabilities"}' \
	    '{"execute":"query-status"}' | timeout 5 socat - \
	    "TCP:127.0.0.1:$impostor_port" | grep -c '"status": "prelaunch"')" -eq 1
}
plant_other "$ipid"
run qemu-cmd -c cont other
expect "a port held by another VM: exit 2, named" 2 \
    "the QEMU of 'other' (pid $ipid) is VM 'impostor': nothing sent"
check "...and nothing was sent: it still runs, paused" still_paused
# A process whose command line tells nothing (no -name) recorded as
# other's QEMU: who answers on the port is asked, and says impostor.
sleep 600 & spid=$!
plant_other "$spid"
run qemu-cmd -c cont other
expect "...told by its answer where the command line cannot tell: exit 2" 2 \
    "port $impostor_port answers as VM 'impostor', not 'other': nothing sent"
check "...and nothing was sent: it still runs, paused" still_paused
kill "$spid" "$ipid"
wait "$spid" 2>/dev/null
rm -f "$QEMU_INIT_RUNDIR/other@state" "$QEMU_INIT_RUNDIR/other@pid"

# --- qemu-mon -----------------------------------------------------------------
run qemu-mon web < /dev/null
expect_out "qemu-mon with stdin at its end: the greeting, exit 0" 0 "(qemu)"
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

# qemu-cmd with no -c on a terminal says that it reads commands from
# stdin, and holds the monitor only while a command runs.
rm -f "$T/cmd.rc"
tmux -L "$TMUX_SOCK" new-session -d -x 200 -y 30 \
    "qemu-cmd web; echo \$? > $T/cmd.rc; sleep 600"
established() { ss -Htn state established "( dport = :$ctl )"; }
# no_connection: none to CTLPORT, within a second (a command may end).
no_connection() {
	local i=0
	while [ -n "$(established)" ] && [ $i -lt 20 ]; do
		sleep 0.05; i=$((i + 1))
	done
	[ -z "$(established)" ] || { diag "$(ss -Htnp state established \
	    "( dport = :$ctl )")"; return 1; }
}
check "qemu-cmd on a terminal says it reads commands from stdin" \
    wait_pane "reading HMP commands for 'web' from stdin, one a line (Ctrl-D ends)"
check "...and holds no connection while it waits" no_connection
tmux -L "$TMUX_SOCK" send-keys "info name" Enter
check "...a typed command is answered" wait_pane '^web$'
check "...and the connection is let go after it" no_connection
run qemu-cmd -c "info status" web
expect_out "...so another client gets the monitor meanwhile" 0 running
tmux -L "$TMUX_SOCK" send-keys C-d
i=0
while [ ! -s "$T/cmd.rc" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "...Ctrl-D ends it, exit 0" test "$(cat "$T/cmd.rc" 2>/dev/null)" = 0
tmux -L "$TMUX_SOCK" kill-server 2>/dev/null

# --- ::1 only where QEMU listens ----------------------------------------------
# In a network namespace of the test's own whose loopback has no ::1 when
# v6less starts, QEMU listens on 127.0.0.1 alone.  Then ::1 comes up and
# a fake monitor that answers as v6less takes CTLPORT there: with
# 127.0.0.1 held, qemu-cmd says busy, and never reaches the fake.
if [ "$(id -u)" -eq 0 ]; then
	guest_vm v6less obey
	NETNS=qinit-mon$$
	inns() { ip netns exec "$NETNS" "$@"; }
	check "a network namespace whose loopback has no ::1" eval \
	    'ip netns add "$NETNS" &&
	    inns sysctl -qw net.ipv6.conf.lo.disable_ipv6=1 &&
	    inns ip link set lo up'
	run inns qemu-init start v6less
	expect_out "v6less starts in it" 0 "v6less: started"
	v6ctl=$(state_of v6less CTLPORT)
	run qemu-cmd -c "info status" v6less
	expect_line "qemu-cmd from outside that namespace: why it cannot reach it, and where to run it (exit 2)" 2 \
	    "qemu-cmd: 'v6less' runs (pid $(state_pid v6less)) in network namespace '$NETNS', not in this one: port $v6ctl of its loopback cannot be reached from here (run the command there: ip netns exec $NETNS ...)"
	check "...its QEMU listens on 127.0.0.1 only" eval \
	    'inns ss -Hltn "sport = :$v6ctl" | grep -q "127.0.0.1:$v6ctl" &&
	    ! inns ss -Hltn "sport = :$v6ctl" | grep -q "\[::1\]"'
	cat > "$T/fake6.pl" <<'PERL'
use strict;
use warnings;
use IO::Socket::IP;
my ($port, $log) = @ARGV;
my $srv = IO::Socket::IP->new(LocalHost => '::1', LocalPort => $port,
    Listen => 5, ReuseAddr => 1, V6Only => 1) or die "listen: $!\n";
open(my $lf, '>>', $log) or die "$log: $!\n";
$lf->autoflush(1);
$SIG{PIPE} = 'IGNORE';
while (my $c = $srv->accept) {
	$c->autoflush(1);
	print $lf "connect\n";
	print $c '{"QMP": {"version": {}, "capabilities": []}}' . "\r\n";
	while (my $line = <$c>) {
		print $lf $line;
		my ($id) = $line =~ /"id":\s*"([^"]*)"/;
		my $ret = $line =~ /query-name/ ? '{"name": "v6less"}' : '{}';
		print $c "{\"return\": $ret, \"id\": \"" . ($id // '') .
		    "\"}\r\n";
	}
}
PERL
	: > "$T/fake6.log"
	inns sysctl -qw net.ipv6.conf.lo.disable_ipv6=0
	# Not through inns: $! must be the fake's own pid, for cleanup.
	ip netns exec "$NETNS" perl "$T/fake6.pl" "$v6ctl" "$T/fake6.log" \
	    2>"$T/fake6.err" &
	bg_started $!
	check "::1 comes up, and a fake that answers as v6less takes CTLPORT there" \
	    wait_until 10 eval 'inns ss -Hltn "sport = :$v6ctl" | grep -q "\[::1\]"' ||
	    diag "$(cat "$T/fake6.err")"
	ip netns exec "$NETNS" socat -u "TCP:127.0.0.1:$v6ctl" \
	    "OPEN:$T/hold6,creat" &
	bg_started $!
	check "an idle client holds the QMP monitor on 127.0.0.1" \
	    wait_until 10 test -s "$T/hold6"
	run inns qemu-cmd -t 3 -c "info status" v6less
	expect "qemu-cmd: busy (exit 2), not the fake on ::1" 2 \
	    "monitor of 'v6less' is busy"
	check "...which was never connected to" test ! -s "$T/fake6.log" ||
	    diag "$(cat "$T/fake6.log")"
	run qemu-init kill v6less
	expect_out "...kill ends v6less" 0 "v6less: killed"
	# A namespace without a name (unshare's, not ip netns's): nsenter.
	run unshare --net sh -c 'ip link set lo up && qemu-init start v6less'
	expect_out "v6less starts in a network namespace without a name" 0 \
	    "v6less: started"
	run qemu-cmd -c "info status" v6less
	expect_line "...qemu-cmd from outside it: why, and nsenter to get there (exit 2)" 2 \
	    "qemu-cmd: 'v6less' runs (pid $(state_pid v6less)) in another network namespace: port $(state_of v6less CTLPORT) of its loopback cannot be reached from here (run the command there: nsenter -t $(state_pid v6less) -n ...)"
	run qemu-init kill v6less
	expect_out "...kill ends it" 0 "v6less: killed"
fi

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
