#!/bin/bash
# monitor.t - qemu-cmd and qemu-mon against a real running guest: HMP
# through QMP, raw QMP and its ids, errors and exit codes, what is not
# JSON or not UTF-8, a busy monitor and the other loopback address (and
# ::1 only where QEMU listens, in a network namespace of the test's
# own), a port that answers as another VM, stdin, and both programs in a
# real pseudo-terminal.
. "$(dirname "$0")/lib.sh"
test_require GUEST,SOCAT,TMUX
monitor_conf

guest_vm web obey
guest_vm other obey

test_expect_success 'start web' '
	run qemu-init start web && test_rc 0 && test_out_has "web: started"
'
test_expect_success 'the guest is ready' 'wait_ready web'

# --- qemu-cmd ---------------------------------------------------------------
test_expect_success "qemu-cmd -c 'info status' prints HMP's answer, LF line ends, nothing added" '
	run qemu-cmd -c "info status" web &&
	test_rc 0 && test_out "VM status: running" && test_eq "" "$(tr -dc "\r" < "$T/out")"
'
test_expect_success 'several -c run in order' '
	run qemu-cmd -c "info name" -c "info status" web &&
	test_rc 0 && test_out "web
VM status: running"
'
test_expect_success '-j sends raw QMP and prints the JSON reply, on one line' <<'T'
	run qemu-cmd -j '{"execute":"query-status"}' web &&
	test_rc 0 && test_out_has '"status": "running"' &&
	test "$(printf '%s\n' "$out" | wc -l)" -eq 1
T
test_expect_success 'an unknown HMP command exits 1, no data on stdout' <<'T'
	run qemu-cmd -c "no-such-command" web &&
	test_rc 1 && test_err_has "unknown command: 'no-such-command'" && test_out ""
T
test_expect_success 'a QMP error exits 1, with the JSON error reply on stdout' <<'T'
	run qemu-cmd -j '{"execute":"no-such-command"}' web &&
	test_rc 1 && test_err_has "has not been found" && test_out_has '"error"'
T
test_expect_success '-j with what is not JSON is a usage error' '
	run qemu-cmd -j "not json" web && test_rc 64 && test_err_has "-j: not JSON"
'
for bad in 'e5' '1-2' '1.2.3' '--1' '01' '1.' '.5'; do
	test_expect_success "-j with a number JSON does not have ($bad) is a usage error" '
		run qemu-cmd -j "{\"execute\":\"query-status\",\"x\":$bad}" web &&
		test_rc 64 && test_err_has "-j: not JSON: "
	'
done
test_expect_success '-j with an id that is not a string is a usage error' <<'T'
	run qemu-cmd -j '{"execute":"query-status","id":1}' web &&
	test_rc 64 && test_err_has '-j: its "id" is not a string'
T
test_expect_success "-j: each reply carries its command's id, the given one or qemu-cmd's" <<'T'
	run qemu-cmd -j '{"execute":"query-name","id":"mine"}' \
	    -j '{"execute":"query-status"}' web &&
	test_rc 0 &&
	test "$(printf '%s\n' "$out" | sed -n '1{/"mine"/{/"web"/p}};2{/"qinit-[0-9]*"/{/"running"/p}}' |
	    wc -l)" -eq 2
T
test_expect_success '-c with bytes that are not UTF-8 is a usage error' <<'T'
	run qemu-cmd -c $'info \xff' web &&
	test_rc 64 && test_err_has "-c: not valid UTF-8"
T
test_expect_success 'a stopped VM exits 2' <<'T'
	run qemu-cmd -c "info status" other &&
	test_rc 2 && test_err "qemu-cmd: 'other' is not running"
T
test_expect_success 'an unknown VM exits 1' <<'T'
	run qemu-cmd -c "info status" nosuchvm &&
	test_rc 1 &&
	test_err "qemu-cmd: unknown VM 'nosuchvm' (not in $QEMU_INIT_CONFDIR/qemu-init.reg)"
