/*
 * lifecycle.c - start, stop and kill.
 *
 * Two locks in RUNDIR keep concurrent qemu-init processes apart:
 * "<name>.lock" for the whole of an action on one VM (never two QEMUs
 * for one VM), and "slots.lock" from choosing a slot until the state
 * file that records it is written (never two VMs on one slot).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "argv.h"
#include "check.h"
#include "lifecycle.h"
#include "monitor.h"
#include "netif.h"
#include "paths.h"
#include "ports.h"
#include "proc.h"
#include "qmp.h"
#include "sock.h"
#include "state.h"

static int
vm_lock(const char *rundir, const char *name, struct diag *d)
{
	char *file = xasprintf("%s.lock", name);
	int fd;

	fd = lock_take(rundir, file, VM_LOCK_WAIT_MS, d);
	free(file);
	if (fd == -2)
		diag_error(d, "another qemu-init is acting on '%s' (still "
		    "busy after %d s)", name, VM_LOCK_WAIT_MS / 1000);
	return fd;
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

/* A NIC of ours whose MAC a running VM uses already. */
static void
check_running_macs(const char *name, const struct vm_state *st, void *arg)
{
	struct mac_check *mc = arg;
	struct vm_config other;
	struct diag quiet;
	size_t i, j;

	if (strcmp(name, mc->vm->name) == 0 || st->cfgpath[0] == '\0')
		return;
	diag_init(&quiet);
	if (vmconf_load(&other, st->cfgpath, name, &quiet) == 0)
		for (i = 0; i < mc->vm->nnics; i++)
			for (j = 0; j < other.nnics; j++)
				if (strcmp(mc->vm->nics[i].mac,
				    other.nics[j].mac) == 0)
					diag_error(mc->d, "MAC %s of NIC%zu "
					    "is in use by NIC%zu of running "
					    "VM '%s' (set MAC%zu)",
					    other.nics[j].mac, i + 1, j + 1,
					    name, i + 1);
	vmconf_free(&other);
	diag_clear(&quiet);
}

/* What must hold before anything runs: the bridge, unique MACs. */
static int
preflight(const struct vm_config *vm, const char *rundir, struct diag *d)
{
	struct mac_check mc = { vm, d };
	unsigned errors = d->errors;

	if (vm->nnics == 0)
		return 0;
	(void)check_bridge(vm, d);
	state_scan(rundir, check_running_macs, &mc);
	return d->errors == errors ? 0 : -1;
}

/* QEMU's error output as one line. */
static char *
one_line(const char *text)
{
	struct strbuf sb;
	const char *p;

	sb_init(&sb);
	for (p = text; *p != '\0'; p++) {
		if (*p != '\n')
			sb_addc(&sb, *p);
		else if (p[1] != '\0')
			sb_adds(&sb, "; ");
	}
	return sb_detach(&sb);
}

/*
 * The console log and the sockets (serial console, MONITOR=unix
 * monitors) are the guest's words, its keyboard and its controls: mode
 * 0600.  QEMU's -daemonize sets umask 027, so the log is made before the
 * launch (QEMU appends to it) and the sockets are changed after it.
 */
static int
make_private(const char *rundir, const char *name, const char *suffix,
    struct diag *d)
{
	char *path;
	int fd, rc;

	path = run_path(rundir, name, suffix);
	if (strcmp(suffix, ".console.log") != 0)
		rc = chmod(path, 0600);
	else if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) < 0)
		rc = -1;
	else {
		rc = fchmod(fd, 0600);
		if (close(fd) != 0)
			rc = -1;
	}
	if (rc != 0)
		diag_error(d, "cannot make %s private: %s", path,
		    strerror(errno));
	free(path);
	return rc;
}

/* The sockets QEMU made: private once it has made them. */
static int
sockets_private(const struct vm_config *vm, const struct monitor_conf *mc,
    const char *rundir, struct diag *d)
{
	if (vm->serial && make_private(rundir, vm->name, ".serial", d) != 0)
		return -1;
	if (mc->unix_sockets &&
	    (make_private(rundir, vm->name, ".hmp", d) != 0 ||
	    make_private(rundir, vm->name, ".qmp", d) != 0))
		return -1;
	return 0;
}

/* Ends a QEMU we just started and which must not stay. */
static void
discard(pid_t pid, const char *rundir, const char *name)
{
	if (pid > 1 && pid_is_vm_qemu(pid, rundir, name)) {
		kill(pid, SIGKILL);
		(void)proc_wait_gone(pid, now_ms() + FORCE_STEP_MS);
	}
	state_remove(rundir, name);
}

