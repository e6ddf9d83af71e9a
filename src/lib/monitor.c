/*
 * monitor.c - locating and opening a running VM's monitors.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "monitor.h"
#include "proc.h"
#include "qmp.h"
#include "sock.h"

/* Whether st says where the people's monitors are. */
static int
monitor_known(const struct vm_state *st)
{
	return st->recorded && (st->unix_monitors || st->ctlport != 0);
}

int
monitor_locate(const char *confdir, const char *rundir, const char *arg,
    struct vm_target *t, struct diag *d)
{
	memset(t, 0, sizeof(*t));
	t->run.fd = -1;
	if (vm_lookup(confdir, arg, &t->ref, d) != RESOLVE_OK)
		return MONITOR_UNKNOWN;
	if (rundir_open(&t->run, rundir, RUNDIR_READ, d) != 0)
		return MONITOR_DOWN;
	if (vm_probe(&t->run, t->ref.name, &t->st) != VM_RUNNING) {
		diag_error(d, "'%s' is not running", t->ref.name);
		return MONITOR_DOWN;
	}
	if (!monitor_known(&t->st)) {
		diag_error(d, "'%s' runs but its start was cut short: its "
		    "ports are not known (qemu-init stop or restart it)",
		    t->ref.name);
		return MONITOR_DOWN;
	}
	return MONITOR_OK;
}

void
vm_target_free(struct vm_target *t)
{
	state_free(&t->st);
	vm_ref_free(&t->ref);
	rundir_close(&t->run);
}

/*
 * What /proc says of st's QEMU and its TCP monitor (qmp, else HMP) on
 * port: 1 it is name's QEMU and listens there, on the addresses put in
 * *addrs; 0 it is another VM's (why in d); -1 that cannot be told (its
 * command line is hidden from us, or not one of ours).
 */
static int
qemu_listens(const char *name, const struct vm_state *st, int qmp,
    unsigned port, int *addrs, struct diag *d)
{
	struct strvec av;
	const char *other;
	int rc = -1;

	sv_init(&av);
	if (st->qemu.pid > 1 && proc_cmdline(st->qemu.pid, &av) == 0) {
		switch (qemu_cmdline_name(&av, name, &other)) {
		case CMDLINE_OTHER:
			if (!proc_alive(&st->qemu))
				break;	/* that pid is another's now */
			diag_error(d, "the QEMU of '%s' (pid %ld) is VM '%s': "
			    "nothing sent", name, (long)st->qemu.pid, other);
			rc = 0;
			break;
		case CMDLINE_VM:
			*addrs = (qemu_cmdline_monitor(&av, qmp, 0, port) ?
			    SOCK_V4 : 0) | (qemu_cmdline_monitor(&av, qmp, 1,
			    port) ? SOCK_V6 : 0);
			if (*addrs != 0)
				rc = 1;
			break;
		}
	}
	sv_free(&av);
	return rc;
}

/* st's QEMU, when it was recorded (else NULL). */
static const struct proc_id *
recorded_qemu(const struct vm_state *st)
{
	return st->qemu.pid > 1 ? &st->qemu : NULL;
}

int
monitor_qmp_open(struct qmp *q, const struct rundir *rd, const char *name,
    const struct vm_state *st, int timeout_ms, struct diag *d)
{
	char *path;
	int rc, addrs;

	if (!st->unix_monitors) {
		rc = qemu_listens(name, st, 1, st->ctlport, &addrs, d);
		if (rc == 0) {
			qmp_init(q, name, timeout_ms);
			return QMP_UNREACHABLE;
		}
		/* Where /proc cannot tell, QEMU is asked who it is. */
		return qmp_open(q, name, st->ctlport, rc == 1 ? addrs :
		    SOCK_V4 | SOCK_V6, rc == 1 ? &st->qemu : NULL, timeout_ms,
		    d);
	}
	path = rundir_path(rd, name, RUN_QMP);
	rc = qmp_open_unix(q, name, path, recorded_qemu(st), timeout_ms, d);
	free(path);
	return rc;
}

