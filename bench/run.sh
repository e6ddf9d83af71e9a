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
HOST_ROUNDS=${HOST_ROUNDS:-20}
DEB_ROUNDS=${DEB_ROUNDS:-3}
MIG_ROUNDS=${MIG_ROUNDS:-3}
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
for t in timeit bare_qmp bare_many bare_start bare_migrate stopwatch; do
	cc -O2 -Wall -Wextra -Werror -std=c11 -D_GNU_SOURCE -o "$B/$t" \
	    "$TOP/bench/$t.c"
done

W=$(mktemp -d "${TMPDIR:-/tmp}/qinit-bench.XXXXXX")
chmod 755 "$W"	# RUNDIR within reach of QEMU's user
export QEMU_INIT_CONFDIR=$W/etc QEMU_INIT_RUNDIR=$W/run
mkdir -p "$QEMU_INIT_CONFDIR" "$W/vms"
printf 'MONPORT=30000\nSLOTS=100\n' > "$QEMU_INIT_CONFDIR/monitor.conf"
: > "$QEMU_INIT_CONFDIR/qemu-init.reg"
cleanup() {
	local p

	set +e	# clean up all that can be, whatever fails
	[ -n "${SSHD_PID:-}" ] && kill "$SSHD_PID"	# section 6's sshd
	for p in /proc/[0-9]*; do
		case $(cat "$p/comm" 2>/dev/null) in qemu-system-*) ;; *) continue ;; esac
		tr '\0' ' ' 2>/dev/null < "$p/cmdline" |
		    grep -q -- "-pidfile $W/" &&
		    kill -KILL "${p#/proc/}" 2>/dev/null
	done
	rm -rf "$W"
	return 0
}
trap cleanup EXIT
# qemu-init's VMs by stop -a, the bare launches (no state, no pid file of
# qemu-init's) by the run directory on their command line, as cleanup.
cat > "$W/killall.sh" <<KILL
#!/bin/bash
qemu-init stop -a -f -t 0 >/dev/null 2>&1
for p in /proc/[0-9]*; do
	case \$(cat "\$p/comm" 2>/dev/null) in qemu-system-*) ;; *) continue ;; esac
	tr '\\0' ' ' 2>/dev/null < "\$p/cmdline" |
	    grep -q -- "-pidfile $W/" &&
	    kill -KILL "\${p#/proc/}" 2>/dev/null
done
exit 0
KILL
chmod +x "$W/killall.sh"

