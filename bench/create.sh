#!/bin/bash
# bench/create.sh - make bench, section 7 (run alone too): from a cloud
# image to a first command over ssh.  qemu-init create + start -w + the
# first qemu-init ssh command, against its floor: the same guest booted
# by hand (qemu-img create, passt and QEMU launched directly with a seed
# made beforehand, the console log watched for the same line, then ssh)
# with no registry, no config, no state, no checks.  The cloud image of
# tests/guest/cloud.sh; CREATE_ROUNDS rounds (1: a boot under TCG takes
# minutes).  Prints a table; asserts nothing.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$TOP/build/bin
PATH=$BIN:$PATH
ROUNDS=${CREATE_ROUNDS:-1}
CLOUD=$("$TOP/tests/guest/cloud.sh" --dir)
echo "## 7. create + start -w + first ssh command, against the same guest booted by hand with a pre-made seed, $ROUNDS round(s)"
if [ ! -r "$CLOUD/disk.qcow2" ] || ! command -v passt >/dev/null; then
	echo "(skipped: no cloud image (make guest-cloud, as root) or no passt)"
	exit 0
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/qinit-bcreate.XXXXXX")
chmod 755 "$W"
export QEMU_INIT_CONFDIR=$W/etc QEMU_INIT_RUNDIR=$W/run HOME=$W/home
mkdir -p "$QEMU_INIT_CONFDIR" "$W/vms" "$W/home"
printf 'MONPORT=30700\nSLOTS=10\n' > "$QEMU_INIT_CONFDIR/monitor.conf"
: > "$QEMU_INIT_CONFDIR/qemu-init.reg"
PASST=
cleanup() {
	local p
	set +e
	[ -n "$PASST" ] && kill "$PASST" 2>/dev/null
	for p in /proc/[0-9]*; do
		tr '\0' ' ' 2>/dev/null < "$p/cmdline" |
		    grep -q -e "-pidfile $QEMU_INIT_RUNDIR/" -e "$W/floor.pid" &&
		    kill -KILL "${p#/proc/}" 2>/dev/null
	done
	rm -rf "$W"
	return 0
}
trap cleanup EXIT
ssh-keygen -q -t ed25519 -N '' -f "$W/id"
BOOT=(--set KVM=no --set "KERNEL=$CLOUD/vmlinuz" --set "INITRD=$CLOUD/initrd.img"
    --set "APPEND=console=ttyS0 root=/dev/vda rw")
now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }
# wait_log FILE: cloud-init's final message, as READY (a bound on
# a hang, never a timing assertion).
wait_log() {
	local i=0
	until grep -q -- ' finished at ' "$1" 2>/dev/null; do
		sleep 0.2
		i=$((i + 1))
		[ $i -lt 9000 ] || { echo "bench: no final message of cloud-init in $1" >&2; exit 1; }
	done
}
: > "$W/q.ms"; : > "$W/f.ms"
for r in $(seq 1 "$ROUNDS"); do
	# qemu-init: one command, then the first ssh.
	t0=$(now)
	qemu-init create "b$r" --image "$CLOUD/disk.qcow2" --dir "$W/vms/b$r" \
	    --ssh-key "$W/id.pub" --net user "${BOOT[@]}" -w 1800 >/dev/null
	qemu-init ssh "b$r" -- true
	t1=$(now)
	ms "$t0" "$t1" >> "$W/q.ms"
	qemu-init kill "b$r" >/dev/null
	# The floor: the same by hand, the seed made beforehand (by create).
	cp "$W/vms/b$r/b$r-seed.iso" "$W/seed.iso"
	port=$(sed -n 's/^FWD1=\([0-9]*\):22$/\1/p' "$W/vms/b$r/b$r-qemu.cfg")
	rm -f "$W/floor.qcow2" "$W/floor.log" "$W/kh"
	t0=$(now)
	qemu-img create -q -f qcow2 -F qcow2 -b "$CLOUD/disk.qcow2" \
	    "$W/floor.qcow2"
	# passt, started as root, becomes nobody: its socket in a folder
	# of nobody's.
	rm -rf "$W/p"
	mkdir -m 700 "$W/p"
	chown nobody "$W/p"
	passt -f -q --no-map-gw -s "$W/p/passt.sock" -t "127.0.0.1/$port:22" \
	    >/dev/null 2>&1 &
	PASST=$!
	i=0
	until [ -S "$W/p/passt.sock" ]; do
		sleep 0.01
		i=$((i + 1))
		[ $i -lt 3000 ] || { echo "bench: passt made no socket" >&2; exit 1; }
	done
	qemu-system-x86_64 -name floor -accel tcg -m 1G -display none \
	    -kernel "$CLOUD/vmlinuz" -initrd "$CLOUD/initrd.img" \
	    -append "console=ttyS0 root=/dev/vda rw" \
	    -drive "file=$W/floor.qcow2,format=qcow2,if=virtio" \
	    -drive "file=$W/seed.iso,format=raw,media=cdrom,readonly=on" \
	    -netdev "stream,id=n0,server=off,addr.type=unix,addr.path=$W/p/passt.sock" \
	    -device virtio-net-pci,netdev=n0 -serial "file:$W/floor.log" \
	    -daemonize -pidfile "$W/floor.pid"
	wait_log "$W/floor.log"
	ssh -q -i "$W/id" -o UserKnownHostsFile="$W/kh" \
	    -o StrictHostKeyChecking=accept-new -p "$port" admin@127.0.0.1 true
	t1=$(now)
	ms "$t0" "$t1" >> "$W/f.ms"
	kill "$(cat "$W/floor.pid")"
	kill "$PASST" 2>/dev/null; PASST=
done
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
q=$(median < "$W/q.ms"); f=$(median < "$W/f.ms")
printf '%-44s %10s %10s %10s %8s\n' "" "median ms" "min ms" "max ms" "ratio"
printf '%-44s %10d %10d %10d %8.2f\n' "by hand, seed made beforehand (floor)" "$f" \
    "$(sort -n "$W/f.ms" | head -1)" "$(sort -n "$W/f.ms" | tail -1)" 1
printf '%-44s %10d %10d %10d %8.2f\n' "qemu-init create -w + qemu-init ssh" "$q" \
    "$(sort -n "$W/q.ms" | head -1)" "$(sort -n "$W/q.ms" | tail -1)" \
    "$(echo "$q $f" | awk '{ printf "%.2f", $1 / $2 }')"
