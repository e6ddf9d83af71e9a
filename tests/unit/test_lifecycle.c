/*
 * test_lifecycle.c - what start and stop decide after each kind of
 * answer, against a fake QEMU: this very program, run by start (through
 * a link named fake-qemu-MODE, the mode it plays) with QEMU's command
 * line: it listens on the control socket it is handed, speaks enough QMP
 * and keeps its pid file as QEMU does (written at its start, removed on
 * a clean exit only).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "json.h"
#include "lifecycle.h"
#include "monconf.h"
#include "rundir.h"
#include "state.h"
#include "unit.h"
#include "vmconf.h"

#define FAKE_LIFE_S	60	/* a fake QEMU left behind ends by then */

static const char *fake_pidfile;

static void
say(int c, const char *s)
{
	if (write(c, s, strlen(s)) != (ssize_t)strlen(s))
		_exit(3);
}

static void __attribute__((noreturn))
clean_exit(void)
{
	if (fake_pidfile != NULL)
		(void)unlink(fake_pidfile);
	_exit(0);
}

/* One QMP request of the client, answered as mode says. */
static void
answer(int c, const char *mode, const char *line)
{
	const char *exec, *id, *why;
	struct strbuf sb;
	struct json j;

	if (json_parse(&j, line, strlen(line), &why) != 0)
		_exit(2);
	exec = json_get_string(&j, "execute");
	id = json_get_string(&j, "id");
	sb_init(&sb);
	if (exec != NULL && strcmp(exec, "system_powerdown") == 0 &&
	    strcmp(mode, "refuse") == 0)
		sb_adds(&sb, "{\"error\": {\"class\": \"GenericError\", "
		    "\"desc\": \"the button is broken\"}");
	else if (exec != NULL && strcmp(exec, "query-status") == 0)
		sb_addf(&sb, "{\"return\": {\"status\": \"%s\"}",
		    strcmp(mode, "internal") == 0 ? "internal-error" :
		    "running");
	else
		sb_adds(&sb, "{\"return\": {}");
	if (id != NULL) {
		sb_adds(&sb, ", \"id\": ");
		(void)json_quote(&sb, id);
	}
	sb_adds(&sb, "}\r\n");
	say(c, sb.s);
	sb_free(&sb);
	if (exec != NULL && (strcmp(exec, "quit") == 0 ||
	    (strcmp(exec, "system_powerdown") == 0 &&
	    strcmp(mode, "obey") == 0)))
		clean_exit();
	json_free(&j);
}

/* Serves one client at a time on the listening socket l, forever. */
static void __attribute__((noreturn))
serve(int l, const char *mode)
{
	char buf[8192], *nl;
	size_t len;
	ssize_t n;
	int c;

	for (;;) {
		if ((c = accept(l, NULL, NULL)) < 0)
			_exit(1);
		say(c, "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n");
		len = 0;
		for (;;) {
			while ((nl = memchr(buf, '\n', len)) == NULL &&
			    len < sizeof(buf) &&
			    (n = read(c, buf + len, sizeof(buf) - len)) > 0)
				len += (size_t)n;
			if (nl == NULL)
				break;
			*nl = '\0';
			answer(c, mode, buf);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
		}
		(void)close(c);
	}
}

