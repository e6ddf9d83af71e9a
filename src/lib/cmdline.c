/*
 * cmdline.c - the QEMU command line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "confine.h"
#include "paths.h"
#include "ports.h"

int
plan_add_file(struct launch_plan *ln, int fd, int set, const char *name)
{
	struct plan_file *f;

	ln->files = xreallocarray(ln->files, ln->nfiles + 1,
	    sizeof(*ln->files));
	f = &ln->files[ln->nfiles];
	f->fd = fd;
	f->set = set;
	f->name = xstrdup(name);
	return (int)ln->nfiles++;
}

void
plan_free(struct launch_plan *ln)
{
	size_t i;

	for (i = 0; i < ln->nfiles; i++) {
		if (ln->files[i].fd >= 0)
			(void)close(ln->files[i].fd);
		free(ln->files[i].name);
	}
	free(ln->files);
	for (i = 0; ln->disks != NULL && i < ln->ndisks; i++) {
		free(ln->disks[i].backing);
		free(ln->disks[i].data_file);
	}
	free(ln->disks);
	free(ln->cdroms);
	free(ln->taps);
	free(ln->usernets);
	for (i = 0; ln->passt_fds != NULL && ln->passt_fds[i] != -2; i++)
		if (ln->passt_fds[i] >= 0)
			(void)close(ln->passt_fds[i]);
	free(ln->passt_fds);
	free(ln->pidfile);
	firmware_free(&ln->uefi);
	qemu_user_free(&ln->user);
	memset(ln, 0, sizeof(*ln));
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

/*
 * How QEMU finds file i: the descriptor it gets ("7"), or (show, where
 * none was opened) the file it stands for ("<PATH>").  Caller frees.
 */
static char *
fd_word(const struct launch_plan *ln, int i)
{
	const struct plan_file *f = &ln->files[i];
	char *esc, *w;

	if (f->fd >= 0)
		return xasprintf("%d", PLAN_FD_BASE + i);
	esc = qemu_opt_escape(f->name);
	w = xasprintf("<%s>", esc);
	free(esc);
	return w;
}

/* -add-fd fd=N,set=S for file i. */
static void
push_add_fd(struct strvec *av, const struct launch_plan *ln, int i)
{
	char *w = fd_word(ln, i);

	sv_push(av, "-add-fd");
	sv_pushf(av, "fd=%s,set=%d", w, ln->files[i].set);
	free(w);
}

/*
 * A file QEMU opens by name (-kernel, pflash, file=): its fd set's
 * /dev/fdset/S, or /dev/fd/N for a file without one; with by_path the
 * file itself.  Caller frees.
 */
static char *
file_word(const struct launch_plan *ln, int i)
{
	const struct plan_file *f = &ln->files[i];
	char *w, *s;

	if (ln->by_path)
		return xstrdup(f->name);
	if (f->set != 0)
		return xasprintf("/dev/fdset/%d", f->set);
	w = fd_word(ln, i);
	s = xasprintf("/dev/fd/%s", w);
	free(w);
	return s;
}

/* A disk's -drive options after file=...: format, interface, cache. */
static char *
drive_options(const struct vm_config *vm, const struct launch_plan *ln,
    size_t i)
{
	const struct vm_disk *disk = &vm->disks[i];
	const struct plan_disk *pd = &ln->disks[i];
	struct strbuf sb;
	char *esc;

	sb_init(&sb);
	sb_adds(&sb, "");
	/* No format: QEMU probes, with its guard on block 0. */
	if (disk->format != NULL)
		sb_addf(&sb, ",format=%s", disk->format);
	/*
	 * IDE is QEMU's plain -drive: no interface named, as before.  Each
	 * disk's name is disk<i> (DSK<i+1>), by which migrate finds it.
	 */
	if (disk->iface != DISKIF_IDE)
		sb_adds(&sb, ",if=none");
	sb_addf(&sb, ",id=disk%zu", i);
	/*
	 * Opened read-write once, from its fd set's read-write descriptor,
	 * never switched to the read-only one when no one writes: QEMU's
	 * image locks move with no descriptor then (a block mirror, a
	 * migration's hand-over of the image to another QEMU).
	 */
	if (!vm->snapshot)
		sb_adds(&sb, ",snapshot=off,auto-read-only=off");
	if (disk->cache != NULL)
		sb_addf(&sb, ",cache=%s", disk->cache);
	if (disk->discard)
		sb_adds(&sb, ",discard=unmap");
	/* What the header names, absolute: /dev/fdset/ is no folder. */
	if (pd->backing != NULL && !ln->by_path) {
		esc = qemu_opt_escape(pd->backing);
		sb_addf(&sb, ",backing.file.filename=%s", esc);
		free(esc);
	}
	if (pd->data_file != NULL && !ln->by_path) {
		esc = qemu_opt_escape(pd->data_file);
		sb_addf(&sb, ",data-file.filename=%s", esc);
		free(esc);
	}
	return sb_detach(&sb);
}

