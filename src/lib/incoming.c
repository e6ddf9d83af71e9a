/*
 * incoming.c - the receiving end of a migration (migrate --incoming),
 * run by the source's qemu-init through ssh, and the question asked
 * afresh when that connection ended at the switch-over (migrate
 * --outcome).
 *
 * Its standard input and output are the connection (mux.h): nothing
 * else may write to its standard output.  It holds the VM's lock from
 * its checks to its end, so a later --outcome waits for its decision.
 * Before the commit, any end (the source's abort, the connection's end,
 * its QEMU's end, the deadline) ends its QEMU; after the commit, it
 * lets the VM run once all of the state came, whatever happens to the
 * connection.
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "json.h"
#include "lifecycle.h"
#include "migline.h"
#include "migrate.h"
#include "monitor.h"
#include "mux.h"
#include "proc.h"
#include "qmp.h"
#include "rundir.h"
#include "sock.h"
#include "state.h"

#define OUTCOME_LOCK_MS	(MIGRATE_COMMIT_MS + 30000)

struct tgt {
	const struct vm_config	*vm;
	const struct monconf	*mc;
	const char		*confdir;
	const struct rundir	*rd;
	const struct migrate_how *how;
	struct mux		 mux;
	int			 mux_ready;
	struct sock_reader	 ctl;		/* channel 0, ours */
	int			 mig[2];	/* [0] QEMU's, [1] the mux's */
	int			*nbd;		/* connections to QEMU's server */
	size_t			 nnbd;
	int			 lock;
	struct vm_started	 vs;
	int			 started;
	struct qmp		 q;
	int			 q_open;
	int			 pidfd;
	int			 ctl_gone;	/* the source's lines ended */
	long long		*size;
};

/* A line to the source: the verb and its words. */
static void
tgt_say(struct tgt *t, const char *verb, const char *word)
{
	struct strbuf line;

	sb_init(&line);
	sb_adds(&line, verb);
	if (word != NULL)
		migline_word(&line, word);
	sb_addc(&line, '\n');
	(void)sock_write_all(t->ctl.fd, line.s, line.len, now_ms() +
	    MONITOR_TIMEOUT_MS, NULL);
	sb_free(&line);
}

/* What d holds, as lines: each warning, each error. */
static void
tgt_say_diag(struct tgt *t, struct diag *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->msgs[i].level != DIAG_NOTE)
			tgt_say(t, d->msgs[i].level == DIAG_ERROR ? "error" :
			    "warning", d->msgs[i].text);
	diag_clear(d);
}

/*
 * With --copy-storage: QEMU serves each disk over NBD, writable, on a
 * socket of RUNDIR it is handed (only root reaches its name), and the
 * connections the source's mirrors go through are made here.
 */
static int
tgt_serve_disks(struct tgt *t, struct diag *d)
{
	const char *name = t->vm->name;
	char *path;
	size_t i;
	int fd, rc;

	if ((fd = rundir_bind(t->rd, name, RUN_NBD, d)) < 0)
		return -1;
	rc = qmp_pass_fd(&t->q, "qinit-nbd", fd, d);
	(void)close(fd);
	if (rc != QMP_OK || qmp_execute(&t->q, "{\"execute\":"
	    "\"nbd-server-start\",\"arguments\":{\"addr\":{\"type\":\"fd\","
	    "\"data\":{\"str\":\"qinit-nbd\"}}}}", NULL, d) != QMP_OK)
		return -1;
	for (i = 0; i < t->vm->ndisks; i++)
		if (qmp_executef(&t->q, NULL, d, "{\"execute\":\"nbd-server-add\","
		    "\"arguments\":{\"device\":\"disk%zu\",\"writable\":true}}",
		    i) != QMP_OK)
			return -1;
	path = rundir_path(t->rd, name, RUN_NBD);
	t->nbd = xcalloc(t->vm->ndisks + 1, sizeof(*t->nbd));
	for (i = 0; i < t->vm->ndisks; i++) {
		if ((fd = sock_connect_unix(path, now_ms() +
		    MONITOR_TIMEOUT_MS, d)) < 0) {
			if (fd == SOCK_REFUSED || fd == SOCK_BUSY)
				diag_error(d, "QEMU's NBD server of '%s' "
				    "does not answer", name);
			free(path);
			return -1;
		}
		t->nbd[t->nnbd++] = fd;
	}
	free(path);
	return 0;
}

/*
 * The VM, checked and started here waiting for its state: 0, or -1
 * with why in d.
 */
