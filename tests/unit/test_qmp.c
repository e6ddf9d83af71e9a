/*
 * test_qmp.c - the QMP client against a scripted fake QEMU in a child
 * process: handshake, identity check, replies matched by id, errors,
 * events, HMP output and failures, one deadline per request against a
 * monitor that keeps talking, a monitor that never greets (busy), and
 * the other loopback address when one is busy.
 */
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qmp.h"
#include "unit.h"

/* How the fake answers. */
enum fake {
	FAKE_QEMU,	/* as QEMU does, by the command (see answer()) */
	FAKE_SILENT,	/* accepts, never greets: a monitor that is busy */
	FAKE_NOT_QMP,	/* another protocol */
	FAKE_CHATTY,	/* greets, then sends events and never answers */
	FAKE_REORDER	/* answers the handshake's two commands backwards */
};

#define FAKE_LIFE_S	10	/* a fake ends by itself after this */

static void
say(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		_exit(1);
}

/* Events every 20 ms, until the fake's life ends. */
static void __attribute__((noreturn))
chatter(int c)
{
	int i;

	for (i = 0; i < FAKE_LIFE_S * 50; i++) {
		say(c, "{\"event\": \"RTC_CHANGE\", \"data\": "
		    "{\"offset\": 1}, \"timestamp\": {\"seconds\": 1, "
		    "\"microseconds\": 2}}\r\n");
		usleep(20000);
	}
	_exit(0);
}

/* {"return": VALUE, "id": ID} (no id when id is NULL). */
static void
reply(int c, const char *value, const char *id)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_addf(&sb, "{\"return\": %s", value);
	if (id != NULL) {
		sb_adds(&sb, ", \"id\": ");
		(void)json_quote(&sb, id);
	}
	sb_adds(&sb, "}\r\n");
	say(c, sb.s);
	sb_free(&sb);
}

/*
 * Answers one request line.  *held is a request kept unanswered (its
 * id), answered before the next one: a reply that comes too late.
 */
static void
answer(int c, const char *name, const char *line, char **held)
{
	const char *id, *exec, *cmd = "";
	char value[512];
	struct json j;
	const char *why;

	if (json_parse(&j, line, strlen(line), &why) != 0)
		_exit(2);
	id = json_get_string(&j, "id");
	exec = json_get_string(&j, "execute");
	if (json_get_string(json_get(&j, "arguments"), "command-line"))
		cmd = json_get_string(json_get(&j, "arguments"),
		    "command-line");
	if (*held != NULL) {
		reply(c, "\"output of slow\\r\\n\"", *held);
		free(*held);
		*held = NULL;
	}
	if (exec == NULL) {
		snprintf(value, sizeof(value), "{\"error\": {\"class\": "
		    "\"GenericError\", \"desc\": \"QMP input lacks member "
		    "'execute'\"}, \"id\": \"%s\"}\r\n", id ? id : "");
		say(c, value);
	} else if (strcmp(exec, "qmp_capabilities") == 0)
		reply(c, "{}", id);
	else if (strcmp(exec, "query-status") == 0)
		reply(c, "{\"status\": \"paused\"}", id);
	else if (strcmp(exec, "query-name") == 0) {
		snprintf(value, sizeof(value), "{\"name\": \"%s\"}", name);
		reply(c, value, id);
	} else if (strcmp(cmd, "info status") == 0) {
		say(c, "{\"event\": \"SHUTDOWN\", \"data\": {}}\r\n");
		reply(c, "\"VM status: running\\r\\nline 2\\r\\n\"", id);
	} else if (strcmp(cmd, "info name") == 0)
		reply(c, "\"web\\r\\n\"", id);
	else if (strcmp(cmd, "stale") == 0) {
		/* Another command's reply, and one with no id, first. */
		reply(c, "\"output of another command\\r\\n\"", "qinit-999");
		reply(c, "\"output of no command\\r\\n\"", NULL);
		reply(c, "\"fresh\\r\\n\"", id);
	} else if (strcmp(cmd, "slow") == 0)
		*held = xstrdup(id);
	else if (strcmp(cmd, "chatter") == 0)
		chatter(c);
	else if (strcmp(cmd, "unreadable") == 0)
		say(c, "{\"error\": {\"class\": \"GenericError\", \"desc\": "
		    "\"JSON parse error, invalid UTF-8 sequence in string\"}}"
		    "\r\n");
	else if (strcmp(cmd, "bogus") == 0)
		reply(c, "\"unknown command: 'bogus'\\r\\n\"", id);
	else if (strncmp(cmd, "device_del", 10) == 0)
		reply(c, "\"Error: Device 'x' not found\\r\\n\"", id);
	else {
		snprintf(value, sizeof(value), "{\"error\": {\"class\": "
		    "\"CommandNotFound\", \"desc\": \"The command %s has not "
		    "been found\"}, \"id\": \"%s\"}\r\n", exec, id ? id : "");
		say(c, value);
	}
	json_free(&j);
}

