#!/bin/bash
# check.t - what qemu-init check finds beyond a config's syntax, on this
# host and with the real QEMU: a bridge that is not there (and one that
# is, in a network namespace of the test's own), the tap scripts in
# CONFDIR, a TGTARCH that is no QEMU, NIC models, machine types and CPU
# models that QEMU does not know (it is asked, once per run), a disk
# image in two places, a MAC on two NICs, a VNC display on the network,
# and user-mode networking beside the TCP monitors.  Nothing is started
# but VMs that share an image under SNAPSHOT=yes, to show that they can.
. "$(dirname "$0")/lib.sh"
test_require ROOT
monitor_conf
REG=$QEMU_INIT_CONFDIR/qemu-init.reg
UP=$QEMU_INIT_CONFDIR/qemu-brup
DOWN=$QEMU_INIT_CONFDIR/qemu-brdown
QEMU=$(command -v qemu-system-x86_64)

# vm NAME [LINES]: a registered VM with a disk of its own and LINES.
vm() {
	local dir=$T/vms/$1
	mkdir -p "$dir"
	truncate -s 1M "$dir/disk.img"
	printf 'KVM=no\nDSK1=disk.img\n%s\n' "${2:-}" > "$dir/$1-qemu.cfg"
	echo "$1 $dir/$1-qemu.cfg" >> "$REG"
}
cfg() { echo "$T/vms/$1/$1-qemu.cfg"; }

# errs LINE...: the last run's stderr is exactly LINE..., each prefixed
# "qemu-init: ".
errs() {
	test_err "$(printf 'qemu-init: %s\n' "$@")"
}

# clean: the last run found no problem.
clean() {
	test_rc 0 && test_out_has "VM checked: no problems"
}

links() {
	rm -f "$UP" "$DOWN"
	ln -s "$1" "$UP" && ln -s "${2:-$1}" "$DOWN"
}

test_expect_success 'setup: a netns with bridge qbr0, qemu-brup/down, three VMs' <<'T' ||
	netns_add &&
	netns_bridge qbr0 &&
	links "$BIN/qemu-netif" &&
	vm onbr 'NIC1=virtio-net
BRIDGE_IFNAME=qbr0' &&
	vm nobr 'NIC1=e1000
BRIDGE_IFNAME=qinitnobr9' &&
	vm notbr 'NIC1=e1000
BRIDGE_IFNAME=lo'
T
    test_bail "no network namespace with a bridge"

# --- the bridge ---------------------------------------------------------------
test_expect_success 'a VM whose bridge exists passes (in the netns that has it)' '
	run inns qemu-init check onbr && clean
'
test_expect_success '...and fails where the bridge does not exist, naming BRIDGE_IFNAME' <<'T'
	run qemu-init check onbr &&
	test_rc 1 &&
	errs "$(cfg onbr):4: BRIDGE_IFNAME: cannot attach the NICs of 'onbr': bridge 'qbr0' does not exist"
T
test_expect_success 'a bridge that exists nowhere' <<'T'
	run inns qemu-init check nobr &&
	test_rc 1 &&
	errs "$(cfg nobr):4: BRIDGE_IFNAME: cannot attach the NICs of 'nobr': bridge 'qinitnobr9' does not exist"
T
test_expect_success '...start refuses it with the same words' <<'T'
	run inns qemu-init start nobr &&
	test_rc 1 &&
	errs "$(cfg nobr):4: BRIDGE_IFNAME: cannot attach the NICs of 'nobr': bridge 'qinitnobr9' does not exist"
T
test_expect_success 'an interface that is not a bridge' <<'T'
	run inns qemu-init check notbr &&
	test_rc 1 &&
	errs "$(cfg notbr):4: BRIDGE_IFNAME: cannot attach the NICs of 'notbr': 'lo' is not a bridge"
T

# --- the tap scripts ------------------------------------------------------------
# start makes a VM's taps and hands them to QEMU, which runs no script:
# check asks for no qemu-brup or qemu-brdown.
test_expect_success 'no qemu-brup and qemu-brdown: QEMU needs them not, check says nothing' '
	rm -f "$UP" "$DOWN" &&
	run inns qemu-init check onbr && clean
'
test_expect_success '...nor of links to nowhere or to another program' '
	links /nonexistent/qemu-netif "$(type -P true)" &&
	run inns qemu-init check onbr && clean
'
links "$BIN/qemu-netif"
vm nonic 'VNC=no'

