# tests/lib.sh - shared by every integration test (tests/*.t): a private
# CONFDIR and RUNDIR, the test guest, TAP output, and a clean-up that
# runs however the test ends.
#
# Each test sources this file, sets PORTBASE (its own monitor port
# range: tests must not share ports), and tells its story in small
# named steps.

set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$TOP/build/bin
GUEST=$TOP/build/guest
PATH=$BIN:$PATH
export PATH

T=$(mktemp -d "${TMPDIR:-/tmp}/qinit-test.XXXXXX")
chmod 755 "$T"
export QEMU_INIT_CONFDIR="$T/etc" QEMU_INIT_RUNDIR="$T/run"
mkdir -p "$QEMU_INIT_CONFDIR"
: > "$QEMU_INIT_CONFDIR/qemu-init.reg"
NETNS=

tap_n=0
tap_failed=0

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $1"
}

# check DESCRIPTION COMMAND...: one TAP line for whether COMMAND succeeds;
# fails with it, so that "check ... || diag ..." shows the diagnosis.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; return 1; fi
}

# expect DESCRIPTION RC TEXT: the last run exited RC and its stderr holds
# TEXT (use "" for any).
expect() {
	if [ "$rc" -eq "$2" ] && contains "$err" "$3"; then
		ok "$1"
	else
		not_ok "$1"
		show_run
	fi
}

# expect_out DESCRIPTION RC TEXT: the same for stdout.
expect_out() {
	if [ "$rc" -eq "$2" ] && contains "$out" "$3"; then
		ok "$1"
	else
		not_ok "$1"
		show_run
	fi
}

# expect_line DESCRIPTION RC LINE: the last run exited RC and its stderr
# is LINE exactly: one line, nothing more (no usage after it).
expect_line() {
	if [ "$rc" -eq "$2" ] && [ "$err" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		show_run
		diag "wanted on stderr: $3"
	fi
}

# run CMD...: runs a command, keeping its stdout, stderr and status in
# $out, $err and $rc.
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

# diag TEXT: a TAP comment (shown by prove -v).
diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

# Shows what the last run printed, after a failed check.
show_run() {
	diag "rc=$rc" "stdout: $out" "stderr: $err"
}

contains() {
	case $1 in *"$2"*) return 0 ;; esac
	return 1
}

# monitor_conf BASE: this test's own slot range.
monitor_conf() {
	printf 'MONPORT=%s\nSLOTS=%s\n' "$1" "${2:-20}" \
	    > "$QEMU_INIT_CONFDIR/monitor.conf"
}

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

# wait_for_log NAME TEXT [SECONDS]: the guest printed TEXT on its serial
# console (the console log).  Not a timing assertion: a bound on a hang.
wait_for_log() {
	local log="$QEMU_INIT_RUNDIR/$1@console.log" i=0
	while [ $i -lt $((${3:-180} * 10)) ]; do
		[ -f "$log" ] && grep -q "$2" "$log" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	diag "no '$2' in $log after ${3:-180} s"
	[ -f "$log" ] && tail -5 "$log" | diag "$(cat)"
	return 1
}

# pane: what the tmux session of $TMUX_SOCK shows (its last 200 lines).
pane() { tmux -L "$TMUX_SOCK" capture-pane -p -S -200; }

# wait_pane TEXT [SECONDS]: the pane shows TEXT (a bound on a hang).
wait_pane() {
	local i=0
	while [ $i -lt $((${2:-15} * 10)) ]; do
		pane | grep -q -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	diag "pane has no '$1':" "$(pane)"
	return 1
}

wait_ready() {
	wait_for_log "$1" QINIT-GUEST-READY "${2:-180}"
}

# state_of NAME KEY: a value NAME's state file records (empty when none).
state_of() {
	sed -n "s/^$2=//p" "$QEMU_INIT_RUNDIR/$1@state" 2>/dev/null
}

# The pid in a VM's state file (empty when none).
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

# gone PID: the process has exited (a zombie that init has not reaped
# yet has exited too).
gone() {
	[ -n "$1" ] || return 1
	[ -d "/proc/$1" ] || return 0
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | grep -q '^[ZX]'
}

# Every QEMU this test started: those whose command line names our
# private RUNDIR.  Only these pids are ever signalled.
our_qemus() {
	local p
	for p in /proc/[0-9]*; do
		tr '\0' ' ' 2>/dev/null < "$p/cmdline" |
		    grep -q -- "-pidfile $QEMU_INIT_RUNDIR/" && echo "${p#/proc/}"
	done
}

