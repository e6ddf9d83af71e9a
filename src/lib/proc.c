/*
 * proc.c - running programs without a shell: fork, exec, capture, wait.
 *
 * The one thing that needs care is the end.  QEMU started with -daemonize
 * exits in its first process once the VM is up, but the daemon it leaves
 * behind may keep our pipes open for as long as the VM runs, so end of
 * file on the pipes can never be what we wait for.  We wait for the child
 * itself (a pidfd in the poll set where the kernel has them, a short tick
 * otherwise), then take what the pipes hold at that moment and stop.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "proc.h"
#include "sock.h"
#include "cfg.h"
#include "paths.h"

extern char **environ;

/* Without a pidfd, how often we look whether the child has exited. */
#define EXIT_TICK_MS	20
/* After the child has exited, at most this much more output per stream. */
#define DRAIN_MAX	(1024 * 1024)

struct stream {
	int		 fd;	/* our (non-blocking) read end, or -1 */
	struct strbuf	*sb;
	/* Given what comes as it comes, instead of sb, unless NULL. */
	void		(*watch)(const char *, size_t, void *);
	void		*arg;
};

struct run {
	pid_t		 pid;
	int		 pidfd;		/* -1 where the kernel has none */
	int		 exited;
	int		 wstatus;
	int		 wait_errno;	/* waitpid failed with this */
	struct stream	 s[2];		/* stdout, stderr */
};

static void
closefd(int *fd)
{
	/* Only read ends and unused write ends: nothing to lose on error. */
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

/* A wait status as proc_run gives it: the exit status, or 128 + signal. */
static int
exit_status(int ws)
{
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : WIFSIGNALED(ws) ?
	    128 + WTERMSIG(ws) : 128;
}

static size_t
name_len(const char *kv)
{
	return strcspn(kv, "=");
}

static int
overridden(const char *kv, char *const extra[])
{
	size_t i, n = name_len(kv);

	for (i = 0; extra != NULL && extra[i] != NULL; i++)
		if (name_len(extra[i]) == n && strncmp(kv, extra[i], n) == 0)
			return 1;
	return 0;
}

/* Whether kv ("NAME=value") is one of keep's names; NULL keeps all. */
static int
kept(const char *kv, const char *const keep[])
{
	size_t i, n = name_len(kv);

	for (i = 0; keep != NULL && keep[i] != NULL; i++)
		if (strlen(keep[i]) == n && strncmp(kv, keep[i], n) == 0)
			return 1;
	return keep == NULL;
}

/*
 * environ (the part keep names; NULL: all of it) with extra added; the
 * strings are shared, free only the array.
 */
static char **
env_merge(char *const extra[], const char *const keep[], struct diag *d)
{
	size_t i, n = 0, nextra = 0;
	char **env;

	for (; extra != NULL && extra[nextra] != NULL; nextra++) {
		i = name_len(extra[nextra]);
		if (i == 0 || extra[nextra][i] != '=') {
			diag_error(d, "bad environment entry '%s' "
			    "(expected NAME=value)", extra[nextra]);
			return NULL;
		}
	}
	for (i = 0; environ != NULL && environ[i] != NULL; i++)
		n++;
	env = xreallocarray(NULL, n + nextra + 1, sizeof(*env));
	n = 0;
	for (i = 0; environ != NULL && environ[i] != NULL; i++)
		if (!overridden(environ[i], extra) && kept(environ[i], keep))
			env[n++] = environ[i];
	for (i = 0; i < nextra; i++)
		env[n++] = extra[i];
	env[n] = NULL;
	return env;
}

static void
report_exec_error(int fd, int e)
{
	/* The parent reads this; if the write fails it sees plain exit 127. */
	if (write(fd, &e, sizeof(e)) != (ssize_t)sizeof(e))
		return;
}

/*
 * In the child.  Every pipe end was made close-on-exec; moving the ones
 * we keep above 2 first means no dup2 below can overwrite another, even
 * when the caller started with 0, 1 or 2 closed.
 */
static void __attribute__((noreturn))
child_exec(char *const argv[], char **envp, int outw, int errw, int failw)
{
	sigset_t none;

	if ((failw = fcntl(failw, F_DUPFD_CLOEXEC, 3)) == -1)
		_exit(127);
	if ((outw >= 0 && (outw = fcntl(outw, F_DUPFD_CLOEXEC, 3)) == -1) ||
	    (errw >= 0 && (errw = fcntl(errw, F_DUPFD_CLOEXEC, 3)) == -1) ||
	    (outw >= 0 && dup2(outw, STDOUT_FILENO) == -1) ||
	    (errw >= 0 && dup2(errw, STDERR_FILENO) == -1)) {
		report_exec_error(failw, errno);
		_exit(127);
	}
	/* A signal mask or an ignored SIGPIPE of ours is not the program's. */
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) == -1 ||
	    signal(SIGPIPE, SIG_DFL) == SIG_ERR) {
		report_exec_error(failw, errno);
		_exit(127);
	}
	execvpe(argv[0], argv, envp);
	report_exec_error(failw, errno);
	_exit(127);
}

