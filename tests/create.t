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
CLOUD=$("$TOP/tests/guest/cloud.sh" --dir)
prereq CLOUD_GUEST "the cloud test image: make guest-cloud" \
    '[ -r "$CLOUD/disk.qcow2" ] && [ -r "$CLOUD/vmlinuz" ]'
prereq PASST "passt: make deps" 'has passt'
test_require ROOT,GUEST,CLOUD_GUEST,PASST,SOCAT
monitor_conf
R=$QEMU_INIT_RUNDIR
# Forward ports of the test's own (in its network namespace, within its
# range of the port map all the same).
FWD_TINY=$((PORTBASE + 190))
HOSTLO=$((PORTBASE + 191))

# The test's own network: a bridge for bridged VMs, and (for passt, which
# takes its addresses from the interface with the default route) a veth
# pair whose far end has no address: a default route that leads nowhere.
test_expect_success 'setup: a network namespace with a bridge and a default route' <<'T' ||
	netns_add &&
	netns_bridge br0 198.18.0.1/24 &&
	inns ip link add out0 type veth peer name out1 &&
	inns ip addr add 198.18.1.2/24 dev out0 &&
	inns ip link set out0 up &&
	inns ip link set out1 up &&
	inns ip route add default via 198.18.1.1
T
    test_bail "no network namespace"

# A key of the test's own; HOME elsewhere, to see that nothing lands there.
test_expect_success 'setup: a key of the test, HOME elsewhere' <<'T' ||
	mkdir -m 700 "$T/keys" "$T/home" &&
	ssh-keygen -q -t ed25519 -N '' -C qinit-test -f "$T/keys/id" &&
	mkdir -p "$T/vms"
T
    test_bail "no key"
export HOME=$T/home
base_sum=$(sha256sum < "$CLOUD/disk.qcow2")
BOOT=(--set KVM=no --set "KERNEL=$CLOUD/vmlinuz" --set "INITRD=$CLOUD/initrd.img"
    --set "APPEND=console=ttyS0 root=/dev/vda rw")
reg() { cat "$QEMU_INIT_CONFDIR/qemu-init.reg"; }
# nothing_of NAME: no folder, no registry line, nothing in RUNDIR.
nothing_of() {
	[ ! -e "$T/vms/$1" ] || { echo "$T/vms/$1 is there"; return 1; }
	! reg | grep "^$1 " || return 1
	[ -z "$(ls "$R" 2>/dev/null | grep "^$1@")" ] ||
	    { ls "$R" | grep "^$1@"; return 1; }
}

# --- bad input: one line each, nothing made --------------------------------------
test_expect_success 'an image that does not exist: one line, nothing of the VM' '
	run qemu-init create bad --image "$T/none.qcow2" --dir "$T/vms/bad" \
	    --ssh-key "$T/keys/id.pub" &&
	test_rc 1 && test_err "qemu-init: --image $T/none.qcow2: No such file or directory" &&
	nothing_of bad
'
test_expect_success 'a size smaller than the image: one line, nothing of the VM' '
	run qemu-init create bad --image "$CLOUD/disk.qcow2" --dir "$T/vms/bad" \
	    --ssh-key "$T/keys/id.pub" --size 1G &&
	test_rc 1 &&
	test_err "qemu-init: --size 1G is smaller than the image (2147483648 bytes): a disk can grow, not shrink" &&
	nothing_of bad
'
test_expect_success 'a private key as --ssh-key: one line' '
	run qemu-init create bad --image "$CLOUD/disk.qcow2" --dir "$T/vms/bad" \
	    --ssh-key "$T/keys/id" &&
	test_rc 1 &&
	test_err "qemu-init: --ssh-key $T/keys/id is not a public key file: it is a private key (give the .pub file beside it)" &&
	nothing_of bad
