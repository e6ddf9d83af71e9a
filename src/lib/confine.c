/*
 * confine.c - QEMU's user, and becoming it.
 */
#include <sys/prctl.h>
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "confine.h"
#include "fileread.h"
#include "scalar.h"

char *
confine_useradd_hint(const char *name)
{
	return xasprintf("useradd --system --user-group --home-dir "
	    "/nonexistent --shell /usr/sbin/nologin %s", name);
}

/* The kvm group, which opens /dev/kvm, as a supplementary group. */
static void
add_kvm_group(struct qemu_user *u)
{
	struct group *g = getgrnam("kvm");

	if (g == NULL)
		return;
	u->groups = xreallocarray(u->groups, u->ngroups + 1,
	    sizeof(*u->groups));
	u->groups[u->ngroups++] = g->gr_gid;
}

/* One line of a subordinate id file: whether it is ours, and its range. */
static int
subid_line(char *line, const char *name, unsigned long id,
    unsigned long need, unsigned long *first)
{
	char *owner, *start, *count, *rest = line;
	long long s, c;
	const char *why;

	owner = strsep(&rest, ":");
	start = strsep(&rest, ":");
	count = strsep(&rest, ":");
	if (owner == NULL || start == NULL || count == NULL || rest != NULL)
		return 0;
	if (strcmp(owner, name) != 0) {
		/* By uid: "999:165536:65536". */
		if (cfg_number(owner, 0, UINT_MAX, &s, &why) != 0 ||
		    (unsigned long)s != id)
			return 0;
	}
	if (cfg_number(start, 1, UINT_MAX - 1, &s, &why) != 0 ||
	    cfg_number(count, 1, UINT_MAX, &c, &why) != 0 ||
	    (unsigned long long)c < need ||
	    (unsigned long long)s + (unsigned long long)need > UINT_MAX - 1)
		return 0;
	*first = (unsigned long)s;
	return 1;
}

int
subid_first(const char *file, const char *name, unsigned long id,
    unsigned long need, unsigned long *first, struct diag *d)
{
	struct strbuf sb;
	char *line, *next;
	int rc;

	sb_init(&sb);
	if ((rc = file_read(file, &sb, 1, d)) != 0) {
		sb_free(&sb);
		return rc;
	}
	rc = 1;
	for (line = sb.s; rc == 1 && line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (subid_line(line, name, id, need, first))
			rc = 0;
	}
	sb_free(&sb);
	return rc;
}

/* A subordinate uid and gid of the VM's own, when the user has them. */
static int
own_ids(struct qemu_user *u, const struct passwd *pw, unsigned slot,
    unsigned nslots, struct diag *d)
{
	unsigned long fu, fg;
	int ru, rg;

	ru = subid_first(CONFINE_SUBUID, pw->pw_name, pw->pw_uid, nslots,
	    &fu, d);
	rg = subid_first(CONFINE_SUBGID, pw->pw_name, pw->pw_uid, nslots,
	    &fg, d);
	if (ru < 0 || rg < 0)
		return -1;
	if (ru == 0 && rg == 0) {
		u->uid = (uid_t)(fu + slot);
		u->gid = (gid_t)(fg + slot);
		u->own = 1;
	}
	return 0;
}

