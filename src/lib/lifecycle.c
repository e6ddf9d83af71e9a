/*
 * lifecycle.c - start, stop and kill.
 *
 * Two locks in RUNDIR keep concurrent qemu-init processes apart: the
 * VM's RUN_LOCK for an action on one VM (never two QEMUs for one VM),
 * and the slot lock from choosing a slot until the state file that
 * records it is written (never two VMs on one slot).
 *
 * QEMU gets every file of the VM as an open descriptor: its sockets and
 * console log, made here under the RUNDIR descriptor, its images, ISOs,
 * kernel and firmware, and its taps.  It runs as its own user (confine.h)
 * in a session of its own, a child of ours until we exit, and opens no
 * name in RUNDIR but its pid file in its own folder.  Which process is
 * the VM is decided once, at the start: the one we started, which must
 * be the one on the other end of the control socket, with its start
 * time.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "check.h"
#include "cmdline.h"
#include "confine.h"
#include "fileread.h"
#include "firmware.h"
#include "hostprobe.h"
#include "image.h"
#include "lifecycle.h"
#include "monitor.h"
#include "netif.h"
#include "paths.h"
#include "ports.h"
#include "proc.h"
#include "qmp.h"
#include "qmpmany.h"
#include "sock.h"
#include "usernet.h"

int
vm_lock(const struct rundir *rd, const char *name, int *fd, struct diag *d)
{
	switch (lock_take(rd, name, RUN_LOCK, VM_LOCK_WAIT_MS, fd, d)) {
	case LOCK_TAKEN:
		return 0;
	case LOCK_BUSY:
		diag_error(d, "another qemu-init is acting on '%s' (still "
		    "busy after %d s)", name, VM_LOCK_WAIT_MS / 1000);
		break;
	case LOCK_ERROR:
		break;
	}
	return -1;
}

/* PRECMD and POSTCMD: trusted shell, run with QEMU_INIT_VM set. */
static int
run_hook(const char *what, const char *cmd, const char *name,
    struct diag *d)
{
	char *argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };
	char *env[] = { NULL, NULL };
	int status, rc;

	env[0] = xasprintf("QEMU_INIT_VM=%s", name);
	rc = proc_run(argv, env, NULL, NULL, &status, d);
	free(env[0]);
	if (rc != 0)
		return -1;
	if (status != 0) {
		diag_error(d, "%s of '%s' failed (exit status %d)", what, name,
		    status);
		return -1;
	}
	return 0;
}

/* POSTCMD, once the VM runs: a failure is a warning. */
static void
postcmd(const struct vm_config *vm, struct diag *d)
{
	struct diag warn;

	if (vm->postcmd == NULL)
		return;
	diag_init(&warn);
	if (run_hook("POSTCMD", vm->postcmd, vm->name, &warn) != 0)
		diag_warn(d, "%s (the VM runs)", diag_first_error(&warn));
	diag_clear(&warn);
}

struct mac_check {
	const struct vm_config *vm;
	struct diag	*d;
};

/* A NIC of ours whose MAC a running VM uses, as recorded at its start. */
static void
check_running_macs(const char *name, const struct vm_state *st, void *arg)
{
	struct mac_check *mc = arg;
	size_t i, j;

	if (strcmp(name, mc->vm->name) == 0)
		return;
	for (i = 0; i < mc->vm->nnics; i++)
		for (j = 0; j < st->nnics; j++)
			if (strcmp(mc->vm->nics[i].mac, st->nics[j].mac) == 0)
				diag_error(mc->d, "MAC %s of NIC%zu is in use "
				    "by NIC%zu of running VM '%s' (set MAC%zu)",
				    st->nics[j].mac, i + 1, j + 1, name, i + 1);
}

/*
 * What must hold before anything runs: the bridge, free forward ports,
 * unique MACs.
 */
static int
preflight(const struct vm_config *vm, const struct rundir *rd,
    struct diag *d)
{
	struct mac_check mc = { vm, d };
	unsigned errors = d->errors;

	if (vm->nnics == 0)
		return 0;
	(void)check_bridge(vm, d);
	(void)usernet_ports_check(vm, d);
	if (vm_each_running(rd, check_running_macs, &mc, d) != 0)
		return -1;
	return d->errors == errors ? 0 : -1;
}

/* The sockets and the log QEMU gets, in RUNDIR. */
static int
plan_rundir_files(const struct vm_config *vm, const struct monconf *mc,
    const struct rundir *rd, int open_files, struct launch_plan *ln,
    struct diag *d)
{
	static const enum run_file kind[PLAN_NFDS] = {
		[PLAN_CONTROL] = RUN_CONTROL, [PLAN_SERIAL] = RUN_SERIAL,
		[PLAN_CONSOLE_LOG] = RUN_CONSOLE_LOG, [PLAN_HMP] = RUN_HMP,
		[PLAN_QMP] = RUN_QMP, [PLAN_AGENT] = RUN_AGENT
	};
	int i, want, fd = -1;
	char *path;

	for (i = 0; i < PLAN_NFDS; i++) {
		want = i == PLAN_CONTROL ||
		    ((i == PLAN_SERIAL || i == PLAN_CONSOLE_LOG) &&
		    vm->serial) ||
		    ((i == PLAN_HMP || i == PLAN_QMP) && mc->unix_monitors) ||
		    (i == PLAN_AGENT && vm->agent);
		if (!want)
			continue;
		if (i != PLAN_CONSOLE_LOG &&
		    rundir_socket_fits(rd, vm->name, kind[i], d) != 0)
			return -1;
		if (open_files) {
			fd = i == PLAN_CONSOLE_LOG ?
			    rundir_new_console_log(rd, vm->name, d) :
			    rundir_bind(rd, vm->name, kind[i], d);
			if (fd < 0)
				return -1;
		}
		path = rundir_path(rd, vm->name, kind[i]);
		ln->fd[i] = plan_add_file(ln, fd, i == PLAN_CONSOLE_LOG ?
		    ++ln->next_set : 0, path);
		free(path);
	}
	return 0;
}

/* KVM=yes, or KVM=auto where /dev/kvm opens; else TCG. */
static int
uses_kvm(const struct vm_config *vm)
{
	return vm->kvm == KVM_YES || (vm->kvm == KVM_AUTO && kvm_available());
}

/*
 * A file of the VM's for QEMU: opened with flags (start), or only named
 * (show); in a new fd set with set.  Root opens only what no one else
 * could have planted (fileread.h).  Its index, or -1 with why in d.
 */
static int
plan_open(struct launch_plan *ln, const char *path, int flags, int set,
    int open_files, struct diag *d)
{
	int fd = -1;

	/* Images (in an fd set) may be block devices too. */
	if (open_files) {
		if (!path_folders_trusted(path, d) ||
		    (fd = set != 0 ? file_open_image(path, flags, d) :
		    file_open_regular(path, flags, d)) < 0)
			return -1;
	}
	return plan_add_file(ln, fd, set, path);
}

