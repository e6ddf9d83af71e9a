/*
 * qmpblock.c - a running VM's disks, targets and jobs, through QMP.
 */
#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "lifecycle.h"
#include "monitor.h"
#include "qmpblock.h"
#include "sock.h"

#define FDSET_PATH	"/dev/fdset/"

int
qmpblock_open(const struct vm_control *c, struct qmp *q, struct diag *d)
{
	return control_open(q, c->rd, c->name, c->st, MONITOR_TIMEOUT_MS, 0,
	    d);
}

static unsigned long long
number(const struct json *j, const char *key)
{
	const struct json *v = json_get(j, key);

	return v != NULL && v->type == JSON_NUMBER ?
	    strtoull(v->text, NULL, 10) : 0;
}

static int
boolean(const struct json *j, const char *key)
{
	const struct json *v = json_get(j, key);

	return v != NULL && v->type == JSON_TRUE;
}

/* {"execute": name} and the array its "return" is: 0, or -1 (why in d). */
static int
query_array(struct qmp *q, const char *name, struct json *reply,
    const struct json **array, struct diag *d)
{
	char *cmd = xasprintf("{\"execute\":\"%s\"}", name);
	int rc;

	rc = qmp_execute(q, cmd, reply, d);
	free(cmd);
	if (rc != QMP_OK)
		return -1;
	*array = json_get(reply, "return");
	if (*array == NULL || (*array)->type != JSON_ARRAY) {
		diag_error(d, "QEMU's answer to %s is not a list", name);
		json_free(reply);
		return -1;
	}
	return 0;
}

/* An image's snapshots, as query-block shows them. */
static void
read_snapshots(const struct json *image, struct qmp_disk *disk)
{
	const struct json *list = json_get(image, "snapshots"), *s;
	const char *name, *id;
	size_t i;

	if (list == NULL || list->type != JSON_ARRAY)
		return;
	disk->snapshots = xcalloc(list->n + 1, sizeof(*disk->snapshots));
	for (i = 0; i < list->n; i++) {
		s = &list->items[i];
		name = json_get_string(s, "name");
		id = json_get_string(s, "id");
		disk->snapshots[disk->nsnapshots].name = xstrdup(name != NULL ?
		    name : "");
		disk->snapshots[disk->nsnapshots].id = xstrdup(id != NULL ?
		    id : "");
		disk->snapshots[disk->nsnapshots].date =
		    (long long)number(s, "date-sec");
		disk->snapshots[disk->nsnapshots++].vmstate =
		    number(s, "vm-state-size");
	}
}

static void
read_bitmaps(const struct json *inserted, struct qmp_disk *disk)
{
	const struct json *list = json_get(inserted, "dirty-bitmaps"), *b;
	const char *name;
	size_t i;

	if (list == NULL || list->type != JSON_ARRAY)
		return;
	disk->bitmaps = xcalloc(list->n + 1, sizeof(*disk->bitmaps));
	for (i = 0; i < list->n; i++) {
		b = &list->items[i];
		if ((name = json_get_string(b, "name")) == NULL)
			continue;
		disk->bitmaps[disk->nbitmaps].name = xstrdup(name);
		disk->bitmaps[disk->nbitmaps].persistent =
		    boolean(b, "persistent");
		disk->bitmaps[disk->nbitmaps].recording =
		    boolean(b, "recording");
		disk->bitmaps[disk->nbitmaps].inconsistent =
		    boolean(b, "inconsistent");
		disk->bitmaps[disk->nbitmaps++].busy = boolean(b, "busy");
	}
}

/* What query-block says of one block device with a medium. */
static void
read_disk(const struct json *info, const struct json *inserted,
    struct qmp_disk *disk)
{
	const struct json *image = json_get(inserted, "image"), *base;
	const char *s;

	disk->device = xstrdup((s = json_get_string(info, "device")) != NULL ?
	    s : "");
	disk->node = xstrdup((s = json_get_string(inserted, "node-name")) !=
	    NULL ? s : "");
	disk->format = xstrdup((s = json_get_string(inserted, "drv")) !=
	    NULL ? s : "");
	disk->read_only = boolean(inserted, "ro");
	disk->size = number(image, "virtual-size");
	read_snapshots(image, disk);
	read_bitmaps(inserted, disk);
	for (base = json_get(image, "backing-image"); base != NULL;
	    base = json_get(base, "backing-image")) {
		disk->backing = 1;
		if (json_get(base, "snapshots") != NULL)
			disk->backing_snapshots = 1;
	}
}

