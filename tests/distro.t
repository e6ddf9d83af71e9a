#!/bin/bash
# distro.t - a real distribution: the Debian 12 guest of
# tests/guest/debian.sh (systemd, ext4 on a qcow2 disk) on virtio disks,
# once with BIOS and once with UEFI: the login prompt in the console log,
# a login through qemu-init console in a real terminal, systemd's own
# verdict on the boot, a clean stop through the power button (logind)
# and a file system that fsck finds clean.  Then a throwaway run
# (SNAPSHOT=yes) that leaves the image byte for byte as it was, and the
# guest agent: start -w returns when it answers, and a guest that
# ignores the power button is still shut down cleanly through it.  The
# config keys of disks, firmware and agent are checked without a boot.
. "$(dirname "$0")/lib.sh"
need_guest
DEB=$TOP/build/guest-debian
if [ ! -r "$DEB/disk.qcow2" ] || [ ! -r "$DEB/vmlinuz" ]; then
	echo "Bail out! Debian test guest missing: run make guest-debian"
	exit 1
fi
monitor_conf 32600 20
TMUX_SOCK=qinit-distro-$$

# deb_vm NAME [EXTRA-CONFIG-LINES [KERNEL-ARGS]]: a VM of the Debian
# guest on a disk of its own (a qcow2 overlay on the built image).
deb_vm() {
	local name=$1 dir="$T/vms/$1"

	mkdir -p "$dir"
	qemu-img create -q -f qcow2 -F qcow2 -b "$DEB/disk.qcow2" \
	    "$dir/disk.qcow2" || return 1
	{
		"$TOP/tests/guest/debian-cfg.sh" "$DEB" "Debian 12 test guest" \
		    "${3:-}"
		printf '%s\n' "STOPDELAY=150" "${2:-}"
	} > "$dir/$name-qemu.cfg"
	echo "$name $dir/$name-qemu.cfg" >> "$QEMU_INIT_CONFDIR/qemu-init.reg"
}

pane() { tmux -L "$TMUX_SOCK" capture-pane -p -S -60; }
# wait_pane TEXT [SECONDS]: the attached console shows TEXT.
wait_pane() {
	local i=0
	while [ $i -lt $((${2:-60} * 10)) ]; do
		pane | grep -q -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	diag "the console has no '$1':" "$(pane | tail -15)"
	return 1
}
keys() { tmux -L "$TMUX_SOCK" send-keys "$@"; }

# login_and_ask NAME: logs in as root through qemu-init console in a
# tmux pane and asks systemd how the boot went (TEST ONLY password).
login_and_ask() {
	tmux -L "$TMUX_SOCK" new-session -d -x 160 -y 40 \
	    "qemu-init console $1; sleep 600" || return 1
	wait_pane "attached to the console of '$1'" 10 || return 1
	keys Enter
	wait_pane "login: *$" 30 || return 1
	keys root Enter
	wait_pane "Password:" 30 || return 1
	keys qinit Enter
	wait_pane "root@qinit-debian" 60 || return 1
	keys "systemctl is-system-running --wait; systemctl --failed --no-legend --plain | sed 's/^/FAILED: /'; echo DONE-\$((6*7))" Enter
	wait_pane "^DONE-42" 240
}

# system_state: what systemctl is-system-running said in the pane.
system_state() {
	pane | grep -E -x "running|degraded|starting|maintenance|stopping"
}

leave_console() {
	keys C-]
	sleep 0.5
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	return 0
}

# clean_fs NAME: e2fsck -fn finds the VM's file system clean (the qcow2
# overlay and the image under it, converted to a raw file first).
clean_fs() {
	local dir="$T/vms/$1"

	qemu-img convert -O raw "$dir/disk.qcow2" "$dir/disk.raw" || return 1
	if ! e2fsck -fn "$dir/disk.raw" > "$dir/fsck.out" 2>&1; then
		diag "$(cat "$dir/fsck.out")"
		rm -f "$dir/disk.raw"
		return 1
	fi
	rm -f "$dir/disk.raw"
}

# shut_down_cleanly NAME: the console log shows systemd's own power-off.
shut_down_cleanly() {
	local log="$QEMU_INIT_RUNDIR/$1@console.log"

	grep -q "poweroff.target" "$log" &&
	    grep -q "All filesystems unmounted" "$log" &&
	    grep -q "reboot: Power down" "$log" || {
		diag "no clean systemd power-off in $log:" "$(tail -8 "$log")"
		return 1
	}
}