/* The device of a disk on an interface other than IDE. */
static void
push_disk_device(const struct vm_config *vm, size_t i, int *scsi,
    struct strvec *av)
{
	switch (vm->disks[i].iface) {
	case DISKIF_IDE:
		return;
	case DISKIF_VIRTIO:
		sv_push(av, "-device");
		sv_pushf(av, "virtio-blk-pci,drive=disk%zu", i);
		return;
	case DISKIF_SCSI:
		if (!*scsi) {
			sv_push(av, "-device");
			sv_push(av, "virtio-scsi-pci,id=scsi0");
			*scsi = 1;
		}
		sv_push(av, "-device");
		sv_pushf(av, "scsi-hd,drive=disk%zu,bus=scsi0.0", i);
		return;
	case DISKIF_NVME:
		sv_push(av, "-device");
		sv_pushf(av, "nvme,drive=disk%zu,serial=DSK%zu", i, i + 1);
		return;
	}
}

static void
push_drives(const struct vm_config *vm, const struct launch_plan *ln,
    struct strvec *av)
{
	size_t i;
	char *opts, *file;
	int scsi = 0;

	if (vm->snapshot)
		sv_push(av, "-snapshot");
	for (i = 0; i < vm->ndisks; i++) {
		if (!ln->by_path) {
			if (ln->disks[i].rw != PLAN_NONE)
				push_add_fd(av, ln, ln->disks[i].rw);
			push_add_fd(av, ln, ln->disks[i].ro);
		}
		opts = drive_options(vm, ln, i);
		file = file_word(ln, ln->disks[i].ro);
		sv_push(av, "-drive");
		push_kv(av, "file=", file, opts);
		free(file);
		free(opts);
		push_disk_device(vm, i, &scsi, av);
	}
	/* ISOs are raw, always: an "ISO" that is qcow2 opens nothing. */
	for (i = 0; i < vm->ncdroms; i++) {
		if (!ln->by_path)
			push_add_fd(av, ln, ln->cdroms[i]);
		file = file_word(ln, ln->cdroms[i]);
		sv_push(av, "-drive");
		/* The first where -cdrom puts it: IDE's secondary master. */
		push_kv(av, "file=", file, i == 0 ?
		    ",format=raw,media=cdrom,readonly=on,index=2" :
		    ",format=raw,media=cdrom,readonly=on");
		free(file);
	}
}

/*
 * FIRMWARE=uefi: the firmware's code read-only, the VM's own variable
 * store beside its config (made from the template by the first start).
 */
static void
push_firmware(const struct vm_config *vm, const struct launch_plan *ln,
    struct strvec *av)
{
	char *before, *file;

