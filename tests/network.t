#!/bin/bash
# network.t - NICs end to end: taps that QEMU creates and qemu-brup puts
# on a bridge, a guest reachable on it with its derived MAC, a second
# bridge, two NICs, a MAC override, a missing bridge, and no tap left
# after stop.  Everything runs inside a network namespace of the test's
# own, with addresses from 198.18.0.0/15 only.
. "$(dirname "$0")/lib.sh"
need_guest
monitor_conf 31600 20
if [ "$(id -u)" -ne 0 ]; then
	echo "Bail out! network.t needs root (network namespaces, taps)"
	exit 1
fi

NETNS=qinit-net$$
ip netns add "$NETNS" || { echo "Bail out! cannot create a netns"; exit 1; }
inns() { ip netns exec "$NETNS" "$@"; }
inns ip link set lo up
for b in 0 1; do
	inns ip link add "br$b" type bridge
	inns ip addr add "198.18.$b.1/24" dev "br$b"
	inns ip link set "br$b" up
done
ln -s "$BIN/qemu-netif" "$QEMU_INIT_CONFDIR/qemu-brup"
ln -s "$BIN/qemu-netif" "$QEMU_INIT_CONFDIR/qemu-brdown"

# pings ADDR: the host side reaches ADDR (a few tries while the guest's
# link comes up: a bound on a wait, not a timing assertion).
pings() {
	local i
	for i in $(seq 1 30); do
		inns ping -c 1 -W 1 "$1" >/dev/null 2>&1 && return 0
	done
	return 1
}
# The MAC the host learnt for ADDR, lower case.
neigh_mac() {
	inns ip neigh show "$1" | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p'
}
# taps_on BRIDGE: how many of qemu-init's taps (qi<slot>n<nic>) it has.
taps_on() {
	inns ip -o link show master "$1" 2>/dev/null | grep -c ': qi[0-9]*n[0-9]*:'
}
lower() { tr 'A-F' 'a-f'; }

# --- one NIC on br0 -----------------------------------------------------------
guest_vm web obey "NIC1=virtio-net-pci" "qinit.ip=198.18.0.2/24"
run qemu-init show web
mac=$(printf '%s\n' "$out" | sed -n 's/.*netdev=net0,mac=\(.*\)/\1/p')
check "show derives a DE:AD:BE:EF MAC for NIC1" \
    contains "$mac" "DE:AD:BE:EF:"
run inns qemu-init start web
expect_out "start web with a NIC on br0" 0 "web: started"
check "the guest is ready" wait_ready web
check "qemu-brup put one tap on br0" test "$(taps_on br0)" -eq 1
check "the host pings the guest on the bridge" pings 198.18.0.2
check "the guest's MAC on the bridge is the derived one" \
    test "$(neigh_mac 198.18.0.2)" = "$(printf '%s' "$mac" | lower)" ||
    diag "neigh: $(neigh_mac 198.18.0.2), derived: $mac"
check "the tap has the bridge's MTU" test \
    "$(inns cat /sys/class/net/br0/mtu)" = \
    "$(inns sh -c 'cat /sys/class/net/$(ls /sys/class/net/br0/brif | head -1)/mtu')"
run inns qemu-init stop web
expect_out "stop web" 0 "web: stopped"
check "after stop no tap is left on br0" test "$(taps_on br0)" -eq 0

# --- two NICs on a second bridge ------------------------------------------
guest_vm two obey "NIC1=virtio-net-pci
NIC2=virtio-net-pci
BRIDGE_IFNAME=br1" "qinit.ip=198.18.1.2/24 qinit.ip2=198.18.1.3/24"
run qemu-init show two
check "NIC2 gets netdev net1 and a MAC of its own" \
    contains "$out" "virtio-net-pci,netdev=net1,mac=DE:AD:BE:EF:"
run inns qemu-init start two
expect_out "start a VM with two NICs on br1" 0 "two: started"
wait_ready two >/dev/null
check "both taps are on br1, none on br0" \
    test "$(taps_on br1)" -eq 2 -a "$(taps_on br0)" -eq 0
check "the host pings the first address on br1" pings 198.18.1.2
check "...and the second" pings 198.18.1.3

# --- MAC1 overrides the derived MAC ------------------------------------------
guest_vm fixed obey "NIC1=virtio-net-pci
MAC1=52:54:00:12:34:56" "qinit.ip=198.18.0.4/24"
run inns qemu-init start fixed
expect_out "start a VM whose MAC1 is set" 0 "fixed: started"
wait_ready fixed >/dev/null
check "it answers on br0" pings 198.18.0.4
check "...with the MAC of MAC1" test "$(neigh_mac 198.18.0.4)" = \
    "52:54:00:12:34:56"

# --- a MAC a running VM uses already --------------------------------------------
guest_vm twin obey "NIC1=virtio-net-pci
MAC1=52:54:00:12:34:56"
before=$(our_qemus | wc -l)
run inns qemu-init start twin
expect "a MAC in use by a running VM: start refuses" 1 \
    "MAC 52:54:00:12:34:56 of NIC1 is in use by NIC1 of running VM 'fixed'"
check "...and starts nothing" test "$(our_qemus | wc -l)" -eq "$before"
run qemu-init check
expect "check reports the shared MAC too" 1 \
    "MAC 52:54:00:12:34:56 is shared by NIC1 of 'fixed' and NIC1 of 'twin'"

# --- a missing bridge ------------------------------------------------------------
guest_vm nobr obey "NIC1=virtio-net-pci
BRIDGE_IFNAME=br9"
before=$(our_qemus | wc -l)
run inns qemu-init start nobr
expect "a missing bridge: start fails early and says why" 1 \
    "bridge 'br9' does not exist"
check "...naming the config line of BRIDGE_IFNAME" \
    contains "$err" "nobr-qemu.cfg:12:"
check "...nothing left: no QEMU, no state, no tap" \
    test "$(our_qemus | wc -l)" -eq "$before" -a \
    ! -e "$QEMU_INIT_RUNDIR/nobr@state" -a "$(taps_on br0)" -eq 1

run inns qemu-init stop -a
expect_out "stop -a stops them all" 0 "two: stopped"
check "no tap is left on any bridge" \
    test "$(taps_on br0)" -eq 0 -a "$(taps_on br1)" -eq 0
check "no QEMU is left" test -z "$(our_qemus)"

done_testing
