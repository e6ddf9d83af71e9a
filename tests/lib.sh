# tests/lib.sh - the harness of every integration test (tests/*.t), in
# the spirit of git's t/test-lib.sh: TAP for prove, named test blocks,
# prerequisites that say why a test is skipped, whole outputs compared,
# waits for a guest that fail on lack of progress, and a private
# CONFDIR, RUNDIR, ports and network namespace for each test file, all
# cleaned up however it ends.  A test file sources it and tells its
# story in small named steps:
#
#	. "$(dirname "$0")/lib.sh"
#	test_require GUEST
#	monitor_conf
#	guest_vm web obey
#
#	test_expect_success 'start web: started, on a slot of its own' <<'T'
#		run qemu-init start web &&
#		test_rc 0 &&
#		test_out_has "web: started, pid $(state_pid web)"
#	T
#	test_expect_success 'stop of a stopped VM says so, exit 0' '
#		run qemu-init stop other && test_rc 0 && test_out "other: not running"
#	'
#	test_expect_success IPV6 'qemu-cmd works through [::1] too' '
#		run qemu-cmd -c "info name" web && test_rc 0 && test_out web
#	'
#	test_done
#
# A test block's body runs in the test's own shell (what it sets stays
# set); the status of its last command is the test's result, so chain
# its steps with &&.  What the body prints is kept, and shown (as TAP
# comments, with the body) only when it fails: the assertion helpers
# below print what they saw and what they wanted.  Setup that can fail
# is a test block of its own ('setup: ...').
#
# The environment: CI set (and not 0, false or no) turns every skip of a
# test for a missing prerequisite into a failure, but for a fact of the
# host (prereq --host); QINIT_TEST_STALL and QINIT_TEST_DEADLINE bound
# the waits for a guest (see guest_wait); QINIT_TEST_VERBOSE=1 shows
# every body's output, QINIT_TEST_TRACE=1 traces the bodies (set -x).
#
# The helpers of the tests written before this harness (ok, not_ok,
# check, expect, expect_out, expect_line, done_testing, need_root,
# need_guest...) are kept at the end, as thin wrappers over it.

set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$TOP/build/bin
GUEST=$TOP/build/guest
DEB=$TOP/build/guest-debian
PATH=$BIN:$PATH
export PATH
TEST_NAME=$(basename "$0" .t)

T=$(mktemp -d "${TMPDIR:-/tmp}/qinit-test.XXXXXX")
chmod 755 "$T"
export QEMU_INIT_CONFDIR="$T/etc" QEMU_INIT_RUNDIR="$T/run"
mkdir -p "$QEMU_INIT_CONFDIR"
: > "$QEMU_INIT_CONFDIR/qemu-init.reg"

case ${CI:-} in
'' | 0 | false | no) TEST_CI= ;;
*) TEST_CI=yes ;;
esac

# --- TAP -----------------------------------------------------------------------
tap_n=0
tap_failed=0

tap_ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1"
}

tap_not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $1"
}

# diag TEXT...: TAP comments, a line each (prove -v shows them).
diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

# test_done: the plan; the test file fails when a test failed.
test_done() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ] || exit 1
	exit 0
}

# test_bail WHY: the rest of this file cannot run (its setup failed):
# one failing test that says why, and the end of the file (the other
# files run on: no "Bail out!", which would stop them all).
test_bail() {
	tap_not_ok "the rest of ${TEST_NAME}.t cannot run: $1"
	test_done
}

# --- prerequisites -----------------------------------------------------------
# prereq [--host] NAME WHY CHECK: the prerequisite NAME holds when the
# shell command CHECK succeeds (tried once, when a test first needs it);
# WHY names what is missing when it does not.  Under CI a test skipped
# for a missing prerequisite fails, unless it is --host: a fact of the
# host that no package gives (an IPv6 loopback, say).
declare -A prereq_check=() prereq_why=() prereq_host=() prereq_have=()
prereq() {
	local host=
	[ "$1" = --host ] && { host=yes; shift; }
	prereq_check[$1]=$3
	prereq_why[$1]=$2
	prereq_host[$1]=$host
	unset 'prereq_have[$1]'
}

# test_set_prereq NAME: NAME holds from now on (a setup that worked).
test_set_prereq() {
	prereq_have[$1]=yes
	[ -n "${prereq_why[$1]:-}" ] || prereq_why[$1]="$1 (its setup failed)"
}