T
test_expect_success 'two VMs is a usage error (64)' 'run qemu-cmd web extra && test_rc 64'
test_expect_success '-V prints the version' '
	run qemu-cmd -V && test_rc 0 && test_out_has "qemu-cmd "
'

test_expect_success '50 commands from stdin: 50 answers, exit 0' <<'T'
	for i in $(seq 1 50); do echo "info name"; done > "$T/many" &&
	run qemu-cmd web < "$T/many" &&
	test_rc 0 && test "$(printf '%s\n' "$out" | grep -cx web)" -eq 50
T
test_expect_success 'stdin: a failing line makes the exit 1, the rest still runs' <<'T'
	printf 'info name\n\nbogus\ninfo status\n' > "$T/mixed" &&
	run qemu-cmd web < "$T/mixed" &&
	test_rc 1 && test_err_has "unknown command: 'bogus'" &&
	test_out "web
VM status: running"
T
# JSON cannot carry bytes that are not UTF-8: such a line is refused,
# never sent, and the next command prints its own output.
test_expect_success 'stdin: a line that is not UTF-8 is refused (exit 1), the next one answered' <<'T'
	printf 'info \xff\xfe\ninfo name\n' > "$T/notutf8" &&
	run qemu-cmd web < "$T/notutf8" &&
	test_rc 1 &&
	test_err "qemu-cmd: stdin line 1: not valid UTF-8: not sent" &&
	test_out web
T
test_expect_success '...in the middle of a batch too: every other answer in order' <<'T'
	printf 'info status\ninfo \xc0\xaf\ninfo name\ninfo status\n' > "$T/notutf8" &&
	run qemu-cmd web < "$T/notutf8" &&
	test_rc 1 && test_out "VM status: running
web
VM status: running"
T

# A monitor takes one client: a second one gets no greeting.  Clients
# then try the other loopback address, and when both are held they give
# up with a clear message naming who holds them, never a hang.
ctl=$(state_of web CTLPORT)
mon=$(state_of web MONPORT)
printf 'info name\n' > "$T/one"
holders=
# hold ADDRESS PORT: an idle client on it (socat), once QEMU greeted it.
hold() {
	local log="$T/hold.$1.$2"
	socat -u "TCP:$1:$2" "OPEN:$log,creat" &
	holders="$holders $!"
	bg_started $!
	wait_until 60 test -s "$log"
}
release() {
	local p
	for p in $holders; do
		kill "$p" 2>/dev/null
		wait_until 60 gone "$p"
	done
	holders=
}
test_expect_success 'an idle client holds the QMP monitor on 127.0.0.1' '
	hold 127.0.0.1 "$ctl" && p4=${holders# }
'
if ipv6_loopback; then
	test_expect_success 'qemu-cmd works through [::1], where QEMU listens too' '
		run qemu-cmd -c "info name" web && test_rc 0 && test_out web
	'
	test_expect_success 'an idle client holds the human monitor on 127.0.0.1' '
		hold 127.0.0.1 "$mon"
	'
	test_expect_success '...qemu-mon works through [::1]' <<'T'
		run qemu-mon web < "$T/one" && test_rc 0 && test_out_has $'\nweb\r'
T
	test_expect_success 'idle clients hold both monitors on [::1] too' '
		hold "[::1]" "$ctl" && hold "[::1]" "$mon"
	'
	test_expect_success 'both addresses held: exit 2, busy, and who holds it (both holders named)' <<'T'
		run qemu-cmd -c "info status" web &&
		test_rc 2 &&
		test_err_has "qemu-cmd: monitor of 'web' is busy: held by pid " &&
		test_err_has "pid $p4 (socat)" &&
		test_err_has "pid $(echo $holders | cut -d" " -f3) (socat)"
T
	test_expect_success '...qemu-mon too: exit 2, busy, and who holds it' <<'T'
		run qemu-mon web < /dev/null &&
		test_rc 2 && test_err_has "qemu-mon: monitor of 'web' is busy: held by pid "
T
else
	test_expect_success 'a busy monitor: exit 2, and who holds it' <<'T'
		run qemu-cmd -c "info status" web &&
		test_rc 2 &&
		test_err "qemu-cmd: monitor of 'web' is busy: held by pid $p4 (socat)"
T
fi
release
test_expect_success '...and works again once the others left' '
	run qemu-cmd -c "info status" web && test_rc 0 && test_out "VM status: running"
'

# A port that answers as another VM gets an error, never the command.
# The QEMU recorded for 'other' is told from its command line in /proc
# (its -name), without a word to it; where that cannot be told, it is
# asked its name.  The impostor listens where the kernel finds a port.
mkdir -p "$QEMU_INIT_RUNDIR"
impostor_port=$(free_port)
test_expect_success 'an impostor QEMU runs with other'"'"'s pid file' <<'T'
	qemu-system-x86_64 -accel tcg -m 64M -display none -S -name impostor \
	    -qmp "tcp:127.0.0.1:$impostor_port,server=on,wait=off" \
	    -pidfile "$QEMU_INIT_RUNDIR/other@pid" -daemonize 2>"$T/imp.err" &&
	ipid=$(cat "$QEMU_INIT_RUNDIR/other@pid") &&
	bg_started "$ipid" &&
	alive "$ipid" || { cat "$T/imp.err"; false; }
T
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
	    '{"execute":"query-status"}' | timeout 60 socat - \
	    "TCP:127.0.0.1:$impostor_port" | grep -c '"status": "prelaunch"')" -eq 1
}
test_expect_success 'a port held by another VM: exit 2, named; nothing was sent: it still runs, paused' <<'T'
	plant_other "$ipid" &&
	run qemu-cmd -c cont other &&
	test_rc 2 &&
	test_err "qemu-cmd: the QEMU of 'other' (pid $ipid) is VM 'impostor': nothing sent" &&
	still_paused
