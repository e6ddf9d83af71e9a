/*
 * ports.h - the slot of a running VM (monitor.conf(5)): slot s holds
 * MONPORT base+s (HMP), CTLPORT base+s+100 (QMP), VNC display s (TCP
 * port 5900+s) and the tap devices qi<s>n0, qi<s>n1, ... of its NICs.
 * The only place that does this arithmetic.
 */
#ifndef QI_PORTS_H
#define QI_PORTS_H

#include <stddef.h>

#include "diag.h"
#include "monconf.h"
#include "rundir.h"

#define VNC_PORT_BASE	5900
#define TAP_NAME_SIZE	16	/* IFNAMSIZ: 15 characters and the NUL */

/*
 * The tap device of NIC i (0 for NIC1, as QEMU's netdev net0) of the VM
 * on slot s: "qi3n0", at most 15 characters.
 */
void	slot_tap_name(unsigned s, size_t i, char name[TAP_NAME_SIZE]);

/* The monitor ports of slot s. */
void	slot_ports(const struct monconf *, unsigned s, unsigned *monport,
	    unsigned *ctlport);

/* What a VM will listen on, which its slot must have free. */
struct slot_needs {
	int	tcp_monitors;	/* MONPORT and CTLPORT (not MONITOR=unix) */
	int	ipv6;		/* ... on ::1 too */
	int	vnc;		/* VNC's port on VNC_LISTEN */
	size_t	taps;		/* its NICs: no such interface may exist */
};

/*
 * The lowest slot that no running VM's state records, whose ports the
 * VM needs are free and whose tap names no network interface of this
 * network namespace has (another qemu-init's VM, with a RUNDIR of its
 * own).  The caller holds the slot lock until the VM's state is
 * written.  0, or -1 with "no free monitor slot in PORT-PORT" and why
 * (which port or interface another program holds, what to change) in d.
 */
int	slot_choose(const struct monconf *, const struct rundir *,
	    const struct slot_needs *, unsigned *slot, struct diag *);

#endif
