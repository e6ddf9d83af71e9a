#!/bin/bash
# create.t - from a cloud image to a VM that answers ssh, in one command:
# the cloud image of tests/guest/cloud.sh (Debian 12 made as distributions
# make theirs: cloud-init and openssh-server, no user, no key, no
# password), a VM made from it with a generated key, started and waited
# for, and qemu-init ssh running a command in it through user networking
# (passt) with a forward, then through a bridge in the test's own network
# namespace (198.18.0.0/15 only).  The base image is never written; a
# copy made with --from runs beside the first; remove --purge leaves
# nothing; a listener on the host's loopback is unreachable from the
# guest while the forward works; bad input is one clear line and leaves
# nothing half made.
#
# The image has no bootloader (installing one without mounting is not
# practical here): its VMs boot its kernel with KERNEL/INITRD/APPEND
# given through create --set, as a bootloader would.
. "$(dirname "$0")/lib.sh"
need_root "create.t uses network namespaces and passt beside a root QEMU"
CLOUD=$("$TOP/tests/guest/cloud.sh" --dir)
if [ ! -r "$CLOUD/disk.qcow2" ] || [ ! -r "$CLOUD/vmlinuz" ]; then
	echo "Bail out! cloud image missing: run make guest-cloud"
	exit 1
fi
command -v passt >/dev/null || { echo "Bail out! passt missing: tests/deps.sh"; exit 1; }
monitor_conf 35200 20
R=$QEMU_INIT_RUNDIR
UP=900		# a Debian boot with cloud-init under TCG on a loaded host

# The test's own network: a bridge for bridged VMs, and (for passt, which
# takes its addresses from the interface with the default route) a veth
# pair whose far end has no address: a default route that leads nowhere.
NETNS=qinit-create$$
ip netns add "$NETNS" || { echo "Bail out! cannot create a netns"; exit 1; }
inns() { ip netns exec "$NETNS" "$@"; }
inns ip link set lo up
inns ip link add br0 type bridge
inns ip addr add 198.18.0.1/24 dev br0
inns ip link set br0 up
inns ip link add out0 type veth peer name out1
inns ip addr add 198.18.1.2/24 dev out0
inns ip link set out0 up
inns ip link set out1 up
inns ip route add default via 198.18.1.1

# A key of the test's own; HOME elsewhere, to see that nothing lands there.
mkdir -m 700 "$T/keys" "$T/home"
ssh-keygen -q -t ed25519 -N '' -C qinit-test -f "$T/keys/id" || exit 1
export HOME=$T/home
mkdir -p "$T/vms"
base_sum=$(sha256sum < "$CLOUD/disk.qcow2")
BOOT=(--set KVM=no --set "KERNEL=$CLOUD/vmlinuz" --set "INITRD=$CLOUD/initrd.img"
    --set "APPEND=console=ttyS0 root=/dev/vda rw")
reg() { cat "$QEMU_INIT_CONFDIR/qemu-init.reg"; }
# nothing_of NAME: no folder, no registry line, nothing in RUNDIR.
nothing_of() {
	[ ! -e "$T/vms/$1" ] && ! reg | grep -q "^$1 " &&
	    [ -z "$(ls "$R" 2>/dev/null | grep "^$1@")" ]
}

# --- bad input: one line each, nothing made --------------------------------------
run qemu-init create bad --image "$T/none.qcow2" --dir "$T/vms/bad" \
    --ssh-key "$T/keys/id.pub"
expect_line "an image that does not exist: one line" 1 \
    "qemu-init: --image $T/none.qcow2: No such file or directory"
check "...and nothing of the VM" nothing_of bad
run qemu-init create bad --image "$CLOUD/disk.qcow2" --dir "$T/vms/bad" \
    --ssh-key "$T/keys/id.pub" --size 1G
expect_line "a size smaller than the image: one line" 1 \
    "qemu-init: --size 1G is smaller than the image (2147483648 bytes): a disk can grow, not shrink"
check "...and nothing of the VM" nothing_of bad
run qemu-init create bad --image "$CLOUD/disk.qcow2" --dir "$T/vms/bad" \
    --ssh-key "$T/keys/id"
expect_line "a private key as --ssh-key: one line" 1 \
    "qemu-init: --ssh-key $T/keys/id is not a public key file: it is a private key (give the .pub file beside it)"
echo "not a key" > "$T/notakey.pub"
run qemu-init create bad --image "$CLOUD/disk.qcow2" --dir "$T/vms/bad" \
    --ssh-key "$T/notakey.pub"
expect "a file that holds no key: one line" 1 "is not a public key file"
check "...and nothing of the VM" nothing_of bad
mkdir -m 777 "$T/open"
run qemu-init create bad --image "$CLOUD/disk.qcow2" --dir "$T/open/bad" \
    --ssh-key "$T/keys/id.pub"
