#!/bin/sh
# tests/systemd/root.sh - prints the folder of a Debian 12 root that boots
# with systemd as PID 1 in a container (systemd-nspawn -b), for
# tests/systemd.t: debootstrap --variant=minbase with systemd-sysv, dbus
# and libpam-systemd (logind, for login sessions), and what the qemu-init
# package depends on (QEMU, iproute2, passwd), from the mirror apt
# already uses.  The package itself is not in it: the test installs the
# freshly built one into a copy.  Kept in
#   /var/tmp/qemu-init-roots/KEY/root
# where KEY is this script's hash, so a changed recipe builds a new root.
# /var/tmp/qemu-init-roots must be root's own folder, writable by no one
# else (nobody can plant a root there for root to boot).
set -eu
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
key=$(sha256sum "$self" | cut -d' ' -f1)
top=/var/tmp/qemu-init-roots
fail() {
	echo "systemd-root: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || fail "debootstrap needs root"
mkdir -p -m 0700 "$top"
[ -d "$top" ] && [ ! -L "$top" ] && [ "$(stat -c %u:%a "$top")" = 0:700 ] ||
    fail "$top is not root's own 0700 folder: remove it"
dir=$top/$key
if [ -f "$dir/done" ]; then
	echo "$dir/root"
	exit 0
fi
command -v debootstrap >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
command -v debootstrap >/dev/null 2>&1 ||
    fail "debootstrap missing (tests/deps.sh installs it)"
mirror=$("${self%/*}/../guest/mirror.sh") || fail "no mirror to debootstrap from"

work=$(mktemp -d "$top/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
echo "systemd-root: debootstrap bookworm from $mirror (a few minutes)" >&2
debootstrap --variant=minbase --merged-usr \
    --include=systemd-sysv,dbus,libpam-systemd,iproute2,passwd,procps,qemu-system-x86 \
    bookworm "$root" "$mirror" > "$work/debootstrap.log" 2>&1 || {
	tail -20 "$work/debootstrap.log" >&2
	fail "debootstrap failed"
}
echo qinit-systemd > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tqinit-systemd\n' > "$root/etc/hosts"
# Nothing at boot that a test container has no use for: timers, the
# console's getty (the test drives the container through nsenter), and
# the network: the container has the host's (its VMs have no NIC).
rm -f "$root/etc/systemd/system/timers.target.wants/"*
ln -sf /dev/null "$root/etc/systemd/system/console-getty.service"
ln -sf /dev/null "$root/etc/systemd/system/getty@.service"
ln -sf /dev/null "$root/etc/systemd/system/systemd-networkd.service"
ln -sf /dev/null "$root/etc/systemd/system/systemd-resolved.service"
rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*
: > "$work/done"
# Another run may have finished the same root meanwhile: keep the first.
if mv -T "$work" "$dir" 2>/dev/null; then
	trap - EXIT
fi
[ -f "$dir/done" ] || fail "$dir is incomplete"
echo "$dir/root"