/*
 * KERNEL and INITRD: QEMU reopens them through /dev/fd, which checks
 * the file's own mode against QEMU's user (not the folders on the way).
 */
static int
plan_boot_file(struct launch_plan *ln, const char *key, const char *path,
    int open_files, int *index, struct diag *d)
{
	struct stat st;
	char *who;
	int i;

	if ((i = plan_open(ln, path, O_RDONLY, 0, open_files, d)) < 0)
		return -1;
	*index = i;
	if (!open_files || fstat(ln->files[i].fd, &st) != 0 ||
	    qemu_user_may(&ln->user, &st, R_OK))
		return 0;
	who = qemu_user_describe(&ln->user);
	diag_error(d, "%s %s is not readable by QEMU's user %s (mode %04o): "
	    "chmod o+r %s", key, path, who, (unsigned)(st.st_mode & 07777),
	    path);
	free(who);
	return -1;
}

/*
 * What a disk's qcow2 header names (the image is read, never believed
 * about its format): each a plain file name, made absolute for QEMU,
 * which finds no folder in /dev/fdset/.
 */
static int
plan_disk_names(const struct vm_config *vm, size_t i, int fd,
    struct plan_disk *pd, struct diag *d)
{
	struct image_info info;
	const char *why = NULL, *path = vm->disks[i].path;
	const char *format = vm->disks[i].format;
	int rc;

	/* Another format given: QEMU reads no qcow2 header there. */
	if (format != NULL && strcmp(format, "qcow2") != 0)
		return 0;
	rc = fd >= 0 ? image_inspect(fd, &info, &why) :
	    image_inspect_path(path, &info, NULL);
	if (rc != 0 && fd >= 0) {
		diag_error(d, "DSK%zu %s: %s", i + 1, path, why);
		image_info_free(&info);
		return -1;
	}
	if (info.backing != NULL && !image_name_plain(info.backing, &why))
		diag_error(d, "DSK%zu %s: its backing file '%s' %s: refused",
		    i + 1, path, info.backing, why);
	else if (info.data_file != NULL &&
	    !image_name_plain(info.data_file, &why))
		diag_error(d, "DSK%zu %s: its data file '%s' %s: refused",
		    i + 1, path, info.data_file, why);
	else {
		/* Probed, only a qcow2 image takes these (not raw, say). */
		if (info.qcow2 && info.backing != NULL)
			pd->backing = image_name_resolve(path, info.backing);
		if (info.qcow2 && info.data_file != NULL)
			pd->data_file = image_name_resolve(path,
			    info.data_file);
		image_info_free(&info);
		return 0;
	}
	image_info_free(&info);
	return -1;
}

/*
 * The images: each disk read-write and read-only in an fd set of its
 * own (QEMU takes the one it needs), read-only alone under SNAPSHOT=yes
 * (the guest's writes go elsewhere); each ISO read-only.
 */
static int
plan_images(const struct vm_config *vm, int open_files,
    struct launch_plan *ln, struct diag *d)
{
	struct plan_disk *pd;
	size_t i;

	ln->ndisks = vm->ndisks;
	ln->disks = xcalloc(vm->ndisks + 1, sizeof(*ln->disks));
	for (i = 0; i < vm->ndisks; i++) {
		pd = &ln->disks[i];
		pd->set = ++ln->next_set;
		pd->rw = PLAN_NONE;
		if (!vm->snapshot && (pd->rw = plan_open(ln,
		    vm->disks[i].path, O_RDWR, pd->set, open_files, d)) < 0)
			return -1;
		if ((pd->ro = plan_open(ln, vm->disks[i].path, O_RDONLY,
		    pd->set, open_files, d)) < 0 ||
		    plan_disk_names(vm, i, ln->files[pd->ro].fd, pd, d) != 0)
			return -1;
	}
	ln->cdroms = xcalloc(vm->ncdroms + 1, sizeof(*ln->cdroms));
	for (i = 0; i < vm->ncdroms; i++)
		if ((ln->cdroms[i] = plan_open(ln, vm->cdroms[i], O_RDONLY,
		    ++ln->next_set, open_files, d)) < 0)
			return -1;
	return 0;
}

/*
 * Each NIC's tap, made on the bridge by us (start), or named (show);
 * for a NETx=user NIC, the socket pair between QEMU and its passt.
 */
static int
plan_taps(const struct vm_config *vm, int open_files, struct launch_plan *ln,
    struct diag *d)
{
	char tap[TAP_NAME_SIZE], *name;
	int fd = -1, pair[2] = { -1, -1 };
	size_t i;

	ln->taps = xcalloc(vm->nnics + 1, sizeof(*ln->taps));
	ln->usernets = xcalloc(vm->nnics + 1, sizeof(*ln->usernets));
	ln->passt_fds = xcalloc(vm->nnics + 1, sizeof(*ln->passt_fds));
	for (i = 0; i < vm->nnics; i++)
		ln->taps[i] = ln->usernets[i] = ln->passt_fds[i] = -1;
	ln->passt_fds[vm->nnics] = -2;		/* the end */
	for (i = 0; i < vm->nnics; i++) {
		if (vm->nics[i].net == NET_USER) {
			if (open_files && usernet_pair(pair, d) != 0)
				return -1;
			name = xasprintf("passt of NIC%zu", i + 1);
			ln->usernets[i] = plan_add_file(ln, pair[0], 0, name);
			ln->passt_fds[i] = pair[1];
			free(name);
			continue;
		}
		slot_tap_name(ln->slot, i, tap);
		if (open_files &&
		    (fd = netif_tap_create(tap, vm->bridge, d)) < 0)
			return -1;
		name = xasprintf("tap %s on %s", tap, vm->bridge);
		ln->taps[i] = plan_add_file(ln, fd, 0, name);
		free(name);
	}
	return 0;
}

/*
 * FIRMWARE=uefi: the firmware QEMU's descriptors give for the VM's
 * architecture and machine, its code read-only and (start) the VM's
 * own variable store, each in an fd set.
 */
static int
plan_firmware(const struct vm_config *vm, int open_files,
    struct launch_plan *ln, struct diag *d)
{
	int fd = -1;

