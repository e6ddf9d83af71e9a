/*
 * migrate.c - the source of a migration: the target's qemu-init through
 * ssh, the streams over it, QEMU's block mirror and migration, the
 * two-step switch-over, and what is undone when anything fails; the
 * guardian that does that when this qemu-init is killed.  The
 * receiving end is incoming.c.
 *
 * The source QEMU is talked to through one connection to its control
 * socket, held for the whole migration, with QEMU's events on: a
 * change of the migration's state wakes the loop at once, so the
 * switch-over waits for no tick.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "lifecycle.h"
#include "migrate.h"
#include "migline.h"
#include "monitor.h"
#include "mux.h"
#include "paths.h"
#include "qmp.h"
#include "remote.h"
#include "sock.h"
#include "state.h"
#include "transport.h"

#define OUTCOME_TRIES	3	/* asking the target afresh */
#define OUTCOME_PAUSE_MS 5000	/* between two tries that ssh failed */
#define UNDO_MS		30000	/* cancelling QEMU's migration, its jobs */

/* Where the source is: what must be undone when it fails. */
enum src_phase {
	SRC_IDLE,		/* nothing asked of QEMU yet */
	SRC_MIRROR,		/* block jobs and NBD nodes may exist */
	SRC_MIGRATE,		/* migrate was asked */
	SRC_COMMIT		/* the commit was sent: the target decides */
};

struct src {
	const struct rundir	*rd;
	const char		*name;
	const struct migrate_how *how;
	struct remote_host	 host;
	struct vm_state		 st;
	int			 lock;
	int			 was_running;	/* else paused: it stays so */
	struct qmp		 q;
	int			 q_open;
	struct transport_session ssh;
	int			 ssh_open;
	struct mux		 mux;
	int			 mux_ready;	/* initialised */
	struct sock_reader	 ctl;		/* channel 0, ours */
	int			 mig;		/* QEMU's end, until handed */
	int			*nbd;		/* QEMU's ends, until handed */
	size_t			 ndisks;
	long long		*size;		/* here; -1 unknown */
	enum src_phase		 phase;
	int			 ready;		/* the target said ready */
	int			 lost;		/* the connection ended first */
	int			 guard;		/* the guardian's pipe */
	pid_t			 guardian;
	long long		 t0, deadline, moved, moved_at;
	long long		 qemu_downtime;
	struct migrate_progress	 pg;
};

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	interrupted = sig;
}

/* --- QMP --------------------------------------------------------------- */

/* The number at member key of obj, or -1. */
static long long
number_of(const struct json *obj, const char *key)
{
	const struct json *v = json_get(obj, key);

	return v != NULL && v->type == JSON_NUMBER ? strtoll(v->text, NULL,
	    10) : -1;
}

int
migrate_disk_sizes(struct qmp *q, size_t n, long long *size,
    struct diag *d)
{
	const struct json *ret, *e, *img;
	struct json reply;
	const char *dev;
	size_t i, k;
	char want[32];

	for (i = 0; i < n; i++)
		size[i] = -1;
	if (qmp_execute(q, "{\"execute\":\"query-block\"}", &reply, d) !=
	    QMP_OK)
		return -1;
	ret = json_get(&reply, "return");
	for (k = 0; ret != NULL && ret->type == JSON_ARRAY && k < ret->n;
	    k++) {
		e = &ret->items[k];
		dev = json_get_string(e, "device");
		img = json_get(json_get(e, "inserted"), "image");
		for (i = 0; dev != NULL && img != NULL && i < n; i++) {
			(void)snprintf(want, sizeof(want), "disk%zu", i);
			if (strcmp(dev, want) == 0)
				size[i] = number_of(img, "virtual-size");
		}
	}
	json_free(&reply);
	return 0;
}

/* QEMU's migration status ("active", ...) into *status; QMP_ code. */
static int
migration_status(struct qmp *q, char **status, struct json *reply,
    struct diag *d)
{
	int rc;

	*status = NULL;
	rc = qmp_execute(q, "{\"execute\":\"query-migrate\"}", reply, d);
	if (rc == QMP_OK)
		*status = xstrdup(json_get_string(json_get(reply, "return"),
		    "status") != NULL ? json_get_string(json_get(reply,
		    "return"), "status") : "none");
	return rc;
}

/* Whether a migration in that status still goes on. */
static int
migration_going(const char *status)
{
	return strcmp(status, "none") != 0 &&
	    strcmp(status, "completed") != 0 &&
	    strcmp(status, "failed") != 0 &&
	    strcmp(status, "cancelled") != 0;
}

/* --- the guardian ----------------------------------------------------------- */

/*
 * What the guardian is told, one byte each time: armed ('r' the VM ran,
 * 'p' it was paused), the commit sent ('C', 'c'), all done ('D').
 */
static void
guardian_say(struct src *s, char what)
{
	if (s->guard >= 0 && write(s->guard, &what, 1) != 1) {
		(void)close(s->guard);	/* it is gone: we go on alone */
		s->guard = -1;
	}
}