expect_line "a folder in one others can write (start would refuse it): one line" 1 \
    "qemu-init: $T/open: folder writable by group or others: refused while running as root (chmod go-w $T/open)"
check "...and nothing made there" test -z "$(ls -A "$T/open")"
mkdir "$T/small"
mount -t tmpfs -o size=64k tmpfs "$T/small" || exit 1
run qemu-init create bad --image "$CLOUD/disk.qcow2" --dir "$T/small/bad" \
    --ssh-key "$T/keys/id.pub"
check "no space left: one line" test "$rc" -eq 1 -a "$(printf '%s\n' "$err" |
    wc -l)" -eq 1 || show_run
check "...saying so" contains "$err" "No space left on device"
check "...and nothing left on the small file system" \
    test -z "$(ls -A "$T/small")"
check "...nor in the registry" test -z "$(reg)"
umount "$T/small"

# --- passt beside QEMU, with the small test guest --------------------------------
need_guest
guest_vm tiny obey "NIC1=virtio-net-pci
NET1=user
FWD1=4998:22"
run inns qemu-init start tiny
expect_out "a VM with NET1=user starts" 0 "tiny: started"
ppid=$(state_of tiny PASST1)
check "its passt runs, recorded in its state, as QEMU's own uid" \
    test -n "$ppid" -a "$(stat -c %u "/proc/$ppid")" = "$(state_of tiny UID)"
check "...listening for FWD1 on the host's loopback only" \
    contains "$(inns ss -ltn)" "127.0.0.1:4998"
kill -KILL "$(state_pid tiny)"
check "QEMU killed: its passt ends by itself (its end of the socket closed)" \
    wait_until 30 gone "$ppid"
run inns qemu-init status tiny
expect_out "...and the VM is dead" 1 "dead"
ip netns exec "$NETNS" socat TCP-LISTEN:4998,bind=127.0.0.1,reuseaddr,fork \
    SYSTEM:true &
bg_started $!
wait_until 10 inns sh -c 'ss -ltn | grep -q 127.0.0.1:4998'
run inns qemu-init start tiny
expect_line "a forward port in use: one line, nothing started" 1 \
    "qemu-init: FWD1: 127.0.0.1:4998 is in use (see ss -ltnp; choose another port)"
check "...no QEMU of it" test -z "$(state_pid tiny)"

# --- create from the image, user networking ----------------------------------------
run inns qemu-init create web --image "$CLOUD/disk.qcow2" --dir "$T/vms/web" \
    --ssh-key "$T/keys/id.pub" --net user --size 3G "${BOOT[@]}"
expect_out "create makes a VM from the cloud image" 0 \
    "web: created, $T/vms/web/web-qemu.cfg"
check "its registry line is there" grep -qx "web $T/vms/web/web-qemu.cfg" \
    "$QEMU_INIT_CONFDIR/qemu-init.reg"
run qemu-init check web
expect_out "qemu-init check passes its config" 0 "1 VM checked: no problems"
check "its disk is a qcow2 overlay on the image, its format given" \
    test "$(qemu-img info --output=json "$T/vms/web/web-disk.qcow2" |
    grep -c -e '"backing-filename-format": "qcow2"' \
    -e "\"backing-filename\": \"$CLOUD/disk.qcow2\"")" -eq 2
check "...grown to --size" contains "$(qemu-img info "$T/vms/web/web-disk.qcow2")" \
    "virtual size: 3 GiB"
check "its seed is a cidata volume" contains "$(blkid "$T/vms/web/web-seed.iso")" \
    'LABEL="cidata" TYPE="iso9660"'
run inns qemu-init create web --image "$CLOUD/disk.qcow2" --dir "$T/vms/web9" \
    --ssh-key "$T/keys/id.pub"
expect_line "a name in use: one line" 1 \
    "qemu-init: a VM named 'web' exists already ($T/vms/web/web-qemu.cfg)"
check "...and nothing of the second" test ! -e "$T/vms/web9"

run inns qemu-init start -w "$UP" web
expect_out "start -w waits until cloud-init has finished" 0 "web: up"
port=$(sed -n 's/^FWD1=\([0-9]*\):22$/\1/p' "$T/vms/web/web-qemu.cfg")
check "its passt runs as QEMU's user, not root" \
    test "$(stat -c %u "/proc/$(state_of web PASST1)")" != 0
run inns qemu-init ssh web -- cat /etc/hostname
expect_out "qemu-init ssh runs a command in the guest through the forward" 0 "web"
check "...whose host keys came from its console, into its own file" \
    grep -q '^qemu-init-web ssh-ed25519 ' "$T/vms/web/web-known_hosts"
