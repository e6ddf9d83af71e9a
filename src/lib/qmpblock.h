/*
 * qmpblock.h - the disks of a running VM as its QEMU holds them, through
 * qemu-init's own control socket (monitor.h): which block node is which
 * DSKx, its format, size, internal snapshots and dirty bitmaps; files
 * that qemu-init opened handed over as descriptors and attached as
 * nodes of their own; and QEMU's jobs, waited for by one deadline.
 *
 * QEMU runs as a user of its own that can open no file of the host
 * (qemu-init(8) SECURITY CONSIDERATIONS): every file it must write, a
 * backup's target say, is created by qemu-init and passed over the
 * control socket (add-fd), which QEMU opens as /dev/fdset/N.  Every
 * name qemu-init gives QEMU (nodes, jobs, fd sets' opaque strings)
 * starts with QMPBLOCK_PREFIX, so that what an interrupted qemu-init
 * left in QEMU is found and removed by the next one.
 */
#ifndef QI_QMPBLOCK_H
#define QI_QMPBLOCK_H

#include <signal.h>
#include <stddef.h>

#include "diag.h"
#include "image.h"
#include "qmp.h"
#include "rundir.h"
#include "state.h"

#define QMPBLOCK_PREFIX		"qemu-init-"
#define QMPBLOCK_OPAQUE		"qemu-init"	/* add-fd's opaque */
#define QMPBLOCK_POLL_MS	250		/* query-jobs, again */
#define QMPBLOCK_END_MS		30000		/* a cancelled job, to end */

/* A running VM, as each short connection to its control socket needs. */
struct vm_control {
	const struct rundir	*rd;
	const char		*name;
	const struct vm_state	*st;	/* as recorded at its start */
};

/* A dirty bitmap of a disk, as QEMU has it. */
struct qmp_bitmap {
	char		*name;
	int		 persistent;	/* stored in the qcow2 image */
	int		 recording;
	int		 inconsistent;	/* not stored cleanly: unusable */
	int		 busy;		/* a job uses it */
};

/* One of the VM's disks, DSKx in the order of its state. */
struct qmp_disk {
	char		*device;	/* "disk0", "ide0-hd0" */
	char		*node;		/* its top node: "#block184" */
	char		*format;	/* the driver: "qcow2", "raw" */
	unsigned long long size;	/* the guest's */
	int		 read_only;
	int		 backing;	/* it has a backing file */
	int		 backing_snapshots;	/* which has snapshots */
	struct image_snapshot *snapshots;
	size_t		 nsnapshots;
	struct qmp_bitmap *bitmaps;
	size_t		 nbitmaps;
};

/*
 * Opens the VM's control socket, checking that its QEMU is the one
 * recorded (control_open), for one step: every wait of a long action
 * opens its own, so that status and list answer meanwhile.  A QMP_
 * code; qmp_close q either way.
 */
int	qmpblock_open(const struct vm_control *, struct qmp *q, struct diag *);

/*
 * The VM's disks as its QEMU holds them (query-block), one for each of
 * c->st's disks in order: a disk is the block device whose file is the
 * descriptor start handed over for that DSKx (the same inode, through
 * /proc/PID/fd of QEMU's fd set).  0 with *v (c->st->ndisks of them;
 * qmpblock_disks_free it), or -1 with why in d: a disk QEMU does not
 * write through its own file (SNAPSHOT=yes), or an answer that is not
 * QEMU's.
 */
int	qmpblock_disks(const struct vm_control *c, struct qmp *q,
	    struct qmp_disk **v, struct diag *d);
void	qmpblock_disks_free(struct qmp_disk *, size_t n);
/* The bitmap name of disk, or NULL. */
const struct qmp_bitmap *qmpblock_bitmap(const struct qmp_disk *,
	    const char *name);

/*
 * Hands QEMU the file open on fd (read-write; fd stays ours) and opens
 * it there as a qcow2 node named node, its backing file not opened:
 * add-fd, then blockdev-add.  The fd set in *fdset (for
 * qmpblock_del_target).  0, or -1 with why in d, nothing left in QEMU.
 */
int	qmpblock_add_target(struct qmp *q, int fd, const char *node,
	    int *fdset, struct diag *d);
/* Closes node in QEMU and removes its fd set; best effort. */
void	qmpblock_del_target(struct qmp *q, const char *node, int fdset);

/* Removes a dirty bitmap of a node (or device): 0, or -1 (why in d). */
int	qmpblock_bitmap_remove(struct qmp *q, const char *node,
	    const char *name, struct diag *d);

/*
 * Runs command, which starts a job of QEMU's (or a transaction of
 * them): 0 once QEMU took it, or -1 with QEMU's refusal in d.
 */
int	qmpblock_start(struct qmp *q, const char *command, struct diag *d);

/*
 * Waits until every job of ids (n of them, of QEMU's query-jobs) has
 * concluded, looking every QMPBLOCK_POLL_MS through a connection of
 * its own.  One deadline, moved on by progress: the wait fails when no
 * job has moved for stall_ms.  tick, unless NULL, gets the bytes done
 * and to do of all the jobs after each look.  A nonzero *stop (a
 * signal) ends the wait.  0 once all concluded without an error; -1
 * with why in d (a job's error in QEMU's words, the stall, the VM
 * gone); -2 stopped.  The jobs are left as they are, for
 * qmpblock_job_end.
 */
int	qmpblock_wait(const struct vm_control *, char *const ids[], size_t n,
	    long long stall_ms, const volatile sig_atomic_t *stop,
	    void (*tick)(unsigned long long done, unsigned long long total,
	    void *arg), void *arg, struct diag *d);
/*
 * Ends job id, whatever its state: cancelled unless it concluded,
 * waited for up to QMPBLOCK_END_MS, and dismissed.  Best effort.
 */
void	qmpblock_job_end(struct qmp *q, const char *id);

/*
 * What an interrupted qemu-init left in QEMU: its jobs ended, its
 * nodes closed, its fd sets removed (everything of QMPBLOCK_PREFIX or
 * QMPBLOCK_OPAQUE).  How many things were removed.
 */
int	qmpblock_tidy(struct qmp *q);

#endif