	if (vm->firmware != FIRMWARE_UEFI)
		return 0;
	if (firmware_for(vm, &ln->uefi, d) != 0 ||
	    (ln->fw_code = plan_open(ln, ln->uefi.code, O_RDONLY,
	    ++ln->next_set, open_files, d)) < 0)
		return -1;
	if (open_files && (fd = firmware_open_vars(&ln->uefi, vm->uefi_vars,
	    d)) < 0)
		return -1;
	/* Read-write, and read-only: QEMU opens it both ways. */
	ln->fw_vars = plan_add_file(ln, fd, ++ln->next_set, vm->uefi_vars);
	if (open_files && (fd = file_reopen(fd, O_RDONLY, vm->uefi_vars,
	    d)) < 0)
		return -1;
	ln->fw_vars_ro = plan_add_file(ln, fd, ln->next_set, vm->uefi_vars);
	return 0;
}

int
vm_plan(const struct vm_config *vm, const struct monconf *mc,
    const char *confdir, const struct rundir *rd, unsigned slot,
    int open_files, struct launch_plan *ln, struct diag *d)
{
	char *dir;
	int i;

	memset(ln, 0, sizeof(*ln));
	for (i = 0; i < PLAN_NFDS; i++)
		ln->fd[i] = PLAN_NONE;
	ln->kernel = ln->initrd = ln->fw_code = PLAN_NONE;
	ln->fw_vars = ln->fw_vars_ro = ln->incoming = PLAN_NONE;
	ln->slot = slot;
	slot_ports(mc, slot, &ln->monport, &ln->ctlport);
	ln->ipv6 = !mc->unix_monitors && ipv6_loopback();
	ln->kvm = uses_kvm(vm);
	ln->confdir = confdir;
	dir = rundir_path(rd, vm->name, RUN_QEMU_DIR);
	ln->pidfile = path_join(dir, RUN_QEMU_PIDFILE);
	free(dir);
	if (qemu_user_for(vm->runas, mc->runas, slot, mc->slots, &ln->user,
	    d) != 0 ||
	    plan_rundir_files(vm, mc, rd, open_files, ln, d) != 0 ||
	    plan_firmware(vm, open_files, ln, d) != 0 ||
	    (vm->kernel != NULL && plan_boot_file(ln, "KERNEL", vm->kernel,
	    open_files, &ln->kernel, d) != 0) ||
	    (vm->initrd != NULL && plan_boot_file(ln, "INITRD", vm->initrd,
	    open_files, &ln->initrd, d) != 0) ||
	    plan_images(vm, open_files, ln, d) != 0)
		return -1;
	return plan_taps(vm, open_files, ln, d);
}

int
vm_slot(const struct vm_config *vm, const struct monconf *mc,
    const struct rundir *rd, unsigned *slot, int *reserved, struct diag *d)
{
	struct slot_needs need;
	struct vm_state st;
	int rc;

	if (vm_probe(rd, vm->name, &st) == VM_RUNNING && st.recorded) {
		*slot = st.slot;
		state_free(&st);
		return 0;
	}
	state_free(&st);
	need.tcp_monitors = !mc->unix_monitors;
	need.ipv6 = need.tcp_monitors && ipv6_loopback();
	need.vnc = vm->vnc;
	need.taps = vm->nnics;
	rc = slot_choose(mc, rd, &need, slot, reserved, d);
	return rc;
}

/* A QEMU of ours, running or not yet confirmed. */
struct qemu_run {
	struct proc_id	 id;
	int		 err;		/* its stderr, our end; -1 */
	int		 pidfd;		/* -1 where the kernel has none */
	struct strbuf	 said;		/* what it wrote there, bounded */
	int		 exited;
	int		 status;	/* once exited, as proc_reap says */
	int		 port_taken;	/* it could not bind a port of its slot */
	int		 keep;		/* started through a keeper */
	struct proc_keeper keeper;	/* then, until it is handed over */
};

#define QEMU_SAID_MAX	(64 * 1024)

/* What QEMU wrote on stderr so far; 0 at its end, else 1. */
static int
qemu_listen(struct qemu_run *q)
{
	char buf[4096];
	ssize_t n;

	while (q->err >= 0 && (n = read(q->err, buf, sizeof(buf))) != 0) {
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		if (q->said.len < QEMU_SAID_MAX)
			sb_add(&q->said, buf, (size_t)n);
	}
	return 0;
}

/* Whether our QEMU has exited; reaped then, its status kept. */
static int
qemu_exited(struct qemu_run *q)
{
	if (!q->exited && (q->keeper.pid > 0 ? proc_kept_reap(&q->keeper,
	    &q->status, 0) : proc_reap(q->id.pid, &q->status)) != 0)
		q->exited = 1;
	return q->exited;
}

/* Ends a QEMU we just started and which must not stay; reaps it. */
static void
qemu_discard(struct qemu_run *q, const struct rundir *rd, const char *name)
{
	int st;

	if (q->id.pid > 0 && !qemu_exited(q)) {
		(void)proc_signal(&q->id, SIGKILL);
		if (q->keeper.pid > 0)
			(void)proc_kept_reap(&q->keeper, &st, 1);
		else
			while (waitpid(q->id.pid, &st, 0) < 0 &&
			    errno == EINTR)
				;
		q->exited = 1;
		q->status = 128 + SIGKILL;
	}
	state_remove(rd, name);
}

static void
qemu_run_free(struct qemu_run *q)
{
	if (q->err >= 0)
		(void)close(q->err);
	if (q->pidfd >= 0)
		(void)close(q->pidfd);
	proc_kept_release(&q->keeper);
	sb_free(&q->said);
	q->err = q->pidfd = -1;
}

/* In the child: QEMU's user (confine.h). */
static int
become_qemu_user(const void *arg)
{
	return qemu_user_become(arg);
}

/*
 * What QEMU keeps of our environment: where programs and temporary files
 * are (-snapshot's), its language and time zone; not our HOME, nor an
 * agent's socket, nor anything else of root's.
 */
static const char *const qemu_env[] = {
	"PATH", "TMPDIR", "LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ",
	NULL
};

/* Runs QEMU as its user, handed the plan's files; its pid recorded. */
static int
run_qemu(const struct vm_config *vm, const struct monconf *mc,
    const struct launch_plan *ln, const struct rundir *rd,
    struct qemu_run *q, struct diag *d)
{
	struct proc_spawn how;
	struct strvec av;
	char *env[2];
	int *fds, rc;
	size_t i;
	pid_t pid;

