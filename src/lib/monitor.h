/*
 * monitor.h - finding and opening a running VM's monitors: the TCP (or
 * MONITOR=unix) monitors that people and their scripts use through
 * qemu-cmd and qemu-mon, and qemu-init's own control socket.
 */
#ifndef QI_MONITOR_H
#define QI_MONITOR_H

#include "buf.h"
#include "diag.h"
#include "qmp.h"
#include "registry.h"
#include "rundir.h"
#include "state.h"

/* Also the exit statuses of the monitor clients (qemu-cmd(1)). */
enum {
	MONITOR_OK = 0,
	MONITOR_UNKNOWN = 1,	/* no such VM (exit status 1) */
	MONITOR_DOWN = 2	/* not running, unreachable, not this VM (2) */
};

/* A running VM a monitor client talks to. */
struct vm_target {
	struct rundir	 run;
	struct vm_ref	 ref;
	struct vm_state	 st;
};

/*
 * Resolves arg against CONFDIR's registry and finds the VM's running
 * QEMU through RUNDIR.  MONITOR_OK with t filled, else a MONITOR_ code
 * and why in d; vm_target_free t either way.
 */
int	monitor_locate(const char *confdir, const char *rundir,
	    const char *arg, struct vm_target *t, struct diag *d);
void	vm_target_free(struct vm_target *);
/* Whether st says where the people's monitors are. */
int	monitor_known(const struct vm_state *st);
/*
 * Opens the QMP monitor of a running VM for people's commands: its
 * CTLPORT, or RUNDIR/<name>@qmp with MONITOR=unix, with qmp_open's
 * checks.  q is set up even on failure: qmp_close it either way.
 */
int	monitor_qmp_open(struct qmp *q, const struct rundir *,
	    const char *name, const struct vm_state *st, int timeout_ms,
	    struct diag *d);
/*
 * Checks over QMP that the VM on st's monitors is name, then connects
 * to its human monitor (MONPORT: ::1, then 127.0.0.1 when ::1 is busy)
 * and waits up to QMP_GREETING_MS for the HMP greeting, which is put in
 * greeting.  The socket, or -1 (MONITOR_DOWN) with why in d.
 */
int	monitor_open_hmp(const struct rundir *, const char *name,
	    const struct vm_state *st, int timeout_ms, struct strbuf *greeting,
	    struct diag *d);
/* "monitor 30320, control 30420", or the socket paths; caller frees. */
char	*monitor_where(const struct rundir *, const char *name,
	    const struct vm_state *st);

/*
 * Opens qemu-init's own QMP socket of a VM, RUNDIR/<name>@control (mode
 * 0600: only RUNDIR's owner), which no TCP client can hold or squat.
 * Where this user may not open it, and fallback is set, the people's
 * monitor instead (status and list for other users).  As qmp_open.
 */
int	control_open(struct qmp *q, const struct rundir *, const char *name,
	    const struct vm_state *st, int timeout_ms, int fallback,
	    struct diag *d);
/* The pid of the process at the other end of a unix socket, or -1. */
long	control_peer_pid(const struct qmp *q);

#endif
