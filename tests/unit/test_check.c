/* test_check.c - what check verifies beyond syntax, against a fake QEMU */
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "fileread.h"
#include "monconf.h"
#include "netif.h"
#include "vmconf.h"
#include "unit.h"

/* Excerpts of what qemu-system-x86_64 7.2 prints. */
static const char machines_x86[] =
    "Supported machines are:\n"
    "microvm              microvm (i386)\n"
    "pc                   Standard PC (i440FX + PIIX, 1996) (alias of "
    "pc-i440fx-7.2)\n"
    "pc-i440fx-7.2        Standard PC (i440FX + PIIX, 1996) (default)\n"
    "q35                  Standard PC (Q35 + ICH9, 2009) (alias of "
    "pc-q35-7.2)\n"
    "pc-q35-7.2           Standard PC (Q35 + ICH9, 2009)\n"
    "isapc                ISA-only PC\n"
    "none                 empty machine\n";

static const char cpus_x86[] =
    "Available CPUs:\n"
    "x86 486                   (alias configured by machine type)\n"
    "x86 486-v1                \n"
    "x86 Skylake-Client        (alias configured by machine type)\n"
    "x86 Skylake-Client-IBRS   (alias of Skylake-Client-v2)\n"
    "x86 qemu64-v1             QEMU Virtual CPU version 2.5+\n"
    "x86 host                  processor with all supported host features \n"
    "x86 max                   Enables all features supported by the "
    "accelerator in the current host\n"
    "\n"
    "Recognized CPUID flags:\n"
    "  3dnow 3dnowext 3dnowprefetch abm ace2 ace2-en acpi adx aes amd-no-ssb\n"
    "  svm svm-lock svme-addr-chk syscall taa-no tbm tce tm tm2 topoext tsc\n";

static const char devices_x86[] =
    "Controller/Bridge/Hub devices:\n"
    "name \"pci-bridge\", bus PCI, desc \"Standard PCI Bridge\"\n"
    "name \"usb-host\", bus usb-bus\n"
    "\n"
    "Network devices:\n"
    "name \"e1000\", bus PCI, alias \"e1000-82540em\", desc \"Intel Gigabit "
    "Ethernet\"\n"
    "name \"ne2k_isa\", bus ISA\n"
    "name \"virtio-net-pci\", bus PCI, alias \"virtio-net\"\n"
    "name \"vmxnet3\", bus PCI, desc \"VMWare Paravirtualized Ethernet v3\"\n"
    "\n"
    "Storage devices:\n"
    "name \"virtio-blk-pci\", bus PCI, alias \"virtio-blk\"\n";

static int
listed(const struct strvec *sv, const char *s)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return 1;
	return 0;
}

/* The names fn reads in text; the caller sv_frees them. */
static struct strvec
names_in(void (*fn)(const char *, struct strvec *), const char *text)
{
	struct strvec sv;

	sv_init(&sv);
	fn(text, &sv);
	return sv;
}

TEST(check_reads_qemu_machine_help)
{
	struct strvec sv = names_in(qemu_help_machines, machines_x86);

	CHECK(listed(&sv, "pc") && listed(&sv, "q35"));
	CHECK(listed(&sv, "pc-q35-7.2") && listed(&sv, "none"));
	CHECK(listed(&sv, "microvm") && listed(&sv, "isapc"));
	CHECK(!listed(&sv, "Supported") && !listed(&sv, "Standard"));
	CHECK(sv.n == 7);
	sv_free(&sv);
}

