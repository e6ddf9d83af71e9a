/*
 * vmdisks.h - the disks of a VM that an action holds, running or
 * stopped, as one list: for snapshots and backups (qemu-init(8)).
 *
 * The VM's lock is held from the look until the release, so no start,
 * stop or other action changes what was seen.  A running VM's disks are
 * what its QEMU holds (qmpblock.h): their format is QEMU's, their
 * snapshots and bitmaps as QEMU has them, once what a killed qemu-init
 * left in QEMU is gone (qmpblock_tidy: a job of its own puts a filter
 * node over a disk).  A stopped VM's are its
 * config's, each read from its image's own tables; their format is
 * DISKFORMAT (NULL when unset: qemu-init reads no format from an
 * image's bytes), and only a qcow2 image's tables are read.
 */
#ifndef QI_VMDISKS_H
#define QI_VMDISKS_H

#include "diag.h"
#include "qmpblock.h"
#include "rundir.h"
#include "state.h"
#include "vmconf.h"

struct vm_disks {
	char		*name;
	int		 running;
	int		 lock;		/* the VM's, held */
	struct vm_state	 st;		/* running: as recorded */
	struct vm_control ctl;		/* running: its control socket */
	char		**paths;	/* each disk's image, absolute */
	struct qmp_disk	*v;		/* each disk, DSKx in order */
	size_t		 n;
	int		 data_file;	/* a disk has an external data file */
	int		 tidied;	/* things of a killed qemu-init removed */
};

/*
 * Takes the VM's lock and looks at its disks: name's QEMU when it runs,
 * else the images of vm (its config; NULL when it did not load: only a
 * running VM can be held then).  Running as root, each image of a
 * stopped VM must be where no one else could have planted it.  0 with
 * vd filled, or -1 with why in d; vmdisks_release vd either way.
 */
int	vmdisks_hold(const struct rundir *, const char *name,
	    const struct vm_config *vm, struct vm_disks *vd, struct diag *d);
/* Looks at the disks again (after a change made to them). */
int	vmdisks_reread(struct vm_disks *vd, const struct vm_config *vm,
	    struct diag *d);
/* Frees what vd holds and releases the VM's lock. */
void	vmdisks_release(struct vm_disks *vd);

/* "DSK2 /srv/web-data.qcow2", for messages; caller frees. */
char	*vmdisks_label(const struct vm_disks *vd, size_t i);

#endif
