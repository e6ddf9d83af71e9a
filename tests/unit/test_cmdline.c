/* test_cmdline.c - the QEMU command line */
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "ports.h"
#include "unit.h"

static int
has(const struct strvec *av, const char *opt, const char *value)
{
	size_t i;

	for (i = 0; i + 1 < av->n; i++)
		if (strcmp(av->v[i], opt) == 0 && strcmp(av->v[i + 1],
		    value) == 0)
			return 1;
	return 0;
}

/*
 * The plan of a VM on slot 3 as start makes it: every file opened (the
 * numbers only have to be descriptors: these are never used), in the
 * order vm_plan adds them; ln is plan_free'd by the caller.
 */
static void
setup(struct vm_config *vm, struct monconf *mc, struct launch_plan *ln)
{
	static struct vm_disk disk;
	static struct vm_nic nic = { "e1000", "DE:AD:BE:EF:93:34", NET_BRIDGE, NULL, 0, NULL };
	static char *custom[] = { "-device", "virtio-rng-pci", NULL };
	int i;

	memset(&disk, 0, sizeof(disk));
	disk.path = "/srv/a,b.img";
	disk.format = "raw";
	memset(vm, 0, sizeof(*vm));
	vm->name = "web";
	vm->tgtarch = "qemu-system-x86_64";
	vm->ram = "1G";
	vm->disks = &disk;
	vm->ndisks = 1;
	vm->nics = &nic;
	vm->nnics = 1;
	vm->vnc = 1;
	vm->serial = 1;
	vm->sandbox = 1;
	vm->custom = custom;
	vm->ncustom = 2;
	memset(mc, 0, sizeof(*mc));
	mc->monport = 30320;
	mc->slots = 100;
	mc->vnc_listen = "127.0.0.1";
	memset(ln, 0, sizeof(*ln));
	for (i = 0; i < PLAN_NFDS; i++)
		ln->fd[i] = PLAN_NONE;
	ln->kernel = ln->initrd = ln->fw_code = ln->fw_vars = PLAN_NONE;
	ln->fw_vars_ro = ln->incoming = PLAN_NONE;
	ln->slot = 3;
	slot_ports(mc, 3, &ln->monport, &ln->ctlport);
	ln->confdir = "/etc/qe,mu";
	ln->pidfile = xstrdup("/run/qemu-init/web@qemu/pid");
	ln->fd[PLAN_CONTROL] = plan_add_file(ln, 0, 0,
	    "/run/qemu-init/web@control");				/* 3 */
	ln->fd[PLAN_SERIAL] = plan_add_file(ln, 0, 0,
	    "/run/qemu-init/web@serial");				/* 4 */
	ln->fd[PLAN_CONSOLE_LOG] = plan_add_file(ln, 0, ++ln->next_set,
	    "/run/qemu-init/web@console.log");				/* 5 */
	ln->ndisks = 1;
	ln->disks = xcalloc(1, sizeof(*ln->disks));
	ln->disks[0].set = ++ln->next_set;
	ln->disks[0].rw = plan_add_file(ln, 0, ln->disks[0].set,
	    disk.path);							/* 6 */
	ln->disks[0].ro = plan_add_file(ln, 0, ln->disks[0].set,
	    disk.path);							/* 7 */
	ln->taps = xcalloc(1, sizeof(*ln->taps));
	ln->taps[0] = plan_add_file(ln, 0, 0, "tap qi3n0 on br0");	/* 8 */
}

/* The plan's files as show has them: none opened. */
static void
unopened(struct launch_plan *ln)
{
	size_t i;

	for (i = 0; i < ln->nfiles; i++)
		ln->files[i].fd = -1;
}

static void
done(struct launch_plan *ln)
{
	unopened(ln);		/* the 0s were never ours to close */
	plan_free(ln);
}

