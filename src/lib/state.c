/*
 * state.c - state files, pid files, locks.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "argv.h"
#include "buf.h"
#include "cfg.h"
#include "paths.h"
#include "state.h"

int
rundir_prepare(const char *rundir, struct diag *d)
{
	struct stat st;

	if (mkdir(rundir, 0755) != 0 && errno != EEXIST) {
		diag_error(d, "cannot create run directory %s: %s", rundir,
		    strerror(errno));
		return -1;
	}
	if (stat(rundir, &st) != 0) {
		diag_error(d, "cannot use run directory %s: %s", rundir,
		    strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		diag_error(d, "run directory %s is not a directory", rundir);
		return -1;
	}
	if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
		diag_error(d, "run directory %s is writable by others",
		    rundir);
		return -1;
	}
	if (access(rundir, W_OK) != 0) {
		diag_error(d, "cannot write to run directory %s: %s", rundir,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
state_number(const struct cfg *cfg, const char *key, long long max,
    long long *out, struct diag *d)
{
	const struct cfg_entry *e = cfg_get(cfg, key);
	const char *why;

	if (e == NULL) {
		diag_error(d, "%s: %s is missing", cfg->path, key);
		return -1;
	}
	if (cfg_number(e->value, 0, max, out, &why) != 0) {
		diag_error(d, "%s:%u: %s '%s' is %s", cfg->path, e->line, key,
		    e->value, why);
		return -1;
	}
	return 0;
}

int
state_read(const char *rundir, const char *name, struct vm_state *st,
    struct diag *d)
{
	const struct cfg_entry *e;
	long long pid, slot, mon, ctl, started;
	struct cfg cfg;
	char *path;
	int rc;

	memset(st, 0, sizeof(*st));
	path = run_path(rundir, name, ".state");
	rc = cfg_load(&cfg, path, 1, d);
	free(path);
	if (rc != 0) {
		cfg_free(&cfg);
		return rc;
	}
	if (state_number(&cfg, "PID", 1 << 30, &pid, d) ||
	    state_number(&cfg, "SLOT", 1000, &slot, d) ||
	    state_number(&cfg, "MONPORT", 65535, &mon, d) ||
	    state_number(&cfg, "CTLPORT", 65535, &ctl, d) ||
	    state_number(&cfg, "STARTED", 1LL << 40, &started, d)) {
		cfg_free(&cfg);
		return -1;
	}
	if (pid < 2) {
		diag_error(d, "%s: PID %lld is not a VM's", cfg.path, pid);
		cfg_free(&cfg);
		return -1;
	}
	st->pid = (pid_t)pid;
	st->slot = (unsigned)slot;
	st->monport = (unsigned)mon;
	st->ctlport = (unsigned)ctl;
	st->started = started;
	e = cfg_get(&cfg, "CFG");
	st->cfgpath = xstrdup(e != NULL ? e->value : "");
	e = cfg_get(&cfg, "MONITOR");
	st->unix_monitors = e != NULL && strcmp(e->value, "unix") == 0;
	cfg_free(&cfg);
	return 0;
}

/* 'it'\''s': the value in single quotes, safe for the cfg parser. */
static void
sb_add_quoted(struct strbuf *sb, const char *s)
{
	sb_addc(sb, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			sb_adds(sb, "'\\''");
		else
			sb_addc(sb, *s);
	}
	sb_addc(sb, '\'');
}

int
state_write(const char *rundir, const char *name, const struct vm_state *st,
    struct diag *d)
{
	struct strbuf sb;
	char *path, *tmp;
	ssize_t n;
	int fd, rc = -1;

