#!/bin/sh
# tests/freshroot.sh - prints the folder of a fresh Debian 12 root: what a
# new Debian host has before anything of ours is installed on it, for
# tests/deps.t to install the demo's dependencies into (through an
# overlay: this root itself is never changed).  debootstrap
# --variant=minbase from the mirror apt already uses, as root, a minute
# or two the first time; then kept (tests/rootcache.sh).
set -eu
. "$(dirname "$0")/rootcache.sh"
rootcache_open "$(cd "$(dirname "$0")" && pwd)/$(basename "$0")" freshroot
echo "freshroot: debootstrap bookworm from $mirror (a minute or two)" >&2
debootstrap --variant=minbase --merged-usr bookworm "$work/root" "$mirror" \
    > "$work/debootstrap.log" 2>&1 || {
	tail -20 "$work/debootstrap.log" >&2
	rootcache_fail "debootstrap failed"
}
rootcache_keep
