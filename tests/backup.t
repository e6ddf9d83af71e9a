#!/bin/bash
# backup.t - backups of the Debian guest (qemu-init(8) backup, restore)
# while it writes: a loop in the guest appends numbered lines to a file,
# syncs and says so on its console.  A backup of the running VM is
# frozen through the agent, fsck finds it clean, and its file ends at a
# line the guest had synced before the backup began; an incremental one
# after more writes restores, with plain qemu-img, to the newer state;
# restore gives a VM that boots, with that file.  A progress line on a
# terminal, none in a script.  Faults: kill -9 of qemu-init mid-way,
# Ctrl-C, a target on a small tmpfs that fills up: the VM runs on,
# nothing complete-looking is left, and the next backup works (kill -9:
# incrementally, its bitmap usable).  A QEMU killed loses its bitmap:
# the next incremental backup is a full one and says so.  A stopped VM
# is backed up by qemu-img.  Folders others could write or own, another
# VM's folder, a manifest or an image header tampered with: refused.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/distro.sh"
test_require ROOT
monitor_conf
at_cleanup 'umount "$T/small"'
B=$T/backups

# synced: the last line the guest said it had synced (0: none yet).
synced() {
	local n

	n=$(grep -ao 'QI-SYNCED-[0-9]*' "$(console_log bk)" 2>/dev/null | tail -1)
	echo "${n#QI-SYNCED-}" | grep . || echo 0
}
# synced_beyond N: the guest has synced a line after line N.
synced_beyond() {
	[ "$(synced)" -gt "$1" ]
}
# writes_on: the guest's loop syncs another line after now, waited for as
# long as the guest makes progress.
writes_on() {
	guest_wait bk "another synced line" synced_beyond "$(synced)"
}
# count_in IMAGE NAME: the guest's /root/count in IMAGE (qcow2, its chain
# read by plain qemu-img) into $T/NAME.count, once fsck finds the file
# system clean.
count_in() {
	local raw=$T/$2.raw

	qemu-img convert -f qcow2 -O raw "$1" "$raw" || return 1
	if ! e2fsck -fn "$raw" > "$T/$2.fsck" 2>&1; then
		echo "fsck of $1:"
		tail -5 "$T/$2.fsck"
		rm -f "$raw"
		return 1
	fi
	debugfs -R "cat /root/count" "$raw" > "$T/$2.count" 2>/dev/null
	rm -f "$raw"
}
# last_line NAME: the number of the last line of $T/NAME.count, when
# every line before it is there, in order (else 0).
last_line() {
	awk '$0 != "line " NR { bad = 1 } END { print bad ? 0 : NR }' \
	    "$T/$1.count"
}
# complete_looking DIR SEQ: the files of backup SEQ in DIR that look
# complete (anything of it but a .partial).
complete_looking() {
	ls "$1" 2>/dev/null | grep "^$(printf %04d "$2")[-.]" | grep -v '\.partial$'
}
# started_writing DIR SEQ: backup SEQ's image is being written in DIR.
started_writing() {
	local f
	f="$1/$(printf %04d "$2")-disk1.qcow2.partial"
	[ -f "$f" ] && [ "$(stat -c %s "$f")" -gt 1048576 ]
}
# stop_vm NAME: NAME is stopped, its guest powered off, as long as it
# makes progress.
stop_vm() {
	run_guest "$1" qemu-init stop -t 3600 "$1" &&
	    test_rc 0 && test_out "$1: stopped"
}
# runs_on: bk runs on.
runs_on() {
	run qemu-init status bk && test_rc 0 && test_out_has "bk: running"
}

test_expect_success 'setup: the Debian guest with its agent, on a qcow2 disk' '
	deb_vm bk "DISKFORMAT=qcow2
AGENT=yes" "$DEB_SLOW"
'

# --- refused folders ----------------------------------------------------------
test_expect_success 'a backup folder others can write: refused' <<'T'
	mkdir -m 777 "$T/open" &&
	run qemu-init backup bk "$T/open" && test_rc 1 &&
	test_err_has "$T/open: folder writable by group or others: refused"