	sb_init(&sb);
	sb_addf(&sb, "# qemu-init state of a running VM; do not edit\n"
	    "PID=%ld\nSLOT=%u\nMONPORT=%u\nCTLPORT=%u\nSTARTED=%lld\n"
	    "MONITOR=%s\nCFG=", (long)st->pid, st->slot, st->monport,
	    st->ctlport, st->started, st->unix_monitors ? "unix" : "tcp");
	sb_add_quoted(&sb, st->cfgpath != NULL ? st->cfgpath : "");
	sb_addc(&sb, '\n');
	path = run_path(rundir, name, ".state");
	tmp = run_path(rundir, name, ".state.tmp");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd < 0) {
		diag_error(d, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	n = write(fd, sb.s, sb.len);
	/* No fsync: RUNDIR is volatile (tmpfs), a reboot empties it anyway. */
	if (n != (ssize_t)sb.len) {
		diag_error(d, "cannot write %s: %s", tmp,
		    n < 0 ? strerror(errno) : "short write");
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		diag_error(d, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(path);
	free(tmp);
	sb_free(&sb);
	return rc;
}

void
state_remove(const char *rundir, const char *name)
{
	static const char *const suffix[] = {
		".state", ".pid", ".serial", ".hmp", ".qmp"
	};
	size_t i;
	char *path;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		path = run_path(rundir, name, suffix[i]);
		unlink(path);
		free(path);
	}
}

void
state_free(struct vm_state *st)
{
	free(st->cfgpath);
	st->cfgpath = NULL;
}

pid_t
pidfile_read(const char *rundir, const char *name)
{
	struct strbuf sb;
	struct diag d;
	const char *why;
	long long pid = 0;
	char *path;

	path = run_path(rundir, name, ".pid");
	sb_init(&sb);
	diag_init(&d);
	if (file_read(path, &sb, 1, &d) == 0) {
		sb.s[strcspn(sb.s, "\n")] = '\0';
		if (cfg_number(sb.s, 2, 1 << 30, &pid, &why) != 0)
			pid = 0;
	}
	diag_clear(&d);
	sb_free(&sb);
	free(path);
	return (pid_t)pid;
}

/*
 * Linux: /proc/PID/cmdline.  Our QEMU is the one whose arguments hold
 * "-pidfile RUNDIR/<name>.pid", which no recycled pid will have.
 */
int
pid_is_vm_qemu(pid_t pid, const char *rundir, const char *name)
{
	struct strbuf sb;
	struct diag d;
	char *proc, *pidfile, *p, *end;
	int found = 0;

	if (pid < 2 || (kill(pid, 0) != 0 && errno == ESRCH))
		return 0;
	proc = xasprintf("/proc/%ld/cmdline", (long)pid);
	pidfile = run_path(rundir, name, ".pid");
	sb_init(&sb);
	diag_init(&d);
	if (file_read(proc, &sb, 1, &d) == 0) {
		end = sb.s + sb.len;
		for (p = sb.s; p < end; p += strlen(p) + 1) {
			if (strcmp(p, "-pidfile") == 0 &&
			    p + strlen(p) + 1 < end &&
			    strcmp(p + strlen(p) + 1, pidfile) == 0) {
				found = 1;
				break;
			}
		}
	}
	diag_clear(&d);
	sb_free(&sb);
	free(proc);
	free(pidfile);
	return found;
}

/* Whether RUNDIR/<name>.pid exists: QEMU removes it when it exits cleanly. */
static int
pidfile_exists(const char *rundir, const char *name)
{
	char *path = run_path(rundir, name, ".pid");
	int rc = access(path, F_OK) == 0;

	free(path);
	return rc;
}

enum vm_run
vm_probe(const char *rundir, const char *name, struct vm_state *st)
{
	struct diag d;
	pid_t pid;
	int rc;

	diag_init(&d);
	rc = state_read(rundir, name, st, &d);
	diag_clear(&d);
	if (rc == 0 && pid_is_vm_qemu(st->pid, rundir, name))
		return VM_RUNNING;
	/* No usable state: a QEMU may still be there (a start cut short). */
	pid = pidfile_read(rundir, name);
	if (pid != 0 && pid_is_vm_qemu(pid, rundir, name)) {
		if (rc != 0) {
			state_free(st);
			memset(st, 0, sizeof(*st));
		}
		st->pid = pid;
		return VM_RUNNING;
	}
	/*
	 * A state whose QEMU is gone: a crash leaves QEMU's pid file, a
	 * clean exit (the guest powered off) removes it.
	 */
	if (rc == 1 || (rc == 0 && !pidfile_exists(rundir, name)))
		return VM_STOPPED;
	return VM_DEAD;
}

int
lock_take(const char *rundir, const char *file, int wait_ms, struct diag *d)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	char *path = path_join(rundir, file);
	int fd, waited = 0;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		diag_error(d, "cannot open lock %s: %s", path,
		    strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			diag_error(d, "cannot lock %s/%s: %s", rundir, file,
			    strerror(errno));
			close(fd);
			return -1;
		}
		if (waited >= wait_ms) {
			close(fd);
			return -2;
		}
		nanosleep(&ts, NULL);
		waited += 20;
	}
}

void
lock_release(int fd)
{
	if (fd >= 0)
		close(fd);
}

int
state_scan(const char *rundir,
    void (*fn)(const char *name, const struct vm_state *, void *), void *arg)
{
	struct vm_state st;
	struct dirent *de;
	struct diag d;
	size_t len, slen = strlen(".state");
	char *name;
	DIR *dir;

	if ((dir = opendir(rundir)) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(dir)) != NULL) {
		len = strlen(de->d_name);
		if (len <= slen || strcmp(de->d_name + len - slen, ".state") != 0)
			continue;
		name = xstrndup(de->d_name, len - slen);
		diag_init(&d);
		if (state_read(rundir, name, &st, &d) == 0 &&
		    pid_is_vm_qemu(st.pid, rundir, name))
			fn(name, &st, arg);
		diag_clear(&d);
		state_free(&st);
		free(name);
	}
	closedir(dir);
	return 0;
}