static int
tgt_prepare(struct tgt *t, struct diag *d)
{
	const struct vm_config *vm = t->vm;
	struct vm_state st;
	int run;

	if (vm == NULL)
		return -1;
	check_all(vm, 1, t->mc, t->confdir, d);
	if (d->errors > 0)
		return -1;
	if (vm->snapshot) {
		diag_error(d, "'%s' has SNAPSHOT=yes here: what arrives would "
		    "not be kept", vm->name);
		return -1;
	}
	if (t->how->copy_storage && vm->ndisks + MIGLINE_DISK > MUX_CHANNELS) {
		diag_error(d, "'%s' has more disks than --copy-storage "
		    "carries", vm->name);
		return -1;
	}
	if (vm_lock(t->rd, vm->name, &t->lock, d) != 0)
		return -1;
	run = vm_probe(t->rd, vm->name, &st);
	/* An earlier receiving end left it waiting: we hold its lock now. */
	if (run == VM_RUNNING && st.incoming &&
	    vm_kill_held(t->rd, vm->name, &st.qemu, d) == STOP_KILLED)
		run = VM_STOPPED;
	if (run == VM_RUNNING)
		diag_error(d, "'%s' already runs on this host (pid %ld): "
		    "never two copies", vm->name, (long)st.qemu.pid);
	state_free(&st);
	if (run == VM_RUNNING || d->errors > 0)
		return -1;
	if (vm_start_incoming(vm, t->mc, t->confdir, t->rd, t->mig[0], &t->vs,
	    d) != 0)
		return -1;
	t->started = 1;
	(void)close(t->mig[0]);
	t->mig[0] = -1;
	t->pidfd = proc_pidfd(t->vs.st.qemu.pid);
	if (control_open(&t->q, t->rd, vm->name, &t->vs.st, MONITOR_TIMEOUT_MS,
	    0, d) != QMP_OK)
		return -1;
	t->q_open = 1;
	t->q.keep_events = 1;
	if (qmp_execute(&t->q, "{\"execute\":\"migrate-set-capabilities\","
	    "\"arguments\":{\"capabilities\":[{\"capability\":"
	    "\"late-block-activate\",\"state\":true},{\"capability\":"
	    "\"events\",\"state\":true}]}}", NULL, d) != QMP_OK)
		return -1;
	if (t->how->copy_storage && tgt_serve_disks(t, d) != 0)
		return -1;
	t->size = xcalloc(vm->ndisks + 1, sizeof(*t->size));
	return migrate_disk_sizes(&t->q, vm->ndisks, t->size, d);
}

/* Whatever was started here ends; the VM is as before. */
static void
tgt_undo(struct tgt *t)
{
	if (t->q_open) {
		qmp_close(&t->q);
		t->q_open = 0;
	}
	if (t->started)
		(void)vm_kill_held(t->rd, t->vm->name, &t->vs.st.qemu, NULL);
	t->started = 0;
}

/* "ready N SIZE PATH ...": our disks, for the source to compare. */
static void
tgt_ready(struct tgt *t)
{
	struct strbuf line;
	char num[32];
	size_t i;

	sb_init(&line);
	sb_adds(&line, "ready");
	(void)snprintf(num, sizeof(num), "%zu", t->vm->ndisks);
	migline_word(&line, num);
	for (i = 0; i < t->vm->ndisks; i++) {
		(void)snprintf(num, sizeof(num), "%lld", t->size[i]);
		migline_word(&line, num);
		migline_word(&line, t->vm->disks[i].path);
	}
	sb_addc(&line, '\n');
	(void)sock_write_all(t->ctl.fd, line.s, line.len, now_ms() +
	    MONITOR_TIMEOUT_MS, NULL);
	sb_free(&line);
}

/* Whether our QEMU has ended; *status as proc_reap says, if ours. */
static int
qemu_ended(struct tgt *t, int *status)
{
	*status = -1;
	return proc_reap(t->vs.st.qemu.pid, status) != 0 ||
	    !proc_alive(&t->vs.st.qemu);
}

/*
 * Waits until the deadline for a line of the source's, our QEMU's end or
 * an event of its: the line's kind (MIGLINE_NONE: none yet), MIGLINE_LOST
 * at the connection's end; QEMU's end is MIGLINE_FAILED, with why in d.
 */
static int
tgt_wait(struct tgt *t, long long deadline, struct strvec *w,
    struct diag *d)
{
	struct pollfd pfd[3];
	struct json ev;
	char *line;
	long long left;
	int rc, status;

