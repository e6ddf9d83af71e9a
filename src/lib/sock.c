/*
 * sock.c - loopback TCP and unix sockets, with deadlines.
 */
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
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

socklen_t
sock_loopback(struct sockaddr_storage *ss, int v6, unsigned port)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (v6) {
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		s6->sin6_port = htons((unsigned short)port);
		return sizeof(*s6);
	}
	s4->sin_family = AF_INET;
	s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s4->sin_port = htons((unsigned short)port);
	return sizeof(*s4);
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
	len = sock_loopback(&ss, v6, port);
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

int
sock_set_blocking(int fd, struct diag *d)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
		diag_error(d, "cannot set up a socket: %s", strerror(errno));
		return SOCK_FAILED;
	}
	return SOCK_OK;
}

/*
 * One read into r, by the deadline: 1 bytes came, 0 the peer closed,
 * SOCK_TIMEOUT, SOCK_REFUSED (refused or reset) or SOCK_FAILED (in d).
 */
static int
fill(struct sock_reader *r, long long deadline, struct diag *d)
{
	char buf[4096];
	ssize_t n;
	int rc;

	for (;;) {
		rc = wait_fd(r->fd, POLLIN, deadline);
		if (rc == 0)
			return SOCK_TIMEOUT;
		if (rc < 0) {
			diag_error(d, "poll: %s", strerror(errno));
			return SOCK_FAILED;
		}
		n = recv(r->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			sb_add(&r->in, buf, (size_t)n);
			return 1;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR || errno == EAGAIN)
			continue;
		if (errno == ECONNRESET || errno == ECONNREFUSED)
			return SOCK_REFUSED;
		diag_error(d, "read: %s", strerror(errno));
		return SOCK_FAILED;
	}
}

/*
 * One address: connected (the connection may still be under way: the
 * first send or read waits for it), hello sent, the first bytes read
 * into r by until.  A SOCK_ code; r holds the socket unless SOCK_FAILED
 * came before there was one.
 */
static int
connect_one(struct sock_reader *r, int v6, unsigned port, const char *hello,
    long long until, struct diag *d)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, e, rc;

	fd = socket(v6 ? AF_INET6 : AF_INET,
	    SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		if (errno == EAFNOSUPPORT)
			return SOCK_REFUSED;	/* no IPv6 on this host */
		diag_error(d, "cannot create a socket: %s", strerror(errno));
		return SOCK_FAILED;
	}
	r->fd = fd;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	len = sock_loopback(&ss, v6, port);
	if (connect(fd, (struct sockaddr *)&ss, len) != 0 &&
	    (e = errno) != EINPROGRESS) {
		if (e == ECONNREFUSED || e == EADDRNOTAVAIL ||
		    e == ENETUNREACH || e == EAFNOSUPPORT)
			return SOCK_REFUSED;
		diag_error(d, "cannot connect to port %u: %s", port,
		    strerror(e));
		return SOCK_FAILED;
	}
	/* A full listen queue drops the connection request: a timeout. */
	rc = hello != NULL ? sock_write_all(fd, hello, strlen(hello), until,
	    d) : SOCK_OK;
	if (rc == SOCK_OK)
		rc = fill(r, until, d);
	/* A peer that closes at once: the caller reads that end. */
	return rc >= 0 ? SOCK_OK : rc;
}

int
sock_connect_greeted(struct sock_reader *r, unsigned port, int addrs,
    const char *hello, int greet_ms, long long deadline, struct diag *d)
{
	static const int order[] = { SOCK_V4, SOCK_V6 };
	long long until;
	size_t i;
	int rc, busy = 0;

	sock_reader_init(r, -1);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!(addrs & order[i]))
			continue;
		until = now_ms() + greet_ms;
		if (until > deadline)
			until = deadline;
		rc = connect_one(r, order[i] == SOCK_V6, port, hello, until,
		    d);
		if (rc == SOCK_OK || rc == SOCK_FAILED)
			return rc;
		sock_reader_free(r);
		if (rc == SOCK_TIMEOUT)
			busy = 1;
	}
	return busy ? SOCK_BUSY : SOCK_REFUSED;
}