# vm NAME [EXTRA]: registers a VM running the test guest.
vm() {
	mkdir -p "$W/vms/$1"
	{
		"$TOP/tests/guest/cfg.sh" "$GUEST" "bench VM $1"
		printf '%s\n' "${2:-}"
	} > "$W/vms/$1/$1-qemu.cfg"
	echo "$1 $W/vms/$1/$1-qemu.cfg" >> "$QEMU_INIT_CONFDIR/qemu-init.reg"
}
wait_ready() {
	local i=0
	while ! grep -q QINIT-GUEST-READY "$QEMU_INIT_RUNDIR/$1@console.log" \
	    2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
		[ $i -lt 1800 ] || { echo "bench: $1 never got ready" >&2; exit 1; }
	done
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# spread LABEL FILE: the median, least and greatest of FILE's times (ms).
spread() {
	printf '%-24s %10s %10s %10s\n' "" "median ms" "min ms" "max ms"
	printf '%-24s %10.3f %10.3f %10.3f\n' "$1" "$(median < "$2")" \
	    "$(sort -n "$2" | head -1)" "$(sort -n "$2" | tail -1)"
}

echo "qemu-init benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
    "$(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -1)"
echo "kernel $(uname -r); $(qemu-system-x86_64 --version | head -1); TCG"
echo

# --- 1. one monitor command -------------------------------------------------
vm web
qemu-init start web >/dev/null
wait_ready web
ctl=$(sed -n 's/^CTLPORT=//p' "$QEMU_INIT_RUNDIR/web@state")
mon=$(sed -n 's/^MONPORT=//p' "$QEMU_INIT_RUNDIR/web@state")
echo "info status" > "$W/hmp.in"
echo "## 1. one monitor command: 'info status', $ROUNDS rounds, interleaved"
timeit "$ROUNDS" \
    :: "bare C QMP client" bare_qmp "$ctl" \
    :: "qemu-cmd -c" qemu-cmd -c "info status" web \
    :: "socat to MONPORT (HMP)" "<$W/hmp.in" socat -t 2 STDIO "TCP:127.0.0.1:$mon"
echo

# --- 2. start -------------------------------------------------------------------
qemu-init kill web >/dev/null
# show's command line, run as it is, with its pid file beside the run
# directory (start and kill make and remove web@qemu there).
qemu-init show web | "$TOP/tests/guest/runnable.sh" |
    sed "/^-pidfile\$/{n;s|.*|$W/bare-web.pid|}" > "$W/argv"
mapfile -t argv < "$W/argv"
echo "## 2. start until it returns, $START_ROUNDS rounds (each VM killed untimed after)"
timeit "$START_ROUNDS" \
    :: "QEMU launched, one QMP answer" bare_start \
	"$QEMU_INIT_RUNDIR/web@control" "${argv[@]}" + "$W/killall.sh" \
    :: "qemu-init start" qemu-init start web + qemu-init kill web
echo

# --- 3. stop overhead ---------------------------------------------------------
echo "## 3. stop: from QEMU's exit to 'qemu-init stop' returning, $STOP_ROUNDS rounds"
: > "$W/stop.ms"
for i in $(seq 1 "$STOP_ROUNDS"); do
	qemu-init start web >/dev/null
	wait_ready web
	pid=$(sed -n 's/^PID=//p' "$QEMU_INIT_RUNDIR/web@state")
	stopwatch "$pid" qemu-init stop web >> "$W/stop.ms"
	rm -f "$QEMU_INIT_RUNDIR/web@console.log"
done
spread "exit -> stop returns" "$W/stop.ms"
echo

# --- 4. many VMs: list, status, start -a, stop -a ------------------------------
# Idle VMs (paused with -S, so that they cost no CPU) registered in bulk.
idle_vm() {	# idle_vm N [AUTOSTART]
	mkdir -p "$W/vms/v$1"
	cat > "$W/vms/v$1/v$1-qemu.cfg" <<CFG
DESC="idle VM $1"
KVM=no
RAM=32M
VNC=no
SERIAL=no
AUTOSTART=${2:-no}
CUSTOM1=-S
CFG
}
register() {	# register FIRST LAST
	seq "$1" "$2" | while read -r n; do
		echo "v$n $W/vms/v$n/v$n-qemu.cfg"
	done
}
MANY=${MANY:-100}
echo "## 4a. list and status with $MANY registered VMs, 1 to $MANY running, $LIST_ROUNDS rounds"
for n in $(seq 1 1000); do idle_vm "$n"; done
register 1 "$MANY" > "$QEMU_INIT_CONFDIR/qemu-init.reg"
running=0
for r in 1 10 50 $MANY; do
	while [ $running -lt "$r" ]; do
		running=$((running + 1))
		qemu-init start "v$running" >/dev/null
	done
	echo "$r running"
	mapfile -t socks < <(seq 1 "$r" |
	    sed "s|.*|$QEMU_INIT_RUNDIR/v&@control|")
	timeit "$LIST_ROUNDS" \
	    :: "bare C, all at once" bare_many "${socks[@]}" \
	    :: "qemu-init list" qemu-init list \
	    :: "qemu-init status" qemu-init status \
	    :: "qemu-init status v1" qemu-init status v1
done
echo "1000 registered, $MANY running (peak RSS at scale)"
register 1 1000 > "$QEMU_INIT_CONFDIR/qemu-init.reg"
timeit 5 \
    :: "qemu-init list" qemu-init list \
    :: "qemu-init status" qemu-init status
qemu-init stop -a -f -t 0 >/dev/null 2>&1
echo

N_AUTO=${N_AUTO:-20}
echo "## 4b. start -a of $N_AUTO AUTOSTART VMs against their $N_AUTO command lines launched at once, $START_ROUNDS rounds"
for n in $(seq 1 "$N_AUTO"); do idle_vm "$n" yes; done
register 1 "$N_AUTO" > "$QEMU_INIT_CONFDIR/qemu-init.reg"
# The direct launches take the slots start -a gives (show of a running VM
# shows its slot), so that no two share a port.
qemu-init start -a >/dev/null
{
	echo '#!/bin/bash'
	for n in $(seq 1 "$N_AUTO"); do
		echo "mkdir -p '$QEMU_INIT_RUNDIR/v$n@qemu'"
		printf '%s ' bare_start "'$QEMU_INIT_RUNDIR/v$n@control'"
		qemu-init show "v$n" | "$TOP/tests/guest/runnable.sh" |
		    sed "s/'/'\\\\''/g; s/^/'/; s/\$/'/" | tr '\n' ' '
		echo '&'
	done
	echo 'wait'
} > "$W/direct.sh"
chmod +x "$W/direct.sh"
"$W/killall.sh"
timeit "$START_ROUNDS" \
    :: "QEMU x$N_AUTO at once, each to its first QMP answer" "$W/direct.sh" + "$W/killall.sh" \
    :: "qemu-init start -a" qemu-init start -a + "$W/killall.sh"
echo

echo "## 4c. stop -a of $N_AUTO booted guests: from the last QEMU's exit to stop -a returning, $STOP_ROUNDS rounds"
: > "$QEMU_INIT_CONFDIR/qemu-init.reg"
for n in $(seq 1 "$N_AUTO"); do vm "g$n"; done
: > "$W/stopall.ms"
for i in $(seq 1 "$STOP_ROUNDS"); do
	for n in $(seq 1 "$N_AUTO"); do qemu-init start "g$n" >/dev/null; done
	for n in $(seq 1 "$N_AUTO"); do wait_ready "g$n"; done
	pids=$(for n in $(seq 1 "$N_AUTO"); do
		sed -n 's/^PID=//p' "$QEMU_INIT_RUNDIR/g$n@state"; done |
	    paste -sd,)
	stopwatch "$pids" qemu-init stop -a >> "$W/stopall.ms"
done
spread "last exit -> stop -a" "$W/stopall.ms"
echo

# --- 5. a Debian 12 guest: boot and clean stop ---------------------------------
# The guest of tests/guest/debian.sh (systemd on a virtio disk, TCG):
# start -w until its login prompt is in the console log (READY), and
# qemu-init stop until it is off (systemd's own shutdown through logind).
echo "## 5. a Debian 12 guest (systemd, virtio disk, TCG): boot and clean stop, $DEB_ROUNDS rounds"
DEB=$TOP/build/guest-debian
if [ -r "$DEB/disk.qcow2" ]; then
	mkdir -p "$W/vms/deb"
	qemu-img create -q -f qcow2 -F qcow2 -b "$DEB/disk.qcow2" \
	    "$W/vms/deb/disk.qcow2"
	{
		"$TOP/tests/guest/debian-cfg.sh" "$DEB" "Debian 12 bench guest"
		echo STOPDELAY=300
	} > "$W/vms/deb/deb-qemu.cfg"
	echo "deb $W/vms/deb/deb-qemu.cfg" >> "$QEMU_INIT_CONFDIR/qemu-init.reg"
	: > "$W/boot.ms"; : > "$W/dstop.ms"
	for i in $(seq 1 "$DEB_ROUNDS"); do
		timeit 1 :: b qemu-init start -w 600 deb |
		    awk '$1 == "b" { print $2 }' >> "$W/boot.ms"
		timeit 1 :: s qemu-init stop deb |
		    awk '$1 == "s" { print $2 }' >> "$W/dstop.ms"
	done
	printf '%-28s %10s %10s %10s\n' "" "median ms" "min ms" "max ms"
	for f in boot dstop; do
		printf '%-28s %10.0f %10.0f %10.0f\n' \
		    "$( [ $f = boot ] && echo "start -w (to the login prompt)" ||
		    echo "stop (to powered off)")" \
		    "$(median < "$W/$f.ms")" "$(sort -n "$W/$f.ms" | head -1)" \
		    "$(sort -n "$W/$f.ms" | tail -1)"
	done