/* One client at a time, as QEMU's monitor; ends after FAKE_LIFE_S. */
static void __attribute__((noreturn))
serve(int l, const char *name, enum fake how)
{
	char buf[8192], *nl, *held = NULL, *first = NULL;
	size_t len;
	ssize_t n;
	int c;

	alarm(FAKE_LIFE_S);
	for (;;) {
		if ((c = accept(l, NULL, NULL)) < 0)
			_exit(1);
		if (how == FAKE_SILENT) {
			sleep(FAKE_LIFE_S);
			_exit(0);
		}
		say(c, how == FAKE_NOT_QMP ? "SSH-2.0-OpenSSH\r\n" :
		    "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n");
		if (how == FAKE_CHATTY)
			chatter(c);
		len = 0;
		for (;;) {
			while ((nl = memchr(buf, '\n', len)) == NULL) {
				n = read(c, buf + len, sizeof(buf) - len);
				if (n <= 0)
					break;
				len += (size_t)n;
			}
			if (nl == NULL)
				break;		/* the client left */
			*nl = '\0';
			if (how == FAKE_REORDER && first == NULL)
				first = xstrdup(buf);
			else {
				answer(c, name, buf, &held);
				if (first != NULL)
					answer(c, name, first, &held);
				free(first);
				first = NULL;
				how = how == FAKE_REORDER ? FAKE_QEMU : how;
			}
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
		}
		close(c);
	}
}

/*
 * A listening socket on the loopback: ::1 or 127.0.0.1, on *port, or on
 * a free port put in *port when it is 0.  -1 when it cannot be had.
 */
static int
listen_at(int v6, unsigned *port)
{
	struct sockaddr_storage ss;
	socklen_t len, slen = sizeof(ss);
	int l, one = 1;

	len = sock_loopback(&ss, v6, *port);
	l = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
	if (l < 0)
		return -1;
	if (v6)
		(void)setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	if (bind(l, (struct sockaddr *)&ss, len) != 0 || listen(l, 1) != 0 ||
	    getsockname(l, (struct sockaddr *)&ss, &slen) != 0) {
		close(l);
		return -1;
	}
	*port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	return l;
}

/* Runs a fake on listening socket l; its pid. */
static pid_t
fake_on(int l, const char *name, enum fake how)
{
	pid_t pid;

	if (l < 0)
		return -1;
	if ((pid = fork()) == 0)
		serve(l, name, how);
	close(l);
	return pid;
}

/* A fake on 127.0.0.1 and a free port. */
static pid_t
fake(const char *name, enum fake how, unsigned *port)
{
	*port = 0;
	return fake_on(listen_at(0, port), name, how);
}

