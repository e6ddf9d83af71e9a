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
monitor_conf 33400
if [ "$(id -u)" -ne 0 ]; then
	echo "Bail out! check.t needs root (a network namespace with a bridge)"
	exit 1
fi
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

# same_err DESCRIPTION RC LINE...: the last run exited RC and its stderr
# is exactly LINE... (each prefixed "qemu-init: "), nothing else.
same_err() {
	local desc=$1 want_rc=$2 want
	shift 2
	want=$(printf 'qemu-init: %s\n' "$@")
	if [ "$rc" -eq "$want_rc" ] && [ "$err" = "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "rc=$rc (want $want_rc)" \
		    "$(diff <(printf '%s\n' "$want") <(printf '%s\n' "$err"))"
	fi
}

# clean DESCRIPTION: the last run found no problem.
clean() {
	expect_out "$1" 0 "VM checked: no problems"
}

links() {
	rm -f "$UP" "$DOWN"
	ln -s "$1" "$UP" && ln -s "${2:-$1}" "$DOWN"
}

# --- setup ------------------------------------------------------------------
NETNS=qinit-check$$
setup() {
	ip netns add "$NETNS" &&
	    ip netns exec "$NETNS" ip link add qbr0 type bridge &&
	    ip netns exec "$NETNS" ip link set qbr0 up &&
	    links "$BIN/qemu-netif" &&
	    vm onbr 'NIC1=virtio-net
BRIDGE_IFNAME=qbr0' &&
	    vm nobr 'NIC1=e1000
BRIDGE_IFNAME=qinitnobr9' &&
	    vm notbr 'NIC1=e1000
BRIDGE_IFNAME=lo'
}
if ! check "setup: a netns with bridge qbr0, qemu-brup/down, three VMs" setup
then
	echo "Bail out! setup failed"
	exit 1
fi
inns() { ip netns exec "$NETNS" "$@"; }

# --- the bridge ---------------------------------------------------------------
run inns qemu-init check onbr
clean "a VM whose bridge exists passes (in the netns that has it)"
run qemu-init check onbr
same_err "...and fails where the bridge does not exist, naming BRIDGE_IFNAME" 1 \
    "$(cfg onbr):4: BRIDGE_IFNAME: cannot attach the NICs of 'onbr': bridge 'qbr0' does not exist"
run inns qemu-init check nobr
same_err "a bridge that exists nowhere" 1 \
    "$(cfg nobr):4: BRIDGE_IFNAME: cannot attach the NICs of 'nobr': bridge 'qinitnobr9' does not exist"
run inns qemu-init start nobr
expect "...start refuses it with the same words" 1 \
    "$(cfg nobr):4: BRIDGE_IFNAME: cannot attach the NICs of 'nobr': bridge 'qinitnobr9' does not exist"
run inns qemu-init check notbr
same_err "an interface that is not a bridge" 1 \
    "$(cfg notbr):4: BRIDGE_IFNAME: cannot attach the NICs of 'notbr': 'lo' is not a bridge"

# --- the tap scripts ------------------------------------------------------------
# start makes a VM's taps and hands them to QEMU, which runs no script:
# check asks for no qemu-brup or qemu-brdown.
rm -f "$UP" "$DOWN"
run inns qemu-init check onbr
clean "no qemu-brup and qemu-brdown: QEMU needs them not, check says nothing"
links /nonexistent/qemu-netif "$(type -P true)"
run inns qemu-init check onbr
clean "...nor of links to nowhere or to another program"
links "$BIN/qemu-netif"
vm nonic 'VNC=no'

# --- TGTARCH ---------------------------------------------------------------------
vm arch65 'TGTARCH=qemu-system-aarch65'
run qemu-init check arch65
same_err "a TGTARCH that is not in PATH" 1 \
    "$(cfg arch65):3: TGTARCH 'qemu-system-aarch65' is not in PATH (is QEMU for that target installed?)"
vm notqemu "TGTARCH=$(type -P true)"
run qemu-init check notqemu
same_err "a TGTARCH that is a program but no QEMU" 1 \
    "$(cfg notqemu):3: TGTARCH '$(type -P true)' is not a QEMU: '$(type -P true) -machine help' lists no machine types"
mkdir -p "$T/noexec"
cp "$BIN/qemu-netif" "$T/noexec/qemu-netif"
chmod 644 "$T/noexec/qemu-netif"
vm noexec "TGTARCH=$T/noexec/qemu-netif"
run qemu-init check noexec
same_err "a TGTARCH that is not executable" 1 \
    "$(cfg noexec):3: TGTARCH '$T/noexec/qemu-netif' is not an executable file"

# --- what this QEMU knows -------------------------------------------------------
vm models 'NIC1=e1001
NIC2=virtio-blk-pci
MACHINE=q36
CPU=Skylake-Clinet,+ssse3
BRIDGE_IFNAME=qbr0'
run inns qemu-init check models
same_err "NIC models, a machine type and a CPU model that QEMU does not know, each with the name it lists that was meant" 1 \
    "$(cfg models):5: MACHINE 'q36' is not a machine type that qemu-system-x86_64 knows: did you mean 'q35'? (see: qemu-system-x86_64 -machine help)" \
    "$(cfg models):6: CPU 'Skylake-Clinet' is not a CPU model that qemu-system-x86_64 knows: did you mean 'Skylake-Client'? (see: qemu-system-x86_64 -cpu help)" \
    "$(cfg models):3: NIC1 'e1001' is not a device that qemu-system-x86_64 knows: did you mean 'e1000'? (see: qemu-system-x86_64 -device help)" \
    "$(cfg models):4: NIC2 'virtio-blk-pci' is not a network device: qemu-system-x86_64 lists it under 'Storage devices'"
sed -i 's/e1001/e1000-82540em/; s/virtio-blk-pci/virtio-net/; s/q36/q35,accel=tcg/; s/Skylake-Clinet/qemu64/' \
    "$(cfg models)"
run inns qemu-init check models
clean "...aliases (e1000-82540em, virtio-net), q35 with options, qemu64 with flags pass"

# A QEMU that logs how it is run: each list is asked for once per run.
mkdir -p "$T/logq"
cat > "$T/logq/qemu-system-x86_64" <<EOF
#!/bin/sh
echo "\$*" >> "$T/logq/calls"
exec "$QEMU" "\$@"
EOF
chmod 755 "$T/logq/qemu-system-x86_64"
for v in logged1 logged2; do
	vm $v "TGTARCH=$T/logq/qemu-system-x86_64
NIC1=e1000
MACHINE=pc
CPU=max
BRIDGE_IFNAME=qbr0"
done
run inns qemu-init check logged1 logged2 models
expect_out "three VMs with NICs, MACHINE and CPU pass" 0 "3 VMs checked: no problems"
check "...and the logging QEMU was asked each list once" \
    test "$(sort "$T/logq/calls" 2>/dev/null | tr '\n' ' ')" = \
    "-cpu help -device help -machine help " ||
    diag "calls: $(cat "$T/logq/calls" 2>/dev/null)"

# --- one image, one user -------------------------------------------------------
vm twice 'DSK2=./again.img'
ln -s disk.img "$T/vms/twice/again.img"
run qemu-init check twice
same_err "one image in two DSKx of a VM (a link to it is the same file)" 1 \
    "$(cfg twice):3: DSK2 '$T/vms/twice/again.img' is the image of DSK1 too: QEMU locks an image for one user, so 'twice' cannot start"
vm borrow "DSK2=$T/vms/nonic/disk.img"
run qemu-init check nonic borrow
same_err "one image in two VMs" 1 \
    "$(cfg borrow):3: DSK2 '$T/vms/nonic/disk.img' is DSK1 of 'nonic' too: QEMU locks an image for one user, so only one of them can run"

# SNAPSHOT=yes: QEMU only reads the image (the writes go to an overlay of
# the VM's own), and any number of readers share it; a VM that writes to
# it shares it with none.  check says what start does.
vm snapa "DSK2=$T/vms/nonic/disk.img
SNAPSHOT=yes"
vm snapb "DSK2=$T/vms/nonic/disk.img
SNAPSHOT=yes"
run qemu-init check snapa snapb
expect_out "one image in two VMs, both with SNAPSHOT=yes, passes" 0 \
    "2 VMs checked: no problems"
run qemu-init check nonic snapa
same_err "...but not beside a VM that writes to it, named" 1 \
    "$(cfg snapa):3: DSK2 '$T/vms/nonic/disk.img' is DSK1 of 'nonic' too: QEMU locks an image for one user, so only one of them can run (both can when both have SNAPSHOT=yes: 'nonic' has not)"
run qemu-init start snapa snapb
expect_out "...and both start, as check said" 0 "snapb: started"
run qemu-init start nonic
expect "...while the VM that writes to it cannot, as check said" 1 \
    'Failed to get "write" lock'
run qemu-init kill snapa snapb
expect_out "...kill ends both" 0 "snapb: killed"

# --- one MAC, one NIC --------------------------------------------------------------
mac=$(qemu-init show onbr | sed -n 's/.*,mac=//p')
vm twin "NIC1=e1000
BRIDGE_IFNAME=qbr0
MAC1=$mac"
run inns qemu-init check onbr twin
same_err "a MAC on two NICs names the line of the MAC1 that repeats it" 1 \
    "$(cfg twin):5: MAC $mac is shared by NIC1 of 'onbr' and NIC1 of 'twin' (set MACx in one of them)"

# --- exposure ------------------------------------------------------------------------
printf 'MONPORT=33400\nSLOTS=20\nVNC_LISTEN=0.0.0.0\n' > "$QEMU_INIT_CONFDIR/monitor.conf"
run qemu-init check nonic
same_err "VNC_LISTEN beyond loopback: a warning, and check fails" 1 \
    "warning: $QEMU_INIT_CONFDIR/monitor.conf:3: VNC_LISTEN '0.0.0.0' is beyond loopback: the VNC displays have no password, so anyone who reaches this host there can see and type on every VM with VNC=yes (keep 127.0.0.1 and use an SSH tunnel)"
for a in 127.0.0.1 ::1 localhost; do
	printf 'VNC_LISTEN=%s\n' "$a" > "$QEMU_INIT_CONFDIR/monitor.conf"
	run qemu-init check nonic
	clean "VNC_LISTEN=$a is loopback: no warning"
done
vm usernet 'CUSTOM1="-netdev user,id=n0 -device e1000,netdev=n0"'
run qemu-init check usernet
expect "user-mode networking while the monitors are on TCP: a warning" 1 \
    "warning: $(cfg usernet):3: CUSTOM1 '-netdev user,id=n0' gives 'usernet' user-mode networking while the monitors are on TCP: the guest reaches the host's loopback at 10.0.2.2"
echo 'MONITOR=unix' > "$QEMU_INIT_CONFDIR/monitor.conf"
run qemu-init check usernet
clean "...none with MONITOR=unix, where the guest reaches no monitor"

# --- what must still pass ------------------------------------------------------------
cp "$TOP/etc/qemu/example-qemu.cfg" "$T/example-qemu.cfg"
run qemu-init check "$T/example-qemu.cfg"
clean "the shipped example-qemu.cfg passes"
mkdir -p "$T/vms/guest"
"$TOP/tests/guest/cfg.sh" "$T/vms/guest" "test guest" > "$T/vms/guest/guest-qemu.cfg"
touch "$T/vms/guest/vmlinuz" "$T/vms/guest/initrd.gz"
run qemu-init check "$T/vms/guest/guest-qemu.cfg"
clean "the test guest's config passes"

done_testing
