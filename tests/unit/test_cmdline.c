/* test_cmdline.c - the QEMU command line */
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

static void
setup(struct vm_config *vm, struct monconf *mc, struct launch_plan *ln)
{
	static struct vm_disk disk;

	static struct vm_nic nic = { "e1000", "DE:AD:BE:EF:93:34" };
	static char *custom[] = { "-device", "virtio-rng-pci", NULL };
	int i;

	memset(&disk, 0, sizeof(disk));
	disk.path = "/srv/a,b.img";
	disk.format = DISK_RAW;
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
	vm->custom = custom;
	vm->ncustom = 2;
	memset(mc, 0, sizeof(*mc));
	mc->monport = 30320;
	mc->slots = 100;
	mc->vnc_listen = "127.0.0.1";
	memset(ln, 0, sizeof(*ln));
	ln->slot = 3;
	slot_ports(mc, 3, &ln->monport, &ln->ctlport);
	ln->confdir = "/etc/qe,mu";
	ln->pidfile = "/run/qemu-init/web@pid";
	for (i = 0; i < PLAN_NFDS; i++)
		ln->fd[i] = -1;
	ln->fd[PLAN_CONTROL] = 7;
	ln->fd[PLAN_SERIAL] = 8;
	ln->fd[PLAN_CONSOLE_LOG] = 9;
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
	CHECK(has(&av, "-drive", "file=/srv/a,,b.img,format=raw,"
	    "snapshot=off"));
	CHECK(has(&av, "-device", "e1000,netdev=net0,mac=DE:AD:BE:EF:93:34"));
	CHECK(has(&av, "-netdev", "tap,id=net0,ifname=qi3n0,"
	    "script=/etc/qe,,mu/qemu-brup,downscript=/etc/qe,,mu/qemu-brdown"));
	CHECK(has(&av, "-vnc", "127.0.0.1:3"));
	CHECK(has(&av, "-chardev", "socket,id=qmp4,host=127.0.0.1,port=30423,"
	    "server=on,wait=off,nodelay=on,ipv4=on"));
	CHECK(!has(&av, "-mon", "chardev=qmp6,mode=control"));
	CHECK(has(&av, "-pidfile", "/run/qemu-init/web@pid"));
	CHECK(has(&av, "-chardev", "socket,id=control,fd=7,server=on,"
	    "wait=off"));
	CHECK(has(&av, "-add-fd", "fd=9,set=1"));
	CHECK(has(&av, "-chardev", "socket,id=serial0,fd=8,server=on,"
	    "wait=off,logfile=/dev/fdset/1,logappend=on"));
	CHECK(!has(&av, "-nic", "none"));
	CHECK_STR(av.v[av.n - 2], "-device");
	CHECK_STR(av.v[av.n - 1], "virtio-rng-pci");
	sv_free(&av);
}

TEST(cmdline_ipv6_kvm_serial_runas)
{
	struct monconf mc;
	struct vm_config vm;
	struct launch_plan ln;
	struct strvec av;

	setup(&vm, &mc, &ln);
	ln.ipv6 = 1;
	ln.kvm = 1;
	vm.serial = 0;
	vm.runas = "nobody";
	mc.vnc_listen = "::1";
	sv_init(&av);
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(has(&av, "-accel", "kvm") && has(&av, "-serial", "none"));
	CHECK(has(&av, "-chardev", "socket,id=hmp6,host=::1,port=30323,"
	    "server=on,wait=off,nodelay=on,ipv6=on"));
	CHECK(has(&av, "-vnc", "[::1]:3") && has(&av, "-runas", "nobody"));
	sv_free(&av);
	ln.run_with = 1;
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(has(&av, "-run-with", "user=nobody"));
	sv_free(&av);
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
}

TEST(cmdline_show_names_the_files)
{
	struct monconf mc;
	struct vm_config vm;
	struct launch_plan ln;
	struct strvec av;

	setup(&vm, &mc, &ln);
	ln.fd[PLAN_CONTROL] = -1;
	ln.path[PLAN_CONTROL] = "/run/qemu-init/web@control";
	sv_init(&av);
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(has(&av, "-chardev", "socket,id=control,"
	    "fd=</run/qemu-init/web@control>,server=on,wait=off"));
	sv_free(&av);
}

