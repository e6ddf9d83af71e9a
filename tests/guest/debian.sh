#!/bin/sh
# tests/guest/debian.sh OUTDIR - the second test guest: a minimal Debian 12
# with systemd, built by debootstrap from the Debian mirror apt already
# uses on this machine, on a qcow2 disk made without mounting anything
# (mkfs.ext4 -d fills the file system from a folder, qemu-img convert
# makes the qcow2).  It boots its own kernel, extracted from its /boot,
# through KERNEL/INITRD with root=/dev/vda (a virtio disk).  Writes
#   OUTDIR/disk.qcow2  OUTDIR/vmlinuz  OUTDIR/initrd.img  OUTDIR/key
# and does nothing when OUTDIR/key already holds this script's hash.
#
# TEST ONLY: root's password is "qinit" (the tests log in on the serial
# console with it).  Never use this image for anything else.
#
# What is in it: linux-image-cloud-amd64, systemd-sysv, udev, dbus (for
# systemd-logind, which handles the power button), qemu-guest-agent,
# e2fsprogs; a serial getty on ttyS0; HandlePowerKey left at poweroff.
# The kernel argument qinit.powerkey=ignore makes logind ignore the power
# button for that boot (a generator writes a drop-in under /run), for the
# tests of the agent's shutdown.
set -eu
out=${1:?usage: debian.sh OUTDIR}
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
key=$(sha256sum "$self" | cut -d' ' -f1)
if [ -f "$out/key" ] && [ "$(cat "$out/key")" = "$key" ] &&
    [ -f "$out/disk.qcow2" ] && [ -f "$out/vmlinuz" ] &&
    [ -f "$out/initrd.img" ]; then
	exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "guest-debian: debootstrap needs root" >&2;
    exit 1; }
for tool in debootstrap mkfs.ext4 qemu-img; do
	command -v "$tool" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
	command -v "$tool" >/dev/null 2>&1 || { echo "guest-debian: $tool" \
	    "missing (tests/deps.sh installs it)" >&2; exit 1; }
done

mirror=$("${self%/*}/mirror.sh") || {
	echo "guest-debian: cannot find the mirror to debootstrap from" >&2
	exit 1
}

mkdir -p "$out"
work=$(mktemp -d "$out/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
echo "guest-debian: debootstrap bookworm from $mirror (a few minutes)" >&2
debootstrap --variant=minbase --merged-usr \
    --include=linux-image-cloud-amd64,systemd-sysv,udev,dbus,qemu-guest-agent,e2fsprogs \
    bookworm "$root" "$mirror" > "$work/debootstrap.log" 2>&1 || {
	tail -20 "$work/debootstrap.log" >&2
	echo "guest-debian: debootstrap failed" >&2
	exit 1
}

echo qinit-debian > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tqinit-debian\n' > "$root/etc/hosts"
printf '/dev/vda\t/\text4\terrors=remount-ro\t0\t1\n' > "$root/etc/fstab"
# TEST ONLY password, see the head of this file.
echo 'root:qinit' | chroot "$root" /usr/sbin/chpasswd
# The serial getty (console=ttyS0 would also have the generator start it).
ln -sf /lib/systemd/system/serial-getty@.service \
    "$root/etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service"
# qinit.powerkey=ignore on the kernel command line: logind ignores the
# power button for this boot.
mkdir -p "$root/etc/systemd/system-generators"
cat > "$root/etc/systemd/system-generators/qinit-powerkey" <<'SH'
#!/bin/sh
# Test guest only: qinit.powerkey=ACTION sets logind's HandlePowerKey.
for arg in $(cat /proc/cmdline); do
	case $arg in
	qinit.powerkey=*)
		mkdir -p /run/systemd/logind.conf.d
		printf '[Login]\nHandlePowerKey=%s\n' "${arg#*=}" \
		    > /run/systemd/logind.conf.d/qinit-powerkey.conf ;;
	esac
done
SH
chmod 755 "$root/etc/systemd/system-generators/qinit-powerkey"
# Nothing to wait for at boot that a test VM does not have.
rm -f "$root/etc/systemd/system/timers.target.wants/"*
rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*

cp "$root"/boot/vmlinuz-* "$work/vmlinuz"
cp "$root"/boot/initrd.img-* "$work/initrd.img"
echo "guest-debian: making the disk" >&2
truncate -s 2G "$work/disk.raw"
mkfs.ext4 -q -L qinit-root -d "$root" "$work/disk.raw"
qemu-img convert -O qcow2 "$work/disk.raw" "$work/disk.qcow2"
for f in disk.qcow2 vmlinuz initrd.img; do
	mv "$work/$f" "$out/$f"
done
echo "$key" > "$out/key"
echo "guest-debian: $out/disk.qcow2, vmlinuz, initrd.img" >&2
