#!/bin/bash
# snapshot.t - snapshots of the Debian guest (qemu-init(8) snapshot,
# snapshots, revert, forget): a file written in the guest and bytes on a
# second disk, a snapshot, both changed, a revert: the first content is
# back, read through the console, for a running VM (which runs on from
# the snapshot, its memory loaded) and a stopped one (its disks alone);
# forget frees it.  One kind only: a raw disk, a snapshot on one disk
# but not the other, an external overlay over an image with snapshots of
# its own, a disk without DISKFORMAT, a bitmap of another tool's are
# refused with the reason; a revert while another qemu-init holds the
# VM is refused, never done behind its back.
. "$(dirname "$0")/lib.sh"
need_guest
need_debian
monitor_conf 35400 20
TMUX_SOCK=qinit-snap-$$

# snap's files, and what the guest wrote in them.
D=$T/vms/snap
deb_vm snap "DISKFORMAT=qcow2
DSK2=data.qcow2
AGENT=no"
qemu-img create -q -f qcow2 "$D/data.qcow2" 64M

# mark N WORD: the guest writes WORD into /root/mark and at the start of
# its second disk, syncs, and says so (token W<N>-WORD).
mark() {
	deb_run snap "echo $2 > /root/mark; printf '%-8s' $2 | dd of=/dev/vdb conv=notrunc status=none; sync; echo W$1-\$(cat /root/mark)" "W$1-$2"
}
# seen N WORD: the guest reads both back as WORD (token R<N>-WORD-WORD).
seen() {
	deb_run snap "echo R$1-\$(cat /root/mark)-\$(head -c 8 /dev/vdb | tr -d ' ')" "R$1-$2-$2"
}
# snapshots_in IMAGE: how many snapshots the image holds (QEMU's count).
snapshots_in() {
	qemu-img info -U --output=json "$1" |
	    sed -n 's/.*"vm-state-size".*/x/p' | wc -l
}

# --- refused before anything runs: one kind only --------------------------
run qemu-init snapshot snap "1234"
expect "a name of digits only is refused (QEMU takes it for an id)" 1 \
    "not digits only"
run qemu-init snapshot snap "../x"
expect "...and one that is not a plain word" 1 "letters, digits"

mkdir -p "$T/vms/kinds"
qemu-img create -q -f qcow2 "$T/vms/kinds/a.qcow2" 16M
qemu-img create -q -f raw "$T/vms/kinds/b.raw" 16M
printf '%s\n' "KERNEL=$DEB/vmlinuz" "DSK1=a.qcow2" "DSK2=b.raw" \
    "DISKFORMAT1=qcow2" "DISKFORMAT2=raw" "KVM=no" "VNC=no" \
    > "$T/vms/kinds/kinds-qemu.cfg"
echo "kinds $T/vms/kinds/kinds-qemu.cfg" >> "$QEMU_INIT_CONFDIR/qemu-init.reg"
run qemu-init snapshot kinds one
expect "a raw disk: refused, with the reason" 1 \
    "DSK2 $T/vms/kinds/b.raw: it is not qcow2"
check "...and no snapshot was taken of the other disk" \
    test "$(snapshots_in "$T/vms/kinds/a.qcow2")" -eq 0
sed -i 's/^DISKFORMAT2=raw$//' "$T/vms/kinds/kinds-qemu.cfg"
run qemu-init snapshot kinds one
expect "a disk without DISKFORMAT, stopped: refused (no format from its bytes)" \
    1 "it has no DISKFORMAT"
qemu-img create -q -f qcow2 "$T/vms/kinds/b.qcow2" 16M
qemu-img snapshot -c handmade "$T/vms/kinds/b.qcow2"
sed -i 's/^DSK2=.*/DSK2=b.qcow2/; s/^DISKFORMAT1=qcow2/DISKFORMAT=qcow2/' \
    "$T/vms/kinds/kinds-qemu.cfg"
run qemu-init snapshot kinds one
expect "a snapshot on one disk but not the other: refused, not mixed" 1 \
    "snapshot 'handmade' is not on DSK1 $T/vms/kinds/a.qcow2"
run qemu-init snapshots kinds
expect_out "...snapshots shows it, on 1 of 2 disks" 0 "1 of 2"
run qemu-init forget kinds handmade
expect "...and forget does not touch it either" 1 "not taken of the whole VM"
check "...it is still there" test "$(snapshots_in "$T/vms/kinds/b.qcow2")" -eq 1
qemu-img snapshot -d handmade "$T/vms/kinds/b.qcow2"
qemu-img snapshot -c internal "$T/vms/kinds/a.qcow2"
mv "$T/vms/kinds/a.qcow2" "$T/vms/kinds/base.qcow2"
qemu-img create -q -f qcow2 -F qcow2 -b base.qcow2 "$T/vms/kinds/a.qcow2"
run qemu-init snapshot kinds one
expect "an external overlay over an image with snapshots of its own: refused" \
    1 "its backing file has snapshots of its own"
rm "$T/vms/kinds/a.qcow2"
qemu-img snapshot -d internal "$T/vms/kinds/base.qcow2"
mv "$T/vms/kinds/base.qcow2" "$T/vms/kinds/a.qcow2"
run qemu-init snapshot kinds one
expect_out "two qcow2 disks of one kind: the stopped VM's snapshot is taken" 0 \
    "kinds: snapshot 'one' taken (disks only: it is stopped)"
