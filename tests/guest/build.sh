#!/bin/sh
# tests/guest/build.sh OUTDIR - the test guest of SPEC section 8, made from
# Debian's packages only: the cloud kernel's vmlinuz, and an initramfs of
# busybox-static, the few modules the tests need (evdev and the ACPI
# button for the power button, virtio-net for the network tests,
# virtio-blk for the disk tests), and
# tests/guest/init.  Writes OUTDIR/vmlinuz and OUTDIR/initrd.gz.
set -eu
out=${1:?usage: build.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)

kernel=$(ls /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -1)
if [ -z "$kernel" ] || [ ! -r "$kernel" ]; then
	echo "guest: no readable /boot/vmlinuz-*-cloud-amd64" \
	    "(apt-get install linux-image-cloud-amd64)" >&2
	exit 1
fi
kver=${kernel#/boot/vmlinuz-}
moddir=/lib/modules/$kver
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "guest: $busybox missing" \
    "(apt-get install busybox-static)" >&2; exit 1; }
if ! "$busybox" --list | grep -qx acpid; then
	echo "guest: $busybox has no acpid (install busybox-static)" >&2
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/qinit-guest.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" \
    "$root/etc/acpi/PWRF" "$root/modules"
cp "$busybox" "$root/bin/busybox"
cp "$here/init" "$root/init"
chmod 755 "$root/init"

# Modules in load order, dependencies first.
order=$work/order
: > "$order"
# (POSIX sh has no local variables: after the recursion only "$1" is ours.)
add_module() {
	grep -qx "$1" "$order" && return 0
	for dep in $(modinfo -b / -k "$kver" -F depends "$1" 2>/dev/null |
	    tr ',' ' '); do
		add_module "$dep"
	done
	file=$(modinfo -b / -k "$kver" -F filename "$1" 2>/dev/null) || true
	case $file in
	/*.ko) cp "$file" "$root/modules/$1.ko" ;;
	/*.ko.xz) xz -dc "$file" > "$root/modules/$1.ko" ;;
	/*.ko.zst) zstd -qdc "$file" > "$root/modules/$1.ko" ;;
	*) return 0 ;;	# built into the kernel
	esac
	echo "$1" >> "$order"
}
for m in evdev button virtio_pci virtio_net virtio_blk; do
	[ -n "$(modinfo -b / -k "$kver" -F filename "$m" 2>/dev/null)" ] || {
		echo "guest: no module $m in $moddir" >&2; exit 1; }
	add_module "$m"
done
cp "$order" "$root/modules/order"

# The power button: busybox acpid runs /etc/acpi/PWRF/* (or the file
# PWRF/00000080, depending on its action table): both lead here.
cat > "$root/etc/acpi/PWRF/00000080" <<'SH'
#!/bin/busybox sh
echo "QINIT-GUEST-POWERDOWN" > /dev/console
exec /bin/busybox poweroff -f
SH
chmod 755 "$root/etc/acpi/PWRF/00000080"

mkdir -p "$out"
(cd "$root" && find . | sort | cpio -o -H newc --quiet -R 0:0) |
    gzip -9 > "$work/initrd.gz"
cp "$kernel" "$work/vmlinuz"
mv "$work/initrd.gz" "$out/initrd.gz"
mv "$work/vmlinuz" "$out/vmlinuz"
echo "guest: $out/vmlinuz ($kver) and $out/initrd.gz"