TEST(cmdline_slot_ports_escaping)
{
	struct monconf mc;
	struct vm_config vm;
	struct launch_plan ln;
	struct strvec av;

	setup(&vm, &mc, &ln);
	CHECK(ln.monport == 30323 && ln.ctlport == 30423);
	sv_init(&av);
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK_STR(av.v[0], "qemu-system-x86_64");
	CHECK(has(&av, "-name", "web") && has(&av, "-accel", "tcg"));
	CHECK(has(&av, "-add-fd", "fd=6,set=2"));
	CHECK(has(&av, "-add-fd", "fd=7,set=2"));
	CHECK(has(&av, "-drive", "file=/dev/fdset/2,format=raw,id=disk0,"
	    "snapshot=off,auto-read-only=off"));
	CHECK(has(&av, "-device", "e1000,netdev=net0,mac=DE:AD:BE:EF:93:34"));
	CHECK(has(&av, "-netdev", "tap,id=net0,fd=8"));
	CHECK(has(&av, "-vnc", "127.0.0.1:3"));
	CHECK(has(&av, "-chardev", "socket,id=qmp4,host=127.0.0.1,port=30423,"
	    "server=on,wait=off,nodelay=on,ipv4=on"));
	CHECK(!has(&av, "-mon", "chardev=qmp6,mode=control"));
	CHECK(has(&av, "-pidfile", "/run/qemu-init/web@qemu/pid"));
	CHECK(has(&av, "-chardev", "socket,id=control,fd=3,server=on,"
	    "wait=off"));
	CHECK(has(&av, "-add-fd", "fd=5,set=1"));
	CHECK(has(&av, "-chardev", "socket,id=serial0,fd=4,server=on,"
	    "wait=off,logfile=/dev/fdset/1,logappend=on"));
	CHECK(has(&av, "-sandbox", "on,obsolete=deny,elevateprivileges=deny,"
	    "spawn=deny,resourcecontrol=deny"));
	CHECK(!has(&av, "-nic", "none"));
	CHECK_STR(av.v[av.n - 2], "-device");
	CHECK_STR(av.v[av.n - 1], "virtio-rng-pci");
	sv_free(&av);
	done(&ln);
}

/*
 * migrate's target: the stream is a descriptor too, QEMU paused until
 * the state came and was confirmed; show never has one.
 */
TEST(cmdline_incoming_is_a_descriptor_and_paused)
{
	struct monconf mc;
	struct vm_config vm;
	struct launch_plan ln;
	struct strvec av;

	setup(&vm, &mc, &ln);
	ln.incoming = plan_add_file(&ln, 0, 0, "migration stream");	/* 9 */
	sv_init(&av);
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(has(&av, "-incoming", "fd:9"));
	CHECK(has(&av, "-S", "-incoming"));
	sv_free(&av);
	ln.by_path = 1;
	sv_init(&av);
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(!has(&av, "-incoming", "fd:9") && !has(&av, "-S", "-incoming"));
	sv_free(&av);
	done(&ln);
}

/* QEMU never drops privileges itself, and never daemonizes. */
TEST(cmdline_no_runas_no_daemonize)
{
	struct monconf mc;
	struct vm_config vm;
	struct launch_plan ln;
	struct strvec av;
	size_t i;

	setup(&vm, &mc, &ln);
	ln.ipv6 = 1;
	ln.kvm = 1;
	vm.serial = 0;
	vm.runas = "nobody";
	vm.sandbox = 0;
	mc.vnc_listen = "::1";
	sv_init(&av);
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(has(&av, "-accel", "kvm") && has(&av, "-serial", "none"));
	CHECK(has(&av, "-chardev", "socket,id=hmp6,host=::1,port=30323,"
	    "server=on,wait=off,nodelay=on,ipv6=on"));
	CHECK(has(&av, "-vnc", "[::1]:3"));
	for (i = 0; i < av.n; i++) {
		CHECK(strcmp(av.v[i], "-runas") != 0);
		CHECK(strcmp(av.v[i], "-run-with") != 0);
		CHECK(strcmp(av.v[i], "-daemonize") != 0);
		CHECK(strcmp(av.v[i], "-sandbox") != 0);
	}
	sv_free(&av);
	done(&ln);
}

/* The format is the config's, or none at all: never one read from the image. */
TEST(cmdline_disk_format_given_or_probed)
{
	struct monconf mc;
	struct vm_config vm;
	struct launch_plan ln;
	struct strvec av;

	setup(&vm, &mc, &ln);
	vm.disks[0].format = NULL;
	ln.disks[0].backing = xstrdup("/srv/base,1.qcow2");
	sv_init(&av);
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(has(&av, "-drive", "file=/dev/fdset/2,id=disk0,snapshot=off,"
	    "auto-read-only=off,backing.file.filename=/srv/base,,1.qcow2"));
	sv_free(&av);
	done(&ln);
}

