#!/bin/bash
# faults.t - faults give a clear message and a sane exit, never a hang
# and never a second QEMU: QEMU dying during start, a QEMU killed while
# running, a truncated or garbage state file, a missing or unwritable run
# directory, a monitor port taken by a foreign listener, and a "QEMU"
# that accepts connections but never answers.
. "$(dirname "$0")/lib.sh"
need_guest
BASE=32400
monitor_conf $BASE 20
guest_vm web obey
# bounded CMD...: runs CMD, but gives up after 60 s (exit 124): a bound
# on a hang, never a timing assertion.
bounded() { run timeout 60 "$@"; }
nqemu() { our_qemus | wc -l; }

# --- QEMU dies during start ------------------------------------------------
guest_vm baddev obey 'CUSTOM1="-device no-such-device"'
bounded qemu-init start baddev
expect "QEMU dying during start: exit 1 with QEMU's words" 1 \
    "QEMU failed to start 'baddev': "
check "...no QEMU, no state, no pid file" test "$(nqemu)" -eq 0 -a \
    ! -e "$QEMU_INIT_RUNDIR/baddev@state" -a ! -e "$QEMU_INIT_RUNDIR/baddev@pid"

guest_vm noqemu obey "TGTARCH=qemu-system-nonexistent"
bounded qemu-init start noqemu
expect "a QEMU binary that is not there: a clear error" 1 \
    "cannot run qemu-system-nonexistent: No such file or directory"
check "...nothing left" test "$(nqemu)" -eq 0 -a \
    ! -e "$QEMU_INIT_RUNDIR/noqemu@state"

# --- killed while running ------------------------------------------------------
run qemu-init start web
pid=$(state_pid web)
kill -KILL "$pid"
while ! gone "$pid"; do sleep 0.05; done
bounded qemu-init stop web
expect_out "stop of a VM whose QEMU was killed: not running, exit 0" 0 \
    "web: not running"
check "...and its leftovers are cleaned" test ! -e "$QEMU_INIT_RUNDIR/web@state"

# --- a truncated state file while the VM runs ---------------------------------
run qemu-init start web
pid=$(state_pid web)
: > "$QEMU_INIT_RUNDIR/web@state"
bounded qemu-init status web
expect_out "a truncated state file: status still finds the running QEMU" 0 \
    "web: running, pid $pid"
bounded qemu-init start web
expect_out "...start says it runs" 0 "web: already running, pid $pid"
check "...and starts no second QEMU" test "$(nqemu)" -eq 1
wait_ready web
bounded qemu-init stop -t 60 web
expect_out "...stop still presses the button through its control socket" 0 \
    "web: stopped"
check "...QEMU is gone" gone "$pid"

# --- a garbage state file of a VM that is not running ----------------------------
mkdir -p "$QEMU_INIT_RUNDIR"
printf 'PID=banana\nSLOT=%%\n' > "$QEMU_INIT_RUNDIR/web@state"
echo 999999 > "$QEMU_INIT_RUNDIR/web@pid"
bounded qemu-init status web
expect_out "a garbage state file: status says dead (exit 1)" 1 \
    "web: dead (state file unreadable)"
bounded qemu-init start web
expect_out "...start recovers without manual clean-up" 0 "web: started"
bounded qemu-init kill web

# --- another qemu-init busy with the same VM ----------------------------------
# This shell holds the VM's lock, as a running qemu-init would.
exec 9>"$QEMU_INIT_RUNDIR/web@lock"
flock 9
bounded qemu-init start web 9>&-
expect "a VM another qemu-init holds: start waits, then says so" 1 \
    "another qemu-init is acting on 'web' (still busy after 10 s)"
check "...and starts nothing" test "$(nqemu)" -eq 0
exec 9>&-

# --- the run directory ---------------------------------------------------------
QEMU_INIT_RUNDIR=$T/no/such/run bounded qemu-init start web
expect "a run directory that cannot be created: clear error" 1 \
    "cannot create run directory $T/no/such/run: No such file or directory"
QEMU_INIT_RUNDIR=$T/fresh-run bounded qemu-init start web
expect_out "a missing run directory is created" 0 "web: started"
QEMU_INIT_RUNDIR=$T/fresh-run bounded qemu-init kill web
if [ "$(id -u)" -eq 0 ]; then
	bounded setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$BIN/qemu-init" start web
	expect "a run directory the user cannot write: clear error" 1 \
	    "run directory $QEMU_INIT_RUNDIR is root's: run this as root"
	check "...nothing started" test "$(nqemu)" -eq 0
	bounded setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$BIN/qemu-init" status web
	expect_out "...while status, which only reads, works" 3 "web: stopped"
fi