	if (vm->firmware != FIRMWARE_UEFI || ln->fw_code == PLAN_NONE)
		return;
	if (!ln->by_path) {
		push_add_fd(av, ln, ln->fw_code);
		push_add_fd(av, ln, ln->fw_vars);
		if (ln->fw_vars_ro != PLAN_NONE)
			push_add_fd(av, ln, ln->fw_vars_ro);
	}
	before = xasprintf("if=pflash,unit=0,format=%s,readonly=on,file=",
	    ln->uefi.code_format);
	file = file_word(ln, ln->fw_code);
	sv_push(av, "-drive");
	push_kv(av, before, file, "");
	free(before);
	free(file);
	before = xasprintf("if=pflash,unit=1,format=%s,file=",
	    ln->uefi.vars_format);
	file = file_word(ln, ln->fw_vars);
	sv_push(av, "-drive");
	push_kv(av, before, file, "");
	free(before);
	free(file);
}

/* KERNEL and INITRD: QEMU reads them through /dev/fd/N. */
static void
push_kernel(const struct vm_config *vm, const struct launch_plan *ln,
    struct strvec *av)
{
	char *file;

	if (vm->kernel == NULL)
		return;
	file = file_word(ln, ln->kernel);
	sv_push(av, "-kernel");
	sv_push(av, file);
	free(file);
	if (vm->initrd != NULL) {
		file = file_word(ln, ln->initrd);
		sv_push(av, "-initrd");
		sv_push(av, file);
		free(file);
	}
	if (vm->append != NULL) {
		sv_push(av, "-append");
		sv_push(av, vm->append);
	}
}

/*
 * Exactly the NICs of the config: none is -nic none, never QEMU's
 * default user-mode NIC, whose 10.0.2.2 is the host's loopback.  Each
 * tap is named after the slot and the NIC (ports.h) and is made by
 * qemu-init, on the bridge, before QEMU runs: QEMU is handed it (and so
 * runs no script); with by_path, QEMU makes it with the tap scripts.
 * A NETx=user NIC is a stream socket whose other end is its passt
 * (usernet.h): no tap, no bridge.
 */
static void
push_nics(const struct vm_config *vm, const struct launch_plan *ln,
    struct strvec *av)
{
	char *up, *down, *eup, *edown, *w, tap[TAP_NAME_SIZE];
	size_t i;

	if (vm->nnics == 0) {
		sv_push(av, "-nic");
		sv_push(av, "none");
		return;
	}
	up = path_join(ln->confdir, "qemu-brup");
	down = path_join(ln->confdir, "qemu-brdown");
	eup = qemu_opt_escape(up);
	edown = qemu_opt_escape(down);
	for (i = 0; i < vm->nnics; i++) {
		sv_push(av, "-device");
		sv_pushf(av, "%s,netdev=net%zu,mac=%s", vm->nics[i].model, i,
		    vm->nics[i].mac);
		sv_push(av, "-netdev");
		if (vm->nics[i].net == NET_USER) {
			w = fd_word(ln, ln->usernets[i]);
			sv_pushf(av, "stream,id=net%zu,addr.type=fd,addr.str=%s",
			    i, w);
			free(w);
			continue;
		}
		if (ln->by_path) {
			slot_tap_name(ln->slot, i, tap);
			sv_pushf(av, "tap,id=net%zu,ifname=%s,script=%s,"
			    "downscript=%s", i, tap, eup, edown);
			continue;
		}
		w = fd_word(ln, ln->taps[i]);
		sv_pushf(av, "tap,id=net%zu,fd=%s", i, w);
		free(w);
	}
	free(up);
	free(down);
	free(eup);
	free(edown);
}

/*
 * The four words of a TCP monitor: -chardev and its socket, -mon and
 * its mode; QMP (qmp) or HMP, on ::1 (v6) or 127.0.0.1.
 */
static void
monitor_words(int qmp, int v6, unsigned port, char *w[4])
{
	const char *id = qmp ? "qmp" : "hmp";

	w[0] = xstrdup("-chardev");
	w[1] = xasprintf("socket,id=%s%c,host=%s,port=%u,server=on,wait=off,"
	    "nodelay=on,%s=on", id, v6 ? '6' : '4', v6 ? "::1" : "127.0.0.1",
	    port, v6 ? "ipv6" : "ipv4");
	w[2] = xstrdup("-mon");
	w[3] = xasprintf("chardev=%s%c,mode=%s", id, v6 ? '6' : '4',
	    qmp ? "control" : "readline");
}

