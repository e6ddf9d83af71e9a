/*
 * transport.c - child processes read from one poll loop, each with its
 * deadline and its bound.
 *
 * Each job is started with posix_spawnp, its stdout and stderr read
 * until both are at their end and it has exited, or until its deadline
 * or its bound is passed: then it is killed (SIGKILL: ssh holds nothing
 * that needs a clean end) and reaped.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "sock.h"
#include "transport.h"
#include "visible.h"

#define READ_SIZE	65536	/* a read at a time */

extern char **environ;

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

void
transport_job_free(struct transport_job *j)
{
	sb_free(&j->held);
	sb_free(&j->before);
	close_fd(&j->fd[0]);
	close_fd(&j->fd[1]);
}

/* The file actions: stdin, stdout and stderr of the child. */
static int
spawn_files(posix_spawn_file_actions_t *fa, const struct transport_job *j,
    int out, int err)
{
	int e;

	if (j->input >= 0)
		e = j->input == STDIN_FILENO ? 0 :
		    posix_spawn_file_actions_adddup2(fa, j->input,
		    STDIN_FILENO);
	else
		e = posix_spawn_file_actions_addopen(fa, STDIN_FILENO,
		    "/dev/null", O_RDONLY, 0);
	if (e == 0)
		e = posix_spawn_file_actions_adddup2(fa, out, STDOUT_FILENO);
	if (e == 0)
		e = posix_spawn_file_actions_adddup2(fa, err, STDERR_FILENO);
	return e;
}

/* 0 once it runs; else -1, the job ended with why in held. */
static int
spawn(struct transport_job *j)
{
	posix_spawn_file_actions_t fa;
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, e;

	sb_init(&j->held);
	sb_init(&j->before);
	j->fd[0] = j->fd[1] = -1;
	j->pid = -1;
	j->end = TRANSPORT_NOT_STARTED;
	j->status = -1;
	j->greeted = 0;
	j->bytes = 0;
	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
		e = errno;
		close_fd(&out[0]);
		close_fd(&out[1]);
		sb_addf(&j->held, "cannot run %s: pipe: %s\n", j->argv[0],
		    strerror(e));
		return -1;
	}
	if ((e = posix_spawn_file_actions_init(&fa)) == 0) {
		if ((e = spawn_files(&fa, j, out[1], err[1])) == 0)
			e = posix_spawnp(&j->pid, j->argv[0], &fa, NULL,
			    j->argv, environ);
		posix_spawn_file_actions_destroy(&fa);
	}
	close_fd(&out[1]);
	close_fd(&err[1]);
	if (e != 0) {
		close_fd(&out[0]);
		close_fd(&err[0]);
		j->pid = -1;
		sb_addf(&j->held, "cannot run %s: %s\n", j->argv[0],
		    strerror(e));
		return -1;
	}
	(void)fcntl(out[0], F_SETFL, O_NONBLOCK);
	(void)fcntl(err[0], F_SETFL, O_NONBLOCK);
	j->fd[0] = out[0];
	j->fd[1] = err[0];
	j->deadline = now_ms() + j->timeout_ms;
	return 0;
}

/* Hands on what it wrote, up to its bound; 0, or -1 past the bound. */
static int
deliver(struct transport_job *j, int stream, const char *buf, size_t len)
{
	size_t room = j->max_bytes - j->bytes;

	if (len > room) {
		if (room > 0 && j->out != NULL)
			j->out(j, stream, buf, room);
		j->bytes = j->max_bytes;
		return -1;
	}
	j->bytes += len;
	if (len > 0 && j->out != NULL)
		j->out(j, stream, buf, len);
	return 0;
}

/*
 * Adds buf to before, stdout before the greeting: where what follows
 * the greeting starts in before, or NULL while it has not come.
 */
static const char *
greeting_end(struct strbuf *before, const char *buf, size_t len)
{
	static const char greeting[] = TRANSPORT_GREETING;
	size_t glen = sizeof(greeting) - 1, from;
	const char *at;

	from = before->len >= glen ? before->len - glen + 1 : 0;
	sb_add(before, buf, len);
	at = memmem(before->s + from, before->len - from, greeting, glen);
	return at != NULL ? at + glen : NULL;
}

/*
 * stdout before the greeting: kept (bounded) until the greeting shows,
 * then what follows it is handed on, and the stderr held before.
 */
static int
look_for_greeting(struct transport_job *j, const char *buf, size_t len)
{
	const char *at;
	int rc;

	if ((at = greeting_end(&j->before, buf, len)) == NULL)
		return j->before.len + j->held.len > TRANSPORT_MAX_BEFORE ?
		    -1 : 0;
	j->greeted = 1;
	rc = deliver(j, 2, j->held.s, j->held.len);
	sb_free(&j->held);
	if (rc == 0)
		rc = deliver(j, 1, at, (size_t)(j->before.s + j->before.len -
		    at));
	sb_free(&j->before);
	return rc;
}