TEST(cmdline_by_path_for_a_shell)
{
	struct monconf mc;
	struct vm_config vm;
	struct launch_plan ln;
	struct strvec av;
	size_t i;

	setup(&vm, &mc, &ln);
	ln.fd[PLAN_CONTROL] = ln.fd[PLAN_SERIAL] = -1;
	ln.fd[PLAN_CONSOLE_LOG] = -1;
	ln.path[PLAN_CONTROL] = "/run/q,i/web@control";
	ln.path[PLAN_SERIAL] = "/run/q,i/web@serial";
	ln.path[PLAN_CONSOLE_LOG] = "/run/q,i/web@console.log";
	ln.by_path = 1;
	sv_init(&av);
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(has(&av, "-chardev", "socket,id=control,"
	    "path=/run/q,,i/web@control,server=on,wait=off"));
	CHECK(has(&av, "-chardev", "socket,id=serial0,"
	    "path=/run/q,,i/web@serial,server=on,wait=off,"
	    "logfile=/run/q,,i/web@console.log,logappend=on"));
	for (i = 0; i < av.n; i++)
		CHECK(strcmp(av.v[i], "-add-fd") != 0);
	sv_free(&av);
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
	ln.fd[PLAN_HMP] = 11;
	ln.fd[PLAN_QMP] = 12;
	sv_init(&av);
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(has(&av, "-chardev",
	    "socket,id=hmp,fd=11,server=on,wait=off"));
	CHECK(has(&av, "-chardev",
	    "socket,id=qmp,fd=12,server=on,wait=off"));
	CHECK(has(&av, "-mon", "chardev=qmp,mode=control"));
	for (i = 0; i < av.n; i++)
		CHECK(strstr(av.v[i], "host=127.0.0.1") == NULL);
	sv_free(&av);
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
	disks[0].format = DISK_QCOW2;
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
	sv_init(&av);
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(has(&av, "-drive", "file=/srv/v,,1.qcow2,format=qcow2,if=none,"
	    "id=disk0,snapshot=off,cache=none,discard=unmap"));
	CHECK(has(&av, "-device", "virtio-blk-pci,drive=disk0"));
	CHECK(has(&av, "-drive", "file=/srv/s1.img,format=raw,if=none,"
	    "id=disk1,snapshot=off"));
	CHECK(has(&av, "-device", "scsi-hd,drive=disk1,bus=scsi0.0"));
	CHECK(has(&av, "-device", "scsi-hd,drive=disk2,bus=scsi0.0"));
	for (i = 0; i < av.n; i++)
		scsi += strcmp(av.v[i], "virtio-scsi-pci,id=scsi0") == 0;
	CHECK(scsi == 1);
	CHECK(has(&av, "-device", "nvme,drive=disk3,serial=DSK4"));
	CHECK(!has(&av, "-snapshot", "-drive"));
	sv_free(&av);
}

TEST(cmdline_snapshot_drops_snapshot_off)
{
	struct monconf mc;
	struct vm_config vm;
	struct launch_plan ln;
	struct strvec av;
	size_t i, snap = 0;

	setup(&vm, &mc, &ln);
	vm.snapshot = 1;
	sv_init(&av);
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(has(&av, "-drive", "file=/srv/a,,b.img,format=raw"));
	for (i = 0; i < av.n; i++)
		snap += strcmp(av.v[i], "-snapshot") == 0;
	CHECK(snap == 1);
	sv_free(&av);
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
	ln.uefi.code = "/usr/share/OVMF/CODE.fd";
	ln.uefi.code_format = "raw";
	ln.uefi.vars_format = "raw";
	ln.fd[PLAN_AGENT] = 11;
	sv_init(&av);
	qemu_cmdline(&vm, &mc, &ln, &av);
	CHECK(has(&av, "-machine", "q35"));
	CHECK(has(&av, "-drive", "if=pflash,unit=0,format=raw,readonly=on,"
	    "file=/usr/share/OVMF/CODE.fd"));
	CHECK(has(&av, "-drive", "if=pflash,unit=1,format=raw,"
	    "file=/srv/vm,,s/web-qemu.vars"));
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
}