int
sock_connect_unix(const char *path, long long deadline, struct diag *d)
{
	struct sockaddr_un sun;
	int fd, e;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		diag_error(d, "socket path %s is too long", path);
		return SOCK_FAILED;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		diag_error(d, "cannot create a socket: %s", strerror(errno));
		return SOCK_FAILED;
	}
	/*
	 * A blocking connect would wait for as long as the listen queue is
	 * full; a non-blocking one says EAGAIN, and is tried again.
	 */
	while (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		e = errno;
		if (e == EINTR)
			continue;
		if (e == EAGAIN && now_ms() < deadline) {
			(void)poll(NULL, 0, 10);
			continue;
		}
		close(fd);
		if (e == ECONNREFUSED || e == ENOENT)
			return SOCK_REFUSED;
		if (e == EAGAIN)
			return SOCK_BUSY;
		diag_error(d, "cannot connect to %s: %s", path, strerror(e));
		return SOCK_FAILED;
	}
	if (sock_set_blocking(fd, d) != SOCK_OK) {
		close(fd);
		return SOCK_FAILED;
	}
	return fd;
}

long
sock_peer_pid(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred,
	    &len) != 0)
		return -1;
	return (long)cred.pid;
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
	char *nl;
	size_t len;
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
		/* A peer that keeps sending does not move the deadline. */
		if (now_ms() >= deadline)
			return SOCK_TIMEOUT;
		rc = fill(r, deadline, d);
		if (rc <= 0)
			return rc == 0 ? SOCK_REFUSED : rc;
	}
}

int
sock_write_all(int fd, const char *buf, size_t len, long long deadline,
    struct diag *d)
{
	ssize_t n;
	int rc;

	/* A wait only when the socket cannot take more (or connects). */
	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				rc = wait_fd(fd, POLLOUT, deadline);
				if (rc == 0)
					return SOCK_TIMEOUT;
				if (rc > 0)
					continue;
			}
			if (errno == EPIPE || errno == ECONNRESET ||
			    errno == ECONNREFUSED)
				return SOCK_REFUSED;
			diag_error(d, "write: %s", strerror(errno));
			return SOCK_FAILED;
		}
		buf += n;
		len -= (size_t)n;
	}
	return SOCK_OK;
}

/* One sendmsg of buf with pass attached: bytes sent, or -1 (errno). */
static ssize_t
send_with_fd(int fd, const char *buf, size_t len, int pass)
{
	union {
		char		buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	align;
	} control;
	struct iovec iov = { (void *)buf, len };
	struct msghdr msg;
	struct cmsghdr *c;

	memset(&msg, 0, sizeof(msg));
	memset(&control, 0, sizeof(control));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control.buf;
	msg.msg_controllen = sizeof(control.buf);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &pass, sizeof(int));
	return sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
}

int
sock_write_fd(int fd, const char *buf, size_t len, int pass,
    long long deadline, struct diag *d)
{
	ssize_t n;
	int rc;

	if (len == 0 || pass < 0) {
		diag_error(d, "nothing to send a descriptor with");
		return SOCK_FAILED;
	}
	/* The descriptor goes with the first byte that leaves; the rest after. */
	for (;;) {
		n = send_with_fd(fd, buf, len, pass);
		if (n > 0)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			rc = wait_fd(fd, POLLOUT, deadline);
			if (rc == 0)
				return SOCK_TIMEOUT;
			if (rc > 0)
				continue;
		}
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET ||
		    errno == ECONNREFUSED))
			return SOCK_REFUSED;
		diag_error(d, "cannot pass a descriptor: %s",
		    n < 0 ? strerror(errno) : "nothing sent");
		return SOCK_FAILED;
	}
	return sock_write_all(fd, buf + n, len - (size_t)n, deadline, d);
}

/* A client socket connected to the port: its inode and owner. */
struct client {
	unsigned long	 inode;
	unsigned	 uid;
	int		 seen;		/* a process of it was found */
};

/* Whether a /proc/net/tcp{,6} address (hex words as stored) is loopback. */
static int
is_loopback(const char *hex)
{
	unsigned w[4];
	size_t i, n = strlen(hex) / 8;

	if (n != 1 && n != 4)
		return 0;
	for (i = 0; i < n; i++)
		if (sscanf(hex + i * 8, "%8x", &w[i]) != 1)
			return 0;
	if (n == 1)
		return w[0] == htonl(INADDR_LOOPBACK);
	return w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == htonl(1);
}