/* A close-on-exec pipe; its read end p[0] does not block if asked. */
static int
open_pipe(int p[2], int nonblock)
{
	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	if (nonblock && fcntl(p[0], F_SETFL, O_NONBLOCK) == -1) {
		closefd(&p[0]);
		closefd(&p[1]);
		return -1;
	}
	return 0;
}

/* What the child reported on the close-on-exec pipe: 0 when exec worked. */
static int
exec_errno(int fd)
{
	ssize_t n;
	int e;

	do
		n = read(fd, &e, sizeof(e));
	while (n == -1 && errno == EINTR);
	return n == (ssize_t)sizeof(e) ? e : 0;
}

static void
wait_child(struct run *r, int flags)
{
	pid_t p;

	do
		p = waitpid(r->pid, &r->wstatus, flags);
	while (p == -1 && errno == EINTR);
	if (p == r->pid)
		r->exited = 1;
	else if (p == -1) {
		r->wait_errno = errno;
		r->exited = 1;
	}
}

int
proc_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	/* Linux only; pidfds are always close-on-exec. */
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

/* Forks and execs; 0 once the program runs, -1 (and reaped) if not. */
static int
start(struct run *r, char *const argv[], char **envp, struct diag *d)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, failp[2] = { -1, -1 };
	int rc = -1, e;

	if (open_pipe(failp, 0) == -1 ||
	    (r->s[0].sb != NULL && open_pipe(outp, 1) == -1) ||
	    (r->s[1].sb != NULL && open_pipe(errp, 1) == -1))
		diag_error(d, "cannot run %s: pipe: %s", argv[0],
		    strerror(errno));
	else if ((r->pid = fork()) == -1)
		diag_error(d, "cannot run %s: fork: %s", argv[0],
		    strerror(errno));
	else if (r->pid == 0)
		child_exec(argv, envp, outp[1], errp[1], failp[1]);
	else
		rc = 0;
	closefd(&outp[1]);
	closefd(&errp[1]);
	closefd(&failp[1]);
	if (rc == 0 && (e = exec_errno(failp[0])) != 0) {
		diag_error(d, "cannot run %s: %s", argv[0], strerror(e));
		wait_child(r, 0);
		rc = -1;
	}
	closefd(&failp[0]);
	if (rc != 0) {
		closefd(&outp[0]);
		closefd(&errp[0]);
	}
	r->s[0].fd = outp[0];
	r->s[1].fd = errp[0];
	return rc;
}