# --- TGTARCH ---------------------------------------------------------------------
test_expect_success 'a TGTARCH that is not in PATH' <<'T'
	vm arch65 'TGTARCH=qemu-system-aarch65' &&
	run qemu-init check arch65 &&
	test_rc 1 &&
	errs "$(cfg arch65):3: TGTARCH 'qemu-system-aarch65' is not in PATH (is QEMU for that target installed?)"
T
test_expect_success 'a TGTARCH that is a program but no QEMU' <<'T'
	vm notqemu "TGTARCH=$(type -P true)" &&
	run qemu-init check notqemu &&
	test_rc 1 &&
	errs "$(cfg notqemu):3: TGTARCH '$(type -P true)' is not a QEMU: '$(type -P true) -machine help' lists no machine types"
T
test_expect_success 'a TGTARCH that is not executable' <<'T'
	mkdir -p "$T/noexec" &&
	cp "$BIN/qemu-netif" "$T/noexec/qemu-netif" &&
	chmod 644 "$T/noexec/qemu-netif" &&
	vm noexec "TGTARCH=$T/noexec/qemu-netif" &&
	run qemu-init check noexec &&
	test_rc 1 &&
	errs "$(cfg noexec):3: TGTARCH '$T/noexec/qemu-netif' is not an executable file"
T

# --- what this QEMU knows -------------------------------------------------------
vm models 'NIC1=e1001
NIC2=virtio-blk-pci
MACHINE=q36
CPU=Skylake-Clinet,+ssse3
BRIDGE_IFNAME=qbr0'
test_expect_success 'NIC models, a machine type and a CPU model that QEMU does not know, each with the name it lists that was meant' <<'T'
	run inns qemu-init check models &&
	test_rc 1 &&
	errs "$(cfg models):5: MACHINE 'q36' is not a machine type that qemu-system-x86_64 knows: did you mean 'q35'? (see: qemu-system-x86_64 -machine help)" \
	    "$(cfg models):6: CPU 'Skylake-Clinet' is not a CPU model that qemu-system-x86_64 knows: did you mean 'Skylake-Client'? (see: qemu-system-x86_64 -cpu help)" \
	    "$(cfg models):3: NIC1 'e1001' is not a device that qemu-system-x86_64 knows: did you mean 'e1000'? (see: qemu-system-x86_64 -device help)" \
	    "$(cfg models):4: NIC2 'virtio-blk-pci' is not a network device: qemu-system-x86_64 lists it under 'Storage devices'"
T
test_expect_success '...aliases (e1000-82540em, virtio-net), q35 with options, qemu64 with flags pass' <<'T'
	sed -i 's/e1001/e1000-82540em/; s/virtio-blk-pci/virtio-net/; s/q36/q35,accel=tcg/; s/Skylake-Clinet/qemu64/' \
	    "$(cfg models)" &&
	run inns qemu-init check models && clean
T

# A QEMU that logs how it is run: each list is asked for once per run.
test_expect_success 'three VMs with NICs, MACHINE and CPU pass' <<'T'
	mkdir -p "$T/logq" &&
	cat > "$T/logq/qemu-system-x86_64" <<EOF &&
#!/bin/sh
echo "\$*" >> "$T/logq/calls"
exec "$QEMU" "\$@"
EOF
	chmod 755 "$T/logq/qemu-system-x86_64" &&
	for v in logged1 logged2; do
		vm $v "TGTARCH=$T/logq/qemu-system-x86_64
NIC1=e1000
MACHINE=pc
CPU=max
BRIDGE_IFNAME=qbr0" || return 1
	done &&
	run inns qemu-init check logged1 logged2 models &&
	test_rc 0 && test_out "3 VMs checked: no problems"
T
test_expect_success '...and the logging QEMU was asked each list once' '
	test_eq "-cpu help -device help -machine help " \
	    "$(sort "$T/logq/calls" 2>/dev/null | tr "\n" " ")"
'

# --- one image, one user -------------------------------------------------------
test_expect_success 'one image in two DSKx of a VM (a link to it is the same file)' <<'T'
	vm twice 'DSK2=./again.img' &&
	ln -s disk.img "$T/vms/twice/again.img" &&
	run qemu-init check twice &&
	test_rc 1 &&
	errs "$(cfg twice):3: DSK2 '$T/vms/twice/again.img' is the image of DSK1 too: QEMU locks an image for one user, so 'twice' cannot start"
T
test_expect_success 'one image in two VMs' <<'T'
	vm borrow "DSK2=$T/vms/nonic/disk.img" &&
	run qemu-init check nonic borrow &&
	test_rc 1 &&
	errs "$(cfg borrow):3: DSK2 '$T/vms/nonic/disk.img' is DSK1 of 'nonic' too: QEMU locks an image for one user, so only one of them can run"