# test_have_prereq LIST: every prerequisite of the comma-separated LIST
# holds (!NAME: NAME does not).  If not, test_missing says which and
# why, and test_missing_host whether only facts of the host are missing.
test_have_prereq() {
	local p name want have ok=0
	test_missing= test_missing_host=yes
	for p in ${1//,/ }; do
		name=${p#!}
		want=yes
		[ "$name" != "$p" ] && want=no
		if [ -z "${prereq_have[$name]:-}" ]; then
			if [ -n "${prereq_check[$name]:-}" ] &&
			    (eval "${prereq_check[$name]}") </dev/null >/dev/null 2>&1; then
				prereq_have[$name]=yes
			else
				prereq_have[$name]=no
			fi
		fi
		have=${prereq_have[$name]}
		[ "$have" = "$want" ] && continue
		ok=1
		if [ "$want" = yes ]; then
			test_missing="$test_missing${test_missing:+; }$name: ${prereq_why[$name]:-unknown prerequisite}"
		else
			test_missing="$test_missing${test_missing:+; }$name holds"
		fi
		[ -n "${prereq_host[$name]:-}" ] || test_missing_host=
	done
	return $ok
}

# test_skip DESCRIPTION: a test not run for want of $test_missing: a
# skip, or under CI a failure (but for a fact of the host).
test_skip() {
	if [ -n "$TEST_CI" ] && [ -z "$test_missing_host" ]; then
		tap_not_ok "$1"
		diag "CI must run this test, but it misses $test_missing"
	else
		tap_n=$((tap_n + 1))
		echo "ok $tap_n - $1 # skip missing $test_missing"
	fi
}

# test_require LIST: the whole file needs the prerequisites of LIST;
# without them it is skipped, or under CI fails, saying why.
test_require() {
	test_have_prereq "$1" && return 0
	if [ -n "$TEST_CI" ] && [ -z "$test_missing_host" ]; then
		tap_not_ok "CI must run ${TEST_NAME}.t, but it misses $test_missing"
		test_done
	fi
	echo "1..0 # SKIP missing $test_missing"
	exit 0
}

has() { command -v "$1" >/dev/null 2>&1; }
prereq ROOT "root (network namespaces, other users, QEMU's own user)" \
    '[ "$(id -u)" -eq 0 ]'
prereq GUEST "the test guest: make guest" \
    '[ -r "$GUEST/vmlinuz" ] && [ -r "$GUEST/initrd.gz" ]'
prereq DEBIAN_GUEST "the Debian test guest: make guest-debian" \
    '[ -r "$DEB/disk.qcow2" ] && [ -r "$DEB/vmlinuz" ]'
prereq UNIT "the unit tests' binary: make unit" '[ -x "$TOP/build/unit" ]'
prereq PYTHON3 "python3: make deps" 'has python3'
prereq VALGRIND "valgrind: make deps" 'has valgrind'
prereq SOCAT "socat: make deps" 'has socat'
prereq TMUX "tmux: make deps" 'has tmux'
prereq MANDOC "mandoc: make deps" 'has mandoc'
prereq DPKG_BUILD "dpkg-buildpackage and lintian: make deps" \
    'has dpkg-buildpackage && has lintian'
prereq SSHD "openssh-server and its client: make deps" \
    '[ -x /usr/sbin/sshd ] && has ssh'
prereq FISH "fish: make deps" 'has fish'
prereq ANSIBLE "ansible: make deps" 'has ansible-playbook'
prereq QEMU_IMG "qemu-img and e2fsck: make deps" 'has qemu-img && has e2fsck'
prereq DEBOOTSTRAP "debootstrap and unshare: make deps" \
    'PATH=$PATH:/usr/sbin:/sbin has debootstrap && has unshare'
prereq --host IPV6 "an IPv6 loopback (::1 on lo)" ipv6_loopback
prereq --host SYSTEMD_ANALYZE "systemd-analyze (systemd)" 'has systemd-analyze'

# --- test blocks ----------------------------------------------------------------
test_body_n=0

# test_expect_success [PREREQS] DESCRIPTION [BODY]: one test, BODY (or,
# without it, what stdin holds: a here-document) run in this shell with
# its output kept aside; it passes when its last command succeeds.
# PREREQS, a comma-separated list in capitals, skips it unless they
# hold.  Returns the test's result (so: test_expect_success ... ||
# test_bail WHY).
test_expect_success() {
	# Its variables are _t_*: the body runs in its scope, and must not
	# meet them.
	local _t_pre= _t_desc _t_body _t_log _t_rc
	if [ $# -ge 2 ] && [[ $1 =~ ^!?[A-Z][A-Z0-9_]*(,!?[A-Z][A-Z0-9_]*)*$ ]]; then
		_t_pre=$1
		shift
	fi
	_t_desc=$1
	if [ $# -ge 2 ]; then
		_t_body=$2
	elif [ ! -t 0 ]; then
		_t_body=$(cat)
	else
		_t_body=
	fi
	if [ -z "$_t_body" ]; then
		echo "test_expect_success '$_t_desc': no body" >&2
		exit 2
	fi
	if [ -n "$_t_pre" ] && ! test_have_prereq "$_t_pre"; then
		test_skip "$_t_desc"
		return 0
	fi
	test_body_n=$((test_body_n + 1))
	_t_log=$T/.test-$test_body_n.out
	test_eval_ "$_t_body" </dev/null >"$_t_log" 2>&1
	_t_rc=$?
	[ -z "${QINIT_TEST_TRACE:-}" ] || { set +x; } 2>/dev/null
	if [ "$_t_rc" -eq 0 ]; then
		tap_ok "$_t_desc"
		[ -z "${QINIT_TEST_VERBOSE:-}" ] || diag "$(cat "$_t_log")"
		return 0
	fi
	tap_not_ok "$_t_desc"
	if [ "$(wc -l < "$_t_log")" -gt 150 ]; then
		diag "(the last 150 lines of what it printed)"
		tail -n 150 "$_t_log" | sed 's/^/# /'
	else
		sed 's/^/# /' "$_t_log"
	fi
	diag "--- the test, exit $_t_rc:" "$_t_body"
	return 1
}

# test_eval_ BODY: runs BODY, whose "return N" ends it with status N (as
# in git's tests: for ...; do ... || return 1; done).
# QINIT_TEST_TRACE=1 traces it (set -x, ended by test_expect_success).
test_eval_() {
	[ -z "${QINIT_TEST_TRACE:-}" ] || set -x
	eval "$1"
}

# --- assertions, for the bodies: each says what it saw ---------------------------
# run CMD...: runs a command (stdin from /dev/null unless redirected),
# keeping its stdout, stderr and exit status in $out, $err and $rc (and
# the files $T/out and $T/err).  Succeeds whatever CMD does.
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
	return 0
}

# show_run: what the last run printed, and its exit status.
show_run() {
	diag "rc=$rc" "stdout: $out" "stderr: $err"
}

# test_eq WANT GOT: the texts are the same; else their differences.
test_eq() {
	[ "$1" = "$2" ] && return 0
	echo "wanted (-) and got (+):"
	diff -u <(printf '%s\n' "$1") <(printf '%s\n' "$2") | tail -n +3
	return 1
}

# test_cmp WANT-FILE GOT-FILE: the files hold the same text; else their
# differences.
test_cmp() {
	diff -u "$1" "$2" && return 0
	return 1
}

# test_rc N: the last run exited N.
test_rc() {
	[ "$rc" -eq "$1" ] && return 0
	echo "exit status $rc, wanted $1"
	echo "stdout: $out"
	echo "stderr: $err"
	return 1
}

# test_out TEXT, test_err TEXT: the last run's whole stdout (stderr) is
# TEXT (its trailing newlines aside).
test_out() {
	test_eq "$1" "$out" && return 0
	echo "(that was stdout; exit status $rc, stderr: $err)"
	return 1
}
test_err() {
	test_eq "$1" "$err" && return 0
	echo "(that was stderr; exit status $rc, stdout: $out)"
	return 1
}

# test_has TEXT PART: TEXT holds PART; test_lacks: it does not.
test_has() {
	case $1 in *"$2"*) return 0 ;; esac
	printf 'no "%s" in:\n%s\n' "$2" "$1"
	return 1
}
test_lacks() {
	case $1 in *"$2"*) printf '"%s" in:\n%s\n' "$2" "$1"; return 1 ;; esac
	return 0
}

# test_out_has PART, test_err_has PART: the last run's stdout (stderr)
# holds PART, where the rest of it may vary.
test_out_has() {
	test_has "$out" "$1" && return 0
	echo "(that was stdout; exit status $rc, stderr: $err)"
	return 1
}
test_err_has() {
	test_has "$err" "$1" && return 0
	echo "(that was stderr; exit status $rc, stdout: $out)"
	return 1
}

# test_grep [!] PATTERN FILE: a line of FILE matches (with !: none does)
# the basic regular expression PATTERN; else the end of FILE is shown.
test_grep() {
	local neg=
	[ "$1" = ! ] && { neg=yes; shift; }
	if grep -q -- "$1" "$2" 2>/dev/null; then
		[ -z "$neg" ] && return 0
		echo "a line of $2 matches '$1':"
		grep -- "$1" "$2" | head -5
		return 1
	fi
	[ -n "$neg" ] && [ -e "$2" ] && return 0
	echo "no line of $2 matches '$1'; its end:"
	tail -n 15 "$2" 2>&1
	return 1
}

# run_peak CMD...: runs CMD as run does, and keeps in $rss its peak
# resident memory in KiB (the greatest of CMD's and of its children's,
# from wait4): a bound that a loaded machine does not change.
run_peak() {
	local r
	r=$(python3 -c '
import resource, subprocess, sys
with open(sys.argv[1], "wb") as o, open(sys.argv[2], "wb") as e:
    rc = subprocess.call(sys.argv[3:], stdout=o, stderr=e)
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
' "$T/out" "$T/err" "$@")
	rc=${r% *}
	rss=${r#* }
	out=$(cat "$T/out")
	err=$(cat "$T/err")
	return 0
}

# jget FILE PATH...: the value at PATH (keys, and indexes of lists) in
# the JSON document FILE, as python3's json module reads it: null as
# "null", true and false as yes and no.
jget() {
	python3 -c '
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    doc = json.load(f)
for p in sys.argv[2:]:
    doc = doc[int(p)] if isinstance(doc, list) else doc[p]
print("null" if doc is None else "yes" if doc is True else
      "no" if doc is False else doc)' "$@"
}

# contains TEXT PART: TEXT holds PART (quietly).
contains() {
	case $1 in *"$2"*) return 0 ;; esac
	return 1
}

# --- ports --------------------------------------------------------------------------
# The port map (port_base) and free_port: tests/ports.sh.
. "$TOP/tests/ports.sh"
PORTBASE=$(port_base "$TEST_NAME") || PORTBASE=

# monitor_conf [BASE [SLOTS [LINES...]]]: this test's monitor.conf: its
# own slot range (BASE: this file's in the port map), and more LINES.
monitor_conf() {
	local base=${1:-$PORTBASE} slots=${2:-20}
	[ -n "$base" ] || { echo "monitor_conf: ${TEST_NAME}.t has no port range in tests/ports.sh" >&2; exit 2; }
	shift 2 2>/dev/null || shift $#
	printf 'MONPORT=%s\nSLOTS=%s\n' "$base" "$slots" \
	    > "$QEMU_INIT_CONFDIR/monitor.conf"
	[ $# -eq 0 ] || printf '%s\n' "$@" >> "$QEMU_INIT_CONFDIR/monitor.conf"
}

# dead_port: sets DEAD_PORT to a port of 127.0.0.1 where connections
# are refused for as long as the test runs: a socket of a process of
# ours is bound there, and never listens (so nothing else can listen
# there either).
dead_port() {
	local f=$T/.dead-port
	rm -f "$f"
	perl -MSocket -e '
	    socket(my $s, PF_INET, SOCK_STREAM, 0) or die "$!\n";
	    bind($s, pack_sockaddr_in(0, inet_aton("127.0.0.1"))) or die "$!\n";
	    my ($port) = unpack_sockaddr_in(getsockname($s));
	    open(my $o, ">", "$ARGV[0].new") or die "$!\n";
	    print $o "$port\n";
	    close $o;
	    rename("$ARGV[0].new", $ARGV[0]);
	    sleep 7200;' "$f" </dev/null >/dev/null 2>&1 &
	bg_started $!
	wait_until 30 test -s "$f" || return 1
	DEAD_PORT=$(cat "$f")
}

# listening ADDRESS PORT: something listens on ADDRESS:PORT (ADDRESS as
# ss prints it: 127.0.0.1, [::1], *).
listening() {
	ss -Hltn "sport = :$2" | awk '{ print $4 }' | grep -qxF "$1:$2"
}

# --- VMs ------------------------------------------------------------------------------
# guest_vm NAME [MODE [EXTRA-CONFIG-LINES [KERNEL-ARGS]]]: a VM running
# the test guest, registered under NAME.  MODE is obey (powers off on the
# ACPI button) or ignore.
guest_vm() {
	local name=$1 mode=${2:-obey} extra=${3:-} kargs=${4:-}
	local dir="$T/vms/$name"

	mkdir -p "$dir"
	{
		"$TOP/tests/guest/cfg.sh" "$GUEST" "test guest ($mode)" \
		    "$mode" "$kargs"
		printf '%s\n' "$extra"
	} > "$dir/$name-qemu.cfg"
	echo "$name $dir/$name-qemu.cfg" >> "$QEMU_INIT_CONFDIR/qemu-init.reg"
}

# named_vm SHORT LONG MODE [EXTRA-CONFIG-LINES]: the test guest as
# LONG-qemu.cfg, registered as SHORT (guest_vm's VMs have one name).
named_vm() {
	local dir="$T/vms/$2"

	mkdir -p "$dir"
	{
		"$TOP/tests/guest/cfg.sh" "$GUEST" "$2 ($3)" "$3"
		printf '%s\n' "${4:-}"
	} > "$dir/$2-qemu.cfg"
	echo "$1 $dir/$2-qemu.cfg" >> "$QEMU_INIT_CONFDIR/qemu-init.reg"
}

# state_of NAME KEY: a value NAME's state file records (empty when none).
state_of() {
	sed -n "s/^$2=//p" "$QEMU_INIT_RUNDIR/$1@state" 2>/dev/null
}

# state_pid NAME: the pid in a VM's state file (empty when none).
state_pid() {
	state_of "$1" PID
}

# pid_start PID: when the process started (/proc/PID/stat field 22), as
# qemu-init records it.
pid_start() {
	sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20
}

alive() {
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null
}

# gone PID [START]: the process has exited (a zombie that its parent has
# not reaped yet has exited too); with START (pid_start's), also when
# PID is another process's now (pid_max may be 32768: a busy machine
# wraps round).
gone() {
	local stat
	[ -n "$1" ] || return 1
	stat=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 0
	[ -n "$stat" ] || return 0
	case $stat in [ZX]*) return 0 ;; esac
	[ -n "${2-}" ] && [ "$(echo "$stat" | cut -d' ' -f20)" != "$2" ]
}

# process_seen PID: what ps says of PID, for a test's failure.
process_seen() {
	ps -o pid,ppid,stat,lstart,args -p "$1" 2>&1 | sed 's/^/# /'
}

# our_qemus: every QEMU of this test's RUNDIR (its command line names
# it).  Only these, and those of the test's other run directories under
# $T (all_qemus), are ever signalled.
our_qemus() {
	qemus_under "$QEMU_INIT_RUNDIR/"
}
all_qemus() {
	qemus_under "$T/"
}
qemus_under() {
	perl -e 'my $in = shift;
	    for my $d (glob "/proc/[0-9]*") {
		open(my $f, "<", "$d/cmdline") or next;
		my @a = split /\0/, do { local $/; <$f> } // "";
		for my $i (0 .. $#a - 1) {
			next unless $a[$i] eq "-pidfile" &&
			    index($a[$i + 1], $in) == 0;
			print substr($d, 6), "\n";
			last;
		}
	    }' "$1"
}

# guest_type NAME LINE: types LINE into the shell on NAME's serial
# console; what it prints goes to the console log (wait_for_log).
guest_type() {
	printf '%s\n' "$2" | qemu-init console "$1" >/dev/null 2>&1
}

# --- waits ------------------------------------------------------------------------------
# wait_until SECONDS CMD...: CMD succeeds within SECONDS: a bound on a
# hang of something of the host's (a process that exits, a socket that
# appears), never a timing assertion.  Waits for a guest: guest_wait.
wait_until() {
	local _w_end=$((SECONDS + $1))
	shift
	while ! "$@"; do
		[ "$SECONDS" -lt "$_w_end" ] || return 1
		sleep 0.1
	done
}

# The bounds of every wait for a guest, in seconds: it fails when the
# guest makes no progress (its console log does not grow) for
# QINIT_TEST_STALL seconds while its QEMU had QINIT_TEST_STALL_CPU
# seconds of CPU time (on a loaded machine a QEMU may get a tenth of a
# core: silence then is not a stall), and in any case after
# QINIT_TEST_DEADLINE, a net under a guest that chatters or idles for
# ever.  None of them is how long a guest takes: a slow guest on a
# loaded machine passes.  (The longest wait seen, a Debian boot to its
# login at a load of 23, took under 10 minutes; a wait of an hour, for
# a command a guest's login threw away, once took CI past an hour.)
STALL=${QINIT_TEST_STALL:-300}
STALL_CPU=${QINIT_TEST_STALL_CPU:-60}
DEADLINE=${QINIT_TEST_DEADLINE:-1200}
CLK_TCK=$(getconf CLK_TCK)

# cpu_ticks PID: the CPU time PID has used (user and system), in clock
# ticks; empty when PID is gone.
cpu_ticks() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	# The fields after the command's name, which may hold blanks.
	set -- ${stat##*) }
	echo $((${12} + ${13}))
}

# console_log NAME: the file of NAME's console log.
console_log() {
	echo "$QEMU_INIT_RUNDIR/$1@console.log"
}

# guest_wait [-s STALL] NAME WHAT CMD...: waits until CMD succeeds while
# NAME's guest makes progress.  Fails, saying WHAT it waited for and
# what it saw (the console log's end), when NAME's QEMU has exited and
# CMD still fails a while later, when the console log has not grown for
# STALL (default $STALL) seconds, or after $DEADLINE seconds.
guest_wait() {
	# Its variables are _w_*: CMD may name the caller's.
	local _w_stall=$STALL
	[ "$1" = -s ] && { _w_stall=$2; shift 2; }
	local _w_vm=$1 _w_what=$2 _w_log _w_pid _w_seen= _w_size _w_last=-1
	local _w_t0=$SECONDS _w_moved=$SECONDS _w_why _w_cpu _w_cpu0= _w_cpupid=
	shift 2
	_w_log=$(console_log "$_w_vm")
	while :; do
		"$@" && return 0
		_w_pid=$(state_pid "$_w_vm")
		[ -n "$_w_pid" ] && _w_seen=$_w_pid
		# Its CPU time counts from when its pid is known; before,
		# the console log's silence alone is a stall.
		_w_cpu=
		[ -n "$_w_seen" ] && _w_cpu=$(cpu_ticks "$_w_seen")
		if [ "$_w_seen" != "$_w_cpupid" ]; then
			_w_cpupid=$_w_seen
			_w_cpu0=$_w_cpu
		fi
		_w_size=$(stat -c %s "$_w_log" 2>/dev/null || echo -1)
		if [ "$_w_size" != "$_w_last" ]; then
			_w_last=$_w_size
			_w_moved=$SECONDS
			_w_cpu0=$_w_cpu
		fi
		if [ -n "$_w_seen" ] && gone "$_w_seen"; then
			# QEMU has exited: what it was waited for may follow.
			wait_until $((_w_stall < 60 ? _w_stall : 60)) "$@" &&
			    return 0
			_w_why="its QEMU (pid $_w_seen) has exited"
			break
		fi
		if [ $((SECONDS - _w_moved)) -ge "$_w_stall" ]; then
			if [ -z "$_w_cpu" ] || [ -z "$_w_cpu0" ]; then
				_w_why="no progress: its console log has not grown for $((SECONDS - _w_moved)) s (its QEMU's pid not known)"
				break
			fi
			if [ $((_w_cpu - _w_cpu0)) -ge $((STALL_CPU * CLK_TCK)) ]; then
				_w_why="no progress: its console log has not grown for $((SECONDS - _w_moved)) s, while its QEMU used $(((_w_cpu - _w_cpu0) / CLK_TCK)) s of CPU"
				break
			fi
		fi
		if [ $((SECONDS - _w_t0)) -ge "$DEADLINE" ]; then
			_w_why="still not there after $DEADLINE s (QINIT_TEST_DEADLINE)"
			break
		fi
		sleep 0.2
	done
	guest_seen "$_w_vm" "waited $((SECONDS - _w_t0)) s for $_w_what in vain: $_w_why"
	return 1
}

# guest_seen NAME WHY: says WHY, then what NAME's guest showed last.
guest_seen() {
	local log
	log=$(console_log "$1")
	diag "$1: $2" "its state: $(tr '\n' ' ' < "$QEMU_INIT_RUNDIR/$1@state" 2>/dev/null)"
	if [ -s "$log" ]; then
		diag "the end of its console log ($log):"
		tail -n 12 "$log" | tr -d '\r' | sed 's/^/#   /'
	else
		diag "its console log ($log) is empty or missing"
	fi
}

# log_has NAME TEXT: NAME's console log has a line that matches TEXT (a
# basic regular expression).
log_has() {
	grep -q -- "$2" "$(console_log "$1")" 2>/dev/null
}

# wait_for_log NAME TEXT [STALL]: the guest prints TEXT on its serial
# console (the console log), as long as it makes progress.
wait_for_log() {
	guest_wait -s "${3:-$STALL}" "$1" "'$2' in its console log" \
	    log_has "$1" "$2"
}

# wait_ready NAME: the test guest reaches its ready marker.
wait_ready() {
	wait_for_log "$1" QINIT-GUEST-READY "${2:-$STALL}"
}

# wait_off NAME [PID]: NAME's QEMU (PID, by default its state's) exits,
# as long as the guest makes progress (a guest that powers off).
wait_off() {
	local pid=${2:-$(state_pid "$1")}
	[ -n "$pid" ] || { echo "wait_off: no QEMU of '$1' to wait for"; return 1; }
	guest_wait "$1" "its QEMU (pid $pid) to exit" gone "$pid"
}

# run_guest NAME CMD...: runs CMD as run does, for as long as NAME's
# guest makes progress (a stop that waits for the guest to power off, a
# start -w that waits for it to come up): it is killed, exit 124, when
# the guest stalls (guest_wait).  Give CMD a deadline of its own far
# beyond any normal run: this one is the test's.
run_guest() {
	local _w_vm=$1 _w_p
	shift
	"$@" >"$T/out" 2>"$T/err" </dev/null &
	_w_p=$!
	if guest_wait "$_w_vm" "'$*' to end" gone "$_w_p"; then
		wait "$_w_p"
		rc=$?
	else
		kill "$_w_p" 2>/dev/null
		wait "$_w_p"
		rc=124
	fi
	out=$(cat "$T/out")
	err=$(cat "$T/err")
	return 0
}

# --- fake QEMUs ----------------------------------------------------------------------
# fakeqmp LISTEN NAME LOG MODE [WORDS...]: a QMP server that plays a VM's
# QEMU, in the background ($! its pid, killed by cleanup).  LISTEN is
# tcp:PORT (on 127.0.0.1), unix:PATH, or several of them with commas.
# MODE: silent (takes connections, never greets), greet (greets, then
# never answers), answer (answers query-name as NAME, query-status as
# running, anything else with an empty return), or a number N: answers,
# but closes the connection at the Nth system_powerdown and exits 0.3 s
# later, as a QEMU whose guest powers off does.  Each connection and
# command goes to LOG.  WORDS are not read: they imitate a QEMU's
# command line.
# (fakeqmp_script: its file, $T/fakeqmp.pl, for another user to run.)
fakeqmp() {
	fakeqmp_script
	perl "$T/fakeqmp.pl" "$@" </dev/null >/dev/null 2>>"$T/fakeqmp.err" &
	bg_started $!
}
fakeqmp_script() {
	[ -e "$T/fakeqmp.pl" ] || cat > "$T/fakeqmp.pl" <<'PERL'
use strict;
use warnings;
use IO::Select;
use IO::Socket::INET;
use IO::Socket::UNIX;
use JSON::PP;
my ($listen, $name, $log, $mode) = @ARGV;
my $sel = IO::Select->new;
for my $l (split /,/, $listen) {
	my $srv = $l =~ /^tcp:(\d+)$/ ?
	    IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $1,
		Listen => 5, ReuseAddr => 1) :
	    do { unlink substr($l, 5);
		IO::Socket::UNIX->new(Local => substr($l, 5), Listen => 5) };
	die "cannot listen on $l: $!\n" unless $srv;
	$sel->add($srv);
}
open(my $lf, '>>', $log) or die "$log: $!\n";
$lf->autoflush(1);
$SIG{PIPE} = 'IGNORE';
my ($presses, @held) = (0);
my $fade = $mode =~ /^\d+$/ ? $mode : 0;
while (my ($srv) = $sel->can_read) {
	my $c = $srv->accept or next;
	$c->autoflush(1);
	print $lf "connect\n";
	push @held, $c;
	next if $mode eq 'silent';
	print $c '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, ' .
	    '"major": 7}, "package": ""}, "capabilities": []}}' . "\r\n";
	next if $mode eq 'greet';
	while (my $line = <$c>) {
		my $req = eval { decode_json($line) } or next;
		my $cmd = $req->{execute} // '';
		print $lf "$cmd\n";
		my $ret = {};
		if ($cmd eq 'query-name') {
			$ret = { name => $name };
		} elsif ($cmd eq 'query-status') {
			$ret = { status => 'running', running => JSON::PP::true,
			    singlestep => JSON::PP::false };
		} elsif ($cmd eq 'human-monitor-command') {
			$ret = '';
		} elsif ($cmd eq 'system_powerdown' && $fade &&
		    ++$presses >= $fade) {
			close $c;
			select(undef, undef, undef, 0.3);
			exit 0;
		}
		my $reply = { return => $ret };
		$reply->{id} = $req->{id} if exists $req->{id};
		print $c encode_json($reply), "\r\n";
	}
	pop @held;
}
PERL
}

# plant_state NAME PID CTLPORT [SLOT]: a state of NAME that names PID as
# its QEMU, with CTLPORT its control port (MONPORT 100 below).
plant_state() {
	cat > "$QEMU_INIT_RUNDIR/$1@state" <<STATE
PID=$2
PIDSTART=$(pid_start "$2")
SLOT=${4:-19}
MONPORT=$(($3 - 100))
CTLPORT=$3
STARTED=$(date +%s)
STOPDELAY=90
MONITOR=tcp
RUNAS=no
CFG=$T/vms/$1/$1-qemu.cfg
STATE
}

# fake_qemu NAME MODE: NAME runs, as far as qemu-init can tell: a fake
# (fakeqmp, MODE) listens on NAME's control socket and on a CTLPORT the
# kernel found free, its command line holds "-name NAME -pidfile
# RUNDIR/NAME@pid" like a QEMU of ours, and NAME's state and pid file
# name it.  Its pid in FAKE_PID, its port in FAKE_PORT, its log in
# $T/NAME.fake.log.
fake_qemu() {
	mkdir -p "$QEMU_INIT_RUNDIR"
	FAKE_PORT=$(free_port)
	fakeqmp "tcp:$FAKE_PORT,unix:$QEMU_INIT_RUNDIR/$1@control" "$1" \
	    "$T/$1.fake.log" "$2" -name "$1" -pidfile "$QEMU_INIT_RUNDIR/$1@pid"
	FAKE_PID=$!
	echo "$FAKE_PID" > "$QEMU_INIT_RUNDIR/$1@pid"
	plant_state "$1" "$FAKE_PID" "$FAKE_PORT"
	wait_until 60 listening 127.0.0.1 "$FAKE_PORT" &&
	    wait_until 60 test -S "$QEMU_INIT_RUNDIR/$1@control" && return 0
	cat "$T/fakeqmp.err" 2>/dev/null
	return 1
}

# --- terminals ------------------------------------------------------------------------
# A terminal is a tmux session, on a server of its own ($TMUX_SOCK; the
# servers a test made are ended by cleanup).
TMUX_SOCK=qinit-$TEST_NAME-$$
TMUX_SOCKS=
term_n=0

# term_start COMMAND-LINE [WIDTH HEIGHT]: runs the shell command line in
# a fresh terminal of 120x30 (or WIDTH x HEIGHT), on a new server; its
# exit status goes to $T/term.rc, the terminal's modes before and after
# it to $T/stty.before and $T/stty.after.
term_start() {
	term_stop
	term_n=$((term_n + 1))
	TMUX_SOCK=qinit-$TEST_NAME-$$-$term_n
	rm -f "$T/stty.before" "$T/stty.after" "$T/term.rc"
	in_terminal_ "${2:-120}" "${3:-30}" "$1"
}
in_terminal_() {
	TMUX_SOCKS="$TMUX_SOCKS $TMUX_SOCK"
	tmux -L "$TMUX_SOCK" new-session -d -x "$1" -y "$2" \
	    "stty -g > $T/stty.before; $3; echo \$? > $T/term.rc; \
	     stty -g > $T/stty.after; sleep 7200"
}

# term_stop: ends the terminal of the last term_start (and its server).
term_stop() {
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	return 0
}

# pane: what the terminal shows (and its last 200 lines).
pane() {
	tmux -L "$TMUX_SOCK" capture-pane -p -S -200 2>/dev/null
}

# keys KEY...: keys typed into the terminal (tmux send-keys).
keys() {
	tmux -L "$TMUX_SOCK" send-keys "$@"
}

# pane_has TEXT: a line the terminal shows matches TEXT (grep's BRE).
pane_has() {
	pane | grep -q -- "$1"
}

# wait_pane TEXT [STALL]: the terminal shows TEXT (a line matches it), as
# long as what it shows changes (or, with PANE_VM set, that VM's console
# log grows): fails when neither has for STALL (default $STALL) seconds,
# or after $DEADLINE, showing it.
wait_pane() {
	local _w_stall=${2:-$STALL} _w_now _w_last= _w_moved=$SECONDS
	local _w_t0=$SECONDS _w_size _w_lsize=
	while :; do
		_w_now=$(pane)
		grep -q -- "$1" <<< "$_w_now" && return 0
		if [ -n "${PANE_VM:-}" ]; then
			_w_size=$(stat -c %s "$(console_log "$PANE_VM")" 2>/dev/null)
			[ "$_w_size" = "$_w_lsize" ] || _w_moved=$SECONDS
			_w_lsize=$_w_size
		fi
		if [ "$_w_now" != "$_w_last" ]; then
			_w_last=$_w_now
			_w_moved=$SECONDS
		fi
		[ $((SECONDS - _w_moved)) -lt "$_w_stall" ] &&
		    [ $((SECONDS - _w_t0)) -lt "$DEADLINE" ] || break
		sleep 0.1
	done
	diag "the terminal does not show '$1' (after $((SECONDS - _w_t0)) s, unchanged for $((SECONDS - _w_moved)) s); its end:"
	printf '%s\n' "$_w_last" | grep -v '^$' | tail -n 15 | sed 's/^/#   /'
	return 1
}

# term_done: the terminal's command has ended (a bound on a hang).
term_done() {
	wait_until 60 test -s "$T/stty.after"
}

# term_rc: the exit status of the terminal's command.
term_rc() {
	cat "$T/term.rc" 2>/dev/null
}

# term_modes_kept: the terminal's modes after its command are those
# before it.
term_modes_kept() {
	cmp -s "$T/stty.before" "$T/stty.after" && return 0
	echo "the terminal's modes changed:" "$(cat "$T/stty.before")" \
	    "$(cat "$T/stty.after" 2>/dev/null)"
	return 1
}

# --- other users, background helpers --------------------------------------------
# Helpers a test started in the background (idle clients, squatters,
# impostors, sshd): killed on exit.  Not jobs of the shell any more (no
# "Killed" notices): wait for one with wait_until N gone PID.
BG_PIDS=
bg_started() {
	BG_PIDS="$BG_PIDS $*"
	[ $# -eq 0 ] || disown "$@" 2>/dev/null
	return 0
}

# as_nobody CMD...: runs CMD as the unprivileged user nobody (the other
# local user of the hostile-user tests).
as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}

# as_nobody_bg CMD...: the same in the background; $! is CMD's pid, and
# CMD is killed on exit.
as_nobody_bg() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$@" &
	bg_started $!
}