/* One read: >0 bytes taken, 0 at end of file (closed), -1 nothing now. */
static ssize_t
read_once(struct stream *s)
{
	char buf[4096];
	ssize_t n;

	if (s->fd < 0)
		return 0;
	n = read(s->fd, buf, sizeof(buf));
	if (n > 0 && s->watch != NULL) {
		s->watch(buf, (size_t)n, s->arg);
		return n;
	}
	if (n > 0) {
		sb_add(s->sb, buf, (size_t)n);
		return n;
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return -1;
	closefd(&s->fd);
	return 0;
}

/*
 * After the child exited: what is in the pipe now, bounded, because a
 * process it left behind may hold the pipe open and keep writing.
 */
static void
drain(struct stream *s)
{
	size_t got = 0;
	ssize_t n;

	while (got < DRAIN_MAX && (n = read_once(s)) > 0)
		got += (size_t)n;
	closefd(&s->fd);
}

static void
nap(void)
{
	struct timespec ts = { 0, EXIT_TICK_MS * 1000000L };

	/* Woken early by a signal: we only look again sooner. */
	(void)nanosleep(&ts, NULL);
}

/* Reads both pipes until the child has exited, then drains them. */
static void
collect(struct run *r)
{
	struct pollfd pfd[3];
	nfds_t n;
	int i;

	while (!r->exited && (r->s[0].fd >= 0 || r->s[1].fd >= 0)) {
		n = 0;
		for (i = 0; i < 2; i++) {
			if (r->s[i].fd < 0)
				continue;
			pfd[n].fd = r->s[i].fd;
			pfd[n++].events = POLLIN;
		}
		if (r->pidfd >= 0) {
			pfd[n].fd = r->pidfd;
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, n, r->pidfd >= 0 ? -1 : EXIT_TICK_MS) == -1 &&
		    errno != EINTR)
			nap();
		/* Reads never block, so trying both costs nothing. */
		for (i = 0; i < 2; i++)
			(void)read_once(&r->s[i]);
		wait_child(r, WNOHANG);
	}
	if (!r->exited)
		wait_child(r, 0);
	drain(&r->s[0]);
	drain(&r->s[1]);
}

/* proc_run of r, its streams set up. */
static int
run(struct run *r, char *const argv[], char *const env_extra[],
    int *status, struct diag *d)
{
	char **envp;
	int rc;

	if (argv == NULL || argv[0] == NULL || argv[0][0] == '\0') {
		diag_error(d, "cannot run an empty command");
		return -1;
	}
	r->pidfd = -1;
	r->s[0].fd = r->s[1].fd = -1;
	if ((envp = env_merge(env_extra, NULL, d)) == NULL)
		return -1;
	rc = start(r, argv, envp, d);
	free(envp);
	if (rc != 0)
		return -1;
	r->pidfd = proc_pidfd(r->pid);
	collect(r);
	closefd(&r->pidfd);
	if (r->wait_errno != 0) {
		diag_error(d, "cannot wait for %s: %s", argv[0],
		    strerror(r->wait_errno));
		return -1;
	}
	if (WIFEXITED(r->wstatus))
		*status = WEXITSTATUS(r->wstatus);
	else if (WIFSIGNALED(r->wstatus))
		*status = 128 + WTERMSIG(r->wstatus);
	else
		*status = 128;
	return 0;
}

int
proc_run(char *const argv[], char *const env_extra[], struct strbuf *out,
    struct strbuf *err, int *status, struct diag *d)
{
	struct run r;

	memset(&r, 0, sizeof(r));
	r.s[0].sb = out;
	r.s[1].sb = err;
	/* sb->s stays NULL until something is added: callers read "". */
	if (out != NULL)
		sb_add(out, "", 0);
	if (err != NULL)
		sb_add(err, "", 0);
	return run(&r, argv, env_extra, status, d);
}

int
proc_run_watch(char *const argv[], void (*watch)(const char *, size_t,
    void *), void *arg, struct strbuf *err, int *status, struct diag *d)
{
	struct strbuf unused;
	struct run r;
	int rc;

	memset(&r, 0, sizeof(r));
	sb_init(&unused);
	r.s[0].sb = &unused;	/* a pipe, read by watch */
	r.s[0].watch = watch;
	r.s[0].arg = arg;
	r.s[1].sb = err;
	if (err != NULL)
		sb_add(err, "", 0);
	rc = run(&r, argv, NULL, status, d);
	sb_free(&unused);
	return rc;
}

/* What the child of proc_spawn reports when it cannot run the program. */
struct spawn_failure {
	int	 stage;		/* SPAWN_ */
	int	 error;		/* errno */
};

enum {
	SPAWN_FDS, SPAWN_SESSION, SPAWN_SIGNALS, SPAWN_BECOME, SPAWN_EXEC
};

static void __attribute__((noreturn))
spawn_fail(int failw, int stage)
{
	struct spawn_failure f = { stage, errno };

	if (write(failw, &f, sizeof(f)) != (ssize_t)sizeof(f))
		_exit(127);
	_exit(127);
}

/* Every descriptor from lo up close-on-exec: ours stay ours. */
static int
cloexec_from(int lo)
{
	struct rlimit rl;
	int fd, max = 65536;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lo, ~0U, 4 /* CLOEXEC */) == 0)
		return 0;
