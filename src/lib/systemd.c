/*
 * systemd.c - a VM as a systemd unit: names, cgroups, systemctl
 * (systemd.h).
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "scalar.h"
#include "systemd.h"

#define CGROUP_FILE_MAX	(64 * 1024)	/* /proc/PID/cgroup, at most */

int
systemd_running(void)
{
	struct stat sb;

	return lstat("/run/systemd/system", &sb) == 0 && S_ISDIR(sb.st_mode);
}

char *
systemd_vm_unit(const char *instance)
{
	static const char hex[] = "0123456789abcdef";
	struct strbuf sb;
	const char *p;
	unsigned char c;

	sb_init(&sb);
	sb_adds(&sb, SYSTEMD_VM_PREFIX);
	for (p = instance; *p != '\0'; p++) {
		c = (unsigned char)*p;
		if (c == '/')
			sb_addc(&sb, '-');
		else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == ':' || c == '_' ||
		    (c == '.' && p != instance))
			sb_addc(&sb, (char)c);
		else {
			sb_adds(&sb, "\\x");
			sb_addc(&sb, hex[c >> 4]);
			sb_addc(&sb, hex[c & 15]);
		}
	}
	sb_adds(&sb, ".service");
	if (*instance == '\0' || sb.len > SYSTEMD_UNIT_MAX) {
		sb_free(&sb);
		return NULL;
	}
	return sb_detach(&sb);
}

int
systemd_is_vm_unit(const char *unit)
{
	size_t n = strlen(unit), pre = strlen(SYSTEMD_VM_PREFIX);

	return n > pre + strlen(".service") &&
	    strncmp(unit, SYSTEMD_VM_PREFIX, pre) == 0 &&
	    strcmp(unit + n - strlen(".service"), ".service") == 0;
}

/*
 * The cgroup path of a line of /proc/PID/cgroup that systemd tracks
 * units by ("0::/..." or "N:name=systemd:/..."), or NULL.
 */
static const char *
tracked_path(const char *line, int *unified)
{
	const char *c1 = strchr(line, ':'), *c2;

	if (c1 == NULL || (c2 = strchr(c1 + 1, ':')) == NULL)
		return NULL;
	*unified = strncmp(line, "0::", 3) == 0;
	if (*unified || (c2 - c1 - 1 == 12 &&
	    strncmp(c1 + 1, "name=systemd", 12) == 0))
		return c2 + 1;
	return NULL;
}

/* The lines of /proc/<pid>/cgroup ("self" for pid 0), or -1. */
static int
read_cgroups(pid_t pid, struct strbuf *sb)
{
	char path[64];
	int fd;
	ssize_t n;

	if (pid > 0)
		(void)snprintf(path, sizeof(path), "/proc/%ld/cgroup",
		    (long)pid);
	else
		(void)snprintf(path, sizeof(path), "/proc/self/cgroup");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	sb_reserve(sb, 4096);
	while (sb->len < CGROUP_FILE_MAX) {
		sb_reserve(sb, 4096);
		n = read(fd, sb->s + sb->len, 4096);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		sb->len += (size_t)n;
		sb->s[sb->len] = '\0';
	}
	(void)close(fd);
	return sb->len > 0 && sb->len < CGROUP_FILE_MAX ? 0 : -1;
}