/* Launches QEMU on a free slot and records it; the slot lock is ours. */
static int
launch(const struct vm_config *vm, const struct monitor_conf *mc,
    const char *rundir, struct vm_started *out, struct diag *d)
{
	struct vm_state st;
	struct launch ln;
	struct strbuf err;
	struct strvec av;
	char *env[2], *msg;
	int status, rc = -1;

	memset(&ln, 0, sizeof(ln));
	ln.ipv6 = sock_has_ipv6_loopback();
	if (slot_choose(mc, rundir, ln.ipv6, vm->vnc, &ln.slot, d) != 0)
		return -1;
	launch_ports(&ln, mc, ln.slot);
	ln.kvm = vm->kvm == KVM_YES || (vm->kvm == KVM_AUTO && kvm_available());
	ln.run_with = vm->runas != NULL && qemu_has_run_with(vm->tgtarch);
	ln.confdir = path_confdir();
	ln.rundir = rundir;
	sv_init(&av);
	sb_init(&err);
	env[0] = xasprintf("%s=%s", NETIF_BRIDGE_ENV, vm->bridge);
	env[1] = NULL;
	state_remove(rundir, vm->name);
	if (qemu_argv(vm, mc, &ln, &av, d) != 0)
		goto out;
	if (vm->serial && make_private(rundir, vm->name, ".console.log", d) != 0)
		goto out;
	if (proc_run(av.v, env, NULL, &err, &status, d) != 0)
		goto out;
	if (status != 0) {
		msg = one_line(err.s);
		diag_error(d, "QEMU failed to start '%s': %s", vm->name,
		    msg[0] != '\0' ? msg : "no message");
		free(msg);
		discard(pidfile_read(rundir, vm->name), rundir, vm->name);
		goto out;
	}
	memset(&st, 0, sizeof(st));
	st.pid = pidfile_read(rundir, vm->name);
	if (st.pid == 0 || !pid_is_vm_qemu(st.pid, rundir, vm->name)) {
		diag_error(d, "QEMU of '%s' exited right after its start",
		    vm->name);
		discard(st.pid, rundir, vm->name);
		goto out;
	}
	if (sockets_private(vm, mc, rundir, d) != 0) {
		discard(st.pid, rundir, vm->name);
		goto out;
	}
	st.slot = ln.slot;
	st.unix_monitors = mc->unix_sockets;
	if (!st.unix_monitors) {
		st.monport = ln.monport;
		st.ctlport = ln.ctlport;
	}
	st.started = (long long)time(NULL);
	st.cfgpath = vm->cfgpath;
	if (state_write(rundir, vm->name, &st, d) != 0) {
		discard(st.pid, rundir, vm->name);
		goto out;
	}
	out->st = st;
	out->st.cfgpath = NULL;
	rc = 0;
out:
	free(env[0]);
	sb_free(&err);
	sv_free(&av);
	return rc;
}

/* The monitor answers as this VM, and the guest did not die at once. */
static int
confirm(const struct vm_config *vm, const struct vm_started *out,
    struct diag *d)
{
	struct qmp q;
	char *status = NULL;
	int rc;

