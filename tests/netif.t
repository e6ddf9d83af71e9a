#!/bin/bash
# netif.t - qemu-brup, qemu-brdown and qemu-netif on real bridges and taps.
#
# Everything happens inside a network namespace of the test's own, with
# addresses from 198.18.0.0/15 only; the namespace goes away on exit,
# whether the test passes or not.  Needs root.

root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/build/bin
ns=qinit-t$$
n=0
failed=0

skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

bail() {
	echo "Bail out! $1"
	exit 1
}

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
}

# is DESCRIPTION GOT WANT
is() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   got:  '$2'"
		echo "#   want: '$3'"
	fi
}

# like DESCRIPTION GOT EXTENDED-REGEX
like() {
	if printf '%s' "$2" | grep -Eq -- "$3"; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   got:      '$2'"
		echo "#   expected: /$3/"
	fi
}

# run [NAME=VALUE...] PROGRAM ARGS... inside the namespace, with a clean
# QEMU_INIT_BRIDGE; sets rc, out and err.
run() {
	out=$(ip netns exec "$ns" env -u QEMU_INIT_BRIDGE "$@" 2>"$tmp/err")
	rc=$?
	err=$(cat "$tmp/err")
}

nsip() {
	ip netns exec "$ns" ip "$@"
}

link() {
	nsip -o link show dev "$1" 2>/dev/null
}

master_of() {
	link "$1" | sed -n 's/.* master \([^ ]*\) .*/\1/p'
}

mtu_of() {
	link "$1" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p'
}

# "up" when the administrative UP flag is set (a tap with no process
# behind it has no carrier, so its operational state stays DOWN).
flag_of() {
	if link "$1" | grep -Eq '[<,]UP[,>]'; then
		echo up
	else
		echo down
	fi
}

lines() {
	printf '%s\n' "$1" | wc -l | tr -d ' '
}

cleanup() {
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}

bridge() {
	# bridge NAME MTU ADDRESS
	nsip link add "$1" type bridge 2>/dev/null ||
	    skip_all "cannot create a bridge (no bridge support?)"
	nsip link set dev "$1" mtu "$2" &&
	    nsip addr add "$3" dev "$1" &&
	    nsip link set dev "$1" up ||
	    bail "cannot set up bridge $1"
}

[ "$(id -u)" = 0 ] || skip_all "needs root for network namespaces"
command -v ip >/dev/null || skip_all "needs ip (iproute2)"
for p in qemu-netif qemu-brup qemu-brdown; do
	[ -x "$bin/$p" ] || bail "$bin/$p is missing: run make first"
done
tmp=$(mktemp -d) || bail "mktemp failed"
trap cleanup EXIT
# Turned into a plain exit, a signal runs the clean-up too.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
ip netns add "$ns" 2>/dev/null || skip_all "cannot create a network namespace"

bridge qbr0 1400 198.18.0.1/24
bridge br1 1300 198.18.1.1/24
bridge br0 1450 198.18.2.1/24
nsip tuntap add dev tap0 mode tap 2>/dev/null ||
    skip_all "cannot create a tap (no /dev/net/tun?)"
# Something that is not a bridge: a dummy device, or a veth where the
# kernel has no dummy driver.
notbr=qdum0
nsip link add "$notbr" type dummy 2>/dev/null ||
    nsip link add "$notbr" type veth peer name qdum1 ||
    bail "cannot create a non-bridge device"

# --- up and down, the way QEMU calls them

run QEMU_INIT_BRIDGE=qbr0 "$bin/qemu-brup" tap0
is "qemu-brup tap0 exits 0" "$rc" 0
is "qemu-brup tap0 prints nothing" "$out$err" ""
is "tap0's master is the bridge from QEMU_INIT_BRIDGE" "$(master_of tap0)" qbr0
is "tap0 has the bridge's MTU" "$(mtu_of tap0)" 1400
is "tap0 is up" "$(flag_of tap0)" up

run QEMU_INIT_BRIDGE=qbr0 "$bin/qemu-brup" tap0
is "qemu-brup on an attached tap exits 0 again" "$rc" 0
is "... and tap0 stays on qbr0" "$(master_of tap0)" qbr0

run QEMU_INIT_BRIDGE=qbr0 "$bin/qemu-brdown" tap0
is "qemu-brdown tap0 exits 0" "$rc" 0
is "qemu-brdown tap0 prints nothing" "$out$err" ""
is "tap0 has no master" "$(master_of tap0)" ""
is "tap0 is down" "$(flag_of tap0)" down

run QEMU_INIT_BRIDGE=qbr0 "$bin/qemu-brdown" tap9
is "qemu-brdown of a tap that is already gone exits 0" "$rc" 0
is "... quietly" "$err" ""

# --- a bridge that is missing or is no bridge

run QEMU_INIT_BRIDGE=nosuch0 "$bin/qemu-brup" tap0
is "qemu-brup with a missing bridge exits 1" "$rc" 1
is "... saying so in one line" "$err" \
    "qemu-netif: bridge 'nosuch0' does not exist"
