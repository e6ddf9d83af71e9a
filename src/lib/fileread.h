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

#endif