	rc = monitor_qmp_open(&q, vm->name, &out->st, MONITOR_TIMEOUT_MS, d);
	if (rc == QMP_OK)
		rc = qmp_query(&q, "query-status", "status", &status, d);
	qmp_close(&q);
	if (rc != QMP_OK) {
		diag_error(d, "the monitor of '%s' does not answer: start "
		    "undone", vm->name);
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

int
vm_start(const struct vm_config *vm, const struct monitor_conf *mc,
    struct vm_started *out, struct diag *d)
{
	const char *rundir = path_rundir();
	struct vm_state st;
	struct diag warn;
	int vlock, slock, rc = -1;

	memset(out, 0, sizeof(*out));
	if (rundir_prepare(rundir, d) != 0 ||
	    (vlock = vm_lock(rundir, vm->name, d)) < 0)
		return -1;
	switch (vm_probe(rundir, vm->name, &st)) {
	case VM_RUNNING:
		out->already = 1;
		out->st = st;
		out->st.cfgpath = NULL;
		state_free(&st);
		lock_release(vlock);
		return 0;
	case VM_DEAD:
		state_remove(rundir, vm->name);
		break;
	case VM_STOPPED:
		break;
	}
	state_free(&st);
	if (preflight(vm, rundir, d) != 0 ||
	    (vm->precmd != NULL &&
	    run_hook("PRECMD", vm->precmd, vm->name, d) != 0))
		goto out;
	slock = lock_take(rundir, "slots.lock", SLOT_LOCK_WAIT_MS, d);
	if (slock == -2)
		diag_error(d, "cannot choose a slot for '%s': other starts "
		    "hold the slot lock", vm->name);
	if (slock < 0)
		goto out;
	rc = launch(vm, mc, rundir, out, d);
	lock_release(slock);
	if (rc != 0)
		goto out;
	if (confirm(vm, out, d) != 0) {
		discard(out->st.pid, rundir, vm->name);
		rc = -1;
		goto out;
	}
	if (vm->postcmd != NULL) {
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

/* SIGTERM or SIGKILL to our QEMU only, then a bounded wait. */
static int
signal_and_wait(pid_t pid, int sig, const char *rundir, const char *name)
{
	if (!pid_is_vm_qemu(pid, rundir, name))
		return 1;
	if (kill(pid, sig) != 0 && errno == ESRCH)
		return 1;
	return proc_wait_gone(pid, now_ms() + FORCE_STEP_MS);
}

/*
 * stop -f and kill: quit over QMP when connected, then signals.  1 once
 * QEMU is gone, 0 (and why in d) when it survived even SIGKILL.
 */
static int
force_off(struct qmp *q, int connected, pid_t pid, const char *rundir,
    const char *name, int term, struct diag *d)
{
	struct diag quiet;

	diag_init(&quiet);
	if (connected) {
		(void)qmp_execute(q, "{\"execute\":\"quit\"}", NULL, &quiet);
		if (proc_wait_gone(pid, now_ms() + FORCE_STEP_MS))
			goto out;
	}
	if (term && signal_and_wait(pid, SIGTERM, rundir, name))
		goto out;
	(void)signal_and_wait(pid, SIGKILL, rundir, name);
out:
	diag_clear(&quiet);
	if (proc_wait_gone(pid, now_ms()))
		return 1;
	diag_error(d, "'%s' (pid %ld) survived SIGKILL", name, (long)pid);
	return 0;
}

/* Probes under the VM lock; the state of a crashed VM is cleaned. */
static int
find_running(const char *rundir, const char *name, struct vm_state *st,
    int *lock, struct diag *d)
{
	enum vm_run run;

	memset(st, 0, sizeof(*st));
	if ((*lock = vm_lock(rundir, name, d)) < 0)
		return -1;
	run = vm_probe(rundir, name, st);
	if (run != VM_RUNNING)
		state_remove(rundir, name);	/* what a crash or exit left */
	return run == VM_RUNNING;
}

/*
 * Presses the power button and waits for QEMU to exit, pressing again
 * every REPRESS_MS: a guest still booting loses a press that comes
 * before its button driver is loaded.  1 gone, 0 still there, -1 the
 * monitor failed.
 */
static int
power_button(struct qmp *q, pid_t pid, unsigned timeout_s, struct diag *d)
{
	long long deadline = now_ms() + (long long)timeout_s * 1000, next;

	for (;;) {
		if (qmp_execute(q, "{\"execute\":\"system_powerdown\"}", NULL,
		    d) != QMP_OK)
			return proc_wait_gone(pid, now_ms()) ? 1 : -1;
		next = now_ms() + REPRESS_MS;
		if (proc_wait_gone(pid, next < deadline ? next : deadline))
			return 1;
		if (now_ms() >= deadline)
			return 0;
	}
}

enum vm_stopped
vm_stop(const char *name, unsigned timeout_s, int force, struct diag *d)
{
	const char *rundir = path_rundir();
	enum vm_stopped rc = STOP_FAILED;
	struct vm_state st;
	struct qmp q;
	int lock, connected = 0, found, pressed = -1;

	memset(&q, 0, sizeof(q));
	q.r.fd = -1;
	if ((found = find_running(rundir, name, &st, &lock, d)) != 1) {
		state_free(&st);
		lock_release(lock);
		return found == 0 ? STOP_NOT_RUNNING : STOP_FAILED;
	}
	if (!monitor_known(&st))
		diag_error(d, "'%s' runs (pid %ld) but its state file is "
		    "lost: no monitor to use", name, (long)st.pid);
	else if (monitor_qmp_open(&q, name, &st, MONITOR_TIMEOUT_MS, d) ==
	    QMP_OK)
		connected = 1;
	if (connected)
		pressed = power_button(&q, st.pid, timeout_s, d);
	if (pressed == 1)
		rc = STOP_DONE;
	else if (!force) {
		if (pressed == 0)
			diag_error(d, "'%s' is still running after %u s (use "
			    "-f to force it off)", name, timeout_s);
	} else {
		diag_clear(d);
		rc = force_off(&q, connected, st.pid, rundir, name, 1, d) ?
		    STOP_FORCED : STOP_FAILED;
	}
	if (q.vm != NULL)
		qmp_close(&q);
	if (rc != STOP_FAILED)
		state_remove(rundir, name);
	state_free(&st);
	lock_release(lock);
	return rc;
}

enum vm_stopped
vm_kill(const char *name, struct diag *d)
{
	const char *rundir = path_rundir();
	enum vm_stopped rc = STOP_KILLED;
	struct vm_state st;
	struct diag quiet;
	struct qmp q;
	int lock, connected = 0, found;

	if ((found = find_running(rundir, name, &st, &lock, d)) != 1) {
		state_free(&st);
		lock_release(lock);
		return found == 0 ? STOP_NOT_RUNNING : STOP_FAILED;
	}
	diag_init(&quiet);
	memset(&q, 0, sizeof(q));
	q.r.fd = -1;
	if (monitor_known(&st))
		connected = monitor_qmp_open(&q, name, &st, QMP_GREETING_MS,
		    &quiet) == QMP_OK;
	diag_clear(&quiet);
	if (force_off(&q, connected, st.pid, rundir, name, 0, d))
		state_remove(rundir, name);
	else
		rc = STOP_FAILED;
	if (q.vm != NULL)
		qmp_close(&q);
	state_free(&st);
	lock_release(lock);
	return rc;
}