TEST(check_reads_qemu_cpu_help_of_several_targets)
{
	struct strvec sv = names_in(qemu_help_cpus, cpus_x86);

	CHECK(listed(&sv, "486") && listed(&sv, "486-v1"));
	CHECK(listed(&sv, "Skylake-Client-IBRS") && listed(&sv, "max"));
	CHECK(listed(&sv, "host") && listed(&sv, "qemu64-v1"));
	/* Feature flags are not CPU models. */
	CHECK(!listed(&sv, "svm") && !listed(&sv, "3dnow"));
	CHECK(!listed(&sv, "Available"));
	sv_free(&sv);
	/* Arm: bare indented names; MIPS: quoted names after the target. */
	sv = names_in(qemu_help_cpus, "Available CPUs:\n  cortex-a53\n  max\n");
	CHECK(listed(&sv, "cortex-a53") && listed(&sv, "max"));
	sv_free(&sv);
	sv = names_in(qemu_help_cpus, "MIPS '4Kc'\nMIPS '24Kf'\n");
	CHECK(listed(&sv, "4Kc") && listed(&sv, "24Kf"));
	sv_free(&sv);
	sv = names_in(qemu_help_cpus, "");
	CHECK(sv.n == 0);
	sv_free(&sv);
}

/* The kind a device is listed under, NULL when it is not listed. */
static const char *
kind_of(const struct strvec *names, const struct strvec *kinds,
    const char *name)
{
	size_t i;

	for (i = 0; i < names->n; i++)
		if (strcmp(names->v[i], name) == 0)
			return kinds->v[i];
	return NULL;
}

TEST(check_reads_qemu_device_help)
{
	struct strvec names, kinds;

	sv_init(&names);
	sv_init(&kinds);
	qemu_help_devices(devices_x86, &names, &kinds);
	CHECK(names.n == kinds.n);
	CHECK_STR(kind_of(&names, &kinds, "e1000"), "Network devices");
	CHECK_STR(kind_of(&names, &kinds, "e1000-82540em"), "Network devices");
	CHECK_STR(kind_of(&names, &kinds, "virtio-net"), "Network devices");
	CHECK_STR(kind_of(&names, &kinds, "ne2k_isa"), "Network devices");
	CHECK_STR(kind_of(&names, &kinds, "virtio-blk-pci"), "Storage devices");
	CHECK_STR(kind_of(&names, &kinds, "usb-host"),
	    "Controller/Bridge/Hub devices");
	CHECK(kind_of(&names, &kinds, "Intel Gigabit Ethernet") == NULL);
	CHECK(kind_of(&names, &kinds, "PCI") == NULL);
	sv_free(&names);
	sv_free(&kinds);
}

TEST(check_knows_loopback_addresses)
{
	CHECK(addr_is_loopback("127.0.0.1"));
	CHECK(addr_is_loopback("127.1.2.3"));
	CHECK(addr_is_loopback("::1"));
	CHECK(addr_is_loopback("[::1]"));
	CHECK(addr_is_loopback("::ffff:127.0.0.1"));
	CHECK(addr_is_loopback("localhost"));
	CHECK(!addr_is_loopback("0.0.0.0"));
	CHECK(!addr_is_loopback("::"));
	CHECK(!addr_is_loopback("[::]"));
	CHECK(!addr_is_loopback("198.18.0.1"));
	CHECK(!addr_is_loopback("128.0.0.1"));
	CHECK(!addr_is_loopback("::ffff:198.18.0.1"));
	CHECK(!addr_is_loopback("vm-host.example"));
	CHECK(!addr_is_loopback(""));
}

/* A folder of VMs, a CONFDIR, a fake sysfs and a fake QEMU. */
struct world {
	char			*dir;
	char			*confdir;
	char			*qemu;		/* logs each call to qemu.log */
	char			*sysfs;		/* br0 and eth0 */
	struct vm_config	 vms[8];
	size_t			 n;
	struct monconf	 mc;
	struct diag		 d;
};

static void
make_dir(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);

	CHECK(mkdir(p, 0755) == 0);
	free(p);
}