int
unit_fake_qemu(int argc, char **argv)
{
	const char *mode = strrchr(argv[0], '/'), *p;
	int i, control = -1, fd;
	char line[32], *tries;
	off_t n;

	mode = (mode != NULL ? mode + 1 : argv[0]) + strlen("fake-qemu-");
	alarm(FAKE_LIFE_S);
	for (i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "-pidfile") == 0)
			fake_pidfile = argv[i + 1];
		if (strcmp(argv[i], "-chardev") == 0 && (p = strstr(argv[i + 1],
		    "socket,id=control,fd=")) != NULL)
			control = atoi(p + strlen("socket,id=control,fd="));
	}
	if (strcmp(mode, "exit1") == 0) {
		fprintf(stderr, "fake-qemu-exit1: warning: a warning first\n"
		    "fake-qemu-exit1: -drive file=/dev/fdset/2: Could not open "
		    "it\n");
		return 1;
	}
	if (strcmp(mode, "sigsys") == 0) {
		(void)raise(SIGSYS);
		return 1;
	}
	/*
	 * portbusy: its first two launches find a port of the slot taken,
	 * as QEMU says it (portbusy-always: every launch); each launch adds
	 * a line to tries beside this program.
	 */
	if (strncmp(mode, "portbusy", 8) == 0) {
		tries = xasprintf("%.*s/tries", (int)(strrchr(argv[0], '/') -
		    argv[0]), argv[0]);
		fd = open(tries, O_WRONLY | O_CREAT | O_APPEND, 0600);
		free(tries);
		if (fd < 0 || write(fd, "x\n", 2) != 2 ||
		    (n = lseek(fd, 0, SEEK_END)) < 0 || close(fd) != 0)
			return 2;
		if (strcmp(mode, "portbusy-always") == 0 || n <= 4) {
			fprintf(stderr, "%s: -chardev socket,id=hmp0,host="
			    "127.0.0.1,port=30320,server=on,wait=off: Failed to "
			    "find an available port: Address already in use\n",
			    argv[0]);
			return 1;
		}
	}
	if (fake_pidfile == NULL || control < 0 ||
	    (fd = open(fake_pidfile, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		return 2;
	(void)snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	if (write(fd, line, strlen(line)) < 0 || close(fd) != 0 ||
	    listen(control, 1) != 0)
		return 2;
	serve(control, mode);
}

/* A world of one VM whose TGTARCH is this program as fake-qemu-MODE. */
struct world {
	char		*dir;
	struct rundir	 rd;
	struct monconf	 mc;
	struct vm_config vm;
	struct diag	 d;
};

static int
world_init(struct world *w, const char *mode)
{
	char self[PATH_MAX], *link, *cfg, *text, *run;
	ssize_t n;

	memset(w, 0, sizeof(*w));
	diag_init(&w->d);
	w->dir = xstrdup(unit_tmpdir());
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) < 0)
		return -1;
	self[n] = '\0';
	link = xasprintf("%s/fake-qemu-%s", w->dir, mode);
	if (symlink(self, link) != 0) {
		free(link);
		return -1;
	}
	/* Root keeps root (RUNAS=root); another user is QEMU itself. */
	text = xasprintf("TGTARCH=%s\nKVM=no\nVNC=no\nSERIAL=no\n"
	    "STOPDELAY=5\nSANDBOX=no\n%s", link, geteuid() == 0 ?
	    "RUNAS=root\n" : "");
	cfg = xstrdup(unit_writes(w->dir, "fake-qemu.cfg", text));
	free(text);
	free(link);
	memset(&w->mc, 0, sizeof(w->mc));
	w->mc.monport = 30320;
	w->mc.slots = 4;
	w->mc.unix_monitors = 1;	/* no port taken */
	w->mc.vnc_listen = xstrdup("127.0.0.1");
	w->mc.runas = xstrdup("root");
	run = xasprintf("%s/run", w->dir);
	(void)chmod(w->dir, 0755);
	if (vmconf_load(&w->vm, cfg, "fake", &w->d) != 0 ||
	    rundir_open(&w->rd, run, RUNDIR_CREATE, &w->d) != 0) {
		free(cfg);
		free(run);
		return -1;
	}
	free(cfg);
	free(run);
	return 0;
}

static void
world_free(struct world *w)
{
	struct vm_state st;

	/* Whatever still runs of ours goes. */
	if (vm_probe(&w->rd, "fake", &st) == VM_RUNNING)
		(void)vm_kill(&w->rd, "fake", NULL);
	state_free(&st);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	vmconf_free(&w->vm);
	monconf_free(&w->mc);
	rundir_close(&w->rd);
	diag_clear(&w->d);
	free(w->dir);
}