# left_of NAME: the files of a VM's run in RUNDIR, but for its console
# logs and lock files, which stay by design.
left_of() {
	ls "$QEMU_INIT_RUNDIR" | grep "^$1@" |
	    grep -v -e "@console.log" -e "@lock$" -e "@console.lock$"
}

# boot_login_stop NAME WHAT: one whole life of a Debian VM.
boot_login_stop() {
	local name=$1 what=$2 state

	run qemu-init start "$name"
	expect_out "start the Debian guest ($what)" 0 "$name: started"
	check "...the login prompt shows up in its console log" \
	    wait_for_log "$name" "login: " 300
	check "...root logs in through qemu-init console in a terminal" \
	    login_and_ask "$name"
	state=$(system_state)
	check "...and systemd says the system is running" \
	    test "$state" = running || diag "$(pane | grep -E 'FAILED|running|degraded')"
	leave_console
	run qemu-init stop "$name"
	expect_out "qemu-init stop powers it off through logind ($what)" 0 \
	    "$name: stopped"
	check "...the console log shows systemd's clean shutdown" \
	    shut_down_cleanly "$name"
	check "...nothing of its run is left in RUNDIR (state, pid, sockets)" \
	    test -z "$(left_of "$name")" || diag "left: $(left_of "$name")"
	check "...and fsck finds its file system clean" clean_fs "$name"
}

# --- the keys, without a boot -------------------------------------------
deb_vm bios
deb_vm uefi "FIRMWARE=uefi"
deb_vm agent "AGENT=yes
SNAPSHOT=yes" "qinit.powerkey=ignore"

run qemu-init check bios uefi agent
expect_out "the Debian VMs pass check" 0 "3 VMs checked: no problems"
run qemu-init show bios
expect_out "DISKIF=virtio makes the disk a virtio-blk-pci device" 0 \
    "virtio-blk-pci,drive=disk0"
check "...on a drive of no interface, kept from snapshots" \
    contains "$out" "if=none,id=disk0,snapshot=off"
check "...the image handed over, its format QEMU's to probe (no DISKFORMAT)" \
    contains "$out" "fd=<$T/vms/bios/disk.qcow2>,set=" &&
    contains "$out" $'-drive\nfile=/dev/fdset/'
check "...its backing file, as its header names it, by absolute name" \
    contains "$out" "backing.file.filename=$DEB/disk.qcow2"
run qemu-init show uefi
expect_out "FIRMWARE=uefi: OVMF's code as read-only pflash" 0 \
    "if=pflash,unit=0,format=raw,readonly=on,file=/dev/fdset/"
check "...handed over" contains "$out" "fd=</usr/share/OVMF/"
check "...the VM's own variable store as the second" \
    contains "$out" "if=pflash,unit=1,format=raw,file=/dev/fdset/" &&
    contains "$out" "fd=<$T/vms/uefi/uefi-qemu.vars>,set="
check "...on the machine UEFI needs" contains "$out" "q35"
check "...and show made no variable store" \
    test ! -e "$T/vms/uefi/uefi-qemu.vars"
