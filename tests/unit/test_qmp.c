/*
 * test_qmp.c - the QMP client against a scripted fake QEMU in a child
 * process: handshake, identity check, replies, errors, events, HMP
 * output and failures, a monitor that never greets.
 */
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qmp.h"
#include "unit.h"

/* How the fake answers. */
enum fake { FAKE_QEMU, FAKE_SILENT, FAKE_NOT_QMP };

static void
say(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		_exit(1);
}

/* One client, then exit.  Answers by the command's name. */
static void __attribute__((noreturn))
serve(int l, const char *name, enum fake how)
{
	char buf[4096], reply[512];
	size_t len = 0;
	ssize_t n;
	char *nl;
	int c;

	if ((c = accept(l, NULL, NULL)) < 0)
		_exit(1);
	if (how == FAKE_SILENT) {
		sleep(10);
		_exit(0);
	}
	say(c, how == FAKE_NOT_QMP ? "SSH-2.0-OpenSSH\r\n" :
	    "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n");
	for (;;) {
		while ((nl = memchr(buf, '\n', len)) == NULL) {
			if ((n = read(c, buf + len, sizeof(buf) - len)) <= 0)
				_exit(0);
			len += (size_t)n;
		}
		*nl = '\0';
		if (strstr(buf, "qmp_capabilities"))
			say(c, "{\"return\": {}}\r\n");
		else if (strstr(buf, "query-name")) {
			snprintf(reply, sizeof(reply),
			    "{\"return\": {\"name\": \"%s\"}}\r\n", name);
			say(c, reply);
		} else if (strstr(buf, "info status"))
			say(c, "{\"event\": \"SHUTDOWN\", \"data\": {}}\r\n"
			    "{\"return\": \"VM status: running\\r\\nline 2\\r\\n\"}\r\n");
		else if (strstr(buf, "bogus"))
			say(c, "{\"return\": \"unknown command: 'bogus'\\r\\n\"}\r\n");
		else if (strstr(buf, "device_del"))
			say(c, "{\"return\": \"Error: Device 'x' not found\\r\\n\"}\r\n");
		else
			say(c, "{\"error\": {\"class\": \"CommandNotFound\", "
			    "\"desc\": \"The command nope has not been found\"}}\r\n");
		len -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, len);
	}
}

/* Starts a fake on a free loopback port; its pid. */
static pid_t
fake(const char *name, enum fake how, unsigned *port)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	pid_t pid;
	int l;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(l, 4) != 0 ||
	    getsockname(l, (struct sockaddr *)&sin, &slen) != 0)
		return -1;
	*port = ntohs(sin.sin_port);
	if ((pid = fork()) == 0)
		serve(l, name, how);
	close(l);
	return pid;
}

static void
reap(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

TEST(qmp_talks_to_the_right_vm)
{
	struct strbuf out;
	struct json reply;
	struct diag d;
	struct qmp q;
	unsigned port = 0;
	pid_t pid;

	diag_init(&d);
	sb_init(&out);
	pid = fake("web", FAKE_QEMU, &port);
	CHECK(pid > 0);
	CHECK(qmp_open(&q, "web", port, 2000, &d) == QMP_OK);
	CHECK(qmp_hmp(&q, "info status", &out, &d) == QMP_OK);
	CHECK_STR(out.s, "VM status: running\nline 2\n");
	CHECK(q.shutdown == 1);		/* the event before the reply */
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
	CHECK(qmp_open(&q, "web", port, 2000, &d) == QMP_UNREACHABLE);
	CHECK(strstr(diag_first_error(&d), "answers as VM 'other', not "
	    "'web': nothing sent") != NULL);
	qmp_close(&q);
	diag_clear(&d);
	reap(pid);
	pid = fake("web", FAKE_NOT_QMP, &port);
	CHECK(qmp_open(&q, "web", port, 2000, &d) == QMP_UNREACHABLE);
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
	CHECK(qmp_open(&q, "web", port, 5000, &d) == QMP_UNREACHABLE);
	CHECK_STR(diag_first_error(&d),
	    "monitor of 'web' is busy (another client is connected)");
	qmp_close(&q);
	diag_clear(&d);
	reap(pid);
	CHECK(qmp_open(&q, "web", port, 1000, &d) == QMP_UNREACHABLE);
	CHECK(strstr(diag_first_error(&d), "'web' is not running") != NULL);
	qmp_close(&q);
	diag_clear(&d);
}