#endif
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)max)
		max = (int)rl.rlim_cur;
	for (fd = lo; fd < max; fd++)
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	return 0;
}

/*
 * In the child: the descriptors where the program expects them.  tmp
 * has room for one int a descriptor (allocated before the fork).
 */
static int
place_fds(const struct proc_spawn *how, int errw, int *failw, int *tmp)
{
	int high = how->base + (int)how->nfds, nul, i;

	/* All above every target first, so that no dup2 hits another. */
	if ((*failw = fcntl(*failw, F_DUPFD_CLOEXEC, high)) < 0 ||
	    (errw = fcntl(errw, F_DUPFD_CLOEXEC, high)) < 0)
		return -1;
	for (i = 0; i < (int)how->nfds; i++)
		if ((tmp[i] = fcntl(how->fds[i], F_DUPFD_CLOEXEC, high)) < 0)
			return -1;
	for (i = 0; i < (int)how->nfds; i++)
		if (dup2(tmp[i], how->base + i) < 0)
			return -1;
	if ((nul = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 ||
	    dup2(nul, STDIN_FILENO) < 0 || dup2(nul, STDOUT_FILENO) < 0 ||
	    dup2(errw, STDERR_FILENO) < 0)
		return -1;
	for (i = STDERR_FILENO + 1; i < how->base; i++)
		(void)close(i);
	return cloexec_from(high);
}

static void __attribute__((noreturn))
spawn_child(const char *prog, char *const argv[], char **envp,
    const struct proc_spawn *how, int errw, int failw, int *tmp)
{
	struct sigaction sa;
	sigset_t none;
	int sig;

	if (place_fds(how, errw, &failw, tmp) != 0)
		spawn_fail(failw, SPAWN_FDS);
	if (setsid() < 0)
		spawn_fail(failw, SPAWN_SESSION);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);	/* KILL, STOP: EINVAL */
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) != 0)
		spawn_fail(failw, SPAWN_SIGNALS);
	if (chdir("/") != 0 ||
	    (how->become != NULL && how->become(how->become_arg) != 0))
		spawn_fail(failw, SPAWN_BECOME);
	execve(prog, argv, envp);
	spawn_fail(failw, SPAWN_EXEC);
}

/* Closes every descriptor from first to last (first <= last). */
static void
close_span(int first, int last)
{
	int fd;

	if (first > last)
		return;
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)first, (unsigned)last, 0) == 0)
		return;
#endif
	for (fd = first; fd <= last && fd < 65536; fd++)
		(void)close(fd);
}

/*
 * The keeper (struct proc_keeper): starts the program as proc_spawn's
 * child would be, then keeps nothing of ours open but release (read) and
 * tell (write: the program's pid, then its wait status), and reaps it,
 * until it exits or we let go (end of file on release).
 */
static void __attribute__((noreturn))
keeper(const char *prog, char *const argv[], char **envp,
    const struct proc_spawn *how, int errw, int failw, int *tmp, int tell,
    int release)
{
	struct sigaction sa;
	struct pollfd pfd[2];
	int sig, ws, fd, lo, hi;
	pid_t child, p;
	nfds_t n;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);	/* not our handlers */
	if ((child = fork()) == 0)
		spawn_child(prog, argv, envp, how, errw, failw, tmp);
	/* Not our locks, nor the program's files: only the two pipes. */
	lo = tell < release ? tell : release;
	hi = tell < release ? release : tell;
	close_span(STDERR_FILENO + 1, lo - 1);
	close_span(lo + 1, hi - 1);
	close_span(hi + 1, INT_MAX);
	if (write(tell, &child, sizeof(child)) != (ssize_t)sizeof(child) ||
	    child < 0)
		_exit(1);
	fd = proc_pidfd(child);
	for (;;) {
		do
			p = waitpid(child, &ws, WNOHANG);
		while (p < 0 && errno == EINTR);
		if (p == child) {
			if (write(tell, &ws, sizeof(ws)) != (ssize_t)sizeof(ws))
				_exit(1);
			_exit(0);
		}
		if (p < 0)
			_exit(1);
		n = 0;
		pfd[n].fd = release;
		pfd[n++].events = POLLIN;
		if (fd >= 0) {
			pfd[n].fd = fd;
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, n, fd >= 0 ? -1 : EXIT_TICK_MS) > 0 &&
		    pfd[0].revents != 0)
			_exit(0);	/* let go: the program is init's */
	}
}