else
	echo "(skipped: no build/guest-debian; make guest-debian, as root)"
fi
echo

# --- 6. -H on two hosts ---------------------------------------------------------
# qemu-init -H a -H b list against its floor: ssh a qemu-init list -o
# json and ssh b ... run at once (what the fleet view must do, without
# reading and rendering the answers).  Both hosts are a private sshd on
# 127.0.0.1 (tests/sshd.sh), with the registry of section 4c.  The same
# sshd serves section 6b's two hosts, users of their own whose sessions
# get each host's folders (registered before it starts): A is the
# bench's own, B has a CONFDIR and RUNDIR under $W/b (MONPORT 30200,
# SLOTS 20: monitors 30200-30219, control 30300-30319, clear of A's
# 30000-30199 and of bench/create.sh's 30700-30809).
echo "## 6. -H a -H b list (two hosts through a private sshd) against both ssh ... list -o json at once, $HOST_ROUNDS rounds"
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
T=$W
. "$TOP/tests/sshd.sh"
MB=$W/b
mkdir -p "$MB/etc"
: > "$MB/etc/qemu-init.reg"
printf 'MONPORT=30200\nSLOTS=20\n' > "$MB/etc/monitor.conf"
sshd_host qi-hosta "$QEMU_INIT_CONFDIR" "$QEMU_INIT_RUNDIR"
sshd_host qi-hostb "$MB/etc" "$MB/run"
sshd_up=
if start_sshd; then
	sshd_up=yes
	me=$(id -un)
	cat > "$W/two_ssh" <<SH
