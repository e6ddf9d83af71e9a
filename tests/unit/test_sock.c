/* test_sock.c - loopback ports, connecting, and line reads with deadlines */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
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

TEST(sock_ports_and_connecting)
{
	struct diag d;
	unsigned port = 0;
	int l, fd;

	diag_init(&d);
	l = listener(&port);
	CHECK(l >= 0);
	CHECK(!sock_port_free(port, 0));
	fd = sock_connect_loopback(port, now_ms() + 2000, &d);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	close(l);
	CHECK(sock_port_free(port, 0));
	CHECK(sock_connect_loopback(port, now_ms() + 2000, &d) ==
	    SOCK_REFUSED);
	CHECK(sock_connect_unix("/nonexistent/qinit.sock", &d) ==
	    SOCK_REFUSED);
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