T
test_expect_success '...and one inside it, which is not made' <<'T'
	run qemu-init backup bk "$T/open/sub" && test_rc 1 &&
	test_err_has "$T/open" && test ! -e "$T/open/sub"
T
test_expect_success 'a backup folder of another user'"'"'s: refused' <<'T'
	mkdir "$T/nobodys" && chown nobody "$T/nobodys" && chmod 700 "$T/nobodys" &&
	run qemu-init backup bk "$T/nobodys" && test_rc 1 &&
	test_err_has "$T/nobodys: folder owned by uid 65534, not root: refused"
T

# --- a running VM that writes ----------------------------------------------------
test_expect_success 'start the Debian guest with its agent; root logs in' <<'T'
	run qemu-init start bk && test_rc 0 && test_out_has "bk: started" &&
	deb_login bk
T
test_expect_success 'the guest writes numbered lines and syncs each' <<'T'
	deb_keys bk "(n=0; while [ \$n -lt 1000000 ]; do n=\$((n+1)); echo \"line \$n\" >> /root/count; sync; echo QI-SYNCED-\$n; sleep 0.2; done) &" Enter &&
	guest_wait bk "five synced lines" synced_beyond 4
T
test_expect_success 'backup of the running VM, its file systems frozen by the agent' <<'T'
	k1=$(synced) &&
	run qemu-init backup bk "$B" && test_rc 0 &&
	test_out_has "bk: backup 1 in $B (full, " &&
	test_out_has "file systems frozen"
T
test_expect_success '...quiet in a script: no progress line' 'test_lacks "$err" " of 2.0 GiB"'
test_expect_success '...its files: one image, the config, the manifest, nothing partial' '
	test_eq "0001-disk1.qcow2 0001-qemu.cfg 0001.manifest " \
	    "$(LC_ALL=C ls "$B" | tr "\n" " ")"
'
test_expect_success '...none of them for anyone else to read' <<'T'
	test_eq "600 700 " "$(stat -c %a "$B" "$B"/* | sort -u | tr '\n' ' ')" &&
	! as_nobody cat "$B/0001.manifest" 2>/dev/null
T
test_expect_success 'the backup'"'"'s file system is clean (fsck -fn)' 'count_in "$B/0001-disk1.qcow2" b1'
test_expect_success '...its file has every line up to one the guest had synced before it' <<'T'
	m1=$(last_line b1) &&
	{ test "$m1" -ge "$k1" || { echo "last line $m1, synced before $k1"; false; }; }
T
test_expect_success 'the guest goes on writing' writes_on

test_expect_success 'an incremental backup after more writes' <<'T'
	k2=$(synced) &&
	run qemu-init backup -i bk "$B" && test_rc 0 &&
	test_out_has "bk: backup 2 in $B (incremental on backup 1, "
T
test_expect_success '...an overlay of the first backup'"'"'s image, by its name in the folder, smaller' <<'T'
	qemu-img info "$B/0002-disk1.qcow2" | grep "^backing file: 0001-disk1.qcow2 " &&
	test "$(du -k "$B/0002-disk1.qcow2" | cut -f1)" \
	    -lt "$(du -k "$B/0001-disk1.qcow2" | cut -f1)"
T
test_expect_success '...its chain, read by plain qemu-img, is clean' 'count_in "$B/0002-disk1.qcow2" b2'
test_expect_success '...and holds the newer state: up to a line synced before it' <<'T'
	m2=$(last_line b2) &&
	{ test "$m2" -ge "$k2" -a "$m2" -gt "$m1" ||
	    { echo "last line $m2, synced before $k2, first backup $m1"; false; }; }
T
test_expect_success 'info shows the last backup' '
	run qemu-init info bk && test_rc 0 &&
	test_out_has "backup 2 (incremental) in $B"
'