	pfd[0].fd = t->ctl_gone ? -1 : t->ctl.fd;
	pfd[1].fd = t->q.r.fd;
	pfd[2].fd = t->pidfd;
	pfd[0].events = pfd[1].events = pfd[2].events = POLLIN;
	left = deadline - now_ms();
	if (t->ctl.in.len == 0 && t->q.nevents == 0 && left > 0)
		(void)poll(pfd, 3, (int)(left < MIGRATE_TICK_MS ? left :
		    MIGRATE_TICK_MS));
	while (qmp_event(&t->q, now_ms() + 1, &ev, NULL) == 1)
		json_free(&ev);
	if (qemu_ended(t, &status)) {
		diag_error(d, "QEMU of '%s' here ended (status %d) before the "
		    "state came", t->vm->name, status);
		t->started = 0;
		state_remove(t->rd, t->vm->name);
		return MIGLINE_FAILED;
	}
	if (t->ctl_gone)
		return MIGLINE_LOST;
	rc = sock_read_line(&t->ctl, now_ms() + 1, MIGRATE_LINE_MAX, &line,
	    NULL);
	if (rc == SOCK_TIMEOUT)
		return MIGLINE_NONE;
	if (rc != SOCK_OK) {
		t->ctl_gone = 1;
		return MIGLINE_LOST;
	}
	sv_free(w);
	sv_init(w);
	rc = migline_parse(line, w);
	free(line);
	return rc;
}

/* Whether QEMU took all of the state: 1, 0 not yet, -1 it failed. */
static int
arrived(struct tgt *t, struct diag *d)
{
	struct json reply;
	const char *status;
	int rc;

	if (qmp_execute(&t->q, "{\"execute\":\"query-migrate\"}", &reply,
	    d) != QMP_OK)
		return -1;
	status = json_get_string(json_get(&reply, "return"), "status");
	rc = status == NULL ? 0 : strcmp(status, "completed") == 0 ? 1 :
	    strcmp(status, "failed") == 0 ? -1 : 0;
	if (rc < 0)
		diag_error(d, "QEMU of '%s' here could not take the state",
		    t->vm->name);
	json_free(&reply);
	return rc;
}

/*
 * The commit: once all of the state came, the VM runs here (or stays
 * paused, as it was), whatever happens to the connection meanwhile.
 */
static int
tgt_commit(struct tgt *t, int run, struct diag *d)
{
	long long deadline = now_ms() + MIGRATE_COMMIT_MS;
	struct strvec w;
	int rc;

	sv_init(&w);
	while ((rc = arrived(t, d)) == 0) {
		if (now_ms() > deadline) {
			diag_error(d, "the last of the state did not come in "
			    "%d s", MIGRATE_COMMIT_MS / 1000);
			rc = -1;
			break;
		}
		/* A line now (the connection's end) changes nothing. */
		if (tgt_wait(t, now_ms() + 100, &w, d) == MIGLINE_FAILED) {
			rc = -1;
			break;
		}
	}
	sv_free(&w);
	if (rc > 0 && t->how->copy_storage)
		(void)qmp_execute(&t->q, "{\"execute\":\"nbd-server-stop\"}",
		    NULL, NULL);
	if (rc > 0 && run && qmp_execute(&t->q, "{\"execute\":\"cont\"}",
	    NULL, d) != QMP_OK)
		rc = -1;
	if (rc <= 0)
		return -1;
	rundir_unlink(t->rd, t->vm->name, RUN_NBD);
	if (vm_incoming_arrived(t->vm, t->rd, &t->vs.st, d) != 0)
		diag_warn(d, "its state here could not be written");
	t->started = 0;		/* it is the VM now, not ours to undo */
	return 0;
}

/* Until the commit, an abort, or an end: 0 committed and running. */
static int
tgt_run(struct tgt *t, struct diag *d)
{
	long long deadline = now_ms() + t->how->timeout_s * 1000 +
	    MIGRATE_SETUP_MS;
	struct strvec w;
	int rc = MIGLINE_NONE;

	sv_init(&w);
	while (rc == MIGLINE_NONE && now_ms() < deadline)
		rc = tgt_wait(t, deadline, &w, d);
	if (rc == MIGLINE_COMMIT) {
		rc = tgt_commit(t, strcmp(w.v[1], "run") == 0, d);
		if (rc == 0)
			tgt_say(t, strcmp(w.v[1], "run") == 0 ? "running" :
			    "arrived", NULL);
	} else {
		if (rc == MIGLINE_NONE)
			diag_error(d, "no commit in time");
		else if (rc == MIGLINE_BAD)
			diag_error(d, "the source said what qemu-init does not "
			    "say");
		rc = -1;
	}
	sv_free(&w);
	if (rc != 0 && diag_first_error(d) != NULL)
		tgt_say(t, "failed", diag_first_error(d));
	return rc;
}