T
# A process whose command line tells nothing (no -name) recorded as
# other's QEMU: who answers on the port is asked, and says impostor.
test_expect_success '...told by its answer where the command line cannot tell: exit 2; nothing sent' <<'T'
	sleep 600 &
	spid=$!
	bg_started $spid
	plant_other "$spid" &&
	run qemu-cmd -c cont other &&
	test_rc 2 &&
	test_err "qemu-cmd: port $impostor_port answers as VM 'impostor', not 'other': nothing sent" &&
	still_paused
T
kill "$spid" "$ipid" 2>/dev/null
rm -f "$QEMU_INIT_RUNDIR/other@state" "$QEMU_INIT_RUNDIR/other@pid"

# --- qemu-mon -----------------------------------------------------------------
test_expect_success 'qemu-mon with stdin at its end: the greeting, exit 0' '
	run qemu-mon web < /dev/null && test_rc 0 && test_out_has "(qemu)"
'
test_expect_success 'qemu-mon relays stdin and prints the reply' <<'T'
	run qemu-mon web < "$T/one" && test_rc 0 && test_out_has $'\nweb\r'
T
test_expect_success 'qemu-mon of a stopped VM exits 2' <<'T'
	run qemu-mon other < /dev/null &&
	test_rc 2 && test_err "qemu-mon: 'other' is not running"
T

# In a real terminal: type a command, see the reply, Ctrl-] leaves and
# the terminal modes are as before.
test_expect_success 'qemu-mon in a terminal shows the monitor prompt' '
	term_start "qemu-mon web" && wait_pane "(qemu)"
'
test_expect_success "...typed 'info status' is answered" '
	keys "info status" Enter && wait_pane "VM status: running"
'
test_expect_success '...Ctrl-] leaves with exit 0, the terminal modes restored' '
	keys C-] && term_done && test_eq 0 "$(term_rc)" && term_modes_kept
'

# SIGTERM while attached also restores the terminal.
test_expect_success 'SIGTERM ends qemu-mon with the terminal restored, exit 143 (128 + SIGTERM)' <<'T'
	term_start "qemu-mon web" && wait_pane "(qemu)" &&
	monpid=$(pgrep -P "$(tmux -L "$TMUX_SOCK" display -p '#{pane_pid}')" -x qemu-mon) &&
	kill -TERM "$monpid" &&
	term_done && term_modes_kept && test_eq 143 "$(term_rc)"
