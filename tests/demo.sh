#!/bin/bash
# demo.sh - the suite at work on the test guest (make demo): one VM is
# configured, registered, started, asked about and stopped through its
# ACPI power button, each command shown as it runs.  Everything happens
# in a private temporary CONFDIR and RUNDIR: /etc/qemu and /run are never
# touched.  Whatever happens, the temporary folder and any QEMU the demo
# started are gone when it ends; a failed step makes it exit 1.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
GUEST=$TOP/build/guest
PATH=$TOP/build/bin:$PATH

for f in "$TOP/build/bin/qemu-init" "$GUEST/vmlinuz" "$GUEST/initrd.gz"; do
	if [ ! -r "$f" ]; then
		echo "demo: $f is missing: run make demo" >&2
		exit 1
	fi
done

DEMO=$(mktemp -d "${TMPDIR:-/tmp}/qemu-init-demo.XXXXXX") || exit 1
chmod 755 "$DEMO"
export QEMU_INIT_CONFDIR=$DEMO/etc QEMU_INIT_RUNDIR=$DEMO/run

# The QEMU of the demo VM, by the pid file QEMU writes, and only when
# that process is really it (its command line names our RUNDIR).
demo_qemu() {
	local pid

	pid=$(cat "$QEMU_INIT_RUNDIR/demo@pid" 2>/dev/null) || return 1
	[ -n "$pid" ] && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null |
	    grep -q -- "-pidfile $QEMU_INIT_RUNDIR/demo@pid" && echo "$pid"
}

cleanup() {
	local pid

	if pid=$(demo_qemu); then
		echo "demo: ending QEMU (pid $pid) left by the demo" >&2
		kill -KILL "$pid"
	fi
	rm -rf "$DEMO"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# show COMMAND...: the command as one would type it.
show() {
	local arg line=\$

	for arg in "$@"; do
		case $arg in
		*[!A-Za-z0-9_./:=@%+-]* | '') line="$line \"$arg\"" ;;
		*) line="$line $arg" ;;
		esac
	done
	echo
	echo "$line"
}

fail() {
	echo "demo: FAILED: $*" >&2
	exit 1
}

# step [-s STATUS] COMMAND...: shows COMMAND, runs it, and fails the demo
# unless it exits with STATUS (0 by default).
step() {
	local want=0 rc

	if [ "$1" = -s ]; then
		want=$2
		shift 2
	fi
	show "$@"
	"$@"
	rc=$?
	[ "$rc" -eq "$want" ] || fail "'$*' exited $rc (expected $want)"
}

# wait_ready SECONDS: the guest printed its ready marker on its serial
# console, which qemu-init logs in RUNDIR/demo@console.log.
wait_ready() {
	local log=$QEMU_INIT_RUNDIR/demo@console.log i=0

	echo
	echo "\$ # waiting up to $1 s for QINIT-GUEST-READY in $log"
	while [ $i -lt $(($1 * 10)) ]; do
		if grep -q QINIT-GUEST-READY "$log" 2>/dev/null; then
			grep QINIT-GUEST-READY "$log"
			return 0
		fi
		demo_qemu >/dev/null || fail "QEMU ended while the guest booted"
		sleep 0.1
		i=$((i + 1))
	done
	[ -f "$log" ] && tail -5 "$log" >&2
	fail "no QINIT-GUEST-READY after $1 s"
}

mkdir -p "$QEMU_INIT_CONFDIR" "$DEMO/vms/demo"
printf 'MONPORT=33000\nSLOTS=20\n' > "$QEMU_INIT_CONFDIR/monitor.conf"
"$TOP/tests/guest/cfg.sh" "$GUEST" "qemu-init demo guest" \
    > "$DEMO/vms/demo/demo-qemu.cfg"
echo "demo $DEMO/vms/demo/demo-qemu.cfg" > "$QEMU_INIT_CONFDIR/qemu-init.reg"

echo "QEMU_INIT_CONFDIR=$QEMU_INIT_CONFDIR"
echo "QEMU_INIT_RUNDIR=$QEMU_INIT_RUNDIR"
step cat "$DEMO/vms/demo/demo-qemu.cfg"
step cat "$QEMU_INIT_CONFDIR/qemu-init.reg"
step qemu-init check demo
step qemu-init start demo
wait_ready 120
step qemu-init list
step qemu-cmd -c "info status" demo
step qemu-init status demo
step qemu-init stop demo
step -s 3 qemu-init status demo
if pid=$(demo_qemu); then
	fail "QEMU (pid $pid) still runs after the stop"
fi
echo
echo "demo: done"
