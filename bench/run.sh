#!/bin/bash
# bench/run.sh - make bench: qemu-init's tools against the floor and
# against what users would run instead, side by side in one run.  Prints
# tables of medians and ratios; asserts nothing.  See bench/README.md.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$TOP/build/bin
B=$TOP/build/bench
GUEST=$TOP/build/guest
ROUNDS=${ROUNDS:-200}
START_ROUNDS=${START_ROUNDS:-20}
STOP_ROUNDS=${STOP_ROUNDS:-7}
LIST_ROUNDS=${LIST_ROUNDS:-20}
PATH=$BIN:$B:$PATH

if ! command -v socat >/dev/null; then
	if [ "$(id -u)" -eq 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q socat >/dev/null
	else
		echo "bench: socat is missing (apt-get install socat)" >&2
		exit 1
	fi
fi
mkdir -p "$B"
for t in timeit bare_qmp stopwatch; do
	cc -O2 -Wall -Wextra -Werror -std=c11 -D_GNU_SOURCE -o "$B/$t" \
	    "$TOP/bench/$t.c"
done

W=$(mktemp -d "${TMPDIR:-/tmp}/qinit-bench.XXXXXX")
export QEMU_INIT_CONFDIR=$W/etc QEMU_INIT_RUNDIR=$W/run
mkdir -p "$QEMU_INIT_CONFDIR" "$W/vms"
printf 'MONPORT=33000\nSLOTS=100\n' > "$QEMU_INIT_CONFDIR/monitor.conf"
: > "$QEMU_INIT_CONFDIR/qemu-init.reg"
cleanup() {
	local p
	for p in /proc/[0-9]*; do
		tr '\0' ' ' 2>/dev/null < "$p/cmdline" |
		    grep -q -- "-pidfile $QEMU_INIT_RUNDIR/" &&
		    kill -KILL "${p#/proc/}" 2>/dev/null
	done
	rm -rf "$W"
}
trap cleanup EXIT

# vm NAME [EXTRA]: registers a VM running the test guest.
vm() {
	mkdir -p "$W/vms/$1"
	cat > "$W/vms/$1/$1-qemu.cfg" <<CFG
OS=linux
DESC="bench VM $1"
KVM=no
RAM=192M
KERNEL=$GUEST/vmlinuz
INITRD=$GUEST/initrd.gz
APPEND="console=ttyS0 quiet"
VNC=no
${2:-}
CFG
	echo "$1 $W/vms/$1/$1-qemu.cfg" >> "$QEMU_INIT_CONFDIR/qemu-init.reg"
}
wait_ready() {
	local i=0
	while ! grep -q QINIT-GUEST-READY "$QEMU_INIT_RUNDIR/$1.console.log" \
	    2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
		[ $i -lt 1800 ] || { echo "bench: $1 never got ready" >&2; exit 1; }
	done
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "qemu-init benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
    "$(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -1)"
echo "kernel $(uname -r); $(qemu-system-x86_64 --version | head -1); TCG"
echo

# --- 1. one monitor command -------------------------------------------------
vm web
qemu-init start web >/dev/null
wait_ready web
ctl=$(sed -n 's/^CTLPORT=//p' "$QEMU_INIT_RUNDIR/web.state")
mon=$(sed -n 's/^MONPORT=//p' "$QEMU_INIT_RUNDIR/web.state")
echo "info status" > "$W/hmp.in"
echo "## 1. one monitor command: 'info status', $ROUNDS rounds, interleaved"
timeit "$ROUNDS" \
    :: "bare C QMP client" bare_qmp "$ctl" \
    :: "qemu-cmd -c" qemu-cmd -c "info status" web \
    :: "socat to MONPORT (HMP)" "<$W/hmp.in" socat -t 2 STDIO "TCP:127.0.0.1:$mon"
echo

# --- 2. start -------------------------------------------------------------------
qemu-init kill web >/dev/null
qemu-init show web > "$W/argv"
mapfile -t argv < "$W/argv"
echo "## 2. start until it returns, $START_ROUNDS rounds (each VM killed untimed after)"
timeit "$START_ROUNDS" \
    :: "QEMU -daemonize (show)" "${argv[@]}" + qemu-init kill web \
    :: "qemu-init start" qemu-init start web + qemu-init kill web
echo

# --- 3. stop overhead ---------------------------------------------------------
echo "## 3. stop: from QEMU's exit to 'qemu-init stop' returning, $STOP_ROUNDS rounds"
: > "$W/stop.ms"
for i in $(seq 1 "$STOP_ROUNDS"); do
	qemu-init start web >/dev/null
	wait_ready web
	pid=$(sed -n 's/^PID=//p' "$QEMU_INIT_RUNDIR/web.state")
	stopwatch "$pid" qemu-init stop web >> "$W/stop.ms"
	rm -f "$QEMU_INIT_RUNDIR/web.console.log"
done
printf '%-24s %10s %10s %10s\n' "" "median ms" "min ms" "max ms"
printf '%-24s %10.3f %10.3f %10.3f\n' "exit -> stop returns" \
    "$(median < "$W/stop.ms")" "$(sort -n "$W/stop.ms" | head -1)" \
    "$(sort -n "$W/stop.ms" | tail -1)"
echo

# --- 4. list and status as the registry grows ------------------------------------
echo "## 4. list and status with N registered VMs (20 running, paused), $LIST_ROUNDS rounds"
: > "$QEMU_INIT_CONFDIR/qemu-init.reg"
for n in $(seq 1 1000); do
	mkdir -p "$W/vms/v$n"
	cat > "$W/vms/v$n/v$n-qemu.cfg" <<CFG
DESC="idle VM $n"
KVM=no
RAM=32M
VNC=no
SERIAL=no
CUSTOM1=-S
CFG
done
for n in $(seq 1 20); do
	echo "v$n $W/vms/v$n/v$n-qemu.cfg" >> "$QEMU_INIT_CONFDIR/qemu-init.reg"
	qemu-init start "v$n" >/dev/null
done
for size in 10 100 1000; do
	cp "$QEMU_INIT_CONFDIR/qemu-init.reg" "$W/reg.full" 2>/dev/null || true
	: > "$QEMU_INIT_CONFDIR/qemu-init.reg"
	for n in $(seq 1 "$size"); do
		echo "v$n $W/vms/v$n/v$n-qemu.cfg"
	done > "$QEMU_INIT_CONFDIR/qemu-init.reg"
	echo "N=$size ($(( size < 20 ? size : 20 )) running)"
	timeit "$LIST_ROUNDS" \
	    :: "qemu-init list" qemu-init list \
	    :: "qemu-init status" qemu-init status \
	    :: "qemu-init status v1" qemu-init status v1
done
echo

# --- 5. libvirt -----------------------------------------------------------------
echo "## 5. libvirt"
if command -v virsh >/dev/null && virsh -c qemu:///system version >/dev/null 2>&1; then
	echo "virsh is installed: comparing is not automated yet; see bench/README.md"
else
	echo "virsh (libvirt-clients, libvirt-daemon-system) is not installed or"
	echo "libvirtd is not running here: no libvirt figures in this run."
fi