static void
reap(pid_t pid)
{
	int status;

	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

/* q open on a fake QEMU of 'web'; the fake's pid. */
static pid_t
open_fake(struct qmp *q, struct diag *d)
{
	unsigned port = 0;
	pid_t pid;

	pid = fake("web", FAKE_QEMU, &port);
	CHECK(pid > 0);
	CHECK(qmp_open(q, "web", port, SOCK_V4, NULL, 2000, d) == QMP_OK);
	return pid;
}

TEST(qmp_talks_to_the_right_vm)
{
	struct strbuf out;
	struct json reply;
	struct diag d;
	struct qmp q;
	pid_t pid;

	diag_init(&d);
	sb_init(&out);
	pid = open_fake(&q, &d);
	CHECK(qmp_hmp(&q, "info status", &out, &d) == QMP_OK);
	CHECK_STR(out.s, "VM status: running\nline 2\n");
	sb_reset(&out);
	CHECK(qmp_hmp(&q, "bogus", &out, &d) == QMP_FAILED);
	CHECK_STR(diag_first_error(&d), "unknown command: 'bogus'");
	diag_clear(&d);
	/* Bytes that are not UTF-8 have no JSON form: never sent. */
	sb_reset(&out);
	CHECK(qmp_hmp(&q, "info \xff\xfe", &out, &d) == QMP_FAILED);
	CHECK_STR(diag_first_error(&d),
	    "the command line is not valid UTF-8: not sent");
	CHECK(out.len == 0);
	diag_clear(&d);
	CHECK(qmp_hmp(&q, "device_del x", &out, &d) == QMP_FAILED);
	CHECK_STR(diag_first_error(&d), "Error: Device 'x' not found");
	diag_clear(&d);
	CHECK(qmp_execute(&q, "{\"execute\":\"nope\"}", &reply, &d) ==
	    QMP_FAILED);
	CHECK_STR(diag_first_error(&d), "The command nope has not been found");
	CHECK(q.last != NULL && strstr(q.last, "CommandNotFound") != NULL);
	diag_clear(&d);
	qmp_close(&q);
	sb_free(&out);
	reap(pid);
}

TEST(qmp_refuses_another_vm_and_strangers)
{
	struct diag d;
	struct qmp q;
	unsigned port = 0;
	pid_t pid;

	diag_init(&d);
	pid = fake("other", FAKE_QEMU, &port);
	CHECK(qmp_open(&q, "web", port, SOCK_V4, NULL, 2000, &d) ==
	    QMP_UNREACHABLE);
	CHECK(strstr(diag_first_error(&d), "answers as VM 'other', not "
	    "'web': nothing sent") != NULL);
	qmp_close(&q);
	diag_clear(&d);
	reap(pid);
	pid = fake("web", FAKE_NOT_QMP, &port);
	CHECK(qmp_open(&q, "web", port, SOCK_V4, NULL, 2000, &d) ==
	    QMP_UNREACHABLE);
	CHECK(strstr(diag_first_error(&d), "sent what is not QMP") != NULL);
	qmp_close(&q);
	diag_clear(&d);
	reap(pid);
}

TEST(qmp_busy_monitor_times_out)
{
	struct diag d;
	struct qmp q;
	unsigned port = 0;
	pid_t pid;

	diag_init(&d);
	pid = fake("web", FAKE_SILENT, &port);
	CHECK(qmp_open(&q, "web", port, SOCK_V4, NULL, 5000, &d) ==
	    QMP_BUSY);
	CHECK_STR(diag_first_error(&d),
	    "monitor of 'web' is busy (another client is connected)");
	qmp_close(&q);
	diag_clear(&d);
	reap(pid);
	CHECK(qmp_open(&q, "web", port, SOCK_V4, NULL, 1000, &d) ==
	    QMP_UNREACHABLE);
	CHECK(strstr(diag_first_error(&d), "'web' is not running") != NULL);
	qmp_close(&q);
	diag_clear(&d);
}

/* Whether a call that started at t0 returned near deadline_ms after. */
static int
near_deadline(long long t0, int deadline_ms)
{
	long long took = now_ms() - t0;

	if (took >= deadline_ms - 50 && took < deadline_ms + 1500)
		return 1;
	printf("#     returned after %lld ms, the deadline was %d ms\n", took,
	    deadline_ms);
	return 0;
}

/* A monitor that keeps sending events moves no deadline. */
TEST(qmp_one_deadline_per_request)
{
	struct strbuf out;
	struct diag d;
	struct qmp q;
	unsigned port = 0;
	long long t0;
	pid_t pid;

	diag_init(&d);
	sb_init(&out);
	/* The handshake: greeting, then events and no reply. */
	pid = fake("web", FAKE_CHATTY, &port);
	t0 = now_ms();
	CHECK(qmp_open(&q, "web", port, SOCK_V4, NULL, 1000, &d) ==
	    QMP_UNREACHABLE);
	CHECK(near_deadline(t0, 1000));
	CHECK_STR(diag_first_error(&d),
	    "monitor of 'web' did not answer in 1000 ms");
	qmp_close(&q);
	diag_clear(&d);
	reap(pid);
	/* A command, on a monitor that greeted and answered before. */
	pid = open_fake(&q, &d);
	q.timeout_ms = 1000;
	t0 = now_ms();
	CHECK(qmp_hmp(&q, "chatter", &out, &d) == QMP_UNREACHABLE);
	CHECK(near_deadline(t0, 1000));
	CHECK_STR(diag_first_error(&d),
	    "monitor of 'web' did not answer in 1000 ms");
	qmp_close(&q);
	diag_clear(&d);
	reap(pid);
	sb_free(&out);
}

/* A unix socket of the test's, listening, at name in the test's dir. */
static int
unix_listener(const char *name, struct sockaddr_un *sun)
{
	int l;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/%s",
	    unit_tmpdir(), name);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l >= 0 && (bind(l, (struct sockaddr *)sun, sizeof(*sun)) != 0 ||
	    listen(l, 4) != 0)) {
		close(l);
		l = -1;
	}
	CHECK(l >= 0);
	return l;
}