# --- a foreign listener on slot 0's monitor port ----------------------------------
perl -MIO::Socket::INET -e '
	$s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
	    LocalPort => $ARGV[0], Listen => 5, ReuseAddr => 1) or die "$!";
	$SIG{TERM} = sub { exit 0 };
	sleep 600;' "$BASE" &
squatter=$!
i=0
while ! ss -Hltn "sport = :$BASE" | grep -q .; do
	sleep 0.05; i=$((i + 1)); [ $i -lt 200 ] || break
done
bounded qemu-init start web
expect_out "a port taken by another program is skipped: slot 1" 0 \
    "monitor $((BASE + 1)), control $((BASE + 101))"
bounded qemu-init kill web
kill "$squatter"; wait "$squatter" 2>/dev/null

# --- no free slot -----------------------------------------------------------------
guest_vm web2 obey
monitor_conf $BASE 1
run qemu-init start web
bounded qemu-init start web2
expect "no free slot: the VM is not started without a monitor" 1 \
    "no free monitor slot in $BASE-$BASE"
check "...and nothing of it is left" test "$(nqemu)" -eq 1 -a \
    ! -e "$QEMU_INIT_RUNDIR/web2@state"
bounded qemu-init show web2
expect "...show says the same, exit 1" 1 "no free monitor slot in $BASE-$BASE"
bounded qemu-init kill web
monitor_conf $BASE 20

# --- a "QEMU" that accepts connections but never answers -----------------------
# One perl process is the fake QEMU: its command line holds
# "-pidfile RUNDIR/fake@pid" like ours, it listens on fake's CTLPORT and
# its control socket, and its state records it as a start would.  With
# "greet" it sends QMP's greeting and then nothing.
fake_qemu() {	# fake_qemu NAME PORT MODE
	perl -MIO::Socket::INET -MIO::Socket::UNIX -MIO::Select -e '
		my ($port, $mode, $path) = @ARGV[0, 1, 2];
		my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
		    LocalPort => $port, Listen => 5, ReuseAddr => 1) or die "$!";
		unlink $path;
		my $u = IO::Socket::UNIX->new(Local => $path, Listen => 5)
		    or die "$!";
		my $sel = IO::Select->new($s, $u);
		my @held;
		while (my @ready = $sel->can_read) {
			for my $l (@ready) {
				my $c = $l->accept or next;
				$c->autoflush(1);
				print $c "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n"
				    if $mode eq "greet";
				push @held, $c;
			}
		}' "$2" "$3" "$QEMU_INIT_RUNDIR/$1@control" \
	    -pidfile "$QEMU_INIT_RUNDIR/$1@pid" &
	echo $! > "$QEMU_INIT_RUNDIR/$1@pid"
	disown $!	# killed by qemu-init, not waited for by us
	cat > "$QEMU_INIT_RUNDIR/$1@state" <<STATE
PID=$!
PIDSTART=$(pid_start $!)
SLOT=19
MONPORT=$(($2 - 100))
CTLPORT=$2
STARTED=$(date +%s)
STOPDELAY=90
MONITOR=tcp
CFG=$T/vms/$1/$1-qemu.cfg
STATE
	i=0
	while ! ss -Hltn "sport = :$2" | grep -q .; do
		sleep 0.05; i=$((i + 1)); [ $i -lt 200 ] || break
	done
}
guest_vm mute obey
guest_vm stuck obey
fake_qemu mute $((BASE + 119)) silent
mutepid=$(state_pid mute)
fake_qemu stuck $((BASE + 118)) greet

bounded qemu-cmd -c "info status" mute
expect "qemu-cmd to a monitor that never greets: exit 2, busy" 2 \
    "monitor of 'mute' is busy (another client is connected)"
bounded qemu-init status mute
expect_out "status of it: running, monitor busy, exit 0" 0 \
    "qemu monitor busy"
bounded qemu-init stop -t 5 mute
expect "stop of it: exit 1, busy, no hang" 1 "monitor of 'mute' is busy"
bounded qemu-cmd -t 2 -c "info status" stuck
expect "a monitor that greets but never answers: exit 2 after -t" 2 \
    "monitor of 'stuck' did not answer in 2000 ms"
bounded qemu-init start mute
expect_out "start of it says it runs and starts no QEMU" 0 \
    "mute: already running, pid $mutepid"
check "...no QEMU started" test "$(our_qemus | grep -vcx "$mutepid\|$(state_pid stuck)")" -eq 0
bounded qemu-init stop -f -t 2 mute
expect_out "stop -f ends it by its pid" 0 "mute: stopped (forced)"
bounded qemu-init kill stuck
expect_out "kill ends the other" 0 "stuck: killed"
check "no process of ours is left" test "$(nqemu)" -eq 0

done_testing
