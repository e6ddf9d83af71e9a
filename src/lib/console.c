/*
 * console.c - attaching to a VM's serial console.
 */
#include <stdlib.h>

#include "console.h"
#include "qmp.h"
#include "sock.h"

int
console_open(const struct rundir *rd, const char *name, int *lock,
    struct diag *d)
{
	enum lock_result got;
	char *path;
	int fd;

	got = lock_take(rd, name, RUN_CONSOLE_LOCK, 0, lock, d);
	if (got == LOCK_BUSY)
		diag_error(d, "the console of '%s' is in use (another client "
		    "is attached)", name);
	if (got != LOCK_TAKEN)
		return -1;
	path = rundir_path(rd, name, RUN_SERIAL);
	fd = sock_connect_unix(path, now_ms() + QMP_GREETING_MS, d);
	if (fd == SOCK_REFUSED)
		diag_error(d, "'%s' has no serial console (nothing listens on %s; "
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
