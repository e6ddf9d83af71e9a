/*
 * relay.c - terminal <-> socket relay.
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "relay.h"
#include "sock.h"

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	got_signal = sig;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copies what is readable on from to to; 0 on EOF, -1 on error. */
static ssize_t
pass(int from, int to, int tty, int *escaped)
{
	char buf[4096], *esc;
	ssize_t n;

	n = read(from, buf, sizeof(buf));
	if (n <= 0)
		return n < 0 && (errno == EINTR || errno == EAGAIN) ? 1 : n;
	if (tty && (esc = memchr(buf, RELAY_ESCAPE, (size_t)n)) != NULL) {
		*escaped = 1;
		n = esc - buf;
	}
	if (n > 0 && write_all(to, buf, (size_t)n) != 0)
		return -1;
	return *escaped ? 0 : 1;
}

static enum relay_end
loop(int fd, int tty, enum relay_eof eof, sigset_t *waitmask,
    struct diag *d)
{
	struct timespec ts, *timeout = NULL;
	struct pollfd pfd[2];
	long long quiet_ms = 0, end = 0, left;
	int escaped = 0, rc;
	ssize_t n;

	pfd[0].fd = STDIN_FILENO;
	pfd[0].events = POLLIN;
	pfd[1].fd = fd;
	pfd[1].events = POLLIN;
	for (;;) {
		/* After stdin's end: quiet for quiet_ms, or the end. */
		if (timeout != NULL) {
			if ((left = end - now_ms()) <= 0)
				return RELAY_INPUT_CLOSED;
			if (left > quiet_ms)
				left = quiet_ms;
			ts.tv_sec = left / 1000;
			ts.tv_nsec = left % 1000 * 1000000L;
		}
		if ((rc = ppoll(pfd, 2, timeout, waitmask)) == 0)
			return RELAY_INPUT_CLOSED;
		if (rc < 0) {
			if (errno == EINTR && got_signal)
				return RELAY_SIGNALLED;
			if (errno == EINTR)
				continue;
			diag_error(d, "poll: %s", strerror(errno));
			return RELAY_ERROR;
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = pass(fd, STDOUT_FILENO, 0, &escaped);
			if (n == 0)
				return RELAY_PEER_CLOSED;
			if (n < 0 && errno == EPIPE) {
				/* Whoever read stdout left (| head). */
				got_signal = SIGPIPE;
				return RELAY_SIGNALLED;
			}
			if (n < 0) {
				diag_error(d, "relay: %s", strerror(errno));
				return RELAY_ERROR;
			}
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = pass(STDIN_FILENO, fd, tty, &escaped);
			if (escaped)
				return RELAY_ESCAPED;
			if (n == 0 && !tty && (eof == RELAY_LINGER ||
			    shutdown(fd, SHUT_WR) == 0)) {
				/* Let the replies to what was sent come. */
				pfd[0].fd = -1;
				quiet_ms = eof == RELAY_LINGER ?
				    RELAY_LINGER_MS : RELAY_DRAIN_SECONDS * 1000LL;
				end = now_ms() + RELAY_AFTER_EOF_MS;
				timeout = &ts;
				continue;
			}
			if (n == 0)
				return RELAY_INPUT_CLOSED;
			if (n < 0 && errno == EPIPE)
				return RELAY_PEER_CLOSED;
			if (n < 0) {
				diag_error(d, "relay: %s", strerror(errno));
				return RELAY_ERROR;
			}
		}
	}
}

int
relay_signal(void)
{
	return got_signal;
}

enum relay_end
relay_run(int fd, enum relay_eof eof, struct diag *d)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa, old[3], ign, oldpipe;
	struct termios saved, raw;
	sigset_t block, waitmask;
	enum relay_end end;
	size_t i;
	int tty;

	tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	/* Signals are only let through while poll waits: no lost wake-up. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (i = 0; i < 3; i++) {
		sigaction(sigs[i], &sa, &old[i]);
		sigaddset(&block, sigs[i]);
	}
	/* A closed stdout or socket is an end like the others, not death. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &oldpipe);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	for (i = 0; i < 3; i++)
		sigdelset(&waitmask, sigs[i]);
	got_signal = 0;
	if (tty) {
		raw = saved;
		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) != 0) {
			diag_error(d, "cannot set the terminal to raw mode: %s",
			    strerror(errno));
			tty = 0;
			end = RELAY_ERROR;
			goto out;
		}
	}
	end = loop(fd, tty, eof, &waitmask, d);
out:
	if (tty)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	sigaction(SIGPIPE, &oldpipe, NULL);
	return end;
}
