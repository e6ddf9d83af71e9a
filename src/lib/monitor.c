/*
 * monitor.c - locating and opening a running VM's monitors.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor.h"
#include "argv.h"
#include "paths.h"
#include "qmp.h"
#include "sock.h"

int
monitor_locate(const char *arg, struct vm_ref *ref, struct vm_state *st,
    struct diag *d)
{
	memset(st, 0, sizeof(*st));
	if (vm_lookup(arg, ref, d) != RESOLVE_OK)
		return MONITOR_UNKNOWN;
	if (vm_probe(path_rundir(), ref->name, st) != VM_RUNNING) {
		diag_error(d, "'%s' is not running", ref->name);
		return MONITOR_DOWN;
	}
	if (!monitor_known(st)) {
		diag_error(d, "'%s' runs but its state file is lost: its "
		    "ports are not known", ref->name);
		return MONITOR_DOWN;
	}
	return MONITOR_OK;
}

int
monitor_known(const struct vm_state *st)
{
	return st->unix_monitors || st->ctlport != 0;
}

int
monitor_qmp_open(struct qmp *q, const char *name, const struct vm_state *st,
    int timeout_ms, struct diag *d)
{
	char *path;
	int rc;

	if (!st->unix_monitors)
		return qmp_open(q, name, st->ctlport, timeout_ms, d);
	path = run_path(path_rundir(), name, ".qmp");
	rc = qmp_open_unix(q, name, path, timeout_ms, d);
	free(path);
	return rc;
}

char *
monitor_where(const char *name, const struct vm_state *st)
{
	char *hmp, *qmp, *s;

	if (!st->unix_monitors)
		return xasprintf("monitor %u, control %u", st->monport,
		    st->ctlport);
	hmp = run_path(path_rundir(), name, ".hmp");
	qmp = run_path(path_rundir(), name, ".qmp");
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
monitor_open_hmp(const char *name, const struct vm_state *st,
    int timeout_ms, struct strbuf *greeting, struct diag *d)
{
	unsigned port = st->unix_monitors ? 0 : st->monport;
	struct qmp q;
	char *path;
	int fd, rc;

	rc = monitor_qmp_open(&q, name, st, timeout_ms, d);
	qmp_close(&q);
	if (rc != QMP_OK)
		return -1;
	if (st->unix_monitors) {
		path = run_path(path_rundir(), name, ".hmp");
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
console_open(const char *name, int *lock, struct diag *d)
{
	const char *rundir = path_rundir();
	char *path, *lockfile;
	int fd;

	lockfile = xasprintf("%s.console.lock", name);
	*lock = lock_take(rundir, lockfile, 0, d);
	free(lockfile);
	if (*lock == -2)
		diag_error(d, "the console of '%s' is in use (another client "
		    "is attached)", name);
	if (*lock < 0)
		return -1;
	path = run_path(rundir, name, ".serial");
	fd = sock_connect_unix(path, now_ms() + QMP_GREETING_MS, d);
	if (fd == SOCK_REFUSED)
		diag_error(d, "'%s' has no serial console (%s is missing; "
		    "SERIAL=no?)", name, path);
	else if (fd == SOCK_BUSY)
		diag_error(d, "the serial console of '%s' is busy (its queue "
		    "of waiting clients is full)", name);
	free(path);
	if (fd < 0) {
		lock_release(*lock);
		*lock = -1;
		return -1;
	}
	return fd;
}