T

# qemu-cmd with no -c on a terminal says that it reads commands from
# stdin, and holds the monitor only while a command runs.
established() { ss -Htn state established "( dport = :$ctl )"; }
no_connection() {
	wait_until 60 eval '[ -z "$(established)" ]' && return 0
	ss -Htnp state established "( dport = :$ctl )"
	return 1
}
test_expect_success 'qemu-cmd on a terminal says it reads commands from stdin' '
	term_start "qemu-cmd web" 200 30 &&
	wait_pane "reading HMP commands for .web. from stdin, one a line (Ctrl-D ends)"
'
test_expect_success '...and holds no connection while it waits' no_connection
test_expect_success '...a typed command is answered' '
	keys "info name" Enter && wait_pane "^web$"
'
test_expect_success '...and the connection is let go after it' no_connection
test_expect_success '...so another client gets the monitor meanwhile' '
	run qemu-cmd -c "info status" web && test_rc 0 && test_out "VM status: running"
'
test_expect_success '...Ctrl-D ends it, exit 0' '
	keys C-d && term_done && test_eq 0 "$(term_rc)"
'
term_stop

# --- ::1 only where QEMU listens ----------------------------------------------
# In a network namespace of the test's own whose loopback has no ::1 when
# v6less starts, QEMU listens on 127.0.0.1 alone.  Then ::1 comes up and
# a fake monitor that answers as v6less takes CTLPORT there: with
# 127.0.0.1 held, qemu-cmd says busy, and never reaches the fake.
guest_vm v6less obey
prereq V6LESS "a network namespace whose loopback has no ::1 (root, and its setup)" false
test_expect_success ROOT 'setup: a network namespace whose loopback has no ::1' <<'T' && test_have_prereq ROOT && test_set_prereq V6LESS
	NETNS=qinit-$TEST_NAME-$$ &&
	NETNSES="$NETNSES $NETNS" &&
	ip netns add "$NETNS" &&
	inns sysctl -qw net.ipv6.conf.lo.disable_ipv6=1 &&
	inns ip link set lo up
T
test_expect_success V6LESS 'v6less starts in it' '
	run inns qemu-init start v6less && test_rc 0 && test_out_has "v6less: started"
'
v6ctl=$(state_of v6less CTLPORT)
test_expect_success V6LESS 'qemu-cmd from outside that namespace: why it cannot reach it, and where to run it (exit 2)' <<'T'
	run qemu-cmd -c "info status" v6less &&
	test_rc 2 &&
	test_err "qemu-cmd: 'v6less' runs (pid $(state_pid v6less)) in network namespace '$NETNS', not in this one: port $v6ctl of its loopback cannot be reached from here (run the command there: ip netns exec $NETNS ...)"
T
cat > "$T/fake.pl" <<'PERL'
use strict;
use warnings;
use IO::Socket::IP;
my ($host, $port, $log) = @ARGV;
my $srv = IO::Socket::IP->new(LocalHost => $host, LocalPort => $port,
    Listen => 5, ReuseAddr => 1, ($host =~ /:/ ? (V6Only => 1) : ()))
    or die "listen: $!\n";
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
# What another make check's VM of the same name would be: a monitor on
# this namespace's loopback at that port, answering as v6less.
test_expect_success V6LESS 'a fake that answers as v6less listens at its port on this loopback' <<'T'
	: > "$T/fakehost.log" &&
	{ perl "$T/fake.pl" 127.0.0.1 "$v6ctl" "$T/fakehost.log" \
	    2>"$T/fakehost.err" & } &&
	fakehost=$! &&
	bg_started $fakehost &&
	wait_until 60 eval 'ss -Hltn "sport = :$v6ctl" | grep -q "127.0.0.1:$v6ctl"' ||
	    { cat "$T/fakehost.err"; false; }
