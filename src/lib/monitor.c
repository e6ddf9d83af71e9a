/*
 * monitor.c - locating and opening a running VM's monitors.
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor.h"
#include "qmp.h"
#include "sock.h"

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

int
monitor_known(const struct vm_state *st)
{
	return st->recorded && (st->unix_monitors || st->ctlport != 0);
}

int
monitor_qmp_open(struct qmp *q, const struct rundir *rd, const char *name,
    const struct vm_state *st, int timeout_ms, struct diag *d)
{
	char *path;
	int rc;

	if (!st->unix_monitors)
		return qmp_open(q, name, st->ctlport, timeout_ms, d);
	path = rundir_path(rd, name, RUN_QMP);
	rc = qmp_open_unix(q, name, path, timeout_ms, d);
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
	struct qmp q;
	char *path;
	int fd, rc;

	rc = monitor_qmp_open(&q, rd, name, st, timeout_ms, d);
	qmp_close(&q);
	if (rc != QMP_OK)
		return -1;
	if (st->unix_monitors) {
		path = rundir_path(rd, name, RUN_HMP);
		fd = sock_connect_unix(path, now_ms() + timeout_ms, d);
		free(path);
	} else
		fd = sock_connect_greeted(port, QMP_GREETING_MS,
		    now_ms() + timeout_ms, d);
	if (fd == SOCK_REFUSED)
		diag_error(d, "cannot reach the human monitor of '%s'", name);
	if (fd == SOCK_BUSY ||
	    (fd >= 0 && read_greeting(fd, now_ms() + QMP_GREETING_MS,
	    greeting) != 0)) {
		qmp_busy_error(name, port, d);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd >= 0 ? fd : -1;
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
	rc = qmp_open_unix(q, name, path, timeout_ms, d);
	free(path);
	return rc;
}

long
control_peer_pid(const struct qmp *q)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (q->r.fd < 0 || getsockopt(q->r.fd, SOL_SOCKET, SO_PEERCRED,
	    &cred, &len) != 0)
		return -1;
	return (long)cred.pid;
}
