#!/bin/bash
# faults.t - faults give a clear message and a sane exit, never a hang
# and never a second QEMU: QEMU dying during start, a QEMU killed while
# running, a truncated or garbage state file, a missing or unwritable run
# directory, a monitor port taken by a foreign listener, and a "QEMU"
# that accepts connections but never answers.
. "$(dirname "$0")/lib.sh"
test_require GUEST
monitor_conf
R=$QEMU_INIT_RUNDIR
guest_vm web obey
# bounded CMD...: runs CMD, but gives up after 300 s (exit 124): a bound
# on a hang, never a timing assertion.
bounded() { run timeout 300 "$@"; }
nqemu() { our_qemus | wc -l; }

# --- QEMU dies during start ------------------------------------------------
guest_vm baddev obey 'CUSTOM1="-device no-such-device"'
test_expect_success "QEMU dying during start: exit 1 with QEMU's words; no QEMU, no state, no pid file" <<'T'
	bounded qemu-init start baddev &&
	test_rc 1 && test_err_has "QEMU failed to start 'baddev': " &&
	test "$(nqemu)" -eq 0 -a ! -e "$R/baddev@state" -a ! -e "$R/baddev@pid"
T

guest_vm noqemu obey "TGTARCH=qemu-system-nonexistent"
test_expect_success 'a QEMU binary that is not there: a clear error, nothing left' <<'T'
	bounded qemu-init start noqemu &&
	test_rc 1 &&
	test_err_has "cannot run qemu-system-nonexistent: No such file or directory" &&
	test "$(nqemu)" -eq 0 -a ! -e "$R/noqemu@state"
T

# --- killed while running ------------------------------------------------------
test_expect_success 'stop of a VM whose QEMU was killed: not running, exit 0, its leftovers cleaned' <<'T'
	run qemu-init start web && test_rc 0 &&
	pid=$(state_pid web) && kill -KILL "$pid" && wait_until 60 gone "$pid" &&
	bounded qemu-init stop web &&
	test_rc 0 && test_out "web: not running" && test ! -e "$R/web@state"
T

# --- a truncated state file while the VM runs ---------------------------------
test_expect_success 'a truncated state file: status still finds the running QEMU' <<'T'
	run qemu-init start web && test_rc 0 &&
	pid=$(state_pid web) &&
	: > "$R/web@state" &&
	bounded qemu-init status web &&
	test_rc 0 && test_out_has "web: running, pid $pid"
T
test_expect_success '...start says it runs, and starts no second QEMU' '
	bounded qemu-init start web &&
	test_rc 0 && test_out "web: already running, pid $pid" && test "$(nqemu)" -eq 1
'
test_expect_success '...stop still presses the button through its control socket, QEMU gone' '
	wait_ready web &&
	run_guest web timeout 3600 qemu-init stop -t 3600 web &&
	test_rc 0 && test_out "web: stopped" && gone "$pid"
'

# --- a garbage state file of a VM that is not running ----------------------------
test_expect_success 'a garbage state file: status says dead (exit 1)' <<'T'
	mkdir -p "$R" &&
	printf 'PID=banana\nSLOT=%%\n' > "$R/web@state" &&
	echo 999999 > "$R/web@pid" &&
	bounded qemu-init status web &&
	test_rc 1 && test_out_has "web: dead (state file unreadable)"
T
test_expect_success '...start recovers without manual clean-up' '
	bounded qemu-init start web && test_rc 0 && test_out_has "web: started" &&
	bounded qemu-init kill web && test_rc 0
'

# --- another qemu-init busy with the same VM ----------------------------------
# This shell holds the VM's lock, as a running qemu-init would.
test_expect_success 'a VM another qemu-init holds: start waits, then says so, and starts nothing' <<'T'
	exec 9>"$R/web@lock" &&
	flock 9 &&
	bounded qemu-init start web 9>&- &&
	exec 9>&- &&
	test_rc 1 &&
	test_err "qemu-init: another qemu-init is acting on 'web' (still busy after 10 s)" &&
	test "$(nqemu)" -eq 0
T
exec 9>&-

# --- the run directory ---------------------------------------------------------
test_expect_success 'a run directory that cannot be created: clear error' '
	QEMU_INIT_RUNDIR=$T/no/such/run bounded qemu-init start web &&
	test_rc 1 &&
	test_err "qemu-init: cannot create run directory $T/no/such/run: No such file or directory"
'
test_expect_success 'a missing run directory is created' '
	QEMU_INIT_RUNDIR=$T/fresh-run bounded qemu-init start web &&
	test_rc 0 && test_out_has "web: started" &&
	QEMU_INIT_RUNDIR=$T/fresh-run bounded qemu-init kill web && test_rc 0