check "...and nothing went to the admin's known_hosts" test ! -e "$HOME/.ssh"
run inns qemu-init info web
expect_out "info shows where it answers ssh" 0 "127.0.0.1:$port (FWD1)"

# The host's loopback: a listener there, unreachable from the guest by
# any address passt could map to it; the guest's own sshd, reachable the
# same way (so the probe itself works).
ip netns exec "$NETNS" socat TCP-LISTEN:4999,bind=127.0.0.1,reuseaddr,fork \
    SYSTEM:'echo HOST-LOOPBACK' &
bg_started $!
probe='gw=$(ip -4 route show default | cut -d" " -f3)
for a in 127.0.0.1:22 10.0.2.2:4999 $gw:4999 198.18.1.2:4999 198.18.1.1:4999; do
	timeout 10 bash -c "exec 3<>/dev/tcp/${a%:*}/${a#*:}" 2>/dev/null &&
	    echo "REACHED $a"
done; echo PROBED'
run inns qemu-init ssh web -- "$probe"
check "the guest reaches its own sshd (the probe works)" contains "$out" "REACHED 127.0.0.1:22"
check "...and nothing on the host's loopback" test "$(printf '%s\n' "$out" |
    grep -c REACHED)" -eq 1 -a "$rc" -eq 0 || show_run
check "...while the forward works (this ssh went through it)" contains "$out" PROBED

# --- a copy beside it, on the bridge -------------------------------------------
run qemu-init create web2 --from web --dir "$T/vms/web2"
expect "--from refuses a VM that runs" 1 "--from web: it runs"
check "...and makes nothing" nothing_of web2
passt_pid=$(state_of web PASST1)
run inns qemu-init stop -t 300 web
expect_out "the first stops" 0 "web: stopped"
check "its passt is gone with it" wait_until 10 gone "$passt_pid"
run inns qemu-init create web2 --from web --dir "$T/vms/web2" --net bridge \
    --ip 198.18.0.10/24
expect_out "--from copies the stopped VM onto the bridge" 0 "web2: created"
mac_of() { inns qemu-init show "$1" | grep -o 'mac=[0-9A-F:]*'; }
check "...with a MAC of its own" test "$(mac_of web2)" != "$(mac_of web)"
run inns qemu-init start -w "$UP" web
expect_out "the first runs again, up again (READY at every boot)" 0 "web: up"
run inns qemu-init start -w "$UP" web2
expect_out "...and the copy beside it" 0 "web2: up"
run inns qemu-init ssh web2 -- cat /etc/hostname
expect_out "qemu-init ssh reaches the copy through the bridge" 0 "web2"
check "...its name its own (a new instance for cloud-init)" test "$out" = web2
run inns qemu-init ssh web -- cat /etc/hostname
expect_out "...while the first still answers as itself" 0 "web"
run inns qemu-init remove web2
expect_line "remove refuses a VM that runs" 1 \
    "qemu-init: 'web2' is running: stop it first (qemu-init stop web2)"
run inns qemu-init stop -t 300 web web2
expect_out "both stop" 0 "web2: stopped"
check "the base image was never written" test "$(sha256sum < "$CLOUD/disk.qcow2")" = "$base_sum"
run qemu-init remove --purge web2
expect_out "remove --purge" 0 "web2: removed, and its files"
check "...leaves nothing of it" nothing_of web2
check "...and the first VM's files are all there" test -f "$T/vms/web/web-disk.qcow2" \
    -a -f "$T/vms/web/web-qemu.cfg"

# --- two creates at once both land ----------------------------------------
qemu-init create a1 --image "$CLOUD/disk.qcow2" --dir "$T/vms/a1" \
    --ssh-key "$T/keys/id.pub" --net user > "$T/a1.out" 2>&1 &
p1=$!
qemu-init create a2 --image "$CLOUD/disk.qcow2" --dir "$T/vms/a2" \
    --ssh-key "$T/keys/id.pub" --net user > "$T/a2.out" 2>&1 &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
check "two creates at once both succeed" test $r1 -eq 0 -a $r2 -eq 0 ||
    diag "$(cat "$T/a1.out" "$T/a2.out")"
check "...both in the registry" test "$(reg | grep -c '^a[12] ')" -eq 2
check "...with a forward port each" test "$(sed -n 's/^FWD1=//p' "$T"/vms/a[12]/*-qemu.cfg | sort -u | wc -l)" -eq 2
run qemu-init remove a1
expect_out "remove without --purge unregisters" 0 "a1: removed"
check "...and keeps its files" test -f "$T/vms/a1/a1-qemu.cfg"

done_testing
