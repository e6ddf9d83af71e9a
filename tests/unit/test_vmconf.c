/* test_vmconf.c - a VM's keys, defaults and checks */
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#include "vmconf.h"
#include "unit.h"

static const char *dir;

/* Loads text as dir/web-qemu.cfg; returns 0/-1, diagnostics in d. */
static int
load(const char *text, struct vm_config *vm, struct diag *d)
{
	char *path;

	dir = unit_tmpdir();
	unit_writes(dir, "disk.img", "raw bytes");
	unit_write(dir, "disk.qcow2", "QFI\xfb\0\0\0\3", 8);
	path = xstrdup(unit_writes(dir, "web-qemu.cfg", text));
	diag_init(d);
	memset(vm, 0, sizeof(*vm));
	if (vmconf_load(vm, path, "web", d) != 0) {
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

/* The first message without the temp folder in front of it. */
static const char *
first(const struct diag *d)
{
	const char *s;

	if (d->n == 0)
		return "";
	s = strstr(d->msgs[0].text, "web-qemu.cfg");
	return s != NULL ? s : d->msgs[0].text;
}

TEST(vmconf_defaults)
{
	struct vm_config vm;
	struct diag d;

	CHECK(load("", &vm, &d) == 0 && d.n == 0);
	CHECK_STR(vm.name, "web");
	CHECK_STR(vm.tgtarch, "qemu-system-x86_64");
	CHECK_STR(vm.ram, "1G");
	CHECK_STR(vm.bridge, "br0");
	CHECK(vm.kvm == KVM_AUTO && vm.vnc && vm.serial && !vm.autostart);
	CHECK(vm.stopdelay == 90 && vm.bootdelay == 0);
	CHECK(vm.smp == NULL && vm.kernel == NULL && vm.ndisks == 0);
	vmconf_free(&vm);
	diag_clear(&d);
}

TEST(vmconf_full_config)
{
	struct vm_config vm;
	struct diag d;

	CHECK(load("NAME=web\nOS=linux\nKVM=no\nRAM=512M\nSMP=2\n"
	    "DSK1=disk.img\nDSK2=disk.qcow2\nCDR1=disk.img\n"
	    "NIC1=virtio-net-pci\nNIC2=e1000\nMAC2=52:54:00:aa:bb:cc\n"
	    "VNC=no\nSERIAL=off\nSTOPDELAY=30\nAUTOSTART=yes\n"
	    "CUSTOM1=\"-device 'virtio-rng-pci,id=r'\"\nCUSTOM2=-S\n",
	    &vm, &d) == 0);
	CHECK(d.n == 0);
	CHECK(vm.kvm == KVM_NO && !vm.vnc && !vm.serial && vm.autostart);
	/* No DISKFORMAT: no format, whatever the image begins with. */
	CHECK(vm.ndisks == 2 && vm.disks[0].format == NULL &&
	    vm.disks[1].format == NULL);
	CHECK(vm.disks[0].path[0] == '/');
	CHECK(vm.nnics == 2);
	CHECK_STR(vm.nics[0].mac, "DE:AD:BE:EF:93:34");
	CHECK_STR(vm.nics[1].mac, "52:54:00:AA:BB:CC");
	CHECK(vm.ncustom == 3);
	CHECK_STR(vm.custom[1], "virtio-rng-pci,id=r");
	CHECK(vm.stopdelay == 30);
	vmconf_free(&vm);
	diag_clear(&d);
}

TEST(vmconf_value_errors_name_their_line)
{
	struct vm_config vm;
	struct diag d;

	CHECK(load("OS=x\nDSK1=missing.img\n", &vm, &d) == -1);
	CHECK(strstr(first(&d), "web-qemu.cfg:2: ") != NULL);
	CHECK(strstr(first(&d), "missing.img: No such file or directory"));
	vmconf_free(&vm);
	diag_clear(&d);
	CHECK(load("DSK1=.\n", &vm, &d) == -1);
	CHECK(strstr(first(&d), ": is a directory") != NULL);
	vmconf_free(&vm);
	diag_clear(&d);
	CHECK(load("NIC1=\"e1000,mac=00:11:22:33:44:55\"\n", &vm, &d) == -1);
	CHECK_STR(first(&d), "web-qemu.cfg:1: NIC1 'e1000,mac=00:11:22:33:"
	    "44:55' is not a QEMU device name (allowed: A-Z a-z 0-9 _ . -)");
	vmconf_free(&vm);
	diag_clear(&d);
	CHECK(load("NAME=www\n", &vm, &d) == -1);
	CHECK_STR(first(&d), "web-qemu.cfg:1: NAME 'www' differs from the "
	    "file's name 'web'");
	vmconf_free(&vm);
	diag_clear(&d);
	CHECK(load("\nSTOPDELAY=soon\n", &vm, &d) == -1);
	CHECK_STR(first(&d), "web-qemu.cfg:2: STOPDELAY 'soon' is not a "
	    "number (0 to 86400)");
	vmconf_free(&vm);
	diag_clear(&d);
	CHECK(load("RAM=lots\nKVM=maybe\nVNC=perhaps\n", &vm, &d) == -1);
	CHECK(d.errors == 3);
	vmconf_free(&vm);
	diag_clear(&d);
	CHECK(load("NIC1=e1000\nMAC1=01:00:5e:00:00:01\n", &vm, &d) == -1);
	CHECK(strstr(first(&d), "multicast") != NULL);
	vmconf_free(&vm);
	diag_clear(&d);
	CHECK(load("CUSTOM1=\"-device 'x\"\n", &vm, &d) == -1);
	CHECK_STR(first(&d), "web-qemu.cfg:1: CUSTOM1: unterminated single "
	    "quote");
	vmconf_free(&vm);
	diag_clear(&d);
	CHECK(load("BRIDGE_IFNAME=br/0\n", &vm, &d) == -1);
	CHECK(strstr(first(&d), "web-qemu.cfg:1: BRIDGE_IFNAME: ") != NULL);
	vmconf_free(&vm);
	diag_clear(&d);
	CHECK(load("RUNAS=no-such-user-here\n", &vm, &d) == -1);
	vmconf_free(&vm);
	diag_clear(&d);
}

TEST(vmconf_warnings)
{
	struct vm_config vm;
	struct diag d;

	CHECK(load("DKS1=disk.img\n", &vm, &d) == 0);
	CHECK_STR(first(&d), "web-qemu.cfg:1: unknown key 'DKS1' (did you "
	    "mean 'DSK1'?)");
	vmconf_free(&vm);
	diag_clear(&d);
	CHECK(load("DSK1=disk.img\nDSK3=disk.img\n", &vm, &d) == 0);
	CHECK(vm.ndisks == 1 && d.warnings == 1);
	CHECK_STR(first(&d), "web-qemu.cfg:2: DSK3 is ignored: DSK2 is not "
	    "set");
	vmconf_free(&vm);
	diag_clear(&d);
	CHECK(load("MAC2=52:54:00:00:00:01\nFOO=1\n", &vm, &d) == 0);
	CHECK(d.warnings == 2);
	vmconf_free(&vm);
	diag_clear(&d);
	CHECK(load("DSK1=\nDSK2=0\n", &vm, &d) == 0 && vm.ndisks == 0);
	vmconf_free(&vm);
	diag_clear(&d);
}

TEST(vmconf_key_table)
{
	CHECK(vmconf_key_known("DSK1") && vmconf_key_known("CUSTOM12"));
	CHECK(vmconf_key_known("BRIDGE_IFNAME"));
	CHECK(!vmconf_key_known("DSK0") && !vmconf_key_known("DSK01"));
	CHECK(!vmconf_key_known("DSKx") && !vmconf_key_known("DSK"));
}

/* qemu-init.cfg(5): a key a later $KEY uses is the file's helper, not a typo. */
TEST(vmconf_helper_variables)
{
	struct vm_config vm;
	struct diag d;

	CHECK(load("DIR=.\nIMG=\"${DIR}/disk\"\nDSK1=$IMG.img\nDSK2=$DIR/disk"
	    ".qcow2\n", &vm, &d) == 0);
	CHECK(d.n == 0 && vm.ndisks == 2);
	vmconf_free(&vm);
	diag_clear(&d);
	/* An earlier assignment of a helper is the helper too. */
	CHECK(load("DIR=/nowhere\nDIR=.\nDSK1=$DIR/disk.img\n", &vm, &d) == 0);
	CHECK(d.n == 0);
	vmconf_free(&vm);
	diag_clear(&d);
	/* One that nothing uses is still a warning, once. */
	CHECK(load("DIR=.\nDSK1=disk.img\nIMG=x\nIMG2=$DIR\n", &vm, &d) == 0);
	CHECK(d.n == 2);
	CHECK_STR(first(&d), "web-qemu.cfg:3: unknown key 'IMG'");
	vmconf_free(&vm);
	diag_clear(&d);
}

/* Issue 14: SMP is a number from 1 to VMCONF_SMP_MAX, like any other. */
TEST(vmconf_smp_is_a_bounded_number)
{
	static const char *const bad[][2] = {
		{ "SMP=-4\n", "'-4' is too small" },
		{ "SMP=0x10\n", "'0x10' is not a number" },
		{ "SMP=99999999999999999999\n",
		    "'99999999999999999999' is too large" },
		{ "SMP=4097\n", "'4097' is too large" },
		{ "SMP=4,sockets=2\n", "'4,sockets=2' is not a number" },
	};
	struct vm_config vm;
	struct diag d;
	char want[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(load(bad[i][0], &vm, &d) == -1);
		snprintf(want, sizeof(want), "web-qemu.cfg:1: SMP %s (1 to "
		    "4096)", bad[i][1]);
		CHECK_STR(first(&d), want);
		vmconf_free(&vm);
		diag_clear(&d);
	}
	CHECK(load("SMP=08\n", &vm, &d) == 0);
	CHECK_STR(vm.smp, "8");
	vmconf_free(&vm);
	diag_clear(&d);
	CHECK(load("SMP=0\n", &vm, &d) == 0 && vm.smp == NULL);
	vmconf_free(&vm);
	diag_clear(&d);
}

TEST(vmconf_disk_keys_and_per_disk_overrides)
{
	struct vm_config vm;
	struct diag d;

	CHECK(load("DSK1=disk.qcow2\nDSK2=disk.img\nDISKIF=virtio\n"
	    "DISKCACHE=none\nDISKDISCARD=yes\nDISKIF2=ide\n"
	    "DISKCACHE2=unsafe\nDISKDISCARD2=no\n", &vm, &d) == 0 && d.n == 0);
	CHECK(vm.ndisks == 2);
	CHECK(vm.disks[0].iface == DISKIF_VIRTIO);
	CHECK_STR(vm.disks[0].cache, "none");
	CHECK(vm.disks[0].discard == 1);
	CHECK(vm.disks[1].iface == DISKIF_IDE);
	CHECK_STR(vm.disks[1].cache, "unsafe");
	CHECK(vm.disks[1].discard == 0);
	CHECK(!vm.snapshot && vm.firmware == FIRMWARE_BIOS && !vm.agent);
	CHECK_STR(vm.ready, "login:");
	CHECK(vm.uefi_vars == NULL && vmconf_machine_type(&vm) == NULL);
	vmconf_free(&vm);
	diag_clear(&d);

	CHECK(load("DSK1=disk.img\n", &vm, &d) == 0);
	CHECK(vm.disks[0].iface == DISKIF_IDE && vm.disks[0].cache == NULL &&
	    !vm.disks[0].discard);
	vmconf_free(&vm);
	diag_clear(&d);
}

TEST(vmconf_disk_keys_errors)
{
	struct vm_config vm;
	struct diag d;

	CHECK(load("DSK1=disk.img\nDISKIF=sata\n", &vm, &d) == -1);
	CHECK_STR(first(&d), "web-qemu.cfg:2: DISKIF 'sata' is not ide, "
	    "virtio, scsi or nvme");
	CHECK(d.n == 1);
	vmconf_free(&vm);
	diag_clear(&d);
	CHECK(load("DSK1=disk.img\nDISKCACHE1=fast\n", &vm, &d) == -1);
	CHECK_STR(first(&d), "web-qemu.cfg:2: DISKCACHE1 'fast' is not none, "
	    "writeback, writethrough, directsync or unsafe");
	vmconf_free(&vm);
	diag_clear(&d);
	CHECK(load("DSK1=disk.img\nDISKDISCARD=maybe\n", &vm, &d) == -1);
	CHECK_STR(first(&d), "web-qemu.cfg:2: DISKDISCARD 'maybe' is not yes "
	    "or no");
	vmconf_free(&vm);
	diag_clear(&d);
	CHECK(load("FIRMWARE=efi\n", &vm, &d) == -1);
	CHECK_STR(first(&d), "web-qemu.cfg:1: FIRMWARE 'efi' is not bios or "
	    "uefi");
	vmconf_free(&vm);
	diag_clear(&d);
	CHECK(load("SNAPSHOT=perhaps\n", &vm, &d) == -1);
	vmconf_free(&vm);
	diag_clear(&d);
	/* A per-disk key without its disk is a warning, not used. */
	CHECK(load("DSK1=disk.img\nDISKIF3=virtio\n", &vm, &d) == 0);
	CHECK_STR(first(&d), "web-qemu.cfg:2: DISKIF3 is ignored: there is "
	    "no DSK3");
	vmconf_free(&vm);
	diag_clear(&d);
}

TEST(vmconf_uefi_agent_snapshot_ready)
{
	struct vm_config vm;
	struct diag d;
	char *m;

	CHECK(load("FIRMWARE=uefi\nAGENT=yes\nSNAPSHOT=yes\n"
	    "READY='Welcome to'\n", &vm, &d) == 0 && d.n == 0);
	CHECK(vm.firmware == FIRMWARE_UEFI && vm.agent && vm.snapshot);
	CHECK(strstr(vm.uefi_vars, "/web-qemu.vars") != NULL);
	CHECK(strncmp(vm.uefi_vars, dir, strlen(dir)) == 0);
	CHECK_STR(vm.ready, "Welcome to");
	m = vmconf_machine_type(&vm);
	CHECK_STR(m, "q35");
	free(m);
	vmconf_free(&vm);
	diag_clear(&d);
	CHECK(load("FIRMWARE=uefi\nMACHINE=type=pc,accel=tcg\n", &vm,
	    &d) == 0);
	m = vmconf_machine_type(&vm);
	CHECK_STR(m, "pc");
	free(m);
	vmconf_free(&vm);
	diag_clear(&d);
}

/* ONCRASH: off by default, restart, and nothing else. */
TEST(vmconf_oncrash)
{
	struct vm_config vm;
	struct diag d;

	CHECK(load("RAM=1G\n", &vm, &d) == 0 && d.n == 0);
	CHECK(!vm.oncrash_restart);
	vmconf_free(&vm);
	diag_clear(&d);
	CHECK(load("ONCRASH=restart\n", &vm, &d) == 0 && d.n == 0);
	CHECK(vm.oncrash_restart);
	vmconf_free(&vm);
	diag_clear(&d);
	CHECK(load("ONCRASH=off\n", &vm, &d) == 0 && !vm.oncrash_restart);
	vmconf_free(&vm);
	diag_clear(&d);
	CHECK(load("ONCRASH=always\n", &vm, &d) == -1);
	CHECK(strstr(diag_first_error(&d), "'always' is not off or restart")
	    != NULL);
	vmconf_free(&vm);
	diag_clear(&d);
}