# nobody_dir: a folder of $T that nobody may write (its logs, its own
# RUNDIR, ...), made on first use.
nobody_dir() {
	[ -d "$T/nobody" ] || { mkdir "$T/nobody" && chown nobody:nogroup "$T/nobody"; }
	echo "$T/nobody"
}

# --- network namespaces --------------------------------------------------------------
# netns_add: this test's network namespace, $NETNS (removed by cleanup),
# with its loopback up; inns CMD... runs CMD in it.  Another one:
# netns_add NAME-SUFFIX, its name in $NETNS until the next.
NETNS=
NETNSES=
netns_add() {
	NETNS=qinit-$TEST_NAME${1:+-$1}-$$
	NETNSES="$NETNSES $NETNS"
	ip netns add "$NETNS" && ip -n "$NETNS" link set lo up
}
inns() {
	ip netns exec "$NETNS" "$@"
}

# netns_bridge NAME [ADDRESS/PREFIX]: a bridge in $NETNS, up.
netns_bridge() {
	ip -n "$NETNS" link add "$1" type bridge &&
	    { [ -z "${2:-}" ] || ip -n "$NETNS" addr add "$2" dev "$1"; } &&
	    ip -n "$NETNS" link set "$1" up
}

# tap_scripts: qemu-brup and qemu-brdown in CONFDIR, links to ours.
tap_scripts() {
	ln -sf "$BIN/qemu-netif" "$QEMU_INIT_CONFDIR/qemu-brup" &&
	    ln -sf "$BIN/qemu-netif" "$QEMU_INIT_CONFDIR/qemu-brdown"
}

