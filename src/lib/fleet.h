/*
 * fleet.h - one question to many hosts at once (qemu-init -H with
 * several hosts, remote.h): each host's ssh a job of its own, all from
 * one poll loop, each with its own deadline; then their answers put
 * together as one table with a HOST column, or one JSON document.  A
 * host that does not answer is a row saying so, not the end of the rest.
 */
#ifndef QI_FLEET_H
#define QI_FLEET_H

#include <stddef.h>

#include "buf.h"

#define FLEET_NO_ANSWER		255	/* ssh's own failure: no answer */
#define FLEET_MAX_ANSWER	(16 * 1024 * 1024)	/* bytes a job may send */

/* How a job ended. */
enum fleet_end {
	FLEET_EXITED,		/* status is its exit status */
	FLEET_KILLED,		/* by a signal not ours: status 128 + it */
	FLEET_TIMED_OUT,	/* past its deadline: killed */
	FLEET_TOO_LONG,		/* sent more than FLEET_MAX_ANSWER: killed */
	FLEET_NOT_STARTED	/* err says why */
};

struct fleet_job {
	const char	*host;		/* the HOST column: the caller's */
	char		**argv;		/* what runs: the caller's */
	struct strbuf	 out, err;	/* what it wrote */
	enum fleet_end	 end;
	int		 status;	/* FLEET_NO_ANSWER unless it exited */
	int		 timeout_ms;
};

/*
 * Runs every job's argv (argv[0] searched in PATH), with stdin from
 * /dev/null, at most max_at_once at a time, and collects what each
 * writes until it exits or timeout_ms after its start have passed.  The
 * caller must not ignore SIGCHLD.
 */
void	fleet_run(struct fleet_job *, size_t n, int timeout_ms,
	    size_t max_at_once);
void	fleet_job_free(struct fleet_job *);
/* Whether the host answered: the job exited, and not FLEET_NO_ANSWER. */
int	fleet_answered(const struct fleet_job *);

/*
 * One table, a HOST column first.  With column NULL, each host prints a
 * table of its own: a header line naming its columns, then rows of a
 * word a column, the last column taking the rest of its line; the
 * columns of every host are shown in the order they first appear.  Else
 * each line a host prints is one cell of that column (status's lines).
 * Every column but the last is padded; a host that did not answer, whose
 * command failed with no output, or that has no VMs, is one row saying
 * so.  Caller frees.
 */
char	*fleet_table(const struct fleet_job *, size_t n, const char *column);
/*
 * One JSON document from each host's own: {"hosts": [{"host",
 * "answered", "exit", and "error" when it has no document}, ...], KEY:
 * [every host's VM objects, each with "host" first]}, where KEY is the
 * key of the array in the hosts' documents when they are objects (their
 * other members go to the host's entry), else "vms".  The field names
 * are the documents' own.  Caller frees.
 */
char	*fleet_json(const struct fleet_job *, size_t n);
/*
 * The fleet's exit status: 0 when every host answered 0, else the
 * first other in host order, FLEET_NO_ANSWER for a host that did not
 * answer.
 */
int	fleet_status(const struct fleet_job *, size_t n);

#endif
