#!/bin/bash
# distro.t - a real distribution: the Debian 12 guest of
# tests/guest/debian.sh (systemd, ext4 on a qcow2 disk) on a virtio disk
# with BIOS: the login prompt in the console log, a login through
# qemu-init console in a real terminal, systemd's own verdict on the
# boot, a clean stop through the power button (logind) and a file system
# that fsck finds clean.  The config keys of disks, firmware and agent
# are checked without a boot.  (UEFI: distro-uefi.t; the guest agent and
# a throwaway run: distro-agent.t.)
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/distro.sh"
monitor_conf

# --- the keys, without a boot -------------------------------------------
test_expect_success 'setup: three Debian VMs, BIOS, UEFI, and with an agent on a throwaway disk' <<'T'
	deb_vm bios &&
	deb_vm uefi "FIRMWARE=uefi" &&
	deb_vm agent "AGENT=yes
SNAPSHOT=yes" "qinit.powerkey=ignore"
T

test_expect_success 'the Debian VMs pass check' '
	run qemu-init check bios uefi agent &&
	test_rc 0 && test_out "3 VMs checked: no problems"
'
test_expect_success 'DISKIF=virtio makes the disk a virtio-blk-pci device' '
	run qemu-init show bios && test_rc 0 &&
	test_out_has "virtio-blk-pci,drive=disk0"
'
test_expect_success '...on a drive of no interface, kept from snapshots' '
	test_out_has "if=none,id=disk0,snapshot=off"
'
test_expect_success '...the image handed over, its format QEMU'"'"'s to probe (no DISKFORMAT)' <<'T'
	test_out_has "fd=<$T/vms/bios/disk.qcow2>,set=" &&
	test_out_has $'-drive\nfile=/dev/fdset/'
T
test_expect_success '...its backing file, as its header names it, by absolute name' '
	test_out_has "backing.file.filename=$DEB/disk.qcow2"
'
test_expect_success "FIRMWARE=uefi: OVMF's code as read-only pflash, handed over" '
	run qemu-init show uefi && test_rc 0 &&
	test_out_has "if=pflash,unit=0,format=raw,readonly=on,file=/dev/fdset/" &&
	test_out_has "fd=</usr/share/OVMF/"
'
test_expect_success "...the VM's own variable store as the second" '
	test_out_has "if=pflash,unit=1,format=raw,file=/dev/fdset/" &&
	test_out_has "fd=<$T/vms/uefi/uefi-qemu.vars>,set="
'
test_expect_success '...on the machine UEFI needs, and show made no variable store' '
	test_out_has q35 && test ! -e "$T/vms/uefi/uefi-qemu.vars"
'
test_expect_success 'SNAPSHOT=yes: -snapshot, and no snapshot=off on the disk' '
	run qemu-init show agent && test_rc 0 &&
	test_out_has -snapshot && test_lacks "$out" "snapshot=off"
'
test_expect_success "AGENT=yes: the agent's port on a virtio-serial bus" '
	test_out_has "virtserialport,bus=agent0.0,chardev=agent,name=org.qemu.guest_agent.0"
'

# bad_vm LINES: a config beside the bios VM's disk, checked by path.
bad_vm() {
	printf '%s\n' "KERNEL=$DEB/vmlinuz" "DSK1=$T/vms/bios/disk.qcow2" \
	    "KVM=no" "VNC=no" "$@" > "$T/vms/bad-qemu.cfg"
	run qemu-init check "$T/vms/bad-qemu.cfg"
}
test_expect_success 'check: a DISKIF that is no interface, with its line' <<'T'
	bad_vm "DISKIF=sata" &&
	test_rc 1 && test_err_has "bad-qemu.cfg:5: DISKIF 'sata' is not ide, virtio, scsi or nvme"
T
test_expect_success 'check: root=/dev/vda on an IDE disk is a warning' <<'T'
	bad_vm 'APPEND="console=ttyS0 root=/dev/vda"' &&
	test_rc 1 &&
	test_err_has "bad-qemu.cfg:5: APPEND has root=/dev/vda, but no DSKx is on virtio"
T
test_expect_success 'check: -snapshot in CUSTOMx says to use SNAPSHOT' <<'T'
	bad_vm "DISKIF=virtio" 'CUSTOM1="-snapshot"' &&
	test_rc 1 &&
	test_err_has "bad-qemu.cfg:6: CUSTOM1: -snapshot does not make the DSKx disks throwaway (each has snapshot=off): use SNAPSHOT=yes"
T
test_expect_success 'check: CPU=host without KVM' <<'T'
	bad_vm "CPU=host" &&
	test_rc 1 && test_err_has "bad-qemu.cfg:5: CPU=host needs KVM, but KVM=no"
T
test_expect_success 'check: a disk and four CD-ROMs do not fit IDE' <<'T'
	bad_vm "CDR1=$DEB/vmlinuz" "CDR2=$DEB/vmlinuz" "CDR3=$DEB/vmlinuz" \
	    "CDR4=$DEB/vmlinuz" &&
	test_rc 1 &&
	test_err_has "4 CD-ROMs on IDE, but machine 'pc' has 4 places there"
T

# --- BIOS ------------------------------------------------------------------
boot_login_stop bios BIOS

test_expect_success 'no QEMU is left' 'test -z "$(our_qemus)"'
test_done