static void	src_undo(struct src *, struct diag *);
static int	src_settle(struct src *, struct diag *);

/* The guardian, once the qemu-init it watched is gone. */
static void __attribute__((noreturn))
guardian_run(struct src *s, int in)
{
	struct diag d;
	char c, last = s->was_running ? 'r' : 'p';
	ssize_t n;

	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGTERM, SIG_IGN);
	(void)signal(SIGHUP, SIG_IGN);
	(void)signal(SIGPIPE, SIG_IGN);
	/* Its copy of the control connection would keep QEMU's busy. */
	qmp_close(&s->q);
	s->q_open = 0;
	while ((n = read(in, &c, 1)) != 0) {
		if (n == 1)
			last = c;
		else if (errno != EINTR)
			break;
		if (last == 'D')
			_exit(0);
	}
	diag_init(&d);
	s->was_running = last == 'r' || last == 'C';
	if (last == 'r' || last == 'p') {
		s->phase = SRC_MIGRATE;
		src_undo(s, &d);
		diag_note(&d, "migrate '%s': qemu-init ended before the "
		    "switch-over: the VM stays here", s->name);
	} else if (src_settle(s, &d) == 0)
		diag_note(&d, "migrate '%s': qemu-init ended at the "
		    "switch-over: the VM runs on %s", s->name, s->how->host);
	(void)diag_flush(&d, "qemu-init");
	_exit(0);
}

/*
 * The guardian: a child that outlives this qemu-init if it is killed,
 * and then does what it would have done.  It holds the VM's lock with us
 * (the same lock: flock), so nothing else acts on the VM meanwhile.
 */
static int
guardian_start(struct src *s, struct diag *d)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0) {
		diag_error(d, "cannot start the guardian: %s", strerror(errno));
		return -1;
	}
	(void)fflush(stdout);
	(void)fflush(stderr);
	if ((pid = fork()) < 0) {
		diag_error(d, "cannot start the guardian: %s", strerror(errno));
		(void)close(p[0]);
		(void)close(p[1]);
		return -1;
	}
	if (pid == 0) {
		(void)close(p[1]);
		guardian_run(s, p[0]);
	}
	(void)close(p[0]);
	s->guard = p[1];
	s->guardian = pid;
	return 0;
}

static void
guardian_end(struct src *s)
{
	int ws;

	guardian_say(s, 'D');
	if (s->guard >= 0)
		(void)close(s->guard);
	s->guard = -1;
	while (s->guardian > 0 && waitpid(s->guardian, &ws, 0) < 0 &&
	    errno == EINTR)
		;
	s->guardian = -1;
}

/* --- the source: before anything moves -------------------------------------- */

static int
src_refuse(struct src *s, struct diag *d, const char *why)
{
	diag_error(d, "'%s' %s", s->name, why);
	return -1;
}

/* The VM here, as it runs: locked, asked, each disk's size. */
static int
src_prepare(struct src *s, struct diag *d)
{
	struct json reply;
	char *status = NULL;
	const char *why;
	int rc;

	if (remote_host_parse(s->how->host, &s->host, &why) != 0) {
		diag_error(d, "%s: %s", s->how->host, why);
		return -1;
	}
	if (vm_lock(s->rd, s->name, &s->lock, d) != 0)
		return -1;
	if (vm_probe(s->rd, s->name, &s->st) != VM_RUNNING)
		return src_refuse(s, d, "is not running");
	if (!s->st.recorded)
		return src_refuse(s, d, "is still starting");
	if (s->st.incoming)
		return src_refuse(s, d, "is still arriving here from another "
		    "host");
	if (s->st.snapshot)
		return src_refuse(s, d, "runs with SNAPSHOT=yes: its disks' "
		    "writes are in a file of this host's that is not moved");
	s->ndisks = s->st.ndisks;
	if (s->how->copy_storage && s->ndisks + 2 > MUX_CHANNELS)
		return src_refuse(s, d, "has more disks than --copy-storage "
		    "carries");
	if (control_open(&s->q, s->rd, s->name, &s->st, MONITOR_TIMEOUT_MS,
	    0, d) != QMP_OK)
		return -1;
	s->q_open = 1;
	s->q.keep_events = 1;
	if (qmp_query(&s->q, "query-status", "status", &status, d) != QMP_OK)
		return -1;
	s->was_running = strcmp(status, "running") == 0;
	if (!s->was_running && strcmp(status, "paused") != 0) {
		diag_error(d, "'%s' is %s: only a running or paused VM "
		    "migrates", s->name, status);
		free(status);
		return -1;
	}
	free(status);
	if ((rc = migration_status(&s->q, &status, &reply, d)) == QMP_OK) {
		json_free(&reply);
		if (migration_going(status))
			rc = src_refuse(s, d, "is being migrated already");
	}
	free(status);
	if (rc != QMP_OK)
		return -1;
	s->size = xcalloc(s->ndisks + 1, sizeof(*s->size));
	if (migrate_disk_sizes(&s->q, s->ndisks, s->size, d) != 0)
		return -1;
	return guardian_start(s, d);
}

