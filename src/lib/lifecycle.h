/*
 * lifecycle.h - starting and stopping a VM's QEMU (qemu-init(8)): the
 * locks, the launch plan, the slot, the launch, the identity check, the
 * facts a start records, the ACPI power button and the forced way out,
 * pause, resume and reset, waiting for the end, and what a running VM
 * says of itself.  Messages go to a diag; the program prints them.
 *
 * qemu-init controls every VM through its private control socket
 * (monitor.h), so no TCP client can slow, block or fool it.
 */
#ifndef QI_LIFECYCLE_H
#define QI_LIFECYCLE_H

#include <sys/types.h>

#include "cmdline.h"
#include "diag.h"
#include "monconf.h"
#include "proc.h"
#include "rundir.h"
#include "state.h"
#include "vmconf.h"

#define VM_LOCK_WAIT_MS		10000	/* another qemu-init on this VM */
#define MONITOR_TIMEOUT_MS	10000	/* a monitor reply */
/* status and list: each running VM's answer, all asked at once. */
#define STATUS_TIMEOUT_MS	2000
/* The first press of stop, when -t leaves less than that. */
#define PRESS_MIN_MS		1000
#define QEMU_START_MS		60000	/* QEMU set up and its monitor up */
#define FORCE_STEP_MS		5000	/* each step of stop -f */
#define REPRESS_MS		3000	/* the power button, again */
#define LAST_BREATH_MS		1000	/* a press that met QEMU's exit */
#define AGENT_AFTER_MS		30000	/* the button ignored: the agent */
#define AGENT_TIMEOUT_MS	5000	/* its answer to that request */

/*
 * Takes the VM's lock (RUN_LOCK), which every action on the VM holds,
 * waiting up to VM_LOCK_WAIT_MS for another qemu-init's: 0 with it in
 * *fd (lock_release it), or -1 with why in d.
 */
int	vm_lock(const struct rundir *, const char *name, int *fd,
	    struct diag *);

/*
 * The launch plan of a VM on slot s: ports, host probes, QEMU's user,
 * and every file QEMU is handed.  With open_files the sockets are bound
 * and a new console log made in RUNDIR, the images, kernel and firmware
 * opened and the taps made on the bridge (start); without, nothing is
 * touched or run, and the plan says what they would be (show).  0, or
 * -1 with why in d; plan_free either way.
 */
int	vm_plan(const struct vm_config *, const struct monconf *,
	    const char *confdir, const struct rundir *, unsigned slot,
	    int open_files, struct launch_plan *, struct diag *);
/*
 * The slot a start would take now, or the one the VM runs on; 0, or -1
 * with why in d.  With reserved, a free slot is reserved for the caller
 * (see slot_choose in ports.h) until it releases *reserved.
 */
int	vm_slot(const struct vm_config *, const struct monconf *,
	    const struct rundir *, unsigned *slot, int *reserved,
	    struct diag *);

/*
 * The facts of a VM as a start would record them (state.h), those of a
 * launch left out: no process, slot, ports, VNC display or taps.  st
 * is to be freed with state_free; st->recorded is 0.
 */
void	vm_facts(const struct vm_config *, struct vm_state *st);

struct vm_started {
	struct vm_state	 st;		/* as recorded: state_free it */
	int		 already;	/* it was running: nothing done */
	struct proc_keeper keeper;	/* vm_start_kept's: release it */
};

/*
 * Starts the VM: 0 with *out filled, or -1 with the reason in d and
 * nothing left behind.  Warnings (a failed POSTCMD) go to d too.  RUNDIR
 * must have been opened with RUNDIR_CREATE.
 */
int	vm_start(const struct vm_config *, const struct monconf *,
	    const char *confdir, const struct rundir *,
	    struct vm_started *out, struct diag *);
/*
 * vm_start, with QEMU started through a keeper (proc.h) that out->keeper
 * holds (none when it was running already): proc_kept_release lets QEMU
 * go, to become init's child, as systemd's main process of a unit.
 */
int	vm_start_kept(const struct vm_config *, const struct monconf *,
	    const char *confdir, const struct rundir *,
	    struct vm_started *out, struct diag *);

/*
 * migrate's target: starts the VM, which must not run, for a caller that
 * holds its lock (vm_lock): PRECMD, then QEMU paused and waiting for the
 * VM's state on stream (QEMU gets a copy), recorded as incoming (state.h).
 * 0 with *out filled, or -1 with the reason in d and nothing left
 * behind.  No POSTCMD: vm_incoming_arrived runs it.
 */
int	vm_start_incoming(const struct vm_config *, const struct monconf *,
	    const char *confdir, const struct rundir *, int stream,
	    struct vm_started *out, struct diag *);
/*
 * The state came and the VM runs: st, its recorded state, is written
 * without incoming, and POSTCMD runs (a failure is a warning in d).  0,
 * or -1 with why in d.
 */
int	vm_incoming_arrived(const struct vm_config *, const struct rundir *,
	    struct vm_state *st, struct diag *);

