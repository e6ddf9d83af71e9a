/*
 * backup.c - backing up a VM, running or stopped.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "backup.h"
#include "backupdir.h"
#include "buf.h"
#include "cfg.h"
#include "fileread.h"
#include "image.h"
#include "json.h"
#include "paths.h"
#include "qemuimg.h"
#include "qmpblock.h"
#include "scalar.h"
#include "registry.h"
#include "sock.h"
#include "vmdisks.h"

#define BACKUP_JOB	QMPBLOCK_PREFIX "backup"	/* + DSK number */
#define BACKUP_TARGET	QMPBLOCK_PREFIX "target"	/* + DSK number */
#define RECORD_SUFFIX	"-qemu.backup"

static volatile sig_atomic_t stopped;

static void
on_signal(int sig)
{
	stopped = sig;
}

/* One backup under way. */
struct run {
	const struct rundir	*rd;
	const struct vm_config	*vm;
	const struct backup_how	*how;
	struct vm_disks		 vd;
	struct backup_dir	 bd;
	struct backup_manifest	 m;	/* the new backup's */
	char			*old;	/* the bitmap of the one built on */
	int			*fds;	/* each target, open (running VM) */
	int			*sets;	/* its fd set in QEMU, or -1 */
	int			 jobs;	/* the jobs were started */
	long long		 t0;
	unsigned long long	 before;	/* stopped: disks done, bytes */
};

/* ---- what is copied ------------------------------------------------- */

/* The folder's bitmap prefix and 8 hex digits, new for each backup. */
static char *
new_bitmap_name(const char *folder)
{
	char *prefix = backupdir_bitmap_prefix(folder), *s;
	unsigned char r[4];
	unsigned long long t;
	size_t i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		t = (unsigned long long)now_ms() ^ (unsigned long long)getpid();
		for (i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)(t >> (8 * i));
	}
	s = xasprintf("%s%02x%02x%02x%02x", prefix, r[0], r[1], r[2], r[3]);
	free(prefix);
	return s;
}

/* Every disk's format is known: QEMU's, or DISKFORMAT. */
static int
formats_known(const struct vm_disks *vd, struct diag *d)
{
	size_t i;
	char *label;

	for (i = 0; i < vd->n; i++) {
		if (vd->v[i].format != NULL && vd->v[i].format[0] != '\0')
			continue;
		label = vmdisks_label(vd, i);
		diag_error(d, "%s has no DISKFORMAT: qemu-init takes no format "
		    "from an image's bytes, so a stopped VM's disk needs one "
		    "(DISKFORMAT%zu=qcow2, or raw)", label, i + 1);
		free(label);
		return -1;
	}
	return 0;
}

/*
 * Why the last backup of the folder cannot be built on now, or NULL
 * when it can: the same disks, and (running) each with the bitmap that
 * recorded every write since.
 */
static char *
why_full(struct run *r, const struct backup_manifest *last)
{
	const struct qmp_bitmap *bm;
	struct diag quiet;
	size_t i;

	if (last == NULL)
		return xasprintf("no backup in %s to build on", r->bd.path);
	diag_init(&quiet);
	if (backupdir_chain_ok(&r->bd, last, &quiet) != 0) {
		char *why = xstrdup(diag_first_error(&quiet));

		diag_clear(&quiet);
		return why;
	}
	if (last->ndisks != r->vd.n)
		return xasprintf("'%s' has %zu disks, backup %u has %zu",
		    r->vd.name, r->vd.n, last->seq, last->ndisks);
	for (i = 0; i < r->vd.n; i++) {
		if (strcmp(last->disks[i].path, r->vd.paths[i]) != 0 ||
		    last->disks[i].size != r->vd.v[i].size)
			return xasprintf("DSK%zu is not the disk of backup %u "
			    "(another image, or another size)", i + 1,
			    last->seq);
		if (!r->vd.running)
			continue;
		bm = last->bitmap != NULL ? qmpblock_bitmap(&r->vd.v[i],
		    last->bitmap) : NULL;
		if (bm == NULL)
			return xasprintf("DSK%zu has no record of what changed "
			    "since backup %u (its dirty bitmap is gone: QEMU "
			    "stopped without storing it, or a snapshot was "
			    "reverted)", i + 1, last->seq);
		if (bm->inconsistent || !bm->recording)
			return xasprintf("DSK%zu's record of what changed "
			    "since backup %u is not usable (QEMU was killed "
			    "while it ran)", i + 1, last->seq);
	}
	return NULL;
}

