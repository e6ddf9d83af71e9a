/*
 * test_monitor.c - finding a running VM's monitors (qemu-cmd(1),
 * qemu-mon(1)) against a temp CONFDIR and RUNDIR, and refusing a QEMU
 * that is another VM's.  The QEMU here is /bin/sh with a QEMU's command
 * line, and the monitor a child of ours that greets as HMP does.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "monitor.h"
#include "proc.h"
#include "sock.h"
#include "unit.h"

#define WAIT_MS	20000	/* for a child to exec, on a loaded machine */

/* A CONFDIR registering web, and its RUNDIR (CONFDIR/run). */
struct place {
	char	 conf[4096];
	char	 run[4200];
	struct rundir rd;
};

static void
place_init(struct place *p)
{
	char reg[8400];
	struct diag d;

	snprintf(p->conf, sizeof(p->conf), "%s", unit_tmpdir());
	snprintf(p->run, sizeof(p->run), "%s/run", p->conf);
	unit_writes(p->conf, "web-qemu.cfg", "RAM=1G\n");
	snprintf(reg, sizeof(reg), "web %s/web-qemu.cfg\n", p->conf);
	unit_writes(p->conf, "qemu-init.reg", reg);
	diag_init(&d);
	CHECK(rundir_open(&p->rd, p->run, RUNDIR_CREATE, &d) == 0);
	diag_clear(&d);
}

/* Records pid (its start time) as web's QEMU, with these monitors. */
static void
record(struct place *p, pid_t pid, unsigned monport, unsigned ctlport,
    int unix_monitors)
{
	struct vm_state st;
	struct diag d;

	diag_init(&d);
	memset(&st, 0, sizeof(st));
	CHECK(proc_identify(pid, &st.qemu) == 0);
	st.monport = monport;
	st.ctlport = ctlport;
	st.unix_monitors = unix_monitors;
	CHECK(state_write(&p->rd, "web", &st, &d) == 0);
	diag_clear(&d);
}

/* The first error of d, or "(none)". */
static const char *
error_of(const struct diag *d)
{
	const char *e = diag_first_error(d);

	return e != NULL ? e : "(none)";
}

TEST(monitor_locate_unknown_vm)
{
	struct vm_target t;
	struct place p;
	struct diag d;
	char want[8400];

	place_init(&p);
	diag_init(&d);
	CHECK(monitor_locate(p.conf, p.run, "nope", &t, &d) ==
	    MONITOR_UNKNOWN && MONITOR_UNKNOWN == 1);
	snprintf(want, sizeof(want), "unknown VM 'nope' (not in "
	    "%s/qemu-init.reg)", p.conf);
	CHECK_STR(error_of(&d), want);
	vm_target_free(&t);
	diag_clear(&d);
	rundir_close(&p.rd);
}

TEST(monitor_locate_not_running)
{
	struct vm_target t;
	struct place p;
	struct diag d;
	char path[8400], none[8400];

	place_init(&p);
	diag_init(&d);
	CHECK(monitor_locate(p.conf, p.run, "web", &t, &d) == MONITOR_DOWN &&
	    MONITOR_DOWN == 2);
	CHECK_STR(error_of(&d), "'web' is not running");
	CHECK_STR(t.ref.name, "web");
	vm_target_free(&t);
	diag_clear(&d);
	/* By its path, and with no RUNDIR at all: the same. */
	snprintf(path, sizeof(path), "%s/web-qemu.cfg", p.conf);
	snprintf(none, sizeof(none), "%s/none", p.conf);
	CHECK(monitor_locate(p.conf, none, path, &t, &d) == MONITOR_DOWN);
	CHECK_STR(error_of(&d), "'web' is not running");
	vm_target_free(&t);
	diag_clear(&d);
	/* A QEMU that is gone (its pid reused): not running. */
	record(&p, getpid(), 30321, 30421, 0);
	{
		struct vm_state st;

		CHECK(state_read(&p.rd, "web", &st, &d) == 0);
		st.qemu.start++;
		CHECK(state_write(&p.rd, "web", &st, &d) == 0);
		state_free(&st);
	}
	CHECK(monitor_locate(p.conf, p.run, "web", &t, &d) == MONITOR_DOWN);
	CHECK_STR(error_of(&d), "'web' is not running");
	vm_target_free(&t);
	state_remove(&p.rd, "web");
	diag_clear(&d);
	rundir_close(&p.rd);
}

