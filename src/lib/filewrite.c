/*
 * filewrite.c - whole files, written to the end or not at all.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "filewrite.h"

/* All of data to fd: 0, or -1 with errno set (ENOSPC for a short one). */
static int
write_all(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ENOSPC;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int
file_write_atomic(const char *path, const char *data, size_t len,
    mode_t mode, uid_t uid, gid_t gid, struct diag *d)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd, e;

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		e = errno;
		diag_error(d, "cannot write %s: %s", path, strerror(e));
		free(tmp);
		return -1;
	}
	if (write_all(fd, data, len) != 0 ||
	    (uid != (uid_t)-1 && fchown(fd, uid, gid) != 0) ||
	    fchmod(fd, mode) != 0 || fsync(fd) != 0) {
		e = errno;
		(void)close(fd);
		goto fail;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		e = errno;
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	(void)unlink(tmp);
	diag_error(d, "cannot write %s: %s", path, strerror(e));
	free(tmp);
	return -1;
}

int
file_write_new(const char *path, const char *data, size_t len,
    struct diag *d)
{
	int fd, e;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd < 0) {
		diag_error(d, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	if (write_all(fd, data, len) != 0 || fchmod(fd, 0644) != 0 ||
	    fsync(fd) != 0) {
		e = errno;
		(void)close(fd);
		(void)unlink(path);
		diag_error(d, "cannot write %s: %s", path, strerror(e));
		return -1;
	}
	if (close(fd) != 0) {
		e = errno;
		(void)unlink(path);
		diag_error(d, "cannot write %s: %s", path, strerror(e));
		return -1;
	}
	return 0;
}