	fds = xcalloc(ln->nfiles + 1, sizeof(*fds));
	for (i = 0; i < ln->nfiles; i++)
		fds[i] = ln->files[i].fd;
	memset(&how, 0, sizeof(how));
	how.fds = fds;
	how.nfds = ln->nfiles;
	how.base = PLAN_FD_BASE;
	how.become = become_qemu_user;
	how.become_arg = &ln->user;
	how.env_keep = qemu_env;
	how.keeper = q->keep ? &q->keeper : NULL;
	sv_init(&av);
	qemu_cmdline(vm, mc, ln, &av);
	/* For the tap scripts of a CUSTOMx netdev (SANDBOX=no). */
	env[0] = xasprintf("%s=%s", NETIF_BRIDGE_ENV, vm->bridge);
	env[1] = NULL;
	rc = proc_spawn(av.v, env, &how, &pid, &q->err, d);
	free(env[0]);
	free(fds);
	sv_free(&av);
	if (rc != 0)
		return -1;
	/* Known from the fork on: pid and start time, as recorded. */
	if (proc_identify(pid, &q->id) != 0) {
		q->id.pid = pid;
		q->id.start = 0;
	}
	q->pidfd = proc_pidfd(pid);
	return state_write_pid(rd, vm->name, pid, d);
}

/* Why QEMU failed to start, from what it said and how it ended. */
static void
qemu_failed(struct qemu_run *q, const char *tgtarch, const char *name,
    struct diag *d)
{
	const char *prog = path_basename(tgtarch), *p, *nl;
	struct strbuf mine;
	char *msg;

	(void)qemu_listen(q);
	/* Its errors ("qemu-system-x86_64: ..."), not its warnings. */
	sb_init(&mine);
	for (p = q->said.s != NULL ? q->said.s : ""; *p != '\0'; p = nl) {
		nl = p + strcspn(p, "\n");
		if (strncmp(p, prog, strlen(prog)) == 0 &&
		    p[strlen(prog)] == ':' &&
		    strncmp(p + strlen(prog), ": warning:", 10) != 0)
			sb_add(&mine, p, (size_t)(nl - p + (*nl != '\0')));
		if (*nl != '\0')
			nl++;
	}
	msg = diag_one_line(mine.len > 0 ? mine.s : q->said.s != NULL ?
	    q->said.s : "");
	q->port_taken = strstr(msg, "Address already in use") != NULL;
	if (msg[0] != '\0')
		diag_error(d, "QEMU failed to start '%s': %s", name, msg);
	else if (q->exited && q->status == 128 + SIGSYS)
		diag_error(d, "QEMU of '%s' was killed by its sandbox (a "
		    "system call its seccomp filter forbids): SANDBOX=no "
		    "lifts it", name);
	else if (q->exited && q->status > 128)
		diag_error(d, "QEMU of '%s' was killed by signal %d before "
		    "its monitor answered", name, q->status - 128);
	else if (q->exited)
		diag_error(d, "QEMU of '%s' exited (status %d) before its "
		    "monitor answered", name, q->status);
	free(msg);
	sb_free(&mine);
}

/*
 * Until QEMU listens on the control socket (it calls listen(2) on the
 * socket we bound, so our copy says so) or exits, or the deadline: 0
 * listening, -1 not.
 */
static int
wait_listening(struct qemu_run *q, int control_fd, long long deadline)
{
	struct pollfd pfd[2];
	socklen_t len;
	int listening = 0, tick = 1;
	nfds_t n;

	for (;;) {
		len = sizeof(listening);
		if (getsockopt(control_fd, SOL_SOCKET, SO_ACCEPTCONN,
		    &listening, &len) == 0 && listening)
			return 0;
		if (!qemu_listen(q) && qemu_exited(q))
			return -1;
		if (qemu_exited(q) || now_ms() >= deadline)
			return -1;
		n = 0;
		if (q->pidfd >= 0) {
			pfd[n].fd = q->pidfd;
			pfd[n++].events = POLLIN;
		}
		if (q->err >= 0) {
			pfd[n].fd = q->err;
			pfd[n++].events = POLLIN;
		}
		/* QEMU gives no sign when it listens: look, less often. */
		(void)poll(pfd, n, tick);
		if (tick < 16)
			tick *= 2;
	}
}

/*
 * Who answers on the control socket: our QEMU (the one listening
 * there), not stopped at once in internal-error.  One round trip: the
 * capabilities and query-status go together.  A QEMU that exits first
 * is told at once, with what it said.
 */
static int
confirm(const struct vm_config *vm, const struct rundir *rd,
    const struct launch_plan *ln, struct qemu_run *q, struct diag *d)
{
	long long deadline = now_ms() + QEMU_START_MS;
	char *path, *status = NULL;
	int rc = QMP_UNREACHABLE;
	struct diag why;

	diag_init(&why);
	if (wait_listening(q, ln->files[ln->fd[PLAN_CONTROL]].fd,
	    deadline) == 0) {
		path = rundir_path(rd, vm->name, RUN_CONTROL);
		rc = qmp_query_unix(vm->name, path, &q->id, "query-status",
		    "status", &status, (int)(deadline - now_ms() > 0 ?
		    deadline - now_ms() : 1), &why);
		free(path);
	}
	if (rc != QMP_OK) {
		if (qemu_exited(q) || proc_wait_exit(&q->id, now_ms() + 100)) {
			(void)qemu_exited(q);
			qemu_failed(q, vm->tgtarch, vm->name, d);
		} else if (why.n > 0)
			diag_move(d, &why);
		if (d->errors == 0)
			diag_error(d, "the monitor of '%s' does not answer",
			    vm->name);
		diag_error(d, "start of '%s' undone", vm->name);
		diag_clear(&why);
		free(status);
		return -1;
	}
	diag_clear(&why);
	if (status != NULL && strcmp(status, "internal-error") == 0) {
		diag_error(d, "'%s' stopped at once in internal-error (KVM "
		    "does not work on this host? try KVM=no): start undone",
		    vm->name);
		free(status);
		return -1;
	}
	free(status);
	return 0;
}

void
vm_facts(const struct vm_config *vm, struct vm_state *st)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	st->stopdelay = vm->stopdelay;
	st->runas = vm->runas != NULL ? xstrdup(vm->runas) : NULL;
	st->agent = vm->agent;
	st->snapshot = vm->snapshot;
	st->firmware = xstrdup(vm->firmware == FIRMWARE_UEFI ? "uefi" : "bios");
	st->kernel = vm->kernel != NULL ? xstrdup(vm->kernel) : NULL;
	st->autostart = vm->autostart;
	st->serial = vm->serial;
	st->kvm = uses_kvm(vm);
	st->cfgpath = xstrdup(vm->cfgpath);
	st->desc = vm->desc != NULL ? xstrdup(vm->desc) : NULL;
	st->ram = xstrdup(vm->ram);
	st->smp = vm->smp != NULL ? xstrdup(vm->smp) : NULL;
	st->bridge = vmconf_bridge_nics(vm) > 0 ? xstrdup(vm->bridge) : NULL;
	st->nnics = vm->nnics;
	st->nics = xcalloc(vm->nnics + 1, sizeof(*st->nics));
	for (i = 0; i < vm->nnics; i++) {
		st->nics[i].model = xstrdup(vm->nics[i].model);
		st->nics[i].mac = xstrdup(vm->nics[i].mac);
		st->nics[i].user = vm->nics[i].net == NET_USER;
		if (st->nics[i].user)
			st->nics[i].fwd = usernet_forwards_text(&vm->nics[i]);
	}
	st->ndisks = vm->ndisks;
	st->disks = xcalloc(vm->ndisks + 1, sizeof(*st->disks));
	for (i = 0; i < vm->ndisks; i++) {
		st->disks[i].path = xstrdup(vm->disks[i].path);
		st->disks[i].format = xstrdup(vm->disks[i].format != NULL ?
		    vm->disks[i].format : "auto");
	}
	st->ncdroms = vm->ncdroms;
	st->cdroms = xcalloc(vm->ncdroms + 1, sizeof(*st->cdroms));
	for (i = 0; i < vm->ncdroms; i++)
		st->cdroms[i] = xstrdup(vm->cdroms[i]);
}