/* ISOs: raw, read-only, whatever their bytes say. */
TEST(cmdline_cdroms_are_raw)
{
	struct monconf mc;
	struct vm_config vm;
	struct launch_plan ln;
	struct strvec av;
	char *cdroms[] = { "/srv/a.iso", "/srv/b.iso" };

	setup(&vm, &mc, &ln);
	vm.cdroms = cdroms;
	vm.ncdroms = 2;
	ln.cdroms = xcalloc(2, sizeof(*ln.cdroms));
	ln.cdroms[0] = plan_add_file(&ln, 0, ++ln.next_set, cdroms[0]);
	ln.cdroms[1] = plan_add_file(&ln, 0, ++ln.next_set, cdroms[1]);
	sv_init(&av);
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(has(&av, "-add-fd", "fd=9,set=3"));
	CHECK(has(&av, "-drive", "file=/dev/fdset/3,format=raw,media=cdrom,"
	    "readonly=on,index=2"));
	CHECK(has(&av, "-drive", "file=/dev/fdset/4,format=raw,media=cdrom,"
	    "readonly=on"));
	sv_free(&av);
	done(&ln);
}

/* SNAPSHOT=yes: the image read-only alone. */
TEST(cmdline_snapshot_reads_only)
{
	struct monconf mc;
	struct vm_config vm;
	struct launch_plan ln;
	struct strvec av;
	size_t i, snap = 0, addfd = 0;

	setup(&vm, &mc, &ln);
	vm.snapshot = 1;
	ln.disks[0].rw = PLAN_NONE;
	sv_init(&av);
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(has(&av, "-drive", "file=/dev/fdset/2,format=raw,id=disk0"));
	for (i = 0; i < av.n; i++) {
		snap += strcmp(av.v[i], "-snapshot") == 0;
		addfd += strncmp(av.v[i], "fd=", 3) == 0 &&
		    strstr(av.v[i], ",set=2") != NULL;
	}
	CHECK(snap == 1 && addfd == 1);
	sv_free(&av);
	done(&ln);
}

/* KERNEL and INITRD through /dev/fd. */
TEST(cmdline_kernel_by_descriptor)
{
	struct monconf mc;
	struct vm_config vm;
	struct launch_plan ln;
	struct strvec av;

	setup(&vm, &mc, &ln);
	vm.kernel = "/boot/vmlinuz";
	vm.initrd = "/boot/initrd.img";
	vm.append = "console=ttyS0";
	ln.kernel = plan_add_file(&ln, 0, 0, vm.kernel);
	ln.initrd = plan_add_file(&ln, 0, 0, vm.initrd);
	sv_init(&av);
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(has(&av, "-kernel", "/dev/fd/9"));
	CHECK(has(&av, "-initrd", "/dev/fd/10"));
	CHECK(has(&av, "-append", "console=ttyS0"));
	sv_free(&av);
	unopened(&ln);
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(has(&av, "-kernel", "/dev/fd/</boot/vmlinuz>"));
	sv_free(&av);
	done(&ln);
}

/* What a process's command line tells of the VM and its monitors. */
TEST(cmdline_tells_the_vm_and_its_monitors)
{
	struct monconf mc;
	struct vm_config vm;
	struct launch_plan ln;
	struct strvec av;
	const char *other = NULL;

	setup(&vm, &mc, &ln);
	sv_init(&av);
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(qemu_cmdline_name(&av, "web", &other) == CMDLINE_VM);
	CHECK(qemu_cmdline_name(&av, "db", &other) == CMDLINE_OTHER);
	CHECK_STR(other, "web");
	/* QMP and HMP on 127.0.0.1, each on its own port; no ::1. */
	CHECK(qemu_cmdline_monitor(&av, 1, 0, 30423));
	CHECK(qemu_cmdline_monitor(&av, 0, 0, 30323));
	CHECK(!qemu_cmdline_monitor(&av, 1, 0, 30323));
	CHECK(!qemu_cmdline_monitor(&av, 0, 0, 30423));
	CHECK(!qemu_cmdline_monitor(&av, 1, 1, 30423));
	CHECK(!qemu_cmdline_monitor(&av, 1, 0, 30424));
	sv_free(&av);
	ln.ipv6 = 1;
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(qemu_cmdline_monitor(&av, 1, 1, 30423));
	CHECK(qemu_cmdline_monitor(&av, 0, 1, 30323));
	/* A second -name (CUSTOMx): which one QEMU takes is not told. */
	sv_push(&av, "-name");
	sv_push(&av, "web");
	CHECK(qemu_cmdline_name(&av, "web", &other) == CMDLINE_UNKNOWN);
	sv_free(&av);
	/* A QEMU run by hand: its -name, if a plain one, is still told. */
	sv_push(&av, "qemu-system-x86_64");
	sv_push(&av, "-S");
	CHECK(qemu_cmdline_name(&av, "web", &other) == CMDLINE_UNKNOWN);
	sv_push(&av, "-name");
	sv_push(&av, "guest=web,debug-threads=on");
	CHECK(qemu_cmdline_name(&av, "web", &other) == CMDLINE_UNKNOWN);
	sv_free(&av);
	sv_push(&av, "qemu-system-x86_64");
	sv_push(&av, "-name");
	sv_push(&av, "impostor");
	sv_push(&av, "-qmp");
	sv_push(&av, "tcp:127.0.0.1:30423,server=on,wait=off");
	CHECK(qemu_cmdline_name(&av, "web", &other) == CMDLINE_OTHER);
	CHECK_STR(other, "impostor");
	CHECK(!qemu_cmdline_monitor(&av, 1, 0, 30423));
	sv_free(&av);
	done(&ln);
}

