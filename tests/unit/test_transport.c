/*
 * test_transport.c - child processes read from one poll loop: the
 * greeting that tells the remote program from the remote shell, noise
 * before it dropped, stderr before it held, each job's deadline and
 * byte bound, and how each ended.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "sock.h"
#include "transport.h"
#include "unit.h"

#define G	"printf '\\036qemu-init -H 1\\n'; "

struct seen {
	struct strbuf	out, err;
	int		done;
};

static void
keep(struct transport_job *j, int stream, const char *buf, size_t len)
{
	struct seen *s = j->arg;

	sb_add(stream == 1 ? &s->out : &s->err, buf, len);
}

static void
ended(struct transport_job *j, void *arg)
{
	(void)arg;
	((struct seen *)j->arg)->done++;
}

static void
job(struct transport_job *j, struct seen *s, char *script)
{
	static char *argv[8][4];
	static int next;
	char **av = argv[next++ % 8];

	av[0] = "sh";
	av[1] = "-c";
	av[2] = script;
	av[3] = NULL;
	memset(j, 0, sizeof(*j));
	memset(s, 0, sizeof(*s));
	sb_init(&s->out);
	sb_init(&s->err);
	j->argv = av;
	j->input = -1;
	j->max_bytes = 100000;
	j->timeout_ms = 1000;
	j->out = keep;
	j->arg = s;
}

TEST(transport_greeting_bounds_deadlines)
{
	struct transport_job j[6];
	struct seen s[6];
	long long t0;
	char *words;
	size_t i;

	job(&j[0], &s[0], "echo noise; echo held >&2; " G
	    "echo out; echo err >&2; exit 3");
	job(&j[1], &s[1], "echo 'sh: 1: qemu-init: not found' >&2; exit 127");
	job(&j[2], &s[2], G "exec sleep 10");
	job(&j[3], &s[3], G "head -c 300000 /dev/zero");
	job(&j[4], &s[4], "head -c 300000 /dev/zero");	/* no greeting */
	job(&j[5], &s[5], G "kill -TERM $$");
	t0 = now_ms();
	transport_run(j, 6, 2, ended, NULL);
	CHECK(now_ms() - t0 < 5000);	/* sleep 10 cost its deadline only */
	for (i = 0; i < 6; i++)
		CHECK(s[i].done == 1);
	CHECK(j[0].end == TRANSPORT_EXITED && j[0].status == 3 &&
	    j[0].greeted);
	CHECK_STR(s[0].out.s, "out\n");		/* the noise dropped */
	CHECK_STR(s[0].err.s, "held\nerr\n");	/* held, then handed on */
	CHECK(j[1].end == TRANSPORT_EXITED && j[1].status == 127 &&
	    !j[1].greeted && s[1].err.len == 0);
	CHECK_STR(words = transport_last_words(&j[1]),
	    "sh: 1: qemu-init: not found");
	free(words);
	CHECK(j[2].end == TRANSPORT_TIMED_OUT && j[2].status == -1);
	CHECK(j[3].end == TRANSPORT_TOO_LONG && s[3].out.len == 100000);
	CHECK(j[4].end == TRANSPORT_TOO_LONG && !j[4].greeted &&
	    s[4].out.len == 0);
	CHECK(j[5].end == TRANSPORT_KILLED && j[5].status == 128 + 15);
	for (i = 0; i < 6; i++) {
		transport_job_free(&j[i]);
		sb_free(&s[i].out);
		sb_free(&s[i].err);
	}
}

TEST(transport_not_started)
{
	char *argv[] = { "/nonexistent/ssh", NULL };
	struct transport_job j;
	char *words;

	memset(&j, 0, sizeof(j));
	j.argv = argv;
	j.input = -1;
	j.max_bytes = 10;
	j.timeout_ms = 1000;
	transport_run(&j, 1, 1, NULL, NULL);
	/*
	 * glibc's posix_spawn reports a failed exec; under valgrind, which
	 * runs its vfork as a fork, the child exits 127 instead.
	 */
	if (j.end == TRANSPORT_NOT_STARTED) {
		CHECK_STR(words = transport_last_words(&j), "cannot run "
		    "/nonexistent/ssh: No such file or directory");
		free(words);
	} else
		CHECK(j.end == TRANSPORT_EXITED && j.status == 127);
	transport_job_free(&j);
}

/*
 * A session: noise before the greeting dropped, what came with it kept
 * as the connection's first bytes, the connection both ways after it;
 * a program that never greets fails with its last words, and ends.
 */
TEST(transport_session_greets_then_carries)
{
	char *greets[] = { "sh", "-c", "echo noise; echo oops >&2; "
	    "printf '\\036qemu-init -H 1\\nEARLY'; exec cat", NULL };
	char *silent[] = { "sh", "-c", "echo 'sh: qemu-init: not found' >&2; "
	    "exit 127", NULL };
	char *slow[] = { "sh", "-c", "exec sleep 30", NULL };
	struct transport_session s;
	struct diag d;
	char buf[16];
	long long t0;

	diag_init(&d);
	CHECK(transport_open(&s, greets, now_ms() + 10000, &d) == 0);
	CHECK(s.early.len == 5 && memcmp(s.early.s, "EARLY", 5) == 0);
	CHECK(sock_write_all(s.fd, "ping", 4, now_ms() + 2000, &d) ==
	    SOCK_OK);
	t0 = now_ms();
	while (read(s.fd, buf, 4) != 4 && now_ms() - t0 < 10000)
		usleep(10000);
	CHECK(memcmp(buf, "ping", 4) == 0);
	transport_drain(&s);
	CHECK(strstr(s.held.s, "oops") != NULL);
	transport_close(&s, 2000);	/* cat ends with its input */
	CHECK(s.pid == -1 && s.status == 0);
	CHECK(transport_open(&s, silent, now_ms() + 10000, &d) == -1);
	CHECK_STR(diag_first_error(&d), "sh: qemu-init: not found");
	CHECK(s.pid == -1);
	transport_close(&s, 0);
	diag_clear(&d);
	CHECK(transport_open(&s, slow, now_ms() + 300, &d) == -1);
	CHECK_STR(diag_first_error(&d), "no answer in time");
	transport_close(&s, 0);
	diag_clear(&d);
}
