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
	if (st->ctlport == 0) {
		diag_error(d, "'%s' runs but its state file is lost: its "
		    "ports are not known", ref->name);
		return MONITOR_DOWN;
	}
	return MONITOR_OK;
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
	struct qmp q;
	int fd, rc;

	rc = qmp_open(&q, name, st->ctlport, timeout_ms, d);
	qmp_close(&q);
	if (rc != QMP_OK)
		return -1;
	fd = sock_connect_loopback(st->monport, now_ms() + timeout_ms, d);
	if (fd == SOCK_REFUSED || fd == SOCK_TIMEOUT)
		diag_error(d, "cannot reach the monitor of '%s' on port %u",
		    name, st->monport);
	if (fd < 0)
		return -1;
	if (read_greeting(fd, now_ms() + QMP_GREETING_MS, greeting) != 0) {
		diag_error(d, "monitor of '%s' is busy (another client is "
		    "connected)", name);
		close(fd);
		return -1;
	}
	return fd;
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
	fd = sock_connect_unix(path, d);
	if (fd == SOCK_REFUSED)
		diag_error(d, "'%s' has no serial console (%s is missing; "
		    "SERIAL=no?)", name, path);
	free(path);
	if (fd < 0) {
		lock_release(*lock);
		*lock = -1;
		return -1;
	}
	return fd;
}
