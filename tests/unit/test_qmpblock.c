/*
 * test_qmpblock.c - a running VM's disks and jobs, against a fake QEMU
 * in a child process listening on RUNDIR/web@control as start binds it,
 * and recorded as the VM's QEMU: a disk found by the inode of the file
 * its fd set holds (and one QEMU does not hold, refused), a target's
 * descriptor passed with add-fd, jobs waited for (progress, QEMU's
 * error, a stall, a signal), and what a killed qemu-init left removed.
 */
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "qmpblock.h"
#include "sock.h"
#include "unit.h"

/* How the fake's jobs go. */
enum jobs { JOBS_DONE, JOBS_FAIL, JOBS_STALL };

struct fake {
	const char	*dir;		/* its log ("calls") is here */
	int		 disk;		/* the disk it holds, as its fd */
	enum jobs	 jobs;
	int		 polls;		/* query-jobs so far, all clients */
};

static void
say(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		_exit(1);
}

/* Notes a call in the fake's log. */
static void
logged(const struct fake *f, const char *what)
{
	char path[4200];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/calls", f->dir);
	if ((fp = fopen(path, "a")) != NULL) {
		fprintf(fp, "%s\n", what);
		fclose(fp);
	}
}

static void
reply(int c, const char *id, const char *value)
{
	char out[2048];

	snprintf(out, sizeof(out), "{\"return\": %s, \"id\": \"%s\"}\r\n",
	    value, id);
	say(c, out);
}

/* query-jobs, as the fake's jobs go. */
static void
jobs(int c, const char *id, struct fake *f)
{
	const char *status = "running";
	char value[512];
	int done = 10;

	f->polls++;
	if (f->jobs == JOBS_DONE)
		done = f->polls >= 3 ? 100 : f->polls * 40;
	if (f->jobs == JOBS_DONE && f->polls >= 3)
		status = "concluded";
	if (f->jobs == JOBS_FAIL && f->polls >= 2)
		status = "concluded";
	snprintf(value, sizeof(value), "[{\"id\": \"qemu-init-backup1\", "
	    "\"type\": \"backup\", \"status\": \"%s\", \"current-progress\": "
	    "%d, \"total-progress\": 100%s}]", status, done,
	    f->jobs == JOBS_FAIL && f->polls >= 2 ?
	    ", \"error\": \"No space left on device\"" : "");
	reply(c, id, value);
}

/*
 * One command, with the descriptor that came with what was read last
 * (or -1): add-fd takes it.
 */
static void
answer(int c, const char *line, int *passed, struct fake *f)
{
	const char *exec, *id, *arg;
	char value[1024], note[256], byte = '?';
	struct json j;
	const char *why;

	if (json_parse(&j, line, strlen(line), &why) != 0)
		_exit(2);
	exec = json_get_string(&j, "execute");
	id = json_get_string(&j, "id");
	arg = json_get_string(json_get(&j, "arguments"), "node-name");
	if (arg == NULL)
		arg = json_get_string(json_get(&j, "arguments"), "id");
	if (exec == NULL || id == NULL)
		_exit(3);
	if (strcmp(exec, "query-block") == 0)
		reply(c, id, "[{\"device\": \"ide1-cd0\"}, {\"device\": "
		    "\"disk0\", \"inserted\": {\"file\": \"/dev/fdset/2\", "
		    "\"node-name\": \"#block1\", \"drv\": \"qcow2\", \"ro\": "
		    "false, \"image\": {\"virtual-size\": 1048576, "
		    "\"snapshots\": [{\"name\": \"one\", \"id\": \"1\", "
		    "\"date-sec\": 5, \"vm-state-size\": 7}], "
		    "\"backing-image\": {\"filename\": \"base\"}}, "
		    "\"dirty-bitmaps\": [{\"name\": \"qemu-init-00c0ffee-01\", "
		    "\"persistent\": true, \"recording\": true, \"busy\": "
		    "false}]}}]");
	else if (strcmp(exec, "query-fdsets") == 0) {
		snprintf(value, sizeof(value), "[{\"fdset-id\": 2, \"fds\": "
		    "[{\"fd\": %d}]}, {\"fdset-id\": 7, \"fds\": [{\"fd\": 1, "
		    "\"opaque\": \"qemu-init\"}]}]", f->disk);
		reply(c, id, value);
	} else if (strcmp(exec, "add-fd") == 0) {
		if (*passed >= 0 && pread(*passed, &byte, 1, 0) != 1)
			byte = '!';
		if (*passed >= 0)
			close(*passed);
		*passed = -1;	/* taken, as QEMU's monitor takes it */
		snprintf(note, sizeof(note), "add-fd %c", byte);
		logged(f, note);
		reply(c, id, "{\"fdset-id\": 9, \"fd\": 20}");
	} else if (strcmp(exec, "query-jobs") == 0)
		jobs(c, id, f);
	else if (strcmp(exec, "query-named-block-nodes") == 0)
		reply(c, id, "[{\"node-name\": \"qemu-init-target1\"}, "
		    "{\"node-name\": \"#block1\"}]");
	else {
		snprintf(note, sizeof(note), "%s%s%s", exec, arg != NULL ?
		    " " : "", arg != NULL ? arg : "");
		logged(f, note);
		reply(c, id, "{}");
	}
	json_free(&j);
}