char *
monitor_where(const struct rundir *rd, const char *name,
    const struct vm_state *st)
{
	char *hmp, *qmp, *s;

	if (!st->unix_monitors)
		return xasprintf("monitor %u, control %u", st->monport,
		    st->ctlport);
	hmp = rundir_path(rd, name, RUN_HMP);
	qmp = rundir_path(rd, name, RUN_QMP);
	s = xasprintf("monitor %s, control %s", hmp, qmp);
	free(hmp);
	free(qmp);
	return s;
}

/* HMP's greeting ends with its prompt, "(qemu) ". */
static int
read_greeting(int fd, long long deadline, struct strbuf *greeting)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	char buf[512];
	long long left;
	ssize_t n;

	while (greeting->len < 7 ||
	    strcmp(greeting->s + greeting->len - 7, "(qemu) ") != 0) {
		left = deadline - now_ms();
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return -1;
		if ((n = read(fd, buf, sizeof(buf))) <= 0)
			return -1;
		sb_add(greeting, buf, (size_t)n);
	}
	return 0;
}

int
monitor_open_hmp(const struct rundir *rd, const char *name,
    const struct vm_state *st, int timeout_ms, struct strbuf *greeting,
    struct diag *d)
{
	unsigned port = st->unix_monitors ? 0 : st->monport;
	const struct proc_id *qemu = recorded_qemu(st);
	long long deadline = now_ms() + timeout_ms;
	struct sock_reader r;
	struct qmp q;
	char *path;
	int addrs = SOCK_V4 | SOCK_V6, rc;

	if (!st->unix_monitors && qemu != NULL &&
	    qmp_other_netns(name, port, qemu, d))
		return -1;
	if (!st->unix_monitors && qemu != NULL &&
	    (rc = qemu_listens(name, st, 0, port, &addrs, d)) != 1) {
		if (rc == 0)
			return -1;
		qemu = NULL;
	}
	/* Who it is cannot be told from here: QMP asks. */
	if (qemu == NULL) {
		rc = monitor_qmp_open(&q, rd, name, st, timeout_ms, d);
		qmp_close(&q);
		if (rc != QMP_OK)
			return -1;
	}
	if (st->unix_monitors) {
		path = rundir_path(rd, name, RUN_HMP);
		sock_reader_init(&r, sock_connect_unix(path, deadline, d));
		rc = r.fd >= 0 ? SOCK_OK : r.fd;
		if (rc == SOCK_OK && qemu != NULL &&
		    qmp_peer_is(r.fd, name, path, qemu, d) != 0)
			rc = SOCK_FAILED;
		free(path);
	} else {
		rc = sock_connect_greeted(&r, port, addrs, NULL,
		    QMP_GREETING_MS, deadline, d);
		/* qemu-mon's relay writes to it as it comes. */
		if (rc == SOCK_OK)
			rc = sock_set_blocking(r.fd, d);
	}
	if (rc == SOCK_REFUSED)
		diag_error(d, "cannot reach the human monitor of '%s'", name);
	if (rc == SOCK_OK)
		sb_add(greeting, r.in.s != NULL ? r.in.s : "", r.in.len);
	if (rc == SOCK_BUSY || (rc == SOCK_OK &&
	    read_greeting(r.fd, now_ms() + QMP_GREETING_MS, greeting) != 0)) {
		qmp_busy_error(name, port, d);
		rc = SOCK_BUSY;
	}
	if (rc == SOCK_OK && qemu != NULL &&
	    qmp_still_runs(name, qemu, d) != 0)
		rc = SOCK_FAILED;
	sb_free(&r.in);
	if (rc != SOCK_OK) {
		if (r.fd >= 0)
			close(r.fd);
		return -1;
	}
	return r.fd;
}

int
control_open(struct qmp *q, const struct rundir *rd, const char *name,
    const struct vm_state *st, int timeout_ms, int fallback, struct diag *d)
{
	char *path;
	int rc;

	path = rundir_path(rd, name, RUN_CONTROL);
	if (fallback && access(path, R_OK | W_OK) != 0 && errno == EACCES &&
	    monitor_known(st)) {
		free(path);
		return monitor_qmp_open(q, rd, name, st, timeout_ms, d);
	}
	rc = qmp_open_unix(q, name, path, recorded_qemu(st), timeout_ms, d);
	free(path);
	return rc;
}
