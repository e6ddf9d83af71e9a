/*
 * proc.h - running other programs without a shell: `ip` for qemu-netif,
 * QEMU itself (which daemonizes), PRECMD/POSTCMD through /bin/sh -c, and
 * `qemu-system-x86_64 --version`.
 */
#ifndef QI_PROC_H
#define QI_PROC_H

#include <sys/types.h>

#include "buf.h"
#include "diag.h"

/*
 * Runs argv (argv[0] is searched in PATH when it has no '/') with the
 * environment plus env_extra ("NAME=value" entries, replacing same-named
 * ones; NULL for none) and waits for it.  Its stdout and stderr are
 * appended to out and err, or inherited where those are NULL; stdin and
 * every descriptor not marked close-on-exec are inherited.
 *
 * Returns once the program has exited: output written after that by a
 * process it left behind (QEMU's -daemonize child keeps the pipes) is
 * not waited for.  *status is the exit code, or 128 + the signal number.
 * Returns 0 when the program ran, whatever its status; -1 with the reason
 * in d when it could not be started ("cannot run X: No such file or
 * directory") or waited for.  The caller must not ignore SIGCHLD.
 */
int	proc_run(char *const argv[], char *const env_extra[],
	    struct strbuf *out, struct strbuf *err, int *status,
	    struct diag *d);

/*
 * proc_run of argv (the environment as it is), with what the program
 * writes on stdout given to watch as it comes, in pieces of any size
 * (qemu-img's progress), instead of kept; stderr as proc_run's err.
 */
int	proc_run_watch(char *const argv[],
	    void (*watch)(const char *buf, size_t len, void *arg), void *arg,
	    struct strbuf *err, int *status, struct diag *d);

/*
 * How proc_spawn runs a program that goes on running after we are gone
 * (QEMU): with fds[i] as its descriptor base + i and no other of ours,
 * /dev/null as stdin and stdout, a pipe as stderr, in a session of its
 * own (no terminal: a Ctrl-C meant for us is not its), from /, with no
 * signal blocked or ignored, and become(become_arg) called last, in the
 * child (it drops privileges: async-signal-safe, 0 or -1 with errno).
 * With a log_fd above 2, that file is its stderr instead of a pipe: a
 * program that outlives us writes there, never into a pipe that closed.
 */
struct proc_spawn {
	const int	*fds;
	size_t		 nfds;
	int		 base;		/* 3 or more */
	int		 log_fd;	/* > 2: its stderr; else a pipe */
	int		(*become)(const void *);
	const void	*become_arg;
	/* The names of ours it gets ("PATH", ...); NULL: all of them. */
	const char *const *env_keep;
	/* Not NULL: started through a keeper, filled in (below). */
	struct proc_keeper *keeper;
};

/*
 * A program started through a keeper: a process of ours that is its
 * parent, reaps it and tells us how it ended, until proc_kept_release
 * lets it go.  The keeper exits then, and the program becomes the child
 * of init (or of the nearest subreaper): systemd, which supervises only
 * its own children well, can then take it as a service's main process.
 * The keeper holds nothing of ours but its two pipes.
 */
struct proc_keeper {
	pid_t	 pid;		/* the keeper; 0 or less: none */
	int	 status_fd;	/* where it tells the program's end */
	int	 release_fd;	/* closed: it lets go */
};

/*
 * Starts argv as how says, with the environment (how->env_keep's part of
 * it) plus env_extra (as proc_run).  0 once the program runs, with its
 * pid in *pid and the read end of its stderr (non-blocking,
 * close-on-exec) in *err (-1 with a log_fd); -1 with why
 * in d when it could not be started (it is reaped then).  The caller
 * reaps it when it exits while we run.
 */
int	proc_spawn(char *const argv[], char *const env_extra[],
	    const struct proc_spawn *how, pid_t *pid, int *err,
	    struct diag *d);
/*
 * Whether child pid has exited, without waiting: 1 with its status in
 * *status (as proc_run's), 0 when it runs, -1 when it is not ours.
 */
int	proc_reap(pid_t pid, int *status);
/*
 * Whether the program of keeper k has exited, as proc_reap says (1 with
 * its status, 0 it runs, -1 not known: the keeper is gone); with block,
 * waits for its end.
 */
int	proc_kept_reap(struct proc_keeper *k, int *status, int block);
/* The keeper lets its program go, and is reaped; none left in k. */
void	proc_kept_release(struct proc_keeper *k);
/* A pidfd for pid, or -1 where the kernel has none (close-on-exec). */
int	proc_pidfd(pid_t pid);

/*
 * Where execvp(3), and so proc_run, finds name: 0 and *found (caller
 * frees), or an errno value (ENOENT: nowhere; EACCES: only a file it
 * cannot run).
 */
int	proc_find_program(const char *name, char **found);

/*
 * The absolute path of iproute2's `ip` (/usr/sbin, /sbin, /usr/bin, /bin,
 * in that order: QEMU may run us with a bare PATH), or NULL.
 */
const char *proc_find_ip(void);

/*
 * A process as the kernel knows it: its pid, and when it started (clock
 * ticks since boot, /proc/PID/stat field 22).  A pid alone can be any
 * user's process once the one it named is gone; the pair cannot.
 */
struct proc_id {
	pid_t			 pid;
	unsigned long long	 start;
};

/* The identity of the live process pid: 0, or -1 when it is gone. */
int	proc_identify(pid_t, struct proc_id *);
/* Whether the process id names still runs (a zombie does not). */
int	proc_alive(const struct proc_id *);
#define PROC_CMDLINE_MAX	(256 * 1024)
/*
 * The command line of process pid as /proc shows it, its words appended
 * to av: 0, or -1 when it cannot be read (gone, hidden from us, empty,
 * longer than PROC_CMDLINE_MAX).  The pid may have changed hands by
 * then: proc_alive after says whether it was still the process meant.
 */
int	proc_cmdline(pid_t, struct strvec *av);
/*
 * Sends sig to the process id names and to no other (through a pidfd,
 * where the kernel has them): 0 sent, 1 that process is gone, -1 error
 * (errno set).
 */
int	proc_signal(const struct proc_id *, int sig);
/*
 * Waits, without polling where the kernel has pidfds, until the process
 * id names has exited or the deadline (now_ms()) passes.  1 when it is
 * gone, 0 when it still runs.
 */
int	proc_wait_exit(const struct proc_id *, long long deadline);
#define PROC_NETNS_SCAN	1024	/* names in /run/netns looked at, at most */
/*
 * Whether the process id names is in another network namespace than
 * ours (where its loopback ports are not ours): 1 it is, with the name
 * ip-netns(8) gives that namespace (a file of /run/netns) in *name, or
 * NULL when it has none, for the caller to free; 0 it is in ours; -1
 * that cannot be told (gone, or hidden from us).
 */
int	proc_other_netns(const struct proc_id *, char **name);

#endif