/*
 * The keeper's start, in the caller: its pipes' ends kept in k, and the
 * program's pid in *pid; 0, or -1 (errno set) with the keeper reaped.
 */
static int
keeper_started(struct proc_keeper *k, int tell[2], int release[2],
    pid_t *pid)
{
	ssize_t n;

	closefd(&tell[1]);
	closefd(&release[0]);
	k->status_fd = tell[0];
	k->release_fd = release[1];
	tell[0] = release[1] = -1;
	do
		n = read(k->status_fd, pid, sizeof(*pid));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(*pid) && *pid > 0 &&
	    fcntl(k->status_fd, F_SETFL, O_NONBLOCK) == 0)
		return 0;
	proc_kept_release(k);
	*pid = -1;
	errno = EAGAIN;
	return -1;
}

int
proc_spawn(char *const argv[], char *const env_extra[],
    const struct proc_spawn *how, pid_t *pid, int *err, struct diag *d)
{
	static const char *const stage[] = {
		[SPAWN_FDS] = "its descriptors: ",
		[SPAWN_SESSION] = "its session: ",
		[SPAWN_SIGNALS] = "its signals: ",
		[SPAWN_BECOME] = "its user: ",
		[SPAWN_EXEC] = ""
	};
	struct spawn_failure f;
	struct proc_keeper *k = how->keeper;
	int errp[2] = { -1, -1 }, failp[2] = { -1, -1 };
	int tell[2] = { -1, -1 }, release[2] = { -1, -1 };
	char **envp, *prog;
	pid_t forked;
	ssize_t n;
	int st, *tmp, e;

	*pid = -1;
	*err = -1;
	if (k != NULL) {
		k->pid = -1;
		k->status_fd = k->release_fd = -1;
	}
	/* Found as we are: the user it runs as may not search our PATH. */
	if ((e = proc_find_program(argv[0], &prog)) != 0) {
		diag_error(d, "cannot run %s: %s", argv[0], strerror(e));
		return -1;
	}
	if ((envp = env_merge(env_extra, how->env_keep, d)) == NULL) {
		free(prog);
		return -1;
	}
	if ((how->log_fd > STDERR_FILENO ? (errp[1] = fcntl(how->log_fd,
	    F_DUPFD_CLOEXEC, STDERR_FILENO + 1)) < 0 : open_pipe(errp, 1) !=
	    0) || open_pipe(failp, 0) != 0 || (k != NULL &&
	    (open_pipe(tell, 0) != 0 || open_pipe(release, 0) != 0))) {
		diag_error(d, "cannot run %s: pipe: %s", argv[0],
		    strerror(errno));
		closefd(&errp[0]);
		closefd(&errp[1]);
		closefd(&failp[0]);
		closefd(&failp[1]);
		closefd(&tell[0]);
		closefd(&tell[1]);
		closefd(&release[0]);
		free(envp);
		free(prog);
		return -1;
	}
	tmp = xcalloc(how->nfds + 1, sizeof(*tmp));
	if ((forked = fork()) == 0) {
		if (k != NULL)
			keeper(prog, argv, envp, how, errp[1], failp[1], tmp,
			    tell[1], release[0]);
		spawn_child(prog, argv, envp, how, errp[1], failp[1], tmp);
	}
	free(tmp);
	free(envp);
	free(prog);
	closefd(&errp[1]);
	closefd(&failp[1]);
	if (forked > 0 && k != NULL) {
		k->pid = forked;
		if (keeper_started(k, tell, release, &forked) != 0)
			forked = -1;
	}
	closefd(&tell[1]);
	closefd(&release[0]);
	if (forked < 0) {
		diag_error(d, "cannot run %s: fork: %s", argv[0],
		    strerror(errno));
		closefd(&tell[0]);
		closefd(&release[1]);
		closefd(&errp[0]);
		closefd(&failp[0]);
		return -1;
	}
	*pid = forked;
	do
		n = read(failp[0], &f, sizeof(f));
	while (n < 0 && errno == EINTR);
	closefd(&failp[0]);
	if (n == (ssize_t)sizeof(f)) {
		diag_error(d, "cannot run %s: %s%s", argv[0], stage[f.stage],
		    strerror(f.error));
		if (k != NULL) {
			(void)proc_kept_reap(k, &st, 1);
			proc_kept_release(k);
		} else
			while (waitpid(*pid, &st, 0) < 0 && errno == EINTR)
				;
		closefd(&errp[0]);
		*pid = -1;
		return -1;
	}
	*err = errp[0];
	return 0;
}

