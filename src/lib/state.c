/*
 * state.c - state files and whether the VM they describe still runs.
 *
 * A state file is in the config syntax (cfg.h), written by start:
 * PID and PIDSTART (the process), SLOT, MONPORT, CTLPORT, STARTED and
 * STOPDELAY (numbers, required), MONITOR, RUNAS, UID, AGENT, SNAPSHOT,
 * FIRMWARE, KERNEL, AUTOSTART, SERIAL, INCOMING (only when yes),
 * ACCEL, VNC, CFG, DESC, RAM, SMP, BRIDGE, and for each NIC x NICx (its
 * model), MACx and TAPx (or NETx=user, FWDx, PASSTx and PASSTSTARTx:
 * its passt), for each disk DSKx and DSKFMTx, for each ISO CDRx.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cfg.h"
#include "scalar.h"
#include "sock.h"
#include "state.h"

#define CONNECT_MS	2000	/* to a control socket whose queue is full */

/* Reads a small file of RUNDIR: 0, 1 when missing, -1 on an error. */
static int
read_small(const struct rundir *rd, const char *name, enum run_file kind,
    struct strbuf *sb, struct diag *d)
{
	char buf[4096];
	ssize_t n;
	int fd;

	if ((fd = rundir_openat(rd, name, kind, O_RDONLY, 0)) < 0) {
		if (errno == ENOENT)
			return 1;
		diag_error(d, "cannot read the %s of '%s' in %s: %s",
		    kind == RUN_PID ? "pid file" : "state", name, rd->path,
		    strerror(errno));
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0 &&
	    sb->len + (size_t)n <= STATE_MAX)
		sb_add(sb, buf, (size_t)n);
	(void)close(fd);
	if (n != 0) {
		diag_error(d, "cannot read the %s of '%s' in %s: %s",
		    kind == RUN_PID ? "pid file" : "state", name, rd->path,
		    n < 0 ? strerror(errno) : "too large");
		return -1;
	}
	sb_addc(sb, '\0');
	sb->len--;
	return 0;
}

/* A number the state must have (0 is a number here, not unset). */
static int
state_number(const struct cfg *cfg, const char *key, long long max,
    long long *out, struct diag *d)
{
	*out = 0;
	switch (cfg_get_number(cfg, key, 0, max, out, d)) {
	case 0:
		return 0;
	case 1:
		if (cfg_get(cfg, key) != NULL)
			return 0;	/* empty or 0 */
		diag_error(d, "%s: %s is missing", cfg->path, key);
		/* FALLTHROUGH */
	default:
		return -1;
	}
}

static char *
state_string(const struct cfg *cfg, const char *key)
{
	const struct cfg_entry *e = cfg_get(cfg, key);

	return e != NULL && e->value[0] != '\0' ? xstrdup(e->value) : NULL;
}

static int
state_string_is(const struct cfg *cfg, const char *key, const char *value)
{
	const struct cfg_entry *e = cfg_get(cfg, key);

	return e != NULL && strcmp(e->value, value) == 0;
}

/* A numbered key's value (MAC1, ...), or NULL. */
static char *
state_numbered(const struct cfg *cfg, const char *base, size_t i)
{
	char key[32];

	(void)snprintf(key, sizeof(key), "%s%zu", base, i + 1);
	return state_string(cfg, key);
}

/* How many of base1, base2, ... are set before the first gap. */
static size_t
state_count(const struct cfg *cfg, const char *base)
{
	char key[32];
	size_t n;

	for (n = 0; n < 1000; n++) {
		(void)snprintf(key, sizeof(key), "%s%zu", base, n + 1);
		if (cfg_get(cfg, key) == NULL)
			break;
	}
	return n;
}

/* A number the state may lack (an older start): -1 then. */
static long long
state_long(const struct cfg *cfg, const char *key)
{
	const struct cfg_entry *e = cfg_get(cfg, key);
	const char *why;
	long long v;

	if (e == NULL || cfg_number(e->value, 0, 1LL << 32, &v, &why) != 0)
		return -1;
	return v;
}

/* Whether numbered key base(i+1) is value. */
static int
state_string_is_numbered(const struct cfg *cfg, const char *base, size_t i,
    const char *value)
{
	char key[32];

	(void)snprintf(key, sizeof(key), "%s%zu", base, i + 1);
	return state_string_is(cfg, key, value);
}

/* A numbered number the state may lack: -1 then. */
static long long
state_long_numbered(const struct cfg *cfg, const char *base, size_t i)
{
	char key[32];

	(void)snprintf(key, sizeof(key), "%s%zu", base, i + 1);
	return state_long(cfg, key);
}