/* The backup to build on (r->m.base, r->old), or a note why none. */
static void
choose_base(struct run *r, struct diag *d)
{
	const struct backup_manifest *last = backupdir_last(&r->bd);
	char *why;

	if (!r->how->incremental)
		return;
	if ((why = why_full(r, last)) != NULL) {
		diag_note(d, "%s: a full backup instead", why);
		free(why);
		return;
	}
	r->m.base = last->seq;
	r->old = last->bitmap != NULL ? xstrdup(last->bitmap) : NULL;
}

/* The new backup's manifest, but for what only its end tells. */
static void
begin_manifest(struct run *r)
{
	struct backup_manifest *m = &r->m;
	size_t i;

	m->seq = r->bd.top + 1;
	m->vm = xstrdup(r->vd.name);
	m->time = (long long)time(NULL);
	m->online = r->vd.running;
	m->folder = backupdir_id(&r->bd);
	m->bitmap = new_bitmap_name(m->folder);
	m->config = backupdir_config_name(m->seq);
	m->cfgpath = xstrdup(r->vd.running ? r->vd.st.cfgpath :
	    r->vm->cfgpath);
	m->ndisks = r->vd.n;
	m->disks = xcalloc(m->ndisks + 1, sizeof(*m->disks));
	for (i = 0; i < m->ndisks; i++) {
		m->disks[i].path = xstrdup(r->vd.paths[i]);
		m->disks[i].format = xstrdup(r->vd.v[i].format);
		m->disks[i].size = r->vd.v[i].size;
		m->disks[i].file = backupdir_disk_name(m->seq, i);
	}
}

/* ---- progress --------------------------------------------------------- */

static void
progress(struct run *r, unsigned long long done, unsigned long long total)
{
	struct backup_progress p;

	if (r->how->progress == NULL)
		return;
	p.done = done;
	p.total = total;
	p.elapsed_ms = now_ms() - r->t0;
	r->how->progress(&p, r->how->arg);
}

static void
job_tick(unsigned long long done, unsigned long long total, void *arg)
{
	progress(arg, done, total);
}

/* The sum of the disks' sizes: what a stopped VM's backup reads. */
static unsigned long long
total_size(const struct run *r)
{
	unsigned long long total = 0;
	size_t i;

	for (i = 0; i < r->vd.n; i++)
		total += r->vd.v[i].size;
	return total;
}

/* A stopped VM's disk i: qemu-img's percent, as bytes of all. */
struct disk_tick {
	struct run		*r;
	unsigned long long	 size;
};

static void
qimg_tick(double percent, void *arg)
{
	struct disk_tick *t = arg;

	progress(t->r, t->r->before + (unsigned long long)(percent / 100.0 *
	    (double)t->size), total_size(t->r));
}

/* ---- a stopped VM ------------------------------------------------------ */

