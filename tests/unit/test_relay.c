/*
 * test_relay.c - a socket relayed to stdin and stdout (qemu-mon,
 * qemu-init console), stdin not a terminal: what each end does, and
 * how the relay says it ended.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relay.h"
#include "unit.h"

/* Runs relay_run(fd) with in as stdin and out as stdout. */
static enum relay_end
relay_with(int in, int out, int fd, enum relay_eof eof, struct diag *d)
{
	enum relay_end end;
	int saved_in, saved_out;

	fflush(stdout);
	saved_in = dup(STDIN_FILENO);
	saved_out = dup(STDOUT_FILENO);
	if (saved_in < 0 || saved_out < 0 || dup2(in, STDIN_FILENO) < 0 ||
	    dup2(out, STDOUT_FILENO) < 0) {
		perror("unit: relay_with");
		exit(2);
	}
	end = relay_run(fd, eof, d);
	if (dup2(saved_in, STDIN_FILENO) < 0 ||
	    dup2(saved_out, STDOUT_FILENO) < 0)
		exit(2);
	close(saved_in);
	close(saved_out);
	return end;
}

/* A file of dir holding text, open for reading. */
static int
input(const char *dir, const char *text)
{
	return open(unit_writes(dir, "in", text), O_RDONLY);
}

/* A file of dir for the relay's output. */
static int
output(const char *dir)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/out", dir);
	return open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
}

/* What is left to read on fd (non-blocking), as a string (static). */
static const char *
drained(int fd)
{
	static char buf[4096];
	ssize_t n;
	size_t len = 0;

	(void)fcntl(fd, F_SETFL, O_NONBLOCK);
	while (len < sizeof(buf) - 1 &&
	    (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return buf;
}

TEST(relay_monitor_answers_after_our_half_close)
{
	const char *dir = unit_tmpdir();
	char got[256], reply[300];
	enum relay_end end;
	struct diag d;
	int sv[2], in, out;
	size_t len = 0;
	ssize_t n;
	pid_t peer;

	diag_init(&d);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	/* The monitor: reads every command to their end, then answers. */
	if ((peer = fork()) == 0) {
		close(sv[0]);
		alarm(60);
		while (len < sizeof(got) - 1 &&
		    (n = read(sv[1], got + len, sizeof(got) - 1 - len)) > 0)
			len += (size_t)n;
		got[len] = '\0';
		snprintf(reply, sizeof(reply), "got [%s]\r\n(qemu) ", got);
		if (write(sv[1], reply, strlen(reply)) < 0)
			_exit(1);
		_exit(0);
	}
	close(sv[1]);
	in = input(dir, "info status\ninfo name\n");
	out = output(dir);
	end = relay_with(in, out, sv[0], RELAY_HALF_CLOSE, &d);
	CHECK(end == RELAY_PEER_CLOSED);
	CHECK(d.n == 0);
	/* Unchanged both ways (no terminal: no escape, no CR added). */
	CHECK_STR(unit_reads(dir, "out"), "got [info status\ninfo name\n]\r\n"
	    "(qemu) ");
	CHECK(waitpid(peer, NULL, 0) == peer);
	close(in);
	close(out);
	close(sv[0]);
	diag_clear(&d);
}

TEST(relay_console_lingers_for_what_comes_and_keeps_the_peer)
{
	const char *dir = unit_tmpdir();
	enum relay_end end;
	struct diag d;
	int sv[2], in, out;

	diag_init(&d);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	/* The guest's echo, there already; it never closes. */
	CHECK(write(sv[1], "root\r\n# ", 8) == 8);
	in = input(dir, "root\n\x1d still sent: no terminal\n");
	out = output(dir);
	end = relay_with(in, out, sv[0], RELAY_LINGER, &d);
	/* stdin's end, then a quiet second: done, the socket still open. */
	CHECK(end == RELAY_INPUT_CLOSED);
	CHECK_STR(unit_reads(dir, "out"), "root\r\n# ");
	CHECK_STR(drained(sv[1]), "root\n\x1d still sent: no terminal\n");
	/* Not shut down: the console's other side can still be written. */
	CHECK(write(sv[0], "x", 1) == 1);
	close(in);
	close(out);
	close(sv[0]);
	close(sv[1]);
	diag_clear(&d);
}

TEST(relay_peer_closing_ends_it)
{
	const char *dir = unit_tmpdir();
	enum relay_end end;
	struct diag d;
	int sv[2], p[2], out;

	diag_init(&d);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(pipe(p) == 0);	/* a stdin that never ends */
	CHECK(write(sv[1], "bye\n", 4) == 4);
	close(sv[1]);
	out = output(dir);
	end = relay_with(p[0], out, sv[0], RELAY_HALF_CLOSE, &d);
	CHECK(end == RELAY_PEER_CLOSED);
	CHECK_STR(unit_reads(dir, "out"), "bye\n");
	close(p[0]);
	close(p[1]);
	close(out);
	close(sv[0]);
	diag_clear(&d);
}

TEST(relay_closed_stdout_is_sigpipe_not_death)
{
	struct sigaction before, after, dfl;
	enum relay_end end;
	struct diag d;
	int sv[2], p[2], in[2];

	diag_init(&d);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(pipe(p) == 0 && pipe(in) == 0);
	close(p[0]);		/* | head that has left */
	CHECK(write(sv[1], "output\n", 7) == 7);
	/* SIGPIPE as a program starts with it: it kills. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	CHECK(sigaction(SIGPIPE, &dfl, &before) == 0);
	end = relay_with(in[0], p[1], sv[0], RELAY_HALF_CLOSE, &d);
	CHECK(end == RELAY_SIGNALLED);
	CHECK(relay_signal() == SIGPIPE);
	/* ...and so again after. */
	CHECK(sigaction(SIGPIPE, &before, &after) == 0);
	CHECK(after.sa_handler == SIG_DFL);
	close(p[1]);
	close(in[0]);
	close(in[1]);
	close(sv[0]);
	close(sv[1]);
	diag_clear(&d);
}

TEST(relay_signal_ends_it_and_handlers_come_back)
{
	struct sigaction before, after;
	sigset_t term, old;
	enum relay_end end;
	struct diag d;
	int sv[2], in[2];

	diag_init(&d);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(pipe(in) == 0);
	CHECK(sigaction(SIGTERM, NULL, &before) == 0);
	/* A SIGTERM pending as the relay starts: taken while it waits. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	CHECK(sigprocmask(SIG_BLOCK, &term, &old) == 0);
	CHECK(raise(SIGTERM) == 0);
	end = relay_with(in[0], sv[1], sv[0], RELAY_HALF_CLOSE, &d);
	CHECK(end == RELAY_SIGNALLED);
	CHECK(relay_signal() == SIGTERM);
	CHECK(sigaction(SIGTERM, NULL, &after) == 0);
	CHECK(after.sa_handler == before.sa_handler);
	CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
	close(in[0]);
	close(in[1]);
	close(sv[0]);
	close(sv[1]);
	diag_clear(&d);
}
