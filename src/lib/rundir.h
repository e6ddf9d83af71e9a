/*
 * rundir.h - the run directory (RUNDIR, /run/qemu-init): the one owner of
 * every file name in it, and the only way in.
 *
 * RUNDIR is used by its canonical path, so every spelling of it (a
 * symlink, "//", a relative path) finds the same VMs, and through a
 * directory descriptor: no name in it is followed as a symlink.  A VM's
 * files are "<name>@<kind>" (web@state, web@serial, ...): '@' is not
 * allowed in a VM name, so no VM name collides with another VM's file
 * or with the directory's own files (slot-N.lock), and no name is
 * reserved.
 */
#ifndef QI_RUNDIR_H
#define QI_RUNDIR_H

#include <sys/types.h>

#include "diag.h"

/* The files of one VM in RUNDIR. */
enum run_file {
	RUN_STATE,		/* what start recorded: state.h */
	RUN_STATE_TMP,		/* the state while it is written */
	RUN_PID,		/* QEMU's -pidfile */
	RUN_CONTROL,		/* qemu-init's own QMP socket (0600) */
	RUN_SERIAL,		/* the serial console socket (0600) */
	RUN_CONSOLE_LOG,	/* what the guest wrote to it, this run */
	RUN_CONSOLE_LOG_OLD,	/* the same, the run before */
	RUN_HMP,		/* MONITOR=unix: the human monitor */
	RUN_QMP,		/* MONITOR=unix: QMP for people's scripts */
	RUN_LOCK,		/* held for a whole action on the VM */
	RUN_CONSOLE_LOCK,	/* held by the attached console client */
	RUN_AGENT,		/* AGENT=yes: the guest agent's channel (0600) */
	RUN_QEMU_DIR,		/* the one folder QEMU writes, as its user */
	RUN_USERNET_LOG,	/* what the VM's passt said (its stderr) */
	RUN_UNIT,		/* qemu-init@NAME's restarts, as its start saw
				   them (systemd.h); kept across runs */
	RUN_NBD			/* migrate --copy-storage: the disks' NBD
				   server, while they arrive (0600) */
};

/*
 * QEMU's pid file in RUN_QEMU_DIR, "<name>@qemu/pid": QEMU removes it
 * when it exits cleanly (the guest powered off, QMP quit, SIGTERM), and
 * leaves it when it dies (a crash, SIGKILL).  QEMU runs as a user of its
 * own that can write no other file of RUNDIR, so the folder is the
 * user's (0700), made anew at each start.
 */
#define RUN_QEMU_PIDFILE	"pid"

struct rundir {
	char	*path;		/* canonical, absolute */
	int	 fd;		/* O_DIRECTORY, or -1 when it does not exist */
};

enum rundir_use {
	RUNDIR_READ,		/* look: a missing RUNDIR holds no VM */
	RUNDIR_WRITE,		/* act: a missing RUNDIR holds no VM */
	RUNDIR_CREATE		/* start: created (0755) when missing */
};

/*
 * Opens RUNDIR for a use.  It must be a directory that neither its group
 * nor others can write, owned by the running user (RUNDIR_READ: or by
 * root); anything else is refused with the fix in the message.  A
 * missing RUNDIR is fine but for RUNDIR_CREATE: rd->fd is then -1.
 * 0, or -1 with why in d.
 */
int	rundir_open(struct rundir *, const char *path, enum rundir_use,
	    struct diag *);
void	rundir_close(struct rundir *);

/* The name of a VM's file, "<name>@<kind>"; caller frees. */
char	*rundir_name(const char *vm, enum run_file);
/* Its absolute path, for messages and for QEMU; caller frees. */
char	*rundir_path(const struct rundir *, const char *vm, enum run_file);
/*
 * Whether the path of a VM's socket fits a sockaddr_un (the one place
 * this is checked); 0, or -1 with "... is longer than N bytes" in d.
 */
int	rundir_socket_fits(const struct rundir *, const char *vm,
	    enum run_file, struct diag *);

/*
 * Opens a VM's file relative to the directory descriptor, never
 * following a symlink (O_NOFOLLOW | O_CLOEXEC added).  Created files
 * get exactly mode (the umask does not apply).  The fd, or -1 with
 * errno set.
 */
int	rundir_openat(const struct rundir *, const char *vm, enum run_file,
	    int flags, int mode);
/* Removes a VM's file; a missing one is fine. */
void	rundir_unlink(const struct rundir *, const char *vm, enum run_file);
/* Whether a VM's file exists (not followed). */
int	rundir_exists(const struct rundir *, const char *vm, enum run_file);

/*
 * A new unix socket bound at a VM's file, mode 0600, not yet listening
 * (QEMU is handed the descriptor and listens on it).  A stale file of
 * that name is removed first.  The fd (close-on-exec), or -1 with why
 * in d.
 */
int	rundir_bind(const struct rundir *, const char *vm, enum run_file,
	    struct diag *);

/*
 * A new RUN_QEMU_DIR for a VM's QEMU run as uid and gid (whatever an
 * earlier run left there is removed first).  0, or -1 with why in d.
 */
int	rundir_make_qemu_dir(const struct rundir *, const char *vm, uid_t uid,
	    gid_t gid, struct diag *);
/*
 * Removes a VM's RUN_QEMU_DIR and what its QEMU left in it, never
 * following a name in it, and giving up on more than a few thousand
 * entries (a QEMU that filled it on purpose): 0, or -1 when something
 * is left.
 */
int	rundir_remove_qemu_dir(const struct rundir *, const char *vm);
/*
 * Whether the VM's QEMU left its pid file in RUN_QEMU_DIR, as QEMU does
 * only when it did not exit cleanly: 1 it did, 0 it did not (or there
 * is no such folder), never following a name.
 */
int	rundir_qemu_pidfile_left(const struct rundir *, const char *vm);

/*
 * The console log of a new run: the last run's becomes RUN_CONSOLE_LOG_OLD
 * (replacing the one before), and a new empty log (0600) is opened for
 * appending.  The fd (close-on-exec), or -1 with why in d.
 */
int	rundir_new_console_log(const struct rundir *, const char *vm,
	    struct diag *);

enum lock_result {
	LOCK_TAKEN,
	LOCK_BUSY,		/* still held by another process at the end */
	LOCK_ERROR		/* why is in d */
};

/*
 * Takes an exclusive lock on a VM's lock file (kind RUN_LOCK or
 * RUN_CONSOLE_LOCK), waiting up to wait_ms.  *fd is the lock to release
 * with lock_release.
 */
enum lock_result lock_take(const struct rundir *, const char *vm,
	    enum run_file, int wait_ms, int *fd, struct diag *);
/*
 * Reserves slot s: the lock "slot-S.lock", which a start holds from
 * choosing the slot until the VM's state records it, so that starts at
 * once never share a slot and never wait for each other's launch.
 * Never waits.
 */
enum lock_result slot_lock(const struct rundir *, unsigned s, int *fd,
	    struct diag *);
void	lock_release(int fd);

/*
 * Calls fn for every VM that has a file of this kind in RUNDIR (its
 * name), in no particular order.  0, or -1 with why in d when RUNDIR
 * cannot be read.
 */
int	rundir_scan(const struct rundir *, enum run_file,
	    void (*fn)(const char *vm, void *), void *arg, struct diag *);

#endif