/* The established client sockets to a loopback port, from file. */
static void
find_clients(const char *file, unsigned port, struct client **c, size_t *n)
{
	char line[512], rem[65];
	unsigned rport, st, uid;
	unsigned long inode;
	FILE *fp;

	if ((fp = fopen(file, "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL && *n < 64) {
		if (sscanf(line, "%*s %*[0-9A-Fa-f]:%*x %64[0-9A-Fa-f]:%x %x "
		    "%*s %*s %*s %u %*s %lu", rem, &rport, &st, &uid,
		    &inode) != 5)
			continue;
		if (rport != port || st != 1 || inode == 0 || !is_loopback(rem))
			continue;	/* 1: TCP_ESTABLISHED */
		*c = xreallocarray(*c, *n + 1, sizeof(**c));
		(*c)[*n].inode = inode;
		(*c)[*n].uid = uid;
		(*c)[(*n)++].seen = 0;
	}
	fclose(fp);
}

/* "pid 1234 (nc)": the command name made printable. */
static void
add_process(struct strbuf *sb, long pid)
{
	char path[64], comm[64];
	size_t i, len = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if ((fp = fopen(path, "re")) != NULL) {
		len = fread(comm, 1, sizeof(comm) - 1, fp);
		fclose(fp);
	}
	while (len > 0 && comm[len - 1] == '\n')
		len--;
	comm[len] = '\0';
	for (i = 0; i < len; i++)
		if (!isprint((unsigned char)comm[i]))
			comm[i] = '?';
	sb_addf(sb, "%spid %ld (%s)", sb->len > 0 ? ", " : "", pid, comm);
}

/* Whether process pid has one of the sockets open. */
static int
holds(long pid, struct client *c, size_t n, long long deadline)
{
	char path[64], link[64];
	struct dirent *e;
	unsigned long inode;
	ssize_t len;
	size_t i;
	DIR *dir;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
	if ((dir = opendir(path)) == NULL)
		return 0;	/* gone, or not ours to see */
	while ((e = readdir(dir)) != NULL && now_ms() < deadline) {
		len = readlinkat(dirfd(dir), e->d_name, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%lu]", &inode) != 1)
			continue;
		for (i = 0; i < n; i++)
			if (c[i].inode == inode)
				found = c[i].seen = 1;
	}
	closedir(dir);
	return found;
}

char *
sock_port_holders(unsigned port, long long deadline)
{
	struct client *c = NULL;
	struct strbuf sb;
	struct passwd *pw;
	struct dirent *e;
	size_t n = 0, i, shown = 0;
	char *end;
	long pid;
	DIR *proc;

	find_clients("/proc/net/tcp6", port, &c, &n);
	find_clients("/proc/net/tcp", port, &c, &n);
	if (n == 0)
		return NULL;
	sb_init(&sb);
	if ((proc = opendir("/proc")) != NULL) {
		while ((e = readdir(proc)) != NULL && now_ms() < deadline &&
		    shown < 8) {
			pid = strtol(e->d_name, &end, 10);
			if (pid <= 0 || *end != '\0')
				continue;
			/* Ours are marked as seen, and not named. */
			if (holds(pid, c, n, deadline) &&
			    pid != (long)getpid()) {
				add_process(&sb, pid);
				shown++;
			}
		}
		closedir(proc);
	}
	/* What no process we may see holds: its owner, from the table. */
	for (i = 0; i < n; i++) {
		if (c[i].seen || (i > 0 && c[i].uid == c[i - 1].uid &&
		    !c[i - 1].seen))
			continue;
		pw = getpwuid(c[i].uid);
		if (pw != NULL)
			sb_addf(&sb, "%sa process of user %s",
			    sb.len > 0 ? ", " : "", pw->pw_name);
		else
			sb_addf(&sb, "%sa process of uid %u",
			    sb.len > 0 ? ", " : "", c[i].uid);
	}
	free(c);
	if (sb.len == 0) {
		sb_free(&sb);
		return NULL;
	}
	return sb_detach(&sb);
}