/*
 * Reads what fd k of j holds now: 0; 1 at its end (closed); -1 past a
 * bound.
 */
static int
take(struct transport_job *j, int k)
{
	char buf[READ_SIZE];
	ssize_t n;
	int rc;

	for (;;) {
		n = read(j->fd[k], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0) {
			close_fd(&j->fd[k]);
			return 1;
		}
		if (j->greeted)
			rc = deliver(j, k + 1, buf, (size_t)n);
		else if (k == 0)
			rc = look_for_greeting(j, buf, (size_t)n);
		else {
			sb_add(&j->held, buf, (size_t)n);
			rc = j->before.len + j->held.len >
			    TRANSPORT_MAX_BEFORE ? -1 : 0;
		}
		if (rc != 0)
			return -1;
		if ((size_t)n < sizeof(buf))
			return 0;	/* all it had; poll says when more */
	}
}

/* Ends a job that did not end by itself: killed and reaped. */
static void
stop_job(struct transport_job *j, enum transport_end end)
{
	int ws;

	(void)kill(j->pid, SIGKILL);	/* our unreaped child: no other */
	while (waitpid(j->pid, &ws, 0) == -1 && errno == EINTR)
		;
	close_fd(&j->fd[0]);
	close_fd(&j->fd[1]);
	j->pid = -1;
	j->end = end;
	j->status = -1;
}

/*
 * A job whose pipes are both at their end has closed them by exiting:
 * 1 once it is reaped, 0 while it still runs.
 */
static int
exited(struct transport_job *j)
{
	int ws;
	pid_t p;

	if (j->fd[0] >= 0 || j->fd[1] >= 0 ||
	    (p = waitpid(j->pid, &ws, WNOHANG)) == 0)
		return 0;
	j->end = TRANSPORT_EXITED;
	j->status = -1;
	if (p > 0 && WIFEXITED(ws))
		j->status = WEXITSTATUS(ws);
	else if (p > 0) {
		j->end = TRANSPORT_KILLED;
		j->status = 128 + WTERMSIG(ws);
	}
	j->pid = -1;
	return 1;
}

/* The poll set of the running jobs, and how long poll may wait. */
static size_t
poll_set(struct transport_job *jobs, size_t n, struct pollfd *pfd,
    long long *wait)
{
	long long now = now_ms();
	size_t i, k, np = 0;

	*wait = -1;
	for (i = 0; i < n; i++) {
		if (jobs[i].pid <= 0)
			continue;
		for (k = 0; k < 2; k++)
			if (jobs[i].fd[k] >= 0) {
				pfd[np].fd = jobs[i].fd[k];
				pfd[np].events = POLLIN;
				pfd[np++].revents = 0;
			}
		/* Both pipes closed: it exits; look again soon. */
		if (jobs[i].fd[0] < 0 && jobs[i].fd[1] < 0)
			*wait = *wait < 0 || *wait > 5 ? 5 : *wait;
		else if (*wait < 0 || jobs[i].deadline - now < *wait)
			*wait = jobs[i].deadline > now ?
			    jobs[i].deadline - now : 0;
	}
	return np;
}

/* Reads what a running job wrote: 1 when it has ended, else 0. */
static int
progress(struct transport_job *j)
{
	size_t k;

	for (k = 0; k < 2; k++)
		if (j->fd[k] >= 0 && take(j, (int)k) < 0) {
			stop_job(j, TRANSPORT_TOO_LONG);
			return 1;
		}
	if (exited(j))
		return 1;
	if (now_ms() >= j->deadline) {
		stop_job(j, TRANSPORT_TIMED_OUT);
		return 1;
	}
	return 0;
}

void
transport_run(struct transport_job *jobs, size_t n, size_t max_at_once,
    void (*done)(struct transport_job *, void *), void *arg)
{
	struct pollfd *pfd;
	size_t next = 0, active = 0, np, i;
	long long wait;

	pfd = xcalloc(2 * n + 1, sizeof(*pfd));
	for (;;) {
		while (next < n && active < max_at_once) {
			if (spawn(&jobs[next]) == 0)
				active++;
			else if (done != NULL)
				done(&jobs[next], arg);
			next++;
		}
		if (active == 0)
			break;
		np = poll_set(jobs, next, pfd, &wait);
		(void)poll(pfd, np, (int)wait);
		for (i = 0; i < next; i++)
			if (jobs[i].pid > 0 && progress(&jobs[i])) {
				active--;
				if (done != NULL)
					done(&jobs[i], arg);
			}
	}
	free(pfd);
}

char *
transport_last_words(const struct transport_job *j)
{
	return visible_last_line(j->held.s, j->held.len);
}

/* --- a session ------------------------------------------------------------ */