#!/bin/sh
$QEMU_INIT_SSH -p $PORT -l $me -T -n 127.0.0.1 qemu-init list -o json >/dev/null &
$QEMU_INIT_SSH -p $PORT -l $me -T -n 127.0.0.1 qemu-init list -o json >/dev/null &
wait
SH
	chmod +x "$W/two_ssh"
	timeit "$HOST_ROUNDS" \
	    :: "ssh a & ssh b (floor)" "$W/two_ssh" \
	    :: "qemu-init -H a -H b list" qemu-init -H "$me@127.0.0.1:$PORT" \
		-H "127.0.0.1:$PORT" list \
	    :: "... list -o json" qemu-init -H "$me@127.0.0.1:$PORT" \
		-H "127.0.0.1:$PORT" list -o json
else
	echo "(skipped: the private sshd did not start: $(tail -1 "$S/sshd.log" 2>/dev/null))"
fi
echo

# --- 6b. live migration ----------------------------------------------------------
# qemu-init migrate of a running test guest (counting on its console,
# qinit.counter=1) from A to B and back, driven from B the second time,
# shared storage (one raw disk file both hosts name alike), against the
# floor: the same guest from show's command line, launched by hand twice
# (the second with -incoming unix:PATH), and QEMU's own migration between
# them over that socket (bare_migrate), no ssh, no qemu-init.  Both
# guests run all along, and their migrations alternate, round after
# round.  migrate's time is the wall clock of the command, its downtime
# what it prints (QEMU's, and its switch-over's); the floor's, from the
# migrate command to QEMU's event that it completed, and QEMU's
# downtime.  Each guest's counter must go on after a move from the
# source's last count + 1 or 2, without a boot: a sanity line, counted.
echo "## 6b. live migration of a running test guest (192 MiB, TCG, shared raw disk), there and back $MIG_ROUNDS times: qemu-init migrate through ssh against QEMU to QEMU over a unix socket"
# counts LOG: the counter's values in a console log (whole lines only).
counts() {
	tr -d '\r' 2>/dev/null < "$1" | sed -n 's/.*QINIT-COUNT \([0-9][0-9]*\)$/\1/p'
}
# wait_count LOG SECS: until LOG has a count, SECS seconds at most.
wait_count() {
	local end=$((SECONDS + $2))
	while [ -z "$(counts "$1" | head -1)" ]; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}
