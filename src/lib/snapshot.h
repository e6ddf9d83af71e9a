/*
 * snapshot.h - a VM's snapshots (qemu-init(8) snapshot, snapshots,
 * revert, forget): internal snapshots of every disk of the VM at once,
 * each in its disk's own qcow2 image, with the VM's memory when it
 * runs (on its first disk).  A running VM's are taken, loaded and
 * deleted by QEMU's own snapshot jobs; a stopped VM's by qemu-img on
 * its images (disks only).
 *
 * One kind only.  Every disk must be qcow2; a disk whose snapshots are
 * not every disk's (one taken by hand with qemu-img), one with an
 * external data file, and an overlay whose backing file has snapshots
 * of its own (an external snapshot over internal ones) are refused,
 * never mixed in.  A revert removes qemu-init's dirty bitmaps (QEMU
 * loads no snapshot under them, and what changed since the last backup
 * is not known after it: the next incremental backup is a full one);
 * a bitmap of another tool's is refused.
 */
#ifndef QI_SNAPSHOT_H
#define QI_SNAPSHOT_H

#include "diag.h"
#include "qmpblock.h"
#include "vmconf.h"
#include "vmdisks.h"

#define SNAPSHOT_NAME_MAX	64
#define SNAPSHOT_JOB		QMPBLOCK_PREFIX "snapshot"
/* A snapshot job of QEMU's that has not ended in that long has failed. */
#define SNAPSHOT_JOB_MS		(30 * 60 * 1000)

/* One snapshot of the VM, as its disks hold it. */
struct vm_snapshot {
	char		*name;
	long long	 date;		/* seconds since the epoch */
	unsigned long long memory;	/* bytes of the VM's state; 0: none */
	size_t		 disks;		/* on how many of the VM's disks */
};

struct snapshot_set {
	struct vm_snapshot *v;
	size_t		 n;
	size_t		 ndisks;	/* the VM's */
};

/*
 * Whether name can name a snapshot: 1 to SNAPSHOT_NAME_MAX letters,
 * digits, '.', '_' and '-', not starting with '-' or '.', and not all
 * digits (QEMU takes those for a snapshot's id).  0, or -1 with why in d.
 */
int	snapshot_name_check(const char *name, struct diag *d);
/* A name for a snapshot taken now: "20261207-133012" (caller frees). */
char	*snapshot_default_name(void);

/*
 * The snapshots on the VM's disks (held, vmdisks.h), each name once,
 * in the order of the first disk that has it.  snapshot_set_free it.
 */
void	snapshot_list(const struct vm_disks *, struct snapshot_set *);
void	snapshot_set_free(struct snapshot_set *);

/*
 * Takes snapshot name of every disk of the VM held (vm: its config, for
 * a stopped VM's second look), with its memory when it runs.  0 with
 * the bytes of memory saved in *memory, or -1 with why in d and no
 * snapshot of that name left on any disk.
 */
int	snapshot_take(struct vm_disks *, const struct vm_config *vm,
	    const char *name, unsigned long long *memory, struct diag *d);
/*
 * Every disk back to snapshot name; a running VM runs on from that
 * moment (its memory loaded), which needs a snapshot taken while it
 * ran; a stopped VM's disks alone are set back.  0, or -1 with why in
 * d (notes in d say what else changed).
 */
int	snapshot_revert(struct vm_disks *, const struct vm_config *vm,
	    const char *name, struct diag *d);
/* Deletes snapshot name from every disk: 0, or -1 with why in d. */
int	snapshot_forget(struct vm_disks *, const struct vm_config *vm,
	    const char *name, struct diag *d);

#endif