is "... and leaves tap0 alone" "$(master_of tap0) $(flag_of tap0)" " down"

run QEMU_INIT_BRIDGE=$notbr "$bin/qemu-brup" tap0
is "qemu-brup onto a device that is not a bridge exits 1" "$rc" 1
is "... saying so in one line" "$err" "qemu-netif: '$notbr' is not a bridge"
is "... and leaves tap0 alone" "$(master_of tap0) $(flag_of tap0)" " down"

run QEMU_INIT_BRIDGE=qbr0 "$bin/qemu-brup" tap7
is "qemu-brup of a missing tap exits 1" "$rc" 1
like "... with ip's own message" "$err" \
    '^qemu-netif: ip link set dev tap7 mtu 1400 failed: .*tap7'
is "... in one line" "$(lines "$err")" 1

# --- names that cannot be interfaces

run QEMU_INIT_BRIDGE=qbr0 "$bin/qemu-brup" tap456789012345x
is "a 16-character name exits 1" "$rc" 1
like "... and says it is too long" "$err" \
    "^qemu-netif: bad interface name 'tap456789012345x': longer than 15"
run QEMU_INIT_BRIDGE=qbr0 "$bin/qemu-brup" tap/0
is "a name with '/' exits 1" "$rc" 1
like "... and says why" "$err" "^qemu-netif: bad interface name 'tap/0'"
run "$bin/qemu-netif" up tap0 'br 1'
is "a bridge name with a blank exits 1" "$rc" 1
like "... and says why" "$err" "bad interface name 'br 1': .*white space"
run QEMU_INIT_BRIDGE=qbr0 "$bin/qemu-brdown" ..
is "qemu-brdown .. exits 1" "$rc" 1
is "none of that touched tap0" "$(master_of tap0) $(flag_of tap0)" " down"

# --- qemu-netif by hand, and the bridge it picks

run QEMU_INIT_BRIDGE=qbr0 "$bin/qemu-netif" up tap0 br1
is "qemu-netif up tap0 br1 exits 0" "$rc" 0
is "the explicit bridge wins over QEMU_INIT_BRIDGE" "$(master_of tap0)" br1
is "tap0 has br1's MTU" "$(mtu_of tap0)" 1300
is "tap0 is up" "$(flag_of tap0)" up
run "$bin/qemu-netif" down tap0 br1
is "qemu-netif down tap0 br1 exits 0" "$rc" 0
is "tap0 is released and down" "$(master_of tap0) $(flag_of tap0)" " down"

run "$bin/qemu-netif" up tap0
is "qemu-netif up tap0 with no bridge named exits 0" "$rc" 0
is "... and uses br0" "$(master_of tap0)" br0
is "... with br0's MTU" "$(mtu_of tap0)" 1450
run "$bin/qemu-netif" down tap0
is "qemu-netif down tap0 exits 0" "$rc" 0
is "tap0 is released and down" "$(master_of tap0) $(flag_of tap0)" " down"

# QEMU may give its scripts an environment with no useful PATH.
run env -i PATH=/nonexistent QEMU_INIT_BRIDGE=qbr0 "$bin/qemu-brup" tap0
is "qemu-brup finds ip with PATH=/nonexistent" "$rc:$err" "0:"
is "... and attaches tap0" "$(master_of tap0)" qbr0
run env -i QEMU_INIT_BRIDGE=qbr0 "$bin/qemu-brdown" tap0
is "qemu-brdown finds ip with no PATH at all" "$rc:$err" "0:"
is "... and releases tap0" "$(master_of tap0)" ""

# --- usage

run "$bin/qemu-netif"
is "qemu-netif with no arguments exits 64" "$rc" 64
like "... with usage on stderr" "$err" "^usage: qemu-netif"
is "... and nothing on stdout" "$out" ""
run "$bin/qemu-netif" frob tap0
is "an unknown direction exits 64" "$rc" 64
run "$bin/qemu-netif" up
is "up with no interface exits 64" "$rc" 64
run "$bin/qemu-netif" up tap0 br1 extra
is "too many arguments exit 64" "$rc" 64
run "$bin/qemu-brup"
is "qemu-brup with no interface exits 64" "$rc" 64
run "$bin/qemu-netif" -x up tap0
is "an unknown option exits 64" "$rc" 64
is "none of that touched tap0" "$(master_of tap0) $(flag_of tap0)" " down"
run "$bin/qemu-netif" -h
is "-h exits 0" "$rc:$err" "0:"
like "... with usage on stdout" "$out" "^usage: qemu-netif"
run "$bin/qemu-brup" --help
like "qemu-brup --help shows the usage" "$rc:$out" "^0:usage: "
run "$bin/qemu-netif" --version
like "--version prints the version" "$rc:$out" '^0:qemu-netif [0-9]+\.[0-9]+'

echo "1..$n"
[ "$failed" -eq 0 ]