/* The same on a unix socket (MONITOR=unix, qemu-init's own socket). */
TEST(qmp_one_deadline_on_a_unix_socket)
{
	struct sockaddr_un sun;
	struct diag d;
	struct qmp q;
	long long t0;
	pid_t pid;

	diag_init(&d);
	pid = fake_on(unix_listener("web.qmp", &sun), "web", FAKE_CHATTY);
	t0 = now_ms();
	CHECK(qmp_open_unix(&q, "web", sun.sun_path, NULL, 1000, &d) ==
	    QMP_UNREACHABLE);
	CHECK(near_deadline(t0, 1000));
	qmp_close(&q);
	diag_clear(&d);
	reap(pid);
}

/* Each reply is the one that carries its command's id. */
TEST(qmp_replies_matched_by_id)
{
	struct strbuf out;
	struct json reply;
	struct diag d;
	struct qmp q;
	unsigned port = 0;
	pid_t pid;

	diag_init(&d);
	sb_init(&out);
	pid = open_fake(&q, &d);
	/* Replies to other ids, or to none, before ours: skipped. */
	CHECK(qmp_hmp(&q, "stale", &out, &d) == QMP_OK);
	CHECK_STR(out.s, "fresh\n");
	/* A command given up on: its late reply is not the next one's. */
	q.timeout_ms = 300;
	sb_reset(&out);
	CHECK(qmp_hmp(&q, "slow", &out, &d) == QMP_UNREACHABLE);
	diag_clear(&d);
	q.timeout_ms = 2000;
	CHECK(qmp_hmp(&q, "info name", &out, &d) == QMP_OK);
	CHECK_STR(out.s, "web\n");
	CHECK(q.last != NULL && strstr(q.last, "slow") == NULL);
	/* An error with no id: QEMU could not read what it was sent. */
	CHECK(qmp_hmp(&q, "unreadable", &out, &d) == QMP_FAILED);
	CHECK_STR(diag_first_error(&d), "the monitor could not read the "
	    "command: JSON parse error, invalid UTF-8 sequence in string");
	diag_clear(&d);
	/* A command's own id is used, and must be a string. */
	CHECK(qmp_execute(&q, "{\"id\": \"mine\", \"execute\":\"query-name\"}",
	    &reply, &d) == QMP_OK);
	CHECK_STR(json_get_string(&reply, "id"), "mine");
	json_free(&reply);
	CHECK(qmp_execute(&q, "{\"execute\":\"query-name\",\"id\":1}", NULL,
	    &d) == QMP_FAILED);
	CHECK_STR(diag_first_error(&d), "its \"id\" is not a string");
	CHECK(q.last == NULL);
	diag_clear(&d);
	CHECK(qmp_execute(&q, "{ }", NULL, &d) == QMP_FAILED);
	CHECK_STR(diag_first_error(&d), "QMP input lacks member 'execute'");
	diag_clear(&d);
	CHECK(qmp_command_check("{\"execute\":\"x\",\"n\":1-2}", &d) == -1);
	CHECK_STR(diag_first_error(&d), "not JSON: bad number");
	diag_clear(&d);
	qmp_close(&q);
	reap(pid);
	/* A handshake answered backwards still checks the right reply. */
	pid = fake("web", FAKE_REORDER, &port);
	CHECK(qmp_open(&q, "web", port, SOCK_V4, NULL, 2000, &d) ==
	    QMP_OK);
	CHECK(d.errors == 0);
	qmp_close(&q);
	diag_clear(&d);
	reap(pid);
	sb_free(&out);
}