T
test_expect_success V6LESS '...qemu-cmd from here still says where v6less runs, and never asks the fake' <<'T'
	run qemu-cmd -t 5 -c "info status" v6less &&
	test_rc 2 &&
	test_err "qemu-cmd: 'v6less' runs (pid $(state_pid v6less)) in network namespace '$NETNS', not in this one: port $v6ctl of its loopback cannot be reached from here (run the command there: ip netns exec $NETNS ...)" &&
	test ! -s "$T/fakehost.log" || { cat "$T/fakehost.log"; false; }
T
test_expect_success V6LESS '...nor does qemu-mon' <<'T'
	run qemu-mon v6less </dev/null &&
	test_rc 2 &&
	test_err_has "'v6less' runs (pid $(state_pid v6less)) in network namespace '$NETNS', not in this one" &&
	test ! -s "$T/fakehost.log" || { cat "$T/fakehost.log"; false; }
T
[ -n "$fakehost" ] && kill "$fakehost" 2>/dev/null
test_expect_success V6LESS '...its QEMU listens on 127.0.0.1 only' <<'T'
	inns ss -Hltn "sport = :$v6ctl" | grep -q "127.0.0.1:$v6ctl" &&
	! inns ss -Hltn "sport = :$v6ctl" | grep -q "\[::1\]"
T
test_expect_success V6LESS '::1 comes up, and a fake that answers as v6less takes CTLPORT there' <<'T'
	: > "$T/fake6.log" &&
	inns sysctl -qw net.ipv6.conf.lo.disable_ipv6=0 &&
	{ ip netns exec "$NETNS" perl "$T/fake.pl" ::1 "$v6ctl" "$T/fake6.log" \
	    2>"$T/fake6.err" & } &&
	bg_started $! &&
	wait_until 60 eval 'inns ss -Hltn "sport = :$v6ctl" | grep -q "\[::1\]"' ||
	    { cat "$T/fake6.err"; false; }
T
test_expect_success V6LESS 'an idle client holds the QMP monitor on 127.0.0.1' <<'T'
	{ ip netns exec "$NETNS" socat -u "TCP:127.0.0.1:$v6ctl" \
	    "OPEN:$T/hold6,creat" & } &&
	bg_started $! &&
	wait_until 60 test -s "$T/hold6"
T
test_expect_success V6LESS 'qemu-cmd: busy (exit 2), not the fake on ::1, which was never connected to' <<'T'
	run inns qemu-cmd -t 3 -c "info status" v6less &&
	test_rc 2 && test_err_has "monitor of 'v6less' is busy" &&
	test ! -s "$T/fake6.log" || { cat "$T/fake6.log"; false; }
T
test_expect_success V6LESS '...kill ends v6less' '
	run qemu-init kill v6less && test_rc 0 && test_out "v6less: killed"
'
# A namespace without a name (unshare's, not ip netns's): nsenter.
test_expect_success ROOT 'v6less starts in a network namespace without a name' <<'T'
	run unshare --net sh -c 'ip link set lo up && qemu-init start v6less' &&
	test_rc 0 && test_out_has "v6less: started"
T
test_expect_success ROOT '...qemu-cmd from outside it: why, and nsenter to get there (exit 2)' <<'T'
	run qemu-cmd -c "info status" v6less &&
	test_rc 2 &&
	test_err "qemu-cmd: 'v6less' runs (pid $(state_pid v6less)) in another network namespace: port $(state_of v6less CTLPORT) of its loopback cannot be reached from here (run the command there: nsenter -t $(state_pid v6less) -n ...)"
T
test_expect_success ROOT '...kill ends it' '
	run qemu-init kill v6less && test_rc 0 && test_out "v6less: killed"
'

# --- the power button through qemu-cmd ----------------------------------------
pid=$(state_pid web)
test_expect_success 'qemu-cmd -c system_powerdown exits 0, and the guest powers off' '
	run qemu-cmd -c "system_powerdown" web &&
	test_rc 0 && test_eq "" "$out$err" && wait_off web "$pid"
'
test_expect_success 'a VM whose guest powered off is stopped, not dead' '
	run qemu-init status web && test_rc 3 && test_out "web: stopped"
'

test_done
