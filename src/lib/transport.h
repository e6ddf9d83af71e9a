/*
 * transport.h - commands on other hosts (qemu-init -H), and what comes
 * back, bounded.  Each command is a child process (ssh, whose argument
 * vector remote.h builds), read from one poll loop: one deadline each,
 * a bound on the bytes it may write, and the remote program's greeting
 * before anything it writes counts.  The greeting is how the remote
 * qemu-init, qemu-cmd or qemu-mon says that it is the one answering and
 * not the remote user's shell (which says "command not found" in words
 * of its own): what comes before it on the standard output (a login
 * script's noise) is dropped, and what comes before it on the standard
 * error is held, to be shown only when no greeting comes.
 */
#ifndef QI_TRANSPORT_H
#define QI_TRANSPORT_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

/* What the remote program writes first on its standard output. */
#define TRANSPORT_GREETING	"\036qemu-init -H 1\n"
#define TRANSPORT_MAX_BEFORE	(64 * 1024)	/* bytes before the greeting */

enum transport_end {
	TRANSPORT_EXITED,	/* status is its exit status */
	TRANSPORT_KILLED,	/* by a signal not ours: status 128 + it */
	TRANSPORT_TIMED_OUT,	/* past its deadline: killed */
	TRANSPORT_TOO_LONG,	/* wrote more than its bound: killed */
	TRANSPORT_NOT_STARTED	/* held says why */
};

struct transport_job {
	/* Set by the caller. */
	char		**argv;		/* argv[0] is searched in PATH */
	int		  input;	/* its stdin: this fd, or -1: /dev/null */
	size_t		  max_bytes;	/* it may write, after the greeting */
	int		  timeout_ms;
	/* What it writes after the greeting: stream 1 or 2, as it comes. */
	void		(*out)(struct transport_job *, int stream,
			    const char *, size_t);
	void		 *arg;		/* the caller's */
	/* Set by transport_run. */
	enum transport_end end;
	int		  status;	/* exited: its exit status; else -1 */
	int		  greeted;
	struct strbuf	  held;		/* stderr before the greeting */
	size_t		  bytes;	/* written after the greeting */
	/* transport_run's own. */
	pid_t		  pid;
	int		  fd[2];
	long long	  deadline;
	struct strbuf	  before;	/* stdout before the greeting */
};

/*
 * Runs the n jobs, at most max_at_once at a time, until each has exited
 * and closed its output, or is killed at its deadline or past its bound
 * (it is our unreaped child: its pid names no other process).  done,
 * when given, is called as each job ends.  The caller must not ignore
 * SIGCHLD.  transport_job_free each job after.
 */
void	transport_run(struct transport_job *, size_t n, size_t max_at_once,
	    void (*done)(struct transport_job *, void *), void *arg);
void	transport_job_free(struct transport_job *);

/*
 * A session with one remote program that lasts (migrate's receiving
 * end): its stdin and stdout one socket of ours, the connection, its
 * stderr a pipe of ours.  What it writes before the greeting is dropped
 * (stdout) or held (stderr), as for a job; the bytes that came after
 * the greeting in the same read are kept in early, the connection's
 * first.
 */
struct transport_session {
	pid_t		 pid;		/* -1 once reaped */
	int		 fd;		/* the connection, ours */
	int		 err;		/* its stderr, ours; -1 at its end */
	struct strbuf	 held;		/* stderr: the last TRANSPORT_MAX_BEFORE */
	struct strbuf	 early;		/* stdout past the greeting */
	int		 status;	/* once reaped: as transport_job's */
};

/*
 * Runs argv (argv[0] searched in PATH) and waits for its greeting until
 * the deadline (now_ms()).  0 once greeted; else -1 with why in d (the
 * last words of its stderr, or that nothing answered), the program
 * killed and reaped.  transport_close s either way.
 */
int	transport_open(struct transport_session *, char **argv,
	    long long deadline, struct diag *);
/* Reads what its stderr has now into held, never waiting. */
void	transport_drain(struct transport_session *);
/*
 * The last line of what it wrote to stderr, made visible, or NULL
 * (caller frees).
 */
char	*transport_session_words(const struct transport_session *);
/*
 * Ends the session: the connection closed, then the program waited for
 * up to wait_ms (it ends once its stdin did), then killed and reaped.
 */
void	transport_close(struct transport_session *, int wait_ms);

/*
 * The last line of what j wrote to its stderr before a greeting that
 * never came (a shell's "command not found", ssh's own error), made
 * visible (visible_last_line), or NULL.  Caller frees.
 */
char	*transport_last_words(const struct transport_job *j);

#endif