enum vm_stopped {
	STOP_FAILED = -1,
	STOP_DONE,		/* the guest powered off */
	STOP_PRESSED,		/* the button was pressed; not waited for */
	STOP_FORCED,		/* quit, SIGTERM or SIGKILL did it */
	STOP_KILLED,		/* vm_kill did it */
	STOP_AGENT,		/* the guest agent's shutdown did it */
	STOP_NOT_RUNNING,
	STOP_SKIPPED		/* autostart_only: started with AUTOSTART=no */
};

struct stop_how {
	long long	 timeout_s;	/* < 0: the STOPDELAY recorded at start */
	int		 force;		/* then quit, SIGTERM, SIGKILL */
	int		 nowait;	/* press the button and return */
	/*
	 * Leave running a VM whose state records AUTOSTART=no; stop one
	 * recorded with yes, and one whose state does not say.
	 */
	int		 autostart_only;
	/* Called once the button was pressed, with the wait in seconds. */
	void		(*pressed)(const char *name, unsigned wait_s);
};

/*
 * The power button, then a wait for QEMU to exit; a VM started with a
 * guest agent that is still there AGENT_AFTER_MS later (or a third of
 * the wait) is asked through it to shut down; with force, QMP quit,
 * SIGTERM and SIGKILL after that.  The VM's lock is not held during the
 * wait, so kill and stop -f from elsewhere win over it.
 */
enum vm_stopped vm_stop(const struct rundir *, const char *name,
	    const struct stop_how *, struct diag *);
/* QMP quit at once, SIGKILL when that does not end it. */
enum vm_stopped vm_kill(const struct rundir *, const char *name,
	    struct diag *);
/*
 * The same for a caller that holds the VM's lock, on its QEMU id:
 * STOP_KILLED with its state removed, or STOP_FAILED (why in d).
 */
enum vm_stopped vm_kill_held(const struct rundir *, const char *name,
	    const struct proc_id *id, struct diag *);

/*
 * Takes the VM's lock (RUN_LOCK: another qemu-init acting on it is
 * waited for up to VM_LOCK_WAIT_MS, then refused) and probes the VM:
 * 1 it runs (st as recorded), 0 it does not (what a crash or a clean
 * exit left is removed), -1 with why in d.  The lock in *lock is held
 * until lock_release, -1 where RUNDIR does not exist (it holds no VM
 * then; open it with RUNDIR_CREATE to hold a stopped VM).  st is set
 * up for state_free either way.
 */
int	vm_hold(const struct rundir *, const char *name, struct vm_state *st,
	    int *lock, struct diag *);

enum vm_machine_op {
	MACHINE_PAUSE,		/* QMP stop: the vCPUs halt */
	MACHINE_RESUME,		/* QMP cont */
	MACHINE_RESET		/* QMP system_reset: the reset button */
};

/*
 * One of those on a running VM, through its control socket, under the
 * VM's lock.  0, or -1 with why in d ("'web' is not running").
 */
int	vm_machine(const struct rundir *, const char *name, enum vm_machine_op,
	    struct diag *);

/*
 * Waits, without polling where the kernel has pidfds, until no QEMU of
 * the VM runs, or the deadline (now_ms(); LLONG_MAX: none) passes.  1
 * when none runs, 0 when one still does.  Nothing is changed in RUNDIR.
 */
int	vm_wait_stopped(const struct rundir *, const char *name,
	    long long deadline);

/*
 * The VMs stop -a stops: every running VM, and every VM that another
 * qemu-init is acting on now (a start under way), in name order, into
 * names.  0, or -1 with why in d when RUNDIR cannot be read.
 */
int	vm_names_active(const struct rundir *, struct strvec *names,
	    struct diag *);

/*
 * For status and list: a VM that is stopped but whose run left its
 * state behind (the guest powered itself off) has that removed, when
 * RUNDIR is ours to write and no other qemu-init acts on the VM.
 */
void	vm_tidy(const struct rundir *, const char *name);

/*
 * QEMU's own run state of a running VM ("running", "paused",
 * "internal-error", ...), or "monitor busy" / "monitor not answering";
 * caller frees.
 */
char	*vm_run_state(const struct rundir *, const char *name,
	    const struct vm_state *);

/*
 * What RUNDIR holds of many VMs, gathered at once: every VM with a state
 * or pid file, in name order, as vm_probe saw it, and the run state of
 * each running one.  Any other VM is stopped with nothing recorded.
 */
struct run_known {
	char		*name;
	enum vm_run	 run;
	struct vm_state	 st;		/* taken by vm_info_get */
	char		*qemu_state;	/* running: as vm_run_state words it */
};

struct run_states {
	struct run_known *v;
	size_t		  n;
	int		  complete;	/* RUNDIR was read: v is every VM */
};

/*
 * Probes every VM of RUNDIR and asks each running one whose control
 * socket this user may open its run state, all at once (qmpmany.h):
 * each VM costs its own deadline, not everyone's.  run_states_free it.
 */
void	vm_run_states(const struct rundir *, struct run_states *);
/* The entry of name, or NULL. */
struct run_known *run_states_find(const struct run_states *,
	    const char *name);
void	run_states_free(struct run_states *);

#endif