/* key=yes; missing: the default. */
static int
state_yes(const struct cfg *cfg, const char *key, int missing)
{
	if (cfg_get(cfg, key) == NULL)
		return missing;
	return state_string_is(cfg, key, "yes");
}

/* What the VM runs with besides its process, slot and ports. */
static void
read_facts(const struct cfg *cfg, struct vm_state *st)
{
	size_t i;

	st->unix_monitors = state_string_is(cfg, "MONITOR", "unix");
	st->runas = state_string(cfg, "RUNAS");
	st->uid = (long)state_long(cfg, "UID");
	st->agent = state_yes(cfg, "AGENT", 0);
	st->snapshot = state_yes(cfg, "SNAPSHOT", 0);
	st->incoming = state_yes(cfg, "INCOMING", 0);
	st->firmware = state_string(cfg, "FIRMWARE");
	st->kernel = state_string(cfg, "KERNEL");
	st->autostart = state_yes(cfg, "AUTOSTART", -1);
	st->serial = state_yes(cfg, "SERIAL", 1);
	st->kvm = state_string_is(cfg, "ACCEL", "kvm");
	st->vnc = state_string(cfg, "VNC");
	st->cfgpath = state_string(cfg, "CFG");
	st->desc = state_string(cfg, "DESC");
	st->ram = state_string(cfg, "RAM");
	st->smp = state_string(cfg, "SMP");
	st->bridge = state_string(cfg, "BRIDGE");
	st->nnics = state_count(cfg, "MAC");
	st->nics = xcalloc(st->nnics + 1, sizeof(*st->nics));
	for (i = 0; i < st->nnics; i++) {
		st->nics[i].mac = state_numbered(cfg, "MAC", i);
		st->nics[i].model = state_numbered(cfg, "NIC", i);
		st->nics[i].tap = state_numbered(cfg, "TAP", i);
		st->nics[i].user = state_string_is_numbered(cfg, "NET", i,
		    "user");
		st->nics[i].fwd = state_numbered(cfg, "FWD", i);
		st->nics[i].passt.pid = (pid_t)state_long_numbered(cfg,
		    "PASST", i);
		st->nics[i].passt.start = (unsigned long long)
		    state_long_numbered(cfg, "PASSTSTART", i);
		if (st->nics[i].passt.pid <= 1)
			memset(&st->nics[i].passt, 0,
			    sizeof(st->nics[i].passt));
		if (st->nics[i].mac == NULL)
			st->nics[i].mac = xstrdup("");
	}
	st->ndisks = state_count(cfg, "DSK");
	st->disks = xcalloc(st->ndisks + 1, sizeof(*st->disks));
	for (i = 0; i < st->ndisks; i++) {
		st->disks[i].path = state_numbered(cfg, "DSK", i);
		st->disks[i].format = state_numbered(cfg, "DSKFMT", i);
		if (st->disks[i].path == NULL)
			st->disks[i].path = xstrdup("");
	}
	st->ncdroms = state_count(cfg, "CDR");
	st->cdroms = xcalloc(st->ncdroms + 1, sizeof(*st->cdroms));
	for (i = 0; i < st->ncdroms; i++)
		if ((st->cdroms[i] = state_numbered(cfg, "CDR", i)) == NULL)
			st->cdroms[i] = xstrdup("");
}

int
state_read(const struct rundir *rd, const char *name, struct vm_state *st,
    struct diag *d)
{
	long long pid, start, slot, mon, ctl, started, delay;
	struct strbuf sb;
	struct cfg cfg;
	char *path;
	int rc;

	memset(st, 0, sizeof(*st));
	sb_init(&sb);
	if ((rc = read_small(rd, name, RUN_STATE, &sb, d)) != 0) {
		sb_free(&sb);
		return rc;
	}
	path = rundir_path(rd, name, RUN_STATE);
	rc = cfg_parse(&cfg, path, sb.s != NULL ? sb.s : "", sb.len, d);
	free(path);
	sb_free(&sb);
	if (rc != 0 ||
	    state_number(&cfg, "PID", 1 << 30, &pid, d) ||
	    state_number(&cfg, "PIDSTART", 1LL << 62, &start, d) ||
	    state_number(&cfg, "SLOT", 1000, &slot, d) ||
	    state_number(&cfg, "MONPORT", 65535, &mon, d) ||
	    state_number(&cfg, "CTLPORT", 65535, &ctl, d) ||
	    state_number(&cfg, "STARTED", 1LL << 40, &started, d) ||
	    state_number(&cfg, "STOPDELAY", 86400, &delay, d)) {
		cfg_free(&cfg);
		return -1;
	}
	if (pid < 2) {
		diag_error(d, "%s: PID %lld is not a VM's", cfg.path, pid);
		cfg_free(&cfg);
		return -1;
	}
	st->recorded = 1;
	st->qemu.pid = (pid_t)pid;
	st->qemu.start = (unsigned long long)start;
	st->slot = (unsigned)slot;
	st->monport = (unsigned)mon;
	st->ctlport = (unsigned)ctl;
	st->started = started;
	st->stopdelay = (unsigned)delay;
	read_facts(&cfg, st);
	cfg_free(&cfg);
	return 0;
}

