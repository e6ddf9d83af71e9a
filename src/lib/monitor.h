/*
 * monitor.h - what the monitor clients (qemu-cmd, qemu-mon, qemu-init
 * console) share: finding a running VM's ports from a <vm> argument,
 * opening its human monitor once the identity check has passed, and
 * its serial console.
 */
#ifndef QI_MONITOR_H
#define QI_MONITOR_H

#include "buf.h"
#include "diag.h"
#include "qmp.h"
#include "registry.h"
#include "state.h"

/* Also the exit statuses of the monitor clients (SPEC 5). */
enum {
	MONITOR_OK = 0,
	MONITOR_UNKNOWN = 1,	/* no such VM (exit status 1) */
	MONITOR_DOWN = 2	/* not running, unreachable, not this VM (2) */
};

/*
 * Resolves arg and finds the ports of its running QEMU.  MONITOR_OK with
 * ref and st filled (free both), else a MONITOR_ code and why in d.
 */
int	monitor_locate(const char *arg, struct vm_ref *ref,
	    struct vm_state *st, struct diag *d);
/*
 * Opens the QMP monitor of a running VM, on its CTLPORT or its unix
 * socket RUNDIR/<name>.qmp (MONITOR=unix), with qmp_open's checks.  q is
 * set up even on failure: qmp_close it either way.
 */
int	monitor_qmp_open(struct qmp *q, const char *name,
	    const struct vm_state *st, int timeout_ms, struct diag *d);
/* "monitor 30320, control 30420", or the socket paths; caller frees. */
char	*monitor_where(const char *name, const struct vm_state *st);
/* Whether st says where the monitors are (a lost state file does not). */
int	monitor_known(const struct vm_state *st);

/*
 * Checks over QMP that the VM on st's CTLPORT is name, then connects
 * to its MONPORT (::1, then 127.0.0.1 when ::1 is busy) and waits up
 * to QMP_GREETING_MS for the HMP greeting, which is put in greeting.
 * The socket, or -1 (MONITOR_DOWN) with why in d.
 */
int	monitor_open_hmp(const char *name, const struct vm_state *st,
	    int timeout_ms, struct strbuf *greeting, struct diag *d);

/*
 * Opens the VM's serial console, RUNDIR/<name>.serial, for one client:
 * the lock RUNDIR/<name>.console.lock is held in *lock while attached
 * (release it with lock_release).  The socket, or -1 with why in d.
 */
int	console_open(const char *name, int *lock, struct diag *d);

#endif