static void
free_words(char *w[4])
{
	int i;

	for (i = 0; i < 4; i++)
		free(w[i]);
}

static void
push_monitor(struct strvec *av, int qmp, int v6, unsigned port)
{
	char *w[4];
	int i;

	monitor_words(qmp, v6, port, w);
	for (i = 0; i < 4; i++)
		sv_push(av, w[i]);
	free_words(w);
}

int
qemu_cmdline_monitor(const struct strvec *av, int qmp, int v6,
    unsigned port)
{
	char *w[4];
	size_t i;
	int found = 0;

	monitor_words(qmp, v6, port, w);
	for (i = 0; !found && i + 4 <= av->n; i++)
		found = strcmp(av->v[i], w[0]) == 0 &&
		    strcmp(av->v[i + 1], w[1]) == 0 &&
		    strcmp(av->v[i + 2], w[2]) == 0 &&
		    strcmp(av->v[i + 3], w[3]) == 0;
	free_words(w);
	return found;
}

int
qemu_cmdline_name(const struct strvec *av, const char *name,
    const char **other)
{
	const char *v = NULL;
	size_t i;

	for (i = 1; i + 1 < av->n; i++) {
		if (strcmp(av->v[i], "-name") != 0)
			continue;
		if (v != NULL)
			return CMDLINE_UNKNOWN;	/* which one counts? */
		v = av->v[++i];
	}
	/* "guest=web,debug-threads=on" and the like: not a plain name. */
	if (v == NULL || v[0] == '\0' || v[strcspn(v, ",=")] != '\0')
		return CMDLINE_UNKNOWN;
	*other = v;
	return strcmp(v, name) == 0 ? CMDLINE_VM : CMDLINE_OTHER;
}

/*
 * A socket qemu-init bound in RUNDIR: fd=N, or with by_path the socket's
 * name (path=FILE: QEMU binds it).
 */
static void
push_socket(struct strvec *av, const struct launch_plan *ln, enum plan_fd which,
    const char *fmt_before, const char *after)
{
	const struct plan_file *f = &ln->files[ln->fd[which]];
	char *esc, *w;

	if (ln->by_path) {
		esc = qemu_opt_escape(f->name);
		sv_pushf(av, "%spath=%s%s", fmt_before, esc, after);
		free(esc);
		return;
	}
	w = fd_word(ln, ln->fd[which]);
	sv_pushf(av, "%sfd=%s%s", fmt_before, w, after);
	free(w);
}

/* A monitor on a unix socket qemu-init bound in RUNDIR. */
static void
push_monitor_unix(struct strvec *av, const struct launch_plan *ln,
    enum plan_fd which, const char *id, const char *mode)
{
	char *before = xasprintf("socket,id=%s,", id);

	sv_push(av, "-chardev");
	push_socket(av, ln, which, before, ",server=on,wait=off");
	sv_push(av, "-mon");
	sv_pushf(av, "chardev=%s,mode=%s", id, mode);
	free(before);
}

/*
 * The serial console: its socket and its log are descriptors, so QEMU
 * never opens a name in RUNDIR.  The log goes through -add-fd and its
 * fd set, or is named with the plan's by_path.
 */
static void
push_serial(const struct vm_config *vm, const struct launch_plan *ln,
    struct strvec *av)
{
	char *log, *after;

	if (!vm->serial) {
		sv_push(av, "-serial");
		sv_push(av, "none");
		return;
	}
	if (!ln->by_path)
		push_add_fd(av, ln, ln->fd[PLAN_CONSOLE_LOG]);
	log = qemu_opt_escape(ln->by_path ?
	    ln->files[ln->fd[PLAN_CONSOLE_LOG]].name : "");
	after = ln->by_path ? xasprintf(",server=on,wait=off,logfile=%s,"
	    "logappend=on", log) : xasprintf(",server=on,wait=off,"
	    "logfile=/dev/fdset/%d,logappend=on",
	    ln->files[ln->fd[PLAN_CONSOLE_LOG]].set);
	free(log);
	sv_push(av, "-chardev");
	push_socket(av, ln, PLAN_SERIAL, "socket,id=serial0,", after);
	free(after);
	sv_push(av, "-serial");
	sv_push(av, "chardev:serial0");
}

