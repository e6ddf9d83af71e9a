/*
 * qemuimg.h - qemu-img, which qemu-init runs on the images of a stopped
 * VM (snapshots, backups, restores) and on the files of a backup: the
 * one place its argument vectors are built, run without a shell.
 *
 * Every image is named with its format (-f, -F, -O): qemu-img never
 * probes one, so the bytes a guest wrote never decide how root's
 * qemu-img reads a file (qemu-init.cfg(5) DISKFORMAT).  The caller has
 * checked that no one else could have planted the names it gives
 * (fileread.h's path_folders_trusted).  qemu-img takes its own locks on
 * an image: one that a running QEMU holds is refused, not shared.
 */
#ifndef QI_QEMUIMG_H
#define QI_QEMUIMG_H

#include "diag.h"

#define QEMU_IMG	"qemu-img"	/* found in PATH */

/* How far a long qemu-img run is, for a progress line (or NULL). */
struct qimg_progress {
	void	(*tick)(double percent, void *arg);
	void	 *arg;
};

/*
 * A new qcow2 image at path (an empty file the caller made, or none) of
 * size bytes; with backing, an overlay whose header names that file
 * (as given: relative to path's folder, or absolute) of that format,
 * which is not opened (-u).  0, or -1 with qemu-img's complaint in d.
 */
int	qimg_create(const char *path, unsigned long long size,
	    const char *backing, const char *backing_format, struct diag *d);
/*
 * Copies the guest's view of src (its backing chain included) into a
 * new image dst of format dst_format; no zeroes written; at most limit
 * bytes a second (0: no limit).  0, or -1.
 */
int	qimg_convert(const char *src, const char *src_format, const char *dst,
	    const char *dst_format, unsigned long long limit,
	    const struct qimg_progress *, struct diag *d);
/*
 * Makes the qcow2 image path an overlay of backing (named as given,
 * relative to path's folder) without changing what the guest would
 * read from it: what differs between its old backing chain and the new
 * one is written into path (qemu-img rebase, safe mode).  0, or -1.
 */
int	qimg_rebase(const char *path, const char *backing,
	    const char *backing_format, const struct qimg_progress *,
	    struct diag *d);

enum qimg_snapshot_op {
	QIMG_SNAPSHOT_CREATE,	/* -c: the image's state, named */
	QIMG_SNAPSHOT_APPLY,	/* -a: the image goes back to it */
	QIMG_SNAPSHOT_DELETE	/* -d */
};

/* An internal snapshot of the qcow2 image path: 0, or -1 with why in d. */
int	qimg_snapshot(enum qimg_snapshot_op, const char *path,
	    const char *name, struct diag *d);

/*
 * Adds (add 1: persistent, recording) or removes a dirty bitmap of the
 * qcow2 image path: 0, or -1 with why in d.
 */
int	qimg_bitmap(int add, const char *path, const char *name,
	    struct diag *d);

#endif