/* The fd set N of "/dev/fdset/N", or -1. */
static long
fdset_of(const char *file)
{
	char *end;
	long n;

	if (file == NULL || strncmp(file, FDSET_PATH, strlen(FDSET_PATH)) != 0)
		return -1;
	n = strtol(file + strlen(FDSET_PATH), &end, 10);
	return *end == '\0' && n >= 0 ? n : -1;
}

/*
 * Whether fd set `set` of QEMU (pid) holds the file want is (the same
 * inode, through /proc/PID/fd): its descriptors as query-fdsets lists.
 */
static int
fdset_holds(const struct json *fdsets, long set, long pid,
    const struct stat *want)
{
	const struct json *s, *fds;
	struct stat st;
	char path[64];
	size_t i, j;

	for (i = 0; i < fdsets->n; i++) {
		s = &fdsets->items[i];
		fds = json_get(s, "fds");
		if ((long)number(s, "fdset-id") != set || fds == NULL ||
		    fds->type != JSON_ARRAY)
			continue;
		for (j = 0; j < fds->n; j++) {
			(void)snprintf(path, sizeof(path), "/proc/%ld/fd/%llu",
			    pid, number(&fds->items[j], "fd"));
			if (stat(path, &st) == 0 && st.st_dev == want->st_dev &&
			    st.st_ino == want->st_ino)
				return 1;
		}
	}
	return 0;
}

/* The block device of blocks whose file is disk i's; -1 if none. */
static int
find_disk(const struct vm_control *c, size_t i, const struct json *blocks,
    const struct json *fdsets)
{
	const struct json *inserted;
	struct stat want;
	size_t k;
	long set;

	if (stat(c->st->disks[i].path, &want) != 0)
		return -1;
	for (k = 0; k < blocks->n; k++) {
		inserted = json_get(&blocks->items[k], "inserted");
		set = fdset_of(json_get_string(inserted, "file"));
		if (set >= 0 && fdset_holds(fdsets, set, (long)c->st->qemu.pid,
		    &want))
			return (int)k;
	}
	return -1;
}

int
qmpblock_disks(const struct vm_control *c, struct qmp *q, struct qmp_disk **v,
    struct diag *d)
{
	struct json blocks, fdsets;
	const struct json *b, *f;
	size_t i;
	int k, rc = 0;

	*v = NULL;
	if (query_array(q, "query-block", &blocks, &b, d) != 0)
		return -1;
	if (query_array(q, "query-fdsets", &fdsets, &f, d) != 0) {
		json_free(&blocks);
		return -1;
	}
	*v = xcalloc(c->st->ndisks + 1, sizeof(**v));
	for (i = 0; rc == 0 && i < c->st->ndisks; i++) {
		if ((k = find_disk(c, i, b, f)) < 0) {
			diag_error(d, "DSK%zu %s: QEMU of '%s' does not write "
			    "it through the file it was handed (SNAPSHOT=yes?)",
			    i + 1, c->st->disks[i].path, c->name);
			rc = -1;
		} else
			read_disk(&b->items[k], json_get(&b->items[k],
			    "inserted"), &(*v)[i]);
	}
	json_free(&blocks);
	json_free(&fdsets);
	if (rc != 0) {
		qmpblock_disks_free(*v, c->st->ndisks);
		*v = NULL;
	}
	return rc;
}

void
qmpblock_disks_free(struct qmp_disk *v, size_t n)
{
	size_t i, j;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].device);
		free(v[i].node);
		free(v[i].format);
		image_snapshots_free(v[i].snapshots, v[i].nsnapshots);
		for (j = 0; j < v[i].nbitmaps; j++)
			free(v[i].bitmaps[j].name);
		free(v[i].bitmaps);
	}
	free(v);
}

const struct qmp_bitmap *
qmpblock_bitmap(const struct qmp_disk *disk, const char *name)
{
	size_t i;

	for (i = 0; i < disk->nbitmaps; i++)
		if (strcmp(disk->bitmaps[i].name, name) == 0)
			return &disk->bitmaps[i];
	return NULL;
}

/* command with its one string argument quoted in: the command. */
static char *
command1(const char *execute, const char *key, const char *value)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_addf(&sb, "{\"execute\":\"%s\",\"arguments\":{\"%s\":", execute,
	    key);
	if (json_quote(&sb, value) != 0)
		sb_adds(&sb, "\"\"");
	sb_adds(&sb, "}}");
	return sb_detach(&sb);
}

