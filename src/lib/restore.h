/*
 * restore.h - a VM from a backup (qemu-init(8) restore): each disk of a
 * backup, its chain of incremental images read through by qemu-img,
 * written back as a whole image of the disk's own format, and the
 * backup's copy of the config; the VM stopped, and registered when it
 * was not.
 *
 * Under the backup's own VM name, the files go back where the backup
 * found them (a VM restored on a new host, or over itself); under
 * another name, the VM is a copy: its config and disks are made beside
 * the backup's config path, named for it (NAME-qemu.cfg, NAME-diskI.
 * FORMAT), its DSKx set to them.  Nothing is written over an existing
 * file without force; every file is written under a temporary name and
 * renamed once whole.
 */
#ifndef QI_RESTORE_H
#define QI_RESTORE_H

#include "diag.h"
#include "rundir.h"

struct restore_done {
	char		*name;		/* the VM restored */
	char		*cfgpath;	/* its config */
	unsigned	 seq;		/* the backup restored */
	int		 registered;	/* added to the registry now */
	int		 replaced;	/* files of an existing VM replaced */
};

/*
 * Restores backup from (a backup folder: its latest backup; or one
 * NNNN.manifest of it) as VM name (NULL: the backup's VM), registering
 * it in confdir's registry when it is not.  A VM of that name that
 * exists must be the backup's own and stopped, and is replaced only
 * with force.  0 with *done (restore_done_free it), or -1 with why in
 * d and nothing of the VM changed.
 */
int	restore_vm(const char *confdir, const struct rundir *, const char *from,
	    const char *name, int force, struct restore_done *done,
	    struct diag *d);
void	restore_done_free(struct restore_done *);

#endif
