#!/bin/bash
# bench/backup.sh - make bench's section 8 (also run alone, after make
# all guest): backups and snapshots of a running VM with a 2 GiB qcow2
# disk full of data.  A full backup against qemu-img convert of the same
# image (the floor: one sequential copy, no QEMU in between), an
# incremental one after 5% of the disk changed, and snapshot, revert and
# forget of the running guest (its 192 MiB of memory included).  Prints
# medians; asserts nothing.  See bench/README.md.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
GUEST=$TOP/build/guest
BACKUP_ROUNDS=${BACKUP_ROUNDS:-3}
PATH=$TOP/build/bin:$PATH

W=$(mktemp -d "${TMPDIR:-/tmp}/qinit-bench-backup.XXXXXX")
chmod 755 "$W"	# RUNDIR within reach of QEMU's user
export QEMU_INIT_CONFDIR=$W/etc QEMU_INIT_RUNDIR=$W/run
mkdir -p "$QEMU_INIT_CONFDIR" "$W/vms/bk"
printf 'MONPORT=30000\nSLOTS=100\n' > "$QEMU_INIT_CONFDIR/monitor.conf"
: > "$QEMU_INIT_CONFDIR/qemu-init.reg"
cleanup() {
	set +e
	qemu-init kill bk >/dev/null 2>&1
	rm -rf "$W"
	return 0
}
trap cleanup EXIT

# ms CMD...: runs CMD, and prints how long it took in ms.
ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>"$W/err" || { cat "$W/err" >&2; return 1; }
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
row() {
	printf '%-40s %10s %10s %10s\n' "$1" "$(median < "$2")" \
	    "$(sort -n "$2" | head -1)" "$(sort -n "$2" | tail -1)"
}

echo "## 8. backups and snapshots of a running VM with a 2 GiB qcow2 disk full of data, $BACKUP_ROUNDS rounds"
# The disk: 2 GiB of incompressible data in a qcow2 image.
qemu-img create -q -f qcow2 "$W/vms/bk/disk.qcow2" 2G
qemu-io -f qcow2 -c "write -P 0x5a 0 1G" -c "write -P 0x5b 1G 1G" \
    "$W/vms/bk/disk.qcow2" >/dev/null
{
	"$TOP/tests/guest/cfg.sh" "$GUEST" "bench backup VM"
	printf '%s\n' DSK1=disk.qcow2 DISKFORMAT=qcow2
} > "$W/vms/bk/bk-qemu.cfg"
echo "bk $W/vms/bk/bk-qemu.cfg" >> "$QEMU_INIT_CONFDIR/qemu-init.reg"

: > "$W/convert.ms"; : > "$W/full.ms"; : > "$W/incr.ms"
: > "$W/snap.ms"; : > "$W/revert.ms"; : > "$W/forget.ms"
for i in $(seq 1 "$BACKUP_ROUNDS"); do
	# The floor, on the stopped image.
	ms qemu-img convert -f qcow2 -O qcow2 "$W/vms/bk/disk.qcow2" \
	    "$W/convert.qcow2" >> "$W/convert.ms"
	rm -f "$W/convert.qcow2"
	qemu-init start bk >/dev/null
	ms qemu-init backup bk "$W/b$i" >> "$W/full.ms"
	# 5% of the disk (102 MiB) written through QEMU's block layer.
	dev=$(qemu-cmd -c "info block" bk | awk 'NR == 1 { print $1 }')
	qemu-cmd -t 600 -c "qemu-io $dev \"write -P 0x$((i + 16)) 512M 102M\"" bk \
	    >/dev/null
	ms qemu-init backup -i bk "$W/b$i" >> "$W/incr.ms"
	ms qemu-init snapshot bk s$i >> "$W/snap.ms"
	ms qemu-init revert bk s$i >> "$W/revert.ms"
	ms qemu-init forget bk s$i >> "$W/forget.ms"
	qemu-init kill bk >/dev/null
	rm -rf "$W/b$i"
done
printf '%-40s %10s %10s %10s\n' "" "median ms" "min ms" "max ms"
row "qemu-img convert (the floor)" "$W/convert.ms"
row "backup, full (running)" "$W/full.ms"
row "backup -i, after 5% changed (running)" "$W/incr.ms"
row "snapshot (running, memory included)" "$W/snap.ms"
row "revert (running)" "$W/revert.ms"
row "forget (running)" "$W/forget.ms"
echo