/* ssh's words for the receiving end: migrate --incoming ... VM. */
static int
incoming_argv(struct src *s, struct strvec *av, struct diag *d)
{
	struct remote_how how;
	struct strvec args;
	int rc;

	memset(&how, 0, sizeof(how));
	how.ssh = path_env_ssh();
	how.input = REMOTE_INPUT_PIPE;
	sv_init(&args);
	sv_push(&args, "migrate");
	sv_push(&args, "--incoming");
	if (s->how->copy_storage)
		sv_push(&args, "--copy-storage");
	sv_push(&args, "-t");
	sv_pushf(&args, "%lld", s->how->timeout_s);
	sv_push(&args, "--");
	sv_push(&args, s->name);
	rc = remote_ssh_argv(&s->host, &how, "qemu-init", (int)args.n, args.v,
	    av, d);
	sv_free(&args);
	return rc;
}

/* A socketpair: [0] for QEMU (or us), [1] for the mux. */
static int
pair(int sv[2], struct diag *d)
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0)
		return 0;
	diag_error(d, "socketpair: %s", strerror(errno));
	return -1;
}

/* The channels over the ssh connection, the mux running. */
static int
src_channels(struct src *s, struct diag *d)
{
	int sv[2];
	size_t i, n = s->how->copy_storage ? s->ndisks : 0;

	if (mux_init(&s->mux, s->ssh.fd, s->ssh.fd, d) != 0)
		return -1;
	s->mux_ready = 1;
	mux_preload(&s->mux, s->ssh.early.s, s->ssh.early.len);
	if (pair(sv, d) != 0)
		return -1;
	sock_reader_init(&s->ctl, sv[0]);
	mux_add(&s->mux, MIGLINE_CONTROL, sv[1]);
	if (pair(sv, d) != 0)
		return -1;
	s->mig = sv[0];
	mux_add(&s->mux, MIGLINE_STREAM, sv[1]);
	s->nbd = xcalloc(n + 1, sizeof(*s->nbd));
	for (i = 0; i < n; i++) {
		if (pair(sv, d) != 0)
			return -1;
		s->nbd[i] = sv[0];
		mux_add(&s->mux, MIGLINE_DISK + (unsigned)i, sv[1]);
	}
	return mux_start(&s->mux, d);
}

/* A line to the target; lost ones are told by what comes back. */
static void
src_say(struct src *s, const char *fmt, ...)
{
	va_list ap;
	char *line;

	if (s->ctl.fd < 0)
		return;
	va_start(ap, fmt);
	line = xvasprintf(fmt, ap);
	va_end(ap);
	(void)sock_write_all(s->ctl.fd, line, strlen(line), now_ms() +
	    MONITOR_TIMEOUT_MS, NULL);
	free(line);
}

/* Why the connection ended, for a message: ssh's last words, or ours. */
static char *
link_words(struct src *s)
{
	char *w;

	transport_drain(&s->ssh);
	w = transport_session_words(&s->ssh);
	return w != NULL ? w : xstrdup("the connection ended");
}

/*
 * The next line from the target by the deadline: MIGLINE_ code, the
 * line split into words.  Warnings and errors it sends on the way are
 * put in d (errors: MIGLINE_ERROR is kept going).
 */
static int
src_hear(struct src *s, long long deadline, struct strvec *w,
    struct diag *d)
{
	char *line, *words;
	int rc;

	for (;;) {
		sv_free(w);
		sv_init(w);
		rc = sock_read_line(&s->ctl, deadline, MIGRATE_LINE_MAX, &line,
		    NULL);
		if (rc == SOCK_TIMEOUT)
			return MIGLINE_NONE;
		if (rc != SOCK_OK) {
			words = link_words(s);
			diag_error(d, "%s: %s", s->host.spec, words);
			free(words);
			s->lost = 1;
			return MIGLINE_LOST;
		}
		rc = migline_parse(line, w);
		free(line);
		if (rc == MIGLINE_WARNING || rc == MIGLINE_ERROR) {
			if (rc == MIGLINE_WARNING)
				diag_warn(d, "%s: %s", s->host.spec, w->v[1]);
			else
				diag_error(d, "%s: %s", s->host.spec, w->v[1]);
			continue;
		}
		if (rc == MIGLINE_FAILED)
			diag_error(d, "%s: %s", s->host.spec, w->v[1]);
		if (rc == MIGLINE_REFUSED && d != NULL && d->errors == 0)
			diag_error(d, "%s: refused", s->host.spec);
		if (rc == MIGLINE_BAD)
			diag_error(d, "%s: said what qemu-init does not say",
			    s->host.spec);
		return rc;
	}
}