'
test_expect_success 'a file that holds no key: one line, nothing of the VM' <<'T'
	echo "not a key" > "$T/notakey.pub" &&
	run qemu-init create bad --image "$CLOUD/disk.qcow2" --dir "$T/vms/bad" \
	    --ssh-key "$T/notakey.pub" &&
	test_rc 1 && test "$(printf '%s\n' "$err" | wc -l)" -eq 1 &&
	test_err_has "is not a public key file" &&
	nothing_of bad
T
test_expect_success 'a folder in one others can write (start would refuse it): one line, nothing made there' <<'T'
	mkdir -m 777 "$T/open" &&
	run qemu-init create bad --image "$CLOUD/disk.qcow2" --dir "$T/open/bad" \
	    --ssh-key "$T/keys/id.pub" &&
	test_rc 1 &&
	test_err "qemu-init: $T/open: folder writable by group or others: refused while running as root (chmod go-w $T/open)" &&
	test -z "$(ls -A "$T/open")"
T
test_expect_success 'setup: a small tmpfs' '
	mkdir "$T/small" && mount -t tmpfs -o size=64k tmpfs "$T/small"
' && at_cleanup "umount '$T/small'"
test_expect_success 'no space left: one line saying so' <<'T'
	run qemu-init create bad --image "$CLOUD/disk.qcow2" --dir "$T/small/bad" \
	    --ssh-key "$T/keys/id.pub" &&
	test_rc 1 && test "$(printf '%s\n' "$err" | wc -l)" -eq 1 &&
	test_err_has "No space left on device"
T
test_expect_success '...nothing left on the small file system, nor in the registry' '
	test -z "$(ls -A "$T/small")" && test -z "$(reg)"
'
umount "$T/small"

# --- passt beside QEMU, with the small test guest --------------------------------
guest_vm tiny obey "NIC1=virtio-net-pci
NET1=user
FWD1=$FWD_TINY:22"
test_expect_success 'a VM with NET1=user starts' '
	run inns qemu-init start tiny && test_rc 0 && test_out_has "tiny: started"
'
ppid=$(state_of tiny PASST1)
test_expect_success "its passt runs, recorded in its state, as QEMU's own uid" '
	test -n "$ppid" && test "$(stat -c %u "/proc/$ppid")" = "$(state_of tiny UID)"
'
test_expect_success "...listening for FWD1 on the host's loopback only" '
	inns ss -Hltn "sport = :$FWD_TINY" | awk "{ print \$4 }" > "$T/fwd.listen" &&
	test_eq "127.0.0.1:$FWD_TINY" "$(cat "$T/fwd.listen")"
'
test_expect_success 'QEMU killed: its passt ends by itself (its end of the socket closed)' '
	kill -KILL "$(state_pid tiny)" && wait_until 60 gone "$ppid"
'
test_expect_success '...and the VM is dead' '
	run inns qemu-init status tiny && test_rc 1 && test_out_has dead
'
# (ip netns exec, not inns: a function in the background is a subshell,
# and $! must be socat's own pid for cleanup to end it.)
ip netns exec "$NETNS" socat "TCP-LISTEN:$FWD_TINY,bind=127.0.0.1,reuseaddr,fork" SYSTEM:true &
bg_started $!
test_expect_success 'a forward port in use: one line, nothing started' <<'T'
	wait_until 60 inns sh -c "ss -Hltn 'sport = :$FWD_TINY' | grep -q ." &&
	run inns qemu-init start tiny &&
	test_rc 1 &&
	test_err "qemu-init: FWD1: 127.0.0.1:$FWD_TINY is in use (see ss -ltnp; choose another port)" &&
	test -z "$(state_pid tiny)"
T

# --- create from the image, user networking ----------------------------------------
test_expect_success 'create makes a VM from the cloud image' '
	run inns qemu-init create web --image "$CLOUD/disk.qcow2" --dir "$T/vms/web" \
	    --ssh-key "$T/keys/id.pub" --net user --size 3G "${BOOT[@]}" &&
	test_rc 0 && test_out "web: created, $T/vms/web/web-qemu.cfg"
