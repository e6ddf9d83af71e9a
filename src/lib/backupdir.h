/*
 * backupdir.h - a backup folder (qemu-init(8) backup and restore): the
 * backups of one VM, numbered.  Backup N is its manifest, NNNN.manifest
 * (qemu-init.cfg(5)'s syntax), and the files it lists: a copy of the
 * VM's config, NNNN-qemu.cfg, and one qcow2 image of each disk,
 * NNNN-diskI.qcow2.  An incremental backup's images are overlays whose
 * backing file is the image of the backup it builds on (its BASE), by
 * that image's name in the folder: the chain restores with qemu-img
 * alone, and the folder can move.
 *
 * Nothing looks complete that is not: every file is written under its
 * name plus BACKUP_PARTIAL and renamed once whole, the manifest last,
 * and a backup without its manifest is no backup (the next one removes
 * its pieces).  The folder is opened once, by a descriptor, and locked
 * for one qemu-init at a time; running as root, it must be root's and
 * writable by no one else, and so must the folders on the way to it.
 * Every manifest in a folder holds the folder's id, and all hold the
 * same (a folder is one VM's, and one chain of backups).
 */
#ifndef QI_BACKUPDIR_H
#define QI_BACKUPDIR_H

#include <stddef.h>

#include "diag.h"

#define BACKUP_PARTIAL		".partial"
#define BACKUP_MANIFEST		".manifest"
#define BACKUP_SEQ_MAX		999999		/* backups in one folder */
#define BACKUP_DISKS_MAX	100		/* as VMCONF_ITEMS_MAX */
#define BACKUP_SCAN_MAX		100000		/* names in a folder, read */

/* A disk of the VM, and its image in the backup. */
struct backup_disk {
	char		*path;		/* the VM's image, absolute */
	char		*format;	/* its format: "qcow2", "raw", ... */
	unsigned long long size;	/* the guest's, in bytes */
	char		*file;		/* "0003-disk1.qcow2" */
};

/* What a manifest says of its backup. */
struct backup_manifest {
	unsigned	 seq;		/* N of NNNN.manifest */
	unsigned	 base;		/* 0: full; else the backup below */
	char		*vm;		/* the VM's name */
	long long	 time;		/* its moment, seconds since the epoch */
	int		 online;	/* of a running VM */
	int		 frozen;	/* file systems frozen by the agent */
	char		*folder;	/* the folder's id: 8 hex digits */
	char		*bitmap;	/* what records writes since; or NULL */
	char		*config;	/* "0003-qemu.cfg" */
	char		*cfgpath;	/* where the config was */
	struct backup_disk *disks;
	size_t		 ndisks;
};

struct backup_dir {
	char		*path;		/* as given, absolute */
	int		 fd;		/* O_DIRECTORY, locked; -1: closed */
	struct backup_manifest *sets;	/* the complete backups, by seq */
	size_t		 n;
	unsigned	 top;		/* the highest N of any file, or 0 */
};

/*
 * Opens and locks a backup folder (made, mode 0700, when create is set
 * and it does not exist) and reads every manifest in it.  A manifest
 * that cannot be read makes the open fail (the folder is not ours to
 * guess about); the backups of another VM than vm (when not NULL) too.
 * 0, or -1 with why in d; backupdir_close bd either way.
 */
int	backupdir_open(struct backup_dir *bd, const char *path, int create,
	    const char *vm, struct diag *d);
void	backupdir_close(struct backup_dir *bd);

/*
 * The folder's id, which every manifest in it holds and every dirty
 * bitmap of its backups' is named for ("qemu-init-ID-..."), so that the
 * chains of two folders never take each other's: a new one for a folder
 * without backups (caller frees).
 */
char	*backupdir_id(const struct backup_dir *);
/* The prefix of the dirty bitmaps of folder id's backups (caller frees). */
char	*backupdir_bitmap_prefix(const char *id);

/* The latest complete backup, or NULL when there is none. */
const struct backup_manifest *backupdir_last(const struct backup_dir *);
/* Backup seq, or NULL. */
const struct backup_manifest *backupdir_find(const struct backup_dir *,
	    unsigned seq);
/*
 * Whether backup m restores: every backup it builds on, down to a full
 * one, is in the folder with all its images.  0, or -1 with why in d.
 */
int	backupdir_chain_ok(const struct backup_dir *,
	    const struct backup_manifest *m, struct diag *d);

/*
 * Removes the pieces of backups that never finished (files named for a
 * number that has no manifest, and any *.partial), as only the holder
 * of the folder's lock may.  How many files were removed.
 */
int	backupdir_tidy(struct backup_dir *bd);

/* "NNNN-diskI.qcow2", "NNNN-qemu.cfg", "NNNN.manifest" (caller frees). */
char	*backupdir_disk_name(unsigned seq, size_t i);
char	*backupdir_config_name(unsigned seq);
char	*backupdir_manifest_name(unsigned seq);
/* The path of a file of the folder (caller frees). */
char	*backupdir_path(const struct backup_dir *, const char *name);

/*
 * Creates name + BACKUP_PARTIAL in the folder, empty, mode 0600, never
 * over an existing file or through a symlink: the fd (read-write), or
 * -1 with why in d.
 */
int	backupdir_create(struct backup_dir *, const char *name,
	    struct diag *d);
/*
 * name + BACKUP_PARTIAL, whole now: synced and renamed to name, never
 * over an existing file.  0, or -1 with why in d.
 */
int	backupdir_commit(struct backup_dir *, const char *name,
	    struct diag *d);
/* Removes name + BACKUP_PARTIAL, if it is there. */
void	backupdir_discard(struct backup_dir *, const char *name);
/*
 * Writes text as name (through name + BACKUP_PARTIAL and commit): 0, or
 * -1 with why in d.
 */
int	backupdir_write(struct backup_dir *, const char *name,
	    const char *text, size_t len, struct diag *d);
/*
 * Writes m's manifest (the last step of a backup, making it complete)
 * and adds it to the folder's backups.  0, or -1 with why in d.
 */
int	backupdir_add(struct backup_dir *, const struct backup_manifest *m,
	    struct diag *d);

/* The text of a manifest (caller frees). */
char	*manifest_text(const struct backup_manifest *);
/*
 * Reads a manifest's text (seq: the N of its file name): 0, or -1 with
 * why in d.  m is set up for manifest_free either way.
 */
int	manifest_parse(struct backup_manifest *m, unsigned seq,
	    const char *path, const char *text, size_t len, struct diag *d);
void	manifest_free(struct backup_manifest *);

#endif
