#!/bin/bash
# trust-guest.t - the trust boundary (qemu-init(8) SECURITY
# CONSIDERATIONS), as a guest sees it: a guest reaches nothing its
# config did not give it.  A VM with no NICx has no network device at
# all, inside or outside, and cannot reach the host's TCP monitors;
# one given user-mode networking through CUSTOM1 can, which is what
# check warns of.  (Other local users and crashed QEMUs: trust-pid.t
# and trust-stop.t.)
. "$(dirname "$0")/lib.sh"
test_require GUEST
monitor_conf
R=$QEMU_INIT_RUNDIR

guest_vm web obey
guest_vm usernet obey 'CUSTOM1="-nic user,model=virtio-net-pci"' \
    "qinit.ip=10.0.2.15/24"

test_expect_success 'a VM with no NICx starts' '
	run qemu-init start web && test_rc 0 && test_out_has "web: started"
'
test_expect_success 'a VM given user-mode networking through CUSTOM1 starts' '
	run qemu-init start usernet && test_rc 0 && test_out_has "usernet: started"
'
test_expect_success 'both guests are ready' 'wait_ready web && wait_ready usernet'
test_expect_success 'show: a VM with no NICx gets -nic none' <<'T'
	run qemu-init show web &&
	printf '%s\n' "$out" | paste -sd " " | grep -q -- " -nic none "
T
test_expect_success "...QEMU's 'info network' lists no NIC and no network" '
	run qemu-cmd -c "info network" web && test_rc 0 && test_out ""
'

# What the guest itself sees: its interfaces and its PCI network
# controllers (class 0x02...), whether or not it has their driver.
probe='echo NETPROBE:$(ls /sys/class/net | tr "\n" " ")NICS=$(cat /sys/bus/pci/devices/*/class | grep -c ^0x02)'
netprobe() {	# netprobe VM: the probe's answer on VM's console
	sed -n 's/\r$//; s/^NETPROBE://p' "$R/$1@console.log"
}
probed() { [ -n "$(netprobe "$1")" ]; }
test_expect_success 'the guest of a VM with no NICx sees no network device' '
	guest_type web "$probe" &&
	guest_wait web "its probe" probed web &&
	test_eq "lo NICS=0" "$(netprobe web)"
'
test_expect_success '...while the CUSTOM1 guest sees its NIC (the probe can see one)' '
	guest_type usernet "$probe" &&
	guest_wait usernet "its probe" probed usernet &&
	test_eq "eth0 lo NICS=1" "$(netprobe usernet)"
'

# From inside each guest: connect to 10.0.2.2 (the host's 127.0.0.1
# under user-mode networking) on web's CTLPORT, and hold the connection
# 20 s for QMP's greeting to come (however loaded the machine).
ctl=$(state_of web CTLPORT)
dial="sleep 20 | nc 10.0.2.2 $ctl; echo DIAL\$((40+2))DONE"
test_expect_success 'both guests dial the host'"'"'s TCP monitor at 10.0.2.2:CTLPORT' '
	guest_type web "$dial" && guest_type usernet "$dial" &&
	wait_for_log web DIAL42DONE && wait_for_log usernet DIAL42DONE
'
test_expect_success 'the NIC-less guest cannot reach it' '
	test_grep ! "\"QMP\"" "$R/web@console.log"
'
test_expect_success "...the CUSTOM1 guest reaches it: QMP's greeting" '
	test_grep "^{\"QMP\": {\"version\"" "$R/usernet@console.log"
'

test_expect_success 'kill both; no QEMU of this test is left' '
	run qemu-init kill web usernet && test_rc 0 && test -z "$(our_qemus)"
'
test_done
