/*
 * argv.c - the QEMU command line.
 */
#include <sys/un.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "argv.h"
#include "paths.h"
#include "proc.h"

void
launch_ports(struct launch *ln, const struct monitor_conf *mc, unsigned s)
{
	ln->slot = s;
	ln->monport = mc->monport + s;
	ln->ctlport = mc->monport + s + MONCONF_SLOTS_MAX;
}

int
kvm_available(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

int
qemu_has_run_with(const char *tgtarch)
{
	char *argv[] = { (char *)tgtarch, "--version", NULL };
	struct strbuf out;
	struct diag d;
	const char *v;
	int status, major = 0, minor = 0;

	sb_init(&out);
	diag_init(&d);
	if (proc_run(argv, NULL, &out, NULL, &status, &d) == 0 &&
	    status == 0 && (v = strstr(out.s, "version ")) != NULL &&
	    sscanf(v, "version %d.%d", &major, &minor) != 2)
		major = minor = 0;
	diag_clear(&d);
	sb_free(&out);
	return major > 9 || (major == 9 && minor >= 1);
}

char *
run_path(const char *rundir, const char *name, const char *suffix)
{
	char *file = xasprintf("%s%s", name, suffix);
	char *path = path_join(rundir, file);

	free(file);
	return path;
}

/* -opt key=PATH,...: the path with its commas doubled. */
static void
push_kv(struct strvec *av, const char *fmt_before, const char *path,
    const char *after)
{
	char *esc = qemu_opt_escape(path);

	sv_pushf(av, "%s%s%s", fmt_before, esc, after);
	free(esc);
}

static void
push_drives(const struct vm_config *vm, struct strvec *av)
{
	static const char *const fmt[] = {
		[DISK_RAW] = ",format=raw", [DISK_QCOW2] = ",format=qcow2",
		[DISK_PROBE] = ""
	};
	size_t i;
	char *opts;

	for (i = 0; i < vm->ndisks; i++) {
		opts = xasprintf("%s,snapshot=off", fmt[vm->disks[i].format]);
		sv_push(av, "-drive");
		push_kv(av, "file=", vm->disks[i].path, opts);
		free(opts);
	}
	for (i = 0; i < vm->ncdroms; i++) {
		if (i == 0) {
			/* -cdrom takes a plain file name: nothing to escape. */
			sv_push(av, "-cdrom");
			sv_push(av, vm->cdroms[0]);
			continue;
		}
		sv_push(av, "-drive");
		push_kv(av, "file=", vm->cdroms[i], ",media=cdrom");
	}
}

static void
push_nics(const struct vm_config *vm, const struct launch *ln,
    struct strvec *av)
{
	char *up, *down, *eup, *edown;
	size_t i;

	up = path_join(ln->confdir, "qemu-brup");
	down = path_join(ln->confdir, "qemu-brdown");
	eup = qemu_opt_escape(up);
	edown = qemu_opt_escape(down);
	for (i = 0; i < vm->nnics; i++) {
		sv_push(av, "-device");
		sv_pushf(av, "%s,netdev=net%zu,mac=%s", vm->nics[i].model, i,
		    vm->nics[i].mac);
		sv_push(av, "-netdev");
		sv_pushf(av, "tap,id=net%zu,script=%s,downscript=%s", i, eup,
		    edown);
	}
	free(up);
	free(down);
	free(eup);
	free(edown);
}

static void
push_monitor(struct strvec *av, const char *id, const char *host,
    unsigned port, const char *mode)
{
	sv_push(av, "-chardev");
	sv_pushf(av, "socket,id=%s,host=%s,port=%u,server=on,wait=off,"
	    "nodelay=on,%s=on", id, host, port,
	    strchr(host, ':') != NULL ? "ipv6" : "ipv4");
	sv_push(av, "-mon");
	sv_pushf(av, "chardev=%s,mode=%s", id, mode);
}

/* A monitor on a unix socket in RUNDIR (MONITOR=unix). */
static int
push_monitor_unix(struct strvec *av, const struct vm_config *vm,
    const struct launch *ln, const char *id, const char *mode,
    struct diag *d)
{
	struct sockaddr_un sun;
	char *suffix, *path, *esc;

	suffix = xasprintf(".%s", id);
	path = run_path(ln->rundir, vm->name, suffix);
	free(suffix);
	if (strlen(path) >= sizeof(sun.sun_path)) {
		diag_error(d, "monitor socket path %s is longer than %zu bytes "
		    "(shorten RUNDIR or the VM name)", path,
		    sizeof(sun.sun_path) - 1);
		free(path);
		return -1;
	}
	esc = qemu_opt_escape(path);
	sv_push(av, "-chardev");
	sv_pushf(av, "socket,id=%s,path=%s,server=on,wait=off", id, esc);
	sv_push(av, "-mon");
	sv_pushf(av, "chardev=%s,mode=%s", id, mode);
	free(esc);
	free(path);
	return 0;
}

static int
push_serial(const struct vm_config *vm, const struct launch *ln,
    struct strvec *av, struct diag *d)
{
	struct sockaddr_un sun;
	char *sock, *log, *esock, *elog;

	if (!vm->serial) {
		sv_push(av, "-serial");
		sv_push(av, "none");
		return 0;
	}
	sock = run_path(ln->rundir, vm->name, ".serial");
	if (strlen(sock) >= sizeof(sun.sun_path)) {
		diag_error(d, "serial socket path %s is longer than %zu "
		    "bytes (shorten RUNDIR or the VM name, or set SERIAL=no)",
		    sock, sizeof(sun.sun_path) - 1);
		free(sock);
		return -1;
	}
	log = run_path(ln->rundir, vm->name, ".console.log");
	esock = qemu_opt_escape(sock);
	elog = qemu_opt_escape(log);
	sv_push(av, "-chardev");
	sv_pushf(av, "socket,id=serial0,path=%s,server=on,wait=off,"
	    "logfile=%s,logappend=on", esock, elog);
	sv_push(av, "-serial");
	sv_push(av, "chardev:serial0");
	free(sock);
	free(log);
	free(esock);
	free(elog);
	return 0;
}

static void
push_vnc(const struct vm_config *vm, const struct monitor_conf *mc,
    const struct launch *ln, struct strvec *av)
{
	sv_push(av, "-display");
	sv_push(av, "none");
	if (!vm->vnc)
		return;
	sv_push(av, "-vnc");
	if (strchr(mc->vnc_listen, ':') != NULL &&
	    mc->vnc_listen[0] != '[')
		sv_pushf(av, "[%s]:%u", mc->vnc_listen, ln->slot);
	else
		sv_pushf(av, "%s:%u", mc->vnc_listen, ln->slot);
}

static void
push_optional(struct strvec *av, const char *opt, const char *value)
{
	if (value == NULL)
		return;
	sv_push(av, opt);
	sv_push(av, value);
}

int
qemu_argv(const struct vm_config *vm, const struct monitor_conf *mc,
    const struct launch *ln, struct strvec *av, struct diag *d)
{
	char *pidfile;
	size_t i;

	sv_push(av, vm->tgtarch);
	sv_push(av, "-name");
	sv_push(av, vm->name);
	sv_push(av, "-accel");
	sv_push(av, ln->kvm ? "kvm" : "tcg");
	sv_push(av, "-m");
	sv_push(av, vm->ram);
	push_optional(av, "-smp", vm->smp);
	push_optional(av, "-cpu", vm->cpu);
	push_optional(av, "-machine", vm->machine);
	push_optional(av, "-kernel", vm->kernel);
	push_optional(av, "-initrd", vm->initrd);
	push_optional(av, "-append", vm->append);
	push_drives(vm, av);
	push_nics(vm, ln, av);
	push_vnc(vm, mc, ln, av);
	if (push_serial(vm, ln, av, d) != 0)
		return -1;
	if (mc->unix_sockets) {
		if (push_monitor_unix(av, vm, ln, "hmp", "readline", d) != 0 ||
		    push_monitor_unix(av, vm, ln, "qmp", "control", d) != 0)
			return -1;
	} else {
		push_monitor(av, "hmp4", "127.0.0.1", ln->monport, "readline");
		if (ln->ipv6)
			push_monitor(av, "hmp6", "::1", ln->monport,
			    "readline");
		push_monitor(av, "qmp4", "127.0.0.1", ln->ctlport, "control");
		if (ln->ipv6)
			push_monitor(av, "qmp6", "::1", ln->ctlport,
			    "control");
	}
	if (vm->runas != NULL && ln->run_with) {
		sv_push(av, "-run-with");
		push_kv(av, "user=", vm->runas, "");
	} else
		push_optional(av, "-runas", vm->runas);
	pidfile = run_path(ln->rundir, vm->name, ".pid");
	sv_push(av, "-pidfile");
	sv_push(av, pidfile);
	free(pidfile);
	sv_push(av, "-daemonize");
	for (i = 0; i < vm->ncustom; i++)
		sv_push(av, vm->custom[i]);
	return 0;
}
