#!/bin/bash
# network.t - NICs end to end: taps that qemu-init makes and puts on a
# bridge, a guest reachable on it with its derived MAC, a second bridge,
# two NICs, a MAC override, a missing bridge, and no tap left after
# stop.  Everything runs inside a network namespace of the test's own,
# with addresses from 198.18.0.0/15 only.
. "$(dirname "$0")/lib.sh"
test_require ROOT,GUEST
monitor_conf

test_expect_success 'setup: a network namespace with bridges br0 and br1, and the tap scripts' <<'T' ||
	netns_add &&
	netns_bridge br0 198.18.0.1/24 &&
	netns_bridge br1 198.18.1.1/24 &&
	tap_scripts
T
    test_bail "no network namespace"

# pings VM ADDR: the host side reaches ADDR, the guest VM's (tried as
# long as the guest makes progress: its link may still be coming up).
pings() {
	guest_wait "$1" "an answer from $2" \
	    inns ping -c 1 -W 1 "$2" >/dev/null 2>&1
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
test_expect_success 'show derives a DE:AD:BE:EF MAC for NIC1' '
	run qemu-init show web &&
	mac=$(printf "%s\n" "$out" | sed -n "s/.*netdev=net0,mac=\(.*\)/\1/p") &&
	test_has "$mac" "DE:AD:BE:EF:"
'
test_expect_success 'start web with a NIC on br0' '
	run inns qemu-init start web && test_rc 0 && test_out_has "web: started"
'
test_expect_success 'the guest is ready' 'wait_ready web'
test_expect_success 'one tap is on br0' 'test_eq 1 "$(taps_on br0)"'
test_expect_success 'the host pings the guest on the bridge' 'pings web 198.18.0.2'
test_expect_success "the guest's MAC on the bridge is the derived one" '
	test_eq "$(printf "%s" "$mac" | lower)" "$(neigh_mac 198.18.0.2)"
'
test_expect_success "the tap has the bridge's MTU" <<'T'
	test_eq "$(inns cat /sys/class/net/br0/mtu)" \
	    "$(inns sh -c 'cat /sys/class/net/$(ls /sys/class/net/br0/brif | head -1)/mtu')"
T
test_expect_success 'stop web' '
	run_guest web inns qemu-init stop -t 3600 web && test_rc 0 && test_out "web: stopped"
'
test_expect_success 'after stop no tap is left on br0' 'test_eq 0 "$(taps_on br0)"'

# --- two NICs on a second bridge ------------------------------------------
guest_vm two obey "NIC1=virtio-net-pci
NIC2=virtio-net-pci
BRIDGE_IFNAME=br1" "qinit.ip=198.18.1.2/24 qinit.ip2=198.18.1.3/24"
test_expect_success 'NIC2 gets netdev net1 and a MAC of its own' '
	run qemu-init show two &&
	test_out_has "virtio-net-pci,netdev=net1,mac=DE:AD:BE:EF:"
'
test_expect_success 'start a VM with two NICs on br1' '
	run inns qemu-init start two && test_rc 0 && test_out_has "two: started" &&
	wait_ready two
'
test_expect_success 'both taps are on br1, none on br0' '
	test_eq "2 0" "$(taps_on br1) $(taps_on br0)"
'
test_expect_success 'the host pings the first address on br1' 'pings two 198.18.1.2'
test_expect_success '...and the second' 'pings two 198.18.1.3'

# --- MAC1 overrides the derived MAC ------------------------------------------
guest_vm fixed obey "NIC1=virtio-net-pci
MAC1=52:54:00:12:34:56" "qinit.ip=198.18.0.4/24"
test_expect_success 'start a VM whose MAC1 is set' '
	run inns qemu-init start fixed && test_rc 0 && test_out_has "fixed: started" &&
	wait_ready fixed
'
test_expect_success 'it answers on br0, with the MAC of MAC1' '
	pings fixed 198.18.0.4 && test_eq 52:54:00:12:34:56 "$(neigh_mac 198.18.0.4)"
'

# --- a MAC a running VM uses already --------------------------------------------
guest_vm twin obey "NIC1=virtio-net-pci
MAC1=52:54:00:12:34:56"
test_expect_success 'a MAC in use by a running VM: start refuses, and starts nothing' <<'T'
	before=$(our_qemus | wc -l) &&
	run inns qemu-init start twin &&
	test_rc 1 &&
	test_err "qemu-init: MAC 52:54:00:12:34:56 of NIC1 is in use by NIC1 of running VM 'fixed' (set MAC1)" &&
	test "$(our_qemus | wc -l)" -eq "$before"
T
test_expect_success 'check reports the shared MAC too' <<'T'
	run qemu-init check &&
	test_rc 1 &&
	test_err_has "MAC 52:54:00:12:34:56 is shared by NIC1 of 'fixed' and NIC1 of 'twin'"
T

# --- a missing bridge ------------------------------------------------------------
guest_vm nobr obey "NIC1=virtio-net-pci
BRIDGE_IFNAME=br9"
test_expect_success 'a missing bridge: start fails early, says why, naming the line of BRIDGE_IFNAME' <<'T'
	before=$(our_qemus | wc -l) &&
	run inns qemu-init start nobr &&
	test_rc 1 &&
	test_err "qemu-init: $T/vms/nobr/nobr-qemu.cfg:12: BRIDGE_IFNAME: cannot attach the NICs of 'nobr': bridge 'br9' does not exist"
T
test_expect_success '...nothing left: no QEMU, no state, no tap' '
	test "$(our_qemus | wc -l)" -eq "$before" &&
	test ! -e "$QEMU_INIT_RUNDIR/nobr@state" && test_eq 1 "$(taps_on br0)"
'

test_expect_success 'stop -a stops them all' '
	run inns qemu-init stop -a -t 3600 && test_rc 0 &&
	test_out "two: stopped
fixed: stopped"
'
test_expect_success 'no tap is left on any bridge, no QEMU is left' '
	test_eq "0 0" "$(taps_on br0) $(taps_on br1)" && test -z "$(our_qemus)"
'

test_done
