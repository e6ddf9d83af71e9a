/*
 * filewrite.h - writing a file whole, never half: a temporary file
 * beside it, synced, then renamed over it.  Readers see the old file or
 * the new one, and a full disk leaves the old one as it was.
 */
#ifndef QI_FILEWRITE_H
#define QI_FILEWRITE_H

#include <sys/types.h>

#include <stddef.h>

#include "diag.h"

/*
 * Replaces (or makes) path with len bytes of data, of exactly mode, and
 * owned by uid and gid when they are not -1 (running as root).  The
 * temporary file is made new (O_EXCL), never through a symlink.  0, or
 * -1 with "cannot write PATH: why" in d and nothing left behind.
 */
int	file_write_atomic(const char *path, const char *data, size_t len,
	    mode_t mode, uid_t uid, gid_t gid, struct diag *d);

/*
 * Makes path a new file (it must not exist) of len bytes, mode 0644:
 * 0, or -1 with why in d and nothing left behind (a full disk too).
 */
int	file_write_new(const char *path, const char *data, size_t len,
	    struct diag *d);

#endif