static void
world_init(struct world *w)
{
	char *netif;

	memset(w, 0, sizeof(*w));
	w->dir = xstrdup(unit_tmpdir());
	w->confdir = xasprintf("%s/etc", w->dir);
	make_dir(w->dir, "etc");
	make_dir(w->dir, "net");
	make_dir(w->dir, "net/br0");
	make_dir(w->dir, "net/br0/bridge");
	make_dir(w->dir, "net/eth0");
	w->sysfs = xasprintf("%s/net", w->dir);
	netif_set_sysfs(w->sysfs);
	w->qemu = xstrdup(unit_writes(w->dir, "qemu-system-fake",
	    "#!/bin/sh\n"
	    "echo \"$1\" >> \"${0%/*}/qemu.log\"\n"
	    "case $1 in\n"
	    "-machine) cat \"${0%/*}/machines\" ;;\n"
	    "-cpu) cat \"${0%/*}/cpus\" ;;\n"
	    "-device) cat \"${0%/*}/devices\" ;;\n"
	    "esac\n"));
	CHECK(chmod(w->qemu, 0755) == 0);
	unit_writes(w->dir, "machines", machines_x86);
	unit_writes(w->dir, "cpus", cpus_x86);
	unit_writes(w->dir, "devices", devices_x86);
	unit_writes(w->dir, "disk.img", "raw");
	netif = xstrdup(unit_writes(w->dir, "qemu-netif", "#!/bin/sh\n"));
	CHECK(chmod(netif, 0755) == 0);
	free(netif);
	w->mc.vnc_listen = xstrdup("127.0.0.1");
	diag_init(&w->d);
}

/*
 * A VM of the world from the text of its file, run by the fake QEMU
 * unless it says otherwise; 0 when it loaded.
 */
static int
world_vm(struct world *w, const char *name, const char *text)
{
	char *file = xasprintf("%s-qemu.cfg", name), *path, *full;
	int rc;

	if (strstr(text, "TGTARCH=") == NULL)
		full = xasprintf("%sTGTARCH=%s\n", text, w->qemu);
	else
		full = xstrdup(text);
	path = xstrdup(unit_writes(w->dir, file, full));
	free(full);
	rc = vmconf_load(&w->vms[w->n], path, name, &w->d);
	if (rc == 0)
		w->n++;
	else
		vmconf_free(&w->vms[w->n]);
	free(path);
	free(file);
	return rc;
}

static void
world_free(struct world *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		vmconf_free(&w->vms[i]);
	monconf_free(&w->mc);
	diag_clear(&w->d);
	free(w->qemu);
	free(w->confdir);
	free(w->dir);
	netif_set_sysfs("/sys/class/net");
	free(w->sysfs);
}

/* How many messages hold s (the temp folder is not part of them). */
static size_t
said(const struct world *w, const char *s)
{
	size_t i, n = 0;

	for (i = 0; i < w->d.n; i++)
		if (strstr(w->d.msgs[i].text, s) != NULL)
			n++;
	if (n == 0) {
		printf("#   no message holds: %s\n", s);
		for (i = 0; i < w->d.n; i++)
			printf("#     %s\n", w->d.msgs[i].text);
	}
	return n;
}

static void
run_check(struct world *w)
{
	diag_clear(&w->d);
	check_all(w->vms, w->n, &w->mc, w->confdir, &w->d);
}

/* The links QEMU runs, as make install makes them. */
static void
world_scripts(struct world *w)
{
	char *netif = xasprintf("%s/qemu-netif", w->dir);
	char *up = xasprintf("%s/qemu-brup", w->confdir);
	char *down = xasprintf("%s/qemu-brdown", w->confdir);

	(void)unlink(up);
	(void)unlink(down);
	CHECK(symlink(netif, up) == 0 && symlink(netif, down) == 0);
	free(netif);
	free(up);
	free(down);
}

TEST(check_a_clean_vm_has_nothing_to_say)
{
	struct world w;
	char *text;

	world_init(&w);
	world_scripts(&w);
	text = xasprintf("TGTARCH=%s\nMACHINE=q35,accel=tcg\nCPU=max,+svm\n"
	    "NIC1=virtio-net\nNIC2=e1000\nDSK1=disk.img\n"
	    "CUSTOM1=\"-device virtio-rng-pci\"\n", w.qemu);
	CHECK(world_vm(&w, "web", text) == 0);
	run_check(&w);
	CHECK(w.d.n == 0);
	if (w.d.n > 0)
		printf("#   %s\n", w.d.msgs[0].text);
	free(text);
	world_free(&w);
}

