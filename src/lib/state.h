/*
 * state.h - what RUNDIR knows about running VMs: state files, pid files,
 * locks, and whether a pid really is a VM's QEMU.
 */
#ifndef QI_STATE_H
#define QI_STATE_H

#include <sys/types.h>

#include "diag.h"

struct vm_state {
	pid_t		 pid;
	unsigned	 slot;
	unsigned	 monport;
	unsigned	 ctlport;
	long long	 started;	/* seconds since the epoch */
	int		 unix_monitors;	/* RUNDIR/<name>.hmp and .qmp */
	char		*cfgpath;
};

enum vm_run {
	VM_STOPPED,		/* no QEMU; no state, or QEMU exited cleanly */
	VM_RUNNING,		/* the state's pid is this VM's QEMU */
	VM_DEAD			/* state left, QEMU gone: it crashed */
};

/* Creates RUNDIR (mode 0755) when missing; refuses one others can write. */
int	rundir_prepare(const char *rundir, struct diag *);
/* 0 read, 1 no state file, -1 unreadable or garbage (d says why). */
int	state_read(const char *rundir, const char *name, struct vm_state *,
	    struct diag *);
/* Written to a temporary file and renamed: never seen half-written. */
int	state_write(const char *rundir, const char *name,
	    const struct vm_state *, struct diag *);
/* Removes the state, pid and serial socket files of a VM. */
void	state_remove(const char *rundir, const char *name);
void	state_free(struct vm_state *);
/* The pid in RUNDIR/<name>.pid, or 0. */
pid_t	pidfile_read(const char *rundir, const char *name);
/* Whether pid is alive and is the QEMU started for this VM. */
int	pid_is_vm_qemu(pid_t, const char *rundir, const char *name);
/*
 * Whether the VM runs.  st gets the state when there is one (free it
 * with state_free); a QEMU found through its pid file alone is running
 * with no ports known (monport 0).
 */
enum vm_run vm_probe(const char *rundir, const char *name,
	    struct vm_state *st);

/*
 * Calls fn for every VM of RUNDIR that runs (its state file names a
 * live QEMU of that VM).  -1 when RUNDIR cannot be read.
 */
int	state_scan(const char *rundir,
	    void (*fn)(const char *name, const struct vm_state *, void *),
	    void *arg);

/*
 * Exclusive locks in RUNDIR: "<name>.lock" for one VM, "slots.lock" for
 * choosing a slot.  Waits up to wait_ms; returns the fd, -2 when it is
 * still held by another process then, or -1 on an error.
 */
int	lock_take(const char *rundir, const char *file, int wait_ms,
	    struct diag *);
void	lock_release(int);

#endif