/* command1's, run; a QMP_ code. */
static int
run1(struct qmp *q, const char *execute, const char *key, const char *value,
    struct diag *d)
{
	char *cmd = command1(execute, key, value);
	int rc;

	rc = qmp_execute(q, cmd, NULL, d);
	free(cmd);
	return rc;
}

static void
remove_fdset(struct qmp *q, long set)
{
	char *cmd;

	cmd = xasprintf("{\"execute\":\"remove-fd\",\"arguments\":"
	    "{\"fdset-id\":%ld}}", set);
	(void)qmp_execute(q, cmd, NULL, NULL);
	free(cmd);
}

int
qmpblock_add_target(struct qmp *q, int fd, const char *node, int *fdset,
    struct diag *d)
{
	struct json reply;
	struct strbuf cmd;
	long set;
	int rc;

	*fdset = -1;
	if (qmp_execute_fd(q, "{\"execute\":\"add-fd\",\"arguments\":"
	    "{\"opaque\":\"" QMPBLOCK_OPAQUE "\"}}", fd, &reply, d) != QMP_OK)
		return -1;
	set = (long)number(json_get(&reply, "return"), "fdset-id");
	json_free(&reply);
	sb_init(&cmd);
	sb_adds(&cmd, "{\"execute\":\"blockdev-add\",\"arguments\":"
	    "{\"driver\":\"qcow2\",\"node-name\":");
	(void)json_quote(&cmd, node);
	sb_addf(&cmd, ",\"backing\":null,\"file\":{\"driver\":\"file\","
	    "\"filename\":\"" FDSET_PATH "%ld\"}}}", set);
	rc = qmp_execute(q, cmd.s, NULL, d);
	sb_free(&cmd);
	if (rc != QMP_OK) {
		remove_fdset(q, set);
		return -1;
	}
	*fdset = (int)set;
	return 0;
}

void
qmpblock_del_target(struct qmp *q, const char *node, int fdset)
{
	(void)run1(q, "blockdev-del", "node-name", node, NULL);
	if (fdset >= 0)
		remove_fdset(q, fdset);
}

int
qmpblock_bitmap_remove(struct qmp *q, const char *node, const char *name,
    struct diag *d)
{
	struct strbuf cmd;
	int rc;

	sb_init(&cmd);
	sb_adds(&cmd, "{\"execute\":\"block-dirty-bitmap-remove\","
	    "\"arguments\":{\"node\":");
	(void)json_quote(&cmd, node);
	sb_adds(&cmd, ",\"name\":");
	(void)json_quote(&cmd, name);
	sb_adds(&cmd, "}}");
	rc = qmp_execute(q, cmd.s, NULL, d);
	sb_free(&cmd);
	return rc == QMP_OK ? 0 : -1;
}

int
qmpblock_start(struct qmp *q, const char *command, struct diag *d)
{
	return qmp_execute(q, command, NULL, d) == QMP_OK ? 0 : -1;
}

/* The job id of query-jobs' list, or NULL. */
static const struct json *
find_job(const struct json *jobs, const char *id)
{
	const char *s;
	size_t i;

	for (i = 0; i < jobs->n; i++)
		if ((s = json_get_string(&jobs->items[i], "id")) != NULL &&
		    strcmp(s, id) == 0)
			return &jobs->items[i];
	return NULL;
}

/* Where the jobs are, by one look. */
struct jobs_seen {
	unsigned long long done, total;
	size_t		 concluded;
};

/*
 * One look at the jobs: 0 with what was seen, 1 the control socket was
 * busy (another qemu-init's status, say: look again), -1 with why in d
 * (a job that concluded with an error, one that is gone, the VM that
 * is).
 */
static int
look(const struct vm_control *c, char *const ids[], size_t n,
    struct jobs_seen *seen, struct diag *d)
{
	const struct json *jobs, *j;
	const char *status, *error;
	struct json reply;
	struct diag why;
	struct qmp q;
	size_t i;
	int rc = 0;