/* Disk i of a stopped VM, by qemu-img, into its partial image. */
static int
offline_disk(struct run *r, size_t i, struct diag *d)
{
	struct disk_tick t = { r, r->vd.v[i].size };
	struct qimg_progress p = { qimg_tick, &t };
	const struct backup_disk *disk = &r->m.disks[i];
	char *name, *path, *base;
	int fd, rc;

	if ((fd = backupdir_create(&r->bd, disk->file, d)) < 0)
		return -1;
	(void)close(fd);
	name = xasprintf("%s" BACKUP_PARTIAL, disk->file);
	path = backupdir_path(&r->bd, name);
	if (r->m.base == 0)
		rc = qimg_convert(disk->path, disk->format, path, "qcow2",
		    r->how->limit, r->how->progress != NULL ? &p : NULL, d);
	else {
		/* An overlay of the disk, rebased onto the last backup. */
		base = backupdir_disk_name(r->m.base, i);
		rc = qimg_create(path, disk->size, disk->path, disk->format,
		    d);
		if (rc == 0)
			rc = qimg_rebase(path, base, "qcow2",
			    r->how->progress != NULL ? &p : NULL, d);
		free(base);
	}
	r->before += disk->size;
	free(name);
	free(path);
	return rc;
}

static int
offline(struct run *r, struct diag *d)
{
	size_t i;

	if (r->m.base != 0 && r->how->limit > 0)
		diag_note(d, "an incremental backup of a stopped VM reads "
		    "without a limit (qemu-img rebase has none)");
	for (i = 0; i < r->vd.n; i++)
		if (stopped || offline_disk(r, i, d) != 0)
			return -1;
	return stopped ? -1 : 0;
}

/* ---- a running VM -------------------------------------------------------- */

/* Makes each target image, open in r->fds. */
static int
make_targets(struct run *r, struct diag *d)
{
	const struct backup_disk *disk;
	char *name, *path, *base;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < r->vd.n; i++) {
		disk = &r->m.disks[i];
		if ((r->fds[i] = backupdir_create(&r->bd, disk->file, d)) < 0)
			return -1;
		name = xasprintf("%s" BACKUP_PARTIAL, disk->file);
		path = backupdir_path(&r->bd, name);
		base = r->m.base != 0 ? backupdir_disk_name(r->m.base, i) :
		    NULL;
		rc = qimg_create(path, disk->size, base, "qcow2", d);
		free(base);
		free(path);
		free(name);
	}
	return rc;
}

/* The transaction: each disk's new bitmap and its backup job at once. */
static char *
transaction(const struct run *r)
{
	const struct qmp_disk *disk;
	struct strbuf sb;
	size_t i;

	sb_init(&sb);
	sb_adds(&sb, "{\"execute\":\"transaction\",\"arguments\":"
	    "{\"actions\":[");
	for (i = 0; i < r->vd.n; i++) {
		disk = &r->vd.v[i];
		if (i > 0)
			sb_addc(&sb, ',');
		sb_adds(&sb, "{\"type\":\"block-dirty-bitmap-add\",\"data\":"
		    "{\"node\":");
		(void)json_quote(&sb, disk->node);
		sb_addf(&sb, ",\"name\":\"%s\",\"persistent\":%s}},",
		    r->m.bitmap, strcmp(disk->format, "qcow2") == 0 ? "true" :
		    "false");
		sb_addf(&sb, "{\"type\":\"blockdev-backup\",\"data\":"
		    "{\"job-id\":\"" BACKUP_JOB "%zu\",\"device\":", i + 1);
		(void)json_quote(&sb, disk->node);
		sb_addf(&sb, ",\"target\":\"" BACKUP_TARGET "%zu\","
		    "\"auto-dismiss\":false,", i + 1);
		if (r->how->limit > 0)
			sb_addf(&sb, "\"speed\":%llu,", r->how->limit);
		if (r->m.base == 0)
			sb_adds(&sb, "\"sync\":\"full\"}}");
		else
			sb_addf(&sb, "\"sync\":\"bitmap\",\"bitmap\":\"%s\","
			    "\"bitmap-mode\":\"never\"}}", r->old);
	}
	sb_adds(&sb, "]}}");
	return sb_detach(&sb);
}