# Helpers a test started in the background (idle clients, squatters,
# impostors) and QEMUs of other run directories: killed on exit.  Not
# jobs of the shell any more (no "Killed" notices): wait for one with
# wait_until N gone PID.
BG_PIDS=
bg_started() {
	BG_PIDS="$BG_PIDS $*"
	[ $# -eq 0 ] || disown "$@" 2>/dev/null
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

# guest_type NAME LINE: types LINE into the shell on NAME's serial
# console; what it prints goes to the console log (wait_for_log).
guest_type() {
	printf '%s\n' "$2" | qemu-init console "$1" >/dev/null 2>&1
}

# wait_until SECONDS CMD...: CMD succeeds within SECONDS.  Not a timing
# assertion: a bound on a hang.
wait_until() {
	local i=0 n=$(($1 * 10))
	shift
	while ! "$@"; do
		[ $i -lt $n ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
}

cleanup() {
	local p
	for p in $(our_qemus) $BG_PIDS; do
		kill -KILL "$p" 2>/dev/null
	done
	[ -n "$NETNS" ] && ip netns del "$NETNS" 2>/dev/null
	[ -n "${TMUX_SOCK:-}" ] && tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Ends the test: the TAP plan, and a failing status when a step failed.
done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# check_shipped_config ROOT ADJECTIVE: the qemu-init installed under ROOT
# passes check on ROOT/etc/qemu's defaults and shipped example (two steps,
# "the ADJECTIVE defaults ...").
check_shipped_config() {
	run env QEMU_INIT_CONFDIR="$1/etc/qemu" "$1/usr/bin/qemu-init" check
	expect_out "the $2 defaults pass qemu-init check" 0 \
	    "0 VMs checked: no problems"
	run env QEMU_INIT_CONFDIR="$1/etc/qemu" "$1/usr/bin/qemu-init" check \
	    "$1/etc/qemu/example-qemu.cfg"
	expect_out "...and so does the $2 example" 0 "1 VM checked"
}

# in_terminal COMMAND: runs the shell command line in a fresh terminal,
# a tmux session of $TMUX_SOCK (ended by cleanup); its exit status goes
# to $T/term.rc, the terminal's modes before and after it to
# $T/stty.before and $T/stty.after.
in_terminal() {
	rm -f "$T/stty.after" "$T/term.rc"
	tmux -L "$TMUX_SOCK" new-session -d -x 120 -y 30 \
	    "stty -g > $T/stty.before; $*; echo \$? > $T/term.rc; \
	     stty -g > $T/stty.after; sleep 600"
}

# terminal_left: in_terminal's command has ended, within 10 s.
terminal_left() {
	local i=0
	while [ ! -s "$T/stty.after" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$T/stty.after" ]
}

# need_root WHY: bails out unless the test runs as root.
need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "Bail out! $1: run it as root"
		exit 1
	fi
}

# Whether the host has an IPv6 loopback, where QEMU's TCP monitors then
# listen too.
ipv6_loopback() {
	ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/'
}

# nobody_dir: a folder of $T that nobody may write (its logs, its own
# RUNDIR, ...), made on first use.
nobody_dir() {
	[ -d "$T/nobody" ] || { mkdir "$T/nobody" && chown nobody:nogroup "$T/nobody"; }
	echo "$T/nobody"
}

need_guest() {
	if [ ! -r "$GUEST/vmlinuz" ] || [ ! -r "$GUEST/initrd.gz" ]; then
		echo "Bail out! test guest missing: run make guest"
		exit 1
	fi
}

# --- the Debian guest (tests/guest/debian.sh) ------------------------------
DEB=$TOP/build/guest-debian

need_debian() {
	if [ ! -r "$DEB/disk.qcow2" ] || [ ! -r "$DEB/vmlinuz" ]; then
		echo "Bail out! Debian test guest missing: run make guest-debian"
		exit 1
	fi
}

# deb_vm NAME [EXTRA-CONFIG-LINES [KERNEL-ARGS]]: a VM of the Debian
# guest on a disk of its own, disk.qcow2 in $T/vms/NAME (a qcow2 overlay
# on the built image), registered under NAME.
deb_vm() {
	local name=$1 dir="$T/vms/$1"

	mkdir -p "$dir"
	qemu-img create -q -f qcow2 -F qcow2 -b "$DEB/disk.qcow2" \
	    "$dir/disk.qcow2" || return 1
	{
		"$TOP/tests/guest/debian-cfg.sh" "$DEB" "Debian 12 test guest" \
		    "${3:-}"
		printf '%s\n' "STOPDELAY=150" "${2:-}"
	} > "$dir/$name-qemu.cfg"
	echo "$name $dir/$name-qemu.cfg" >> "$QEMU_INIT_CONFDIR/qemu-init.reg"
}

# deb_login NAME: root logged in on NAME's serial console, through
# qemu-init console in a tmux session named NAME of $TMUX_SOCK, for
# deb_run (TEST ONLY password).  A session of that name is replaced.
deb_login() {
	local i=0

	tmux -L "$TMUX_SOCK" kill-session -t "$1" 2>/dev/null
	tmux -L "$TMUX_SOCK" new-session -d -s "$1" -x 160 -y 40 \
	    "qemu-init console $1; sleep 3600" || return 1
	while ! tmux -L "$TMUX_SOCK" capture-pane -p -t "$1" |
	    grep -q "attached to the console"; do
		[ $i -lt 100 ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
	deb_keys "$1" Enter
	wait_for_log "$1" "login: *$" 300 || return 1
	deb_keys "$1" root Enter
	wait_for_log "$1" "Password:" 60 || return 1
	deb_keys "$1" qinit Enter
	DEB_N=$((DEB_N + 1))
	deb_run "$1" "echo QI-IN-\$((1000+$DEB_N))" "QI-IN-$((1000 + DEB_N))" 120
}
DEB_N=0

deb_keys() {
	local s=$1
	shift
	tmux -L "$TMUX_SOCK" send-keys -t "$s" "$@"
}

# deb_run NAME CMD TOKEN [SECONDS]: runs the shell command CMD as root
# on NAME's console (deb_login) and waits until TOKEN, which CMD prints
# and which its own text does not hold, is in NAME's console log.
deb_run() {
	deb_keys "$1" "$2" Enter
	wait_for_log "$1" "$3" "${4:-120}"
}