TEST(monitor_locate_running)
{
	struct vm_target t;
	struct place p;
	struct diag d;
	char *where, want[8400];

	place_init(&p);
	diag_init(&d);
	record(&p, getpid(), 30323, 30423, 0);
	CHECK(monitor_locate(p.conf, p.run, "web", &t, &d) == MONITOR_OK);
	CHECK(d.n == 0);
	CHECK(t.st.recorded && t.st.monport == 30323 &&
	    t.st.ctlport == 30423 && t.st.qemu.pid == getpid());
	snprintf(want, sizeof(want), "%s/web-qemu.cfg", p.conf);
	CHECK_STR(t.ref.cfgpath, want);
	where = monitor_where(&t.run, "web", &t.st);
	CHECK_STR(where, "monitor 30323, control 30423");
	free(where);
	vm_target_free(&t);
	/* MONITOR=unix: the sockets in RUNDIR. */
	record(&p, getpid(), 0, 0, 1);
	CHECK(monitor_locate(p.conf, p.run, "web", &t, &d) == MONITOR_OK);
	where = monitor_where(&t.run, "web", &t.st);
	snprintf(want, sizeof(want), "monitor %s/web@hmp, control %s/web@qmp",
	    t.run.path, t.run.path);
	CHECK_STR(where, want);
	free(where);
	vm_target_free(&t);
	state_remove(&p.rd, "web");
	diag_clear(&d);
	rundir_close(&p.rd);
}

TEST(monitor_locate_start_cut_short)
{
	struct vm_target t;
	struct place p;
	struct diag d;

	place_init(&p);
	diag_init(&d);
	/* Recorded, running, but neither ports nor sockets known. */
	record(&p, getpid(), 0, 0, 0);
	CHECK(monitor_locate(p.conf, p.run, "web", &t, &d) == MONITOR_DOWN);
	CHECK_STR(error_of(&d), "'web' runs but its start was cut short: its "
	    "ports are not known (qemu-init stop or restart it)");
	vm_target_free(&t);
	state_remove(&p.rd, "web");
	diag_clear(&d);
	rundir_close(&p.rd);
}

TEST(monitor_locate_refuses_a_writable_rundir)
{
	struct vm_target t;
	struct place p;
	struct diag d;

	place_init(&p);
	diag_init(&d);
	record(&p, getpid(), 30323, 30423, 0);
	CHECK(chmod(p.run, 0777) == 0);
	CHECK(monitor_locate(p.conf, p.run, "web", &t, &d) == MONITOR_DOWN);
	CHECK(strstr(error_of(&d), "is writable by its group or others: "
	    "chmod 0755") != NULL);
	vm_target_free(&t);
	CHECK(chmod(p.run, 0755) == 0);
	state_remove(&p.rd, "web");
	diag_clear(&d);
	rundir_close(&p.rd);
}

/*
 * A process whose command line is a QEMU's: "-name vm" and the HMP
 * monitor words for port (0: none).  It runs until killed.
 */
static pid_t
fake_qemu(const char *vm, unsigned port)
{
	char chardev[256], mon[64];
	struct strvec av;
	long long deadline;
	pid_t pid;
	size_t i;
	int named = 0;

	snprintf(chardev, sizeof(chardev), "socket,id=hmp4,host=127.0.0.1,"
	    "port=%u,server=on,wait=off,nodelay=on,ipv4=on", port);
	snprintf(mon, sizeof(mon), "chardev=hmp4,mode=readline");
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		execl("/bin/sh", "qemu-system-x86_64", "-c",
		    "while :; do sleep 1; done", "-name", vm, "-chardev",
		    chardev, "-mon", mon, (char *)NULL);
		_exit(127);
	}
	/* Until it has exec'd: its command line is the QEMU's. */
	deadline = now_ms() + WAIT_MS;
	while (!named && now_ms() < deadline) {
		sv_init(&av);
		if (proc_cmdline(pid, &av) == 0)
			for (i = 0; i < av.n; i++)
				named |= strcmp(av.v[i], "-name") == 0;
		sv_free(&av);
		if (!named)
			usleep(10000);
	}
	CHECK(named);
	return pid;
}

