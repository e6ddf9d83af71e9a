/*
 * state.h - what start records about a running VM (RUNDIR/<name>@state),
 * and whether that VM still runs.
 *
 * A VM runs when the process recorded at its start is still that same
 * process: its pid and its start time, never a command-line match that
 * any user can imitate once a pid is reused.  A VM's facts while it runs
 * (ports, VNC, STOPDELAY, MACs) are the ones recorded here at its start,
 * not what its config says now.
 */
#ifndef QI_STATE_H
#define QI_STATE_H

#include <stddef.h>

#include "diag.h"
#include "proc.h"
#include "rundir.h"

struct vm_state {
	struct proc_id	 qemu;
	int		 recorded;	/* a state file: the fields below */
	unsigned	 slot;
	unsigned	 monport;	/* HMP; 0 with MONITOR=unix */
	unsigned	 ctlport;	/* QMP; 0 with MONITOR=unix */
	int		 unix_monitors;	/* RUN_HMP and RUN_QMP instead */
	long long	 started;	/* seconds since the epoch */
	unsigned	 stopdelay;	/* STOPDELAY at start */
	int		 runas;		/* QEMU dropped root (RUNAS) */
	int		 agent;		/* a guest agent channel (AGENT) */
	char		*vnc;		/* "127.0.0.1:3", NULL: none */
	char		*cfgpath;
	char		**macs;		/* of NIC1, NIC2, ... */
	size_t		 nmacs;
};

enum vm_run {
	VM_STOPPED,		/* no QEMU; no state, or QEMU exited cleanly */
	VM_RUNNING,		/* the recorded process runs */
	VM_DEAD			/* state left, QEMU gone: it crashed */
};

/*
 * Reads a VM's state: 0 read, 1 none, -1 unreadable or garbage (d says
 * why).  st is always set up for state_free.
 */
int	state_read(const struct rundir *, const char *name, struct vm_state *,
	    struct diag *);
/* Written (0644) to a temporary file and renamed: never half-written. */
int	state_write(const struct rundir *, const char *name,
	    const struct vm_state *, struct diag *);
/* Removes what a VM's run left: state, pid file and sockets. */
void	state_remove(const struct rundir *, const char *name);
void	state_free(struct vm_state *);

/*
 * Whether the VM runs; st is set up either way (state_free it).  A QEMU
 * whose start was cut short before its state was written is found
 * through its pid file (which only the RUNDIR owner's QEMU can write):
 * it runs when that process started before the file was written, and
 * st->recorded is 0.
 */
enum vm_run vm_probe(const struct rundir *, const char *name,
	    struct vm_state *st);

/*
 * Calls fn for every VM of RUNDIR that runs, by its state or its pid
 * file, in name order.  0, or -1 with why in d when RUNDIR cannot be
 * read.
 */
int	vm_each_running(const struct rundir *,
	    void (*fn)(const char *name, const struct vm_state *, void *),
	    void *arg, struct diag *d);

#endif
