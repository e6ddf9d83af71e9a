/*
 * parallel.c - children with held-back output.
 *
 * Each child's stdout and stderr go to two anonymous files (memfd) made
 * before the fork; the parent copies them out once the child is reaped
 * and every child before it has been shown.
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "parallel.h"
#include "sock.h"

#define TICK_MS	5

struct child {
	pid_t	 pid;		/* 0: not started; -1: reaped */
	int	 out, err;	/* the held-back output */
	int	 status;
};

/* Copies an anonymous file to fd from its start, then closes it. */
static void
replay(int from, int to)
{
	char buf[8192];
	ssize_t n;

	if (from < 0)
		return;
	if (lseek(from, 0, SEEK_SET) == 0)
		while ((n = read(from, buf, sizeof(buf))) > 0)
			if (write(to, buf, (size_t)n) != n)
				break;
	(void)close(from);
}

static int
start_child(struct child *c, size_t i, int (*fn)(size_t, void *), void *arg)
{
	c->out = memfd_create("qemu-init-out", MFD_CLOEXEC);
	c->err = memfd_create("qemu-init-err", MFD_CLOEXEC);
	(void)fflush(stdout);
	(void)fflush(stderr);
	if (c->out < 0 || c->err < 0 || (c->pid = fork()) < 0) {
		fprintf(stderr, "parallel: cannot start: %s\n",
		    strerror(errno));
		c->pid = -1;
		c->status = 1;
		return -1;
	}
	if (c->pid == 0) {
		if (dup2(c->out, STDOUT_FILENO) < 0 ||
		    dup2(c->err, STDERR_FILENO) < 0)
			_exit(1);
		_exit(fn(i, arg) | (fflush(stdout) != 0));
	}
	return 0;
}

int
parallel_run(size_t n, int (*fn)(size_t, void *), void *arg, size_t max,
    const long long *start_at)
{
	struct timespec tick = { 0, TICK_MS * 1000 * 1000 };
	struct child *c;
	size_t shown = 0, running = 0, i;
	int status, worst = 0;
	pid_t pid;

	if (max == 0)
		max = 1;
	c = xcalloc(n + 1, sizeof(*c));
	for (i = 0; i < n; i++)
		c[i].out = c[i].err = -1;
	(void)fflush(stdout);
	for (i = 0; i < n; i++)
		c[i].pid = 0;
	while (shown < n) {
		/* Whichever is due, not only the next in order. */
		for (i = 0; i < n && running < max; i++)
			if (c[i].pid == 0 && c[i].status == 0 &&
			    (start_at == NULL || start_at[i] <= now_ms()) &&
			    start_child(&c[i], i, fn, arg) == 0)
				running++;
		while (running > 0 && (pid = waitpid(-1, &status,
		    WNOHANG)) > 0) {
			for (i = 0; i < n; i++)
				if (c[i].pid == pid)
					break;
			if (i == n)
				continue;	/* not one of ours */
			c[i].pid = -1;
			c[i].status = WIFEXITED(status) ? WEXITSTATUS(status) :
			    WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
			running--;
		}
		while (shown < n && c[shown].pid == -1) {
			(void)fflush(stdout);
			replay(c[shown].err, STDERR_FILENO);
			replay(c[shown].out, STDOUT_FILENO);
			if (c[shown].status > worst)
				worst = c[shown].status;
			shown++;
		}
		if (shown < n)
			nanosleep(&tick, NULL);
	}
	free(c);
	return worst;
}
