/*
 * backup.h - a backup of a VM (qemu-init(8) backup): every disk at one
 * moment, into a backup folder (backupdir.h), with a copy of its
 * config.
 *
 * A running VM's disks are copied by its QEMU, which runs as a user of
 * its own that can create no file on the host: qemu-init makes each
 * target image in the folder and hands it over as a descriptor
 * (qmpblock.h), and one QMP transaction starts a backup job for every
 * disk at one moment, the guest's file systems frozen for that moment
 * through its agent (AGENT=yes) and thawed whatever happens.  The same
 * transaction adds a dirty bitmap to each disk (persistent in a qcow2
 * image), named for this backup: it records what the guest writes
 * after it, so that the next --incremental backup copies only that,
 * into qcow2 overlays of this one's images.  The bitmap of the backup
 * built on is only read, never cleared, so an interrupted backup leaves
 * it as it was; it is removed once a newer backup into the same folder
 * is complete (each folder is a chain of its own, and its bitmaps are
 * named for it: backupdir.h).  A VM
 * whose bitmap for its last backup is gone or inconsistent (QEMU was
 * killed, a snapshot was reverted) gets a full backup, and is told so.
 *
 * A stopped VM's images are copied by qemu-img (qemuimg.h); an
 * incremental backup of one compares each disk with the backup it
 * builds on and writes only what differs.
 */
#ifndef QI_BACKUP_H
#define QI_BACKUP_H

#include "diag.h"
#include "rundir.h"
#include "vmconf.h"

/* A backup that makes no progress for this long has failed. */
#define BACKUP_STALL_MS		(5 * 60 * 1000)
#define BACKUP_FREEZE_MS	60000	/* the agent's freeze, and its thaw */

/* How far a backup is: bytes copied of bytes to copy, and time spent. */
struct backup_progress {
	unsigned long long done, total;
	long long	 elapsed_ms;
};

struct backup_how {
	int		 incremental;	/* --incremental */
	/* Bytes a second each disk is read at, at most; 0: no limit. */
	unsigned long long limit;
	/* Called as the copy goes on, unless NULL (quiet). */
	void		(*progress)(const struct backup_progress *, void *);
	void		*arg;
};

struct backup_done {
	unsigned	 seq;		/* the backup's number in its folder */
	unsigned	 base;		/* the backup it built on, or 0 */
	int		 online;	/* the VM ran */
	int		 frozen;	/* its file systems were frozen */
	unsigned long long bytes;	/* the new images take this much */
	char		*dir;		/* the folder, absolute */
};

/*
 * Backs up the VM name (vm: its config, NULL when it did not load; a
 * running VM is backed up from its state) into folder dir, made when
 * missing.  Holds the VM's lock throughout.  SIGINT, SIGTERM and SIGHUP
 * meanwhile end it as a failure, everything undone.  0 with *done
 * filled (backup_done_free it), or -1 with why in d; notes in d say
 * what the caller should know (a full backup instead of an incremental
 * one, file systems not frozen).
 */
int	backup_vm(const struct rundir *, const char *name,
	    const struct vm_config *vm, const char *dir,
	    const struct backup_how *, struct backup_done *done,
	    struct diag *d);
void	backup_done_free(struct backup_done *);

/* A VM's last backup, as recorded beside its config (for info). */
struct backup_record {
	long long	 time;		/* its moment */
	unsigned	 seq;
	int		 incremental;
	char		*dir;
};

/*
 * The record of the last backup of the VM whose config is cfgpath:
 * 0 with *r (backup_record_free it), 1 when there is none, -1 when it
 * cannot be read.
 */
int	backup_last(const char *cfgpath, struct backup_record *r);
void	backup_record_free(struct backup_record *);

#endif