/* Hands the targets over and starts the jobs, all at one moment. */
static int
start_jobs(struct run *r, struct diag *d)
{
	char node[64], *cmd;
	struct qmp q;
	size_t i;
	int rc;

	if ((rc = qmpblock_open(&r->vd.ctl, &q, d)) == QMP_OK) {
		for (i = 0; rc == 0 && i < r->vd.n; i++) {
			(void)snprintf(node, sizeof(node), BACKUP_TARGET "%zu",
			    i + 1);
			rc = qmpblock_add_target(&q, r->fds[i], node,
			    &r->sets[i], d);
		}
		if (rc == 0) {
			cmd = transaction(r);
			rc = qmpblock_start(&q, cmd, d);
			free(cmd);
			r->jobs = rc == 0;
		}
	}
	qmp_close(&q);
	return rc == 0 ? 0 : -1;
}

/*
 * The guest's file systems frozen around start_jobs, through its agent,
 * and thawed whatever happened.  r->m.frozen says whether they were.
 */
static int
start_frozen(struct run *r, struct diag *d)
{
	struct agent_guard g = { -1, -1 };
	struct diag why;
	int rc;

	diag_init(&why);
	/* Frozen only with a guard that thaws it should we be killed. */
	if (r->vd.st.agent) {
		if (agent_thaw_guard(r->rd, r->vd.name, &g) != 0)
			diag_error(&why, "no process to guard the thaw: %s",
			    strerror(errno));
		else
			r->m.frozen = agent_fsfreeze(r->rd, r->vd.name, 1,
			    now_ms() + BACKUP_FREEZE_MS, &why) >= 0;
		if (!r->m.frozen)
			diag_note(d, "%s: its file systems are not frozen: "
			    "the backup is as after a power cut",
			    diag_first_error(&why) != NULL ?
			    diag_first_error(&why) : "no agent");
		diag_clear(&why);
	}
	rc = start_jobs(r, d);
	if (r->m.frozen && agent_fsfreeze(r->rd, r->vd.name, 0, now_ms() +
	    BACKUP_FREEZE_MS, &why) < 0) {
		diag_error(d, "'%s' may still be frozen: %s (qemu-init backup "
		    "thaws it next time)", r->vd.name, diag_first_error(&why));
		rc = -1;
	}
	agent_thaw_guard_end(&g);
	diag_clear(&why);
	return rc;
}

/* The jobs of every disk, as QEMU names them. */
static char **
job_ids(const struct run *r)
{
	char **ids = xcalloc(r->vd.n + 1, sizeof(*ids));
	size_t i;

	for (i = 0; i < r->vd.n; i++)
		ids[i] = xasprintf(BACKUP_JOB "%zu", i + 1);
	return ids;
}

