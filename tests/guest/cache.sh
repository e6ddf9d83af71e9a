#!/bin/sh
# tests/guest/cache.sh SCRIPT OUTDIR FILE... - runs the guest builder
# SCRIPT (SCRIPT OUTDIR writes FILE... and OUTDIR/key, the hash of
# SCRIPT) once per recipe on this machine: its output is kept in
#   /var/tmp/qemu-init-guests/KEY/
# (KEY the hash of SCRIPT), and a fresh clone's OUTDIR is filled from
# there instead of building again (make guest-debian: a debootstrap of
# several minutes).  /var/tmp/qemu-init-guests must be root's own 0700
# folder: nobody else may plant an image that root's tests then boot.
set -eu
script=${1:?usage: cache.sh SCRIPT OUTDIR FILE...}
out=${2:?usage: cache.sh SCRIPT OUTDIR FILE...}
shift 2
key=$(sha256sum "$script" | cut -d' ' -f1)
fail() {
	echo "guest cache: $*" >&2
	exit 1
}
have() {	# have DIR: DIR holds every FILE and this recipe's key
	[ -f "$1/key" ] && [ "$(cat "$1/key")" = "$key" ] || return 1
	for f in $files; do
		[ -f "$1/$f" ] || return 1
	done
}
files=$*
have "$out" && exit 0

top=/var/tmp/qemu-init-guests
if [ "$(id -u)" -eq 0 ]; then
	mkdir -p -m 0700 "$top"
	[ -d "$top" ] && [ ! -L "$top" ] &&
	    [ "$(stat -c %u:%a "$top")" = 0:700 ] ||
	    fail "$top is not root's own 0700 folder: remove it"
	if have "$top/$key"; then
		mkdir -p "$out"
		for f in $files; do
			cp --reflink=auto "$top/$key/$f" "$out/$f.part"
			mv -f "$out/$f.part" "$out/$f"
		done
		cp "$top/$key/key" "$out/key"
		echo "guest cache: $out from $top/$key" >&2
		exit 0
	fi
fi

"$script" "$out"
have "$out" || fail "$script did not write $files and its key in $out"
[ "$(id -u)" -eq 0 ] || exit 0
# Kept for the next clone: written aside, then put in place whole (the
# first of two runs at once to finish wins).
work=$(mktemp -d "$top/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
for f in $files key; do
	cp --reflink=auto "$out/$f" "$work/$f"
done
if mv -T "$work" "$top/$key" 2>/dev/null; then
	trap - EXIT
fi
