/*
 * qmpmany.c - many QMP sockets from one poll loop.
 *
 * Each connection checks who listens (SO_PEERCRED), sends the
 * capabilities negotiation and the question in one write, each with its
 * own "id", then reads QMP's greeting and the replies up to the
 * question's.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "json.h"
#include "qmpmany.h"
#include "sock.h"

#define LINE_MAX_BYTES	(1024 * 1024)

enum conn_step { GREETING, REPLIES, DONE };

struct conn {
	struct qmp_ask	*ask;
	int		 fd;
	enum conn_step	 step;
	long long	 deadline;
	struct strbuf	 in;
};

static void
finish(struct conn *c, enum qmp_many_result result)
{
	c->ask->result = result;
	if (c->fd >= 0)
		(void)close(c->fd);
	c->fd = -1;
	c->step = DONE;
	sb_free(&c->in);
}

/* The two requests, in one write: a few hundred bytes to a fresh socket. */
static int
send_requests(struct conn *c, const char *command)
{
	char out[256];
	int len;

	len = snprintf(out, sizeof(out),
	    "{\"execute\":\"qmp_capabilities\",\"id\":1}\n"
	    "{\"execute\":\"%s\",\"id\":2}\n", command);
	if (len < 0 || (size_t)len >= sizeof(out))
		return -1;
	return write(c->fd, out, (size_t)len) == len ? 0 : -1;
}

static int
open_conn(struct conn *c, struct qmp_ask *a, const char *command,
    int timeout_ms)
{
	struct sockaddr_un sun;

	memset(c, 0, sizeof(*c));
	c->ask = a;
	c->fd = -1;
	sb_init(&c->in);
	a->result = QMP_MANY_FAILED;
	a->value = NULL;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(a->path) >= sizeof(sun.sun_path)) {
		finish(c, QMP_MANY_FAILED);
		return -1;
	}
	memcpy(sun.sun_path, a->path, strlen(a->path) + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sun,
	    sizeof(sun)) != 0) {
		/* A full backlog (EAGAIN) is a monitor nobody serves. */
		finish(c, errno == EAGAIN ? QMP_MANY_BUSY : QMP_MANY_FAILED);
		return -1;
	}
	/*
	 * Nothing goes to another process; what waits in the socket is read
	 * once QEMU accepts, after its greeting.
	 */
	if (sock_peer_pid(c->fd) != (long)a->pid ||
	    send_requests(c, command) != 0) {
		finish(c, QMP_MANY_FAILED);
		return -1;
	}
	c->step = GREETING;
	c->deadline = now_ms() + timeout_ms;
	return 0;
}

/* One line of the peer: 1 done with this VM, 0 go on. */
static int
take_line(struct conn *c, const char *line, const char *key)
{
	const struct json *id, *ret;
	const char *why = NULL, *v;
	struct json msg;
	int rc = 0;

	if (line[0] == '\0')
		return 0;
	if (json_parse(&msg, line, strlen(line), &why) != 0 ||
	    msg.type != JSON_OBJECT) {
		if (why == NULL)
			json_free(&msg);
		finish(c, QMP_MANY_FAILED);
		return 1;
	}
	if (c->step == GREETING) {
		if (json_get(&msg, "QMP") == NULL) {
			finish(c, QMP_MANY_FAILED);
			rc = 1;
		} else
			c->step = REPLIES;
		json_free(&msg);
		return rc;
	}
	id = json_get(&msg, "id");
	ret = json_get(&msg, "return");
	if (id == NULL || id->type != JSON_NUMBER)
		;			/* an event: not ours */
	else if (ret == NULL) {
		finish(c, QMP_MANY_FAILED);	/* an error reply */
		rc = 1;
	} else if (strcmp(id->text, "2") == 0) {
		v = json_get_string(ret, key);
		c->ask->value = v != NULL ? xstrdup(v) : NULL;
		finish(c, QMP_MANY_OK);
		rc = 1;
	}
	json_free(&msg);
	return rc;
}

/* Reads what is there and takes each whole line. */
static void
serve(struct conn *c, const char *key)
{
	char buf[4096], *nl, *line;
	ssize_t n;

	n = read(c->fd, buf, sizeof(buf));
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		finish(c, QMP_MANY_FAILED);
		return;
	}
	if (n < 0)
		return;
	sb_add(&c->in, buf, (size_t)n);
	while (c->step != DONE && (nl = memchr(c->in.s, '\n',
	    c->in.len)) != NULL) {
		line = xstrndup(c->in.s, (size_t)(nl - c->in.s));
		if (nl > c->in.s && nl[-1] == '\r')
			line[nl - c->in.s - 1] = '\0';
		sb_consume(&c->in, (size_t)(nl - c->in.s) + 1);
		(void)take_line(c, line, key);
		free(line);
	}
	if (c->step != DONE && c->in.len > LINE_MAX_BYTES)
		finish(c, QMP_MANY_FAILED);
}

void
qmp_ask_all(struct qmp_ask *asks, size_t n, const char *command,
    const char *key, int timeout_ms, size_t max_open)
{
	struct conn *c;
	struct pollfd *pfd;
	size_t next = 0, open = 0, i, np;
	long long now, wait;

	if (max_open == 0)
		max_open = 1;
	c = xcalloc(max_open, sizeof(*c));
	pfd = xcalloc(max_open, sizeof(*pfd));
	for (i = 0; i < max_open; i++)
		c[i].step = DONE;
	for (;;) {
		/* Fill the free places with the next VMs. */
		for (i = 0; i < max_open && next < n; i++)
			if (c[i].step == DONE &&
			    open_conn(&c[i], &asks[next++], command,
			    timeout_ms) == 0)
				open++;
		if (open == 0 && next >= n)
			break;
		now = now_ms();
		wait = timeout_ms;
		for (i = np = 0; i < max_open; i++) {
			if (c[i].step == DONE)
				continue;
			if (c[i].deadline <= now) {
				finish(&c[i], c[i].step == GREETING ?
				    QMP_MANY_BUSY : QMP_MANY_SILENT);
				open--;
				continue;
			}
			if (c[i].deadline - now < wait)
				wait = c[i].deadline - now;
			pfd[np].fd = c[i].fd;
			pfd[np].events = POLLIN;
			pfd[np].revents = 0;
			np++;
		}
		if (np == 0)
			continue;
		if (poll(pfd, np, (int)wait) < 0 && errno != EINTR)
			break;
		for (i = np = 0; i < max_open; i++) {
			if (c[i].step == DONE)
				continue;
			if (pfd[np++].revents != 0) {
				serve(&c[i], key);
				if (c[i].step == DONE)
					open--;
			}
		}
	}
	for (i = 0; i < max_open; i++)
		if (c[i].step != DONE)
			finish(&c[i], QMP_MANY_FAILED);
	free(c);
	free(pfd);
}