/* A client that connects to port and stays; its pid. */
static pid_t
idle_client(int v6, unsigned port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char c;
	pid_t pid;
	int fd, p[2];

	if (pipe(p) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		len = sock_loopback(&ss, v6, port);
		fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) != 0 ||
		    read(fd, &c, 1) != 1)
			_exit(1);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		sleep(FAKE_LIFE_S);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1) {
		reap(pid);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

/* A monitor held by another client: who it is. */
TEST(qmp_busy_says_who_holds_the_port)
{
	struct diag d;
	struct qmp q;
	unsigned port = 0;
	struct passwd *pw;
	pid_t pid, holder;
	char *want, *user;

	diag_init(&d);
	pid = fake("web", FAKE_QEMU, &port);
	holder = idle_client(0, port);
	CHECK(holder > 0);
	CHECK(qmp_open(&q, "web", port, SOCK_V4, NULL, 5000, &d) ==
	    QMP_BUSY);
	want = xasprintf("monitor of 'web' is busy: held by pid %ld (",
	    (long)holder);
	/*
	 * Its pid, or, when looking through /proc took longer than
	 * HOLDERS_MS (a loaded machine, valgrind), its user.
	 */
	pw = getpwuid(getuid());
	user = xasprintf("monitor of 'web' is busy: held by a process of "
	    "user %s", pw != NULL ? pw->pw_name : "?");
	CHECK(diag_first_error(&d) != NULL &&
	    (strncmp(diag_first_error(&d), want, strlen(want)) == 0 ||
	    strcmp(diag_first_error(&d), user) == 0));
	free(user);
	if (diag_first_error(&d) != NULL)
		printf("#     %s\n", diag_first_error(&d));
	free(want);
	qmp_close(&q);
	diag_clear(&d);
	reap(holder);
	reap(pid);
}

/*
 * 127.0.0.1 held by an idle client, ::1 free: the client uses ::1, but
 * only where it was told that QEMU listens there too.
 */
TEST(qmp_falls_back_to_the_other_loopback_address)
{
	struct diag d;
	struct qmp q;
	unsigned port = 0;
	pid_t pid4 = -1, pid6 = -1, holder;
	int l4 = -1, l6 = -1, i;

	diag_init(&d);
	CHECK(sock_has_ipv6_loopback());	/* as on the CI machine */
	for (i = 0; i < 20 && l6 < 0; i++) {
		if (l4 >= 0)
			close(l4);
		port = 0;
		l4 = listen_at(0, &port);
		l6 = listen_at(1, &port);
	}
	CHECK(l4 >= 0 && l6 >= 0);
	pid6 = fake_on(l6, "web", FAKE_QEMU);
	pid4 = fake_on(l4, "web", FAKE_QEMU);
	holder = idle_client(0, port);
	CHECK(holder > 0);
	CHECK(qmp_open(&q, "web", port, SOCK_V4 | SOCK_V6, NULL, 5000, &d) ==
	    QMP_OK);
	CHECK(d.errors == 0);
	qmp_close(&q);
	CHECK(qmp_open(&q, "web", port, SOCK_V4, NULL, 5000, &d) == QMP_BUSY);
	qmp_close(&q);
	diag_clear(&d);
	reap(pid4);
	reap(pid6);
	reap(holder);
}

/*
 * Who answers known beforehand: it is not asked its name (this fake
 * would say "other"), but must still run once greeted.
 */
TEST(qmp_known_qemu_is_not_asked)
{
	struct strbuf out;
	struct proc_id id, gone;
	struct diag d;
	struct qmp q;
	unsigned port = 0;
	pid_t pid, dead;
	int status;

	diag_init(&d);
	sb_init(&out);
	pid = fake("other", FAKE_QEMU, &port);
	CHECK(proc_identify(pid, &id) == 0);
	CHECK(qmp_open(&q, "web", port, SOCK_V4, &id, 2000, &d) == QMP_OK);
	CHECK(qmp_hmp(&q, "info status", &out, &d) == QMP_OK);
	CHECK_STR(out.s, "VM status: running\nline 2\n");
	qmp_close(&q);
	/* The process said to listen there has ended: nothing is sent. */
	if ((dead = fork()) == 0)
		_exit(0);
	CHECK(proc_identify(dead, &gone) == 0 || gone.pid == dead);
	waitpid(dead, &status, 0);
	CHECK(qmp_open(&q, "web", port, SOCK_V4, &gone, 2000, &d) ==
	    QMP_UNREACHABLE);
	CHECK(diag_first_error(&d) != NULL && strstr(diag_first_error(&d),
	    "is gone): nothing sent") != NULL);
	qmp_close(&q);
	diag_clear(&d);
	reap(pid);
	sb_free(&out);
}

/*
 * On a unix socket, who listens is known from the connect: the QEMU
 * said, or nothing is sent.  A query then costs one round trip.
 */
TEST(qmp_unix_peer_must_be_the_qemu)
{
	struct sockaddr_un sun;
	struct proc_id id, me;
	struct diag d;
	struct qmp q;
	char *status = NULL;
	pid_t pid;
	int l;

	diag_init(&d);
	l = unix_listener("peer.qmp", &sun);
	CHECK(l >= 0);
	/* The listening socket is the test's: its pid is the peer's. */
	CHECK(proc_identify(getpid(), &me) == 0);
	pid = fake_on(dup(l), "other", FAKE_QEMU);
	CHECK(proc_identify(pid, &id) == 0);
	CHECK(qmp_query_unix("web", sun.sun_path, &me, "query-status",
	    "status", &status, 2000, &d) == QMP_OK);
	CHECK_STR(status, "paused");
	free(status);
	CHECK(qmp_query_unix("web", sun.sun_path, NULL, "query-status",
	    "status", &status, 2000, &d) == QMP_UNREACHABLE);
	CHECK(strstr(diag_first_error(&d), "answers as VM 'other'") != NULL);
	free(status);
	diag_clear(&d);
	/* Last: the fake may die greeting a client that left at once. */
	CHECK(qmp_open_unix(&q, "web", sun.sun_path, &id, 2000, &d) ==
	    QMP_UNREACHABLE);
	CHECK(diag_first_error(&d) != NULL && strstr(diag_first_error(&d),
	    "is not the monitor of 'web'") != NULL);
	qmp_close(&q);
	diag_clear(&d);
	close(l);
	reap(pid);
}

/*
 * A peer on the other end of a socketpair that takes one command and
 * the descriptor that came with it, and answers with what it is: the
 * size of the file, the byte it holds, and whether it came at all.
 */
static void __attribute__((noreturn))
fd_peer(int c)
{
	union {
		char		buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	align;
	} control;
	char buf[4096], *id, out[256], byte = '?';
	struct iovec iov = { buf, sizeof(buf) - 1 };
	struct msghdr msg;
	struct cmsghdr *cm;
	struct json j;
	const char *why;
	ssize_t n;
	int got = -1;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control.buf;
	msg.msg_controllen = sizeof(control.buf);
	alarm(FAKE_LIFE_S);
	if ((n = recvmsg(c, &msg, 0)) <= 0)
		_exit(1);
	buf[n] = '\0';
	cm = CMSG_FIRSTHDR(&msg);
	if (cm != NULL && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&got, CMSG_DATA(cm), sizeof(got));
	if (got >= 0 && pread(got, &byte, 1, 0) != 1)
		byte = '!';
	if (json_parse(&j, buf, strcspn(buf, "\n"), &why) != 0)
		_exit(2);
	id = xstrdup(json_get_string(&j, "id"));
	snprintf(out, sizeof(out), "{\"return\": {\"fd\": %d, \"byte\": "
	    "\"%c\"}, \"id\": \"%s\"}\r\n", got >= 0 ? 1 : 0, byte, id);
	say(c, out);
	_exit(0);
}

TEST(qmp_passes_a_descriptor_with_its_command)
{
	struct json reply;
	struct diag d;
	struct qmp q;
	char *path;
	int sv[2], fd;
	pid_t pid;

	diag_init(&d);
	path = unit_writes(unit_tmpdir(), "target", "Q");
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		fd_peer(sv[1]);
	}
	close(sv[1]);
	qmp_init(&q, "web", 2000);
	q.r.fd = sv[0];
	if (CHECK(qmp_execute_fd(&q, "{\"execute\":\"add-fd\"}", fd, &reply,
	    &d) == QMP_OK)) {
		CHECK_STR(json_get_string(json_get(&reply, "return"), "byte"),
		    "Q");
		json_free(&reply);
	} else
		printf("#     %s\n", diag_first_error(&d));
	diag_clear(&d);
	/* Ours still: the peer got a copy. */
	CHECK(fcntl(fd, F_GETFD) >= 0);
	/* No descriptor: nothing sent. */
	CHECK(qmp_execute_fd(&q, "{\"execute\":\"add-fd\"}", -1, &reply,
	    &d) == QMP_FAILED);
	CHECK_STR(diag_first_error(&d), "no descriptor to pass");
	diag_clear(&d);
	qmp_close(&q);
	close(fd);
	reap(pid);
}

