/*
 * lifecycle.c - start, stop and kill.
 *
 * Two locks in RUNDIR keep concurrent qemu-init processes apart: the
 * VM's RUN_LOCK for an action on one VM (never two QEMUs for one VM),
 * and the slot lock from choosing a slot until the state file that
 * records it is written (never two VMs on one slot).
 *
 * QEMU gets its sockets and its console log as open descriptors, made
 * here under the RUNDIR descriptor, so it opens no name in RUNDIR but
 * its pid file.  Which process is the VM is decided once, at the start:
 * the pid on the other end of the control socket, which must be the pid
 * QEMU wrote, with its start time.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "check.h"
#include "cmdline.h"
#include "firmware.h"
#include "hostprobe.h"
#include "lifecycle.h"
#include "monitor.h"
#include "netif.h"
#include "paths.h"
#include "ports.h"
#include "proc.h"
#include "qmp.h"
#include "qmpmany.h"
#include "sock.h"

static int
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

/* What must hold before anything runs: the bridge, unique MACs. */
static int
preflight(const struct vm_config *vm, const struct rundir *rd,
    struct diag *d)
{
	struct mac_check mc = { vm, d };
	unsigned errors = d->errors;

	if (vm->nnics == 0)
		return 0;
	(void)check_bridge(vm, d);
	if (vm_each_running(rd, check_running_macs, &mc, d) != 0)
		return -1;
	return d->errors == errors ? 0 : -1;
}

void
plan_free(struct launch_plan *ln)
{
	int i;

	for (i = 0; i < PLAN_NFDS; i++) {
		if (ln->fd[i] >= 0)
			(void)close(ln->fd[i]);
		ln->fd[i] = -1;
		free(ln->path[i]);
		ln->path[i] = NULL;
	}
	free(ln->pidfile);
	ln->pidfile = NULL;
	firmware_free(&ln->uefi);
}

/* The files QEMU gets as descriptors, and where they are. */
static int
plan_files(const struct vm_config *vm, const struct monconf *mc,
    const struct rundir *rd, int open_files, struct launch_plan *ln,
    struct diag *d)
{
	static const enum run_file kind[PLAN_NFDS] = {
		[PLAN_CONTROL] = RUN_CONTROL, [PLAN_SERIAL] = RUN_SERIAL,
		[PLAN_CONSOLE_LOG] = RUN_CONSOLE_LOG, [PLAN_HMP] = RUN_HMP,
		[PLAN_QMP] = RUN_QMP, [PLAN_AGENT] = RUN_AGENT
	};
	int i, want;

