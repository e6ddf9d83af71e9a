#!/bin/bash
# netif.t - qemu-brup, qemu-brdown and qemu-netif on real bridges and taps.
#
# Everything happens inside a network namespace of the test's own, with
# addresses from 198.18.0.0/15 only; the namespace goes away on exit,
# whether the test passes or not.  Needs root.
. "$(dirname "$0")/lib.sh"
test_require ROOT

# nrun [NAME=VALUE...] PROGRAM ARGS...: run inside the namespace, with a
# clean QEMU_INIT_BRIDGE.
nrun() {
	run ip netns exec "$NETNS" env -u QEMU_INIT_BRIDGE "$@"
}

link() {
	ip -n "$NETNS" -o link show dev "$1" 2>/dev/null
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

# tap0_alone: tap0 is on no bridge and down, as it started.
tap0_alone() {
	test_eq " down" "$(master_of tap0) $(flag_of tap0)"
}

# like TEXT EXTENDED-REGEX: TEXT matches.
like() {
	printf '%s' "$1" | grep -Eq -- "$2" && return 0
	printf 'got:      %s\nexpected: /%s/\n' "$1" "$2"
	return 1
}

notbr=qdum0
test_expect_success 'setup: a namespace with bridges qbr0 (MTU 1400), br1 (1300), br0 (1450), tap0 and a device that is no bridge' <<'T' ||
	netns_add &&
	netns_bridge qbr0 198.18.0.1/24 && ip -n "$NETNS" link set qbr0 mtu 1400 &&
	netns_bridge br1 198.18.1.1/24 && ip -n "$NETNS" link set br1 mtu 1300 &&
	netns_bridge br0 198.18.2.1/24 && ip -n "$NETNS" link set br0 mtu 1450 &&
	ip -n "$NETNS" tuntap add dev tap0 mode tap &&
	# A dummy device, or a veth where the kernel has no dummy driver.
	{ ip -n "$NETNS" link add "$notbr" type dummy 2>/dev/null ||
	    ip -n "$NETNS" link add "$notbr" type veth peer name qdum1; }
T
    test_bail "no network namespace with bridges and a tap"

# --- up and down, the way QEMU calls them
test_expect_success 'qemu-brup tap0: exit 0, nothing printed' '
	nrun QEMU_INIT_BRIDGE=qbr0 "$BIN/qemu-brup" tap0 &&
	test_rc 0 && test_eq "" "$out$err"
'
test_expect_success "...tap0's master is the bridge from QEMU_INIT_BRIDGE, with its MTU, up" '
	test_eq "qbr0 1400 up" "$(master_of tap0) $(mtu_of tap0) $(flag_of tap0)"
'
test_expect_success 'qemu-brup on an attached tap exits 0 again, tap0 stays on qbr0' '
	nrun QEMU_INIT_BRIDGE=qbr0 "$BIN/qemu-brup" tap0 &&
	test_rc 0 && test_eq qbr0 "$(master_of tap0)"
'
test_expect_success 'qemu-brdown tap0: exit 0, nothing printed' '
	nrun QEMU_INIT_BRIDGE=qbr0 "$BIN/qemu-brdown" tap0 &&
	test_rc 0 && test_eq "" "$out$err"
'
test_expect_success '...tap0 has no master and is down' tap0_alone
test_expect_success 'qemu-brdown of a tap that is already gone exits 0, quietly' '
	nrun QEMU_INIT_BRIDGE=qbr0 "$BIN/qemu-brdown" tap9 &&
	test_rc 0 && test_err ""
'

# --- a bridge that is missing or is no bridge
test_expect_success 'qemu-brup with a missing bridge exits 1, saying so in one line' <<'T'
	nrun QEMU_INIT_BRIDGE=nosuch0 "$BIN/qemu-brup" tap0 &&
	test_rc 1 && test_err "qemu-netif: bridge 'nosuch0' does not exist"
T
test_expect_success '...and leaves tap0 alone' tap0_alone
test_expect_success 'qemu-brup onto a device that is not a bridge exits 1, saying so in one line' <<'T'
	nrun QEMU_INIT_BRIDGE=$notbr "$BIN/qemu-brup" tap0 &&
	test_rc 1 && test_err "qemu-netif: '$notbr' is not a bridge"
T
test_expect_success '...and leaves tap0 alone' tap0_alone
test_expect_success "qemu-brup of a missing tap exits 1, with ip's own message, in one line" <<'T'
	nrun QEMU_INIT_BRIDGE=qbr0 "$BIN/qemu-brup" tap7 &&
	test_rc 1 &&
	like "$err" '^qemu-netif: ip link set dev tap7 mtu 1400 failed: .*tap7' &&
	test_eq 1 "$(printf '%s\n' "$err" | wc -l)"
T

# --- names that cannot be interfaces
test_expect_success 'a 16-character name exits 1, saying it is too long' <<'T'
	nrun QEMU_INIT_BRIDGE=qbr0 "$BIN/qemu-brup" tap456789012345x &&
	test_rc 1 &&
	like "$err" "^qemu-netif: bad interface name 'tap456789012345x': longer than 15"
T
test_expect_success "a name with '/' exits 1, saying why" <<'T'
	nrun QEMU_INIT_BRIDGE=qbr0 "$BIN/qemu-brup" tap/0 &&
	test_rc 1 && like "$err" "^qemu-netif: bad interface name 'tap/0'"
T
test_expect_success 'a bridge name with a blank exits 1, saying why' <<'T'
	nrun "$BIN/qemu-netif" up tap0 'br 1' &&
	test_rc 1 && like "$err" "bad interface name 'br 1': .*white space"
T
test_expect_success 'qemu-brdown .. exits 1' '
	nrun QEMU_INIT_BRIDGE=qbr0 "$BIN/qemu-brdown" .. && test_rc 1
'
test_expect_success 'none of that touched tap0' tap0_alone

# --- qemu-netif by hand, and the bridge it picks
test_expect_success 'qemu-netif up tap0 br1: the explicit bridge wins over QEMU_INIT_BRIDGE, its MTU, up' '
	nrun QEMU_INIT_BRIDGE=qbr0 "$BIN/qemu-netif" up tap0 br1 &&
	test_rc 0 &&
	test_eq "br1 1300 up" "$(master_of tap0) $(mtu_of tap0) $(flag_of tap0)"
'
test_expect_success 'qemu-netif down tap0 br1: released and down' '
	nrun "$BIN/qemu-netif" down tap0 br1 && test_rc 0 && tap0_alone
'
test_expect_success 'qemu-netif up tap0 with no bridge named uses br0, with its MTU' '
	nrun "$BIN/qemu-netif" up tap0 &&
	test_rc 0 && test_eq "br0 1450" "$(master_of tap0) $(mtu_of tap0)"
'
test_expect_success 'qemu-netif down tap0: released and down' '
	nrun "$BIN/qemu-netif" down tap0 && test_rc 0 && tap0_alone
'

# QEMU may give its scripts an environment with no useful PATH.
test_expect_success 'qemu-brup finds ip with PATH=/nonexistent, and attaches tap0' '
	nrun env -i PATH=/nonexistent QEMU_INIT_BRIDGE=qbr0 "$BIN/qemu-brup" tap0 &&
	test_eq "0:" "$rc:$err" && test_eq qbr0 "$(master_of tap0)"
'
test_expect_success 'qemu-brdown finds ip with no PATH at all, and releases tap0' '
	nrun env -i QEMU_INIT_BRIDGE=qbr0 "$BIN/qemu-brdown" tap0 &&
	test_eq "0:" "$rc:$err" && test_eq "" "$(master_of tap0)"
'

# --- usage
test_expect_success 'qemu-netif with no arguments exits 64, its usage on stderr only' '
	nrun "$BIN/qemu-netif" &&
	test_rc 64 && like "$err" "^usage: qemu-netif" && test_out ""
'
for args in "frob tap0:an unknown direction" "up:up with no interface" \
    "up tap0 br1 extra:too many arguments" "-x up tap0:an unknown option"; do
	test_expect_success "qemu-netif ${args%%:*}: ${args#*:}, exit 64" '
		nrun "$BIN/qemu-netif" ${args%%:*} && test_rc 64
	'
done
test_expect_success 'qemu-brup with no interface exits 64' '
	nrun "$BIN/qemu-brup" && test_rc 64
'
test_expect_success 'none of that touched tap0' tap0_alone
test_expect_success '-h exits 0, its usage on stdout' '
	nrun "$BIN/qemu-netif" -h &&
	test_eq "0:" "$rc:$err" && like "$out" "^usage: qemu-netif"
'
test_expect_success 'qemu-brup --help shows the usage' '
	nrun "$BIN/qemu-brup" --help && like "$rc:$out" "^0:usage: "
'
test_expect_success '--version prints the version' '
	nrun "$BIN/qemu-netif" --version &&
	like "$rc:$out" "^0:qemu-netif [0-9]+\.[0-9]+"
'

test_done