TEST(check_asks_the_qemu_once_per_binary)
{
	struct world w;
	struct strbuf log;
	char *text, *path;

	world_init(&w);
	world_scripts(&w);
	text = xasprintf("TGTARCH=%s\nMACHINE=q36\nCPU=Skylake-Clinet,+vmx\n"
	    "NIC1=e1001\nNIC2=virtio-blk-pci\nDSK1=disk.img\n", w.qemu);
	CHECK(world_vm(&w, "a", text) == 0);
	CHECK(world_vm(&w, "b", text) == 0);
	run_check(&w);
	CHECK(said(&w, "a-qemu.cfg:2: MACHINE 'q36' is not a machine type "
	    "that ") == 1);
	CHECK(said(&w, "qemu-system-fake knows: did you mean '") == 6);
	CHECK(said(&w, "MACHINE 'q36' is not a machine type that ") == 2);
	CHECK(said(&w, "knows: did you mean 'q35'? (see: ") == 2);
	CHECK(said(&w, "knows: did you mean 'Skylake-Client'? (see: ") == 2);
	CHECK(said(&w, "knows: did you mean 'e1000'? (see: ") == 2);
	CHECK(said(&w, "a-qemu.cfg:3: CPU 'Skylake-Clinet' is not a CPU "
	    "model that ") == 1);
	CHECK(said(&w, "a-qemu.cfg:4: NIC1 'e1001' is not a device that ") ==
	    1);
	CHECK(said(&w, "-device help)") == 2);
	CHECK(said(&w, "a-qemu.cfg:5: NIC2 'virtio-blk-pci' is not a network "
	    "device: ") == 1);
	CHECK(said(&w, "lists it under 'Storage devices'") == 2);
	CHECK(said(&w, "b-qemu.cfg:2: MACHINE 'q36'") == 1);
	/* Two VMs, one QEMU: each list asked for once. */
	path = xasprintf("%s/qemu.log", w.dir);
	sb_init(&log);
	CHECK(file_read(path, &log, 0, &w.d) == 0);
	CHECK_STR(log.s, "-machine\n-cpu\n-device\n");
	sb_free(&log);
	free(path);
	free(text);
	world_free(&w);
}

TEST(check_tgtarch_is_an_executable_qemu)
{
	struct world w;
	char *text, *notqemu, *plain;

	world_init(&w);
	CHECK(world_vm(&w, "a", "TGTARCH=qemu-system-aarch65\n"
	    "KERNEL=disk.img\n") == 0);
	notqemu = xstrdup(unit_writes(w.dir, "not-qemu", "#!/bin/sh\n"));
	CHECK(chmod(notqemu, 0755) == 0);
	plain = xstrdup(unit_writes(w.dir, "plain", "no program\n"));
	text = xasprintf("KERNEL=disk.img\nTGTARCH=%s\n", notqemu);
	CHECK(world_vm(&w, "b", text) == 0);
	free(text);
	text = xasprintf("\nKERNEL=disk.img\nTGTARCH=%s\n", plain);
	CHECK(world_vm(&w, "c", text) == 0);
	free(text);
	text = xasprintf("KERNEL=disk.img\nTGTARCH=%s/none\n", w.dir);
	CHECK(world_vm(&w, "d", text) == 0);
	run_check(&w);
	CHECK(said(&w, "a-qemu.cfg:1: TGTARCH 'qemu-system-aarch65' is not in "
	    "PATH (is QEMU for that target installed?)") == 1);
	CHECK(said(&w, "b-qemu.cfg:2: TGTARCH '") == 1);
	CHECK(said(&w, "not-qemu' is not a QEMU: '") == 1);
	CHECK(said(&w, "not-qemu -machine help' lists no machine types") == 1);
	CHECK(said(&w, "c-qemu.cfg:3: TGTARCH '") == 1);
	CHECK(said(&w, "plain' is not an executable file") == 1);
	CHECK(said(&w, "d-qemu.cfg:2: TGTARCH '") == 1);
	CHECK(said(&w, "/none' does not exist") == 1);
	CHECK(w.d.errors == 4 && w.d.warnings == 0);
	free(text);
	free(notqemu);
	free(plain);
	world_free(&w);
}

