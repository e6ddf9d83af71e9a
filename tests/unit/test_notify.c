/*
 * test_notify.c - sd_notify's datagrams to a socket of the test's own:
 * a path and an abstract name, the text as sent, a barrier answered by
 * closing its descriptor and one left unanswered, and addresses refused.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify.h"
#include "unit.h"

/* A datagram socket bound at name (path, or "@name"); its fd. */
static int
receiver(const char *name)
{
	struct sockaddr_un sun;
	socklen_t len;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, name, strlen(name));
	len = offsetof(struct sockaddr_un, sun_path) + strlen(name);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	else
		len++;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, len) != 0)
		return -1;
	return fd;
}

/* One datagram's text into buf, and the descriptor it carried or -1. */
static int
take(int fd, char *buf, size_t size, int *passed)
{
	union {
		struct cmsghdr	align;
		char		buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct pollfd pfd = { fd, POLLIN, 0 };
	struct msghdr msg;
	struct cmsghdr *cm;
	struct iovec iov = { buf, size - 1 };
	ssize_t n;

	*passed = -1;
	if (poll(&pfd, 1, 5000) != 1)
		return -1;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control.buf;
	msg.msg_controllen = sizeof(control.buf);
	if ((n = recvmsg(fd, &msg, MSG_DONTWAIT)) < 0)
		return -1;
	buf[n] = '\0';
	cm = CMSG_FIRSTHDR(&msg);
	if (cm != NULL && cm->cmsg_type == SCM_RIGHTS)
		memcpy(passed, CMSG_DATA(cm), sizeof(int));
	return 0;
}

TEST(notify_sends_one_datagram)
{
	char path[200], buf[512];
	struct diag d;
	int fd, passed;

	diag_init(&d);
	snprintf(path, sizeof(path), "%s/notify", unit_tmpdir());
	fd = receiver(path);
	CHECK(fd >= 0);
	CHECK(notify_send(path, "READY=1\nSTATUS=up", &d) == 0);
	CHECK(take(fd, buf, sizeof(buf), &passed) == 0);
	CHECK_STR(buf, "READY=1\nSTATUS=up");
	CHECK(passed == -1);
	CHECK(d.errors == 0);
	(void)close(fd);

	/* The abstract namespace, as "@name". */
	snprintf(path, sizeof(path), "@qinit-test-notify-%ld", (long)getpid());
	fd = receiver(path);
	CHECK(fd >= 0);
	CHECK(notify_send(path, "MAINPID=42\nREADY=1", &d) == 0);
	CHECK(take(fd, buf, sizeof(buf), &passed) == 0);
	CHECK_STR(buf, "MAINPID=42\nREADY=1");
	(void)close(fd);
	diag_clear(&d);
}

TEST(notify_refuses_what_cannot_be_sent)
{
	char path[200], *big;
	struct diag d;

	diag_init(&d);
	CHECK(notify_send("relative/path", "READY=1", &d) == -1);
	CHECK(notify_send("@", "READY=1", &d) == -1);
	big = malloc(300);
	memset(big, 'a', 299);
	big[0] = '/';
	big[299] = '\0';
	CHECK(notify_send(big, "READY=1", &d) == -1);
	free(big);
	/* Nobody there. */
	snprintf(path, sizeof(path), "%s/nobody", unit_tmpdir());
	CHECK(notify_send(path, "READY=1", &d) == -1);
	big = malloc(NOTIFY_TEXT_MAX + 2);
	memset(big, 'x', NOTIFY_TEXT_MAX + 1);
	big[NOTIFY_TEXT_MAX + 1] = '\0';
	CHECK(notify_send(path, big, &d) == -1);
	free(big);
	CHECK(d.errors == 5);
	diag_clear(&d);

	CHECK(setenv("NOTIFY_SOCKET", "not/absolute", 1) == 0);
	CHECK(notify_socket() == NULL);
	CHECK(setenv("NOTIFY_SOCKET", "", 1) == 0);
	CHECK(notify_socket() == NULL);
	CHECK(setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1) == 0);
	CHECK_STR(notify_socket(), "/run/systemd/notify");
	CHECK(setenv("NOTIFY_SOCKET", "@abstract", 1) == 0);
	CHECK_STR(notify_socket(), "@abstract");
	CHECK(unsetenv("NOTIFY_SOCKET") == 0);
	CHECK(notify_socket() == NULL);
}

TEST(notify_barrier_waits_for_the_manager)
{
	char path[200], buf[512];
	struct diag d;
	int fd, passed, status;
	pid_t pid;

	diag_init(&d);
	snprintf(path, sizeof(path), "%s/barrier", unit_tmpdir());
	fd = receiver(path);
	CHECK(fd >= 0);
	/* A manager that reads the barrier and closes its descriptor. */
	pid = fork();
	if (pid == 0) {
		if (take(fd, buf, sizeof(buf), &passed) != 0 ||
		    strcmp(buf, "BARRIER=1") != 0 || passed < 0)
			_exit(1);
		(void)close(passed);
		_exit(0);
	}
	CHECK(pid > 0);
	CHECK(notify_barrier(path, 10000, &d) == 0);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0);
	CHECK(d.errors == 0);

	/* One that keeps it open: the barrier gives up at its deadline. */
	CHECK(notify_barrier(path, 200, &d) == -1);
	CHECK(d.errors == 1);
	CHECK(take(fd, buf, sizeof(buf), &passed) == 0);
	CHECK_STR(buf, "BARRIER=1");
	CHECK(passed >= 0);
	(void)close(passed);
	(void)close(fd);
	diag_clear(&d);
}
