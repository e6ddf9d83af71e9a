/*
 * test_mux.c - channels over one connection: two muxes over a
 * socketpair, each in its thread, or one against a hand-written peer:
 * bytes both ways, half-closes and closes passed on, a slow channel
 * that holds back nothing but itself, the bound of what is held, a
 * peer that breaks the rules, and a connection that ends.
 */
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mux.h"
#include "sock.h"
#include "unit.h"

#define WAIT_MS	20000	/* a bound on a hang, never a timing */

/* Two muxes, A and B, and the test's ends of their channels. */
struct rig {
	struct mux	 a, b;
	int		 la[MUX_CHANNELS], lb[MUX_CHANNELS];
};

static void
setup(struct rig *r, unsigned nch)
{
	int s[2], p[2];
	unsigned k;

	signal(SIGPIPE, SIG_IGN);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s) == 0);
	CHECK(mux_init(&r->a, s[0], s[0], NULL) == 0);
	CHECK(mux_init(&r->b, s[1], s[1], NULL) == 0);
	for (k = 0; k < nch; k++) {
		CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) ==
		    0);
		mux_add(&r->a, k, p[0]);
		r->la[k] = p[1];
		CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) ==
		    0);
		mux_add(&r->b, k, p[0]);
		r->lb[k] = p[1];
	}
	CHECK(mux_start(&r->a, NULL) == 0);
	CHECK(mux_start(&r->b, NULL) == 0);
}

static void
teardown(struct rig *r, unsigned nch)
{
	unsigned k;

	for (k = 0; k < nch; k++) {
		close(r->la[k]);
		close(r->lb[k]);
	}
	(void)mux_stop(&r->a);
	(void)mux_stop(&r->b);
	close(r->a.in);
	close(r->b.in);
	mux_free(&r->a);
	mux_free(&r->b);
}

/* Reads fd until want bytes or its end came, by a deadline. */
static size_t
read_some(int fd, struct strbuf *got, size_t want)
{
	long long deadline = now_ms() + WAIT_MS;
	struct pollfd pfd = { fd, POLLIN, 0 };
	char buf[65536];
	ssize_t n;

	while (got->len < want && now_ms() < deadline) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		sb_add(got, buf, (size_t)n);
	}
	return got->len;
}

/* Whether fd's next read says its end (0), by a deadline. */
static int
at_end(int fd)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	char b;

	return poll(&pfd, 1, WAIT_MS) == 1 && read(fd, &b, 1) <= 0;
}

/* len bytes from w to r through the rig, both read and written. */
static int
carried(int w, int r, size_t len)
{
	long long deadline = now_ms() + WAIT_MS;
	struct pollfd pfd[2] = { { w, POLLOUT, 0 }, { r, POLLIN, 0 } };
	struct strbuf got;
	char *data, buf[65536];
	size_t sent = 0, i;
	ssize_t n;
	int ok;

	data = xmalloc(len);
	for (i = 0; i < len; i++)
		data[i] = (char)(i * 7 + i / 251);
	sb_init(&got);
	(void)fcntl(w, F_SETFL, O_NONBLOCK);
	while (got.len < len && now_ms() < deadline) {
		pfd[0].fd = sent < len ? w : -1;
		(void)poll(pfd, 2, 100);
		if (sent < len && (n = write(w, data + sent, len - sent)) > 0)
			sent += (size_t)n;
		if ((pfd[1].revents & POLLIN) &&
		    (n = read(r, buf, sizeof(buf))) > 0)
			sb_add(&got, buf, (size_t)n);
	}
	ok = got.len == len && memcmp(got.s, data, len) == 0;
	sb_free(&got);
	free(data);
	return ok;
}

TEST(mux_carries_channels_both_ways_and_their_ends)
{
	struct strbuf got;
	struct rig r;

	setup(&r, 3);
	sb_init(&got);
	CHECK(write(r.la[0], "hello", 5) == 5);
	CHECK(read_some(r.lb[0], &got, 5) == 5 && memcmp(got.s, "hello",
	    5) == 0);
	/* More than a window, each way, on two channels. */
	CHECK(carried(r.la[1], r.lb[1], 3 * MUX_WINDOW + 12345));
	CHECK(carried(r.lb[2], r.la[2], 3 * MUX_WINDOW + 777));
	/* A half-close: the end arrives, the other way stays open. */
	CHECK(shutdown(r.la[0], SHUT_WR) == 0);
	CHECK(at_end(r.lb[0]));
	CHECK(write(r.lb[0], "reply", 5) == 5);
	sb_reset(&got);
	CHECK(read_some(r.la[0], &got, 5) == 5 && memcmp(got.s, "reply",
	    5) == 0);
	/* Every channel ended both ways: both muxes are done. */
	close(r.la[0]);
	close(r.lb[0]);
	close(r.la[1]);
	close(r.lb[1]);
	close(r.la[2]);
	close(r.lb[2]);
	CHECK(mux_wait(&r.a) == MUX_DONE);
	CHECK(mux_wait(&r.b) == MUX_DONE);
	r.la[0] = r.lb[0] = r.la[1] = r.lb[1] = r.la[2] = r.lb[2] = -1;
	teardown(&r, 0);
	sb_free(&got);
}

/*
 * Channel 1's reader reads nothing: its writer is held back after a
 * bounded amount, and channel 0 goes on as if nothing waited.
 */