/* Reads from c into buf (len so far), with a passed descriptor. */
static ssize_t
receive(int c, char *buf, size_t room, int *passed)
{
	union {
		char		b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	align;
	} control;
	struct iovec iov = { buf, room };
	struct msghdr msg;
	struct cmsghdr *cm;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control.b;
	msg.msg_controllen = sizeof(control.b);
	if ((n = recvmsg(c, &msg, 0)) > 0 && (cm = CMSG_FIRSTHDR(&msg)) !=
	    NULL && cm->cmsg_type == SCM_RIGHTS) {
		if (*passed >= 0)
			close(*passed);	/* a new one replaces it */
		memcpy(passed, CMSG_DATA(cm), sizeof(int));
	}
	return n;
}

/* One client after another, as QEMU's monitor; ends after 20 s. */
static void __attribute__((noreturn))
serve(int l, struct fake *f)
{
	char buf[8192], *nl;
	size_t len;
	ssize_t n;
	int c, passed;

	alarm(20);
	for (;;) {
		if ((c = accept(l, NULL, NULL)) < 0)
			_exit(1);
		say(c, "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n");
		len = 0;
		passed = -1;
		for (;;) {
			while ((nl = memchr(buf, '\n', len)) == NULL) {
				n = receive(c, buf + len, sizeof(buf) - len,
				    &passed);
				if (n <= 0)
					break;
				len += (size_t)n;
			}
			if (nl == NULL)
				break;
			*nl = '\0';
			if (strstr(buf, "qmp_capabilities") != NULL)
				reply(c, strstr(buf, "qinit-") != NULL ?
				    "qinit-1" : "", "{}");
			else
				answer(c, buf, &passed, f);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
		}
		close(c);
	}
}

/* Whether the socket l listens (the fake's listen), within 5 s. */
static int
wait_listening(int l)
{
	socklen_t len;
	int on = 0, i;

	for (i = 0; i < 500; i++) {
		len = sizeof(on);
		if (getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 &&
		    on)
			return 1;
		usleep(10000);
	}
	return 0;
}

/* A fake QEMU of VM web in RUNDIR dir/run, holding disk; st records it. */
static pid_t
start_fake(const char *dir, const char *disk, enum jobs how,
    struct rundir *rd, struct vm_state *st)
{
	struct fake f = { dir, -1, how, 0 };
	struct diag d;
	char sub[4200];
	pid_t pid;
	int l;

	diag_init(&d);
	snprintf(sub, sizeof(sub), "%s/run", dir);
	CHECK(rundir_open(rd, sub, RUNDIR_CREATE, &d) == 0);
	l = rundir_bind(rd, "web", RUN_CONTROL, &d);
	CHECK(l >= 0);
	f.disk = open(disk, O_RDONLY);
	/* It listens, as QEMU does on the socket start bound: it is the peer. */
	if ((pid = fork()) == 0) {
		if (listen(l, 4) != 0)
			_exit(1);
		serve(l, &f);
	}
	CHECK(wait_listening(l));
	close(l);
	close(f.disk);
	memset(st, 0, sizeof(*st));
	CHECK(proc_identify(pid, &st->qemu) == 0);
	st->recorded = 1;
	st->ndisks = 1;
	st->disks = xcalloc(2, sizeof(*st->disks));
	st->disks[0].path = xstrdup(disk);
	diag_clear(&d);
	return pid;
}

static void
stop_fake(pid_t pid, struct rundir *rd, struct vm_state *st)
{
	int status;

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	rundir_close(rd);
	state_free(st);
}