	diag_init(&why);
	if ((rc = qmpblock_open(c, &q, &why)) == QMP_OK)
		rc = query_array(&q, "query-jobs", &reply, &jobs, &why);
	qmp_close(&q);
	if (rc == QMP_BUSY) {
		diag_clear(&why);
		return 1;
	}
	diag_move(d, &why);
	if (rc != 0)
		return -1;
	memset(seen, 0, sizeof(*seen));
	for (i = 0; rc == 0 && i < n; i++) {
		if ((j = find_job(jobs, ids[i])) == NULL) {
			diag_error(d, "QEMU's job %s of '%s' is gone", ids[i],
			    c->name);
			rc = -1;
			break;
		}
		seen->done += number(j, "current-progress");
		seen->total += number(j, "total-progress");
		status = json_get_string(j, "status");
		error = json_get_string(j, "error");
		if (status == NULL || strcmp(status, "concluded") != 0)
			continue;
		seen->concluded++;
		if (error != NULL) {
			diag_error(d, "%s (QEMU's job %s)", error, ids[i]);
			rc = -1;
		}
	}
	json_free(&reply);
	return rc;
}

int
qmpblock_wait(const struct vm_control *c, char *const ids[], size_t n,
    long long stall_ms, const volatile sig_atomic_t *stop,
    void (*tick)(unsigned long long, unsigned long long, void *), void *arg,
    struct diag *d)
{
	long long deadline = now_ms() + stall_ms;
	unsigned long long last = 0;
	struct jobs_seen seen;
	int rc;

	memset(&seen, 0, sizeof(seen));
	for (;;) {
		if (stop != NULL && *stop)
			return -2;
		if ((rc = look(c, ids, n, &seen, d)) < 0)
			return -1;
		if (tick != NULL)
			tick(seen.done, seen.total, arg);
		if (seen.concluded == n)
			return 0;
		if (seen.done != last) {
			last = seen.done;
			deadline = now_ms() + stall_ms;
		}
		if (now_ms() >= deadline) {
			diag_error(d, "QEMU's jobs on '%s' made no progress in "
			    "%lld s", c->name, stall_ms / 1000);
			return -1;
		}
		/* A signal ends the nap early: the flag is looked at next. */
		(void)poll(NULL, 0, QMPBLOCK_POLL_MS);
	}
}

/* The status of job id, or NULL when it is gone (caller frees). */
static char *
job_status(struct qmp *q, const char *id)
{
	const struct json *jobs, *j;
	struct json reply;
	const char *s;
	char *status = NULL;

	if (query_array(q, "query-jobs", &reply, &jobs, NULL) != 0)
		return NULL;
	if ((j = find_job(jobs, id)) != NULL)
		status = xstrdup((s = json_get_string(j, "status")) != NULL ?
		    s : "");
	json_free(&reply);
	return status;
}

void
qmpblock_job_end(struct qmp *q, const char *id)
{
	long long deadline = now_ms() + QMPBLOCK_END_MS;
	char *status;

	(void)run1(q, "job-cancel", "id", id, NULL);
	while ((status = job_status(q, id)) != NULL &&
	    strcmp(status, "concluded") != 0 && now_ms() < deadline) {
		free(status);
		(void)poll(NULL, 0, QMPBLOCK_POLL_MS);
	}
	free(status);
	(void)run1(q, "job-dismiss", "id", id, NULL);
}

/* Whether s is a name of ours. */
static int
ours(const char *s)
{
	return s != NULL && strncmp(s, QMPBLOCK_PREFIX,
	    strlen(QMPBLOCK_PREFIX)) == 0;
}

int
qmpblock_tidy(struct qmp *q)
{
	const struct json *list, *fds;
	struct json reply;
	const char *s;
	size_t i, j;
	int n = 0;

	if (query_array(q, "query-jobs", &reply, &list, NULL) == 0) {
		for (i = 0; i < list->n; i++)
			if (ours(s = json_get_string(&list->items[i], "id"))) {
				qmpblock_job_end(q, s);
				n++;
			}
		json_free(&reply);
	}
	if (query_array(q, "query-named-block-nodes", &reply, &list,
	    NULL) == 0) {
		for (i = 0; i < list->n; i++)
			if (ours(s = json_get_string(&list->items[i],
			    "node-name"))) {
				(void)run1(q, "blockdev-del", "node-name", s,
				    NULL);
				n++;
			}
		json_free(&reply);
	}
	if (query_array(q, "query-fdsets", &reply, &list, NULL) == 0) {
		for (i = 0; i < list->n; i++) {
			fds = json_get(&list->items[i], "fds");
			for (j = 0; fds != NULL && j < fds->n; j++)
				if ((s = json_get_string(&fds->items[j],
				    "opaque")) != NULL &&
				    strcmp(s, QMPBLOCK_OPAQUE) == 0)
					break;
			if (fds != NULL && j < fds->n) {
				remove_fdset(q, (long)number(&list->items[i],
				    "fdset-id"));
				n++;
			}
		}
		json_free(&reply);
	}
	return n;
}