/* KEY='value', in single quotes (safe for the cfg parser); NULL: empty. */
static void
add_key(struct strbuf *sb, const char *key, size_t i, const char *value)
{
	if (i > 0)
		sb_addf(sb, "%s%zu=", key, i);
	else
		sb_addf(sb, "%s=", key);
	sb_add_shell_word(sb, value != NULL ? value : "", 0);
	sb_addc(sb, '\n');
}

static void
format_state(struct strbuf *sb, const struct vm_state *st)
{
	size_t i;

	sb_addf(sb, "# qemu-init state of a running VM; do not edit\n"
	    "PID=%ld\nPIDSTART=%llu\nSLOT=%u\nMONPORT=%u\nCTLPORT=%u\n"
	    "STARTED=%lld\nSTOPDELAY=%u\nMONITOR=%s\nUID=%ld\nAGENT=%s\n"
	    "SNAPSHOT=%s\nAUTOSTART=%s\nSERIAL=%s\nACCEL=%s\n",
	    (long)st->qemu.pid, st->qemu.start, st->slot, st->monport,
	    st->ctlport, st->started, st->stopdelay,
	    st->unix_monitors ? "unix" : "tcp", st->uid,
	    st->agent ? "yes" : "no", st->snapshot ? "yes" : "no",
	    st->autostart == 1 ? "yes" : "no", st->serial ? "yes" : "no",
	    st->kvm ? "kvm" : "tcg");
	if (st->incoming)
		sb_adds(sb, "INCOMING=yes\n");
	add_key(sb, "RUNAS", 0, st->runas);
	add_key(sb, "FIRMWARE", 0, st->firmware);
	add_key(sb, "KERNEL", 0, st->kernel);
	add_key(sb, "VNC", 0, st->vnc);
	add_key(sb, "CFG", 0, st->cfgpath);
	add_key(sb, "DESC", 0, st->desc);
	add_key(sb, "RAM", 0, st->ram);
	add_key(sb, "SMP", 0, st->smp);
	add_key(sb, "BRIDGE", 0, st->bridge);
	for (i = 0; i < st->nnics; i++) {
		add_key(sb, "NIC", i + 1, st->nics[i].model);
		add_key(sb, "MAC", i + 1, st->nics[i].mac);
		add_key(sb, "TAP", i + 1, st->nics[i].tap);
		if (!st->nics[i].user)
			continue;
		add_key(sb, "NET", i + 1, "user");
		add_key(sb, "FWD", i + 1, st->nics[i].fwd);
		if (st->nics[i].passt.pid > 0)
			sb_addf(sb, "PASST%zu=%ld\nPASSTSTART%zu=%llu\n", i + 1,
			    (long)st->nics[i].passt.pid, i + 1,
			    st->nics[i].passt.start);
	}
	for (i = 0; i < st->ndisks; i++) {
		add_key(sb, "DSK", i + 1, st->disks[i].path);
		add_key(sb, "DSKFMT", i + 1, st->disks[i].format);
	}
	for (i = 0; i < st->ncdroms; i++)
		add_key(sb, "CDR", i + 1, st->cdroms[i]);
}