TEST(qmpblock_disks_by_the_file_handed_over)
{
	const char *dir = unit_tmpdir();
	char *disk = xstrdup(unit_writes(dir, "disk.qcow2", "QFI"));
	char *other = xstrdup(unit_writes(dir, "other.qcow2", "QFI"));
	struct vm_control c;
	struct qmp_disk *v;
	struct vm_state st;
	struct rundir rd;
	struct diag d;
	struct qmp q;
	pid_t pid;

	diag_init(&d);
	pid = start_fake(dir, disk, JOBS_DONE, &rd, &st);
	c.rd = &rd;
	c.name = "web";
	c.st = &st;
	CHECK(qmpblock_open(&c, &q, &d) == QMP_OK);
	CHECK(qmpblock_disks(&c, &q, &v, &d) == 0);
	CHECK(d.n == 0);
	CHECK_STR(v[0].device, "disk0");
	CHECK_STR(v[0].node, "#block1");
	CHECK_STR(v[0].format, "qcow2");
	CHECK(v[0].size == 1048576 && v[0].backing && !v[0].read_only);
	CHECK(v[0].nsnapshots == 1 && v[0].snapshots[0].vmstate == 7);
	CHECK_STR(v[0].snapshots[0].name, "one");
	CHECK(qmpblock_bitmap(&v[0], "qemu-init-00c0ffee-01") != NULL &&
	    qmpblock_bitmap(&v[0], "qemu-init-00c0ffee-01")->persistent);
	CHECK(qmpblock_bitmap(&v[0], "other") == NULL);
	qmpblock_disks_free(v, st.ndisks);
	/* A disk QEMU was not handed (another file): refused. */
	free(st.disks[0].path);
	st.disks[0].path = xstrdup(other);
	CHECK(qmpblock_disks(&c, &q, &v, &d) == -1 && v == NULL);
	CHECK(strstr(diag_first_error(&d), "does not write it through the "
	    "file it was handed") != NULL);
	diag_clear(&d);
	qmp_close(&q);
	stop_fake(pid, &rd, &st);
	free(disk);
	free(other);
}

static void
tick(unsigned long long done, unsigned long long total, void *arg)
{
	struct strbuf *sb = arg;

	sb_addf(sb, "%llu/%llu ", done, total);
}

TEST(qmpblock_target_handed_over_and_jobs_waited_for)
{
	const char *dir = unit_tmpdir();
	char *disk = xstrdup(unit_writes(dir, "disk.qcow2", "QFI"));
	char *ids[] = { "qemu-init-backup1" };
	volatile sig_atomic_t stop = 0;
	struct vm_control c;
	struct vm_state st;
	struct strbuf seen;
	struct rundir rd;
	struct diag d;
	struct qmp q;
	int fd, set;
	pid_t pid;

	diag_init(&d);
	sb_init(&seen);
	pid = start_fake(dir, disk, JOBS_DONE, &rd, &st);
	c.rd = &rd;
	c.name = "web";
	c.st = &st;
	fd = open(unit_writes(dir, "target", "T"), O_RDWR);
	CHECK(qmpblock_open(&c, &q, &d) == QMP_OK);
	CHECK(qmpblock_add_target(&q, fd, "qemu-init-target1", &set, &d) ==
	    0 && set == 9);
	qmp_close(&q);
	close(fd);
	CHECK_STR(unit_reads(dir, "calls"), "add-fd T\nblockdev-add "
	    "qemu-init-target1\n");
	/* Progress, each look through a connection of its own. */
	CHECK(qmpblock_wait(&c, ids, 1, 5000, &stop, tick, &seen, &d) == 0);
	CHECK_STR(seen.s, "40/100 80/100 100/100 ");
	stop_fake(pid, &rd, &st);
	/* QEMU's error, in its words, with the job. */
	pid = start_fake(dir, disk, JOBS_FAIL, &rd, &st);
	CHECK(qmpblock_wait(&c, ids, 1, 5000, &stop, NULL, NULL, &d) == -1);
	CHECK_STR(diag_first_error(&d), "No space left on device (QEMU's job "
	    "qemu-init-backup1)");
	diag_clear(&d);
	stop_fake(pid, &rd, &st);
	/* No progress: the deadline passes. */
	pid = start_fake(dir, disk, JOBS_STALL, &rd, &st);
	CHECK(qmpblock_wait(&c, ids, 1, 1000, &stop, NULL, NULL, &d) == -1);
	CHECK_STR(diag_first_error(&d), "QEMU's jobs on 'web' made no progress "
	    "in 1 s");
	diag_clear(&d);
	/* A signal. */
	stop = SIGINT;
	CHECK(qmpblock_wait(&c, ids, 1, 60000, &stop, NULL, NULL, &d) == -2);
	stop_fake(pid, &rd, &st);
	sb_free(&seen);
	free(disk);
}

TEST(qmpblock_tidies_what_a_killed_qemu_init_left)
{
	const char *dir = unit_tmpdir();
	char *disk = xstrdup(unit_writes(dir, "disk.qcow2", "QFI"));
	struct vm_control c;
	struct vm_state st;
	struct rundir rd;
	struct diag d;
	struct qmp q;
	pid_t pid;

	diag_init(&d);
	pid = start_fake(dir, disk, JOBS_DONE, &rd, &st);
	c.rd = &rd;
	c.name = "web";
	c.st = &st;
	CHECK(qmpblock_open(&c, &q, &d) == QMP_OK);
	/* Its job (ended), its node, its fd set: QEMU's own stay. */
	CHECK(qmpblock_tidy(&q) == 3);
	qmp_close(&q);
	CHECK_STR(unit_reads(dir, "calls"), "job-cancel qemu-init-backup1\n"
	    "job-dismiss qemu-init-backup1\nblockdev-del qemu-init-target1\n"
	    "remove-fd\n");
	stop_fake(pid, &rd, &st);
	free(disk);
}
