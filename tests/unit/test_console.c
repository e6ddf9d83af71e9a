/*
 * test_console.c - attaching to a VM's serial console, RUNDIR/<name>@serial:
 * one client at a time, and why not when it cannot be.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console.h"
#include "unit.h"

/* A unix socket bound at path, listening with backlog (-1: not). */
static int
bound(const char *path, int backlog)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    (backlog >= 0 && listen(fd, backlog) != 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

TEST(console_missing_socket)
{
	struct rundir rd;
	struct diag d;
	char want[8400];
	int lock = 7, again;

	unit_rundir(&rd, unit_tmpdir());
	diag_init(&d);
	CHECK(console_open(&rd, "web", &lock, &d) == -1);
	snprintf(want, sizeof(want), "'web' has no serial console (nothing listens "
	    "on %s/web@serial; SERIAL=no?)", rd.path);
	CHECK_STR(diag_first_error(&d), want);
	CHECK(d.n == 1);
	/* The lock is not left held. */
	CHECK(lock == -1);
	CHECK(lock_take(&rd, "web", RUN_CONSOLE_LOCK, 0, &again, &d) ==
	    LOCK_TAKEN);
	lock_release(again);
	diag_clear(&d);
	rundir_close(&rd);
}

TEST(console_one_client_at_a_time)
{
	struct rundir rd;
	struct diag d;
	char path[8400];
	int l, fd, fd2, lock = -1, lock2 = -1, c;

	unit_rundir(&rd, unit_tmpdir());
	diag_init(&d);
	snprintf(path, sizeof(path), "%s/web@serial", rd.path);
	l = bound(path, 4);
	CHECK(l >= 0);
	fd = console_open(&rd, "web", &lock, &d);
	CHECK(fd >= 0 && lock >= 0 && d.n == 0);
	/* Connected to the VM's socket: what one side writes, the other reads. */
	c = accept(l, NULL, NULL);
	CHECK(c >= 0 && write(c, "login: ", 7) == 7);
	{
		char buf[16] = "";

		CHECK(read(fd, buf, sizeof(buf) - 1) == 7);
		CHECK_STR(buf, "login: ");
	}
	/* A second client is told, and holds nothing. */
	fd2 = console_open(&rd, "web", &lock2, &d);
	CHECK(fd2 == -1);
	CHECK_STR(diag_first_error(&d), "the console of 'web' is in use "
	    "(another client is attached)");
	diag_clear(&d);
	/* Once the first has left, it can attach. */
	close(fd);
	lock_release(lock);
	fd2 = console_open(&rd, "web", &lock2, &d);
	CHECK(fd2 >= 0 && lock2 >= 0 && d.n == 0);
	if (fd2 >= 0)
		close(fd2);
	lock_release(lock2);
	if (c >= 0)
		close(c);
	close(l);
	diag_clear(&d);
	rundir_close(&rd);
}

TEST(console_full_queue_is_busy)
{
	struct rundir rd;
	struct diag d;
	char path[8400];
	int l, q[16], n = 0, fd, lock = -1, again;
	struct sockaddr_un sun;

	unit_rundir(&rd, unit_tmpdir());
	diag_init(&d);
	snprintf(path, sizeof(path), "%s/web@serial", rd.path);
	l = bound(path, 0);
	CHECK(l >= 0);
	/* Clients nobody accepts, until the queue is full. */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	CHECK(strlen(path) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path) + 1 < sizeof(sun.sun_path) ?
	    strlen(path) + 1 : sizeof(sun.sun_path) - 1);
	for (n = 0; n < 16; n++) {
		q[n] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(q[n], (struct sockaddr *)&sun, sizeof(sun)) != 0) {
			close(q[n]);
			break;
		}
	}
	CHECK(n < 16);
	fd = console_open(&rd, "web", &lock, &d);
	CHECK(fd == -1 && lock == -1);
	CHECK_STR(diag_first_error(&d), "the serial console of 'web' is busy "
	    "(its queue of waiting clients is full)");
	CHECK(lock_take(&rd, "web", RUN_CONSOLE_LOCK, 0, &again, &d) ==
	    LOCK_TAKEN);
	lock_release(again);
	while (n-- > 0)
		close(q[n]);
	close(l);
	diag_clear(&d);
	rundir_close(&rd);
}