TEST(check_bridge_names_its_key)
{
	struct world w;

	world_init(&w);
	world_scripts(&w);
	CHECK(world_vm(&w, "a", "KERNEL=disk.img\nNIC1=e1000\n"
	    "BRIDGE_IFNAME=br9\n") == 0);
	CHECK(world_vm(&w, "b", "KERNEL=disk.img\nNIC1=e1000\n"
	    "MAC1=52:54:00:00:00:01\nBRIDGE_IFNAME=eth0\n") == 0);
	CHECK(world_vm(&w, "c", "KERNEL=disk.img\n\nNIC1=e1000\n"
	    "MAC1=52:54:00:00:00:02\n") == 0);
	CHECK(world_vm(&w, "d", "KERNEL=disk.img\n") == 0);
	run_check(&w);
	CHECK(said(&w, "a-qemu.cfg:3: BRIDGE_IFNAME: cannot attach the NICs "
	    "of 'a': bridge 'br9' does not exist") == 1);
	CHECK(said(&w, "b-qemu.cfg:4: BRIDGE_IFNAME: cannot attach the NICs "
	    "of 'b': 'eth0' is not a bridge") == 1);
	CHECK(w.d.n == 2);
	/* The default bridge is named by the line of NIC1. */
	netif_set_sysfs(w.dir);
	run_check(&w);
	CHECK(said(&w, "c-qemu.cfg:3: NIC1: cannot attach the NICs of 'c': "
	    "bridge 'br0' does not exist (the default: set BRIDGE_IFNAME)")
	    == 1);
	CHECK(w.d.n == 3);
	CHECK(check_bridge(&w.vms[3], &w.d) == 0 && w.d.n == 3);
	world_free(&w);
}

/* QEMU is handed its taps: it runs no qemu-brup, which check leaves be. */
TEST(check_needs_no_tap_scripts)
{
	struct world w;
	char *up;

	world_init(&w);
	up = xasprintf("%s/qemu-brup", w.confdir);
	(void)unlink(up);
	CHECK(world_vm(&w, "a", "KERNEL=disk.img\nNIC1=e1000\n") == 0);
	run_check(&w);
	CHECK(w.d.n == 0);
	free(up);
	world_free(&w);
}

TEST(check_an_image_is_used_once)
{
	struct world w;
	char *link;

	world_init(&w);
	link = xasprintf("%s/link.img", w.dir);
	CHECK(symlink("disk.img", link) == 0);
	unit_writes(w.dir, "other.img", "raw");
	CHECK(world_vm(&w, "a", "DSK1=disk.img\nDSK2=other.img\n"
	    "DSK3=link.img\n") == 0);
	CHECK(world_vm(&w, "b", "DSK1=other.img\n") == 0);
	unit_writes(w.dir, "c.img", "raw");
	CHECK(world_vm(&w, "c", "CDR1=disk.img\nDSK1=c.img\n") == 0);
	run_check(&w);
	CHECK(said(&w, "a-qemu.cfg:3: DSK3 '") == 1);
	CHECK(said(&w, "link.img' is the image of DSK1 too: QEMU locks an image "
	    "for one user, so 'a' cannot start") == 1);
	CHECK(said(&w, "b-qemu.cfg:1: DSK1 '") == 1);
	CHECK(said(&w, "other.img' is DSK2 of 'a' too: QEMU locks an image for "
	    "one user, so only one of them can run") == 1);
	/* An ISO may be shared: QEMU opens it read-only. */
	CHECK(w.d.errors == 2);
	free(link);
	world_free(&w);
}

