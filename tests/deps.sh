#!/bin/sh
# tests/deps.sh - the Debian packages the tests and the demo need.  As
# root, installs what is missing; otherwise says what is missing.
set -eu
pkgs="gcc make libc6-dev qemu-system-x86 linux-image-cloud-amd64
openssh-client openssh-server
busybox-static cpio kmod gzip iproute2 iputils-ping socat tmux procps
mandoc valgrind python3 dpkg-dev debhelper devscripts lintian man-db git
debootstrap qemu-utils e2fsprogs ovmf
fish ansible"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	    grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: install them with: apt-get install$missing" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
