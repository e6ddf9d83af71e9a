/*
 * sock.c - loopback TCP and unix sockets, with deadlines.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sock.h"

long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
loopback(struct sockaddr_storage *ss, socklen_t *len, int v6,
    unsigned port)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (v6) {
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		s6->sin6_port = htons((unsigned short)port);
		*len = sizeof(*s6);
	} else {
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s4->sin_port = htons((unsigned short)port);
		*len = sizeof(*s4);
	}
}

/* 1 bound, 0 in use, -1 another failure (no such address family). */
static int
try_bind(int v6, unsigned port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, rc;

	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* As QEMU binds: a port in TIME_WAIT is free for it too. */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (v6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	loopback(&ss, &len, v6, port);
	rc = bind(fd, (struct sockaddr *)&ss, len) == 0 ? 1 :
	    errno == EADDRINUSE ? 0 : -1;
	close(fd);
	return rc;
}

int
sock_has_ipv6_loopback(void)
{
	return try_bind(1, 0) == 1;
}

int
sock_port_free(unsigned port, int ipv6)
{
	if (try_bind(0, port) != 1)
		return 0;
	return !ipv6 || try_bind(1, port) == 1;
}

/* Waits for events on fd until the deadline: >0 ready, 0 timeout. */
static int
wait_fd(int fd, short events, long long deadline)
{
	struct pollfd pfd = { fd, events, 0 };
	long long left;
	int rc;

	for (;;) {
		left = deadline - now_ms();
		if (left < 0)
			left = 0;
		rc = poll(&pfd, 1, (int)left);
		if (rc >= 0 || errno != EINTR)
			return rc;
	}
}

static int
connect_one(int v6, unsigned port, long long deadline, struct diag *d)
{
	struct sockaddr_storage ss;
	socklen_t len, elen = sizeof(int);
	int fd, one = 1, e = 0, flags;

	fd = socket(v6 ? AF_INET6 : AF_INET,
	    SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		diag_error(d, "cannot create a socket: %s", strerror(errno));
		return SOCK_FAILED;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	loopback(&ss, &len, v6, port);
	if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
		if (errno != EINPROGRESS)
			e = errno;
		else if (wait_fd(fd, POLLOUT, deadline) <= 0) {
			close(fd);
			return SOCK_TIMEOUT;
		} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) != 0)
			e = errno;
	}
	if (e != 0) {
		close(fd);
		if (e == ECONNREFUSED || e == EADDRNOTAVAIL ||
		    e == ENETUNREACH || e == EAFNOSUPPORT)
			return SOCK_REFUSED;
		diag_error(d, "cannot connect to port %u: %s", port,
		    strerror(e));
		return SOCK_FAILED;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
		diag_error(d, "cannot set up a socket: %s", strerror(errno));
		close(fd);
		return SOCK_FAILED;
	}
	return fd;
}

int
sock_connect_loopback(unsigned port, long long deadline, struct diag *d)
{
	int fd;

	if (sock_has_ipv6_loopback()) {
		fd = connect_one(1, port, deadline, d);
		if (fd != SOCK_REFUSED)
			return fd;
	}
	return connect_one(0, port, deadline, d);
}

int
sock_connect_unix(const char *path, struct diag *d)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		diag_error(d, "socket path %s is too long", path);
		return SOCK_FAILED;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		diag_error(d, "cannot create a socket: %s", strerror(errno));
		return SOCK_FAILED;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		int e = errno;

		close(fd);
		if (e == ECONNREFUSED || e == ENOENT)
			return SOCK_REFUSED;
		diag_error(d, "cannot connect to %s: %s", path, strerror(e));
		return SOCK_FAILED;
	}
	return fd;
}

void
sock_reader_init(struct sock_reader *r, int fd)
{
	r->fd = fd;
	sb_init(&r->in);
}

void
sock_reader_free(struct sock_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	sb_free(&r->in);
}

int
sock_read_line(struct sock_reader *r, long long deadline, size_t max,
    char **line, struct diag *d)
{
	char buf[4096], *nl;
	size_t len;
	ssize_t n;
	int rc;

	for (;;) {
		if (r->in.len > 0 &&
		    (nl = memchr(r->in.s, '\n', r->in.len)) != NULL) {
			len = (size_t)(nl - r->in.s);
			*line = xstrndup(r->in.s,
			    len > 0 && nl[-1] == '\r' ? len - 1 : len);
			sb_consume(&r->in, len + 1);
			return SOCK_OK;
		}
		if (r->in.len > max) {
			diag_error(d, "reply longer than %zu bytes", max);
			return SOCK_FAILED;
		}
		rc = wait_fd(r->fd, POLLIN, deadline);
		if (rc == 0)
			return SOCK_TIMEOUT;
		if (rc < 0) {
			diag_error(d, "poll: %s", strerror(errno));
			return SOCK_FAILED;
		}
		n = read(r->fd, buf, sizeof(buf));
		if (n == 0)
			return SOCK_REFUSED;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			if (errno == ECONNRESET)
				return SOCK_REFUSED;
			diag_error(d, "read: %s", strerror(errno));
			return SOCK_FAILED;
		}
		sb_add(&r->in, buf, (size_t)n);
	}
}

int
sock_write_all(int fd, const char *buf, size_t len, long long deadline,
    struct diag *d)
{
	ssize_t n;
	int rc;

	while (len > 0) {
		rc = wait_fd(fd, POLLOUT, deadline);
		if (rc == 0)
			return SOCK_TIMEOUT;
		n = rc < 0 ? -1 : send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			if (errno == EPIPE || errno == ECONNRESET)
				return SOCK_REFUSED;
			diag_error(d, "write: %s", strerror(errno));
			return SOCK_FAILED;
		}
		buf += n;
		len -= (size_t)n;
	}
	return SOCK_OK;
}