# --- restore: a VM of its own that boots ------------------------------------------
test_expect_success 'restore under a new name: a VM of its own, beside the backed-up one' <<'T'
	run qemu-init restore "$B" copy && test_rc 0 &&
	test_out "copy: restored from backup 2 of $B, registered" &&
	test -f "$T/vms/bk/copy-qemu.cfg" -a -f "$T/vms/bk/copy-disk1.qcow2"
T
test_expect_success '...which check passes' '
	run qemu-init check copy && test_rc 0 && test_out_has "1 VM checked: no problems"
'
test_expect_success 'the restored VM starts and boots' <<'T'
	run qemu-init start copy && test_rc 0 && test_out_has "copy: started" &&
	deb_login copy
T
test_expect_success '...and its file ends where the backup'"'"'s did' <<'T'
	deb_run copy "echo C-\$(tail -1 /root/count | tr ' ' _)" "C-line_$m2"
T
test_expect_success '...and stops' 'stop_vm copy'
test_expect_success 'restore of bk'"'"'s backup onto another VM: refused' <<'T'
	run qemu-init restore "$B" copy && test_rc 1 &&
	test_err_has "'copy' is another VM than the backup's ('bk')"
T
test_expect_success '...onto bk while it runs: refused' <<'T'
	run qemu-init restore "$B" && test_rc 1 &&
	test_err_has "'bk' is running: stop it first"
T
test_expect_success 'another VM'"'"'s backups in the folder: refused' <<'T'
	run qemu-init backup copy "$B" && test_rc 1 &&
	test_err_has "holds backups of 'bk', not of 'copy'"
T

# --- a progress line on a terminal --------------------------------------------------
test_expect_success TMUX 'on a terminal: a progress line with bytes, rate and time left' <<'T'
	term_start "qemu-init backup -l 100 bk $T/tty" 150 10 &&
	wait_pane "bk: backup .* of 2.0 GiB, .*/s, [0-9]*:[0-9][0-9] left"
T
test_expect_success TMUX '...which ends with the backup' <<'T'
	wait_pane "bk: backup 1 in $T/tty (full" &&
	term_done && test_eq 0 "$(term_rc)"
T
term_stop

# --- faults ----------------------------------------------------------------------------
test_expect_success 'kill -9 of qemu-init mid-way: its backup had begun' <<'T'
	qemu-init backup -l 5 bk "$B" >/dev/null 2>&1 &
	pid=$!
	bg_started $pid
	wait_until 600 started_writing "$B" 3 &&
	kill -KILL "$pid" && wait_until 60 gone "$pid"
T
test_expect_success '...the VM runs on, and goes on writing' 'runs_on && writes_on'
test_expect_success '...nothing of backup 3 looks complete' 'test_eq "" "$(complete_looking "$B" 3)"'
test_expect_success '...the next backup works, incremental: the bitmap is usable' <<'T'
	run qemu-init backup -i bk "$B" && test_rc 0 &&
	test_out_has "bk: backup 3 in $B (incremental on backup 2, "
T
test_expect_success '...and removed what the killed one left' '! ls "$B" | grep partial'

test_expect_success 'Ctrl-C (SIGINT) mid-way: it says it was interrupted' <<'T'
	qemu-init backup -l 5 bk "$B" >"$T/int.out" 2>"$T/int.err" &
	pid=$!
	bg_started $pid
	wait_until 600 started_writing "$B" 4 &&
	kill -INT "$pid" && wait_until 300 gone "$pid" &&
	test_grep "interrupted" "$T/int.err"
T
test_expect_success '...and leaves nothing of backup 4, not even a partial file' '
	! ls "$B" | grep "^0004"
'
test_expect_success '...the VM runs on' runs_on
test_expect_success '...the next backup works' <<'T'
	run qemu-init backup -i bk "$B" && test_rc 0 &&
	test_out_has "bk: backup 4 in $B (incremental on backup 3, "
T

test_expect_success 'setup: a small tmpfs' '
	mkdir "$T/small" && mount -t tmpfs -o size=64m,mode=0755 tmpfs "$T/small"
'
test_expect_success 'a target on a small tmpfs that fills up: the backup fails, says nothing of it is left' <<'T'
	run qemu-init backup bk "$T/small/b" && test_rc 1 &&
	test_err_has "No space left on device" &&
	test_err_has "nothing of it is left"
