/*
 * ports.h - the slot of a running VM (monitor.conf(5)): slot s holds
 * MONPORT base+s (HMP), CTLPORT base+s+100 (QMP) and VNC display s
 * (TCP port 5900+s).  The only place that does this arithmetic.
 */
#ifndef QI_PORTS_H
#define QI_PORTS_H

#include "diag.h"
#include "monconf.h"
#include "rundir.h"

#define VNC_PORT_BASE	5900

/* The monitor ports of slot s. */
void	slot_ports(const struct monconf *, unsigned s, unsigned *monport,
	    unsigned *ctlport);

/* What a VM will listen on, which its slot must have free. */
struct slot_needs {
	int	tcp_monitors;	/* MONPORT and CTLPORT (not MONITOR=unix) */
	int	ipv6;		/* ... on ::1 too */
	int	vnc;		/* VNC's port on VNC_LISTEN */
};

/*
 * The lowest slot that no running VM's state records and whose ports
 * the VM needs are free.  The caller holds the slot lock until the VM's
 * state is written.  0, or -1 with "no free monitor slot in PORT-PORT" and why
 * (which port another program holds, what to change) in d.
 */
int	slot_choose(const struct monconf *, const struct rundir *,
	    const struct slot_needs *, unsigned *slot, struct diag *);

#endif
