/*
 * fileread.h - reading a config file whole: regular files only, at most
 * CFG_MAX_SIZE bytes, and, when running as root, only files that no one
 * but root could have written (sshd's StrictModes).
 */
#ifndef QI_FILEREAD_H
#define QI_FILEREAD_H

#include "buf.h"
#include "diag.h"

#define CFG_MAX_SIZE	(1024 * 1024)	/* larger files are refused */

/*
 * Reads the regular file path into sb (NUL-terminated, sb->len bytes).
 * Returns 0; 1 when the file does not exist and missing_ok is set (sb
 * untouched); -1 with a message in d when it cannot be read, is not a
 * regular file, or is larger than CFG_MAX_SIZE ("PATH:LINE: ...", LINE
 * being where the limit falls).
 */
int	file_read(const char *path, struct strbuf *sb, int missing_ok,
	    struct diag *d);
/*
 * file_read for a config file: running as root, a file that is not owned
 * by root or that group or others can write is refused, with the chown
 * or chmod that fixes it.  cfg_load reads through it.
 */
int	config_read(const char *path, struct strbuf *sb, int missing_ok,
	    struct diag *d);

/*
 * Running as root: whether no one but root could have planted path or
 * replaced a folder on the way to it (sshd's StrictModes, for folders):
 * every folder of path as written and as resolved must be root's and
 * writable by no group or others, but a sticky one (/tmp) above the
 * file's own folder.  1, or 0 with the folder and its fix in d.  Not
 * running as root: always 1.
 */
int	path_folders_trusted(const char *path, struct diag *d);

/*
 * Opens path (following symlinks: it is the admin's name), only when it
 * is a regular file: a FIFO, a device or a folder there is refused
 * before anything opens it (a FIFO would block, a device may act on
 * open).  flags are open(2)'s (O_CLOEXEC and O_NOCTTY added).  The fd,
 * or -1 with "cannot open PATH: why" in d and errno set.
 */
int	file_open_regular(const char *path, int flags, struct diag *d);
/* The same for a disk image, which may also be a block device. */
int	file_open_image(const char *path, int flags, struct diag *d);
/*
 * The file open on fd opened again with flags (another access mode),
 * through /proc/self/fd: the same file, whatever its name is now.  path
 * is for the message.  The fd, or -1 with why in d.
 */
int	file_reopen(int fd, int flags, const char *path, struct diag *d);

#endif
