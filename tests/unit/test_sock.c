/*
 * test_sock.c - loopback ports, connecting past a busy address, unix
 * sockets with a full queue, who holds a port, and line reads with
 * deadlines.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sock.h"
#include "unit.h"

/* A listener on 127.0.0.1 and a free port; returns the fd. */
static int
listener(unsigned *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(fd, 4) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
		return -1;
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Connects fd to 127.0.0.1:port. */
static int
connect_to(int fd, unsigned port)
{
	struct sockaddr_storage ss;
	socklen_t len = sock_loopback(&ss, 0, port);

	return connect(fd, (struct sockaddr *)&ss, len);
}

TEST(sock_ports_and_connecting)
{
	struct sock_reader r;
	struct diag d;
	unsigned port = 0;
	int l;

	diag_init(&d);
	l = listener(&port);
	CHECK(l >= 0);
	CHECK(!sock_port_free(port, 0));
	close(l);
	CHECK(sock_port_free(port, 0));
	CHECK(sock_connect_greeted(&r, port, SOCK_V4 | SOCK_V6, NULL, 1000,
	    now_ms() + 2000, &d) == SOCK_REFUSED);
	sock_reader_free(&r);
	CHECK(sock_connect_unix("/nonexistent/qinit.sock", now_ms() + 2000,
	    &d) == SOCK_REFUSED);
	CHECK(d.errors == 0);
	diag_clear(&d);
}

TEST(sock_read_line_ends_and_deadlines)
{
	struct sock_reader r;
	struct diag d;
	char *line = NULL, big[300];
	int sv[2];

	diag_init(&d);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	sock_reader_init(&r, sv[0]);
	CHECK(write(sv[1], "one\r\ntwo\nthr", 13) == 13);
	CHECK(sock_read_line(&r, now_ms() + 1000, 1024, &line, &d) == SOCK_OK);
	CHECK_STR(line, "one");
	free(line);
	CHECK(sock_read_line(&r, now_ms() + 1000, 1024, &line, &d) == SOCK_OK);
	CHECK_STR(line, "two");
	free(line);
	/* "thr" has no end yet: the deadline ends the wait. */
	CHECK(sock_read_line(&r, now_ms() + 50, 1024, &line, &d) ==
	    SOCK_TIMEOUT);
	memset(big, 'x', sizeof(big));
	CHECK(write(sv[1], big, sizeof(big)) == (ssize_t)sizeof(big));
	CHECK(sock_read_line(&r, now_ms() + 1000, 200, &line, &d) ==
	    SOCK_FAILED);
	CHECK(strstr(diag_first_error(&d), "longer than 200 bytes") != NULL);
	diag_clear(&d);
	close(sv[1]);
	sb_reset(&r.in);
	CHECK(sock_read_line(&r, now_ms() + 1000, 1024, &line, &d) ==
	    SOCK_REFUSED);
	sock_reader_free(&r);
	diag_clear(&d);
}

/* A listener that never accepts: connected (queued), but no greeting. */
TEST(sock_connect_greeted_busy_and_greeted)
{
	struct sock_reader r;
	struct diag d;
	unsigned port = 0;
	long long t0;
	char *line = NULL, buf[16];
	pid_t pid;
	int l, c;

	diag_init(&d);
	l = listener(&port);
	CHECK(l >= 0);
	t0 = now_ms();
	CHECK(sock_connect_greeted(&r, port, SOCK_V4, "hi\n", 300,
	    now_ms() + 5000, &d) == SOCK_BUSY);
	CHECK(now_ms() - t0 < 2000);
	sock_reader_free(&r);
	/* Bounded by the deadline too, when it comes before greet_ms. */
	t0 = now_ms();
	CHECK(sock_connect_greeted(&r, port, SOCK_V4, NULL, 5000,
	    now_ms() + 300, &d) == SOCK_BUSY);
	CHECK(now_ms() - t0 < 2000);
	sock_reader_free(&r);
	if ((pid = fork()) == 0) {
		while ((c = accept(l, NULL, NULL)) >= 0) {
			/*
			 * The hello came before the greeting was sent (the
			 * busy ones above, still queued, are let go).
			 */
			if (read(c, buf, sizeof(buf)) == 6 &&
			    memcmp(buf, "hello\n", 6) == 0 &&
			    write(c, "hello\r\n", 7) != 7)
				_exit(1);
			close(c);
		}
		_exit(0);
	}
	CHECK(sock_connect_greeted(&r, port, SOCK_V4, "hello\n", 2000,
	    now_ms() + 5000, &d) == SOCK_OK);
	CHECK(r.fd >= 0 && r.in.len > 0);
	CHECK(sock_read_line(&r, now_ms() + 1000, 1024, &line, &d) == SOCK_OK);
	CHECK_STR(line, "hello");
	free(line);
	sock_reader_free(&r);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(l);
	CHECK(d.errors == 0);
	diag_clear(&d);
}

/* A unix listener whose queue is full: no blocking connect, a deadline. */
TEST(sock_connect_unix_full_queue_is_busy)
{
	struct sockaddr_un sun;
	struct diag d;
	long long t0;
	int l, fds[16], n = 0, fd;

	diag_init(&d);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/full.sock",
	    unit_tmpdir());
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(l >= 0 && bind(l, (struct sockaddr *)&sun, sizeof(sun)) == 0 &&
	    listen(l, 0) == 0);
	for (n = 0; n < 16; n++) {
		fds[n] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(fds[n], (struct sockaddr *)&sun,
		    sizeof(sun)) != 0) {
			close(fds[n]);
			break;
		}
	}
	CHECK(n < 16);		/* the queue is full */
	t0 = now_ms();
	CHECK(sock_connect_unix(sun.sun_path, now_ms() + 300, &d) ==
	    SOCK_BUSY);
	CHECK(now_ms() - t0 >= 250 && now_ms() - t0 < 2000);
	/* Room again: the next one connects. */
	fd = accept(l, NULL, NULL);
	CHECK(fd >= 0);
	close(fd);
	fd = sock_connect_unix(sun.sun_path, now_ms() + 300, &d);
	CHECK(fd >= 0);
	close(fd);
	while (n > 0)
		close(fds[--n]);
	close(l);
	CHECK(d.errors == 0);
	diag_clear(&d);
}

