/*
 * migrate.h - a running VM moves to another host (qemu-init(8)
 * migrate), through one ssh connection and nothing else on the network.
 *
 * The source (this host) runs `qemu-init migrate --incoming VM` on the
 * target through ssh, as -H runs a command (remote.h), and the two
 * qemu-inits carry over that one connection, in channels (mux.h): their
 * control lines (channel 0), the migration stream (1), and with
 * --copy-storage each disk's NBD connection (2, 3, ...).  QEMU gets its
 * end of each stream as a descriptor, never a name or a port: the
 * source's through QMP getfd, the target's migration stream at its start
 * (-incoming fd:N), its NBD server's listening socket through getfd.
 *
 * The target starts the VM (its config there, same name, checked there
 * first) paused, waiting for the state, its disks untouched until it
 * runs (late-block-activate); with --copy-storage it serves the disks
 * over NBD and the source mirrors each one there before the RAM moves.
 * QEMU's migration ends with the source paused (postmigrate); then the
 * switch-over is a two-step commit: the source says "commit", the
 * target lets its QEMU run once all the state came, and says
 * "running"; only then is the source's QEMU ended and its state
 * removed.  The target never runs the VM without the commit; the source
 * resumes it only when the target cannot have (no commit sent, or the
 * target said it failed, or the target, asked afresh, says it is not
 * running there).  When that cannot be told, the source stays paused
 * and says so: never two running copies.  A guardian process watches
 * the source qemu-init: killed, it does what the source would have.
 */
#ifndef QI_MIGRATE_H
#define QI_MIGRATE_H

#include <stddef.h>

#include "diag.h"
#include "monconf.h"
#include "rundir.h"
#include "vmconf.h"

#define MIGRATE_TIMEOUT_S	3600	/* -t: until the switch-over */
#define MIGRATE_SETUP_MS	120000	/* ssh, the target's QEMU, ready */
#define MIGRATE_STALL_MS	120000	/* nothing moved for this long */
#define MIGRATE_COMMIT_MS	60000	/* the target: the last of the state */
#define MIGRATE_TICK_MS		500	/* progress is asked this often */
#define MIGRATE_LINE_MAX	(512 * 1024)	/* a control line */
/* The target's config, and so what it says back, has at most this. */
#define MIGRATE_DISKS_MAX	100

/* What the progress line shows (qemu-init(8) migrate). */
struct migrate_progress {
	const char	*phase;		/* "copying disks", "sending RAM",
					   "switch-over" */
	long long	 disk_done, disk_total;	/* bytes, all disks */
	long long	 ram_done, ram_total;	/* bytes */
	long long	 rate;		/* bytes a second, or -1 */
	long long	 downtime_ms;	/* expected, or -1 */
	long long	 elapsed_ms;
};

struct migrate_how {
	const char	*host;		/* [user@]host[:port] */
	int		 copy_storage;
	long long	 timeout_s;	/* until the switch-over */
	/* Called every MIGRATE_TICK_MS, when not NULL. */
	void		(*progress)(const struct migrate_progress *, void *);
	void		*arg;
};

/* How a migration ended, for the front end's line. */
struct migrate_result {
	long long	 total_ms;
	long long	 downtime_ms;	/* QEMU's, and the switch-over's */
	int		 paused;	/* the VM was paused: it stays so */
};

/*
 * Moves the running VM name to how->host.  0 once it runs there and its
 * QEMU here is gone (its state removed), with *res filled; 1 with why in
 * d, the VM running here as before (or, only when whether it runs there
 * cannot be told, paused here: d says what to do).
 */
int	migrate_vm(const struct rundir *, const char *name,
	    const struct migrate_how *, struct migrate_result *res,
	    struct diag *);

/*
 * The receiving end, run by the source through ssh (migrate --incoming),
 * its standard input and output the connection: vm is the VM's config
 * here (NULL: d says why there is none), to be started waiting for the
 * state.  Says everything to the source; its exit status.
 */
int	migrate_incoming(const struct vm_config *vm, const struct monconf *,
	    const char *confdir, const struct rundir *,
	    const struct migrate_how *, struct diag *d);

/*
 * Each disk's size in bytes as the QEMU of q sees it (its drive
 * disk<i>), -1 where it has none: the two ends compare them.  0, or -1
 * with why in d.
 */
struct qmp;
int	migrate_disk_sizes(struct qmp *, size_t n, long long *size,
	    struct diag *);

/*
 * After a connection that ended at the switch-over (migrate --outcome):
 * waits for the receiving end of VM name to have decided, ends a QEMU
 * that still waits for a state or a commit, and says whether the VM
 * runs here: 1 running, 0 not, -1 with why in d.
 */
int	migrate_outcome(const struct rundir *, const char *name,
	    struct diag *);

#endif