# The template of that firmware, as its descriptor names it.
code=$(printf '%s\n' "$out" | sed -n 's/^fd=<\(\/usr\/share\/[^>]*\)>,set=.*/\1/p' | head -1)
template=$(grep -l -F "\"$code\"" /usr/share/qemu/firmware/*.json |
    head -1 | xargs sed -n '/nvram-template/,/filename/s/.*"filename": *"\(.*\)".*/\1/p')
check "...whose descriptor names a variable-store template" \
    test -r "$template"
run qemu-init show agent
expect_out "SNAPSHOT=yes: -snapshot" 0 "-snapshot"
check "...and no snapshot=off on the disk" \
    eval '! contains "$out" "snapshot=off"'
check "AGENT=yes: the agent's port on a virtio-serial bus" \
    contains "$out" "virtserialport,bus=agent0.0,chardev=agent,name=org.qemu.guest_agent.0"

# bad_vm LINES: a config beside the bios VM's disk, checked by path.
bad_vm() {
	printf '%s\n' "KERNEL=$DEB/vmlinuz" "DSK1=$T/vms/bios/disk.qcow2" \
	    "KVM=no" "VNC=no" "$@" > "$T/vms/bad-qemu.cfg"
	run qemu-init check "$T/vms/bad-qemu.cfg"
}
bad_vm "DISKIF=sata"
expect "check: a DISKIF that is no interface, with its line" 1 \
    "bad-qemu.cfg:5: DISKIF 'sata' is not ide, virtio, scsi or nvme"
bad_vm 'APPEND="console=ttyS0 root=/dev/vda"'
expect "check: root=/dev/vda on an IDE disk is a warning" 1 \
    "bad-qemu.cfg:5: APPEND has root=/dev/vda, but no DSKx is on virtio"
bad_vm "DISKIF=virtio" 'CUSTOM1="-snapshot"'
expect "check: -snapshot in CUSTOMx says to use SNAPSHOT" 1 \
    "bad-qemu.cfg:6: CUSTOM1: -snapshot does not make the DSKx disks throwaway (each has snapshot=off): use SNAPSHOT=yes"
bad_vm "CPU=host"
expect "check: CPU=host without KVM" 1 \
    "bad-qemu.cfg:5: CPU=host needs KVM, but KVM=no"
bad_vm "CDR1=$DEB/vmlinuz" "CDR2=$DEB/vmlinuz" "CDR3=$DEB/vmlinuz" \
    "CDR4=$DEB/vmlinuz"
expect "check: a disk and four CD-ROMs do not fit IDE" 1 \
    "4 CD-ROMs on IDE, but machine 'pc' has 4 places there"

# --- BIOS ------------------------------------------------------------------
boot_login_stop bios BIOS

# --- UEFI ------------------------------------------------------------------
vars=$T/vms/uefi/uefi-qemu.vars
boot_login_stop uefi UEFI
check "the UEFI VM's variable store was made beside its config, 0600" \
    test "$(stat -c %a "$vars" 2>/dev/null)" = 600
check "...and the firmware wrote into it (it is the VM's own, not the template)" \
    eval '! cmp -s "$vars" "$template"'
inode=$(stat -c %i "$vars")
sum=$(sha256sum < "$vars")
run qemu-init start -w 400 uefi
expect_out "start -w without an agent returns when READY (login:) is in the console log" 0 \
    "uefi: up"
check "...and it is there by then" grep -q "login: " \
    "$QEMU_INIT_RUNDIR/uefi@console.log"
check "...the second start kept the variable store (same file)" \
    test "$(stat -c %i "$vars")" = "$inode"
run qemu-init stop uefi
expect_out "...which stops cleanly again" 0 "uefi: stopped"
check "...and what the firmware stored the first time is still there" \
    eval '! cmp -s "$vars" "$template"'
diag "variable store changed by the second boot: $(
    [ "$(sha256sum < "$vars")" = "$sum" ] && echo no || echo yes)"

# --- a throwaway run, and the guest agent --------------------------------
before=$(sha256sum < "$T/vms/agent/disk.qcow2")
t0=$(date +%s)
run qemu-init start -w 400 agent
expect_out "start -w returns when the guest agent answers" 0 "agent: up"
check "...and by then the guest is up" \
    wait_for_log agent "Started.*qemu-guest-agent" 5
run qemu-init stop -t 150 agent
expect_out "a guest that ignores the power button is stopped through its agent" 0 \
    "agent: stopped (by its guest agent)"
check "...cleanly: systemd's own shutdown" shut_down_cleanly agent
check "SNAPSHOT=yes left the image byte for byte as it was" \
    test "$(sha256sum < "$T/vms/agent/disk.qcow2")" = "$before"
diag "agent run: $(($(date +%s) - t0)) s from start to stopped"

# --- a guest that powers itself off --------------------------------------
guest_vm tiny obey
run qemu-init start tiny
expect_out "start the busybox guest" 0 "tiny: started"
check "...it gets ready" wait_ready tiny
pid=$(state_pid tiny)
printf 'poweroff -f\n' > "$T/typed"
run qemu-init console tiny < "$T/typed"
i=0
while ! gone "$pid" && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
check "a guest that powers itself off ends its QEMU" gone "$pid"
run qemu-init status tiny
expect_out "status then says stopped" 3 "tiny: stopped"
check "...and has removed what the run left (state, pid file, sockets)" \
    test -z "$(left_of tiny)" || diag "left: $(left_of tiny)"

check "no QEMU is left" test -z "$(our_qemus)"
done_testing