static void
end(pid_t pid)
{
	if (pid > 0) {
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
	}
}

/* A listening socket on 127.0.0.1 and a free port; its port in *port. */
static int
listen_any(unsigned *port)
{
	struct sockaddr_in in;
	socklen_t len = sizeof(in);
	int fd;

	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&in, sizeof(in)) != 0 ||
	    listen(fd, 4) != 0 ||
	    getsockname(fd, (struct sockaddr *)&in, &len) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(in.sin_port);
	return fd;
}

/* A child serving l: greets each client as HMP (greet) or says nothing. */
static pid_t
hmp_server(int l, int greet)
{
	static const char hello[] = "QEMU 7.2.0 monitor - type 'help' for "
	    "more information\r\n(qemu) ";
	char buf[64];
	pid_t pid;
	int c;

	if ((pid = fork()) != 0)
		return pid;
	alarm(60);
	for (;;) {
		if ((c = accept(l, NULL, NULL)) < 0)
			_exit(1);
		if (greet && write(c, hello, sizeof(hello) - 1) < 0)
			_exit(1);
		/* Held open until the client goes. */
		while (read(c, buf, sizeof(buf)) > 0)
			;
		close(c);
	}
}

TEST(monitor_refuses_another_vms_qemu)
{
	struct strbuf greeting;
	struct vm_state st;
	struct place p;
	struct diag d;
	struct qmp q;
	char want[256];
	pid_t qemu;
	int fd;

	place_init(&p);
	diag_init(&d);
	sb_init(&greeting);
	/* web's recorded QEMU (pid reused or ports swapped) runs db. */
	qemu = fake_qemu("db", 30323);
	CHECK(qemu > 0);
	record(&p, qemu, 30323, 30423, 0);
	CHECK(state_read(&p.rd, "web", &st, &d) == 0);
	snprintf(want, sizeof(want), "the QEMU of 'web' (pid %ld) is VM 'db': "
	    "nothing sent", (long)qemu);
	CHECK(monitor_qmp_open(&q, &p.rd, "web", &st, 5000, &d) ==
	    QMP_UNREACHABLE);
	qmp_close(&q);
	CHECK_STR(error_of(&d), want);
	diag_clear(&d);
	fd = monitor_open_hmp(&p.rd, "web", &st, 5000, &greeting, &d);
	CHECK(fd == -1);
	CHECK_STR(error_of(&d), want);
	if (fd >= 0)
		close(fd);
	state_free(&st);
	end(qemu);
	state_remove(&p.rd, "web");
	sb_free(&greeting);
	diag_clear(&d);
	rundir_close(&p.rd);
}

