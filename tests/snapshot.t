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
. "$TOP/tests/distro.sh"
test_require PYTHON3
monitor_conf

# snap's files, and what the guest wrote in them.
D=$T/vms/snap
K=$T/vms/kinds

# mark N WORD: the guest writes WORD into /root/mark and at the start of
# its second disk, syncs, and says so (token W<N>-WORD).
mark() {
	deb_run snap "echo $2 > /root/mark; printf '%-8s' $2 | dd of=/dev/vdb conv=notrunc status=none; sync; echo W$1-\$(cat /root/mark)" "W$1-$2"
}
# seen N WORD: the guest reads both back as WORD (token R<N>-WORD-WORD).
seen() {
	deb_run snap "echo R$1-\$(cat /root/mark)-\$(head -c 8 /dev/vdb | tr -d ' ')" "R$1-$2-$2"
}
# snapshots_in IMAGE [N]: how many snapshots the image holds (QEMU's
# count); with N, that it holds N.
snapshots_in() {
	local n
	n=$(qemu-img info -U --output=json "$1" |
	    sed -n 's/.*"vm-state-size".*/x/p' | wc -l)
	[ $# -eq 1 ] && { echo "$n"; return 0; }
	[ "$n" -eq "$2" ] && return 0
	echo "$1 holds $n snapshots, wanted $2"
	return 1
}
# stop_snap: snap is stopped, its guest powered off, as long as it
# makes progress.
stop_snap() {
	run_guest snap qemu-init stop -t 3600 snap &&
	    test_rc 0 && test_out "snap: stopped"
}

test_expect_success 'setup: the Debian guest with two qcow2 disks, and a VM of two small ones' <<'T'
	deb_vm snap "DISKFORMAT=qcow2
DSK2=data.qcow2
AGENT=no" "$DEB_SLOW" &&
	qemu-img create -q -f qcow2 "$D/data.qcow2" 64M &&
	mkdir -p "$K" &&
	qemu-img create -q -f qcow2 "$K/a.qcow2" 16M &&
	qemu-img create -q -f raw "$K/b.raw" 16M &&
	printf '%s\n' "KERNEL=$DEB/vmlinuz" "DSK1=a.qcow2" "DSK2=b.raw" \
	    "DISKFORMAT1=qcow2" "DISKFORMAT2=raw" "KVM=no" "VNC=no" \
	    > "$K/kinds-qemu.cfg" &&
	echo "kinds $K/kinds-qemu.cfg" >> "$QEMU_INIT_CONFDIR/qemu-init.reg"
T

# --- refused before anything runs: one kind only --------------------------
test_expect_success 'a name of digits only is refused (QEMU takes it for an id)' '
	run qemu-init snapshot snap 1234 && test_rc 1 && test_err_has "not digits only"
'
test_expect_success '...and one that is not a plain word' '
	run qemu-init snapshot snap ../x && test_rc 1 && test_err_has "letters, digits"
'
test_expect_success 'a raw disk: refused, with the reason' '
	run qemu-init snapshot kinds one && test_rc 1 &&
	test_err_has "DSK2 $K/b.raw: it is not qcow2"
'
test_expect_success '...and no snapshot was taken of the other disk' '
	snapshots_in "$K/a.qcow2" 0
'
test_expect_success 'a disk without DISKFORMAT, stopped: refused (no format from its bytes)' '
	sed -i "s/^DISKFORMAT2=raw\$//" "$K/kinds-qemu.cfg" &&
	run qemu-init snapshot kinds one && test_rc 1 &&
	test_err_has "it has no DISKFORMAT"
'
test_expect_success 'a snapshot on one disk but not the other: refused, not mixed' <<'T'
	qemu-img create -q -f qcow2 "$K/b.qcow2" 16M &&
	qemu-img snapshot -c handmade "$K/b.qcow2" &&
	sed -i 's/^DSK2=.*/DSK2=b.qcow2/; s/^DISKFORMAT1=qcow2/DISKFORMAT=qcow2/' \
	    "$K/kinds-qemu.cfg" &&
	run qemu-init snapshot kinds one && test_rc 1 &&
	test_err_has "snapshot 'handmade' is not on DSK1 $K/a.qcow2"
T
test_expect_success '...snapshots shows it, on 1 of 2 disks' '
	run qemu-init snapshots kinds && test_rc 0 && test_out_has "1 of 2"
'
test_expect_success '...and forget does not touch it either' '
	run qemu-init forget kinds handmade && test_rc 1 &&
	test_err_has "not taken of the whole VM" &&
	snapshots_in "$K/b.qcow2" 1
'
test_expect_success 'an external overlay over an image with snapshots of its own: refused' <<'T'
	qemu-img snapshot -d handmade "$K/b.qcow2" &&
	qemu-img snapshot -c internal "$K/a.qcow2" &&
	mv "$K/a.qcow2" "$K/base.qcow2" &&
	qemu-img create -q -f qcow2 -F qcow2 -b base.qcow2 "$K/a.qcow2" &&
	run qemu-init snapshot kinds one && test_rc 1 &&
	test_err_has "its backing file has snapshots of its own"
T
test_expect_success 'two qcow2 disks of one kind: the stopped VM'"'"'s snapshot is taken, on both' <<'T'
	rm "$K/a.qcow2" &&
	qemu-img snapshot -d internal "$K/base.qcow2" &&
	mv "$K/base.qcow2" "$K/a.qcow2" &&
	run qemu-init snapshot kinds one && test_rc 0 &&
	test_out "kinds: snapshot 'one' taken (disks only: it is stopped)" &&
	snapshots_in "$K/a.qcow2" 1 && snapshots_in "$K/b.qcow2" 1
T
test_expect_success 'a dirty bitmap of another tool'"'"'s: revert refused (QEMU would refuse it)' <<'T'
	qemu-img bitmap --add "$K/b.qcow2" backup-tool &&
	run qemu-init revert kinds one && test_rc 1 &&
	test_err_has "has dirty bitmap 'backup-tool', not qemu-init's"
T
test_expect_success 'forget deletes it from both disks' <<'T'
	qemu-img bitmap --remove "$K/b.qcow2" backup-tool &&
	run qemu-init forget kinds one && test_rc 0 &&
	test_out "kinds: snapshot 'one' forgotten" &&
	snapshots_in "$K/a.qcow2" 0 && snapshots_in "$K/b.qcow2" 0
T

# --- a running VM -----------------------------------------------------------
test_expect_success 'start the Debian guest with two qcow2 disks' '
	run qemu-init start snap && test_rc 0 && test_out_has "snap: started"
' || test_bail "the Debian guest did not start"
test_expect_success '...root logs in on its console' 'deb_login snap' ||
    test_bail "no login on the Debian guest's console"
test_expect_success 'the guest writes "first" to a file and to its second disk' 'mark 1 first'
test_expect_success 'snapshot of the running VM: every disk and its memory' <<'T'
	run qemu-init snapshot snap one && test_rc 0 &&
	test_out_has "snap: snapshot 'one' taken, with its memory ("
T
test_expect_success 'snapshots lists it, with its memory, on all disks' <<'T'
	run qemu-init snapshots snap && test_rc 0 &&
	printf '%s\n' "$out" | grep "^one .* all$"
T
test_expect_success '...and as JSON' <<'T'
	run qemu-init snapshots -o json snap && test_rc 0 &&
	printf '%s\n' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
s = d["snapshots"][0]
assert d["vm"] == "snap" and d["running"] is True
assert s["name"] == "one" and s["whole"] and s["memory"] > 0
'
T
test_expect_success 'a second snapshot of the same name is refused' <<'T'
	run qemu-init snapshot snap one && test_rc 1 &&
	test_err_has "'snap' has a snapshot 'one' already"
T
test_expect_success 'the guest changes both to "second"' 'mark 2 second'
# Another qemu-init holds the VM (its lock): the revert waits, then says so.
test_expect_success 'a revert while another qemu-init holds the VM: refused' <<'T'
	exec 9>>"$QEMU_INIT_RUNDIR/snap@lock" &&
	flock 9 &&
	run qemu-init revert snap one
	exec 9>&-
	test_rc 1 && test_err_has "another qemu-init is acting on 'snap'"
T
test_expect_success '...and nothing went back behind its back' 'seen 1 second'
test_expect_success 'revert of the running VM: it runs on' <<'T'
	run qemu-init revert snap one && test_rc 0 &&
	test_out "snap: back at snapshot 'one', running" &&
	run qemu-init status snap && test_rc 0 && test_out_has "snap: running"
T
test_expect_success '...from the snapshot: file and second disk say "first" again' 'seen 2 first'
test_expect_success '...and it goes on working there' 'mark 3 third'
test_expect_success 'forget deletes the snapshot: snapshots lists none, neither disk holds it' <<'T'
	run qemu-init forget snap one && test_rc 0 &&
	test_out "snap: snapshot 'one' forgotten" &&
	run qemu-init snapshots -o json snap && test_rc 0 &&
	test_has "$out" '"snapshots": []' &&
	snapshots_in "$D/disk.qcow2" 0 && snapshots_in "$D/data.qcow2" 0
T
test_expect_success '...and a revert to it is refused' <<'T'
	run qemu-init revert snap one && test_rc 1 &&
	test_err_has "'snap' has no snapshot 'one'"
T

# --- a stopped VM -----------------------------------------------------------
test_expect_success 'another snapshot of the running VM' <<'T'
	run qemu-init snapshot snap running-one && test_rc 0 &&
	test_out_has "taken, with its memory"
T
test_expect_success 'stop it' stop_snap
test_expect_success 'snapshot of the stopped VM: its disks' <<'T'
	run qemu-init snapshot snap off && test_rc 0 &&
	test_out "snap: snapshot 'off' taken (disks only: it is stopped)"
T
test_expect_success 'info counts the snapshots' '
	run qemu-init info snap && test_rc 0 && test_out_has "snapshots:     2"
'
test_expect_success 'start it again, root logs in' <<'T'
	run qemu-init start snap && test_rc 0 && test_out_has "snap: started" &&
	deb_login snap
T
test_expect_success '...it has what it had at "off"' 'seen 3 third'
test_expect_success 'the guest changes both to "fourth"' 'mark 4 fourth'
test_expect_success 'a snapshot without memory: no revert of the running VM' <<'T'
	run qemu-init revert snap off && test_rc 1 &&
	test_err_has "was taken while 'snap' was stopped"
T
test_expect_success 'stop it' stop_snap
test_expect_success 'revert of the stopped VM: its disks' <<'T'
	run qemu-init revert snap off && test_rc 0 &&
	test_out "snap: disks back at snapshot 'off'"
T
test_expect_success '...which boot with what they had at "off"' <<'T'
	run qemu-init start snap && test_rc 0 &&
	deb_login snap && seen 4 third
T
test_expect_success 'stop it' stop_snap
test_expect_success 'a snapshot with memory, reverted while stopped: its disks, and said so' <<'T'
	run qemu-init revert snap running-one && test_rc 0 &&
	test_out "snap: disks back at snapshot 'running-one'" &&
	test_err_has "only its disks are set back"
T
test_expect_success 'forget of the stopped VM, both: none is left' <<'T'
	run qemu-init forget snap off && test_rc 0 &&
	test_out "snap: snapshot 'off' forgotten" &&
	run qemu-init forget snap running-one && test_rc 0 &&
	test_out "snap: snapshot 'running-one' forgotten" &&
	snapshots_in "$D/disk.qcow2" 0 && snapshots_in "$D/data.qcow2" 0
T
test_expect_success 'no QEMU is left' 'test -z "$(our_qemus)"'
test_done
