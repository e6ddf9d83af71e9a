/*
 * rundir.c - the run directory: its checks, its file names, and access
 * to them through the directory descriptor.
 */
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "paths.h"
#include "rundir.h"

#define LOCK_TICK_MS	20

static const char *const kinds[] = {
	[RUN_STATE] = "state",
	[RUN_STATE_TMP] = "state.tmp",
	[RUN_PID] = "pid",
	[RUN_CONTROL] = "control",
	[RUN_SERIAL] = "serial",
	[RUN_CONSOLE_LOG] = "console.log",
	[RUN_CONSOLE_LOG_OLD] = "console.log.1",
	[RUN_HMP] = "hmp",
	[RUN_QMP] = "qmp",
	[RUN_LOCK] = "lock",
	[RUN_CONSOLE_LOCK] = "console.lock",
	[RUN_AGENT] = "agent",
	[RUN_QEMU_DIR] = "qemu",
	[RUN_USERNET_LOG] = "usernet.log",
	[RUN_UNIT] = "unit",
	[RUN_NBD] = "nbd"
};

#define TREE_DEPTH	8	/* folders in RUN_QEMU_DIR removed, at most */
#define TREE_ENTRIES	4096	/* entries removed, at most */

/* The checks of rundir_open on an open directory. */
static int
rundir_check(const struct rundir *rd, enum rundir_use use, struct diag *d)
{
	struct stat st;
	uid_t me = geteuid();

	if (fstat(rd->fd, &st) != 0) {
		diag_error(d, "cannot use run directory %s: %s", rd->path,
		    strerror(errno));
		return -1;
	}
	if (st.st_uid == 0 && me != 0 && use != RUNDIR_READ) {
		diag_error(d, "run directory %s is root's: run this as root "
		    "(or set QEMU_INIT_RUNDIR and QEMU_INIT_CONFDIR to folders "
		    "of your own)", rd->path);
		return -1;
	}
	if (st.st_uid != me && !(use == RUNDIR_READ && st.st_uid == 0)) {
		diag_error(d, "run directory %s is owned by uid %ld, not by "
		    "this user (uid %ld): chown %ld %s, or set "
		    "QEMU_INIT_RUNDIR to a folder of your own", rd->path,
		    (long)st.st_uid, (long)me, (long)me, rd->path);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		diag_error(d, "run directory %s is writable by its group or "
		    "others: chmod 0755 %s", rd->path, rd->path);
		return -1;
	}
	return 0;
}

int
rundir_open(struct rundir *rd, const char *path, enum rundir_use use,
    struct diag *d)
{
	char *real;
	mode_t old;
	int made = 0, rc, e;

	rd->path = NULL;
	rd->fd = -1;
	if ((real = realpath(path, NULL)) == NULL && errno == ENOENT) {
		if (use != RUNDIR_CREATE) {
			rd->path = xstrdup(path);
			return 0;
		}
		/*
		 * 0755 at once, whatever the umask: a start beside this one
		 * may find it made and run a QEMU that must search it.
		 */
		old = umask(022);
		rc = mkdir(path, 0755);
		e = errno;
		(void)umask(old);
		if (rc != 0 && e != EEXIST) {
			diag_error(d, "cannot create run directory %s: %s",
			    path, strerror(e));
			return -1;
		}
		made = rc == 0;
		real = realpath(path, NULL);
	}
	if (real == NULL) {
		diag_error(d, "cannot use run directory %s: %s", path,
		    strerror(errno));
		return -1;
	}
	rd->path = xstrdup(real);
	free(real);
	rd->fd = open(rd->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (rd->fd < 0) {
		diag_error(d, "cannot use run directory %s: %s", rd->path,
		    errno == ENOTDIR ? "not a directory" : strerror(errno));
		return -1;
	}
	/* 0755 whatever the umask: other users may read the states. */
	if (made && fchmod(rd->fd, 0755) != 0) {
		diag_error(d, "cannot chmod run directory %s: %s", rd->path,
		    strerror(errno));
		return -1;
	}
	return rundir_check(rd, use, d);
}

void
rundir_close(struct rundir *rd)
{
	if (rd->fd >= 0)
		(void)close(rd->fd);
	rd->fd = -1;
	free(rd->path);
	rd->path = NULL;
}

char *
rundir_name(const char *vm, enum run_file kind)
{
	return xasprintf("%s@%s", vm, kinds[kind]);
}

char *
rundir_path(const struct rundir *rd, const char *vm, enum run_file kind)
{
	char *name = rundir_name(vm, kind), *path;

	path = path_join(rd->path, name);
	free(name);
	return path;
}

int
rundir_socket_fits(const struct rundir *rd, const char *vm,
    enum run_file kind, struct diag *d)
{
	struct sockaddr_un sun;
	char *path = rundir_path(rd, vm, kind);
	int rc = 0;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		diag_error(d, "socket path %s is longer than %zu bytes "
		    "(shorten RUNDIR or the VM name)", path,
		    sizeof(sun.sun_path) - 1);
		rc = -1;
	}
	free(path);
	return rc;
}