TEST(monitor_hmp_greeting_and_busy)
{
	struct strbuf greeting;
	struct vm_state st;
	struct place p;
	struct diag d;
	unsigned port = 0;
	pid_t qemu, server;
	int l, fd;

	place_init(&p);
	diag_init(&d);
	sb_init(&greeting);
	l = listen_any(&port);
	CHECK(l >= 0);
	if (l < 0)
		return;
	/* web's QEMU, whose HMP monitor is on port: it greets. */
	qemu = fake_qemu("web", port);
	server = hmp_server(l, 1);
	record(&p, qemu, port, port + 100, 0);
	CHECK(state_read(&p.rd, "web", &st, &d) == 0);
	fd = monitor_open_hmp(&p.rd, "web", &st, 10000, &greeting, &d);
	CHECK(fd >= 0);
	CHECK(d.errors == 0);
	CHECK_STR(greeting.s, "QEMU 7.2.0 monitor - type 'help' for more "
	    "information\r\n(qemu) ");
	if (fd >= 0)
		close(fd);
	end(server);
	/* One that says nothing serves another client: busy. */
	sb_free(&greeting);
	sb_init(&greeting);
	server = hmp_server(l, 0);
	fd = monitor_open_hmp(&p.rd, "web", &st, 10000, &greeting, &d);
	CHECK(fd == -1);
	CHECK(strncmp(error_of(&d), "monitor of 'web' is busy", 24) == 0);
	diag_clear(&d);
	end(server);
	/* Its QEMU gone since it was found: not talked to. */
	end(qemu);
	server = hmp_server(l, 1);
	fd = monitor_open_hmp(&p.rd, "web", &st, 10000, &greeting, &d);
	CHECK(fd == -1 && d.errors > 0);
	end(server);
	close(l);
	state_free(&st);
	state_remove(&p.rd, "web");
	sb_free(&greeting);
	diag_clear(&d);
	rundir_close(&p.rd);
}

/* A unix socket listening at path, by the calling process. */
static int
listen_unix(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(fd, 4) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

TEST(monitor_unix_hmp_only_from_the_recorded_qemu)
{
	struct strbuf greeting;
	struct vm_state st;
	struct place p;
	struct diag d;
	char path[8400], want[8600], buf[64], ready;
	pid_t qemu, other;
	int l, fd, c, sync[2];

	place_init(&p);
	diag_init(&d);
	sb_init(&greeting);
	snprintf(path, sizeof(path), "%s/web@hmp", p.rd.path);
	/* Someone else (we) listens where web's monitor would be. */
	qemu = fake_qemu("web", 0);
	record(&p, qemu, 0, 0, 1);
	CHECK(state_read(&p.rd, "web", &st, &d) == 0);
	l = listen_unix(path);
	CHECK(l >= 0);
	fd = monitor_open_hmp(&p.rd, "web", &st, 5000, &greeting, &d);
	CHECK(fd == -1);
	snprintf(want, sizeof(want), "%s is not the monitor of 'web' (pid %ld "
	    "listens there, not its QEMU, pid %ld): nothing sent", path,
	    (long)getpid(), (long)qemu);
	CHECK_STR(diag_first_error(&d), want);
	diag_clear(&d);
	/* Nothing was sent to it. */
	c = accept4(l, NULL, NULL, SOCK_NONBLOCK);
	CHECK(c < 0 || read(c, buf, sizeof(buf)) <= 0);
	if (c >= 0)
		close(c);
	close(l);
	CHECK(unlink(path) == 0);
	state_free(&st);
	end(qemu);
	/* The recorded QEMU listening there itself: its greeting. */
	CHECK(pipe(sync) == 0);
	if ((other = fork()) == 0) {
		static const char hello[] = "QEMU 7.2.0 monitor - type 'help' "
		    "for more information\r\n(qemu) ";

		alarm(60);
		if ((l = listen_unix(path)) < 0 || write(sync[1], "r", 1) != 1)
			_exit(1);
		for (;;) {
			if ((c = accept(l, NULL, NULL)) < 0 ||
			    write(c, hello, sizeof(hello) - 1) < 0)
				_exit(1);
			while (read(c, buf, sizeof(buf)) > 0)
				;
			close(c);
		}
	}
	close(sync[1]);
	CHECK(read(sync[0], &ready, 1) == 1);
	close(sync[0]);
	record(&p, other, 0, 0, 1);
	CHECK(state_read(&p.rd, "web", &st, &d) == 0);
	fd = monitor_open_hmp(&p.rd, "web", &st, 10000, &greeting, &d);
	CHECK(fd >= 0 && d.errors == 0);
	CHECK_STR(greeting.s, "QEMU 7.2.0 monitor - type 'help' for more "
	    "information\r\n(qemu) ");
	if (fd >= 0)
		close(fd);
	end(other);
	state_free(&st);
	state_remove(&p.rd, "web");
	sb_free(&greeting);
	diag_clear(&d);
	rundir_close(&p.rd);
}
