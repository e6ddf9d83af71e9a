/*
 * console.h - a running VM's serial console, RUNDIR/<name>@serial, for
 * one attached client at a time.
 */
#ifndef QI_CONSOLE_H
#define QI_CONSOLE_H

#include "diag.h"
#include "rundir.h"

/*
 * Opens the VM's serial console: RUN_CONSOLE_LOCK is held in *lock while
 * attached (release it with lock_release).  The socket, or -1 with why
 * in d.
 */
int	console_open(const struct rundir *, const char *name, int *lock,
	    struct diag *d);

#endif