# goes_on FROM TO: TO's counter went on from FROM's (+ 1 or 2), without a
# boot.  TO's first count is waited for 30 s at most: a console that went
# quiet after a move must not hold the bench.
goes_on() {
	local a b
	a=$(counts "$1" | tail -1)
	[ -n "$a" ] && wait_count "$2" 30 || return 1
	b=$(counts "$2" | head -1)
	[ "$b" -gt "$a" ] && [ "$b" -le $((a + 2)) ] &&
	    ! grep -aq QINIT-GUEST-READY "$2"
}
# floor_launch N [URI]: the floor's QEMU N (in $W/floor/qN), waiting for
# its state on URI if given; returns once it answers on its control socket.
floor_launch() {
	local d=$W/floor/q$1
	mkdir -p "$d"
	mapfile -t argv < <(sed "s|@DIR@|$d|g" "$W/floor.argv")
	bare_start "$d/control" "${argv[@]}" ${2:+-incoming "$2"}
}
# floor_kill N: ends the floor's QEMU N, by its pid file, until it is gone.
floor_kill() {
	local pid i=0
	pid=$(cat "$W/floor/q$1/pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null || return 0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
if [ -n "$sshd_up" ]; then
	HA=qi-hosta@127.0.0.1:$PORT HB=qi-hostb@127.0.0.1:$PORT
	truncate -s 16M "$W/mig.img" "$W/floor.img"
	mkdir -p "$W/vms/mig" "$W/floor"
	{
		"$TOP/tests/guest/cfg.sh" "$GUEST" "bench VM mig" obey \
		    qinit.counter=1
		printf 'DSK1=%s\nDISKFORMAT=raw\nDISKIF=virtio\n' "$W/mig.img"
	} > "$W/vms/mig/mig-qemu.cfg"
	echo "mig $W/vms/mig/mig-qemu.cfg" >> "$QEMU_INIT_CONFDIR/qemu-init.reg"
	echo "mig $W/vms/mig/mig-qemu.cfg" >> "$MB/etc/qemu-init.reg"
	# The floor's command line: show's, runnable, with a disk of its own
	# (the VM's is locked by its QEMU), its files in its own folder
	# (@DIR@), and without the TCP monitors (its control socket is all
	# that is used, and two QEMUs run at once).
	qemu-init show mig | "$TOP/tests/guest/runnable.sh" |
	    sed "s|$QEMU_INIT_RUNDIR/mig@qemu/pid|@DIR@/pid|
		s|$QEMU_INIT_RUNDIR/mig@|@DIR@/|g; s|$W/mig.img|$W/floor.img|" |
	    awk 'skip > 0 { skip--; next }
		$0 == "-chardev" { getline a
			if (a ~ /,host=/) { skip = 2; next }
			print; print a; next }
		{ print }' > "$W/floor.argv"
	qemu-init start mig >/dev/null
	floor_launch 0
	for log in "$QEMU_INIT_RUNDIR/mig@console.log" "$W/floor/q0/console.log"; do
		wait_count "$log" 180 ||
		    { echo "bench: the guest of $log never counted" >&2; exit 1; }
	done
	: > "$W/mig.ms"; : > "$W/mig.down"; : > "$W/floor.ms"; : > "$W/floor.down"
	: > "$W/ssh.ms"
	mig_fail=0 mig_on=0 floor_fail=0 floor_on=0 ssh_fail=0 at=a q=0
	for i in $(seq 1 $((2 * MIG_ROUNDS))); do
		# qemu-init migrate, from where the VM is to the other host.
		if [ $at = a ]; then
			from=$QEMU_INIT_RUNDIR to=$MB/run
			mcmd=(qemu-init migrate -t 120 mig "$HB")
		else
			from=$MB/run to=$QEMU_INIT_RUNDIR
			mcmd=(env QEMU_INIT_CONFDIR="$MB/etc"
			    QEMU_INIT_RUNDIR="$MB/run"
			    qemu-init migrate -t 120 mig "$HA")
		fi
		t0=${EPOCHREALTIME/[.,]/}
		if out=$("${mcmd[@]}" 2>"$W/mig.err"); then
			t1=${EPOCHREALTIME/[.,]/}
			echo $(((t1 - t0) / 1000)) >> "$W/mig.ms"
			printf '%s\n' "$out" |
			    sed -n 's/.* in [0-9.]* s, downtime \([0-9]*\) ms.*/\1/p' \
			    >> "$W/mig.down"
			goes_on "$from/mig@console.log" "$to/mig@console.log" &&
			    mig_on=$((mig_on + 1))
			[ $at = a ] && at=b || at=a
		else
			mig_fail=$((mig_fail + 1))
			echo "bench: migrate failed: $(tail -1 "$W/mig.err")" >&2
		fi
		# What one ssh login to B costs, that migrate cannot avoid.
		t0=${EPOCHREALTIME/[.,]/}
		if $QEMU_INIT_SSH -p "$PORT" -l qi-hostb -T -n 127.0.0.1 true; then
			t1=${EPOCHREALTIME/[.,]/}
			echo $(((t1 - t0) / 1000)) >> "$W/ssh.ms"
		else
			ssh_fail=$((ssh_fail + 1))
		fi
		# The floor: QEMU q to a new one waiting on a unix socket.
		sock=$W/floor/m$((q + 1)).sock
		if floor_launch $((q + 1)) "unix:$sock" &&
		    bare_migrate "$W/floor/q$q/control" "unix:$sock" \
		    > "$W/floor.out"; then
			read -r ms down < "$W/floor.out"
			echo "$ms" >> "$W/floor.ms"
			echo "$down" >> "$W/floor.down"
			goes_on "$W/floor/q$q/console.log" \
			    "$W/floor/q$((q + 1))/console.log" &&
			    floor_on=$((floor_on + 1))
			floor_kill $q
			q=$((q + 1))
		else
			floor_fail=$((floor_fail + 1))
			floor_kill $((q + 1))
		fi
	done
	n=$((2 * MIG_ROUNDS))
	ratio() {	# ratio A B: A / B, or - when either is missing
		awk -v a="$1" -v b="$2" 'BEGIN {
			if (a != "" && b > 0) printf "%.2f", a / b; else print "-" }'
	}
	fm=$(median < "$W/floor.ms"); fd=$(median < "$W/floor.down")
	row() {	# row LABEL NAME FAILED: NAME.ms and NAME.down against the floor
		local ms down=
		ms=$(median < "$W/$2.ms")
		[ -e "$W/$2.down" ] && down=$(median < "$W/$2.down")
		printf '%-30s %9.3f %8.3f %8.3f %7s %11s %7s %6s\n' "$1" \
		    "$(awk '{ print $1 / 1000 }' <<< "${ms:-0}")" \
		    "$(sort -n "$W/$2.ms" | awk 'NR == 1 { print $1 / 1000 }')" \
		    "$(sort -n "$W/$2.ms" | awk 'END { print $1 / 1000 }')" \
		    "$(ratio "$ms" "$fm")" "${down:--}" \
		    "$(if [ -n "$down" ]; then ratio "$down" "$fd"; else echo -; fi)" \
		    "$3/$n"
	}
	printf '%-30s %9s %8s %8s %7s %11s %7s %6s\n' command "median s" \
	    "min s" "max s" ratio "downtime ms" ratio failed
	row "QEMU to QEMU, unix socket" floor "$floor_fail"
	row "qemu-init migrate, ssh" mig "$mig_fail"
	row "...one ssh login (true)" ssh "$ssh_fail"
	echo "counter went on from the source's last count + 1 or 2, no boot:" \
	    "qemu-init $mig_on/$n, floor $floor_on/$n"
	# The VM goes, on whichever host it ended.
	qemu-init kill mig >/dev/null 2>&1 || true
	env QEMU_INIT_CONFDIR="$MB/etc" QEMU_INIT_RUNDIR="$MB/run" \
	    qemu-init kill mig >/dev/null 2>&1 || true
	floor_kill $q
else
	echo "(skipped: no private sshd, see section 6)"
fi
stop_sshd
echo

# --- 7. create: from a cloud image to a first ssh command ------------------------
"$TOP/bench/create.sh"
echo

# --- 8. backups and snapshots ----------------------------------------------------
# bench/backup.sh, which runs alone too (its own folders and VM).
"$TOP/bench/backup.sh"
echo

# --- 9. libvirt ------------------------------------------------------------------
# The same guest under libvirt, beside qemu-init: only where virsh is
# installed (BENCH_LIBVIRT=yes installs Debian's libvirt-daemon-system and
# libvirt-clients first, as root).  A libvirtd (and virtlogd) the bench
# has to start is stopped again, by its pid, at the end.
echo "## 8. libvirt, the same guest, side by side"
if [ "${BENCH_LIBVIRT:-}" = yes ] && ! command -v virsh >/dev/null &&
    [ "$(id -u)" -eq 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends libvirt-daemon-system libvirt-clients \
	    >/dev/null 2>&1 || echo "bench: could not install libvirt" >&2
fi
VIRSH="virsh -q -c qemu:///system"
started_daemons=
libvirt_up() { timeout 20 $VIRSH version >/dev/null 2>&1; }
if command -v virsh >/dev/null && [ "$(id -u)" -eq 0 ] && ! libvirt_up; then
	for dmn in virtlogd libvirtd; do
		if ! pgrep -x "$dmn" >/dev/null && command -v "$dmn" >/dev/null; then
			"$dmn" -d -p "$W/$dmn.pid" &&
			    started_daemons="$started_daemons $W/$dmn.pid"
		fi
	done
	for i in $(seq 1 50); do libvirt_up && break; sleep 0.2; done
fi
if ! command -v virsh >/dev/null || ! libvirt_up; then
	echo "virsh (Debian's libvirt-clients, libvirt-daemon-system) is not"
	echo "installed, or libvirtd does not run: no libvirt figures in this run"
	echo "(make bench BENCH_LIBVIRT=yes installs them, as root)."
	exit 0
fi
dom=qinit-bench-$$
mkdir -p "$W/libvirt"
chmod 755 "$W" "$W/libvirt"
cp "$GUEST/vmlinuz" "$GUEST/initrd.gz" "$W/libvirt/"
chmod 644 "$W/libvirt/vmlinuz" "$W/libvirt/initrd.gz"
cat > "$W/libvirt/$dom.xml" <<XML
<domain type='qemu'>
  <name>$dom</name>
  <memory unit='MiB'>192</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$W/libvirt/vmlinuz</kernel>
    <initrd>$W/libvirt/initrd.gz</initrd>
    <cmdline>console=ttyS0 quiet</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <emulator>$(command -v qemu-system-x86_64)</emulator>
    <serial type='file'>
      <source path='$W/libvirt/console.log'/>
      <target port='0'/>
    </serial>
  </devices>
</domain>
XML
libvirt_cleanup() {
	set +e	# clean up all that can be, whatever fails
	$VIRSH destroy "$dom" >/dev/null 2>&1
	$VIRSH undefine "$dom" >/dev/null 2>&1
	for f in $started_daemons; do
		[ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	cleanup
}
trap libvirt_cleanup EXIT
$VIRSH define "$W/libvirt/$dom.xml" >/dev/null
# The VMs of section 4 go; our VM and libvirt's guest run at once from
# here on, both with the test guest.
qemu-init stop -a -f -t 0 >/dev/null 2>&1
: > "$QEMU_INIT_CONFDIR/qemu-init.reg"
vm web
vm web2
qemu-init start web >/dev/null
wait_ready web
vwait_ready() {
	local i=0
	while ! grep -q QINIT-GUEST-READY "$W/libvirt/console.log" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
		[ $i -lt 1800 ] || { echo "bench: libvirt's guest never got ready" >&2; exit 1; }
	done
}
echo "start until the command returns, $START_ROUNDS rounds (killed untimed after)"
timeit "$START_ROUNDS" \
    :: "qemu-init start" qemu-init start web2 + qemu-init kill web2 \
    :: "virsh start" $VIRSH start "$dom" + $VIRSH destroy "$dom"
echo
$VIRSH start "$dom" >/dev/null
vwait_ready
echo "one HMP command, 'info status', 50 rounds, interleaved"
timeit 50 \
    :: "qemu-cmd -c" qemu-cmd -c "info status" web \
    :: "virsh qemu-monitor-cmd" $VIRSH qemu-monitor-command --hmp "$dom" "info status"
echo
echo "list every VM, 50 rounds, interleaved"
timeit 50 \
    :: "qemu-init list" qemu-init list \
    :: "virsh list --all" $VIRSH list --all
echo
# stop: ACPI power button until the VM is off, guest time included.
cat > "$W/vstop" <<SH
#!/bin/sh
$VIRSH shutdown "$dom" >/dev/null || exit 1
while [ "\$($VIRSH domstate "$dom")" != "shut off" ]; do sleep 0.01; done
SH
chmod +x "$W/vstop"
qemu-init kill web >/dev/null
$VIRSH destroy "$dom" >/dev/null
rm -f "$W/libvirt/console.log" "$QEMU_INIT_RUNDIR/web@console.log"
: > "$W/q.ms"; : > "$W/v.ms"
for i in $(seq 1 "$STOP_ROUNDS"); do
	qemu-init start web >/dev/null 2>&1; wait_ready web
	timeit 1 :: q qemu-init stop web | awk '$1 == "q" { print $2 }' >> "$W/q.ms"
	rm -f "$W/libvirt/console.log"
	$VIRSH start "$dom" >/dev/null; vwait_ready
	timeit 1 :: v "$W/vstop" | awk '$1 == "v" { print $2 }' >> "$W/v.ms"
	rm -f "$QEMU_INIT_RUNDIR/web@console.log"
done
echo "stop through ACPI until the VM is off (guest shutdown included), $STOP_ROUNDS rounds"
printf '%-24s %10s %8s\n' "command" "median ms" "ratio"
q=$(median < "$W/q.ms"); v=$(median < "$W/v.ms")
printf '%-24s %10.3f %8.2f\n' "qemu-init stop" "$q" 1
printf '%-24s %10.3f %8.2f\n' "virsh shutdown + domstate" "$v" \
    "$(echo "$v $q" | awk '{ printf "%.2f", $1 / $2 }')"
exit 0
