#!/bin/sh
# tests/guest/fetch.sh OUTDIR - the test guest's Debian packages, never
# installed on this host: the cloud kernel (the linux-image-* package
# that linux-image-cloud-amd64 depends on) and busybox-static, downloaded
# by apt-get download (any user: only apt's lists are needed, which
# apt-get update, as root, fetches) and unpacked by dpkg-deb -x into
#   OUTDIR/root/   boot/vmlinuz-KVER, lib/modules/KVER/, bin/busybox
# with OUTDIR/key naming the two packages and their versions.  Nothing
# goes to /boot, nothing is registered with dpkg, no script of theirs
# runs.  Does nothing when OUTDIR/key names what apt would download now.
set -eu
out=${1:?usage: fetch.sh OUTDIR}
fail() {
	echo "guest: $*" >&2
	exit 1
}
for tool in apt-get apt-cache dpkg-deb; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool missing (not Debian?)"
done

kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
    sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -1)
[ -n "$kpkg" ] || fail "apt knows no linux-image-cloud-amd64:" \
    "its lists are missing (as root: apt-get update)"
version() {
	apt-cache show --no-all-versions "$1" 2>/dev/null |
	    sed -n 's/^Version: //p' | head -1
}
key="$kpkg=$(version "$kpkg") busybox-static=$(version busybox-static)"
if [ -f "$out/key" ] && [ "$(cat "$out/key")" = "$key" ] &&
    [ -d "$out/root" ]; then
	touch "$out/key"	# up to date (for make)
	exit 0
fi

mkdir -p "$out"
work=$(mktemp -d "$out/fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "guest: apt-get download $kpkg busybox-static, unpacked into $out/root" >&2
(cd "$work" && apt-get download "$kpkg" busybox-static) \
    > "$work/apt.log" 2>&1 || {
	tail -5 "$work/apt.log" >&2
	fail "apt-get download failed"
}
mkdir "$work/root"
for deb in "$work"/*.deb; do
	dpkg-deb -x "$deb" "$work/root"
done
rm -rf "$out/root" "$out/key"
mv "$work/root" "$out/root"
echo "$key" > "$out/key"
