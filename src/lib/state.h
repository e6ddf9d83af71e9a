/*
 * state.h - what start records about a running VM (RUNDIR/<name>@state),
 * and whether that VM still runs.
 *
 * A VM runs when the process recorded at its start is still that same
 * process: its pid and its start time, never a command-line match that
 * any user can imitate once a pid is reused.  A VM's facts while it runs
 * (slot, ports, VNC, STOPDELAY, AUTOSTART, RAM, disks, NICs with their
 * MACs and taps, ...) are the ones recorded here at its start, never
 * what its config says now.
 */
#ifndef QI_STATE_H
#define QI_STATE_H

#include <stddef.h>

#include "diag.h"
#include "proc.h"
#include "rundir.h"

/* A NIC as the VM runs with it. */
struct vm_state_nic {
	char		*model;		/* NULL: not recorded (an older start) */
	char		*mac;
	char		*tap;		/* "qi3n0"; NULL: not recorded */
	int		 user;		/* NETx=user: passt, no tap */
	char		*fwd;		/* its forwards ("2222:22"); NULL */
	struct proc_id	 passt;		/* its passt; pid 0: none recorded */
};

/* A disk image as the VM runs with it. */
struct vm_state_disk {
	char		*path;
	char		*format;	/* "raw", "qcow2", "auto": QEMU probes */
};

struct vm_state {
	struct proc_id	 qemu;
	int		 recorded;	/* a state file: the fields below */
	unsigned	 slot;
	unsigned	 monport;	/* HMP; 0 with MONITOR=unix */
	unsigned	 ctlport;	/* QMP; 0 with MONITOR=unix */
	int		 unix_monitors;	/* RUN_HMP and RUN_QMP instead */
	long long	 started;	/* seconds since the epoch */
	unsigned	 stopdelay;	/* STOPDELAY at start */
	/*
	 * Who QEMU runs as ("qemu-init", "root", a RUNAS user), and its
	 * uid; NULL and -1: not recorded (an older start: "yes" or "no"
	 * for whether QEMU dropped root).
	 */
	char		*runas;
	long		 uid;
	int		 autostart;	/* AUTOSTART at start; -1: not said */
	int		 serial;	/* SERIAL=yes: RUN_SERIAL, RUN_CONSOLE_LOG */
	int		 kvm;		/* KVM, else TCG */
	int		 agent;		/* a guest agent channel (AGENT) */
	int		 snapshot;	/* SNAPSHOT=yes: its disks throwaway */
	/*
	 * Started by migrate on this host, waiting for the VM's state from
	 * the other: its QEMU is paused until that came and was confirmed
	 * (qemu-init(8) migrate); not a running copy of the VM yet.
	 */
	int		 incoming;
	char		*firmware;	/* "bios", "uefi"; NULL: not recorded */
	char		*kernel;	/* KERNEL: direct kernel boot; NULL */
	char		*vnc;		/* "127.0.0.1:3", NULL: none */
	char		*cfgpath;
	char		*desc;		/* DESC; NULL: unset */
	char		*ram;		/* RAM, as given to -m */
	char		*smp;		/* NULL: unset */
	char		*bridge;	/* BRIDGE_IFNAME */
	struct vm_state_nic *nics;	/* NIC1, NIC2, ... */
	size_t		 nnics;
	struct vm_state_disk *disks;	/* DSK1, DSK2, ... */
	size_t		 ndisks;
	char		**cdroms;	/* CDR1, CDR2, ... */
	size_t		 ncdroms;
};

enum vm_run {
	VM_STOPPED,		/* no QEMU; no state, or QEMU exited cleanly */
	VM_RUNNING,		/* the recorded process runs */
	VM_DEAD			/* state left, QEMU gone: it crashed */
};

/*
 * Reads a VM's state: 0 read, 1 none, -1 unreadable or garbage (d says
 * why).  st is always set up for state_free.  A state that an older
 * qemu-init wrote without some of the facts reads back with those NULL
 * or 0 (SERIAL: 1, its default; AUTOSTART: -1, not known).
 */
int	state_read(const struct rundir *, const char *name, struct vm_state *,
	    struct diag *);
/* Written (0644) to a temporary file and renamed: never half-written. */
int	state_write(const struct rundir *, const char *name,
	    const struct vm_state *, struct diag *);
/*
 * The VM's pid file (RUN_PID, 0644), written by qemu-init itself once it
 * has started QEMU as pid: 0, or -1 with why in d.
 */
int	state_write_pid(const struct rundir *, const char *name, pid_t pid,
	    struct diag *);
/*
 * The bound of a state file, from the bounds of a config (vmconf.h,
 * cfg.h): a DESC of CFG_MAX_VALUE bytes, VMCONF_ITEMS_MAX disks and as
 * many ISOs of PATH_MAX bytes each, NICs; every byte of it as four in
 * the file at most (a quote is written '\'').  Under 4 MiB of values,
 * as cfg_parse allows.
 */
#define STATE_MAX	(8 * 1024 * 1024)
/*
 * Removes what a VM's run left: state, pid file and sockets; a passt
 * the state records that still runs (it ends by itself once QEMU's end
 * of its socket closes) is ended first.
 */
void	state_remove(const struct rundir *, const char *name);
void	state_free(struct vm_state *);


/*
 * Whether the VM runs; st is set up either way (state_free it).  A QEMU
 * whose start was cut short before its state was written is found
 * through its pid file (which only the RUNDIR owner writes): it runs
 * when that process started before the file was written, and
 * st->recorded is 0.  A recorded QEMU that is gone is VM_DEAD when it
 * left its own pid file in RUN_QEMU_DIR (it crashed or was killed),
 * VM_STOPPED when it removed it (a clean exit: the guest powered off).
 */
enum vm_run vm_probe(const struct rundir *, const char *name,
	    struct vm_state *st);

/*
 * Calls fn for every VM of RUNDIR that has a state or a pid file, in
 * name order, with what vm_probe says of it; fn may take what st holds
 * (and zero it).  Every VM without such a file is VM_STOPPED with
 * nothing recorded.  0, or -1 with why in d when RUNDIR cannot be read.
 */
int	vm_each_probed(const struct rundir *,
	    void (*fn)(const char *name, enum vm_run, struct vm_state *,
	    void *), void *arg, struct diag *);
/*
 * Calls fn for every VM of RUNDIR that runs, by its state or its pid
 * file, in name order.  0, or -1 with why in d when RUNDIR cannot be
 * read.
 */
int	vm_each_running(const struct rundir *,
	    void (*fn)(const char *name, const struct vm_state *, void *),
	    void *arg, struct diag *d);

#endif