static void
free_ids(char **ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

/* A guest that an earlier, killed backup left frozen is thawed. */
static void
thaw_leftover(struct run *r, struct diag *d)
{
	long long deadline = now_ms() + BACKUP_FREEZE_MS;

	if (r->vd.st.agent && agent_fsfreeze_status(r->rd, r->vd.name,
	    deadline, NULL) == 1 && agent_fsfreeze(r->rd, r->vd.name, 0,
	    deadline, NULL) >= 0)
		diag_note(d, "'%s' was left frozen (by a backup that was "
		    "killed): thawed", r->vd.name);
}

static int
online(struct run *r, struct diag *d)
{
	char **ids;
	int rc;

	thaw_leftover(r, d);
	r->fds = xcalloc(r->vd.n + 1, sizeof(*r->fds));
	r->sets = xcalloc(r->vd.n + 1, sizeof(*r->sets));
	memset(r->fds, -1, r->vd.n * sizeof(*r->fds));
	memset(r->sets, -1, r->vd.n * sizeof(*r->sets));
	if (make_targets(r, d) != 0 || start_frozen(r, d) != 0)
		return -1;
	ids = job_ids(r);
	rc = qmpblock_wait(&r->vd.ctl, ids, r->vd.n, BACKUP_STALL_MS,
	    &stopped, job_tick, r, d);
	free_ids(ids, r->vd.n);
	return rc == 0 ? 0 : -1;
}

/* What the jobs and targets were in QEMU, gone; the new bitmap too. */
static void
online_end(struct run *r, int failed)
{
	char node[64];
	struct qmp q;
	size_t i;

	if (r->fds == NULL)
		return;
	if (qmpblock_open(&r->vd.ctl, &q, NULL) != QMP_OK) {
		qmp_close(&q);
		return;
	}
	for (i = 0; i < r->vd.n; i++) {
		(void)snprintf(node, sizeof(node), BACKUP_JOB "%zu", i + 1);
		if (r->jobs)
			qmpblock_job_end(&q, node);
		(void)snprintf(node, sizeof(node), BACKUP_TARGET "%zu", i + 1);
		if (r->sets[i] >= 0)
			qmpblock_del_target(&q, node, r->sets[i]);
		if (failed && r->jobs)
			(void)qmpblock_bitmap_remove(&q, r->vd.v[i].node,
			    r->m.bitmap, NULL);
	}
	qmp_close(&q);
}

/* ---- the end ---------------------------------------------------------- */

/* Whether image name (partial) is what qemu-init made: 0, or -1. */
static int
image_as_made(struct run *r, size_t i, struct diag *d)
{
	char *name = xasprintf("%s" BACKUP_PARTIAL, r->m.disks[i].file);
	char *base = r->m.base != 0 ? backupdir_disk_name(r->m.base, i) : NULL;
	struct image_info info;
	const char *why = NULL;
	int fd, rc = -1;

	fd = openat(r->bd.fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && image_inspect(fd, &info, &why) == 0 && info.qcow2 &&
	    info.data_file == NULL && (base == NULL ? info.backing == NULL :
	    info.backing != NULL && strcmp(info.backing, base) == 0))
		rc = 0;
	else
		diag_error(d, "%s/%s is not the qcow2 image qemu-init made "
		    "(%s): refused", r->bd.path, name, why != NULL ? why :
		    "another header");
	if (fd >= 0) {
		image_info_free(&info);
		(void)close(fd);
	}
	free(name);
	free(base);
	return rc;
}

/* The config as it is now, copied into the backup. */
static int
copy_config(struct run *r, struct diag *d)
{
	struct strbuf text;
	int rc;

	sb_init(&text);
	rc = config_read(r->m.cfgpath, &text, 0, d);
	if (rc == 0)
		rc = backupdir_write(&r->bd, r->m.config, text.s, text.len, d);
	sb_free(&text);
	return rc;
}

/* Every image renamed, the config copied, the manifest written last. */
static int
commit(struct run *r, struct diag *d)
{
	size_t i;

	for (i = 0; i < r->vd.n; i++)
		if (image_as_made(r, i, d) != 0)
			return -1;
	for (i = 0; i < r->vd.n; i++)
		if (backupdir_commit(&r->bd, r->m.disks[i].file, d) != 0)
			return -1;
	return copy_config(r, d) == 0 && backupdir_add(&r->bd, &r->m, d) == 0 ?
	    0 : -1;
}

/* The pieces of a failed backup, gone from the folder. */
static void
discard(struct run *r)
{
	size_t i;

	for (i = 0; i < r->m.ndisks; i++)
		backupdir_discard(&r->bd, r->m.disks[i].file);
	backupdir_discard(&r->bd, r->m.config);
}

/*
 * Once the backup is complete: the bitmaps of a stopped VM's qcow2
 * disks start recording for it (a running VM's did at its moment), and
 * every older bitmap of this folder's backups goes (another folder's
 * chain keeps its own).
 */
static void
bitmaps_move_on(struct run *r, struct diag *d)
{
	char *prefix = backupdir_bitmap_prefix(r->m.folder);
	const struct qmp_disk *disk;
	struct qmp q;
	size_t i, j;

	if (r->vd.running && qmpblock_open(&r->vd.ctl, &q, NULL) != QMP_OK) {
		qmp_close(&q);
		free(prefix);
		return;
	}
	for (i = 0; i < r->vd.n; i++) {
		disk = &r->vd.v[i];
		if (!r->vd.running && strcmp(disk->format, "qcow2") == 0 &&
		    qimg_bitmap(1, r->vd.paths[i], r->m.bitmap, d) != 0)
			diag_note(d, "DSK%zu records no writes: the next "
			    "incremental backup of a running '%s' is a full "
			    "one", i + 1, r->vd.name);
		for (j = 0; j < disk->nbitmaps; j++) {
			if (strncmp(disk->bitmaps[j].name, prefix,
			    strlen(prefix)) != 0 ||
			    strcmp(disk->bitmaps[j].name, r->m.bitmap) == 0)
				continue;
			if (r->vd.running)
				(void)qmpblock_bitmap_remove(&q, disk->node,
				    disk->bitmaps[j].name, NULL);
			else
				(void)qimg_bitmap(0, r->vd.paths[i],
				    disk->bitmaps[j].name, NULL);
		}
	}
	if (r->vd.running)
		qmp_close(&q);
	free(prefix);
}

/* Where a VM's last backup is recorded: beside its config. */
static char *
record_path(const char *cfgpath)
{
	char *dir = path_dirname(cfgpath), *name, *path;
	const char *base = path_basename(cfgpath);
	size_t n = strlen(base), sl = strlen(CFG_SUFFIX);

	name = n > sl && strcmp(base + n - sl, CFG_SUFFIX) == 0 ?
	    xasprintf("%.*s" RECORD_SUFFIX, (int)(n - sl), base) :
	    xasprintf("%s" RECORD_SUFFIX, base);
	path = path_join(dir, name);
	free(dir);
	free(name);
	return path;
}

/* The record of this backup, for info: best effort. */
static void
record(const struct run *r)
{
	char *path = record_path(r->m.cfgpath), *tmp;
	struct strbuf sb;
	FILE *fp;
	int fd;

	tmp = xasprintf("%s.new", path);
	sb_init(&sb);
	sb_addf(&sb, "# The last backup of this VM's (qemu-init(8) backup)\n"
	    "TIME=%lld\nSEQ=%u\nINCREMENTAL=%s\nDIR=", r->m.time, r->m.seq,
	    r->m.base != 0 ? "yes" : "no");
	sb_add_shell_word(&sb, r->bd.path, 1);
	sb_addc(&sb, '\n');
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd >= 0 && (fp = fdopen(fd, "w")) != NULL) {
		if (fputs(sb.s, fp) >= 0 && fclose(fp) == 0)
			(void)rename(tmp, path);
		else
			(void)unlink(tmp);
	} else if (fd >= 0)
		(void)close(fd);
	sb_free(&sb);
	free(tmp);
	free(path);
}

