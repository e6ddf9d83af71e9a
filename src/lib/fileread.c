/*
 * fileread.c - reading config files whole, bounded, and as root only
 * when no one else could have written them.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fileread.h"

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
	if (strict && !trusted(path, &st, d)) {
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

