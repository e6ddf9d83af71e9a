/*
 * monconf.h - CONFDIR/monitor.conf (monitor.conf(5)): the first monitor
 * port, how many slots there are, where VNC listens, whether the monitors
 * are TCP ports or unix sockets, and the user QEMU runs as.
 */
#ifndef QI_MONCONF_H
#define QI_MONCONF_H

#include "diag.h"

#define MONCONF_MONPORT		30320
#define MONCONF_SLOTS		100
#define MONCONF_SLOTS_MAX	100	/* CTLPORT = MONPORT + 100 */
#define MONCONF_VNC_LISTEN	"127.0.0.1"

struct monconf {
	unsigned	 monport;	/* the first MONPORT */
	unsigned	 slots;
	char		*vnc_listen;
	unsigned	 vnc_listen_line;	/* 0: the default */
	int		 unix_monitors;	/* MONITOR=unix: monitors in RUNDIR */
	char		*runas;		/* RUNAS: QEMU's user (confine.h) */
	unsigned	 runas_line;	/* 0: the default */
};

/* A missing file means the defaults.  Returns 0, or -1 on an error. */
int	monconf_load(struct monconf *, const char *confdir,
	    struct diag *);
void	monconf_free(struct monconf *);

#endif