/* Nothing of a start left in RUNDIR. */
static int
nothing_left(struct world *w)
{
	return !rundir_exists(&w->rd, "fake", RUN_STATE) &&
	    !rundir_exists(&w->rd, "fake", RUN_PID) &&
	    !rundir_exists(&w->rd, "fake", RUN_CONTROL) &&
	    !rundir_exists(&w->rd, "fake", RUN_QEMU_DIR);
}

static enum vm_stopped
stop(struct world *w, long long timeout_s, int force)
{
	struct stop_how how;

	memset(&how, 0, sizeof(how));
	how.timeout_s = timeout_s;
	how.force = force;
	return vm_stop(&w->rd, "fake", &how, &w->d);
}

TEST(lifecycle_start_says_qemus_error_and_leaves_nothing)
{
	struct vm_started out;
	struct world w;

	CHECK(world_init(&w, "exit1") == 0);
	CHECK(vm_start(&w.vm, &w.mc, w.dir, &w.rd, &out, &w.d) == -1);
	/* Its error line, not its warning; then that nothing stays. */
	CHECK_STR(diag_first_error(&w.d), "QEMU failed to start 'fake': "
	    "fake-qemu-exit1: -drive file=/dev/fdset/2: Could not open it");
	CHECK(nothing_left(&w));
	world_free(&w);
}

/* Lines in the fake's tries file: how many times QEMU was launched. */
static int
launches(struct world *w)
{
	const char *text = unit_reads(w->dir, "tries");
	int n = 0;

	for (; text != NULL && *text != '\0'; text++)
		n += *text == '\n';
	return n;
}

TEST(lifecycle_start_tries_another_slot_when_a_port_was_taken)
{
	struct vm_started out;
	struct world w;

	CHECK(world_init(&w, "portbusy") == 0);
	CHECK(vm_start(&w.vm, &w.mc, w.dir, &w.rd, &out, &w.d) == 0);
	CHECK(w.d.errors == 0);
	CHECK(launches(&w) == 3);
	CHECK(!out.already && out.st.qemu.pid > 0);
	state_free(&out.st);
	world_free(&w);
}

TEST(lifecycle_start_gives_up_after_three_slots_taken)
{
	struct vm_started out;
	struct world w;

	CHECK(world_init(&w, "portbusy-always") == 0);
	CHECK(vm_start(&w.vm, &w.mc, w.dir, &w.rd, &out, &w.d) == -1);
	CHECK(launches(&w) == 3);
	CHECK(diag_first_error(&w.d) != NULL &&
	    strstr(diag_first_error(&w.d), "Address already in use") != NULL);
	CHECK(w.d.errors == 2);		/* QEMU's line, and "undone" */
	CHECK(nothing_left(&w));
	world_free(&w);
}

TEST(lifecycle_start_names_the_sandbox_when_it_killed_qemu)
{
	struct vm_started out;
	struct world w;

	CHECK(world_init(&w, "sigsys") == 0);
	CHECK(vm_start(&w.vm, &w.mc, w.dir, &w.rd, &out, &w.d) == -1);
	CHECK(strstr(diag_first_error(&w.d), "was killed by its sandbox") !=
	    NULL);
	CHECK(nothing_left(&w));
	world_free(&w);
}

TEST(lifecycle_start_undoes_a_guest_in_internal_error)
{
	struct vm_started out;
	struct world w;

	CHECK(world_init(&w, "internal") == 0);
	CHECK(vm_start(&w.vm, &w.mc, w.dir, &w.rd, &out, &w.d) == -1);
	CHECK(strstr(diag_first_error(&w.d), "stopped at once in "
	    "internal-error (KVM does not work on this host? try KVM=no): "
	    "start undone") != NULL);
	CHECK(nothing_left(&w));
	world_free(&w);
}