/* SNAPSHOT=yes only reads the image: readers share it, writers do not. */
TEST(check_an_image_is_shared_under_snapshot)
{
	struct world w;

	world_init(&w);
	CHECK(world_vm(&w, "s1", "SNAPSHOT=yes\nDSK1=disk.img\n"
	    "DSK2=disk.img\n") == 0);
	CHECK(world_vm(&w, "s2", "SNAPSHOT=yes\nDSK1=disk.img\n") == 0);
	run_check(&w);
	CHECK(w.d.errors == 0);
	world_free(&w);

	world_init(&w);
	CHECK(world_vm(&w, "s1", "SNAPSHOT=yes\nDSK1=disk.img\n") == 0);
	CHECK(world_vm(&w, "w", "DSK1=disk.img\n") == 0);
	CHECK(world_vm(&w, "s2", "SNAPSHOT=yes\nDSK1=disk.img\n") == 0);
	run_check(&w);
	CHECK(said(&w, "w-qemu.cfg:1: DSK1 '") == 1);
	CHECK(said(&w, "disk.img' is DSK1 of 's1' too: QEMU locks an image "
	    "for one user, so only one of them can run (both can when both "
	    "have SNAPSHOT=yes: 'w' has not)") == 1);
	CHECK(said(&w, "s2-qemu.cfg:2: DSK1 '") == 1);
	CHECK(said(&w, "disk.img' is DSK1 of 'w' too: QEMU locks an image "
	    "for one user, so only one of them can run (both can when both "
	    "have SNAPSHOT=yes: 'w' has not)") == 1);
	CHECK(w.d.errors == 2);
	world_free(&w);
}

TEST(check_macs_are_unique_and_named_by_line)
{
	struct world w;

	world_init(&w);
	world_scripts(&w);
	CHECK(world_vm(&w, "a", "KERNEL=disk.img\nNIC1=e1000\n"
	    "MAC1=52:54:00:00:00:01\n") == 0);
	CHECK(world_vm(&w, "b", "KERNEL=disk.img\nNIC1=e1000\nNIC2=e1000\n"
	    "\nMAC2=52:54:00:00:00:01\n") == 0);
	CHECK(world_vm(&w, "web", "KERNEL=disk.img\nOS=linux\nNIC1=e1000\n")
	    == 0);
	CHECK(world_vm(&w, "c", "KERNEL=disk.img\nNIC1=e1000\n"
	    "MAC1=DE:AD:BE:EF:93:34\n") == 0);
	run_check(&w);
	CHECK(said(&w, "b-qemu.cfg:5: MAC 52:54:00:00:00:01 is shared by NIC1 "
	    "of 'a' and NIC2 of 'b' (set MACx in one of them)") == 1);
	CHECK(said(&w, "c-qemu.cfg:3: MAC DE:AD:BE:EF:93:34 is shared by "
	    "NIC1 of 'web' and NIC1 of 'c'") == 1);
	CHECK(w.d.n == 2);
	world_free(&w);
}

TEST(check_warns_of_a_vm_with_nothing_to_boot)
{
	struct world w;

	world_init(&w);
	CHECK(world_vm(&w, "a", "RAM=1G\n") == 0);
	CHECK(world_vm(&w, "b", "CUSTOM1=\"-drive file=x.img\"\n") == 0);
	CHECK(world_vm(&w, "c", "CDR1=disk.img\n") == 0);
	CHECK(world_vm(&w, "d", "CUSTOM1=\"--device virtio-rng-pci\"\n") == 0);
	CHECK(world_vm(&w, "e", "CUSTOM1=\"-rtc base=utc\"\n") == 0);
	run_check(&w);
	CHECK(said(&w, "a-qemu.cfg: 'a' has nothing to boot: no DSKx, CDRx "
	    "or KERNEL (nor a drive or device in CUSTOMx)") == 1);
	CHECK(said(&w, "e-qemu.cfg: 'e' has nothing to boot") == 1);
	CHECK(w.d.n == 2 && w.d.warnings == 2);
	world_free(&w);
}

