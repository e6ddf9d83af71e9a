/*
 * notify.c - sd_notify's datagrams, told to systemd as qemu-init@.service
 * starts (notify.h).
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify.h"
#include "sock.h"

/* The address of socket ('@': abstract); its length, or 0 when unfit. */
static socklen_t
notify_address(const char *path, struct sockaddr_un *sun)
{
	size_t len = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (len < 2 || (path[0] != '/' && path[0] != '@') ||
	    len >= sizeof(sun->sun_path))
		return 0;
	memcpy(sun->sun_path, path, len);
	if (path[0] == '@')
		sun->sun_path[0] = '\0';	/* no terminating NUL then */
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
	    (path[0] == '/'));
}

const char *
notify_socket(void)
{
	struct sockaddr_un sun;
	const char *s = getenv("NOTIFY_SOCKET");

	if (s == NULL || notify_address(s, &sun) == 0)
		return NULL;
	return s;
}

/* Sends text, with fd (unless -1) as an SCM_RIGHTS descriptor. */
static int
send_datagram(const char *path, const char *text, int fd, struct diag *d)
{
	union {
		struct cmsghdr	align;
		char		buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct sockaddr_un sun;
	struct msghdr msg;
	struct cmsghdr *cm;
	struct iovec iov;
	socklen_t len = notify_address(path, &sun);
	ssize_t n;
	int s;

	if (len == 0) {
		diag_error(d, "NOTIFY_SOCKET '%s' is neither an absolute path "
		    "nor @name that fits a unix socket address", path);
		return -1;
	}
	if (strlen(text) > NOTIFY_TEXT_MAX) {
		diag_error(d, "a notification of %zu bytes (at most %d)",
		    strlen(text), NOTIFY_TEXT_MAX);
		return -1;
	}
	if ((s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
		diag_error(d, "cannot make a socket for %s: %s", path,
		    strerror(errno));
		return -1;
	}
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)text;
	iov.iov_len = strlen(text);
	msg.msg_name = &sun;
	msg.msg_namelen = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd >= 0) {
		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	while ((n = sendmsg(s, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	if (n < 0)
		diag_error(d, "cannot notify %s: %s", path, strerror(errno));
	(void)close(s);
	return n < 0 ? -1 : 0;
}

int
notify_send(const char *path, const char *text, struct diag *d)
{
	return send_datagram(path, text, -1, d);
}

int
notify_barrier(const char *path, int timeout_ms, struct diag *d)
{
	struct pollfd pfd;
	long long deadline = now_ms() + timeout_ms;
	int p[2], rc, left;

	if (pipe2(p, O_CLOEXEC) != 0) {
		diag_error(d, "cannot make a pipe: %s", strerror(errno));
		return -1;
	}
	rc = send_datagram(path, "BARRIER=1", p[1], d);
	(void)close(p[1]);
	/* The manager holds the write end until it has read all before. */
	pfd.fd = p[0];
	pfd.events = 0;		/* POLLHUP is reported anyway */
	while (rc == 0) {
		left = (int)(deadline - now_ms());
		if (left <= 0) {
			diag_error(d, "%s did not take its notifications in "
			    "%d ms", path, timeout_ms);
			rc = -1;
			break;
		}
		if (poll(&pfd, 1, left) > 0 && (pfd.revents & POLLHUP))
			break;
	}
	(void)close(p[0]);
	return rc;
}
