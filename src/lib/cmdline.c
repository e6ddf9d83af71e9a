/*
 * cmdline.c - the QEMU command line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "paths.h"
#include "ports.h"

/* -opt key=PATH,...: the path with its commas doubled. */
static void
push_kv(struct strvec *av, const char *fmt_before, const char *path,
    const char *after)
{
	char *esc = qemu_opt_escape(path);

	sv_pushf(av, "%s%s%s", fmt_before, esc, after);
	free(esc);
}

/* A disk's -drive options after file=PATH. */
static char *
drive_options(const struct vm_config *vm, size_t i)
{
	static const char *const fmt[] = {
		[DISK_RAW] = ",format=raw", [DISK_QCOW2] = ",format=qcow2",
		[DISK_PROBE] = ""
	};
	const struct vm_disk *disk = &vm->disks[i];
	struct strbuf sb;

	sb_init(&sb);
	sb_adds(&sb, fmt[disk->format]);
	/* IDE is QEMU's plain -drive: no interface named, as before. */
	if (disk->iface != DISKIF_IDE)
		sb_addf(&sb, ",if=none,id=disk%zu", i);
	if (!vm->snapshot)
		sb_adds(&sb, ",snapshot=off");
	if (disk->cache != NULL)
		sb_addf(&sb, ",cache=%s", disk->cache);
	if (disk->discard)
		sb_adds(&sb, ",discard=unmap");
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
push_drives(const struct vm_config *vm, struct strvec *av)
{
	size_t i;
	char *opts;
	int scsi = 0;

	if (vm->snapshot)
		sv_push(av, "-snapshot");
	for (i = 0; i < vm->ndisks; i++) {
		opts = drive_options(vm, i);
		sv_push(av, "-drive");
		push_kv(av, "file=", vm->disks[i].path, opts);
		free(opts);
		push_disk_device(vm, i, &scsi, av);
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

/*
 * FIRMWARE=uefi: the firmware's code read-only, the VM's own variable
 * store beside its config (made from the template by the first start).
 */
static void
push_firmware(const struct vm_config *vm, const struct launch_plan *ln,
    struct strvec *av)
{
	char *before;

	if (vm->firmware != FIRMWARE_UEFI || ln->uefi.code == NULL)
		return;
	before = xasprintf("if=pflash,unit=0,format=%s,readonly=on,file=",
	    ln->uefi.code_format);
	sv_push(av, "-drive");
	push_kv(av, before, ln->uefi.code, "");
	free(before);
	before = xasprintf("if=pflash,unit=1,format=%s,file=",
	    ln->uefi.vars_format);
	sv_push(av, "-drive");
	push_kv(av, before, vm->uefi_vars, "");
	free(before);
}

/*
 * Exactly the NICs of the config: none is -nic none, never QEMU's
 * default user-mode NIC, whose 10.0.2.2 is the host's loopback.  Each
 * tap is named after the slot and the NIC (ports.h).
 */
static void
push_nics(const struct vm_config *vm, const struct launch_plan *ln,
    struct strvec *av)
{
	char *up, *down, *eup, *edown, tap[TAP_NAME_SIZE];
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
		slot_tap_name(ln->slot, i, tap);
		sv_push(av, "-netdev");
		sv_pushf(av, "tap,id=net%zu,ifname=%s,script=%s,downscript=%s",
		    i, tap, eup, edown);
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
 * A descriptor qemu-init opened, or the file it would be (show): as
 * fd=<FILE>, or path=FILE with the plan's by_path.
 */
static void
push_fd(struct strvec *av, const struct launch_plan *ln, enum plan_fd which,
    const char *fmt_before, const char *after)
{
	char *esc;

	if (ln->fd[which] >= 0) {
		sv_pushf(av, "%sfd=%d%s", fmt_before, ln->fd[which], after);
		return;
	}
	esc = qemu_opt_escape(ln->path[which] != NULL ? ln->path[which] :
	    "?");
	if (ln->by_path)
		sv_pushf(av, "%spath=%s%s", fmt_before, esc, after);
	else
		sv_pushf(av, "%sfd=<%s>%s", fmt_before, esc, after);
	free(esc);
}

/* A monitor on a unix socket qemu-init bound in RUNDIR. */
static void
push_monitor_unix(struct strvec *av, const struct launch_plan *ln,
    enum plan_fd which, const char *id, const char *mode)
{
	char *before = xasprintf("socket,id=%s,", id);

	sv_push(av, "-chardev");
	push_fd(av, ln, which, before, ",server=on,wait=off");
	sv_push(av, "-mon");
	sv_pushf(av, "chardev=%s,mode=%s", id, mode);
	free(before);
}

/*
 * The serial console: its socket and its log are descriptors, so QEMU
 * never opens a name in RUNDIR.  The log goes through -add-fd and
 * /dev/fdset/1, or is named with the plan's by_path.
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
	if (ln->by_path && ln->fd[PLAN_CONSOLE_LOG] < 0) {
		log = qemu_opt_escape(ln->path[PLAN_CONSOLE_LOG] != NULL ?
		    ln->path[PLAN_CONSOLE_LOG] : "?");
		after = xasprintf(",server=on,wait=off,logfile=%s,"
		    "logappend=on", log);
		free(log);
	} else {
		sv_push(av, "-add-fd");
		push_fd(av, ln, PLAN_CONSOLE_LOG, "", ",set=1");
		after = xstrdup(",server=on,wait=off,logfile=/dev/fdset/1,"
		    "logappend=on");
	}
	sv_push(av, "-chardev");
	push_fd(av, ln, PLAN_SERIAL, "socket,id=serial0,", after);
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
	push_fd(av, ln, PLAN_AGENT, "socket,id=agent,", ",server=on,wait=off");
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

void
qemu_cmdline(const struct vm_config *vm, const struct monconf *mc,
    const struct launch_plan *ln, struct strvec *av)
{
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
	if (vm->machine == NULL && vm->firmware == FIRMWARE_UEFI)
		push_optional(av, "-machine", "q35");
	else
		push_optional(av, "-machine", vm->machine);
	push_firmware(vm, ln, av);
	push_optional(av, "-kernel", vm->kernel);
	push_optional(av, "-initrd", vm->initrd);
	push_optional(av, "-append", vm->append);
	push_drives(vm, av);
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
	if (vm->runas != NULL && ln->run_with) {
		sv_push(av, "-run-with");
		push_kv(av, "user=", vm->runas, "");
	} else
		push_optional(av, "-runas", vm->runas);
	sv_push(av, "-pidfile");
	sv_push(av, ln->pidfile);
	sv_push(av, "-daemonize");
	for (i = 0; i < vm->ncustom; i++)
		sv_push(av, vm->custom[i]);
}