TEST(check_warns_of_user_networking_beside_tcp_monitors)
{
	struct world w;

	world_init(&w);
	CHECK(world_vm(&w, "a", "KERNEL=disk.img\nCUSTOM1=\"-nic user\"\n") ==
	    0);
	CHECK(world_vm(&w, "b", "KERNEL=disk.img\nCUSTOM1=-m\nCUSTOM2=\"-netdev "
	    "'user,id=n0' -device e1000,netdev=n0\"\n") == 0);
	CHECK(world_vm(&w, "c", "KERNEL=disk.img\n"
	    "CUSTOM1=\"--net user,hostfwd=tcp::2222-:22\"\n") == 0);
	CHECK(world_vm(&w, "d", "KERNEL=disk.img\n"
	    "CUSTOM1=\"-nic tap -netdev usr,id=x -net nic\"\n") == 0);
	/* An option and its value may be in two CUSTOMx; one after a gap
	 * is not used, so it exposes nothing. */
	CHECK(world_vm(&w, "e", "KERNEL=disk.img\nCUSTOM1=\"-rtc base=utc "
	    "-nic\"\nCUSTOM2=type=user\nCUSTOM4=\"-nic user\"\n") == 0);
	run_check(&w);
	CHECK(said(&w, "a-qemu.cfg:2: CUSTOM1 '-nic user' gives 'a' user-mode "
	    "networking while the monitors are on TCP: the guest reaches the "
	    "host's loopback at 10.0.2.2, and so every VM's TCP monitor (set "
	    "MONITOR=unix in monitor.conf, or use NICx)") == 1);
	CHECK(said(&w, "b-qemu.cfg:3: CUSTOM2 '-netdev user,id=n0' gives "
	    "'b'") == 1);
	CHECK(said(&w, "c-qemu.cfg:2: CUSTOM1 '--net user,hostfwd=") == 1);
	CHECK(said(&w, "e-qemu.cfg:2: CUSTOM1 '-nic type=user' gives") == 1);
	CHECK(w.d.n == 4 && w.d.warnings == 4);
	/* With the monitors on unix sockets, the guest reaches none. */
	w.mc.unix_monitors = 1;
	run_check(&w);
	CHECK(w.d.n == 0);
	world_free(&w);
}

TEST(check_warns_of_vnc_beyond_loopback)
{
	struct world w;

	world_init(&w);
	free(w.mc.vnc_listen);
	w.mc.vnc_listen = xstrdup("0.0.0.0");
	w.mc.vnc_listen_line = 4;
	run_check(&w);
	CHECK(said(&w, "/etc/monitor.conf:4: VNC_LISTEN '0.0.0.0' is beyond "
	    "loopback: the VNC displays have no password") == 1);
	CHECK(w.d.n == 1 && w.d.warnings == 1);
	free(w.mc.vnc_listen);
	w.mc.vnc_listen = xstrdup("::1");
	run_check(&w);
	CHECK(w.d.n == 0);
	world_free(&w);
}

TEST(check_vmconf_names_the_line_of_a_key)
{
	struct world w;

	world_init(&w);
	CHECK(world_vm(&w, "a", "# a VM\nKERNEL=disk.img\n\nRAM=2G\n"
	    "RAM=3G\n") == 0);
	CHECK(vmconf_key_line(&w.vms[0], "KERNEL") == 2);
	CHECK(vmconf_key_line(&w.vms[0], "RAM") == 5);
	CHECK(vmconf_key_line(&w.vms[0], "CPU") == 0);
	world_free(&w);
}

/* The fake QEMU under the name of the x86_64 one: the PC's rules apply. */
static char *
world_x86(struct world *w)
{
	char *path = xasprintf("%s/qemu-system-x86_64", w->dir);

	CHECK(symlink(w->qemu, path) == 0);
	return path;
}