	for (i = 0; i < PLAN_NFDS; i++) {
		want = i == PLAN_CONTROL ||
		    ((i == PLAN_SERIAL || i == PLAN_CONSOLE_LOG) &&
		    vm->serial) ||
		    ((i == PLAN_HMP || i == PLAN_QMP) && mc->unix_monitors) ||
		    (i == PLAN_AGENT && vm->agent);
		if (!want)
			continue;
		ln->path[i] = rundir_path(rd, vm->name, kind[i]);
		if (i != PLAN_CONSOLE_LOG &&
		    rundir_socket_fits(rd, vm->name, kind[i], d) != 0)
			return -1;
		if (!open_files)
			continue;
		ln->fd[i] = i == PLAN_CONSOLE_LOG ?
		    rundir_new_console_log(rd, vm->name, d) :
		    rundir_bind(rd, vm->name, kind[i], d);
		if (ln->fd[i] < 0)
			return -1;
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
 * FIRMWARE=uefi: the firmware QEMU's descriptors give for the VM's
 * architecture and machine, and (start) the VM's own variable store.
 */
static int
plan_firmware(const struct vm_config *vm, int open_files,
    struct launch_plan *ln, struct diag *d)
{
	int rc;

	if (vm->firmware != FIRMWARE_UEFI)
		return 0;
	rc = firmware_for(vm, &ln->uefi, d);
	if (rc == 0 && open_files)
		rc = firmware_make_vars(&ln->uefi, vm->uefi_vars, d);
	return rc;
}

int
vm_plan(const struct vm_config *vm, const struct monconf *mc,
    const char *confdir, const struct rundir *rd, unsigned slot,
    int open_files, struct launch_plan *ln, struct diag *d)
{
	int i;

	memset(ln, 0, sizeof(*ln));
	for (i = 0; i < PLAN_NFDS; i++)
		ln->fd[i] = -1;
	ln->slot = slot;
	slot_ports(mc, slot, &ln->monport, &ln->ctlport);
	ln->ipv6 = !mc->unix_monitors && ipv6_loopback();
	ln->kvm = uses_kvm(vm);
	ln->run_with = open_files && vm->runas != NULL &&
	    qemu_has_run_with(vm->tgtarch);
	ln->confdir = confdir;
	ln->pidfile = rundir_path(rd, vm->name, RUN_PID);
	if (plan_firmware(vm, open_files, ln, d) != 0)
		return -1;
	return plan_files(vm, mc, rd, open_files, ln, d);
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

/* Ends a QEMU we just started and which must not stay. */
static void
discard(const struct proc_id *id, const struct rundir *rd, const char *name)
{
	if (proc_signal(id, SIGKILL) == 0)
		(void)proc_wait_exit(id, now_ms() + FORCE_STEP_MS);
	state_remove(rd, name);
}

/* Lets QEMU inherit the plan's descriptors (and nothing else of ours). */
static int
inheritable(const struct launch_plan *ln, int on, struct diag *d)
{
	int i, flags;

	for (i = 0; i < PLAN_NFDS; i++) {
		if (ln->fd[i] < 0)
			continue;
		if ((flags = fcntl(ln->fd[i], F_GETFD)) < 0 ||
		    fcntl(ln->fd[i], F_SETFD, on ? flags & ~FD_CLOEXEC :
		    flags | FD_CLOEXEC) < 0) {
			diag_error(d, "cannot hand a descriptor to QEMU: %s",
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Runs QEMU, which daemonizes once the VM is set up. */
static int
run_qemu(const struct vm_config *vm, const struct monconf *mc,
    const struct launch_plan *ln, const struct rundir *rd, struct diag *d)
{
	struct strbuf err;
	struct strvec av;
	struct proc_id id;
	char *env[2], *msg;
	int status, rc = -1;

	sv_init(&av);
	sb_init(&err);
	qemu_cmdline(vm, mc, ln, &av);
	env[0] = xasprintf("%s=%s", NETIF_BRIDGE_ENV, vm->bridge);
	env[1] = NULL;
	if (inheritable(ln, 1, d) != 0)
		goto out;
	rc = proc_run(av.v, env, NULL, &err, &status, d);
	if (inheritable(ln, 0, d) != 0 || rc != 0) {
		rc = -1;
		goto out;
	}
	if (status != 0) {
		msg = diag_one_line(err.s != NULL ? err.s : "");
		diag_error(d, "QEMU failed to start '%s': %s", vm->name,
		    msg[0] != '\0' ? msg : "no message");
		free(msg);
		/* What it left of itself, if it got that far (else pid 0). */
		(void)vm_pidfile(rd, vm->name, &id);
		discard(&id, rd, vm->name);
		rc = -1;
	}
out:
	free(env[0]);
	sb_free(&err);
	sv_free(&av);
	return rc;
}

/*
 * Who answers on the control socket: the QEMU that wrote the pid file
 * (the one listening there), not stopped at once in internal-error.
 * One round trip: the capabilities and query-status go together.  Its
 * identity goes to *id.
 */
static int
confirm(const struct vm_config *vm, const struct rundir *rd,
    struct proc_id *id, struct diag *d)
{
	char *path, *status = NULL;
	int rc = QMP_UNREACHABLE;

	/* Only we and the QEMU we launched write in RUNDIR: pid 0 if none. */
	(void)vm_pidfile(rd, vm->name, id);
	if (id->pid == 0)
		diag_error(d, "QEMU of '%s' exited right after its start, or "
		    "its pid file names another process", vm->name);
	else {
		path = rundir_path(rd, vm->name, RUN_CONTROL);
		rc = qmp_query_unix(vm->name, path, id, "query-status",
		    "status", &status, MONITOR_TIMEOUT_MS, d);
		free(path);
	}
	if (rc != QMP_OK) {
		diag_error(d, "the monitor of '%s' does not answer: start "
		    "undone", vm->name);
		free(status);
		return -1;
	}
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
	static const char *const format[] = {
		[DISK_RAW] = "raw", [DISK_QCOW2] = "qcow2", [DISK_PROBE] = "auto"
	};
	size_t i;

	memset(st, 0, sizeof(*st));
	st->stopdelay = vm->stopdelay;
	st->runas = vm->runas != NULL;
	st->agent = vm->agent;
	st->autostart = vm->autostart;
	st->serial = vm->serial;
	st->kvm = uses_kvm(vm);
	st->cfgpath = xstrdup(vm->cfgpath);
	st->desc = vm->desc != NULL ? xstrdup(vm->desc) : NULL;
	st->ram = xstrdup(vm->ram);
	st->smp = vm->smp != NULL ? xstrdup(vm->smp) : NULL;
	st->bridge = vm->nnics > 0 ? xstrdup(vm->bridge) : NULL;
	st->nnics = vm->nnics;
	st->nics = xcalloc(vm->nnics + 1, sizeof(*st->nics));
	for (i = 0; i < vm->nnics; i++) {
		st->nics[i].model = xstrdup(vm->nics[i].model);
		st->nics[i].mac = xstrdup(vm->nics[i].mac);
	}
	st->ndisks = vm->ndisks;
	st->disks = xcalloc(vm->ndisks + 1, sizeof(*st->disks));
	for (i = 0; i < vm->ndisks; i++) {
		st->disks[i].path = xstrdup(vm->disks[i].path);
		st->disks[i].format = xstrdup(format[vm->disks[i].format]);
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
	if (vm->vnc)
		st->vnc = strchr(mc->vnc_listen, ':') != NULL ?
		    xasprintf("[%s]:%u", mc->vnc_listen, ln->slot) :
		    xasprintf("%s:%u", mc->vnc_listen, ln->slot);
	for (i = 0; i < st->nnics; i++) {
		slot_tap_name(ln->slot, i, tap);
		st->nics[i].tap = xstrdup(tap);
	}
}

/*
 * Launches QEMU on a free slot and records it, once the caller removed
 * what an earlier run left (state_remove).  The slot stays reserved for
 * this start until its state records it, so other starts launch beside
 * it on other slots.
 */
static int
launch(const struct vm_config *vm, const struct monconf *mc,
    const char *confdir, const struct rundir *rd, struct vm_started *out,
    struct diag *d)
{
	struct launch_plan ln;
	struct proc_id id;
	unsigned slot;
	int rc = -1, reserved = -1;

	memset(&ln, 0, sizeof(ln));
	if (vm_slot(vm, mc, rd, &slot, &reserved, d) != 0)
		return -1;
	if (vm_plan(vm, mc, confdir, rd, slot, 1, &ln, d) != 0 ||
	    run_qemu(vm, mc, &ln, rd, d) != 0)
		goto fail;
	if (confirm(vm, rd, &id, d) != 0) {
		discard(&id, rd, vm->name);
		goto fail;
	}
	record(vm, mc, &ln, &id, &out->st);
	if (state_write(rd, vm->name, &out->st, d) != 0) {
		discard(&id, rd, vm->name);
		state_free(&out->st);
		goto fail;
	}
	rc = 0;
fail:
	if (rc != 0)
		state_remove(rd, vm->name);
	lock_release(reserved);
	plan_free(&ln);
	return rc;
}

int
vm_start(const struct vm_config *vm, const struct monconf *mc,
    const char *confdir, const struct rundir *rd, struct vm_started *out,
    struct diag *d)
{
	struct vm_state st;
	struct diag warn;
	int vlock, rc = -1;

	memset(out, 0, sizeof(*out));
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
	if (preflight(vm, rd, d) != 0 ||
	    (vm->precmd != NULL &&
	    run_hook("PRECMD", vm->precmd, vm->name, d) != 0))
		goto out;
	rc = launch(vm, mc, confdir, rd, out, d);
	if (rc == 0 && vm->postcmd != NULL) {
		diag_init(&warn);
		if (run_hook("POSTCMD", vm->postcmd, vm->name, &warn) != 0)
			diag_warn(d, "%s (the VM runs)",
			    diag_first_error(&warn));
		diag_clear(&warn);
	}
out:
	lock_release(vlock);
	return rc;
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

/*
 * Probes under the VM lock: 1 running, 0 not (what a crash or a clean
 * exit left is removed), -1 on an error.  A RUNDIR that does not exist
 * yet holds no VM.
 */
static int
find_running(const struct rundir *rd, const char *name, struct vm_state *st,
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
		    MONITOR_TIMEOUT_MS, &why);
		/* A press that met QEMU's last moments. */
		if (rc != QMP_OK &&
		    proc_wait_exit(id, now_ms() + LAST_BREATH_MS)) {
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
	if ((found = find_running(rd, name, &st, &lock, d)) != 1 ||
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
		    MONITOR_TIMEOUT_MS, d) == QMP_OK ? STOP_PRESSED :
		    STOP_FAILED;
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
vm_kill(const struct rundir *rd, const char *name, struct diag *d)
{
	enum vm_stopped rc = STOP_KILLED;
	struct vm_state st;
	int lock, found;

	if ((found = find_running(rd, name, &st, &lock, d)) != 1) {
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

	if ((found = find_running(rd, name, &st, &lock, d)) == 0)
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
	rc = control_open(&q, rd, name, st, MONITOR_TIMEOUT_MS, 1, &d);
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
	qmp_ask_all(ask, n, "query-status", "status", MONITOR_TIMEOUT_MS,
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
