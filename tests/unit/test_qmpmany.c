/*
 * test_qmpmany.c - one question to many fake QEMUs at once: answers,
 * a socket another process listens on (never asked), one that never
 * greets, one that greets
 * and goes silent, one that sends events forever; the slow ones cost
 * their own deadline only.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qmpmany.h"
#include "sock.h"
#include "unit.h"

enum fake { FAKE_QEMU, FAKE_NO_GREETING, FAKE_SILENT, FAKE_CHATTY };

static void
say(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		_exit(1);
}

/* Serves one client as VM name would, by the ids of its requests. */
static void __attribute__((noreturn))
serve(int l, const char *name, enum fake how)
{
	char buf[4096], reply[512];
	ssize_t n;
	int c;

	if ((c = accept(l, NULL, NULL)) < 0)
		_exit(1);
	if (how == FAKE_NO_GREETING) {
		sleep(10);
		_exit(0);
	}
	say(c, "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n");
	if (how == FAKE_SILENT) {
		sleep(10);
		_exit(0);
	}
	if (how == FAKE_CHATTY)
		for (;;)
			say(c, "{\"event\": \"RTC_CHANGE\", \"data\": {}}\r\n");
	/* Both requests come in one write; none for another's socket. */
	if ((n = read(c, buf, sizeof(buf) - 1)) <= 0)
		_exit(0);
	buf[n] = '\0';
	if (strstr(buf, "\"id\":2") == NULL)
		_exit(1);
	snprintf(reply, sizeof(reply), "{\"return\": {}, \"id\": 1}\r\n"
	    "{\"event\": \"STOP\", \"data\": {}}\r\n"
	    "{\"return\": {\"status\": \"%s\", \"running\": false}, "
	    "\"id\": 2}\r\n", name);
	say(c, reply);
	sleep(10);
	_exit(0);
}

static pid_t
fake(const char *path, const char *name, enum fake how)
{
	struct sockaddr_un sun;
	pid_t pid;
	int l;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(l, 4) != 0)
		return -1;
	if ((pid = fork()) == 0)
		serve(l, name, how);
	close(l);
	return pid;
}

TEST(qmpmany_answers_and_slow_ones_cost_their_deadline)
{
	static const enum fake kinds[] = {
		FAKE_QEMU, FAKE_NO_GREETING, FAKE_QEMU, FAKE_SILENT,
		FAKE_CHATTY, FAKE_QEMU
	};
	static const char *const names[] = {
		"a", "b", "c", "d", "e", "f"
	};
	const char *dir = unit_tmpdir();
	struct qmp_ask ask[6];
	char path[6][256];
	pid_t pid[6];
	long long t0, took;
	size_t i;

	for (i = 0; i < 6; i++) {
		snprintf(path[i], sizeof(path[i]), "%s/%s@control", dir,
		    names[i]);
		/* The status a fake gives is the VM's name. */
		pid[i] = fake(path[i], names[i], kinds[i]);
		CHECK(pid[i] > 0);
		/* This process listens: VM c expects another QEMU. */
		ask[i].pid = i == 2 ? pid[i] : getpid();
		ask[i].path = path[i];
	}
	t0 = now_ms();
	qmp_ask_all(ask, 6, "query-status", "status", 500, 6);
	took = now_ms() - t0;
	CHECK(ask[0].result == QMP_MANY_OK);
	CHECK_STR(ask[0].value, "a");
	CHECK(ask[1].result == QMP_MANY_BUSY);
	CHECK(ask[2].result == QMP_MANY_FAILED && ask[2].value == NULL);
	CHECK(ask[3].result == QMP_MANY_SILENT);
	CHECK(ask[4].result == QMP_MANY_SILENT);	/* events forever */
	CHECK(ask[5].result == QMP_MANY_OK);
	CHECK_STR(ask[5].value, "f");
	/* Three slow ones at once: about one deadline; one after another
	 * they would take three (1500 ms) at the least. */
	CHECK(took < 1500);
	for (i = 0; i < 6; i++) {
		free(ask[i].value);
		kill(pid[i], SIGKILL);
		waitpid(pid[i], NULL, 0);
	}
}

TEST(qmpmany_missing_socket_fails_at_once)
{
	struct qmp_ask ask = { 1, "/nonexistent/x@control", 0, 0, NULL };
	long long t0 = now_ms();

	qmp_ask_all(&ask, 1, "query-status", "status", 5000, 8);
	CHECK(ask.result == QMP_MANY_FAILED && ask.value == NULL);
	CHECK(now_ms() - t0 < 1000);
}
