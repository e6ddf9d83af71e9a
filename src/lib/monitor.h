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
/*
 * Opens the QMP monitor of a running VM for people's commands: its
 * CTLPORT, or RUNDIR/<name>@qmp with MONITOR=unix, with qmp_open's
 * checks.  That it reaches st's QEMU is told without asking it where
 * that can be: on a unix socket by who listens there; on a port by
 * that QEMU's command line in /proc, which must be name's (its -name)
 * and listen on the port (cmdline.h), and the addresses tried are the
 * ones it listens on.  Where the command line cannot be read, QEMU is
 * asked its name (qmp_open).  q is set up even on failure: qmp_close
 * it either way.
 */
int	monitor_qmp_open(struct qmp *q, const struct rundir *,
	    const char *name, const struct vm_state *st, int timeout_ms,
	    struct diag *d);
/*
 * Connects to the human monitor of a running VM (MONPORT: 127.0.0.1,
 * then ::1 when that is busy and QEMU listens there too; or RUNDIR/
 * <name>@hmp), reaching st's QEMU as monitor_qmp_open does (where that
 * cannot be told from here, the VM's QMP monitor is asked first), and
 * waits up to QMP_GREETING_MS for the HMP greeting, which is put in
 * greeting.  The socket (blocking), or -1 (MONITOR_DOWN) with why in d.
 */
int	monitor_open_hmp(const struct rundir *, const char *name,
	    const struct vm_state *st, int timeout_ms, struct strbuf *greeting,
	    struct diag *d);
/* "monitor 30320, control 30420", or the socket paths; caller frees. */
char	*monitor_where(const struct rundir *, const char *name,
	    const struct vm_state *st);

/*
 * Opens qemu-init's own QMP socket of a VM, RUNDIR/<name>@control (mode
 * 0600: only RUNDIR's owner), which no TCP client can hold or squat;
 * the process listening there must be st's QEMU (st->qemu; with pid 0,
 * QEMU is asked its name).  Where this user may not open it, and
 * fallback is set, the people's monitor instead (status and list for
 * other users).  As qmp_open.
 */
int	control_open(struct qmp *q, const struct rundir *, const char *name,
	    const struct vm_state *st, int timeout_ms, int fallback,
	    struct diag *d);

#endif