/* How much the new images take in the folder. */
static unsigned long long
bytes_taken(const struct run *r)
{
	unsigned long long n = 0;
	struct stat st;
	size_t i;

	for (i = 0; i < r->m.ndisks; i++)
		if (fstatat(r->bd.fd, r->m.disks[i].file, &st,
		    AT_SYMLINK_NOFOLLOW) == 0)
			n += (unsigned long long)st.st_blocks * 512;
	return n;
}

/*
 * What an earlier, interrupted backup left in the folder, removed (and
 * said, with what it left in QEMU, which vmdisks_hold removed).
 */
static void
tidy(struct run *r, struct diag *d)
{
	int n = r->vd.tidied;

	n += backupdir_tidy(&r->bd);
	if (n > 0)
		diag_note(d, "removed what an unfinished backup of '%s' left "
		    "(%d)", r->vd.name, n);
}

/* The backup, once the VM is held and the folder open. */
static int
run_backup(struct run *r, struct diag *d)
{
	int rc;

	if (formats_known(&r->vd, d) != 0)
		return -1;
	tidy(r, d);
	choose_base(r, d);
	begin_manifest(r);
	rc = r->vd.running ? online(r, d) : offline(r, d);
	if (r->vd.running)
		online_end(r, rc != 0 || stopped);
	if (stopped && rc == 0)
		rc = -1;
	if (stopped)
		diag_error(d, "backup of '%s' interrupted (signal %d)",
		    r->vd.name, (int)stopped);
	if (rc == 0 && commit(r, d) == 0) {
		bitmaps_move_on(r, d);
		record(r);
		return 0;
	}
	discard(r);
	diag_error(d, "backup %u of '%s' failed: nothing of it is left in %s%s",
	    r->m.seq, r->vd.name, r->bd.path, r->vd.running ?
	    " (the VM runs on)" : "");
	return -1;
}