int
rundir_openat(const struct rundir *rd, const char *vm, enum run_file kind,
    int flags, int mode)
{
	struct stat st;
	char *name;
	int fd, saved;

	if (rd->fd < 0) {
		errno = ENOENT;
		return -1;
	}
	name = rundir_name(vm, kind);
	fd = openat(rd->fd, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	saved = errno;
	free(name);
	if (fd >= 0 && (flags & O_CREAT) && fstat(fd, &st) == 0 &&
	    st.st_uid == geteuid() && (st.st_mode & 07777) != (mode_t)mode &&
	    fchmod(fd, (mode_t)mode) != 0) {
		saved = errno;
		(void)close(fd);
		fd = -1;
	}
	errno = saved;
	return fd;
}

void
rundir_unlink(const struct rundir *rd, const char *vm, enum run_file kind)
{
	char *name;

	if (rd->fd < 0)
		return;
	name = rundir_name(vm, kind);
	(void)unlinkat(rd->fd, name, 0);
	free(name);
}

int
rundir_exists(const struct rundir *rd, const char *vm, enum run_file kind)
{
	struct stat st;
	char *name;
	int rc;

	if (rd->fd < 0)
		return 0;
	name = rundir_name(vm, kind);
	rc = fstatat(rd->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	free(name);
	return rc;
}

int
rundir_bind(const struct rundir *rd, const char *vm, enum run_file kind,
    struct diag *d)
{
	struct sockaddr_un sun;
	char *path;
	mode_t old;
	int fd, rc;

	if (rundir_socket_fits(rd, vm, kind, d) != 0)
		return -1;
	path = rundir_path(rd, vm, kind);
	rundir_unlink(rd, vm, kind);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		diag_error(d, "cannot make socket %s: %s", path,
		    strerror(errno));
		free(path);
		return -1;
	}
	/* bind() makes the file: only the umask sets its mode. */
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	(void)umask(old);
	if (rc != 0) {
		diag_error(d, "cannot bind socket %s: %s", path,
		    strerror(errno));
		(void)close(fd);
		fd = -1;
	}
	free(path);
	return fd;
}

int
rundir_new_console_log(const struct rundir *rd, const char *vm,
    struct diag *d)
{
	char *log = rundir_name(vm, RUN_CONSOLE_LOG);
	char *old = rundir_name(vm, RUN_CONSOLE_LOG_OLD);
	struct stat st;
	int fd = -1;

	/* Only a log of ours is kept: anything else planted there goes. */
	if (fstatat(rd->fd, log, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISREG(st.st_mode))
		(void)unlinkat(rd->fd, log, 0);
	(void)unlinkat(rd->fd, old, 0);
	if (renameat(rd->fd, log, rd->fd, old) != 0 && errno != ENOENT)
		diag_error(d, "cannot keep the last console log as %s/%s: %s",
		    rd->path, old, strerror(errno));
	else if ((fd = rundir_openat(rd, vm, RUN_CONSOLE_LOG, O_WRONLY |
	    O_CREAT | O_EXCL | O_APPEND, 0600)) < 0)
		diag_error(d, "cannot create the console log %s/%s: %s",
		    rd->path, log, strerror(errno));
	free(log);
	free(old);
	return fd;
}

/*
 * Removes name in folder at, and all it holds when it is a folder:
 * never following a name, at most depth folders down and budget
 * entries in all.  0, or -1 (something is left).
 */
static int
remove_tree(int at, const char *name, int depth, unsigned *budget)
{
	struct dirent *de;
	DIR *dp;
	int fd, more = 1, failed = 0;

	if (unlinkat(at, name, 0) == 0 || errno == ENOENT)
		return 0;
	if ((errno != EISDIR && errno != EPERM) || depth == 0)
		return -1;
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0 || (dp = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			(void)close(fd);
		return -1;
	}
	/* Passes until a pass removes nothing: readdir under removals. */
	while (more && !failed) {
		more = 0;
		rewinddir(dp);
		while ((de = readdir(dp)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			if (*budget == 0 || remove_tree(dirfd(dp), de->d_name,
			    depth - 1, budget) != 0) {
				failed = 1;
				break;
			}
			(*budget)--;
			more = 1;
		}
	}
	(void)closedir(dp);
	if (failed)
		return -1;
	return unlinkat(at, name, AT_REMOVEDIR) == 0 || errno == ENOENT ?
	    0 : -1;
}

int
rundir_remove_qemu_dir(const struct rundir *rd, const char *vm)
{
	unsigned budget = TREE_ENTRIES;
	char *name;
	int rc;

	if (rd->fd < 0)
		return 0;
	name = rundir_name(vm, RUN_QEMU_DIR);
	rc = remove_tree(rd->fd, name, TREE_DEPTH, &budget);
	free(name);
	return rc;
}

int
rundir_make_qemu_dir(const struct rundir *rd, const char *vm, uid_t uid,
    gid_t gid, struct diag *d)
{
	char *name = rundir_name(vm, RUN_QEMU_DIR);
	int fd, rc = -1;

	if (rundir_remove_qemu_dir(rd, vm) != 0)
		diag_error(d, "cannot clear %s/%s: what a QEMU left there "
		    "cannot be removed", rd->path, name);
	else if (mkdirat(rd->fd, name, 0700) != 0)
		diag_error(d, "cannot create %s/%s: %s", rd->path, name,
		    strerror(errno));
	else if ((fd = openat(rd->fd, name, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0)
		diag_error(d, "cannot open %s/%s: %s", rd->path, name,
		    strerror(errno));
	else {
		/* Whatever the umask: QEMU's, and QEMU's alone. */
		if (fchown(fd, uid, gid) != 0 || fchmod(fd, 0700) != 0)
			diag_error(d, "cannot give %s/%s to uid %ld: %s",
			    rd->path, name, (long)uid, strerror(errno));
		else
			rc = 0;
		(void)close(fd);
	}
	free(name);
	return rc;
}

int
rundir_qemu_pidfile_left(const struct rundir *rd, const char *vm)
{
	char *name = rundir_name(vm, RUN_QEMU_DIR);
	struct stat st;
	int fd, left = 0;

	fd = rd->fd < 0 ? -1 : openat(rd->fd, name, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		left = fstatat(fd, RUN_QEMU_PIDFILE, &st,
		    AT_SYMLINK_NOFOLLOW) == 0;
		(void)close(fd);
	}
	free(name);
	return left;
}

/* Locks fd (an open lock file), waiting up to wait_ms. */
static enum lock_result
lock_fd(const struct rundir *rd, int *fd, int wait_ms, struct diag *d)
{
	struct timespec ts = { 0, LOCK_TICK_MS * 1000 * 1000 };
	int waited = 0;

	for (;;) {
		if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
			return LOCK_TAKEN;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			diag_error(d, "cannot lock in %s: %s", rd->path,
			    strerror(errno));
			break;
		}
		if (waited >= wait_ms) {
			(void)close(*fd);
			*fd = -1;
			return LOCK_BUSY;
		}
		nanosleep(&ts, NULL);
		waited += LOCK_TICK_MS;
	}
	(void)close(*fd);
	*fd = -1;
	return LOCK_ERROR;
}

/*
 * Opens (creating) the lock file name; one that is not a regular file
 * (a symlink planted while RUNDIR was writable by others) is removed
 * and made anew, never followed.  The fd, or -1 with errno.
 */
static int
open_lock(const struct rundir *rd, const char *name)
{
	struct stat st;
	int fd, tries;

	for (tries = 0; tries < 2; tries++) {
		fd = openat(rd->fd, name, O_RDWR | O_CREAT | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			return fd;
		if (fd >= 0)
			(void)close(fd);
		else if (errno != ELOOP && errno != ENXIO &&
		    errno != EOPNOTSUPP && errno != EISDIR)
			return -1;
		if (unlinkat(rd->fd, name, 0) != 0 &&
		    unlinkat(rd->fd, name, AT_REMOVEDIR) != 0)
			return -1;
	}
	errno = ELOOP;
	return -1;
}

enum lock_result
lock_take(const struct rundir *rd, const char *vm, enum run_file kind,
    int wait_ms, int *fd, struct diag *d)
{
	char *path, *name;

	if (rd->fd < 0) {
		*fd = -1;
		errno = ENOENT;
	} else {
		name = rundir_name(vm, kind);
		*fd = open_lock(rd, name);
		free(name);
	}
	if (*fd < 0) {
		path = rundir_path(rd, vm, kind);
		diag_error(d, "cannot open lock %s: %s", path,
		    strerror(errno));
		free(path);
		return LOCK_ERROR;
	}
	return lock_fd(rd, fd, wait_ms, d);
}

enum lock_result
slot_lock(const struct rundir *rd, unsigned s, int *fd, struct diag *d)
{
	char name[32];

	(void)snprintf(name, sizeof(name), "slot-%u.lock", s);
	if ((*fd = open_lock(rd, name)) < 0) {
		diag_error(d, "cannot open lock %s/%s: %s", rd->path, name,
		    strerror(errno));
		return LOCK_ERROR;
	}
	return lock_fd(rd, fd, 0, d);
}

void
lock_release(int fd)
{
	if (fd >= 0)
		(void)close(fd);
}

int
rundir_scan(const struct rundir *rd, enum run_file kind,
    void (*fn)(const char *vm, void *), void *arg, struct diag *d)
{
	struct dirent *de;
	size_t len, klen = strlen(kinds[kind]);
	char *vm;
	DIR *dir;
	int fd;

	if (rd->fd < 0)
		return 0;
	if ((fd = dup(rd->fd)) < 0 || (dir = fdopendir(fd)) == NULL) {
		diag_error(d, "cannot read run directory %s: %s", rd->path,
		    strerror(errno));
		if (fd >= 0)
			(void)close(fd);
		return -1;
	}
	rewinddir(dir);
	errno = 0;
	while ((de = readdir(dir)) != NULL) {
		len = strlen(de->d_name);
		if (len <= klen + 1 || de->d_name[len - klen - 1] != '@' ||
		    strcmp(de->d_name + len - klen, kinds[kind]) != 0)
			continue;
		vm = xstrndup(de->d_name, len - klen - 1);
		if (strchr(vm, '@') == NULL)
			fn(vm, arg);
		free(vm);
	}
	(void)closedir(dir);
	return 0;
}