'
test_expect_success ROOT 'a run directory the user cannot write: clear error, nothing started' <<'T'
	bounded setpriv --reuid=nobody --regid=nogroup --clear-groups "$BIN/qemu-init" start web &&
	test_rc 1 &&
	test_err "qemu-init: run directory $R is root's: run this as root (or set QEMU_INIT_RUNDIR and QEMU_INIT_CONFDIR to folders of your own)" &&
	test "$(nqemu)" -eq 0
T
test_expect_success ROOT '...while status, which only reads, works' '
	bounded setpriv --reuid=nobody --regid=nogroup --clear-groups "$BIN/qemu-init" status web &&
	test_rc 3 && test_out "web: stopped"
'

# --- a foreign listener on a slot's monitor port ----------------------------------
# Slot 0's, which a start would take first (when no other run holds it:
# then that one is the foreign listener).
test_expect_success 'setup: a foreign listener on slot 0'"'"'s monitor port' <<'T'
	perl -MIO::Socket::INET -e '
		$s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
		    LocalPort => $ARGV[0], Listen => 5, ReuseAddr => 1) or die "$!";
		$SIG{TERM} = sub { exit 0 };
		sleep 600;' "$PORTBASE" 2>/dev/null &
	squatter=$!
	bg_started $squatter
	wait_until 60 listening 127.0.0.1 "$PORTBASE"
T
test_expect_success 'a port taken by another program is skipped: another slot' <<'T'
	bounded qemu-init start web &&
	test_rc 0 &&
	m=$(state_of web MONPORT) &&
	test "$m" -ne "$PORTBASE" &&
	test_out_has "monitor $m, control $((m + 100))" &&
	bounded qemu-init kill web
T
kill "$squatter" 2>/dev/null

# --- no free slot -----------------------------------------------------------------
# A range of one slot, at a port the kernel found free (this file's may
# be another run's just now).
one=$(free_port)
while [ "$one" -gt 65435 ] || listening 127.0.0.1 $((one + 100)); do
	one=$(free_port)
done
guest_vm web2 obey
monitor_conf "$one" 1
test_expect_success 'no free slot: the VM is not started without a monitor, nothing of it left' <<'T'
	run qemu-init start web && test_rc 0 &&
	bounded qemu-init start web2 &&
	test_rc 1 && test_err_has "no free monitor slot in $one-$one" &&
	test "$(nqemu)" -eq 1 -a ! -e "$R/web2@state"
T
test_expect_success '...show says the same, exit 1' '
	bounded qemu-init show web2 &&
	test_rc 1 && test_err_has "no free monitor slot in $one-$one"
'
bounded qemu-init kill web
monitor_conf

# --- a "QEMU" that accepts connections but never answers -----------------------
# Fakes of lib.sh, which look like QEMUs of ours: one that never greets,
# one that greets and then says nothing.
guest_vm mute obey
guest_vm stuck obey
test_expect_success 'setup: two fake QEMUs, one silent, one that only greets' '
	fake_qemu mute silent && fake_qemu stuck greet
'
mutepid=$(state_pid mute)

test_expect_success 'qemu-cmd to a monitor that never greets: exit 2, busy' <<'T'
	bounded qemu-cmd -c "info status" mute &&
	test_rc 2 &&
	test_err "qemu-cmd: monitor of 'mute' is busy (another client is connected)"
T
test_expect_success 'status of it: running, monitor busy, exit 0' '
	bounded qemu-init status mute && test_rc 0 && test_out_has "qemu monitor busy"
'
test_expect_success 'stop of it: exit 1, busy, no hang' <<'T'
	bounded qemu-init stop -t 5 mute &&
	test_rc 1 && test_err_has "monitor of 'mute' is busy"
T
test_expect_success 'a monitor that greets but never answers: exit 2 after -t' <<'T'
	bounded qemu-cmd -t 2 -c "info status" stuck &&
	test_rc 2 &&
	test_err "qemu-cmd: monitor of 'stuck' did not answer in 2000 ms"
T
test_expect_success 'start of it says it runs and starts no QEMU' <<'T'
	bounded qemu-init start mute &&
	test_rc 0 && test_out "mute: already running, pid $mutepid" &&
	test "$(our_qemus | grep -vcx "$mutepid\|$(state_pid stuck)")" -eq 0
T
test_expect_success 'stop -f ends it by its pid' '
	bounded qemu-init stop -f -t 2 mute &&
	test_rc 0 && test_out "mute: stopped (forced)"
'
test_expect_success 'kill ends the other' '
	bounded qemu-init kill stuck && test_rc 0 && test_out "stuck: killed"
'
test_expect_success 'no process of ours is left' 'test "$(nqemu)" -eq 0'

test_done