check "...on both disks" test "$(snapshots_in "$T/vms/kinds/a.qcow2")" -eq 1 -a \
    "$(snapshots_in "$T/vms/kinds/b.qcow2")" -eq 1
qemu-img bitmap --add "$T/vms/kinds/b.qcow2" backup-tool
run qemu-init revert kinds one
expect "a dirty bitmap of another tool's: revert refused (QEMU would refuse it)" \
    1 "has dirty bitmap 'backup-tool', not qemu-init's"
qemu-img bitmap --remove "$T/vms/kinds/b.qcow2" backup-tool
run qemu-init forget kinds one
expect_out "forget deletes it from both disks" 0 "kinds: snapshot 'one' forgotten"
check "...none is left" test "$(snapshots_in "$T/vms/kinds/a.qcow2")" -eq 0 -a \
    "$(snapshots_in "$T/vms/kinds/b.qcow2")" -eq 0

# --- a running VM -----------------------------------------------------------
run qemu-init start snap
expect_out "start the Debian guest with two qcow2 disks" 0 "snap: started"
check "...root logs in on its console" deb_login snap
check "the guest writes 'first' to a file and to its second disk" mark 1 first
run qemu-init snapshot snap one
expect_out "snapshot of the running VM: every disk and its memory" 0 \
    "snap: snapshot 'one' taken, with its memory"
run qemu-init snapshots snap
expect_out "snapshots lists it, with its memory, on all disks" 0 "one "
check "...on all disks" eval 'printf "%s\n" "$out" | grep -q "^one .* all$"'
run qemu-init snapshots -o json snap
check "...and as JSON" eval 'printf "%s\n" "$out" | python3 -c "
import json, sys
d = json.load(sys.stdin)
s = d[\"snapshots\"][0]
assert d[\"vm\"] == \"snap\" and d[\"running\"] is True
assert s[\"name\"] == \"one\" and s[\"whole\"] and s[\"memory\"] > 0
"'
run qemu-init snapshot snap one
expect "a second snapshot of the same name is refused" 1 \
    "'snap' has a snapshot 'one' already"
check "the guest changes both to 'second'" mark 2 second
# Another qemu-init holds the VM (its lock): the revert waits, then says so.
exec 9>>"$QEMU_INIT_RUNDIR/snap@lock"
flock 9
run qemu-init revert snap one
exec 9>&-
expect "a revert while another qemu-init holds the VM: refused" 1 \
    "another qemu-init is acting on 'snap'"
check "...and nothing went back behind its back" seen 1 second
run qemu-init revert snap one
expect_out "revert of the running VM" 0 "snap: back at snapshot 'one', running"
run qemu-init status snap
expect_out "...it runs on" 0 "snap: running"
check "...from the snapshot: file and second disk say 'first' again" seen 2 first
check "...and it goes on working there" mark 3 third
run qemu-init forget snap one
expect_out "forget deletes the snapshot" 0 "snap: snapshot 'one' forgotten"
run qemu-init snapshots -o json snap
check "...snapshots lists none" contains "$out" '"snapshots": []'
check "...neither disk holds it" \
    test "$(snapshots_in "$D/disk.qcow2")" -eq 0 -a \
    "$(snapshots_in "$D/data.qcow2")" -eq 0
run qemu-init revert snap one
expect "...and a revert to it is refused" 1 "'snap' has no snapshot 'one'"

# --- a stopped VM -----------------------------------------------------------
run qemu-init snapshot snap running-one
expect_out "another snapshot of the running VM" 0 "taken, with its memory"
run qemu-init stop snap
expect_out "stop it" 0 "snap: stopped"
run qemu-init snapshot snap off
expect_out "snapshot of the stopped VM: its disks" 0 \
    "snap: snapshot 'off' taken (disks only: it is stopped)"
run qemu-init info snap
expect_out "info counts the snapshots" 0 "snapshots:     2"
run qemu-init start snap
expect_out "start it again" 0 "snap: started"
check "...root logs in" deb_login snap
check "...it has what it had at 'off'" seen 3 third
check "the guest changes both to 'fourth'" mark 4 fourth
run qemu-init revert snap off
expect "a snapshot without memory: no revert of the running VM" 1 \
    "was taken while 'snap' was stopped"
run qemu-init stop snap
expect_out "stop it" 0 "snap: stopped"
run qemu-init revert snap off
expect_out "revert of the stopped VM: its disks" 0 \
    "snap: disks back at snapshot 'off'"
run qemu-init start snap
check "...which boot with what they had at 'off'" \
    eval 'deb_login snap && seen 4 third'
run qemu-init stop snap
expect_out "stop it" 0 "snap: stopped"
run qemu-init revert snap running-one
expect_out "a snapshot with memory, reverted while stopped: its disks" 0 \
    "snap: disks back at snapshot 'running-one'"
check "...said" contains "$err" "only its disks are set back"
run qemu-init forget snap off
expect_out "forget of the stopped VM" 0 "snap: snapshot 'off' forgotten"
run qemu-init forget snap running-one
expect_out "...and the other" 0 "snap: snapshot 'running-one' forgotten"
check "...none is left" test "$(snapshots_in "$D/disk.qcow2")" -eq 0
check "no QEMU is left" test -z "$(our_qemus)"
done_testing