int
proc_reap(pid_t pid, int *status)
{
	pid_t p;
	int ws;

	do
		p = waitpid(pid, &ws, WNOHANG);
	while (p < 0 && errno == EINTR);
	if (p < 0)
		return -1;
	if (p == 0)
		return 0;
	*status = exit_status(ws);
	return 1;
}

int
proc_kept_reap(struct proc_keeper *k, int *status, int block)
{
	struct pollfd pfd;
	ssize_t n;
	int ws;

	if (k->pid <= 0 || k->status_fd < 0)
		return -1;
	for (;;) {
		n = read(k->status_fd, &ws, sizeof(ws));
		if (n == (ssize_t)sizeof(ws)) {
			*status = exit_status(ws);
			return 1;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n >= 0 || errno != EAGAIN)
			return -1;	/* the keeper is gone: not known */
		if (!block)
			return 0;
		pfd.fd = k->status_fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return -1;
	}
}

void
proc_kept_release(struct proc_keeper *k)
{
	int ws;

	if (k->pid <= 0)
		return;
	closefd(&k->release_fd);
	while (waitpid(k->pid, &ws, 0) < 0 && errno == EINTR)
		;
	closefd(&k->status_fd);
	k->pid = -1;
}

/* 0 when path is a regular file we may run, else an errno value. */
static int
executable(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return errno;
	if (!S_ISREG(st.st_mode) || access(path, X_OK) != 0)
		return EACCES;
	return 0;
}

int
proc_find_program(const char *name, char **found)
{
	const char *path = getenv("PATH"), *p, *end;
	char *dir, *candidate;
	int e, err = ENOENT;

	*found = NULL;
	if (strchr(name, '/') != NULL) {
		if ((e = executable(name)) == 0)
			*found = xstrdup(name);
		return e;
	}
	if (path == NULL)
		path = "/bin:/usr/bin";		/* glibc's default */
	for (p = path;; p = end + 1) {
		end = strchrnul(p, ':');
		dir = end == p ? xstrdup(".") : xstrndup(p, (size_t)(end - p));
		candidate = path_join(dir, name);
		free(dir);
		if ((e = executable(candidate)) == 0) {
			*found = candidate;
			return 0;
		}
		free(candidate);
		if (e == EACCES)
			err = EACCES;
		if (*end == '\0')
			return err;
	}
}

const char *
proc_find_ip(void)
{
	static const char *const where[] = {
		"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip", NULL
	};
	size_t i;

	for (i = 0; where[i] != NULL; i++)
		if (access(where[i], X_OK) == 0)
			return where[i];
	return NULL;
}

/*
 * Linux: /proc/PID/stat.  The state is the first field after the
 * command name in parentheses (which may itself hold ") "), the start
 * time the 20th after it (field 22 of the line).  -1 when the process
 * is gone or is a zombie (it has exited, only not yet been reaped).
 */
static int
stat_start(pid_t pid, unsigned long long *start)
{
	char path[64], buf[1024], *p, *end;
	ssize_t n;
	int fd, field;

	(void)snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ' ||
	    p[2] == 'Z' || p[2] == 'X')
		return -1;
	for (p += 2, field = 3; field < 22; field++) {
		if ((p = strchr(p, ' ')) == NULL)
			return -1;
		p++;
	}
	errno = 0;
	*start = strtoull(p, &end, 10);
	return errno == 0 && end != p && *end == ' ' ? 0 : -1;
}

int
proc_identify(pid_t pid, struct proc_id *id)
{
	id->pid = pid;
	id->start = 0;
	if (pid < 2)
		return -1;
	return stat_start(pid, &id->start);
}