/*
 * AGENT=yes: the guest agent's port on a virtio-serial bus of its own,
 * its host side a socket qemu-init bound in RUNDIR.
 */
static void
push_agent(const struct vm_config *vm, const struct launch_plan *ln,
    struct strvec *av)
{
	if (!vm->agent)
		return;
	sv_push(av, "-chardev");
	push_socket(av, ln, PLAN_AGENT, "socket,id=agent,",
	    ",server=on,wait=off");
	sv_push(av, "-device");
	sv_push(av, "virtio-serial-pci,id=agent0");
	sv_push(av, "-device");
	sv_push(av, "virtserialport,bus=agent0.0,chardev=agent,"
	    "name=org.qemu.guest_agent.0");
}

static void
push_vnc(const struct vm_config *vm, const struct monconf *mc,
    const struct launch_plan *ln, struct strvec *av)
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

/*
 * SANDBOX=yes: QEMU's seccomp filter.  A shell line (by_path) runs the
 * tap scripts and daemonizes, which forks and calls setsid after the
 * filter is set: it may spawn and elevate.
 */
static void
push_sandbox(const struct vm_config *vm, const struct launch_plan *ln,
    struct strvec *av)
{
	if (!vm->sandbox)
		return;
	sv_push(av, "-sandbox");
	sv_push(av, ln->by_path ? "on,obsolete=deny,resourcecontrol=deny" :
	    CONFINE_SANDBOX);
}

void
qemu_cmdline(const struct vm_config *vm, const struct monconf *mc,
    const struct launch_plan *ln, struct strvec *av)
{
	size_t i;
	char *w;

	sv_push(av, vm->tgtarch);
	sv_push(av, "-name");
	sv_push(av, vm->name);
	sv_push(av, "-accel");
	sv_push(av, ln->kvm ? "kvm" : "tcg");
	sv_push(av, "-m");
	sv_push(av, vm->ram);
	push_optional(av, "-smp", vm->smp);
	push_optional(av, "-cpu", vm->cpu);
	if (vm->machine == NULL && vm->firmware == FIRMWARE_UEFI)
		push_optional(av, "-machine", "q35");
	else
		push_optional(av, "-machine", vm->machine);
	push_firmware(vm, ln, av);
	push_kernel(vm, ln, av);
	push_drives(vm, ln, av);
	push_nics(vm, ln, av);
	push_vnc(vm, mc, ln, av);
	push_serial(vm, ln, av);
	push_agent(vm, ln, av);
	push_monitor_unix(av, ln, PLAN_CONTROL, "control", "control");
	if (mc->unix_monitors) {
		push_monitor_unix(av, ln, PLAN_HMP, "hmp", "readline");
		push_monitor_unix(av, ln, PLAN_QMP, "qmp", "control");
	} else {
		push_monitor(av, 0, 0, ln->monport);
		if (ln->ipv6)
			push_monitor(av, 0, 1, ln->monport);
		push_monitor(av, 1, 0, ln->ctlport);
		if (ln->ipv6)
			push_monitor(av, 1, 1, ln->ctlport);
	}
	push_sandbox(vm, ln, av);
	sv_push(av, "-pidfile");
	sv_push(av, ln->pidfile);
	if (ln->incoming != PLAN_NONE && !ln->by_path) {
		w = fd_word(ln, ln->incoming);
		sv_push(av, "-S");
		sv_push(av, "-incoming");
		sv_pushf(av, "fd:%s", w);
		free(w);
	}
	/* A shell's QEMU returns once it runs; start's runs as it is. */
	if (ln->by_path)
		sv_push(av, "-daemonize");
	for (i = 0; i < vm->ncustom; i++)
		sv_push(av, vm->custom[i]);
}