static void
catch_signals(struct sigaction old[3])
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	stopped = 0;
	for (i = 0; i < 3; i++)
		(void)sigaction(sigs[i], &sa, &old[i]);
}

static void
restore_signals(const struct sigaction old[3])
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	size_t i;

	for (i = 0; i < 3; i++)
		(void)sigaction(sigs[i], &old[i], NULL);
}

int
backup_vm(const struct rundir *rd, const char *name,
    const struct vm_config *vm, const char *dir, const struct backup_how *how,
    struct backup_done *done, struct diag *d)
{
	struct sigaction old[3];
	struct run r;
	size_t i;
	int rc = -1;

	memset(done, 0, sizeof(*done));
	memset(&r, 0, sizeof(r));
	r.rd = rd;
	r.vm = vm;
	r.how = how;
	r.bd.fd = -1;
	r.t0 = now_ms();
	catch_signals(old);
	if (vmdisks_hold(rd, name, vm, &r.vd, d) == 0 &&
	    backupdir_open(&r.bd, dir, 1, name, d) == 0 &&
	    run_backup(&r, d) == 0) {
		done->seq = r.m.seq;
		done->base = r.m.base;
		done->online = r.m.online;
		done->frozen = r.m.frozen;
		done->bytes = bytes_taken(&r);
		done->dir = xstrdup(r.bd.path);
		rc = 0;
	}
	restore_signals(old);
	for (i = 0; r.fds != NULL && i < r.vd.n; i++)
		if (r.fds[i] >= 0)
			(void)close(r.fds[i]);
	free(r.fds);
	free(r.sets);
	free(r.old);
	manifest_free(&r.m);
	backupdir_close(&r.bd);
	vmdisks_release(&r.vd);
	return rc;
}

void
backup_done_free(struct backup_done *done)
{
	free(done->dir);
	memset(done, 0, sizeof(*done));
}

int
backup_last(const char *cfgpath, struct backup_record *r)
{
	char *path = record_path(cfgpath);
	const struct cfg_entry *e;
	struct cfg cfg;
	long long n;
	const char *why;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = cfg_load(&cfg, path, 1, NULL);
	free(path);
	if (rc == 0 && (e = cfg_get(&cfg, "DIR")) != NULL &&
	    cfg_get(&cfg, "TIME") != NULL &&
	    cfg_number(cfg_get(&cfg, "TIME")->value, 0, (long long)(~0ULL >> 2),
	    &r->time, &why) == 0) {
		r->dir = xstrdup(e->value);
		if ((e = cfg_get(&cfg, "SEQ")) != NULL &&
		    cfg_number(e->value, 1, BACKUP_SEQ_MAX, &n, &why) == 0)
			r->seq = (unsigned)n;
		r->incremental = (e = cfg_get(&cfg, "INCREMENTAL")) != NULL &&
		    strcmp(e->value, "yes") == 0;
	} else if (rc == 0)
		rc = -1;
	cfg_free(&cfg);
	return rc;
}

void
backup_record_free(struct backup_record *r)
{
	free(r->dir);
	memset(r, 0, sizeof(*r));
}