int
proc_cmdline(pid_t pid, struct strvec *av)
{
	struct strbuf sb;
	char path[64], buf[4096];
	ssize_t n;
	int fd;

	(void)snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	sb_init(&sb);
	while ((n = read(fd, buf, sizeof(buf))) > 0 &&
	    sb.len + (size_t)n <= PROC_CMDLINE_MAX)
		sb_add(&sb, buf, (size_t)n);
	(void)close(fd);
	/* Read whole, and as the kernel keeps it: words ended by NULs. */
	if (n != 0 || sb.len == 0 || sv_push_nul_ended(av, sb.s,
	    sb.len) != 0) {
		sb_free(&sb);
		return -1;
	}
	sb_free(&sb);
	return 0;
}

int
proc_alive(const struct proc_id *id)
{
	unsigned long long start;

	return id->pid > 1 && stat_start(id->pid, &start) == 0 &&
	    start == id->start;
}

/*
 * A pidfd for the process id names, or -1 with errno ESRCH when that
 * process is gone (its pid may be another's by now).  The pidfd is
 * opened first and the start time checked after: the process it names
 * cannot be a newer one that took the pid, since ours started before.
 */
static int
pidfd_of(const struct proc_id *id)
{
	int fd;

	if (id->pid < 2) {
		errno = ESRCH;
		return -1;
	}
	fd = proc_pidfd(id->pid);
	if (!proc_alive(id)) {
		if (fd >= 0)
			(void)close(fd);
		errno = ESRCH;
		return -1;
	}
	return fd;
}

int
proc_signal(const struct proc_id *id, int sig)
{
	int fd, rc;

	if ((fd = pidfd_of(id)) < 0) {
		if (errno == ESRCH)
			return 1;
		/* No pidfds: the start time was checked just now. */
		if (kill(id->pid, sig) == 0)
			return 0;
		return errno == ESRCH ? 1 : -1;
	}
#ifdef SYS_pidfd_send_signal
	rc = (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
#else
	rc = kill(id->pid, sig);
#endif
	if (rc != 0)
		rc = errno == ESRCH ? 1 : -1;
	(void)close(fd);
	return rc;
}

int
proc_wait_exit(const struct proc_id *id, long long deadline)
{
	struct pollfd pfd;
	long long left;
	int fd, rc;

	if ((fd = pidfd_of(id)) < 0) {
		if (errno == ESRCH)
			return 1;
		/* No pidfds (old kernel): look every EXIT_TICK_MS. */
		while (proc_alive(id)) {
			if (now_ms() >= deadline)
				return 0;
			nap();
		}
		return 1;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		left = deadline - now_ms();
		rc = poll(&pfd, 1, left <= 0 ? 0 : left > INT_MAX ? INT_MAX :
		    (int)left);
		if (rc > 0 || (rc == 0 && left <= 0) ||
		    (rc < 0 && errno != EINTR))
			break;
	}
	(void)close(fd);
	return rc > 0 || !proc_alive(id);
}

/* The ip netns name of the namespace st is, NULL when there is none. */
static char *
netns_name(const struct stat *ns)
{
	struct dirent *e;
	struct stat st;
	char *path, *name = NULL;
	DIR *dir;
	int n = 0;

	if ((dir = opendir("/run/netns")) == NULL)
		return NULL;
	while (name == NULL && n++ < PROC_NETNS_SCAN &&
	    (e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		path = xasprintf("/run/netns/%s", e->d_name);
		if (stat(path, &st) == 0 && st.st_dev == ns->st_dev &&
		    st.st_ino == ns->st_ino)
			name = xstrdup(e->d_name);
		free(path);
	}
	(void)closedir(dir);
	return name;
}

int
proc_other_netns(const struct proc_id *id, char **name)
{
	struct stat ours, theirs;
	char *path;
	int rc;

	*name = NULL;
	path = xasprintf("/proc/%ld/ns/net", (long)id->pid);
	rc = stat("/proc/self/ns/net", &ours) == 0 &&
	    stat(path, &theirs) == 0 && proc_alive(id) ? 0 : -1;
	free(path);
	if (rc != 0 || (ours.st_dev == theirs.st_dev &&
	    ours.st_ino == theirs.st_ino))
		return rc;
	*name = netns_name(&theirs);
	return 1;
}