/* What a running VM is recorded as: its facts and those of its launch. */
static void
record(const struct vm_config *vm, const struct monconf *mc,
    const struct launch_plan *ln, const struct proc_id *id,
    struct vm_state *st)
{
	char tap[TAP_NAME_SIZE];
	size_t i;

	vm_facts(vm, st);
	st->qemu = *id;
	st->recorded = 1;
	st->slot = ln->slot;
	st->unix_monitors = mc->unix_monitors;
	if (!st->unix_monitors) {
		st->monport = ln->monport;
		st->ctlport = ln->ctlport;
	}
	st->started = (long long)time(NULL);
	st->kvm = ln->kvm;
	st->agent = vm->agent;
	free(st->runas);
	st->runas = xstrdup(ln->user.name);
	st->uid = (long)ln->user.uid;
	if (vm->vnc)
		st->vnc = strchr(mc->vnc_listen, ':') != NULL ?
		    xasprintf("[%s]:%u", mc->vnc_listen, ln->slot) :
		    xasprintf("%s:%u", mc->vnc_listen, ln->slot);
	for (i = 0; i < st->nnics; i++) {
		if (st->nics[i].user)
			continue;
		slot_tap_name(ln->slot, i, tap);
		st->nics[i].tap = xstrdup(tap);
	}
}

/* The migration stream, a copy of incoming, among QEMU's files. */
static int
plan_incoming(struct launch_plan *ln, int incoming, struct diag *d)
{
	int fd;

	if (incoming < 0)
		return 0;
	if ((fd = fcntl(incoming, F_DUPFD_CLOEXEC, 0)) < 0) {
		diag_error(d, "cannot hand QEMU the migration stream: %s",
		    strerror(errno));
		return -1;
	}
	ln->incoming = plan_add_file(ln, fd, 0, "migration stream");
	return 0;
}

/*
 * The passt of each NETx=user NIC (usernet.h), as QEMU's user, its
 * stderr the VM's RUN_USERNET_LOG (made anew); ids[i] for NIC i (pid 0:
 * none).  0, or -1 with why in d (those started are the caller's).
 */
static int
start_passts(const struct vm_config *vm, struct launch_plan *ln,
    const struct rundir *rd, struct proc_id *ids, struct diag *d)
{
	char *path;
	size_t i;
	int log = -1, rc = 0;

	for (i = 0; rc == 0 && i < vm->nnics; i++) {
		if (vm->nics[i].net != NET_USER)
			continue;
		if (log < 0 && (log = rundir_openat(rd, vm->name,
		    RUN_USERNET_LOG, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND,
		    0600)) < 0) {
			path = rundir_path(rd, vm->name, RUN_USERNET_LOG);
			diag_error(d, "cannot open %s: %s", path,
			    strerror(errno));
			free(path);
			return -1;
		}
		rc = usernet_start(&vm->nics[i], ln->passt_fds[i], log,
		    &ln->user, &ids[i], d);
		/* Its end is passt's alone now. */
		(void)close(ln->passt_fds[i]);
		ln->passt_fds[i] = -1;
	}
	if (log >= 0)
		(void)close(log);
	return rc;
}

/*
 * Whether every passt started still runs once QEMU answered (one that
 * could not listen on a forward has exited by then): 0, or -1 with
 * what it said in d.
 */
static int
passts_alive(const struct vm_config *vm, const struct rundir *rd,
    const struct proc_id *ids, struct diag *d)
{
	struct strbuf said;
	char *path, *line;
	size_t i;
	int st;

	for (i = 0; i < vm->nnics; i++) {
		if (ids[i].pid <= 0 || (proc_reap(ids[i].pid, &st) == 0 &&
		    proc_alive(&ids[i])))
			continue;
		sb_init(&said);
		path = rundir_path(rd, vm->name, RUN_USERNET_LOG);
		(void)file_read(path, &said, 1, NULL);
		line = diag_one_line(said.s != NULL ? said.s : "");
		diag_error(d, "passt of NIC%zu of '%s' exited: %s", i + 1,
		    vm->name, line[0] != '\0' ? line : "(it said nothing)");
		free(line);
		free(path);
		sb_free(&said);
		return -1;
	}
	return 0;
}

/* Ends the passts of a start undone. */
static void
end_passts(const struct proc_id *ids, size_t n)
{
	size_t i;
	int st;

	for (i = 0; i < n; i++) {
		if (ids[i].pid <= 0)
			continue;
		(void)proc_signal(&ids[i], SIGKILL);
		while (waitpid(ids[i].pid, &st, 0) < 0 && errno == EINTR)
			;
	}
}

/*
 * Launches QEMU on a free slot and records it, once the caller removed
 * what an earlier run left (state_remove).  The slot stays reserved for
 * this start until its state records it, so other starts launch beside
 * it on other slots.  With incoming (a descriptor, else -1), QEMU waits
 * there for the VM's state, paused, and the state says so.  0, -1 with
 * why in d, or LAUNCH_PORT_TAKEN when QEMU could not bind a port of the
 * slot: a program that is not ours to know of (another RUNDIR's QEMU)
 * took it after the slot was chosen.
 */
#define LAUNCH_PORT_TAKEN	1
#define LAUNCH_TRIES		3	/* slots tried for such a start */

static int
launch(const struct vm_config *vm, const struct monconf *mc,
    const char *confdir, const struct rundir *rd, int keep, int incoming,
    struct vm_started *out, struct diag *d)
{
	struct launch_plan ln;
	struct qemu_run q;
	struct proc_id *passts;
	unsigned slot;
	int rc = -1, reserved = -1;
	size_t i;

