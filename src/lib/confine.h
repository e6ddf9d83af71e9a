/*
 * confine.h - who a VM's QEMU runs as, and the sandbox it runs in
 * (qemu-init(8) SECURITY CONSIDERATIONS, qemu-init.cfg(5) RUNAS).
 *
 * Started by root, QEMU never keeps root unless the VM says RUNAS=root.
 * It runs as the VM's RUNAS user, or, without one, as the host's QEMU
 * user (monitor.conf's RUNAS, by default the system user qemu-init).
 * When that user has subordinate ids (/etc/subuid and /etc/subgid),
 * each VM runs as one of them of its own, chosen by its slot, so that
 * no two running QEMUs share a uid: one cannot signal, trace or reopen
 * the descriptors of another.  Everything QEMU needs from the host is
 * opened by qemu-init and handed over as descriptors, so that user
 * needs no file of its own.  qemu-init drops the privileges itself,
 * before QEMU runs: QEMU's own -runas is never used (its seccomp filter
 * forbids the setuid that -runas makes).
 */
#ifndef QI_CONFINE_H
#define QI_CONFINE_H

#include <sys/stat.h>
#include <sys/types.h>

#include <stddef.h>

#include "diag.h"

#define CONFINE_USER	"qemu-init"	/* monitor.conf's RUNAS when unset */
#define CONFINE_SUBUID	"/etc/subuid"
#define CONFINE_SUBGID	"/etc/subgid"
/*
 * QEMU's seccomp sandbox: no obsolete system calls, no setuid and the
 * like, no new processes or programs (so no tap scripts and no exec:
 * migration), no scheduler or resource changes.
 */
#define CONFINE_SANDBOX	\
	"on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"

struct qemu_user {
	char	*name;		/* "qemu-init", "alice", "root": as asked */
	uid_t	 uid;
	gid_t	 gid;
	gid_t	*groups;	/* supplementary: kvm, where the host has it */
	size_t	 ngroups;
	int	 drop;		/* 1: qemu-init becomes this user for QEMU */
	int	 own;		/* a subordinate id of its own (by slot) */
};

/*
 * Who runs a VM's QEMU: runas is the VM's RUNAS (NULL when unset),
 * host_user monitor.conf's, slot the VM's slot of nslots.  Running as
 * root: runas, else host_user, with a subordinate uid and gid of its
 * own when host_user has a range of nslots ids in both files.  Running
 * as another user: that user, and a runas naming anyone else is an
 * error.  0, or -1 with why in d (a user that does not exist is named
 * with the command that makes it).  qemu_user_free u either way.
 */
int	qemu_user_for(const char *runas, const char *host_user, unsigned slot,
	    unsigned nslots, struct qemu_user *u, struct diag *d);
void	qemu_user_free(struct qemu_user *);
/*
 * Whether u may act on a file of st's owner, group and mode as want
 * asks (R_OK, W_OK, X_OK or'ed), as the kernel would decide it.
 */
int	qemu_user_may(const struct qemu_user *u, const struct stat *st,
	    int want);
/*
 * The same for path by name, as QEMU opens a backing file: the folders
 * on the way must be searchable by u too.  1, or 0 with why in d
 * ("PATH is not readable by QEMU's user qemu-init (mode 0600)").
 */
int	qemu_user_may_open(const struct qemu_user *u, const char *path,
	    int want, struct diag *d);

/* What u is, for people: "qemu-init (uid 165538)", "root"; caller frees. */
char	*qemu_user_describe(const struct qemu_user *);

/*
 * The first id of name's (or uid's) range in a subordinate id file
 * (CONFINE_SUBUID's format: "NAME:FIRST:COUNT" a line) that holds at
 * least need ids: 0 with it in *first, 1 when there is none, -1 when
 * the file cannot be read (why in d).
 */
int	subid_first(const char *file, const char *name, unsigned long id,
	    unsigned long need, unsigned long *first, struct diag *d);

/*
 * In a child about to run QEMU: becomes u (supplementary groups, gid,
 * uid, and no way back: no new privileges).  Async-signal-safe.  0, or
 * -1 with errno set.
 */
int	qemu_user_become(const struct qemu_user *);

/* The command that makes the system user name, for messages. */
char	*confine_useradd_hint(const char *name);

#endif