TEST(cmdline_no_nics_is_no_network)
{
	struct monconf mc;
	struct vm_config vm;
	struct launch_plan ln;
	struct strvec av;
	size_t i;

	setup(&vm, &mc, &ln);
	vm.nnics = 0;
	sv_init(&av);
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(has(&av, "-nic", "none"));
	for (i = 0; i < av.n; i++)
		CHECK(strcmp(av.v[i], "-netdev") != 0);
	sv_free(&av);
	done(&ln);
}

TEST(cmdline_show_names_the_files)
{
	struct monconf mc;
	struct vm_config vm;
	struct launch_plan ln;
	struct strvec av;

	setup(&vm, &mc, &ln);
	unopened(&ln);
	sv_init(&av);
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(has(&av, "-chardev", "socket,id=control,"
	    "fd=</run/qemu-init/web@control>,server=on,wait=off"));
	CHECK(has(&av, "-add-fd", "fd=</srv/a,,b.img>,set=2"));
	CHECK(has(&av, "-netdev", "tap,id=net0,fd=<tap qi3n0 on br0>"));
	sv_free(&av);
	done(&ln);
}

TEST(cmdline_by_path_for_a_shell)
{
	struct monconf mc;
	struct vm_config vm;
	struct launch_plan ln;
	struct strvec av;
	size_t i;

	setup(&vm, &mc, &ln);
	unopened(&ln);
	free(ln.files[0].name);
	ln.files[0].name = xstrdup("/run/q,i/web@control");
	free(ln.files[1].name);
	ln.files[1].name = xstrdup("/run/q,i/web@serial");
	free(ln.files[2].name);
	ln.files[2].name = xstrdup("/run/q,i/web@console.log");
	ln.by_path = 1;
	sv_init(&av);
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(has(&av, "-chardev", "socket,id=control,"
	    "path=/run/q,,i/web@control,server=on,wait=off"));
	CHECK(has(&av, "-chardev", "socket,id=serial0,"
	    "path=/run/q,,i/web@serial,server=on,wait=off,"
	    "logfile=/run/q,,i/web@console.log,logappend=on"));
	CHECK(has(&av, "-drive", "file=/srv/a,,b.img,format=raw,id=disk0,"
	    "snapshot=off,auto-read-only=off"));
	CHECK(has(&av, "-netdev", "tap,id=net0,ifname=qi3n0,"
	    "script=/etc/qe,,mu/qemu-brup,downscript=/etc/qe,,mu/qemu-brdown"));
	/* The tap scripts run, QEMU daemonizes: spawn, setsid. */
	CHECK(has(&av, "-sandbox", "on,obsolete=deny,resourcecontrol=deny"));
	CHECK_STR(av.v[av.n - 3], "-daemonize");
	for (i = 0; i < av.n; i++)
		CHECK(strcmp(av.v[i], "-add-fd") != 0);
	sv_free(&av);
	done(&ln);
}

TEST(tap_names_fit_ifnamsiz)
{
	char name[TAP_NAME_SIZE];

	slot_tap_name(3, 0, name);
	CHECK_STR(name, "qi3n0");
	slot_tap_name(99, 12, name);
	CHECK_STR(name, "qi99n12");
	slot_tap_name(99, (size_t)-1, name);
	CHECK(strlen(name) == 15);
}

TEST(cmdline_unix_monitors)
{
	struct monconf mc;
	struct vm_config vm;
	struct launch_plan ln;
	struct strvec av;
	size_t i;

	setup(&vm, &mc, &ln);
	mc.unix_monitors = 1;
	ln.fd[PLAN_HMP] = plan_add_file(&ln, 0, 0, "/run/qemu-init/web@hmp");
	ln.fd[PLAN_QMP] = plan_add_file(&ln, 0, 0, "/run/qemu-init/web@qmp");
	sv_init(&av);
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(has(&av, "-chardev",
	    "socket,id=hmp,fd=9,server=on,wait=off"));
	CHECK(has(&av, "-chardev",
	    "socket,id=qmp,fd=10,server=on,wait=off"));
	CHECK(has(&av, "-mon", "chardev=qmp,mode=control"));
	for (i = 0; i < av.n; i++)
		CHECK(strstr(av.v[i], "host=127.0.0.1") == NULL);
	sv_free(&av);
	done(&ln);
}