/* Our child pid ended: reaped, its status kept. */
static void
session_reap(struct transport_session *s, int ws)
{
	s->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	s->pid = -1;
}

void
transport_drain(struct transport_session *s)
{
	char buf[4096];
	ssize_t n;

	while (s->err >= 0) {
		n = read(s->err, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close_fd(&s->err);
			return;
		}
		sb_add(&s->held, buf, (size_t)n);
		if (s->held.len > TRANSPORT_MAX_BEFORE)
			sb_consume(&s->held, s->held.len -
			    TRANSPORT_MAX_BEFORE);
	}
}

char *
transport_session_words(const struct transport_session *s)
{
	return visible_last_line(s->held.s, s->held.len);
}

/* Starts the program on the socket c and the pipe e: 0, or an errno. */
static int
session_spawn(struct transport_session *s, char **argv, int c, int e)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	int rc;

	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		return rc;
	if ((rc = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	/* A group of its own: a Ctrl-C meant for us does not cut it. */
	if ((rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP)) == 0 &&
	    (rc = posix_spawnattr_setpgroup(&at, 0)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, c, STDIN_FILENO)) ==
	    0 && (rc = posix_spawn_file_actions_adddup2(&fa, c,
	    STDOUT_FILENO)) == 0 && (rc = posix_spawn_file_actions_adddup2(&fa,
	    e, STDERR_FILENO)) == 0)
		rc = posix_spawnp(&s->pid, argv[0], &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/* Reads stdout until the greeting: 1 greeted, 0 not yet, -1 never. */
static int
session_greeting(struct transport_session *s, struct strbuf *before)
{
	char buf[READ_SIZE];
	const char *at;
	ssize_t n;

	for (;;) {
		n = read(s->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return -1;
		if ((at = greeting_end(before, buf, (size_t)n)) != NULL) {
			sb_add(&s->early, at, (size_t)(before->s +
			    before->len - at));
			return 1;
		}
		if (before->len > TRANSPORT_MAX_BEFORE)
			return -1;
	}
}

int
transport_open(struct transport_session *s, char **argv, long long deadline,
    struct diag *d)
{
	struct pollfd pfd[2];
	struct strbuf before;
	char *words;
	int sv[2], e[2], rc = 0, ws;

	memset(s, 0, sizeof(*s));
	s->pid = -1;
	s->fd = s->err = -1;
	sb_init(&s->held);
	sb_init(&s->early);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		diag_error(d, "cannot run %s: socketpair: %s", argv[0],
		    strerror(errno));
		return -1;
	}
	if (pipe2(e, O_CLOEXEC) != 0) {
		diag_error(d, "cannot run %s: pipe: %s", argv[0],
		    strerror(errno));
		(void)close(sv[0]);
		(void)close(sv[1]);
		return -1;
	}
	rc = session_spawn(s, argv, sv[1], e[1]);
	(void)close(sv[1]);
	(void)close(e[1]);
	s->fd = sv[0];
	s->err = e[0];
	if (rc != 0) {
		s->pid = -1;
		diag_error(d, "cannot run %s: %s", argv[0], strerror(rc));
		return -1;
	}
	(void)fcntl(s->fd, F_SETFL, O_NONBLOCK);
	(void)fcntl(s->err, F_SETFL, O_NONBLOCK);
	sb_init(&before);
	while ((rc = session_greeting(s, &before)) == 0 && now_ms() < deadline) {
		pfd[0].fd = s->fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = s->err;
		pfd[1].events = POLLIN;
		(void)poll(pfd, 2, (int)(deadline - now_ms()));
		transport_drain(s);
	}
	sb_free(&before);
	if (rc == 1)
		return 0;
	transport_drain(s);
	(void)kill(s->pid, SIGKILL);	/* our unreaped child: no other */
	while (waitpid(s->pid, &ws, 0) == -1 && errno == EINTR)
		;
	session_reap(s, ws);
	words = transport_session_words(s);
	diag_error(d, "%s", words != NULL ? words : rc == 0 ? "no answer in "
	    "time" : "no qemu-init answered there");
	free(words);
	return -1;
}

void
transport_close(struct transport_session *s, int wait_ms)
{
	long long deadline = now_ms() + wait_ms;
	pid_t p;
	int ws;

	close_fd(&s->fd);
	while (s->pid > 0) {
		transport_drain(s);
		p = waitpid(s->pid, &ws, WNOHANG);
		if (p == s->pid) {
			session_reap(s, ws);
			break;
		}
		if (now_ms() >= deadline) {
			(void)kill(s->pid, SIGKILL);
			while (waitpid(s->pid, &ws, 0) == -1 && errno == EINTR)
				;
			session_reap(s, ws);
			break;
		}
		(void)poll(NULL, 0, 20);
	}
	transport_drain(s);
	close_fd(&s->err);
	sb_free(&s->held);
	sb_free(&s->early);
}
