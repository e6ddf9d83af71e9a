#!/bin/sh
# tests/guest/build.sh OUTDIR PKGDIR - the test guest (a kernel and an initramfs),
# made from Debian's packages only, as tests/guest/fetch.sh unpacked them
# into PKGDIR/root (never installed on this host): the cloud kernel's
# vmlinuz, and an initramfs of busybox-static, the few modules the tests
# need (evdev and the ACPI button for the power button, virtio-net for the
# network tests, virtio-blk for the disk tests), and tests/guest/init.
# Writes OUTDIR/vmlinuz and OUTDIR/initrd.gz.
set -eu
out=${1:?usage: build.sh OUTDIR PKGDIR}
pkgs=${2:?usage: build.sh OUTDIR PKGDIR}
here=$(cd "$(dirname "$0")" && pwd)
missing="(make guest unpacks it: tests/guest/fetch.sh $pkgs)"

kernel=$(ls "$pkgs"/root/boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V |
    tail -1)
if [ -z "$kernel" ] || [ ! -r "$kernel" ]; then
	echo "guest: no $pkgs/root/boot/vmlinuz-*-cloud-amd64 $missing" >&2
	exit 1
fi
kver=${kernel##*/vmlinuz-}
moddir=$pkgs/root/lib/modules/$kver
busybox=$pkgs/root/bin/busybox
[ -x "$busybox" ] || { echo "guest: no $busybox $missing" >&2; exit 1; }
if ! "$busybox" --list | grep -qx acpid; then
	echo "guest: $busybox has no acpid (not busybox-static's?)" >&2
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

# Modules in load order, dependencies first.  No modinfo (kmod is not
# needed on the host): a module's file is found by its name ('-' and '_'
# alike), its dependencies are its .modinfo's "depends=", and one that
# modules.builtin lists is built into the kernel.
order=$work/order
: > "$order"
# modfile NAME: the module's file under moddir, or nothing.
modfile() {
	find "$moddir/kernel" -name "$(echo "$1" | sed 's/[-_]/[-_]/g').ko*" |
	    head -1
}
builtin() {
	sed 's/-/_/g' "$moddir/modules.builtin" 2>/dev/null |
	    grep -q "/$(echo "$1" | sed 's/-/_/g')\.ko\$"
}
# (POSIX sh has no local variables: after the recursion only "$1" is ours.)
add_module() {
	grep -qx "$1" "$order" && return 0
	file=$(modfile "$1")
	if [ -z "$file" ]; then
		builtin "$1" && return 0
		echo "guest: no module $1 in $moddir" >&2
		exit 1
	fi
	case $file in
	*.ko) cp "$file" "$work/$1.ko" ;;
	*.ko.xz) xz -dc "$file" > "$work/$1.ko" ;;
	*.ko.zst) zstd -qdc "$file" > "$work/$1.ko" ;;
	esac
	for dep in $(tr '\0' '\n' < "$work/$1.ko" |
	    sed -n 's/^depends=//p' | head -1 | tr ',' ' '); do
		add_module "$dep"
	done
	mv "$work/$1.ko" "$root/modules/$1.ko"
	echo "$1" >> "$order"
}
for m in evdev button virtio_pci virtio_net virtio_blk; do
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