' || test_bail "no VM made"
test_expect_success 'its registry line is there' '
	test_grep "^web $T/vms/web/web-qemu.cfg\$" "$QEMU_INIT_CONFDIR/qemu-init.reg"
'
test_expect_success 'qemu-init check passes its config' '
	run qemu-init check web && test_rc 0 && test_out "1 VM checked: no problems"
'
test_expect_success 'its disk is a qcow2 overlay on the image, its format given' <<'T'
	qemu-img info --output=json "$T/vms/web/web-disk.qcow2" > "$T/img.json" &&
	test "$(jget "$T/img.json" backing-filename-format)" = qcow2 &&
	test "$(jget "$T/img.json" backing-filename)" = "$CLOUD/disk.qcow2"
T
test_expect_success '...grown to --size' '
	test "$(jget "$T/img.json" virtual-size)" = $((3 << 30))
'
test_expect_success 'its seed is a cidata volume' '
	test_has "$(blkid "$T/vms/web/web-seed.iso")" "LABEL=\"cidata\" TYPE=\"iso9660\""
'
test_expect_success 'a name in use: one line, nothing of the second' '
	run inns qemu-init create web --image "$CLOUD/disk.qcow2" --dir "$T/vms/web9" \
	    --ssh-key "$T/keys/id.pub" &&
	test_rc 1 &&
	test_err "qemu-init: a VM named '"'"'web'"'"' exists already ($T/vms/web/web-qemu.cfg)" &&
	test ! -e "$T/vms/web9"
'

test_expect_success 'start -w waits until cloud-init has finished' '
	run_guest web inns qemu-init start -w 3600 web &&
	test_rc 0 && test_out_has "web: up"
' || test_bail "the cloud guest did not come up"
port=$(sed -n 's/^FWD1=\([0-9]*\):22$/\1/p' "$T/vms/web/web-qemu.cfg")
test_expect_success "its passt runs as QEMU's user, not root" '
	test "$(stat -c %u "/proc/$(state_of web PASST1)")" != 0
'
test_expect_success 'qemu-init ssh runs a command in the guest through the forward' '
	run inns qemu-init ssh web -- cat /etc/hostname && test_rc 0 && test_out web
'
test_expect_success '...whose host keys came from its console, into its own file' '
	test_grep "^qemu-init-web ssh-ed25519 " "$T/vms/web/web-known_hosts"
'
test_expect_success "...and nothing went to the admin's known_hosts" '
	test ! -e "$HOME/.ssh"
'
test_expect_success 'info shows where it answers ssh' '
	run inns qemu-init info web && test_rc 0 && test_out_has "127.0.0.1:$port (FWD1)"
'

# The host's loopback: a listener there, unreachable from the guest by
# any address passt could map to it; the guest's own sshd, reachable the
# same way (so the probe itself works).
ip netns exec "$NETNS" socat "TCP-LISTEN:$HOSTLO,bind=127.0.0.1,reuseaddr,fork" \
    SYSTEM:'echo HOST-LOOPBACK' &
bg_started $!
probe='gw=$(ip -4 route show default | cut -d" " -f3)
for a in 127.0.0.1:22 10.0.2.2:'$HOSTLO' $gw:'$HOSTLO' 198.18.1.2:'$HOSTLO' 198.18.1.1:'$HOSTLO'; do
	timeout 20 bash -c "exec 3<>/dev/tcp/${a%:*}/${a#*:}" 2>/dev/null &&
	    echo "REACHED $a"
done; echo PROBED'
test_expect_success "the guest reaches its own sshd (the probe works), nothing on the host's loopback, while the forward works" <<'T'
	wait_until 60 inns sh -c "ss -Hltn 'sport = :$HOSTLO' | grep -q ." &&
	run inns qemu-init ssh web -- "$probe" &&
	test_rc 0 &&
	test_out "REACHED 127.0.0.1:22
PROBED"
T

# --- a copy beside it, on the bridge -------------------------------------------
test_expect_success '--from refuses a VM that runs, and makes nothing' '
	run qemu-init create web2 --from web --dir "$T/vms/web2" &&
	test_rc 1 && test_err_has "--from web: it runs" &&
	nothing_of web2