	memset(&ln, 0, sizeof(ln));
	memset(&q, 0, sizeof(q));
	q.err = q.pidfd = -1;
	q.keep = keep;
	q.keeper.pid = -1;
	sb_init(&q.said);
	if (vm_slot(vm, mc, rd, &slot, &reserved, d) != 0)
		return -1;
	passts = xcalloc(vm->nnics + 1, sizeof(*passts));
	/* QEMU writes its pid file in its folder in RUNDIR, as its user. */
	if (vm_plan(vm, mc, confdir, rd, slot, 1, &ln, d) != 0 ||
	    plan_incoming(&ln, incoming, d) != 0 ||
	    !qemu_user_may_open(&ln.user, rd->path, X_OK, d) ||
	    rundir_make_qemu_dir(rd, vm->name, ln.user.uid, ln.user.gid,
	    d) != 0 || start_passts(vm, &ln, rd, passts, d) != 0 ||
	    run_qemu(vm, mc, &ln, rd, &q, d) != 0 ||
	    confirm(vm, rd, &ln, &q, d) != 0 ||
	    passts_alive(vm, rd, passts, d) != 0)
		goto fail;
	record(vm, mc, &ln, &q.id, &out->st);
	for (i = 0; i < vm->nnics; i++)
		out->st.nics[i].passt = passts[i];
	out->st.incoming = incoming >= 0;
	if (state_write(rd, vm->name, &out->st, d) != 0) {
		state_free(&out->st);
		goto fail;
	}
	/* The caller lets it go (vm_start_kept). */
	out->keeper = q.keeper;
	q.keeper.pid = -1;
	rc = 0;
fail:
	if (rc != 0) {
		qemu_discard(&q, rd, vm->name);
		end_passts(passts, vm->nnics);
		if (q.port_taken)
			rc = LAUNCH_PORT_TAKEN;
	}
	free(passts);
	qemu_run_free(&q);
	lock_release(reserved);
	plan_free(&ln);
	return rc;
}

/* An empty result, nothing kept. */
static void
started_init(struct vm_started *out)
{
	memset(out, 0, sizeof(*out));
	out->keeper.pid = -1;
	out->keeper.status_fd = out->keeper.release_fd = -1;
}

/*
 * The checks before a launch and PRECMD, then launch, on another slot a
 * few times when a port was taken under it.
 */
static int
launch_tries(const struct vm_config *vm, const struct monconf *mc,
    const char *confdir, const struct rundir *rd, int keep, int incoming,
    struct vm_started *out, struct diag *d)
{
	struct diag why;
	int tries, rc;

	if (preflight(vm, rd, d) != 0 ||
	    (vm->precmd != NULL &&
	    run_hook("PRECMD", vm->precmd, vm->name, d) != 0))
		return -1;
	for (tries = 1;; tries++) {
		diag_init(&why);
		rc = launch(vm, mc, confdir, rd, keep, incoming, out, &why);
		if (rc != LAUNCH_PORT_TAKEN || tries == LAUNCH_TRIES)
			break;
		diag_clear(&why);
	}
	diag_move(d, &why);
	return rc == 0 ? 0 : -1;
}

static int
start_vm(const struct vm_config *vm, const struct monconf *mc,
    const char *confdir, const struct rundir *rd, int keep,
    struct vm_started *out, struct diag *d)
{
	struct vm_state st;
	int vlock, rc;

	started_init(out);
	if (vm_lock(rd, vm->name, &vlock, d) != 0)
		return -1;
	switch (vm_probe(rd, vm->name, &st)) {
	case VM_RUNNING:
		out->already = 1;
		out->st = st;
		lock_release(vlock);
		return 0;
	case VM_DEAD:
	case VM_STOPPED:
		state_remove(rd, vm->name);
		break;
	}
	state_free(&st);
	rc = launch_tries(vm, mc, confdir, rd, keep, -1, out, d);
	if (rc == 0)
		postcmd(vm, d);
	lock_release(vlock);
	return rc;
}

int
vm_start(const struct vm_config *vm, const struct monconf *mc,
    const char *confdir, const struct rundir *rd, struct vm_started *out,
    struct diag *d)
{
	return start_vm(vm, mc, confdir, rd, 0, out, d);
}

int
vm_start_kept(const struct vm_config *vm, const struct monconf *mc,
    const char *confdir, const struct rundir *rd, struct vm_started *out,
    struct diag *d)
{
	return start_vm(vm, mc, confdir, rd, 1, out, d);
}

int
vm_start_incoming(const struct vm_config *vm, const struct monconf *mc,
    const char *confdir, const struct rundir *rd, int stream,
    struct vm_started *out, struct diag *d)
{
	started_init(out);
	state_remove(rd, vm->name);
	return launch_tries(vm, mc, confdir, rd, 0, stream, out, d);
}

int
vm_incoming_arrived(const struct vm_config *vm, const struct rundir *rd,
    struct vm_state *st, struct diag *d)
{
	st->incoming = 0;
	if (state_write(rd, vm->name, st, d) != 0)
		return -1;
	postcmd(vm, d);
	return 0;
}

/*
 * One QMP command through the control socket, held only for it, so
 * that status and list are never kept waiting by a stop: QMP_OK or why
 * in d.
 */
static int
control_command(const struct rundir *rd, const char *name,
    const struct proc_id *qemu, const char *command, int greeting_ms,
    struct diag *d)
{
	struct vm_state st;
	struct qmp q;
	int rc;

	memset(&st, 0, sizeof(st));
	st.qemu = *qemu;
	rc = control_open(&q, rd, name, &st, greeting_ms, 0, d);
	if (rc == QMP_OK)
		rc = qmp_execute(&q, command, NULL, d);
	qmp_close(&q);
	return rc;
}

/* SIGTERM or SIGKILL to our QEMU only, then a bounded wait. */
static int
signal_and_wait(const struct proc_id *id, int sig)
{
	if (proc_signal(id, sig) == 1)
		return 1;
	return proc_wait_exit(id, now_ms() + FORCE_STEP_MS);
}

/*
 * stop -f and kill: QMP quit through the control socket, then signals
 * (SIGTERM only with term).  1 once QEMU is gone, 0 (and why in d) when
 * it survived even SIGKILL.
 */
static int
force_off(const struct rundir *rd, const char *name, const struct proc_id *id,
    int term, struct diag *d)
{
	if (control_command(rd, name, id, "{\"execute\":\"quit\"}",
	    QMP_GREETING_MS, NULL) == QMP_OK &&
	    proc_wait_exit(id, now_ms() + FORCE_STEP_MS))
		return 1;
	if (term && signal_and_wait(id, SIGTERM))
		return 1;
	(void)signal_and_wait(id, SIGKILL);
	if (!proc_alive(id))
		return 1;
	diag_error(d, "'%s' (pid %ld) survived SIGKILL", name, (long)id->pid);
	return 0;
}

