/*
 * fileread.c - reading config files whole, bounded, and as root only
 * when no one else could have written them.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "fileread.h"
#include "paths.h"

/*
 * Like sshd's StrictModes: as root, a file others could have written is
 * not read, for what it says is run as root (PRECMD, QEMU's arguments).
 */
static int
trusted(const char *path, const struct stat *st, struct diag *d)
{
	uid_t me = geteuid();

	if (me != 0)
		return 1;
	if (st->st_uid != 0) {
		diag_error(d, "%s: owned by uid %ld, not root: refused while "
		    "running as root (chown root %s)", path, (long)st->st_uid,
		    path);
		return 0;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		diag_error(d, "%s: writable by group or others: refused while "
		    "running as root (chmod go-w %s)", path, path);
		return 0;
	}
	return 1;
}

/* How many newlines the n bytes at s hold. */
static unsigned
count_lines(const char *s, size_t n)
{
	const char *end = s + n;
	unsigned lines = 0;

	while ((s = memchr(s, '\n', (size_t)(end - s))) != NULL) {
		lines++;
		s++;
	}
	return lines;
}

static int
read_regular(const char *path, struct strbuf *sb, int missing_ok,
    int strict, struct diag *d)
{
	struct stat st;
	char chunk[8192];
	unsigned lines = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT && missing_ok)
			return 1;
		diag_error(d, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		diag_error(d, "cannot read %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_error(d, "cannot read %s: %s", path, S_ISDIR(st.st_mode) ?
		    "is a directory" : "not a regular file");
		close(fd);
		return -1;
	}
	if (strict && (!trusted(path, &st, d) ||
	    !path_folders_trusted(path, d))) {
		close(fd);
		return -1;
	}
	sb_reset(sb);
	if (st.st_size > 0 && st.st_size <= CFG_MAX_SIZE)
		sb_reserve(sb, (size_t)st.st_size);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			diag_error(d, "cannot read %s: %s", path,
			    strerror(errno));
			close(fd);
			return -1;
		}
		if (sb->len + (size_t)n > CFG_MAX_SIZE) {
			lines += count_lines(chunk, CFG_MAX_SIZE - sb->len);
			diag_error(d, "%s:%u: file larger than 1 MiB", path,
			    lines + 1);
			close(fd);
			return -1;
		}
		lines += count_lines(chunk, (size_t)n);
		sb_add(sb, chunk, (size_t)n);
	}
	close(fd);
	if (sb->s == NULL)
		sb_add(sb, "", 0);
	return 0;
}

int
file_read(const char *path, struct strbuf *sb, int missing_ok,
    struct diag *d)
{
	return read_regular(path, sb, missing_ok, 0, d);
}

int
config_read(const char *path, struct strbuf *sb, int missing_ok,
    struct diag *d)
{
	return read_regular(path, sb, missing_ok, 1, d);
}


/* One folder on the way: root's, and writable by no one else. */
static int
folder_trusted(const char *dir, int own_folder, struct diag *d)
{
	struct stat st;

	if (lstat(dir, &st) != 0) {
		diag_error(d, "cannot look at folder %s: %s", dir,
		    strerror(errno));
		return 0;
	}
	if (S_ISLNK(st.st_mode))
		return 1;	/* its own folder is checked; its target too */
	if (st.st_uid != 0) {
		diag_error(d, "%s: folder owned by uid %ld, not root: refused "
		    "while running as root (chown root %s)", dir,
		    (long)st.st_uid, dir);
		return 0;
	}
	/* /tmp: others may write, but not replace what root made there. */
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) &&
	    (own_folder || !(st.st_mode & S_ISVTX))) {
		diag_error(d, "%s: folder writable by group or others: refused "
		    "while running as root (chmod go-w %s)", dir, dir);
		return 0;
	}
	return 1;
}

/* Every folder of an absolute path, its own first, up to /. */
static int
folders_trusted(const char *path, struct diag *d)
{
	char *dir = path_dirname(path), *up;
	int own = 1, ok = 1;

	while (ok) {
		ok = folder_trusted(dir, own, d);
		if (strcmp(dir, "/") == 0 || strcmp(dir, ".") == 0)
			break;
		up = path_dirname(dir);
		free(dir);
		dir = up;
		own = 0;
	}
	free(dir);
	return ok;
}

int
path_folders_trusted(const char *path, struct diag *d)
{
	char *abs, *cwd, *dir, *real;
	int ok;

	if (geteuid() != 0)
		return 1;
	if (path[0] == '/')
		abs = xstrdup(path);
	else if ((cwd = getcwd(NULL, 0)) != NULL) {
		abs = path_join(cwd, path);
		free(cwd);
	} else {
		diag_error(d, "cannot look at %s: %s", path, strerror(errno));
		return 0;
	}
	ok = folders_trusted(abs, d);
	/* And where the symlinks on the way lead. */
	dir = path_dirname(abs);
	if (ok && (real = realpath(dir, NULL)) != NULL) {
		if (strcmp(real, dir) != 0) {
			free(abs);
			abs = path_join(real, "x");
			ok = folders_trusted(abs, d);
		}
		free(real);
	} else if (ok) {
		diag_error(d, "cannot look at folder %s: %s", dir,
		    strerror(errno));
		ok = 0;
	}
	free(dir);
	free(abs);
	return ok;
}

static int
open_kind(const char *path, int flags, int block_ok, struct diag *d)
{
	struct stat st;
	int pfd, fd, e;

	/* O_PATH opens nothing: no FIFO waits, no device acts. */
	if ((pfd = open(path, O_PATH | O_CLOEXEC)) < 0) {
		e = errno;
		diag_error(d, "cannot open %s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	if (fstat(pfd, &st) != 0)
		e = errno;
	else if (S_ISDIR(st.st_mode))
		e = EISDIR;
	else
		e = S_ISREG(st.st_mode) || (block_ok && S_ISBLK(st.st_mode)) ?
		    0 : EINVAL;
	if (e != 0) {
		diag_error(d, "cannot open %s: %s", path, e != EINVAL ?
		    strerror(e) : block_ok ? "not a regular file or a block "
		    "device" : "not a regular file");
		(void)close(pfd);
		errno = e;
		return -1;
	}
	fd = file_reopen(pfd, flags, path, d);
	e = errno;
	(void)close(pfd);
	errno = e;
	return fd;
}

int
file_open_regular(const char *path, int flags, struct diag *d)
{
	return open_kind(path, flags, 0, d);
}

int
file_open_image(const char *path, int flags, struct diag *d)
{
	return open_kind(path, flags, 1, d);
}

int
file_reopen(int fd, int flags, const char *path, struct diag *d)
{
	char self[64];
	int nfd, e;

	(void)snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	nfd = open(self, (flags & ~(O_CREAT | O_EXCL | O_TRUNC)) | O_CLOEXEC |
	    O_NOCTTY);
	if (nfd < 0) {
		e = errno;
		diag_error(d, "cannot open %s: %s", path, strerror(e));
		errno = e;
	}
	return nfd;
}