'
passt_pid=$(state_of web PASST1)
test_expect_success 'the first stops, and its passt is gone with it' '
	run_guest web inns qemu-init stop -t 3600 web &&
	test_rc 0 && test_out "web: stopped" &&
	wait_until 60 gone "$passt_pid"
'
test_expect_success '--from copies the stopped VM onto the bridge' '
	run inns qemu-init create web2 --from web --dir "$T/vms/web2" --net bridge \
	    --ip 198.18.0.10/24 &&
	test_rc 0 && test_out_has "web2: created"
'
mac_of() { inns qemu-init show "$1" | grep -o 'mac=[0-9A-F:]*'; }
test_expect_success '...with a MAC of its own' '
	test -n "$(mac_of web2)" && test "$(mac_of web2)" != "$(mac_of web)"
'
test_expect_success 'the first runs again, up again (READY at every boot)' '
	run_guest web inns qemu-init start -w 3600 web &&
	test_rc 0 && test_out_has "web: up"
'
test_expect_success '...and the copy beside it' '
	run_guest web2 inns qemu-init start -w 3600 web2 &&
	test_rc 0 && test_out_has "web2: up"
'
test_expect_success 'qemu-init ssh reaches the copy through the bridge, its name its own (a new instance for cloud-init)' '
	run inns qemu-init ssh web2 -- cat /etc/hostname && test_rc 0 && test_out web2
'
test_expect_success '...while the first still answers as itself' '
	run inns qemu-init ssh web -- cat /etc/hostname && test_rc 0 && test_out web
'
test_expect_success 'remove refuses a VM that runs' '
	run inns qemu-init remove web2 &&
	test_rc 1 && test_err "qemu-init: '"'"'web2'"'"' is running: stop it first (qemu-init stop web2)"
'
test_expect_success 'both stop' '
	run_guest web2 inns qemu-init stop -t 3600 web web2 &&
	test_rc 0 && test_out_has "web: stopped" && test_out_has "web2: stopped"
'
test_expect_success 'the base image was never written' '
	test "$(sha256sum < "$CLOUD/disk.qcow2")" = "$base_sum"
'
test_expect_success 'remove --purge leaves nothing of it' '
	run qemu-init remove --purge web2 &&
	test_rc 0 && test_out_has "web2: removed, and its files" &&
	nothing_of web2
'
test_expect_success "...and the first VM's files are all there" '
	test -f "$T/vms/web/web-disk.qcow2" && test -f "$T/vms/web/web-qemu.cfg"
'

# --- two creates at once both land ----------------------------------------
test_expect_success 'two creates at once both succeed' <<'T'
	qemu-init create a1 --image "$CLOUD/disk.qcow2" --dir "$T/vms/a1" \
	    --ssh-key "$T/keys/id.pub" --net user > "$T/a1.out" 2>&1 &
	p1=$!
	qemu-init create a2 --image "$CLOUD/disk.qcow2" --dir "$T/vms/a2" \
	    --ssh-key "$T/keys/id.pub" --net user > "$T/a2.out" 2>&1 &
	p2=$!
	wait $p1; r1=$?
	wait $p2; r2=$?
	cat "$T/a1.out" "$T/a2.out"
	test $r1 -eq 0 && test $r2 -eq 0
T
test_expect_success '...both in the registry' '
	test "$(reg | grep -c "^a[12] ")" -eq 2
'
test_expect_success '...with a forward port each' '
	test "$(sed -n "s/^FWD1=//p" "$T"/vms/a[12]/*-qemu.cfg | sort -u | wc -l)" -eq 2
'
test_expect_success 'remove without --purge unregisters, and keeps its files' '
	run qemu-init remove a1 &&
	test_rc 0 && test_out_has "a1: removed" &&
	test -f "$T/vms/a1/a1-qemu.cfg" && ! reg | grep -q "^a1 "
'

test_done
