/* test_proc.c - running programs: status, capture, exec failure, no hang */
#include <sys/prctl.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "proc.h"
#include "unit.h"

/* Runs /bin/sh -c script; proc_run's result, output in out and err. */
static int
sh(const char *script, char *const env[], struct strbuf *out,
    struct strbuf *err, int *status, struct diag *d)
{
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };

	return proc_run(argv, env, out, err, status, d);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The lowest free descriptor: the same before and after when none leak. */
static int
lowest_free_fd(void)
{
	int fd = dup(0);

	if (fd >= 0)
		close(fd);
	return fd;
}

TEST(proc_exit_status_and_signal)
{
	struct diag d;
	int status = -1;

	diag_init(&d);
	CHECK(sh("exit 0", NULL, NULL, NULL, &status, &d) == 0);
	CHECK(status == 0);
	CHECK(sh("exit 3", NULL, NULL, NULL, &status, &d) == 0);
	CHECK(status == 3);
	CHECK(sh("kill -TERM $$", NULL, NULL, NULL, &status, &d) == 0);
	CHECK(status == 128 + SIGTERM);
	CHECK(d.n == 0);
	diag_clear(&d);
}

TEST(proc_captures_stdout_and_stderr_apart)
{
	struct strbuf out, err;
	struct diag d;
	int status = -1;

	diag_init(&d);
	sb_init(&out);
	sb_init(&err);
	CHECK(sh("echo to-out; echo to-err >&2; exit 2", NULL, &out, &err,
	    &status, &d) == 0);
	CHECK(status == 2);
	CHECK_STR(out.s, "to-out\n");
	CHECK_STR(err.s, "to-err\n");
	sb_reset(&out);
	sb_reset(&err);
	/* Nothing written: empty strings, not NULL. */
	CHECK(sh("true", NULL, &out, &err, &status, &d) == 0);
	CHECK_STR(out.s, "");
	CHECK_STR(err.s, "");
	CHECK(d.n == 0);
	sb_free(&out);
	sb_free(&err);
	diag_clear(&d);
}

TEST(proc_large_output_on_both_pipes_does_not_deadlock)
{
	struct strbuf out, err;
	struct diag d;
	int status = -1;

	diag_init(&d);
	sb_init(&out);
	sb_init(&err);
	/* Far more than a pipe holds, on both, interleaved. */
	CHECK(sh("i=0; while [ $i -lt 40 ]; do "
	    "head -c 10000 /dev/zero; head -c 5000 /dev/zero >&2; "
	    "i=$((i + 1)); done", NULL, &out, &err, &status, &d) == 0);
	CHECK(status == 0);
	CHECK(out.len == 400000);
	CHECK(err.len == 200000);
	sb_free(&out);
	sb_free(&err);
	diag_clear(&d);
}

TEST(proc_exec_failure_is_reported)
{
	char *missing[] = { "/nonexistent/qinit-prog", NULL };
	char *notexec[] = { "/etc/passwd", NULL };
	char *bare[] = { "qinit-no-such-program-anywhere", NULL };
	struct strbuf out, err;
	struct diag d;
	int status = -1, before = lowest_free_fd();

	diag_init(&d);
	sb_init(&out);
	sb_init(&err);
	CHECK(proc_run(missing, NULL, &out, &err, &status, &d) == -1);
	CHECK_STR(diag_first_error(&d), "cannot run /nonexistent/qinit-prog: "
	    "No such file or directory");
	diag_clear(&d);
	CHECK(proc_run(notexec, NULL, NULL, NULL, &status, &d) == -1);
	CHECK_STR(diag_first_error(&d), "cannot run /etc/passwd: "
	    "Permission denied");
	diag_clear(&d);
	CHECK(proc_run(bare, NULL, NULL, NULL, &status, &d) == -1);
	CHECK_STR(diag_first_error(&d), "cannot run "
	    "qinit-no-such-program-anywhere: No such file or directory");
	CHECK(status == -1);
	CHECK(lowest_free_fd() == before);
	sb_free(&out);
	sb_free(&err);
	diag_clear(&d);
}

TEST(proc_searches_path_for_bare_names)
{
	char *argv[] = { "sh", "-c", "echo found", NULL };
	struct strbuf out;
	struct diag d;
	int status = -1;

	diag_init(&d);
	sb_init(&out);
	CHECK(proc_run(argv, NULL, &out, NULL, &status, &d) == 0);
	CHECK(status == 0);
	CHECK_STR(out.s, "found\n");
	sb_free(&out);
	diag_clear(&d);
}