int
vm_hold(const struct rundir *rd, const char *name, struct vm_state *st,
    int *lock, struct diag *d)
{
	enum vm_run run;

	memset(st, 0, sizeof(*st));
	*lock = -1;
	if (rd->fd < 0)
		return 0;
	if (vm_lock(rd, name, lock, d) != 0)
		return -1;
	run = vm_probe(rd, name, st);
	if (run != VM_RUNNING)
		state_remove(rd, name);
	return run == VM_RUNNING;
}

#define POWERDOWN	"{\"execute\":\"system_powerdown\"}"

/*
 * How long a press may wait for the monitor: what is left of the stop's
 * wait, at most MONITOR_TIMEOUT_MS; the first at least PRESS_MIN_MS.
 */
static int
press_ms(long long deadline, int first)
{
	long long left = deadline - now_ms();

	if (left > MONITOR_TIMEOUT_MS)
		return MONITOR_TIMEOUT_MS;
	if (first && left < PRESS_MIN_MS)
		return PRESS_MIN_MS;
	return left < 1 ? 1 : (int)left;
}

/*
 * Presses the power button and waits for QEMU to exit, pressing again
 * every REPRESS_MS: a guest still booting loses a press that comes
 * before its button driver is loaded.  With a guest agent (agent), a
 * guest still there AGENT_AFTER_MS after the first press (a third of the
 * wait, when that is shorter) is asked through it to shut down.  1 gone,
 * 2 gone after the agent took that request, 0 still there at the
 * deadline (and why the agent did not take it, if it did not, in d), -1
 * the first press failed (why in d).
 */
static int
power_button(const struct rundir *rd, const char *name,
    const struct proc_id *id, const struct stop_how *how, unsigned wait_s,
    int agent, struct diag *d)
{
	long long deadline = now_ms() + (long long)wait_s * 1000;
	long long next, agent_at;
	struct diag why, agent_why;
	int rc, presses = 0, asked = 0;

	agent_at = now_ms() + ((long long)wait_s * 1000 / 3 < AGENT_AFTER_MS ?
	    (long long)wait_s * 1000 / 3 : AGENT_AFTER_MS);
	diag_init(&agent_why);
	for (;;) {
		diag_init(&why);
		rc = control_command(rd, name, id, POWERDOWN,
		    press_ms(deadline, presses == 0), &why);
		/* A press that met QEMU's last moments. */
		if (rc != QMP_OK && proc_wait_exit(id, now_ms() +
		    (presses == 0 ? LAST_BREATH_MS : 0))) {
			rc = asked == 1 ? 2 : 1;
			break;
		}
		/* Only the first press must get through. */
		if (rc != QMP_OK && presses == 0) {
			diag_move(d, &why);
			rc = -1;
			break;
		}
		diag_clear(&why);
		if (presses++ == 0 && how->pressed != NULL)
			how->pressed(name, wait_s);
		next = now_ms() + REPRESS_MS;
		if (agent && asked == 0 && agent_at < next)
			next = agent_at;
		if (proc_wait_exit(id, next < deadline ? next : deadline)) {
			rc = asked == 1 ? 2 : 1;
			break;
		}
		if (now_ms() >= deadline) {
			diag_move(d, &agent_why);
			rc = 0;
			break;
		}
		if (agent && asked == 0 && now_ms() >= agent_at) {
			/* The button is ignored: the guest's agent, once. */
			next = now_ms() + AGENT_TIMEOUT_MS;
			asked = agent_shutdown(rd, name, next < deadline ?
			    next : deadline, &agent_why) == 0 ? 1 : -1;
		}
	}
	diag_clear(&why);
	diag_clear(&agent_why);
	return rc;
}

/* The end of a stop: the state of a QEMU that is gone is removed. */
static void
forget(const struct rundir *rd, const char *name, const struct proc_id *id)
{
	struct vm_state st;
	int lock;

	if (lock_take(rd, name, RUN_LOCK, VM_LOCK_WAIT_MS, &lock, NULL) !=
	    LOCK_TAKEN)
		lock = -1;
	/* Unless a start made it run again meanwhile. */
	if (vm_probe(rd, name, &st) != VM_RUNNING ||
	    (st.qemu.pid == id->pid && st.qemu.start == id->start))
		state_remove(rd, name);
	state_free(&st);
	lock_release(lock);
}

enum vm_stopped
vm_stop(const struct rundir *rd, const char *name, const struct stop_how *how,
    struct diag *d)
{
	enum vm_stopped rc = STOP_FAILED;
	struct vm_state st;
	struct proc_id id;
	struct diag why;
	unsigned wait_s;
	int lock, found, pressed, agent;

	/* Only what says no: a state of an older start is stopped. */
	if ((found = vm_hold(rd, name, &st, &lock, d)) != 1 ||
	    (how->autostart_only && st.recorded && st.autostart == 0)) {
		state_free(&st);
		lock_release(lock);
		return found == 1 ? STOP_SKIPPED : found == 0 ?
		    STOP_NOT_RUNNING : STOP_FAILED;
	}
	id = st.qemu;
	wait_s = how->timeout_s >= 0 ? (unsigned)how->timeout_s :
	    st.recorded ? st.stopdelay : VMCONF_STOPDELAY;
	agent = st.agent;
	state_free(&st);
	if (how->nowait) {
		rc = control_command(rd, name, &id, POWERDOWN,
		    press_ms(now_ms() + (how->timeout_s >= 0 ?
		    how->timeout_s * 1000 : MONITOR_TIMEOUT_MS), 1), d) ==
		    QMP_OK ? STOP_PRESSED : STOP_FAILED;
		lock_release(lock);
		return rc;
	}
	/* The wait is not an action: kill and stop -f may act meanwhile. */
	lock_release(lock);
	diag_init(&why);
	pressed = power_button(rd, name, &id, how, wait_s, agent, &why);
	if (pressed == 1)
		rc = STOP_DONE;
	else if (pressed == 2)
		rc = STOP_AGENT;
	else if (!how->force) {
		if (pressed == 0)
			diag_error(&why, "'%s' is still running after %u s "
			    "(use -f to force it off)", name, wait_s);
	} else {
		/* Forced: what went wrong before is not the outcome. */
		diag_clear(&why);
		rc = force_off(rd, name, &id, 1, &why) ? STOP_FORCED :
		    STOP_FAILED;
	}
	diag_move(d, &why);
	if (rc != STOP_FAILED)
		forget(rd, name, &id);
	return rc;
}

enum vm_stopped
vm_kill_held(const struct rundir *rd, const char *name,
    const struct proc_id *id, struct diag *d)
{
	if (!force_off(rd, name, id, 0, d))
		return STOP_FAILED;
	state_remove(rd, name);
	return STOP_KILLED;
}