int
qemu_user_for(const char *runas, const char *host_user, unsigned slot,
    unsigned nslots, struct qemu_user *u, struct diag *d)
{
	const char *want = runas != NULL ? runas : host_user != NULL ?
	    host_user : CONFINE_USER;
	struct passwd *pw;
	char *hint;
	uid_t me = geteuid();

	memset(u, 0, sizeof(*u));
	if (me != 0) {
		/* Not root: QEMU runs as we do, and can be no one else. */
		pw = getpwuid(me);
		u->name = pw != NULL ? xstrdup(pw->pw_name) :
		    xasprintf("uid %ld", (long)me);
		u->uid = me;
		u->gid = getegid();
		if (runas == NULL || strcmp(runas, u->name) == 0)
			return 0;
		diag_error(d, "RUNAS=%s needs root: qemu-init runs as %s",
		    runas, u->name);
		return -1;
	}
	u->name = xstrdup(want);
	if (strcmp(want, "root") == 0)
		return 0;	/* RUNAS=root: the explicit opt-out */
	errno = 0;
	if ((pw = getpwnam(want)) == NULL) {
		if (errno != 0 && errno != ENOENT && errno != ESRCH) {
			diag_error(d, "cannot look up QEMU's user '%s': %s",
			    want, strerror(errno));
			return -1;
		}
		hint = confine_useradd_hint(want);
		diag_error(d, "QEMU's user '%s' does not exist: create it "
		    "(%s), or set RUNAS to another user", want, hint);
		free(hint);
		return -1;
	}
	if (pw->pw_uid == 0) {
		diag_error(d, "QEMU's user '%s' is uid 0: say RUNAS=root to "
		    "run QEMU as root", want);
		return -1;
	}
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	u->drop = 1;
	/* Only the host's QEMU user gets ids of a VM's own. */
	if (runas == NULL && own_ids(u, pw, slot, nslots, d) != 0)
		return -1;
	add_kvm_group(u);
	return 0;
}

void
qemu_user_free(struct qemu_user *u)
{
	free(u->name);
	free(u->groups);
	memset(u, 0, sizeof(*u));
}

int
qemu_user_may(const struct qemu_user *u, const struct stat *st, int want)
{
	mode_t bits = (want & R_OK ? 4 : 0) | (want & W_OK ? 2 : 0) |
	    (want & X_OK ? 1 : 0);
	size_t i;
	int group = st->st_gid == u->gid;

	if (!u->drop || u->uid == 0)
		return 1;
	if (st->st_uid == u->uid)
		return ((st->st_mode >> 6) & bits) == bits;
	for (i = 0; !group && i < u->ngroups; i++)
		group = st->st_gid == u->groups[i];
	if (group)
		return ((st->st_mode >> 3) & bits) == bits;
	return (st->st_mode & bits) == bits;
}

int
qemu_user_may_open(const struct qemu_user *u, const char *path, int want,
    struct diag *d)
{
	struct stat st;
	char *real, *slash, *who;
	int ok = 1;

	if (!u->drop || u->uid == 0)
		return 1;
	if ((real = realpath(path, NULL)) == NULL || stat(real, &st) != 0) {
		diag_error(d, "%s: %s", path, strerror(errno));
		free(real);
		return 0;
	}
	who = qemu_user_describe(u);
	if (!qemu_user_may(u, &st, want)) {
		diag_error(d, "%s is not %s by QEMU's user %s (mode %04o)",
		    path, want & W_OK ? "writable" : want & R_OK ?
		    "readable" : "searchable", who,
		    (unsigned)(st.st_mode & 07777));
		ok = 0;
	}
	/* Each folder on the way, from the file's own up. */
	while (ok && (slash = strrchr(real, '/')) != NULL && slash != real) {
		*slash = '\0';
		if (stat(real, &st) == 0 && !qemu_user_may(u, &st, X_OK)) {
			diag_error(d, "%s is out of reach of QEMU's user %s: "
			    "folder %s is not searchable by it (mode %04o)",
			    path, who, real, (unsigned)(st.st_mode & 07777));
			ok = 0;
		}
	}
	free(who);
	free(real);
	return ok;
}

char *
qemu_user_describe(const struct qemu_user *u)
{
	if (!u->drop)
		return xstrdup(u->name != NULL ? u->name : "?");
	if (u->own)
		return xasprintf("%s (uid %ld, the VM's own)", u->name,
		    (long)u->uid);
	return xasprintf("%s (uid %ld)", u->name, (long)u->uid);
}

int
qemu_user_become(const struct qemu_user *u)
{
	uid_t ruid, euid, suid;

	if (!u->drop)
		return 0;
	if (setgroups(u->ngroups, u->groups) != 0 ||
	    setresgid(u->gid, u->gid, u->gid) != 0 ||
	    setresuid(u->uid, u->uid, u->uid) != 0)
		return -1;
	/* No way back: not to root, and not through a setuid program. */
	if (getresuid(&ruid, &euid, &suid) != 0 || ruid != u->uid ||
	    euid != u->uid || suid != u->uid || setuid(0) == 0) {
		errno = EPERM;
		return -1;
	}
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}