TEST(check_ide_places_of_the_machine)
{
	struct world w;
	char *x86, *text;

	world_init(&w);
	x86 = world_x86(&w);
	text = xasprintf("TGTARCH=%s\nKERNEL=disk.img\nDSK1=disk.img\n"
	    "DSK2=disk.img\nDSK3=disk.img\nCDR1=disk.img\nCDR2=disk.img\n"
	    "DISKIF2=virtio\n", x86);
	CHECK(world_vm(&w, "a", text) == 0);
	free(text);
	text = xasprintf("TGTARCH=%s\nKERNEL=disk.img\nDSK1=disk.img\n"
	    "DSK2=disk.img\nDSK3=disk.img\nDSK4=disk.img\nCDR1=disk.img\n",
	    x86);
	CHECK(world_vm(&w, "b", text) == 0);
	free(text);
	text = xasprintf("TGTARCH=%s\nMACHINE=q35\nKERNEL=disk.img\n"
	    "DSK1=disk.img\nDSK2=disk.img\nDSK3=disk.img\nDSK4=disk.img\n"
	    "CDR1=disk.img\n", x86);
	CHECK(world_vm(&w, "c", text) == 0);
	free(text);
	run_check(&w);
	CHECK(said(&w, "b-qemu.cfg:7: 4 disks and 1 CD-ROM on IDE, but "
	    "machine 'pc' has 4 places there: QEMU would refuse to start (put "
	    "the disks on virtio: DISKIF=virtio)") == 1);
	/* a: 2 disks and 2 CD-ROMs; c: q35 has 6 places.  (The disks
	 * share one image: those errors are not this test's.) */
	CHECK(said(&w, "on IDE") == 1);
	free(x86);
	world_free(&w);
}

TEST(check_root_device_against_diskif)
{
	struct world w;

	world_init(&w);
	CHECK(world_vm(&w, "a", "KERNEL=disk.img\nDSK1=disk.img\n"
	    "APPEND=\"console=ttyS0 root=/dev/vda rw\"\n") == 0);
	CHECK(world_vm(&w, "b", "KERNEL=disk.img\nDSK1=disk.img\n"
	    "DISKIF=virtio\nAPPEND=\"root=/dev/vda1 ro\"\n") == 0);
	CHECK(world_vm(&w, "c", "KERNEL=disk.img\nDSK1=disk.img\n"
	    "DISKIF=scsi\nAPPEND=\"root=/dev/sdb\"\n") == 0);
	CHECK(world_vm(&w, "d", "KERNEL=disk.img\nDSK1=disk.img\n"
	    "APPEND=\"root=/dev/sda quiet\"\n") == 0);
	CHECK(world_vm(&w, "e", "KERNEL=disk.img\nDSK1=disk.img\n"
	    "APPEND=\"xroot=/dev/vda root=UUID=1234\"\n") == 0);
	run_check(&w);
	CHECK(said(&w, "a-qemu.cfg:3: APPEND has root=/dev/vda, but no DSKx "
	    "is on virtio (DISKIF=virtio): the guest would not find its root "
	    "file system") == 1);
	CHECK(said(&w, "c-qemu.cfg:4: APPEND has root=/dev/sdb, but only 1 "
	    "DSKx is on IDE or SCSI") == 1);
	CHECK(said(&w, "APPEND has") == 2 && w.d.warnings == 2);
	world_free(&w);
}

TEST(check_cpu_host_needs_kvm_and_snapshot_is_a_key)
{
	struct world w;

	world_init(&w);
	CHECK(world_vm(&w, "a", "KERNEL=disk.img\nKVM=no\nCPU=host\n") == 0);
	CHECK(world_vm(&w, "b", "KERNEL=disk.img\nKVM=yes\nCPU=host\n") == 0);
	CHECK(world_vm(&w, "c", "KERNEL=disk.img\nCUSTOM1=\"-rtc base=utc\"\n"
	    "CUSTOM2=\"-m 1G --snapshot\"\n") == 0);
	run_check(&w);
	CHECK(said(&w, "a-qemu.cfg:3: CPU=host needs KVM, but KVM=no: QEMU "
	    "would refuse to start (use CPU=max)") == 1);
	CHECK(said(&w, "c-qemu.cfg:3: CUSTOM2: -snapshot does not make the "
	    "DSKx disks throwaway (each has snapshot=off): use "
	    "SNAPSHOT=yes") == 1);
	CHECK(w.d.n == 2 && w.d.errors == 2);
	world_free(&w);
}