static void
tgt_free(struct tgt *t)
{
	size_t i;

	if (t->q_open)
		qmp_close(&t->q);
	if (t->mux_ready) {
		sock_reader_free(&t->ctl);
		(void)mux_stop(&t->mux);
		mux_free(&t->mux);
	} else
		sock_reader_free(&t->ctl);
	for (i = 0; i < 2; i++)
		if (t->mig[i] >= 0)
			(void)close(t->mig[i]);
	for (i = 0; i < t->nnbd; i++)
		if (t->nbd[i] >= 0)
			(void)close(t->nbd[i]);
	free(t->nbd);
	free(t->size);
	if (t->pidfd >= 0)
		(void)close(t->pidfd);
	state_free(&t->vs.st);
	lock_release(t->lock);
}

/*
 * The channels: control (ctl, the mux's end), and the stream and each
 * disk's when ready.
 */
static int
tgt_channels(struct tgt *t, int ctl, int ready, struct diag *d)
{
	size_t i;

	mux_add(&t->mux, MIGLINE_CONTROL, ctl);
	if (ready) {
		mux_add(&t->mux, MIGLINE_STREAM, t->mig[1]);
		t->mig[1] = -1;
		for (i = 0; i < t->nnbd; i++) {
			mux_add(&t->mux, MIGLINE_DISK + (unsigned)i, t->nbd[i]);
			t->nbd[i] = -1;
		}
	}
	return mux_start(&t->mux, d);
}

int
migrate_incoming(const struct vm_config *vm, const struct monconf *mc,
    const char *confdir, const struct rundir *rd,
    const struct migrate_how *how, struct diag *d)
{
	struct tgt t;
	int sv[2], ready, rc = 1;

	memset(&t, 0, sizeof(t));
	t.vm = vm;
	t.mc = mc;
	t.confdir = confdir;
	t.rd = rd;
	t.how = how;
	t.lock = t.pidfd = -1;
	t.mig[0] = t.mig[1] = -1;
	(void)signal(SIGPIPE, SIG_IGN);
	sock_reader_init(&t.ctl, -1);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, t.mig) != 0 ||
	    mux_init(&t.mux, STDIN_FILENO, STDOUT_FILENO, d) != 0) {
		diag_error(d, "cannot set up the connection: %s",
		    strerror(errno));
		return 1;
	}
	t.mux_ready = 1;
	sock_reader_init(&t.ctl, sv[0]);
	ready = tgt_prepare(&t, d) == 0;
	if (!ready)
		tgt_undo(&t);
	if (tgt_channels(&t, sv[1], ready, d) != 0) {
		tgt_undo(&t);
		tgt_free(&t);
		return 1;
	}
	tgt_say_diag(&t, d);
	if (ready) {
		tgt_ready(&t);
		rc = tgt_run(&t, d) == 0 ? 0 : 1;
		if (rc != 0)
			tgt_undo(&t);
	} else
		tgt_say(&t, "refused", NULL);
	tgt_free(&t);
	return rc;
}

int
migrate_outcome(const struct rundir *rd, const char *name, struct diag *d)
{
	struct vm_state st;
	char *status = NULL, *path;
	int lock, runs;

	switch (lock_take(rd, name, RUN_LOCK, OUTCOME_LOCK_MS, &lock, d)) {
	case LOCK_TAKEN:
		break;
	case LOCK_BUSY:
		diag_error(d, "the receiving end of '%s' still decides after "
		    "%d s", name, OUTCOME_LOCK_MS / 1000);
		return -1;
	case LOCK_ERROR:
		return -1;
	}
	runs = vm_probe(rd, name, &st) == VM_RUNNING;
	if (!runs)
		state_remove(rd, name);		/* what a dead QEMU left */
	if (runs && st.incoming) {
		/* Its receiving end died: running, or not yet the VM. */
		path = rundir_path(rd, name, RUN_CONTROL);
		(void)qmp_query_unix(name, path, &st.qemu, "query-status",
		    "status", &status, MONITOR_TIMEOUT_MS, NULL);
		free(path);
		if (status != NULL && strcmp(status, "running") == 0) {
			st.incoming = 0;
			(void)state_write(rd, name, &st, d);
		} else if (vm_kill_held(rd, name, &st.qemu, d) == STOP_KILLED)
			runs = 0;
		else
			runs = -1;
		free(status);
	}
	state_free(&st);
	lock_release(lock);
	return runs;
}
