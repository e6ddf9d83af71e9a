/*
 * ports.h - the slot of a running VM (SPEC 3): slot s holds MONPORT
 * base+s (HMP), CTLPORT base+s+100 (QMP) and VNC display s.
 */
#ifndef QI_PORTS_H
#define QI_PORTS_H

#include "diag.h"
#include "monconf.h"

#define VNC_PORT_BASE	5900

/*
 * The lowest slot whose ports are free on the loopback addresses (ipv6:
 * ::1 too; vnc: the VNC port too) and that no running VM's state records.
 * The caller holds the "slots.lock" lock until the VM's state is written.
 * 0, or -1 with "no free monitor slot in PORT-PORT" in d.
 */
int	slot_choose(const struct monitor_conf *, const char *rundir, int ipv6,
	    int vnc, unsigned *slot, struct diag *);

#endif
