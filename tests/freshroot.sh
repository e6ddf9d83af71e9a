#!/bin/sh
# tests/freshroot.sh - prints the folder of a fresh Debian 12 root: what a
# new Debian host has before anything of ours is installed on it, for
# tests/deps.t to install the demo's dependencies into (through an
# overlay: this root itself is never changed).  debootstrap
# --variant=minbase from the mirror apt already uses, as root, a minute
# or two the first time; then kept in
#   /var/tmp/qemu-init-roots/KEY/root
# where KEY is this script's hash, so a changed recipe builds a new root.
# /var/tmp/qemu-init-roots must be root's own folder, writable by no one
# else (nobody can plant a root there for root to chroot into).
set -eu
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
key=$(sha256sum "$self" | cut -d' ' -f1)
top=/var/tmp/qemu-init-roots
fail() {
	echo "freshroot: $*" >&2
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
for tool in debootstrap; do
	command -v "$tool" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
	command -v "$tool" >/dev/null 2>&1 || fail "$tool missing" \
	    "(tests/deps.sh installs it)"
done
mirror=$("${self%/*}/guest/mirror.sh") || fail "no mirror to debootstrap from"

work=$(mktemp -d "$top/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "freshroot: debootstrap bookworm from $mirror (a minute or two)" >&2
debootstrap --variant=minbase --merged-usr bookworm "$work/root" "$mirror" \
    > "$work/debootstrap.log" 2>&1 || {
	tail -20 "$work/debootstrap.log" >&2
	fail "debootstrap failed"
}
rm -rf "$work/root/var/cache/apt/archives/"*.deb \
    "$work/root/var/lib/apt/lists/"*
: > "$work/done"
# Another run may have finished the same root meanwhile: keep the first.
if mv -T "$work" "$dir" 2>/dev/null; then
	trap - EXIT
fi
[ -f "$dir/done" ] || fail "$dir is incomplete"
echo "$dir/root"
