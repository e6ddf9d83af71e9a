#!/bin/sh
# tests/guest/cloud.sh [--dir] - the cloud image of tests/create.t and the
# bench: Debian 12 made the way distributions make their cloud images
# (debootstrap with cloud-init and openssh-server; no user, no key, no
# password, no host keys: cloud-init makes them at the first boot of
# each VM), on a qcow2 disk made without mounting anything (mkfs.ext4 -d,
# qemu-img convert).  Cached under /var/tmp, in a folder named by the
# hash of this script, so that make clean keeps it and a changed recipe
# makes a new one:
#   /var/tmp/qemu-init-cloud/HASH/{disk.qcow2,vmlinuz,initrd.img}
# --dir prints that folder (building nothing).  Needs root the first time.
#
# The disk has no partition table and no bootloader (installing one
# without mounting is not practical here): a VM boots it with
# KERNEL/INITRD/APPEND ("root=/dev/vda") given through create --set.
# The base image is left readable by others (0644 in 0755 folders):
# QEMU opens it by name as its unprivileged user, as the backing file of
# each VM's overlay.
set -eu
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
key=$(sha256sum "$self" | cut -c1-16)
out=/var/tmp/qemu-init-cloud/$key
if [ "${1:-}" = --dir ]; then
	echo "$out"
	exit 0
fi
if [ -f "$out/disk.qcow2" ] && [ -f "$out/vmlinuz" ] &&
    [ -f "$out/initrd.img" ]; then
	exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "guest-cloud: debootstrap needs root" >&2;
    exit 1; }
for tool in debootstrap mkfs.ext4 qemu-img; do
	command -v "$tool" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
	command -v "$tool" >/dev/null 2>&1 || { echo "guest-cloud: $tool" \
	    "missing (tests/deps.sh installs it)" >&2; exit 1; }
done
mirror=$("${self%/*}/mirror.sh") || {
	echo "guest-cloud: cannot find the mirror to debootstrap from" >&2
	exit 1
}

umask 022
mkdir -p "${out%/*}"
chmod 755 "${out%/*}"
work=$(mktemp -d "${out%/*}/build.XXXXXX")
root=$work/root
# Whatever happens, nothing of the build is left mounted or behind, and
# the exit status is the build's.
finish() {
	rc=$?
	umount "$root/proc" 2>/dev/null || :
	rm -rf "$work" || :
	exit "$rc"
}
trap finish EXIT
echo "guest-cloud: debootstrap bookworm with cloud-init from $mirror" \
    "(a few minutes)" >&2
debootstrap --variant=minbase --merged-usr \
    --include=linux-image-cloud-amd64,systemd-sysv,udev,dbus,ifupdown,isc-dhcp-client,netbase,sudo,iproute2,e2fsprogs \
    bookworm "$root" "$mirror" > "$work/debootstrap.log" 2>&1 || {
	tail -20 "$work/debootstrap.log" >&2
	[ -f "$root/debootstrap/debootstrap.log" ] &&
	    tail -30 "$root/debootstrap/debootstrap.log" >&2
	echo "guest-cloud: debootstrap failed" >&2
	exit 1
}
# cloud-init and sshd by apt, as a distribution's image build does (their
# Python dependencies are more than debootstrap's resolver handles);
# nothing starts inside the folder meanwhile.
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
mount -t proc proc "$root/proc"
DEBIAN_FRONTEND=noninteractive chroot "$root" sh -c 'apt-get update -q &&
    apt-get install -y -q --no-install-recommends cloud-init \
    openssh-server' > "$work/apt.log" 2>&1 || {
	tail -30 "$work/apt.log" >&2
	echo "guest-cloud: installing cloud-init and openssh-server failed" >&2
	exit 1
}
umount "$root/proc"
rm -f "$root/usr/sbin/policy-rc.d"

# As a distribution ships it: no name, no host keys, no machine id.
echo localhost > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n' > "$root/etc/hosts"
printf '/dev/vda\t/\text4\terrors=remount-ro\t0\t1\n' > "$root/etc/fstab"
rm -f "$root"/etc/ssh/ssh_host_*
: > "$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
# The interfaces file cloud-init writes into.
printf 'source /etc/network/interfaces.d/*\nauto lo\niface lo inet loopback\n' \
    > "$root/etc/network/interfaces"
# Where cloud-init looks: a NoCloud seed (and nothing that waits for a
# metadata server that is not there).
cat > "$root/etc/cloud/cloud.cfg.d/90-qinit-datasource.cfg" <<'CFG'
datasource_list: [ NoCloud, None ]
# The image has no locales package: the locale every libc has.
locale: C.UTF-8
CFG
# Nothing to wait for at boot that a test VM does not have.
rm -f "$root/etc/systemd/system/timers.target.wants/"*
rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*

cp "$root"/boot/vmlinuz-* "$work/vmlinuz"
cp "$root"/boot/initrd.img-* "$work/initrd.img"
echo "guest-cloud: making the disk" >&2
truncate -s 2G "$work/disk.raw"
mkfs.ext4 -q -L cloudimg-rootfs -d "$root" "$work/disk.raw"
qemu-img convert -O qcow2 "$work/disk.raw" "$work/disk.qcow2"
chmod 644 "$work/disk.qcow2" "$work/vmlinuz" "$work/initrd.img"
mkdir -p "$out"
chmod 755 "$out"
for f in disk.qcow2 vmlinuz initrd.img; do
	mv "$work/$f" "$out/$f"
done
# The images of older recipes go: each is half a gigabyte.
for old in "${out%/*}"/*; do
	case ${old##*/} in
	"$key" | build.*) ;;
	*) rm -rf "$old" ;;
	esac
done
echo "guest-cloud: $out/disk.qcow2, vmlinuz, initrd.img" >&2