T

# SNAPSHOT=yes: QEMU only reads the image (the writes go to an overlay of
# the VM's own), and any number of readers share it; a VM that writes to
# it shares it with none.  check says what start does.
vm snapa "DSK2=$T/vms/nonic/disk.img
SNAPSHOT=yes"
vm snapb "DSK2=$T/vms/nonic/disk.img
SNAPSHOT=yes"
test_expect_success 'one image in two VMs, both with SNAPSHOT=yes, passes' '
	run qemu-init check snapa snapb &&
	test_rc 0 && test_out "2 VMs checked: no problems"
'
test_expect_success '...but not beside a VM that writes to it, named' <<'T'
	run qemu-init check nonic snapa &&
	test_rc 1 &&
	errs "$(cfg snapa):3: DSK2 '$T/vms/nonic/disk.img' is DSK1 of 'nonic' too: QEMU locks an image for one user, so only one of them can run (both can when both have SNAPSHOT=yes: 'nonic' has not)"
T
test_expect_success '...and both start, as check said' '
	run qemu-init start snapa snapb && test_rc 0 && test_out_has "snapb: started"
'
test_expect_success '...while the VM that writes to it cannot, as check said' <<'T'
	run qemu-init start nonic &&
	test_rc 1 && test_err_has 'Failed to get "write" lock'
T
test_expect_success '...kill ends both' '
	run qemu-init kill snapa snapb &&
	test_rc 0 && test_out "snapa: killed
snapb: killed"
'

# --- one MAC, one NIC --------------------------------------------------------------
test_expect_success 'a MAC on two NICs names the line of the MAC1 that repeats it' <<'T'
	mac=$(qemu-init show onbr | sed -n 's/.*,mac=//p') &&
	test -n "$mac" &&
	vm twin "NIC1=e1000
BRIDGE_IFNAME=qbr0
MAC1=$mac" &&
	run inns qemu-init check onbr twin &&
	test_rc 1 &&
	errs "$(cfg twin):5: MAC $mac is shared by NIC1 of 'onbr' and NIC1 of 'twin' (set MACx in one of them)"
T

# --- exposure ------------------------------------------------------------------------
mon=$QEMU_INIT_CONFDIR/monitor.conf
test_expect_success 'VNC_LISTEN beyond loopback: a warning, and check fails' <<'T'
	monitor_conf "$PORTBASE" 20 VNC_LISTEN=0.0.0.0 &&
	run qemu-init check nonic &&
	test_rc 1 &&
	errs "warning: $mon:3: VNC_LISTEN '0.0.0.0' is beyond loopback: the VNC displays have no password, so anyone who reaches this host there can see and type on every VM with VNC=yes (keep 127.0.0.1 and use an SSH tunnel)"
T
for a in 127.0.0.1 ::1 localhost; do
	test_expect_success "VNC_LISTEN=$a is loopback: no warning" '
		monitor_conf "$PORTBASE" 20 "VNC_LISTEN=$a" &&
		run qemu-init check nonic && clean && test_err ""
	'
done
monitor_conf
vm usernet 'CUSTOM1="-netdev user,id=n0 -device e1000,netdev=n0"'
test_expect_success 'user-mode networking while the monitors are on TCP: a warning' <<'T'
	run qemu-init check usernet &&
	test_rc 1 &&
	errs "warning: $(cfg usernet):3: CUSTOM1 '-netdev user,id=n0' gives 'usernet' user-mode networking while the monitors are on TCP: the guest reaches the host's loopback at 10.0.2.2, and so every VM's TCP monitor (set MONITOR=unix in monitor.conf, or use NICx)"
T
test_expect_success '...none with MONITOR=unix, where the guest reaches no monitor' '
	monitor_conf "$PORTBASE" 20 MONITOR=unix &&
	run qemu-init check usernet && clean && test_err ""
'

# --- what must still pass ------------------------------------------------------------
test_expect_success 'the shipped example-qemu.cfg passes' '
	cp "$TOP/etc/qemu/example-qemu.cfg" "$T/example-qemu.cfg" &&
	run qemu-init check "$T/example-qemu.cfg" && clean
'
test_expect_success "the test guest's config passes" <<'T'
	mkdir -p "$T/vms/guest" &&
	"$TOP/tests/guest/cfg.sh" "$T/vms/guest" "test guest" > "$T/vms/guest/guest-qemu.cfg" &&
	touch "$T/vms/guest/vmlinuz" "$T/vms/guest/initrd.gz" &&
	run qemu-init check "$T/vms/guest/guest-qemu.cfg" && clean
T

test_done
