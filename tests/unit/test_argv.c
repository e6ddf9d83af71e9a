/* test_argv.c - the QEMU command line */
#include <string.h>

#include "argv.h"
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
setup(struct vm_config *vm, struct monitor_conf *mc, struct launch *ln)
{
	static struct vm_disk disk = { "/srv/a,b.img", DISK_RAW };
	static struct vm_nic nic = { "e1000", "DE:AD:BE:EF:93:34" };
	static char *custom[] = { "-device", "virtio-rng-pci", NULL };

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
	launch_ports(ln, mc, 3);
	ln->confdir = "/etc/qe,mu";
	ln->rundir = "/run/qemu-init";
}

TEST(argv_slot_ports_escaping)
{
	struct monitor_conf mc;
	struct vm_config vm;
	struct launch ln;
	struct strvec av;
	struct diag d;

	setup(&vm, &mc, &ln);
	CHECK(ln.monport == 30323 && ln.ctlport == 30423);
	sv_init(&av);
	diag_init(&d);
	CHECK(qemu_argv(&vm, &mc, &ln, &av, &d) == 0);
	CHECK_STR(av.v[0], "qemu-system-x86_64");
	CHECK(has(&av, "-name", "web") && has(&av, "-accel", "tcg"));
	CHECK(has(&av, "-drive", "file=/srv/a,,b.img,format=raw,"
	    "snapshot=off"));
	CHECK(has(&av, "-device", "e1000,netdev=net0,mac=DE:AD:BE:EF:93:34"));
	CHECK(has(&av, "-netdev", "tap,id=net0,script=/etc/qe,,mu/qemu-brup,"
	    "downscript=/etc/qe,,mu/qemu-brdown"));
	CHECK(has(&av, "-vnc", "127.0.0.1:3"));
	CHECK(has(&av, "-chardev", "socket,id=qmp4,host=127.0.0.1,port=30423,"
	    "server=on,wait=off,nodelay=on,ipv4=on"));
	CHECK(!has(&av, "-mon", "chardev=qmp6,mode=control"));
	CHECK(has(&av, "-pidfile", "/run/qemu-init/web.pid"));
	CHECK_STR(av.v[av.n - 2], "-device");
	CHECK_STR(av.v[av.n - 1], "virtio-rng-pci");
	sv_free(&av);
	diag_clear(&d);
}

TEST(argv_ipv6_kvm_serial_runas)
{
	struct monitor_conf mc;
	struct vm_config vm;
	struct launch ln;
	struct strvec av;
	struct diag d;

	setup(&vm, &mc, &ln);
	ln.ipv6 = 1;
	ln.kvm = 1;
	vm.serial = 0;
	vm.runas = "nobody";
	mc.vnc_listen = "::1";
	sv_init(&av);
	diag_init(&d);
	CHECK(qemu_argv(&vm, &mc, &ln, &av, &d) == 0);
	CHECK(has(&av, "-accel", "kvm") && has(&av, "-serial", "none"));
	CHECK(has(&av, "-chardev", "socket,id=hmp6,host=::1,port=30323,"
	    "server=on,wait=off,nodelay=on,ipv6=on"));
	CHECK(has(&av, "-vnc", "[::1]:3") && has(&av, "-runas", "nobody"));
	sv_free(&av);
	ln.run_with = 1;
	CHECK(qemu_argv(&vm, &mc, &ln, &av, &d) == 0);
	CHECK(has(&av, "-run-with", "user=nobody"));
	sv_free(&av);
	diag_clear(&d);
}

TEST(argv_refuses_long_socket_path)
{
	struct monitor_conf mc;
	struct vm_config vm;
	struct launch ln;
	struct strvec av;
	struct diag d;
	char rundir[200];

	setup(&vm, &mc, &ln);
	memset(rundir, 'r', sizeof(rundir) - 1);
	rundir[0] = '/';
	rundir[sizeof(rundir) - 1] = '\0';
	ln.rundir = rundir;
	sv_init(&av);
	diag_init(&d);
	CHECK(qemu_argv(&vm, &mc, &ln, &av, &d) == -1);
	CHECK(strstr(diag_first_error(&d), "is longer than 107 bytes") != 0);
	sv_free(&av);
	diag_clear(&d);
}

TEST(argv_unix_monitors)
{
	struct monitor_conf mc;
	struct vm_config vm;
	struct launch ln;
	struct strvec av;
	struct diag d;
	size_t i;

	setup(&vm, &mc, &ln);
	mc.unix_sockets = 1;
	sv_init(&av);
	diag_init(&d);
	CHECK(qemu_argv(&vm, &mc, &ln, &av, &d) == 0);
	CHECK(has(&av, "-chardev",
	    "socket,id=hmp,path=/run/qemu-init/web.hmp,server=on,wait=off"));
	CHECK(has(&av, "-chardev",
	    "socket,id=qmp,path=/run/qemu-init/web.qmp,server=on,wait=off"));
	CHECK(has(&av, "-mon", "chardev=qmp,mode=control"));
	for (i = 0; i < av.n; i++)
		CHECK(strstr(av.v[i], "host=127.0.0.1") == NULL);
	sv_free(&av);
	diag_clear(&d);
}
