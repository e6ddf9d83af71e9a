#!/bin/sh
# tests/systemd/root.sh - prints the folder of a Debian 12 root that boots
# with systemd as PID 1 in a container (systemd-nspawn -b), for
# tests/systemd.t: debootstrap --variant=minbase with systemd-sysv, dbus
# and libpam-systemd (logind, for login sessions), and what the qemu-init
# package depends on (QEMU, iproute2, passwd), from the mirror apt
# already uses.  The package itself is not in it: the test installs the
# freshly built one into an overlay of it.  Kept (tests/rootcache.sh).
set -eu
. "$(dirname "$0")/../rootcache.sh"
rootcache_open "$(cd "$(dirname "$0")" && pwd)/$(basename "$0")" systemd-root
root=$work/root
echo "systemd-root: debootstrap bookworm from $mirror (a few minutes)" >&2
debootstrap --variant=minbase --merged-usr \
    --include=systemd-sysv,dbus,libpam-systemd,iproute2,passwd,procps,qemu-system-x86 \
    bookworm "$root" "$mirror" > "$work/debootstrap.log" 2>&1 || {
	tail -20 "$work/debootstrap.log" >&2
	rootcache_fail "debootstrap failed"
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
rootcache_keep
