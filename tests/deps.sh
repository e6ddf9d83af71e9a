#!/bin/sh
# tests/deps.sh [demo | sshd] - the Debian packages that the demo (demo:
# make demo) or the tests (no argument: make deps, make check, .ci/run)
# need, installed without changing how the host boots or what runs on
# it.  As root, installs what is missing; otherwise says what is missing.
#
# - demo: a compiler, make and QEMU.  None of them ships a kernel, and
#   none a service that would start now or at boot.  The test guest's
#   kernel and busybox are not installed at all: tests/guest/fetch.sh
#   downloads their packages into build/ (make guest does it).
# - the tests: the demo's, and the tools of the tests (see $tests).
#   openssh-server, whose sshd the tests run as a private process
#   (tests/remote.t), and resource-agents, whose ocf-tester tests the OCF
#   agent (tests/migrate.t) and whose cluster-glue brings a logd service,
#   are the packages with a service: installed with every start refused
#   (policy-rc.d), then their services disabled again, so that none runs
#   on the host, now or at boot.  One that was there before is the
#   admin's: left alone.
# - sshd: that package alone (tests/deps.t installs it in a fresh root).
#
# tests/deps.t proves it for demo and sshd: in a fresh Debian root, no
# file under /boot and no service enabled or started.
set -eu
demo="gcc make libc6-dev qemu-system-x86 cpio"
tests="openssh-client
gzip iproute2 iputils-ping socat tmux procps
mandoc valgrind python3 dpkg-dev debhelper devscripts lintian man-db git
debootstrap qemu-utils e2fsprogs ovmf
passt
fish ansible
systemd-container
pv libxml2-utils"
case ${1:-tests} in
demo) pkgs=$demo ;;
sshd) pkgs= ;;
tests) pkgs="$demo $tests" ;;
*) echo "usage: tests/deps.sh [demo | sshd]" >&2; exit 64 ;;
esac
# The packages with a service, installed with it off.
services=
case ${1:-tests} in
sshd) services=openssh-server ;;
tests) services="openssh-server resource-agents" ;;
esac

installed() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null |
	    grep -q 'install ok installed'
}

missing=
for p in $pkgs; do
	installed "$p" || missing="$missing $p"
done
quiet=
for p in $services; do
	installed "$p" || quiet="$quiet $p"
done
services=${quiet# }
[ -z "$missing$services" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages:$missing${services:+ $services}" >&2
	[ -n "$missing" ] && echo "deps: install them with:" \
	    "apt-get install --no-install-recommends$missing" >&2
	# Not by apt-get install: that would start and enable their services.
	[ -n "$services" ] && echo "deps: for $services, run tests/deps.sh as root:" \
	    "it installs them with their services neither started nor enabled" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
missing=
for p in $pkgs; do
	installed "$p" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "deps: installing$missing" >&2
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >/dev/null
fi
[ -n "$services" ] || exit 0

# openssh-server and resource-agents, with their services off: every
# start refused while they install (a policy-rc.d of ours, unless one
# that refuses is there), then what their install enabled disabled
# (systemd's and sysvinit's): ssh, and cluster-glue's logd.
policy=/usr/sbin/policy-rc.d
ours=
if [ -e "$policy" ] || [ -L "$policy" ]; then
	if "$policy" ssh start >/dev/null 2>&1 || [ $? -ne 101 ]; then
		echo "deps: $policy would let ssh start: install $services" \
		    "yourself, or move $policy aside" >&2
		exit 1
	fi
else
	ours=$policy
	trap 'rm -f "$ours"' EXIT
	printf '#!/bin/sh\n# tests/deps.sh: no service starts while it installs\nexit 101\n' \
	    > "$policy"
	chmod 755 "$policy"
fi
echo "deps: installing $services (services neither started nor enabled)" >&2
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $services >/dev/null
[ -n "$ours" ] && rm -f "$ours"
deb-systemd-helper disable ssh.service ssh.socket logd.service \
    >/dev/null 2>&1 || true
for service in ssh logd; do
	update-rc.d "$service" disable >/dev/null 2>&1 || true
done