# Whether the host has an IPv6 loopback, where QEMU's TCP monitors then
# listen too.
ipv6_loopback() {
	ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/'
}

# --- the end --------------------------------------------------------------------------
CLEANUP_HOOKS=
# at_cleanup COMMAND: a shell command for cleanup to run first.
at_cleanup() {
	CLEANUP_HOOKS="$CLEANUP_HOOKS$1;"
}

cleanup() {
	local p n s
	[ -z "$CLEANUP_HOOKS" ] || eval "$CLEANUP_HOOKS" 2>/dev/null
	for p in $(all_qemus) $BG_PIDS; do
		kill -KILL "$p" 2>/dev/null
	done
	for n in $NETNSES ${NETNS:-}; do
		ip netns del "$n" 2>/dev/null
	done
	for s in $TMUX_SOCKS $TMUX_SOCK; do
		tmux -L "$s" kill-server 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# --- shared by several files ----------------------------------------------------
# check_shipped_config ROOT ADJECTIVE: the qemu-init installed under ROOT
# passes check on ROOT/etc/qemu's defaults and shipped example (two
# tests, "the ADJECTIVE defaults ...").
check_shipped_config() {
	shipped_root=$1
	test_expect_success "the $2 defaults pass qemu-init check" '
		run env QEMU_INIT_CONFDIR="$shipped_root/etc/qemu" \
		    "$shipped_root/usr/bin/qemu-init" check &&
		test_rc 0 && test_out "0 VMs checked: no problems"
	'
	test_expect_success "...and so does the $2 example" '
		run env QEMU_INIT_CONFDIR="$shipped_root/etc/qemu" \
		    "$shipped_root/usr/bin/qemu-init" check \
		    "$shipped_root/etc/qemu/example-qemu.cfg" &&
		test_rc 0 && test_out "1 VM checked: no problems"
	'
}

# === the helpers of the tests written before this harness ==================
# Kept so that such tests run as they are; new tests use the above.

# ok DESCRIPTION, not_ok DESCRIPTION: a TAP line of a test's result.
ok() { tap_ok "$1"; }
not_ok() { tap_not_ok "$1"; }

# check DESCRIPTION COMMAND...: one TAP line for whether COMMAND succeeds;
# fails with it, so that "check ... || diag ..." shows the diagnosis.
check() {
	local desc=$1
	shift
	if "$@"; then tap_ok "$desc"; else tap_not_ok "$desc"; return 1; fi
}

# expect DESCRIPTION RC TEXT: the last run exited RC and its stderr holds
# TEXT (use "" for any); expect_out: the same for stdout.
expect() {
	expect_in_ "$1" "$2" "$err" "$3"
}
expect_out() {
	expect_in_ "$1" "$2" "$out" "$3"
}
expect_in_() {
	if [ "$rc" -eq "$2" ] && contains "$3" "$4"; then
		tap_ok "$1"
	else
		tap_not_ok "$1"
		show_run
	fi
}

# expect_line DESCRIPTION RC LINE: the last run exited RC and its stderr
# is LINE exactly: one line, nothing more.
expect_line() {
	if [ "$rc" -eq "$2" ] && [ "$err" = "$3" ]; then
		tap_ok "$1"
	else
		tap_not_ok "$1"
		show_run
		diag "wanted on stderr: $3"
	fi
}

# done_testing: test_done.
done_testing() {
	test_done
}

# need_root WHY, need_guest: test_require ROOT, test_require GUEST.
need_root() {
	test_require ROOT
}
need_guest() {
	test_require GUEST
}

# in_terminal COMMAND: runs the shell command line in a fresh terminal,
# a tmux session of $TMUX_SOCK (as term_start, on the server the test
# named).
in_terminal() {
	rm -f "$T/stty.after" "$T/term.rc"
	in_terminal_ 120 30 "$*"
}

# terminal_left: in_terminal's command has ended.
terminal_left() {
	term_done
}