TEST(mux_a_slow_channel_holds_back_only_itself)
{
	char *chunk = xcalloc(1, 65536);
	struct strbuf got;
	size_t stuck = 0, total;
	struct rig r;
	ssize_t n;
	int rounds;

	setup(&r, 2);
	sb_init(&got);
	(void)fcntl(r.la[1], F_SETFL, O_NONBLOCK);
	/* Until it takes no more, for a while. */
	for (rounds = 0; rounds < 50; rounds++) {
		while ((n = write(r.la[1], chunk, 65536)) > 0)
			stuck += (size_t)n;
		usleep(20000);
	}
	CHECK(stuck >= MUX_WINDOW);
	/* The window and the sockets' buffers, no more. */
	CHECK(stuck < MUX_WINDOW + MUX_OUT_HIGH + 16 * 1024 * 1024);
	CHECK(write(r.la[0], "ping\n", 5) == 5);
	CHECK(read_some(r.lb[0], &got, 5) == 5 && memcmp(got.s, "ping\n",
	    5) == 0);
	CHECK(write(r.lb[0], "pong\n", 5) == 5);
	sb_reset(&got);
	CHECK(read_some(r.la[0], &got, 5) == 5);
	/* Nothing of the stuck stream was lost. */
	sb_reset(&got);
	total = read_some(r.lb[1], &got, stuck);
	CHECK(total == stuck);
	teardown(&r, 2);
	sb_free(&got);
	free(chunk);
}

/* A mux against the test, which writes frames by hand. */
static void
setup_raw(struct mux *m, int *peer, int *local)
{
	int s[2], p[2];

	signal(SIGPIPE, SIG_IGN);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) == 0);
	CHECK(mux_init(m, s[0], s[0], NULL) == 0);
	mux_add(m, 0, p[0]);
	*local = p[1];
	*peer = s[1];
	(void)fcntl(*peer, F_SETFL, O_NONBLOCK);
	CHECK(mux_start(m, NULL) == 0);
}

/* Writes a frame to fd by a deadline: 0, or -1 when it was not taken. */
static int
raw_frame(int fd, char type, unsigned ch, const char *p, size_t len)
{
	char h[4] = { type, (char)ch, (char)(len >> 8), (char)len };
	struct strbuf sb;
	int rc;

	sb_init(&sb);
	sb_add(&sb, h, 4);
	sb_add(&sb, p, len);
	rc = sock_write_all(fd, sb.s, sb.len, now_ms() + 500, NULL);
	sb_free(&sb);
	return rc == SOCK_OK ? 0 : -1;
}

static void
teardown_raw(struct mux *m, int peer, int local)
{
	close(peer);
	close(local);
	(void)mux_stop(m);
	close(m->in);
	mux_free(m);
}

/* Each rule a peer can break ends the mux, and says which. */
TEST(mux_a_peer_that_breaks_the_rules_is_cut)
{
	static const struct {
		char		 type;
		unsigned	 ch;
		const char	*payload;
		size_t		 len;
		const char	*why;
	} bad[] = {
		{ 'Q', 0, "", 0, "no frame" },
		{ 'D', 7, "x", 1, "not open" },
		{ 'D', 200, "x", 1, "not open" },
		{ 'C', 0, "\0\0\0\1", 4, "credit it did not owe" },
		{ 'C', 0, "\0\1", 2, "credit it did not owe" }
	};
	char *big = xcalloc(1, MUX_FRAME_MAX);
	struct mux m;
	size_t i;
	int peer, local, k;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup_raw(&m, &peer, &local);
		(void)raw_frame(peer, bad[i].type, bad[i].ch,
		    bad[i].payload, bad[i].len);
		CHECK(mux_wait(&m) == MUX_BROKEN);
		CHECK(strstr(mux_why(&m), bad[i].why) != NULL);
		CHECK(at_end(local));
		teardown_raw(&m, peer, local);
	}
	/* Past its credit: the local socket is not read meanwhile. */
	setup_raw(&m, &peer, &local);
	for (k = 0; k < MUX_WINDOW / MUX_FRAME_MAX + 8; k++)
		if (raw_frame(peer, 'D', 0, big, MUX_FRAME_MAX) != 0)
			break;
	CHECK(mux_wait(&m) == MUX_BROKEN);
	CHECK(strstr(mux_why(&m), "past its credit") != NULL);
	teardown_raw(&m, peer, local);
	free(big);
}

/*
 * The connection ends: what came before its end is delivered, then
 * every channel's socket is closed.
 */
TEST(mux_link_lost_delivers_then_closes)
{
	struct strbuf got;
	struct mux m;
	int peer, local;

	sb_init(&got);
	setup_raw(&m, &peer, &local);
	CHECK(raw_frame(peer, 'D', 0, "last words\n", 11) == 0);
	close(peer);
	CHECK(mux_wait(&m) == MUX_LINK_LOST);
	CHECK(read_some(local, &got, 11) == 11 && memcmp(got.s,
	    "last words\n", 11) == 0);
	CHECK(at_end(local));
	teardown_raw(&m, -1, local);
	sb_free(&got);
}

/* A socket closed at one end is closed at the other. */
TEST(mux_close_passes_on)
{
	struct rig r;
	char buf[4096];
	int i, ended = 0;

	setup(&r, 2);
	close(r.lb[1]);
	r.lb[1] = -1;
	memset(buf, 'z', sizeof(buf));
	(void)fcntl(r.la[1], F_SETFL, O_NONBLOCK);
	/* Writes until B fails to deliver them and says so. */
	for (i = 0; i < 2000 && !ended; i++) {
		if (write(r.la[1], buf, sizeof(buf)) < 0 && errno == EPIPE)
			ended = 1;
		usleep(1000);
	}
	CHECK(ended || at_end(r.la[1]));
	/* Channel 0 is unharmed. */
	CHECK(write(r.la[0], "ok", 2) == 2);
	CHECK(read(r.lb[0], buf, 2) == 2);
	teardown(&r, 2);
}