/* sock_port_holders(port) as uid 65534 says "a process of user root". */
static int
holders_as_nobody(unsigned port, int p[2])
{
	char buf[256];
	ssize_t n;
	pid_t pid;
	char *who;

	if ((pid = fork()) == 0) {
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(1);
		who = sock_port_holders(port, now_ms() + 1000);
		if (who == NULL || write(p[1], who, strlen(who)) < 0)
			_exit(1);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	n = read(p[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	printf("#     as uid 65534: %s\n", buf);
	return strcmp(buf, "a process of user root") == 0;
}

/* Who holds a port: another process's connection, never our own. */
TEST(sock_port_holders_names_the_process)
{
	unsigned port = 0;
	char *who, want[64], c;
	pid_t pid;
	int l, fd, p[2];

	l = listener(&port);
	CHECK(l >= 0);
	CHECK(sock_port_holders(port, now_ms() + 1000) == NULL);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect_to(fd, port) == 0);
	CHECK(sock_port_holders(port, now_ms() + 1000) == NULL);
	close(fd);
	CHECK(pipe(p) == 0);
	if ((pid = fork()) == 0) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (connect_to(fd, port) != 0 || write(p[1], "x", 1) != 1)
			_exit(1);
		sleep(10);
		_exit(0);
	}
	CHECK(read(p[0], &c, 1) == 1);
	who = sock_port_holders(port, now_ms() + 1000);
	snprintf(want, sizeof(want), "pid %ld (", (long)pid);
	CHECK(who != NULL && strncmp(who, want, strlen(want)) == 0);
	if (who != NULL)
		printf("#     %s\n", who);
	free(who);
	/* Another user sees the connection, not the process. */
	if (getuid() == 0)
		CHECK(holders_as_nobody(port, p));
	else
		printf("# not root: holders seen by another user not tried\n");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(p[0]);
	close(p[1]);
	close(l);
}