/*
 * Events that come while a command waits are kept for qmp_event when
 * asked for, in order; one that comes later is read; none by the
 * deadline is 0, a monitor gone is -1.
 */
TEST(qmp_event_keeps_what_came_meanwhile)
{
	struct json ev;
	struct diag d;
	struct qmp q;
	int sv[2];

	diag_init(&d);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	qmp_init(&q, "web", 2000);
	q.r.fd = sv[0];
	q.keep_events = 1;
	say(sv[1], "{\"event\": \"STOP\"}\r\n{\"event\": \"MIGRATION\", "
	    "\"data\": {\"status\": \"completed\"}}\r\n{\"return\": {}, "
	    "\"id\": \"qinit-1\"}\r\n");
	CHECK(qmp_execute(&q, "{\"execute\":\"query-status\"}", NULL, &d) ==
	    QMP_OK);
	CHECK(qmp_event(&q, now_ms() + 100, &ev, &d) == 1);
	CHECK_STR(json_get_string(&ev, "event"), "STOP");
	json_free(&ev);
	CHECK(qmp_event(&q, now_ms() + 100, &ev, &d) == 1);
	CHECK_STR(json_get_string(json_get(&ev, "data"), "status"),
	    "completed");
	json_free(&ev);
	CHECK(qmp_event(&q, now_ms() + 50, &ev, &d) == 0);
	/* A stale reply on the way is skipped. */
	say(sv[1], "{\"return\": {}, \"id\": \"qinit-9\"}\r\n"
	    "{\"event\": \"RESUME\"}\r\n");
	CHECK(qmp_event(&q, now_ms() + 2000, &ev, &d) == 1);
	CHECK_STR(json_get_string(&ev, "event"), "RESUME");
	json_free(&ev);
	close(sv[1]);
	CHECK(qmp_event(&q, now_ms() + 2000, &ev, &d) == -1);
	CHECK(diag_first_error(&d) != NULL);
	diag_clear(&d);
	qmp_close(&q);
}

/*
 * getfd's names: only what QEMU takes, and nothing that could close a
 * JSON string; refused before anything is sent.
 */
TEST(qmp_pass_fd_refuses_names_qemu_would_not_take)
{
	static const char *bad[] = {
		"", "qinit mig", "a\"b", "x,y", "fd:1", "é",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	};
	struct diag d;
	struct qmp q;
	size_t i;

	memset(&q, 0, sizeof(q));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		diag_init(&d);
		CHECK(qmp_pass_fd(&q, bad[i], 0, &d) == QMP_FAILED);
		CHECK(strstr(diag_first_error(&d), "cannot name a descriptor")
		    != NULL);
		diag_clear(&d);
	}
}