enum vm_stopped
vm_kill(const struct rundir *rd, const char *name, struct diag *d)
{
	enum vm_stopped rc = STOP_KILLED;
	struct vm_state st;
	int lock, found;

	if ((found = vm_hold(rd, name, &st, &lock, d)) != 1) {
		state_free(&st);
		lock_release(lock);
		return found == 0 ? STOP_NOT_RUNNING : STOP_FAILED;
	}
	if (force_off(rd, name, &st.qemu, 0, d))
		state_remove(rd, name);
	else
		rc = STOP_FAILED;
	state_free(&st);
	lock_release(lock);
	return rc;
}

int
vm_machine(const struct rundir *rd, const char *name, enum vm_machine_op op,
    struct diag *d)
{
	static const char *const command[] = {
		[MACHINE_PAUSE] = "{\"execute\":\"stop\"}",
		[MACHINE_RESUME] = "{\"execute\":\"cont\"}",
		[MACHINE_RESET] = "{\"execute\":\"system_reset\"}"
	};
	struct vm_state st;
	struct qmp q;
	int lock, found, rc = -1;

	if ((found = vm_hold(rd, name, &st, &lock, d)) == 0)
		diag_error(d, "'%s' is not running", name);
	if (found == 1 && control_open(&q, rd, name, &st, MONITOR_TIMEOUT_MS,
	    0, d) == QMP_OK && qmp_execute(&q, command[op], NULL, d) == QMP_OK)
		rc = 0;
	if (found == 1)
		qmp_close(&q);
	state_free(&st);
	lock_release(lock);
	return rc;
}

int
vm_wait_stopped(const struct rundir *rd, const char *name,
    long long deadline)
{
	struct vm_state st;
	int gone = 1;

	/* Until no QEMU of the VM runs: a restart meanwhile is waited for. */
	while (gone && vm_probe(rd, name, &st) == VM_RUNNING) {
		gone = proc_wait_exit(&st.qemu, deadline);
		state_free(&st);
	}
	state_free(&st);
	return gone;
}

void
vm_tidy(const struct rundir *rd, const char *name)
{
	struct vm_state st;
	int lock;

	/* Not our RUNDIR to write, or someone acts on the VM: not now. */
	if (rd->fd < 0 || faccessat(rd->fd, ".", W_OK, AT_EACCESS) != 0 ||
	    !rundir_exists(rd, name, RUN_STATE) ||
	    lock_take(rd, name, RUN_LOCK, 0, &lock, NULL) != LOCK_TAKEN)
		return;
	if (vm_probe(rd, name, &st) == VM_STOPPED)
		state_remove(rd, name);
	state_free(&st);
	lock_release(lock);
}

char *
vm_run_state(const struct rundir *rd, const char *name,
    const struct vm_state *st)
{
	struct diag d;
	struct qmp q;
	char *status = NULL;
	int rc;

	diag_init(&d);
	rc = control_open(&q, rd, name, st, STATUS_TIMEOUT_MS, 1, &d);
	if (rc == QMP_OK)
		(void)qmp_query(&q, "query-status", "status", &status, &d);
	qmp_close(&q);
	if (status == NULL)
		status = xstrdup(rc == QMP_BUSY ? "monitor busy" :
		    "monitor not answering");
	diag_clear(&d);
	return status;
}

static void
add_running(const char *name, const struct vm_state *st, void *arg)
{
	(void)st;
	sv_push(arg, name);
}

struct busy {
	const struct rundir *rd;
	struct strvec	*names;
};

static void
add_busy(const char *name, void *arg)
{
	struct busy *b = arg;
	int fd;

	if (lock_take(b->rd, name, RUN_LOCK, 0, &fd, NULL) == LOCK_BUSY)
		sv_push(b->names, name);
	lock_release(fd);
}

int
vm_names_active(const struct rundir *rd, struct strvec *names, struct diag *d)
{
	struct busy b = { rd, names };

	if (vm_each_running(rd, add_running, names, d) != 0 ||
	    rundir_scan(rd, RUN_LOCK, add_busy, &b, d) != 0)
		return -1;
	sv_sort_unique(names);
	return 0;
}

/* How many control sockets list and status keep open at once. */
#define RUN_STATES_OPEN	64

static void
add_known(const char *name, enum vm_run run, struct vm_state *st, void *arg)
{
	struct run_states *rs = arg;
	struct run_known *k;

	if ((rs->n & (rs->n - 1)) == 0)	/* 0, 1, 2, 4...: grow */
		rs->v = xreallocarray(rs->v, rs->n == 0 ? 1 : 2 * rs->n,
		    sizeof(*rs->v));
	k = &rs->v[rs->n++];
	k->name = xstrdup(name);
	k->run = run;
	k->st = *st;
	k->qemu_state = NULL;
	memset(st, 0, sizeof(*st));
}

void
vm_run_states(const struct rundir *rd, struct run_states *rs)
{
	struct qmp_ask *ask;
	size_t i, n;

	memset(rs, 0, sizeof(*rs));
	if (vm_each_probed(rd, add_known, rs, NULL) != 0)
		return;
	rs->complete = 1;
	ask = xcalloc(rs->n + 1, sizeof(*ask));
	for (i = n = 0; i < rs->n; i++) {
		if (rs->v[i].run != VM_RUNNING)
			continue;
		ask[n].pid = rs->v[i].st.qemu.pid;
		ask[n].path = rundir_path(rd, rs->v[i].name, RUN_CONTROL);
		ask[n].tag = i;
		/* Others ask the people's monitor, one by one. */
		if (access(ask[n].path, R_OK | W_OK) == 0)
			n++;
		else
			free((char *)ask[n].path);
	}
	qmp_ask_all(ask, n, "query-status", "status", STATUS_TIMEOUT_MS,
	    RUN_STATES_OPEN);
	for (i = 0; i < n; i++) {
		rs->v[ask[i].tag].qemu_state = ask[i].result == QMP_MANY_OK &&
		    ask[i].value != NULL ? ask[i].value :
		    xstrdup(ask[i].result == QMP_MANY_BUSY ? "monitor busy" :
		    "monitor not answering");
		if (ask[i].result != QMP_MANY_OK)
			free(ask[i].value);
		free((char *)ask[i].path);
	}
	free(ask);
}

static int
cmp_known(const void *key, const void *elem)
{
	return strcmp(key, ((const struct run_known *)elem)->name);
}

struct run_known *
run_states_find(const struct run_states *rs, const char *name)
{
	if (rs->n == 0)
		return NULL;
	return bsearch(name, rs->v, rs->n, sizeof(*rs->v), cmp_known);
}

void
run_states_free(struct run_states *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		free(rs->v[i].name);
		state_free(&rs->v[i].st);
		free(rs->v[i].qemu_state);
	}
	free(rs->v);
	memset(rs, 0, sizeof(*rs));
}