TEST(lifecycle_start_then_stop_by_the_button)
{
	struct vm_started out, again;
	struct vm_state st;
	struct world w;

	CHECK(world_init(&w, "obey") == 0);
	CHECK(vm_start(&w.vm, &w.mc, w.dir, &w.rd, &out, &w.d) == 0);
	CHECK(!out.already && out.st.recorded && out.st.qemu.pid > 0);
	CHECK(vm_probe(&w.rd, "fake", &st) == VM_RUNNING &&
	    st.qemu.pid == out.st.qemu.pid);
	state_free(&st);
	/* Started again: said to run, nothing done. */
	CHECK(vm_start(&w.vm, &w.mc, w.dir, &w.rd, &again, &w.d) == 0 &&
	    again.already);
	state_free(&again.st);
	CHECK(stop(&w, 10, 0) == STOP_DONE);
	CHECK(nothing_left(&w));
	CHECK(vm_probe(&w.rd, "fake", &st) == VM_STOPPED);
	state_free(&st);
	CHECK(stop(&w, 10, 0) == STOP_NOT_RUNNING);
	state_free(&out.st);
	CHECK(w.d.errors == 0);
	world_free(&w);
}

TEST(lifecycle_a_killed_qemu_is_dead_a_clean_exit_stopped)
{
	struct vm_started out;
	struct vm_state st;
	struct world w;

	CHECK(world_init(&w, "ignore") == 0);
	CHECK(vm_start(&w.vm, &w.mc, w.dir, &w.rd, &out, &w.d) == 0);
	CHECK(kill(out.st.qemu.pid, SIGKILL) == 0);
	CHECK(waitpid(out.st.qemu.pid, NULL, 0) == out.st.qemu.pid);
	/* Its pid file left: it did not exit cleanly. */
	CHECK(vm_probe(&w.rd, "fake", &st) == VM_DEAD);
	state_free(&st);
	state_free(&out.st);
	/* start recovers it; then a clean exit (QMP quit) is a stop. */
	CHECK(vm_start(&w.vm, &w.mc, w.dir, &w.rd, &out, &w.d) == 0);
	CHECK(vm_kill(&w.rd, "fake", &w.d) == STOP_KILLED);
	CHECK(vm_probe(&w.rd, "fake", &st) == VM_STOPPED);
	state_free(&st);
	state_free(&out.st);
	world_free(&w);
}

TEST(lifecycle_stop_of_an_ignored_button_fails_or_forces)
{
	struct vm_started out;
	struct world w;

	CHECK(world_init(&w, "ignore") == 0);
	CHECK(vm_start(&w.vm, &w.mc, w.dir, &w.rd, &out, &w.d) == 0);
	CHECK(stop(&w, 1, 0) == STOP_FAILED);
	CHECK(strstr(diag_first_error(&w.d), "'fake' is still running after "
	    "1 s (use -f to force it off)") != NULL);
	diag_clear(&w.d);
	CHECK(stop(&w, 1, 1) == STOP_FORCED);
	CHECK(nothing_left(&w));
	state_free(&out.st);
	world_free(&w);
}

TEST(lifecycle_stop_says_why_the_button_was_refused)
{
	struct vm_started out;
	struct world w;

	CHECK(world_init(&w, "refuse") == 0);
	CHECK(vm_start(&w.vm, &w.mc, w.dir, &w.rd, &out, &w.d) == 0);
	CHECK(stop(&w, 5, 0) == STOP_FAILED);
	CHECK(strstr(diag_first_error(&w.d), "the button is broken") != NULL);
	diag_clear(&w.d);
	/* Still there: refused, not gone. */
	CHECK(vm_kill(&w.rd, "fake", &w.d) == STOP_KILLED);
	state_free(&out.st);
	world_free(&w);
}