/* The target's disks against ours: "ready N SIZE PATH ...". */
static int
src_compare(struct src *s, const struct strvec *w, struct diag *d)
{
	const char *there, *here;
	long long size;
	size_t i;
	int bad = 0;

	if (w->n != 2 + 2 * s->ndisks || strtoll(w->v[1], NULL, 10) !=
	    (long long)s->ndisks) {
		diag_error(d, "'%s' has %zu disks here and %s on %s", s->name,
		    s->ndisks, w->n > 1 ? w->v[1] : "?", s->host.spec);
		return -1;
	}
	for (i = 0; i < s->ndisks; i++) {
		size = strtoll(w->v[2 + 2 * i], NULL, 10);
		there = w->v[3 + 2 * i];
		here = s->st.disks[i].path;
		if (!s->how->copy_storage && strcmp(here, there) != 0) {
			diag_error(d, "DSK%zu is %s here and %s on %s: shared "
			    "storage is the same path on both (else use "
			    "--copy-storage)", i + 1, here, there,
			    s->host.spec);
			bad = 1;
		} else if (s->how->copy_storage && (size < 0 ||
		    s->size[i] < 0)) {
			diag_error(d, "DSK%zu: its size cannot be told (a VM "
			    "started by an older qemu-init: restart it)", i + 1);
			bad = 1;
		} else if (size >= 0 && s->size[i] >= 0 && size != s->size[i]) {
			diag_error(d, "DSK%zu: %lld bytes here, %lld bytes (%s) "
			    "on %s: the same size, please", i + 1, s->size[i],
			    size, there, s->host.spec);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/* ssh to the target, the channels, and its answer: ready, or why not. */
static int
src_connect(struct src *s, struct diag *d)
{
	struct strvec av, w;
	struct diag why;
	int rc;

	sv_init(&av);
	rc = incoming_argv(s, &av, d);
	diag_init(&why);
	if (rc == 0 && (rc = transport_open(&s->ssh, av.v, now_ms() +
	    MIGRATE_SETUP_MS, &why)) != 0)
		diag_error(d, "%s: %s", s->host.spec, diag_first_error(&why));
	diag_clear(&why);
	sv_free(&av);
	s->ssh_open = 1;
	if (rc != 0 || src_channels(s, d) != 0)
		return -1;
	sv_init(&w);
	rc = src_hear(s, now_ms() + MIGRATE_SETUP_MS, &w, d);
	if (rc == MIGLINE_READY) {
		s->ready = 1;
		rc = src_compare(s, &w, d);
	}
	else {
		if (rc == MIGLINE_NONE)
			diag_error(d, "%s: no answer in %d s", s->host.spec,
			    MIGRATE_SETUP_MS / 1000);
		rc = -1;
	}
	sv_free(&w);
	return rc;
}

/* --- the source: while it moves --------------------------------------------- */

/*
 * Waits up to a tick for the target or QEMU: 0 to look at QEMU again,
 * -1 with why in d (the target failed or is gone, interrupted, past the
 * deadline).
 */
static int
src_wait(struct src *s, struct diag *d)
{
	struct pollfd pfd[2];
	struct strvec w;
	struct json ev;
	int rc;

	pfd[0].fd = s->ctl.fd;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	pfd[1].fd = s->q.r.fd;
	pfd[1].events = POLLIN;
	pfd[1].revents = 0;
	if (s->q.nevents == 0 && s->ctl.in.len == 0 && !interrupted)
		(void)poll(pfd, 2, MIGRATE_TICK_MS);
	while (qmp_event(&s->q, now_ms() + 1, &ev, NULL) == 1)
		json_free(&ev);		/* a change: QEMU is asked below */
	transport_drain(&s->ssh);
	if (interrupted) {
		diag_error(d, "interrupted (signal %d)", (int)interrupted);
		return -1;
	}
	if (now_ms() > s->deadline) {
		diag_error(d, "not moved in %lld s (-t)", s->how->timeout_s);
		return -1;
	}
	sv_init(&w);
	rc = s->ctl.in.len > 0 || (pfd[0].revents & (POLLIN | POLLHUP)) ?
	    src_hear(s, now_ms() + 1, &w, d) : MIGLINE_NONE;
	sv_free(&w);
	if (rc == MIGLINE_NONE)
		return 0;
	if (rc != MIGLINE_FAILED && rc != MIGLINE_LOST && rc != MIGLINE_BAD)
		diag_error(d, "%s: an answer out of turn", s->host.spec);
	return -1;
}

/* Whether bytes moved lately: -1 with why in d after MIGRATE_STALL_MS. */
static int
src_moving(struct src *s, long long moved, struct diag *d)
{
	if (moved > s->moved || s->moved_at == 0) {
		s->moved = moved;
		s->moved_at = now_ms();
		return 0;
	}
	if (now_ms() - s->moved_at < MIGRATE_STALL_MS)
		return 0;
	diag_error(d, "nothing moved for %d s", MIGRATE_STALL_MS / 1000);
	return -1;
}

static void
src_progress(struct src *s, const char *phase)
{
	s->pg.phase = phase;
	s->pg.elapsed_ms = now_ms() - s->t0;
	if (s->how->progress != NULL)
		s->how->progress(&s->pg, s->how->arg);
}

/*
 * Our mirror jobs, from query-block-jobs: how many there are, how many
 * are ready, and the bytes copied of all; -1 with why in d.
 */
static int
mirror_jobs(struct src *s, size_t *n, size_t *ready, long long *done,
    long long *total, struct diag *d)
{
	const struct json *ret, *j;
	struct json reply;
	const char *id;
	size_t k;

	*n = *ready = 0;
	*done = *total = 0;
	if (qmp_execute(&s->q, "{\"execute\":\"query-block-jobs\"}", &reply,
	    d) != QMP_OK)
		return -1;
	ret = json_get(&reply, "return");
	for (k = 0; ret != NULL && ret->type == JSON_ARRAY && k < ret->n;
	    k++) {
		j = &ret->items[k];
		id = json_get_string(j, "device");
		if (id == NULL || strncmp(id, "qinit-mirror", 12) != 0)
			continue;
		(*n)++;
		if (json_get(j, "ready") != NULL &&
		    json_get(j, "ready")->type == JSON_TRUE)
			(*ready)++;
		*done += number_of(j, "offset");
		*total += number_of(j, "len");
	}
	json_free(&reply);
	return 0;
}

/* Each disk mirrored to the target's NBD export, until all are ready. */
static int
src_mirror(struct src *s, struct diag *d)
{
	char fdname[32];
	size_t i, n, ready;

	s->phase = SRC_MIRROR;
	for (i = 0; i < s->ndisks; i++) {
		(void)snprintf(fdname, sizeof(fdname), "qinit-nbd%zu", i);
		if (qmp_pass_fd(&s->q, fdname, s->nbd[i], d) != QMP_OK)
			return -1;
		(void)close(s->nbd[i]);
		s->nbd[i] = -1;
		if (qmp_executef(&s->q, NULL, d, "{\"execute\":\"blockdev-add\","
		    "\"arguments\":{\"driver\":\"nbd\",\"node-name\":"
		    "\"qinit-nbd%zu\",\"export\":\"disk%zu\",\"server\":"
		    "{\"type\":\"fd\",\"str\":\"%s\"}}}", i, i, fdname) !=
		    QMP_OK ||
		    qmp_executef(&s->q, NULL, d, "{\"execute\":\"blockdev-mirror\","
		    "\"arguments\":{\"job-id\":\"qinit-mirror%zu\",\"device\":"
		    "\"disk%zu\",\"target\":\"qinit-nbd%zu\",\"sync\":"
		    "\"full\"}}", i, i, i) != QMP_OK)
			return -1;
	}
	for (;;) {
		if (mirror_jobs(s, &n, &ready, &s->pg.disk_done,
		    &s->pg.disk_total, d) != 0)
			return -1;
		if (n < s->ndisks) {
			diag_error(d, "a disk's mirror to %s ended: %s",
			    s->host.spec, "QEMU gave up on it");
			return -1;
		}
		if (ready == n)
			return 0;
		src_progress(s, "copying disks");
		if (src_moving(s, s->pg.disk_done, d) != 0 ||
		    src_wait(s, d) != 0)
			return -1;
	}
}

/*
 * The VM is stopped (pre-switchover): each mirror completes what is
 * left and ends, its NBD node goes, and the migration goes on.
 */
static int
src_switch_disks(struct src *s, struct diag *d)
{
	long long until = now_ms() + MIGRATE_COMMIT_MS;
	long long done, total;
	size_t i, n, ready;

	for (i = 0; i < s->ndisks; i++)
		if (qmp_executef(&s->q, NULL, d, "{\"execute\":\"block-job-cancel\","
		    "\"arguments\":{\"device\":\"qinit-mirror%zu\"}}", i) !=
		    QMP_OK)
			return -1;
	do {
		if (mirror_jobs(s, &n, &ready, &done, &total, d) != 0)
			return -1;
		if (n > 0 && src_wait(s, d) != 0)
			return -1;
	} while (n > 0 && now_ms() < until);
	if (n > 0) {
		diag_error(d, "the disks' last writes did not reach %s in %d s",
		    s->host.spec, MIGRATE_COMMIT_MS / 1000);
		return -1;
	}
	for (i = 0; i < s->ndisks; i++)
		(void)qmp_executef(&s->q, NULL, NULL, "{\"execute\":\"blockdev-del\","
		    "\"arguments\":{\"node-name\":\"qinit-nbd%zu\"}}", i);
	return qmp_execute(&s->q, "{\"execute\":\"migrate-continue\","
	    "\"arguments\":{\"state\":\"pre-switchover\"}}", NULL, d) ==
	    QMP_OK ? 0 : -1;
}

/* What query-migrate says of the RAM, for the progress line. */
static void
ram_progress(struct src *s, const struct json *ret)
{
	const struct json *ram = json_get(ret, "ram");
	long long mbps;
	const struct json *v;

	s->pg.ram_done = number_of(ram, "transferred");
	s->pg.ram_total = number_of(ram, "total");
	v = json_get(ram, "mbps");
	mbps = v != NULL && v->type == JSON_NUMBER ?
	    (long long)(strtod(v->text, NULL) * 1000000 / 8) : -1;
	s->pg.rate = mbps;
	s->pg.downtime_ms = number_of(ret, "expected-downtime");
	if (number_of(ret, "downtime") >= 0)
		s->qemu_downtime = number_of(ret, "downtime");
}

/* QEMU's migration, until it completed (the VM paused here). */
static int
src_migrate(struct src *s, struct diag *d)
{
	const struct json *ret;
	struct json reply;
	const char *err;
	char *status = NULL;
	int rc = 0;

	if (qmp_executef(&s->q, NULL, d, "{\"execute\":\"migrate-set-capabilities\","
	    "\"arguments\":{\"capabilities\":[{\"capability\":\"events\","
	    "\"state\":true},{\"capability\":\"pause-before-switchover\","
	    "\"state\":%s}]}}", s->how->copy_storage ? "true" : "false") !=
	    QMP_OK ||
	    qmp_executef(&s->q, NULL, d, "{\"execute\":\"migrate-set-parameters\","
	    "\"arguments\":{\"max-bandwidth\":%lld}}", 1LL << 40) != QMP_OK ||
	    qmp_pass_fd(&s->q, "qinit-mig", s->mig, d) != QMP_OK)
		return -1;
	(void)close(s->mig);
	s->mig = -1;
	s->phase = SRC_MIGRATE;
	if (qmp_execute(&s->q, "{\"execute\":\"migrate\",\"arguments\":"
	    "{\"uri\":\"fd:qinit-mig\"}}", NULL, d) != QMP_OK)
		return -1;
	for (;;) {
		free(status);
		if (migration_status(&s->q, &status, &reply, d) != QMP_OK) {
			rc = -1;
			break;
		}
		ret = json_get(&reply, "return");
		ram_progress(s, ret);
		err = json_get_string(ret, "error-desc");
		if (strcmp(status, "failed") == 0 ||
		    strcmp(status, "cancelled") == 0)
			diag_error(d, "QEMU's migration %s%s%s", status,
			    err != NULL ? ": " : "", err != NULL ? err : "");
		json_free(&reply);
		if (strcmp(status, "completed") == 0)
			break;
		if (!migration_going(status)) {
			rc = -1;
			break;
		}
		if (strcmp(status, "pre-switchover") == 0) {
			src_progress(s, "switch-over");
			if (src_switch_disks(s, d) != 0) {
				rc = -1;
				break;
			}
			continue;
		}
		src_progress(s, "sending RAM");
		if (src_moving(s, s->pg.ram_done, d) != 0 ||
		    src_wait(s, d) != 0) {
			rc = -1;
			break;
		}
	}
	free(status);
	return rc;
}

/* --- the source: the end ------------------------------------------------- */

/* The control connection, opened again if it was closed: 0, or -1. */
static int
src_qmp(struct src *s, struct diag *d)
{
	if (s->q_open)
		return 0;
	if (control_open(&s->q, s->rd, s->name, &s->st, MONITOR_TIMEOUT_MS,
	    0, d) != QMP_OK) {
		qmp_close(&s->q);
		return -1;
	}
	s->q_open = 1;
	return 0;
}

/* The VM here runs again (it ran before): 0, or -1 with why in d. */
static int
src_resume(struct src *s, struct diag *d)
{
	char *status = NULL;
	int rc = 0;

	if (src_qmp(s, d) != 0)
		return -1;
	if (qmp_query(&s->q, "query-status", "status", &status, d) != QMP_OK)
		return -1;
	if (s->was_running && strcmp(status, "running") != 0)
		rc = qmp_execute(&s->q, "{\"execute\":\"cont\"}", NULL, d) ==
		    QMP_OK ? 0 : -1;
	free(status);
	return rc;
}

/* Until QEMU's migration no longer goes on, by UNDO_MS. */
static void
src_cancel(struct src *s)
{
	long long until = now_ms() + UNDO_MS;
	struct json reply;
	char *status = NULL;
	int asked = 0;

	while (migration_status(&s->q, &status, &reply, NULL) == QMP_OK) {
		json_free(&reply);
		if (!migration_going(status) || now_ms() > until)
			break;
		if (!asked++)
			(void)qmp_execute(&s->q, "{\"execute\":"
			    "\"migrate_cancel\"}", NULL, NULL);
		free(status);
		status = NULL;
		(void)poll(NULL, 0, 50);
	}
	free(status);
}

/* Our mirror jobs cancelled, our NBD nodes removed. */
static void
src_unmirror(struct src *s)
{
	long long until = now_ms() + UNDO_MS, done, total;
	size_t i, n = 1, ready;

	for (i = 0; i < s->ndisks; i++)
		(void)qmp_executef(&s->q, NULL, NULL, "{\"execute\":\"block-job-cancel\","
		    "\"arguments\":{\"device\":\"qinit-mirror%zu\",\"force\":"
		    "true}}", i);
	while (n > 0 && now_ms() < until &&
	    mirror_jobs(s, &n, &ready, &done, &total, NULL) == 0)
		if (n > 0)
			(void)poll(NULL, 0, 50);
	for (i = 0; i < s->ndisks; i++)
		(void)qmp_executef(&s->q, NULL, NULL, "{\"execute\":\"blockdev-del\","
		    "\"arguments\":{\"node-name\":\"qinit-nbd%zu\"}}", i);
}

/*
 * Everything undone before the commit: QEMU's migration cancelled, the
 * mirrors and their nodes gone, descriptors it was handed and did not
 * use closed, the VM running again if it ran; the target told.
 */
static void
src_undo(struct src *s, struct diag *d)
{
	char fdname[32];
	size_t i;

	src_say(s, "abort\n");
	if (src_qmp(s, d) != 0)
		return;
	if (s->phase >= SRC_MIGRATE)
		src_cancel(s);
	if (s->phase >= SRC_MIRROR && s->how->copy_storage)
		src_unmirror(s);
	(void)qmp_execute(&s->q, "{\"execute\":\"closefd\",\"arguments\":"
	    "{\"fdname\":\"qinit-mig\"}}", NULL, NULL);
	for (i = 0; s->how->copy_storage && i < s->ndisks; i++) {
		(void)snprintf(fdname, sizeof(fdname), "qinit-nbd%zu", i);
		(void)qmp_executef(&s->q, NULL, NULL, "{\"execute\":\"closefd\","
		    "\"arguments\":{\"fdname\":\"%s\"}}", fdname);
	}
	if (src_resume(s, d) != 0)
		diag_error(d, "'%s' could not be resumed here: qemu-init "
		    "resume %s", s->name, s->name);
}

/* The target took it: QEMU here quits, its state goes. */
static int
src_end_here(struct src *s, struct diag *d)
{
	if (src_qmp(s, NULL) == 0) {
		(void)qmp_execute(&s->q, "{\"execute\":\"quit\"}", NULL,
		    NULL);
		qmp_close(&s->q);
		s->q_open = 0;
	}
	(void)proc_wait_exit(&s->st.qemu, now_ms() + FORCE_STEP_MS);
	return vm_kill_held(s->rd, s->name, &s->st.qemu, d) == STOP_KILLED ?
	    0 : -1;
}

/* A transport job's stdout, kept (bounded by the job). */
static void
keep_stdout(struct transport_job *j, int stream, const char *buf, size_t len)
{
	if (stream == 1)
		sb_add(j->arg, buf, len);
}

/*
 * The target, asked afresh through a new ssh connection (migrate
 * --outcome), after the first ended at the switch-over: 1 it runs the
 * VM, 0 it does not (and no longer can), -1 that cannot be told (why in
 * *why, caller frees).
 */
static int
ask_outcome(struct src *s, char **why)
{
	struct transport_job j;
	struct remote_how how;
	struct strbuf out;
	struct strvec av;
	char *args[] = { "migrate", "--outcome", "--", (char *)s->name };
	int tries, rc = -1;

	memset(&how, 0, sizeof(how));
	how.ssh = path_env_ssh();
	how.input = REMOTE_INPUT_NONE;
	*why = NULL;
	for (tries = 0; rc < 0 && tries < OUTCOME_TRIES; tries++) {
		if (tries > 0)
			(void)poll(NULL, 0, OUTCOME_PAUSE_MS);
		free(*why);
		*why = NULL;
		sv_init(&av);
		sb_init(&out);
		if (remote_ssh_argv(&s->host, &how, "qemu-init", 4, args, &av,
		    NULL) != 0) {
			sv_free(&av);
			*why = xstrdup("QEMU_INIT_SSH cannot be split");
			break;
		}
		memset(&j, 0, sizeof(j));
		j.argv = av.v;
		j.input = -1;
		j.max_bytes = 4096;
		j.timeout_ms = MIGRATE_COMMIT_MS + 60000;
		j.out = keep_stdout;
		j.arg = &out;
		transport_run(&j, 1, 1, NULL, NULL);
		if (j.end == TRANSPORT_EXITED && j.greeted && j.status == 0 &&
		    out.s != NULL)
			rc = strncmp(out.s, "running", 7) == 0 ? 1 :
			    strncmp(out.s, "stopped", 7) == 0 ? 0 : -1;
		if (rc < 0)
			*why = transport_last_words(&j);
		if (rc < 0 && *why == NULL)
			*why = xstrdup(j.end == TRANSPORT_TIMED_OUT ?
			    "no answer in time" : "no answer");
		transport_job_free(&j);
		sb_free(&out);
		sv_free(&av);
	}
	return rc;
}

/*
 * A migration undone before the commit, once the target was ready and
 * the connection is closed: the receiving end ends its QEMU by itself,
 * unless it was killed (and a failure of QEMU's stream may be seen here
 * before the connection's end); asked afresh, what it left is ended and
 * removed.  Best effort: whatever it says, the VM runs here.
 */
static void
src_tidy_there(struct src *s)
{
	char *why = NULL;

	if (s->ready)
		(void)ask_outcome(s, &why);
	free(why);
}

/*
 * The connection ended after the commit was sent: the target is asked
 * afresh.  It runs the VM: ours ends (0).  It does not: ours resumes
 * (-1).  Unknown: ours stays paused, and d says what to do (-1).
 */
static int
src_settle(struct src *s, struct diag *d)
{
	char *why;
	int runs;

	runs = ask_outcome(s, &why);
	if (runs == 1) {
		free(why);
		return src_end_here(s, d);
	}
	if (runs == 0) {
		free(why);
		diag_error(d, "%s: the connection ended at the switch-over, "
		    "and '%s' does not run there", s->host.spec, s->name);
		if (src_resume(s, d) == 0)
			diag_note(d, "'%s' runs here as before", s->name);
		return -1;
	}
	diag_error(d, "'%s' is paused here: whether it runs on %s cannot be "
	    "told (%s); once you know, 'qemu-init kill %s' here if it runs "
	    "there, else 'qemu-init resume %s'", s->name, s->host.spec, why,
	    s->name, s->name);
	free(why);
	return -1;
}

/* The two-step switch-over: commit, then the target's word. */
static int
src_commit(struct src *s, struct diag *d)
{
	struct diag heard;
	struct strvec w;
	long long sent;
	int rc;

	guardian_say(s, s->was_running ? 'C' : 'c');
	s->phase = SRC_COMMIT;
	src_progress(s, "switch-over");
	sent = now_ms();
	src_say(s, "commit %s\n", s->was_running ? "run" : "pause");
	sv_init(&w);
	diag_init(&heard);
	rc = src_hear(s, sent + MIGRATE_COMMIT_MS + 30000, &w, &heard);
	sv_free(&w);
	s->qemu_downtime += now_ms() - sent;
	if (rc == MIGLINE_RUNNING) {
		diag_move(d, &heard);
		return src_end_here(s, d);
	}
	if (rc == MIGLINE_FAILED) {
		diag_move(d, &heard);
		if (src_resume(s, d) == 0)
			diag_note(d, "'%s' runs here as before", s->name);
		return -1;
	}
	/* Lost, or no word in time: it may run there; asked afresh. */
	diag_clear(&heard);
	return src_settle(s, d);
}

/* The connection ends: the receiving end hears it, and then ends. */
static void
src_hangup(struct src *s)
{
	if (s->mux_ready) {
		sock_reader_free(&s->ctl);	/* our end: the target hears */
		(void)mux_stop(&s->mux);
		mux_free(&s->mux);
		s->mux_ready = 0;
	}
	if (s->ssh_open) {
		transport_close(&s->ssh, 2000);
		s->ssh_open = 0;
	}
}

static void
src_free(struct src *s)
{
	size_t i;

	src_hangup(s);
	if (s->mig >= 0)
		(void)close(s->mig);
	for (i = 0; s->nbd != NULL && i < s->ndisks; i++)
		if (s->nbd[i] >= 0)
			(void)close(s->nbd[i]);
	free(s->nbd);
	free(s->size);
	if (s->q_open)
		qmp_close(&s->q);
	guardian_end(s);
	state_free(&s->st);
	remote_host_free(&s->host);
	lock_release(s->lock);
}

int
migrate_vm(const struct rundir *rd, const char *name,
    const struct migrate_how *how, struct migrate_result *res,
    struct diag *d)
{
	struct sigaction sa, old[3];
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct src s;
	size_t i;
	int rc = -1;

	memset(&s, 0, sizeof(s));
	memset(res, 0, sizeof(*res));
	s.rd = rd;
	s.name = name;
	s.how = how;
	s.lock = s.mig = s.guard = -1;
	s.ctl.fd = -1;
	s.guardian = -1;
	s.t0 = now_ms();
	s.deadline = s.t0 + how->timeout_s * 1000;
	s.pg.rate = s.pg.downtime_ms = -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll returns */
	(void)sigemptyset(&sa.sa_mask);
	interrupted = 0;
	(void)signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < 3; i++)
		(void)sigaction(sigs[i], &sa, &old[i]);
	if (src_prepare(&s, d) == 0 && src_connect(&s, d) == 0 &&
	    (!how->copy_storage || src_mirror(&s, d) == 0) &&
	    src_migrate(&s, d) == 0)
		rc = src_commit(&s, d);
	else if (s.guardian > 0) {
		src_undo(&s, d);
		src_hangup(&s);
		src_tidy_there(&s);
	}
	res->total_ms = now_ms() - s.t0;
	res->downtime_ms = s.qemu_downtime;
	res->paused = !s.was_running;
	src_free(&s);
	for (i = 0; i < 3; i++)
		(void)sigaction(sigs[i], &old[i], NULL);
	return rc == 0 ? 0 : 1;
}