TEST(proc_env_extra_adds_and_replaces)
{
	char *env[] = { "QINIT_T_NEW=new value", "QINIT_T_OLD=replaced", NULL };
	char *bad[] = { "NOEQUALS", NULL };
	struct strbuf out;
	struct diag d;
	int status = -1;

	diag_init(&d);
	sb_init(&out);
	CHECK(setenv("QINIT_T_OLD", "original", 1) == 0);
	CHECK(sh("echo \"$QINIT_T_NEW|$QINIT_T_OLD\"; env | grep -c "
	    "'^QINIT_T_OLD='", env, &out, NULL, &status, &d) == 0);
	CHECK_STR(out.s, "new value|replaced\n1\n");
	/* Our own environment is left as it was. */
	CHECK_STR(getenv("QINIT_T_OLD"), "original");
	CHECK(getenv("QINIT_T_NEW") == NULL);
	CHECK(unsetenv("QINIT_T_OLD") == 0);
	CHECK(sh("true", bad, NULL, NULL, &status, &d) == -1);
	CHECK_STR(diag_first_error(&d), "bad environment entry 'NOEQUALS' "
	    "(expected NAME=value)");
	sb_free(&out);
	diag_clear(&d);
}

/*
 * Like QEMU -daemonize: the child exits, but a process it left behind
 * keeps both pipes open.  proc_run must return at once with what the
 * child wrote, not wait for the pipes' end of file.
 */
TEST(proc_returns_when_a_grandchild_keeps_the_pipes)
{
	struct strbuf out, err;
	struct diag d;
	double t0, took;
	int status = -1, before = lowest_free_fd();
	long pid;

	diag_init(&d);
	sb_init(&out);
	sb_init(&err);
	t0 = now();
	CHECK(sh("echo started >&2; sleep 30 & echo $!; exit 1", NULL, &out,
	    &err, &status, &d) == 0);
	took = now() - t0;
	CHECK(took < 2.0);
	CHECK(status == 1);
	CHECK_STR(err.s, "started\n");
	pid = strtol(out.s, NULL, 10);
	CHECK(pid > 1);
	if (pid > 1)
		kill((pid_t)pid, SIGKILL);
	CHECK(lowest_free_fd() == before);
	sb_free(&out);
	sb_free(&err);
	diag_clear(&d);
}

/* The same with the output inherited: nothing to wait for at all. */
TEST(proc_inherited_output_returns_when_the_child_exits)
{
	struct strbuf out;
	struct diag d;
	double t0;
	int status = -1;
	long pid;

	diag_init(&d);
	sb_init(&out);
	t0 = now();
	CHECK(sh("sleep 30 >/dev/null 2>&1 & echo $!", NULL, &out, NULL,
	    &status, &d) == 0);
	CHECK(now() - t0 < 2.0);
	CHECK(status == 0);
	pid = strtol(out.s, NULL, 10);
	if (pid > 1)
		kill((pid_t)pid, SIGKILL);
	sb_free(&out);
	diag_clear(&d);
}

TEST(proc_find_ip_is_absolute)
{
	const char *ip = proc_find_ip();

	/* Only where iproute2 is installed. */
	if (ip == NULL)
		return;
	CHECK(ip[0] == '/');
	CHECK(strcmp(ip + strlen(ip) - 3, "/ip") == 0);
	CHECK(access(ip, X_OK) == 0);
}

TEST(proc_cmdline_reads_the_words)
{
	struct strvec av;
	struct proc_id id;
	pid_t pid;
	int status;

	sv_init(&av);
	CHECK(proc_cmdline(getpid(), &av) == 0);
	CHECK(av.n >= 1 && strstr(av.v[0], "unit") != NULL);
	sv_free(&av);
	if ((pid = fork()) == 0) {
		execl("/bin/sh", "sh", "-c", "sleep 10; :", "", "x y",
		    (char *)NULL);
		_exit(127);
	}
	CHECK(pid > 0);
	/* Until it has exec'd: its words are the test's till then. */
	for (status = 0; status < 100; status++) {
		sv_free(&av);
		if (proc_cmdline(pid, &av) == 0 && av.n == 5)
			break;
		usleep(10000);
	}
	CHECK(av.n == 5 && strcmp(av.v[2], "sleep 10; :") == 0 &&
	    strcmp(av.v[3], "") == 0 && strcmp(av.v[4], "x y") == 0);
	sv_free(&av);
	CHECK(proc_identify(pid, &id) == 0);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	CHECK(proc_cmdline(pid, &av) == -1 && av.n == 0);
	CHECK(!proc_alive(&id));
}

static void
watch_into(const char *buf, size_t len, void *arg)
{
	struct strbuf *seen = arg;

	sb_add(seen, buf, len);
	sb_addc(seen, '|');	/* where each piece ended */
}

TEST(proc_watch_sees_output_as_it_comes)
{
	char *argv[] = { "/bin/sh", "-c", "printf one; sleep 0.3; "
	    "printf two; echo oops >&2; exit 4", NULL };
	struct strbuf seen, err;
	struct diag d;
	int status = -1;

	diag_init(&d);
	sb_init(&seen);
	sb_init(&err);
	CHECK(proc_run_watch(argv, watch_into, &seen, &err, &status, &d) == 0);
	CHECK(status == 4);
	/* Two pieces, the first given before the second was written. */
	CHECK_STR(seen.s, "one|two|");
	CHECK_STR(err.s, "oops\n");
	sb_free(&seen);
	sb_free(&err);
	diag_clear(&d);
}