int
state_write(const struct rundir *rd, const char *name,
    const struct vm_state *st, struct diag *d)
{
	struct strbuf sb;
	char *tmp, *file;
	ssize_t n;
	int fd, rc = -1;

	sb_init(&sb);
	format_state(&sb, st);
	tmp = rundir_name(name, RUN_STATE_TMP);
	file = rundir_name(name, RUN_STATE);
	rundir_unlink(rd, name, RUN_STATE_TMP);
	fd = rundir_openat(rd, name, RUN_STATE_TMP, O_WRONLY | O_CREAT |
	    O_EXCL, 0644);
	if (fd < 0) {
		diag_error(d, "cannot write %s/%s: %s", rd->path, tmp,
		    strerror(errno));
		goto out;
	}
	n = write(fd, sb.s, sb.len);
	/* No fsync: RUNDIR is volatile (tmpfs), a reboot empties it anyway. */
	if (n != (ssize_t)sb.len) {
		diag_error(d, "cannot write %s/%s: %s", rd->path, tmp,
		    n < 0 ? strerror(errno) : "short write");
		(void)close(fd);
		rundir_unlink(rd, name, RUN_STATE_TMP);
		goto out;
	}
	if (close(fd) != 0 || renameat(rd->fd, tmp, rd->fd, file) != 0) {
		diag_error(d, "cannot write %s/%s: %s", rd->path, file,
		    strerror(errno));
		rundir_unlink(rd, name, RUN_STATE_TMP);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	free(file);
	sb_free(&sb);
	return rc;
}

int
state_write_pid(const struct rundir *rd, const char *name, pid_t pid,
    struct diag *d)
{
	char *path, line[32];
	int fd, n, rc = -1;

	rundir_unlink(rd, name, RUN_PID);
	n = snprintf(line, sizeof(line), "%ld\n", (long)pid);
	fd = rundir_openat(rd, name, RUN_PID, O_WRONLY | O_CREAT | O_EXCL,
	    0644);
	if (fd >= 0 && write(fd, line, (size_t)n) == n && close(fd) == 0)
		return 0;
	path = rundir_path(rd, name, RUN_PID);
	diag_error(d, "cannot write %s: %s", path, strerror(errno));
	free(path);
	if (fd >= 0)
		(void)close(fd);
	return rc;
}

void
state_remove(const struct rundir *rd, const char *name)
{
	static const enum run_file left[] = {
		RUN_STATE, RUN_PID, RUN_CONTROL, RUN_SERIAL, RUN_HMP, RUN_QMP,
		RUN_AGENT, RUN_NBD
	};
	struct vm_state st;
	size_t i;

	if (state_read(rd, name, &st, NULL) == 0)
		for (i = 0; i < st.nnics; i++)
			if (st.nics[i].passt.pid > 0)
				(void)proc_signal(&st.nics[i].passt, SIGTERM);
	state_free(&st);
	for (i = 0; i < sizeof(left) / sizeof(left[0]); i++)
		rundir_unlink(rd, name, left[i]);
	(void)rundir_remove_qemu_dir(rd, name);
}

void
state_free(struct vm_state *st)
{
	size_t i;

	for (i = 0; i < st->nnics; i++) {
		free(st->nics[i].model);
		free(st->nics[i].mac);
		free(st->nics[i].tap);
		free(st->nics[i].fwd);
	}
	free(st->nics);
	for (i = 0; i < st->ndisks; i++) {
		free(st->disks[i].path);
		free(st->disks[i].format);
	}
	free(st->disks);
	for (i = 0; i < st->ncdroms; i++)
		free(st->cdroms[i]);
	free(st->cdroms);
	free(st->vnc);
	free(st->cfgpath);
	free(st->desc);
	free(st->ram);
	free(st->smp);
	free(st->bridge);
	free(st->runas);
	free(st->firmware);
	free(st->kernel);
	memset(st, 0, sizeof(*st));
}

/* The pid of whoever listens on a VM's control socket, or 0. */
static pid_t
control_listener(const struct rundir *rd, const char *name)
{
	char *path = rundir_path(rd, name, RUN_CONTROL);
	long pid = 0;
	int fd;

	/* The peer's credentials come with the connect: no greeting waited. */
	fd = sock_connect_unix(path, now_ms() + CONNECT_MS, NULL);
	if (fd >= 0 && (pid = sock_peer_pid(fd)) < 0)
		pid = 0;
	if (fd >= 0)
		(void)close(fd);
	free(path);
	return (pid_t)pid;
}

/*
 * The process a VM's pid file names, when it still runs and started
 * before the file was last written, which a process that got that pid
 * later cannot have: 0 with it in id, else -1 (id zeroed).  Only
 * RUNDIR's owner writes there; that it is the VM's QEMU is the caller's
 * to check (vm_probe: it listens on the VM's control socket).
 */
static int
vm_pidfile(const struct rundir *rd, const char *name, struct proc_id *id)
{
	struct timespec real, boot;
	struct strbuf sb;
	struct diag d;
	struct stat st;
	const char *why;
	long long pid, hz = sysconf(_SC_CLK_TCK);
	double started, written;
	char *file;
	int ok = 0;

	memset(id, 0, sizeof(*id));
	sb_init(&sb);
	diag_init(&d);
	file = rundir_name(name, RUN_PID);
	if (read_small(rd, name, RUN_PID, &sb, &d) == 0 && sb.s != NULL &&
	    fstatat(rd->fd, file, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    clock_gettime(CLOCK_REALTIME, &real) == 0 &&
	    clock_gettime(CLOCK_BOOTTIME, &boot) == 0 && hz > 0) {
		sb.s[strcspn(sb.s, "\n")] = '\0';
		if (cfg_number(sb.s, 2, 1 << 30, &pid, &why) == 0 &&
		    proc_identify((pid_t)pid, id) == 0) {
			/* Its start on the real-time clock, to a tick. */
			started = (double)real.tv_sec - (double)boot.tv_sec +
			    (double)(real.tv_nsec - boot.tv_nsec) / 1e9 +
			    (double)id->start / (double)hz;
			written = (double)st.st_mtim.tv_sec +
			    (double)st.st_mtim.tv_nsec / 1e9;
			ok = started <= written + 0.05;
		}
	}
	free(file);
	diag_clear(&d);
	sb_free(&sb);
	if (!ok)
		memset(id, 0, sizeof(*id));
	return ok ? 0 : -1;
}

/*
 * The QEMU that wrote a VM's pid file, when it still runs (vm_pidfile),
 * and is the one listening on the VM's control socket.
 */
static int
pidfile_qemu(const struct rundir *rd, const char *name, struct proc_id *id)
{
	return vm_pidfile(rd, name, id) == 0 &&
	    control_listener(rd, name) == id->pid;
}

enum vm_run
vm_probe(const struct rundir *rd, const char *name, struct vm_state *st)
{
	struct proc_id id;
	struct diag d;
	int rc;

	diag_init(&d);
	rc = state_read(rd, name, st, &d);
	diag_clear(&d);
	if (rc == 0 && proc_alive(&st->qemu))
		return VM_RUNNING;
	/* No usable state: a QEMU may still be there (a start cut short). */
	if (rc != 0 && pidfile_qemu(rd, name, &id)) {
		state_free(st);
		st->qemu = id;
		return VM_RUNNING;
	}
	if (rc == 1)
		return VM_STOPPED;
	/*
	 * A state whose QEMU is gone: a crash leaves QEMU's own pid file in
	 * its folder, a clean exit (the guest powered off) removes it.
	 */
	if (rc == 0 && rundir_exists(rd, name, RUN_QEMU_DIR))
		return rundir_qemu_pidfile_left(rd, name) ? VM_DEAD :
		    VM_STOPPED;
	/*
	 * An older start's: QEMU wrote RUN_PID itself, as root, and removed
	 * it on a clean exit; one that dropped root could not.
	 */
	if (rc == 0 && ((st->runas != NULL && strcmp(st->runas, "yes") == 0) ||
	    !rundir_exists(rd, name, RUN_PID)))
		return VM_STOPPED;
	return VM_DEAD;
}

static void
add_name(const char *vm, void *arg)
{
	sv_push(arg, vm);
}

int
vm_each_probed(const struct rundir *rd,
    void (*fn)(const char *name, enum vm_run, struct vm_state *, void *),
    void *arg, struct diag *d)
{
	struct strvec names;
	struct vm_state st;
	enum vm_run run;
	size_t i;
	int rc = 0;

	sv_init(&names);
	if (rundir_scan(rd, RUN_STATE, add_name, &names, d) != 0 ||
	    rundir_scan(rd, RUN_PID, add_name, &names, d) != 0)
		rc = -1;
	sv_sort_unique(&names);
	for (i = 0; rc == 0 && i < names.n; i++) {
		run = vm_probe(rd, names.v[i], &st);
		fn(names.v[i], run, &st, arg);
		state_free(&st);
	}
	sv_free(&names);
	return rc;
}

struct running {
	void	(*fn)(const char *, const struct vm_state *, void *);
	void	 *arg;
};

static void
pass_running(const char *name, enum vm_run run, struct vm_state *st,
    void *arg)
{
	struct running *r = arg;

	if (run == VM_RUNNING)
		r->fn(name, st, r->arg);
}

int
vm_each_running(const struct rundir *rd,
    void (*fn)(const char *name, const struct vm_state *, void *), void *arg,
    struct diag *d)
{
	struct running r = { fn, arg };

	return vm_each_probed(rd, pass_running, &r, d);
}