TEST(cmdline_disk_interfaces_cache_discard)
{
	struct vm_disk disks[4];
	struct monconf mc;
	struct vm_config vm;
	struct launch_plan ln;
	struct strvec av;
	size_t i, scsi = 0;

	setup(&vm, &mc, &ln);
	memset(disks, 0, sizeof(disks));
	disks[0].path = "/srv/v,1.qcow2";
	disks[0].format = "qcow2";
	disks[0].iface = DISKIF_VIRTIO;
	disks[0].cache = "none";
	disks[0].discard = 1;
	disks[1].path = "/srv/s1.img";
	disks[1].iface = DISKIF_SCSI;
	disks[2].path = "/srv/s2.img";
	disks[2].iface = DISKIF_SCSI;
	disks[3].path = "/srv/n.img";
	disks[3].iface = DISKIF_NVME;
	vm.disks = disks;
	vm.ndisks = 4;
	ln.ndisks = 4;
	ln.disks = xreallocarray(ln.disks, 4, sizeof(*ln.disks));
	memset(ln.disks + 1, 0, 3 * sizeof(*ln.disks));
	for (i = 1; i < 4; i++) {
		ln.disks[i].set = ++ln.next_set;
		ln.disks[i].rw = PLAN_NONE;
		ln.disks[i].ro = plan_add_file(&ln, 0, ln.disks[i].set,
		    disks[i].path);
	}
	sv_init(&av);
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(has(&av, "-drive", "file=/dev/fdset/2,format=qcow2,if=none,"
	    "id=disk0,snapshot=off,auto-read-only=off,cache=none,discard=unmap"));
	CHECK(has(&av, "-device", "virtio-blk-pci,drive=disk0"));
	CHECK(has(&av, "-drive", "file=/dev/fdset/3,if=none,"
	    "id=disk1,snapshot=off,auto-read-only=off"));
	CHECK(has(&av, "-device", "scsi-hd,drive=disk1,bus=scsi0.0"));
	CHECK(has(&av, "-device", "scsi-hd,drive=disk2,bus=scsi0.0"));
	for (i = 0; i < av.n; i++)
		scsi += strcmp(av.v[i], "virtio-scsi-pci,id=scsi0") == 0;
	CHECK(scsi == 1);
	CHECK(has(&av, "-device", "nvme,drive=disk3,serial=DSK4"));
	CHECK(!has(&av, "-snapshot", "-drive"));
	sv_free(&av);
	done(&ln);
}

TEST(cmdline_uefi_and_agent)
{
	struct monconf mc;
	struct vm_config vm;
	struct launch_plan ln;
	struct strvec av;

	setup(&vm, &mc, &ln);
	vm.firmware = FIRMWARE_UEFI;
	vm.uefi_vars = "/srv/vm,s/web-qemu.vars";
	vm.agent = 1;
	ln.uefi.code_format = xstrdup("raw");
	ln.uefi.vars_format = xstrdup("raw");
	ln.fw_code = plan_add_file(&ln, 0, ++ln.next_set,
	    "/usr/share/OVMF/CODE.fd");
	ln.fw_vars = plan_add_file(&ln, 0, ++ln.next_set, vm.uefi_vars);
	ln.fd[PLAN_AGENT] = plan_add_file(&ln, 0, 0,
	    "/run/qemu-init/web@agent");
	sv_init(&av);
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(has(&av, "-machine", "q35"));
	CHECK(has(&av, "-add-fd", "fd=9,set=3"));
	CHECK(has(&av, "-drive", "if=pflash,unit=0,format=raw,readonly=on,"
	    "file=/dev/fdset/3"));
	CHECK(has(&av, "-drive", "if=pflash,unit=1,format=raw,"
	    "file=/dev/fdset/4"));
	CHECK(has(&av, "-chardev", "socket,id=agent,fd=11,server=on,"
	    "wait=off"));
	CHECK(has(&av, "-device", "virtio-serial-pci,id=agent0"));
	CHECK(has(&av, "-device", "virtserialport,bus=agent0.0,chardev=agent,"
	    "name=org.qemu.guest_agent.0"));
	sv_free(&av);
	/* A MACHINE of the admin's is kept. */
	vm.machine = "pc";
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(has(&av, "-machine", "pc") && !has(&av, "-machine", "q35"));
	sv_free(&av);
	done(&ln);
}