/* The parent of pid, from /proc/PID/stat; -1 when it cannot be read. */
static long
ppid_of(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	long ppid = -1;

	(void)snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL)
		(void)sscanf(p + 2, "%*c %ld", &ppid);
	(void)fclose(f);
	return ppid;
}

/* Whether pid has path open. */
static int
holds(pid_t pid, const char *path)
{
	char dirpath[64], *fd, target[4096];
	struct dirent *e;
	DIR *dir;
	ssize_t n;
	int found = 0;

	(void)snprintf(dirpath, sizeof(dirpath), "/proc/%ld/fd", (long)pid);
	if ((dir = opendir(dirpath)) == NULL)
		return -1;
	while (!found && (e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (asprintf(&fd, "%s/%s", dirpath, e->d_name) < 0)
			break;
		n = readlink(fd, target, sizeof(target) - 1);
		free(fd);
		if (n > 0) {
			target[n] = '\0';
			found = strcmp(target, path) == 0;
		}
	}
	(void)closedir(dir);
	return found;
}

static struct proc_spawn
kept_how(struct proc_keeper *k)
{
	struct proc_spawn how;

	memset(&how, 0, sizeof(how));
	how.base = 3;
	how.keeper = k;
	return how;
}

static int
fail_become(const void *arg)
{
	(void)arg;
	errno = EPERM;
	return -1;
}

TEST(proc_kept_program_is_the_keepers_child_until_let_go)
{
	/*
	 * In a child that is a subreaper, so that the program let go
	 * becomes its child (init's would not be ours to look at).
	 */
	/* A file of ours (a lock, say) the keeper must not hold. */
	const char *lock = unit_writes(unit_tmpdir(), "kept.lock", "");
	pid_t h = fork(), reaped;
	int st;

	CHECK(h >= 0);
	if (h == 0) {
		char *argv[] = { "sleep", "30", NULL };
		struct proc_keeper k;
		struct proc_spawn how = kept_how(&k);
		struct diag d;
		pid_t pid;
		int err, lockfd, ok = 1, i;

		diag_init(&d);
		(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
		lockfd = open(lock, O_RDONLY);
		if (proc_spawn(argv, NULL, &how, &pid, &err, &d) != 0)
			_exit(2);
		ok &= lockfd >= 0 && k.pid > 0 && ppid_of(pid) == k.pid;
		ok &= holds(getpid(), lock) == 1 && holds(k.pid, lock) == 0;
		ok &= proc_kept_reap(&k, &st, 0) == 0;
		proc_kept_release(&k);
		ok &= k.pid == -1 && k.status_fd == -1 && k.release_fd == -1;
		/* Ours now (we are its subreaper), still running. */
		for (i = 0; i < 100 && ppid_of(pid) != getpid(); i++)
			(void)usleep(10000);
		ok &= ppid_of(pid) == getpid();
		(void)kill(pid, SIGKILL);
		ok &= waitpid(pid, &st, 0) == pid && WIFSIGNALED(st);
		_exit(ok ? 0 : 1);
	}
	do
		reaped = waitpid(h, &st, 0);
	while (reaped < 0 && errno == EINTR);
	CHECK(reaped == h && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

TEST(proc_kept_program_end_is_told_by_its_keeper)
{
	char *argv[] = { "/bin/sh", "-c", "exit 3", NULL };
	char *killed[] = { "/bin/sh", "-c", "kill -9 $$", NULL };
	struct proc_keeper k;
	struct proc_spawn how = kept_how(&k);
	struct diag d;
	pid_t pid;
	int err, st = -1;

	diag_init(&d);
	CHECK(proc_spawn(argv, NULL, &how, &pid, &err, &d) == 0);
	CHECK(proc_kept_reap(&k, &st, 1) == 1 && st == 3);
	/* Reaped by its keeper: not a child of ours. */
	CHECK(proc_reap(pid, &st) == -1);
	proc_kept_release(&k);
	(void)close(err);
	CHECK(proc_spawn(killed, NULL, &how, &pid, &err, &d) == 0);
	CHECK(proc_kept_reap(&k, &st, 1) == 1 && st == 128 + SIGKILL);
	proc_kept_release(&k);
	(void)close(err);
	CHECK(d.errors == 0);
	diag_clear(&d);
}

TEST(proc_kept_failure_to_start_leaves_no_process)
{
	char *argv[] = { "/bin/true", NULL };
	struct proc_keeper k;
	struct proc_spawn how = kept_how(&k);
	struct diag d;
	pid_t pid;
	int err, st;

	diag_init(&d);
	how.become = fail_become;
	CHECK(proc_spawn(argv, NULL, &how, &pid, &err, &d) == -1);
	CHECK(pid == -1 && err == -1 && k.pid == -1);
	CHECK(d.errors == 1 && strstr(diag_first_error(&d), "its user: ") !=
	    NULL);
	/* Keeper and program reaped: no child of ours is left. */
	CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD);
	diag_clear(&d);
}