T
test_expect_success '...and leaves nothing' 'test_eq "" "$(ls -A "$T/small/b")"'
test_expect_success '...the VM runs on, and goes on writing' 'runs_on && writes_on'
test_expect_success '...with room, the next backup works' <<'T'
	mount -o remount,size=3g "$T/small" &&
	run qemu-init backup bk "$T/small/b" && test_rc 0 &&
	test_out_has "bk: backup 1 in $T/small/b (full"
T
umount "$T/small" 2>/dev/null

# --- a QEMU killed: its bitmaps are not stored ------------------------------------------
test_expect_success 'a VM whose QEMU was killed starts again' <<'T'
	qpid=$(state_pid bk) &&
	kill -KILL "$qpid" && wait_until 60 gone "$qpid" &&
	run_guest bk qemu-init start -w 3600 bk && test_rc 0 && test_out_has "bk: up"
T
test_expect_success '...its next incremental backup is a full one, and says why' <<'T'
	run qemu-init backup -i bk "$B" && test_rc 0 &&
	test_out_has "bk: backup 5 in $B (full, " &&
	test_err_has "a full backup instead"
T
test_expect_success '...after which they are incremental again' <<'T'
	run qemu-init backup -i bk "$B" && test_rc 0 &&
	test_out_has "(incremental on backup 5, "
T

# --- a stopped VM --------------------------------------------------------------------------
test_expect_success 'stop it' 'stop_vm bk'
test_expect_success 'an incremental backup of the stopped VM, by qemu-img: what the disk holds' <<'T'
	run qemu-init backup -i bk "$B" && test_rc 0 &&
	test_out_has "bk: backup 7 in $B (incremental on backup 6, " &&
	qemu-img compare -q "$B/0007-disk1.qcow2" "$T/vms/bk/disk.qcow2"
T
test_expect_success '...and a full one' <<'T'
	run qemu-init backup bk "$T/stopped" && test_rc 0 &&
	test_out_has "bk: backup 1 in $T/stopped (full, " &&
	qemu-img compare -q "$T/stopped/0001-disk1.qcow2" "$T/vms/bk/disk.qcow2"
T
test_expect_success 'restore onto the existing, stopped VM without -f: refused' <<'T'
	run qemu-init restore "$B" && test_rc 1 &&
	test_err_has "'bk' exists: restore -f replaces its config and disks with backup 7's"
T
test_expect_success '...with -f, an older backup of the folder, named by its manifest' <<'T'
	run qemu-init restore -f "$B/0002.manifest" && test_rc 0 &&
	test_out "bk: restored from backup 2 of $B/0002.manifest, its files replaced" &&
	qemu-img compare -q "$B/0002-disk1.qcow2" "$T/vms/bk/disk.qcow2"
T

# --- tampered with ---------------------------------------------------------------------------
test_expect_success 'a manifest naming a file outside its folder: refused' <<'T'
	cp -a "$B" "$T/evil" &&
	sed -i 's|^FILE1=.*|FILE1=../../etc/passwd|' "$T/evil/0007.manifest" &&
	run qemu-init restore "$T/evil" evil && test_rc 1 &&
	test_err_has "FILE1 '../../etc/passwd' is not 0007-disk1.qcow2"
T
test_expect_success 'an image whose header names another file: refused, no VM made' <<'T'
	rm -rf "$T/evil" && cp -a "$B" "$T/evil" &&
	qemu-img rebase -u -f qcow2 -b /etc/shadow -F raw "$T/evil/0007-disk1.qcow2" &&
	run qemu-init restore "$T/evil" evil && test_rc 1 &&
	test_err_has "0007-disk1.qcow2 is not the image qemu-init wrote" &&
	test ! -e "$T/vms/bk/evil-qemu.cfg" -a ! -e "$T/vms/bk/evil-disk1.qcow2"
T
test_expect_success 'no QEMU is left' 'test -z "$(our_qemus)"'
test_done
