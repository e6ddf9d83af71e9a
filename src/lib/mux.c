/*
 * mux.c - channels over one connection, in one poll loop.
 *
 * Every descriptor is non-blocking.  A channel's socket is read only
 * while the peer gave credit and the frames waiting for the connection
 * are under MUX_OUT_HIGH; the connection is always read, since what a
 * peer may send for each channel is bounded by the credit we gave.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mux.h"
#include "sock.h"

#define HEADER		4
#define CREDIT_AFTER	(MUX_WINDOW / 4)	/* credit given back in lumps */

static int
nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int
mux_init(struct mux *m, int in, int out, struct diag *d)
{
	unsigned i;

	memset(m, 0, sizeof(*m));
	m->in = in;
	m->out = out;
	m->wake[0] = m->wake[1] = -1;
	for (i = 0; i < MUX_CHANNELS; i++)
		m->ch[i].fd = -1;
	sb_init(&m->tx);
	sb_init(&m->rx);
	if (nonblocking(in) != 0 || nonblocking(out) != 0 ||
	    pipe2(m->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		diag_error(d, "cannot set up the connection: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

void
mux_preload(struct mux *m, const char *buf, size_t len)
{
	sb_add(&m->rx, buf, len);
}

void
mux_add(struct mux *m, unsigned n, int fd)
{
	struct mux_channel *c = &m->ch[n];

	(void)nonblocking(fd);
	c->fd = fd;
	c->used = c->reading = c->writing = 1;
	c->credit = MUX_WINDOW;
	sb_init(&c->pending);
}

static void
frame(struct mux *m, char type, unsigned n, const char *payload, size_t len)
{
	char h[HEADER] = { type, (char)n, (char)(len >> 8), (char)len };

	sb_add(&m->tx, h, HEADER);
	if (len > 0)
		sb_add(&m->tx, payload, len);
}

static void
close_channel(struct mux_channel *c)
{
	if (c->fd >= 0)
		(void)close(c->fd);
	c->fd = -1;
	c->reading = c->writing = 0;
	sb_free(&c->pending);
}

/* Our side of channel n failed: closed here, and so at the peer. */
static void
drop(struct mux *m, unsigned n)
{
	close_channel(&m->ch[n]);
	frame(m, 'X', n, NULL, 0);
}

static void
broken(struct mux *m, const char *why)
{
	if (m->end == MUX_RUNNING) {
		m->end = MUX_BROKEN;
		m->why = xstrdup(why);
	}
}

/* What our socket of channel n has, as 'D' frames, within the credit. */
static void
take_channel(struct mux *m, unsigned n)
{
	struct mux_channel *c = &m->ch[n];
	char buf[MUX_FRAME_MAX];
	size_t want;
	ssize_t r;

	while (c->reading && c->credit > 0 && m->tx.len < MUX_OUT_HIGH) {
		want = c->credit < sizeof(buf) ? c->credit : sizeof(buf);
		r = read(c->fd, buf, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r < 0) {
			drop(m, n);
			return;
		}
		if (r == 0) {
			c->reading = 0;
			frame(m, 'E', n, NULL, 0);
			return;
		}
		c->credit -= (size_t)r;
		frame(m, 'D', n, buf, (size_t)r);
	}
}

/* What came for channel n, to our socket; credit given back. */
static void
give_channel(struct mux *m, unsigned n)
{
	struct mux_channel *c = &m->ch[n];
	unsigned char v[4];
	ssize_t w;

	while (c->fd >= 0 && c->pending.len > 0) {
		w = write(c->fd, c->pending.s, c->pending.len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			break;
		if (w < 0) {
			drop(m, n);
			return;
		}
		sb_consume(&c->pending, (size_t)w);
		c->written += (size_t)w;
	}
	if (c->written >= CREDIT_AFTER || (c->written > 0 &&
	    c->pending.len == 0)) {
		v[0] = (unsigned char)(c->written >> 24);
		v[1] = (unsigned char)(c->written >> 16);
		v[2] = (unsigned char)(c->written >> 8);
		v[3] = (unsigned char)c->written;
		frame(m, 'C', n, (char *)v, 4);
		c->written = 0;
	}
	if (c->fd >= 0 && c->writing && c->peer_end && c->pending.len == 0) {
		(void)shutdown(c->fd, SHUT_WR);
		c->writing = 0;
	}
}

/* One frame from the peer; 0, or -1 after broken(). */
static int
apply(struct mux *m, char type, unsigned n, const unsigned char *p,
    size_t len)
{
	struct mux_channel *c;
	size_t more;

	/* An end of a channel this side never opened: nothing to do. */
	if (n < MUX_CHANNELS && !m->ch[n].used && (type == 'E' || type == 'X'))
		return 0;
	if (n >= MUX_CHANNELS || !m->ch[n].used) {
		broken(m, "the peer named a channel that is not open");
		return -1;
	}
	c = &m->ch[n];
	switch (type) {
	case 'D':
		if (c->fd < 0 || !c->writing)	/* closed here: dropped */
			return 0;
		if (c->pending.len + len > MUX_WINDOW) {
			broken(m, "the peer sent past its credit");
			return -1;
		}
		sb_add(&c->pending, (const char *)p, len);
		return 0;
	case 'E':
		c->peer_end = 1;
		return 0;
	case 'X':
		close_channel(c);
		return 0;
	case 'C':
		more = len == 4 ? (size_t)p[0] << 24 | (size_t)p[1] << 16 |
		    (size_t)p[2] << 8 | p[3] : 0;
		if (more == 0 || c->credit + more > MUX_WINDOW) {
			broken(m, "the peer gave credit it did not owe");
			return -1;
		}
		c->credit += more;
		return 0;
	}
	broken(m, "the peer sent what is no frame");
	return -1;
}

/* Applies every whole frame read: 0, or -1 after broken(). */
static int
apply_read(struct mux *m)
{
	const unsigned char *h;
	size_t len;

	while (m->rx.len >= HEADER) {
		h = (const unsigned char *)m->rx.s;
		len = (size_t)h[2] << 8 | h[3];
		if (m->rx.len < HEADER + len)
			break;
		if (apply(m, (char)h[0], h[1], h + HEADER, len) != 0)
			return -1;
		sb_consume(&m->rx, HEADER + len);
	}
	return 0;
}

/* Reads the connection and applies every whole frame in it. */
static void
take_connection(struct mux *m)
{
	char buf[65536];
	ssize_t r;

	if (apply_read(m) != 0)
		return;
	for (;;) {
		r = read(m->in, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r <= 0) {
			m->link_ended = 1;
			return;
		}
		sb_add(&m->rx, buf, (size_t)r);
		if (apply_read(m) != 0)
			return;
		if ((size_t)r < sizeof(buf))
			break;
	}
}

/* Writes what waits for the connection: 0, or -1 when it is gone. */
static int
give_connection(struct mux *m)
{
	ssize_t w;

	while (m->tx.len > 0) {
		w = write(m->out, m->tx.s, m->tx.len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return 0;
		if (w < 0) {
			if (m->end == MUX_RUNNING)
				m->end = MUX_LINK_LOST;
			return -1;
		}
		sb_consume(&m->tx, (size_t)w);
	}
	return 0;
}

/* Whether every channel has ended both ways. */
static int
all_ended(const struct mux *m)
{
	unsigned i;

	for (i = 0; i < MUX_CHANNELS; i++)
		if (m->ch[i].used && (m->ch[i].reading || m->ch[i].writing))
			return 0;
	return 1;
}

/*
 * The poll set; what each entry is in who[] (a channel, or WHO_).  A
 * descriptor with nothing to wait for is left out (-1): a socket whose
 * peer is gone would say POLLHUP for ever.
 */
enum { WHO_IN = -1, WHO_WAKE = -2, WHO_OUT = -3 };

static void
poll_add(struct pollfd *pfd, nfds_t *n, int *who, int fd, short events,
    int what)
{
	pfd[*n].fd = events != 0 ? fd : -1;
	pfd[*n].events = events;
	pfd[*n].revents = 0;
	who[(*n)++] = what;
}

static nfds_t
poll_set(struct mux *m, struct pollfd *pfd, int *who)
{
	struct mux_channel *c;
	nfds_t n = 0;
	unsigned i;
	short ev;

	poll_add(pfd, &n, who, m->wake[0], m->stopping ? 0 : POLLIN,
	    WHO_WAKE);
	poll_add(pfd, &n, who, m->out, m->tx.len > 0 ? POLLOUT : 0, WHO_OUT);
	if (m->stopping)
		return n;
	poll_add(pfd, &n, who, m->in, POLLIN, WHO_IN);
	for (i = 0; i < MUX_CHANNELS; i++) {
		c = &m->ch[i];
		if (c->fd < 0)
			continue;
		ev = 0;
		if (c->reading && c->credit > 0 && m->tx.len < MUX_OUT_HIGH)
			ev |= POLLIN;
		if (c->pending.len > 0)
			ev |= POLLOUT;
		poll_add(pfd, &n, who, c->fd, ev, (int)i);
	}
	return n;
}

/*
 * mux_stop asked: what our sockets hold now (the last lines written
 * just before the stop: a refusal, say) and what waits are written by
 * flush_until, then the end.
 */
static void
stop_asked(struct mux *m)
{
	char b[16];
	unsigned k;

	if (m->stopping || read(m->wake[0], b, sizeof(b)) <= 0)
		return;
	m->stopping = 1;
	m->flush_until = now_ms() + MUX_FLUSH_MS;
	for (k = 0; k < MUX_CHANNELS && m->end == MUX_RUNNING &&
	    !m->link_ended; k++)
		if (m->ch[k].fd >= 0)
			take_channel(m, k);
}

static void
close_all(struct mux *m)
{
	unsigned i;

	for (i = 0; i < MUX_CHANNELS; i++)
		if (m->ch[i].used)
			close_channel(&m->ch[i]);
}

/*
 * The connection ended: what came before its end goes to our sockets
 * (as much as they take now: the caller reads a last control line
 * after the peer left), then the end.
 */
static void
link_ended(struct mux *m)
{
	unsigned k;

	for (k = 0; k < MUX_CHANNELS; k++)
		if (m->ch[k].fd >= 0)
			give_channel(m, k);
	if (m->end == MUX_RUNNING)
		m->end = all_ended(m) ? MUX_DONE : MUX_LINK_LOST;
}

/* One turn of the loop, after poll said what is ready. */
static void
turn(struct mux *m)
{
	unsigned k;

	take_connection(m);
	for (k = 0; k < MUX_CHANNELS && m->end == MUX_RUNNING &&
	    !m->link_ended; k++) {
		if (m->ch[k].fd < 0)
			continue;
		give_channel(m, k);
		take_channel(m, k);
	}
	if (m->link_ended)
		link_ended(m);
	if (m->tx.len > 0 && give_connection(m) != 0 && m->end == MUX_RUNNING)
		m->end = MUX_LINK_LOST;
}

enum mux_end
mux_run(struct mux *m)
{
	struct pollfd pfd[MUX_CHANNELS + 3];
	int who[MUX_CHANNELS + 3];
	long long left = -1;
	nfds_t n;

	turn(m);	/* what mux_preload gave, and what is there now */
	while (m->end == MUX_RUNNING) {
		if (m->stopping) {
			left = m->flush_until - now_ms();
			if (m->tx.len == 0 || left <= 0 ||
			    give_connection(m) != 0) {
				m->end = MUX_DONE;
				break;
			}
		} else if (all_ended(m) && m->tx.len == 0) {
			m->end = MUX_DONE;
			break;
		}
		n = poll_set(m, pfd, who);
		if (poll(pfd, n, (int)left) < 0 && errno != EINTR) {
			broken(m, strerror(errno));
			break;
		}
		stop_asked(m);
		if (!m->stopping)
			turn(m);
	}
	close_all(m);
	return m->end;
}

static void *
run_thread(void *arg)
{
	(void)mux_run(arg);
	return NULL;
}

int
mux_start(struct mux *m, struct diag *d)
{
	sigset_t all, old;
	int e;

	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&m->thread, NULL, run_thread, m);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		diag_error(d, "cannot start the relay: %s", strerror(e));
		return -1;
	}
	m->started = 1;
	return 0;
}

enum mux_end
mux_stop(struct mux *m)
{
	/* Full: a stop is asked already. */
	if (m->started)
		(void)!write(m->wake[1], "x", 1);
	return mux_wait(m);
}

enum mux_end
mux_wait(struct mux *m)
{
	if (m->started) {
		(void)pthread_join(m->thread, NULL);
		m->started = 0;
	}
	return m->end;
}

const char *
mux_why(const struct mux *m)
{
	return m->why != NULL ? m->why : m->end == MUX_LINK_LOST ?
	    "the connection ended" : "no problem";
}

void
mux_free(struct mux *m)
{
	close_all(m);
	if (m->wake[0] >= 0)
		(void)close(m->wake[0]);
	if (m->wake[1] >= 0)
		(void)close(m->wake[1]);
	sb_free(&m->tx);
	sb_free(&m->rx);
	free(m->why);
	m->why = NULL;
	m->wake[0] = m->wake[1] = -1;
}