/* The innermost *.service or *.scope of a cgroup path, or NULL. */
static char *
unit_of_path(const char *path, size_t len)
{
	const char *p = path, *end = path + len, *seg, *found = NULL;
	size_t n, flen = 0;

	while (p < end) {
		seg = p;
		while (p < end && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if ((n > 8 && strncmp(p - 8, ".service", 8) == 0) ||
		    (n > 6 && strncmp(p - 6, ".scope", 6) == 0)) {
			found = seg;
			flen = n;
		}
		if (p < end)
			p++;
	}
	if (found == NULL || flen > SYSTEMD_UNIT_MAX)
		return NULL;
	return strndup(found, flen);
}

char *
systemd_unit_of(pid_t pid)
{
	struct strbuf sb;
	const char *line, *nl, *path;
	char *unit = NULL;
	int unified;

	sb_init(&sb);
	if (read_cgroups(pid, &sb) == 0) {
		for (line = sb.s; *line != '\0' && unit == NULL; line = nl) {
			nl = line + strcspn(line, "\n");
			path = tracked_path(line, &unified);
			if (path != NULL && path < nl)
				unit = unit_of_path(path, (size_t)(nl - path));
			if (*nl == '\n')
				nl++;
		}
	}
	sb_free(&sb);
	return unit;
}

/* Writes pid into <mount><path>/cgroup.procs; 0, or -1 with why in d. */
static int
cgroup_move(const char *mount, const char *path, size_t len, pid_t pid,
    struct diag *d)
{
	char *procs, num[32];
	int fd, rc = 0, n;

	procs = xasprintf("%s%.*s/cgroup.procs", mount, (int)len, path);
	n = snprintf(num, sizeof(num), "%ld\n", (long)pid);
	if ((fd = open(procs, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)) < 0 ||
	    write(fd, num, (size_t)n) != n) {
		diag_error(d, "cannot move process %ld into %s: %s",
		    (long)pid, procs, strerror(errno));
		rc = -1;
	}
	if (fd >= 0)
		(void)close(fd);
	free(procs);
	return rc;
}

/* Where the unified hierarchy is mounted: alone, or beside v1's. */
static const char *
unified_mount(void)
{
	struct stat sb;

	if (stat("/sys/fs/cgroup/cgroup.procs", &sb) == 0 &&
	    stat("/sys/fs/cgroup/systemd", &sb) != 0)
		return "/sys/fs/cgroup";
	return "/sys/fs/cgroup/unified";
}

int
systemd_adopt(pid_t pid, struct diag *d)
{
	struct strbuf sb;
	const char *line, *nl, *path;
	int unified, moved = 0, rc = 0;

	sb_init(&sb);
	if (read_cgroups(0, &sb) != 0) {
		diag_error(d, "cannot read /proc/self/cgroup");
		sb_free(&sb);
		return -1;
	}
	for (line = sb.s; *line != '\0' && rc == 0; line = nl) {
		nl = line + strcspn(line, "\n");
		if ((path = tracked_path(line, &unified)) != NULL &&
		    path < nl && *path == '/') {
			rc = cgroup_move(unified ? unified_mount() :
			    "/sys/fs/cgroup/systemd", path,
			    (size_t)(nl - path), pid, d);
			moved++;
		}
		if (*nl == '\n')
			nl++;
	}
	sb_free(&sb);
	if (rc == 0 && moved == 0) {
		diag_error(d, "no cgroup of systemd's in /proc/self/cgroup");
		rc = -1;
	}
	return rc;
}

int
systemctl(char *const args[], struct strbuf *out, int *status,
    struct diag *d)
{
	char **av;
	size_t n, i;
	int rc;

	for (n = 0; args[n] != NULL; n++)
		;
	av = xcalloc(n + 2, sizeof(*av));
	av[0] = "systemctl";
	for (i = 0; i < n; i++)
		av[i + 1] = args[i];
	rc = proc_run(av, NULL, out, NULL, status, d);
	free(av);
	return rc;
}

char *
systemctl_show(const char *unit, const char *prop, struct diag *d)
{
	char *args[] = { "show", "-p", (char *)prop, "--value", "--",
		(char *)unit, NULL };
	struct strbuf out;
	int status;

	sb_init(&out);
	if (systemctl(args, &out, &status, d) != 0 || status != 0) {
		if (status != 0)
			diag_error(d, "systemctl show %s failed (status %d)",
			    unit, status);
		sb_free(&out);
		return NULL;
	}
	while (out.len > 0 && out.s[out.len - 1] == '\n')
		out.s[--out.len] = '\0';
	if (out.s == NULL)
		sb_adds(&out, "");
	return sb_detach(&out);
}

/* The count RUN_UNIT holds: 0 read, 1 none yet, -1 unreadable. */
static int
restarts_seen(const struct rundir *rd, const char *vm, long long *n)
{
	const char *why;
	char buf[32];
	ssize_t len;
	int fd;

	if ((fd = rundir_openat(rd, vm, RUN_UNIT, O_RDONLY, 0)) < 0)
		return errno == ENOENT ? 1 : -1;
	len = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return cfg_number(buf, 0, LLONG_MAX, n, &why) == 0 ? 0 : -1;
}

int
systemd_restarted(const struct rundir *rd, const char *vm, const char *unit,
    struct diag *d)
{
	long long now, seen = 0;
	const char *why;
	char *v, num[32];
	int fd, n, had;

	if ((v = systemctl_show(unit, "NRestarts", d)) == NULL)
		return -1;
	if (cfg_number(v, 0, LLONG_MAX, &now, &why) != 0) {
		diag_error(d, "systemctl show %s: NRestarts '%s' is no count",
		    unit, v);
		free(v);
		return -1;
	}
	free(v);
	had = restarts_seen(rd, vm, &seen);
	n = snprintf(num, sizeof(num), "%lld\n", now);
	if ((fd = rundir_openat(rd, vm, RUN_UNIT, O_WRONLY | O_CREAT |
	    O_TRUNC, 0644)) < 0 || write(fd, num, (size_t)n) != n) {
		diag_error(d, "cannot write %s@unit in RUNDIR: %s", vm,
		    strerror(errno));
		if (fd >= 0)
			(void)close(fd);
		return -1;
	}
	(void)close(fd);
	return had == 0 && now > seen;
}
