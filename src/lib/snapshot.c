/*
 * snapshot.c - internal snapshots of every disk of a VM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "json.h"
#include "qemuimg.h"
#include "snapshot.h"

int
snapshot_name_check(const char *name, struct diag *d)
{
	size_t len = strlen(name);

	if (len == 0 || len > SNAPSHOT_NAME_MAX) {
		diag_error(d, "snapshot name '%s': 1 to %d characters", name,
		    SNAPSHOT_NAME_MAX);
		return -1;
	}
	if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") != len || name[0] == '-' || name[0] == '.') {
		diag_error(d, "snapshot name '%s': letters, digits, '.', '_' "
		    "and '-' only, not first '-' or '.'", name);
		return -1;
	}
	if (strspn(name, "0123456789") == len) {
		diag_error(d, "snapshot name '%s': not digits only (QEMU "
		    "takes those for a snapshot's number)", name);
		return -1;
	}
	return 0;
}

char *
snapshot_default_name(void)
{
	struct tm tm;
	time_t now = time(NULL);
	char s[32];

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y%m%d-%H%M%S", &tm) == 0)
		return xstrdup("snapshot");
	return xstrdup(s);
}

/* The snapshot name of disk, or NULL. */
static const struct image_snapshot *
on_disk(const struct qmp_disk *disk, const char *name)
{
	size_t i;

	for (i = 0; i < disk->nsnapshots; i++)
		if (strcmp(disk->snapshots[i].name, name) == 0)
			return &disk->snapshots[i];
	return NULL;
}

static struct vm_snapshot *
in_set(const struct snapshot_set *set, const char *name)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (strcmp(set->v[i].name, name) == 0)
			return &set->v[i];
	return NULL;
}

void
snapshot_list(const struct vm_disks *vd, struct snapshot_set *set)
{
	const struct image_snapshot *sn;
	struct vm_snapshot *v;
	size_t i, j;

	memset(set, 0, sizeof(*set));
	set->ndisks = vd->n;
	for (i = 0; i < vd->n; i++)
		for (j = 0; j < vd->v[i].nsnapshots; j++) {
			sn = &vd->v[i].snapshots[j];
			if ((v = in_set(set, sn->name)) == NULL) {
				set->v = xreallocarray(set->v, set->n + 1,
				    sizeof(*set->v));
				v = &set->v[set->n++];
				memset(v, 0, sizeof(*v));
				v->name = xstrdup(sn->name);
				v->date = sn->date;
			}
			v->disks++;
			if (sn->vmstate > v->memory)
				v->memory = sn->vmstate;
		}
}

void
snapshot_set_free(struct snapshot_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		free(set->v[i].name);
	free(set->v);
	memset(set, 0, sizeof(*set));
}

/* Why disk i takes no internal snapshot of qemu-init's, or NULL. */
static const char *
disk_refused(const struct vm_disks *vd, size_t i)
{
	const struct qmp_disk *disk = &vd->v[i];
	size_t j, k;

	if (disk->format == NULL)
		return vd->running ? "its format is not known" : "it has no "
		    "DISKFORMAT (qemu-init takes no format from an image's "
		    "bytes): set DISKFORMAT=qcow2";
	if (strcmp(disk->format, "qcow2") != 0)
		return "it is not qcow2: internal snapshots live in qcow2 "
		    "images only (every disk of the VM is snapshotted)";
	if (disk->read_only)
		return "QEMU has it read-only";
	if (disk->backing_snapshots)
		return "its backing file has snapshots of its own: it is an "
		    "external snapshot over internal ones, a kind qemu-init "
		    "does not mix";
	for (j = 0; j < disk->nsnapshots; j++)
		for (k = j + 1; k < disk->nsnapshots; k++)
			if (strcmp(disk->snapshots[j].name,
			    disk->snapshots[k].name) == 0)
				return "it has two snapshots of one name (not "
				    "taken by qemu-init)";
	return NULL;
}

/*
 * Whether the VM's snapshots are all of one kind, qemu-init's: every
 * disk takes them, and each snapshot is on every disk.  0, or -1 with
 * the first reason in d.
 */
static int
one_kind(const struct vm_disks *vd, struct diag *d)
{
	struct snapshot_set set;
	const char *why;
	size_t i, j;
	char *label;
	int rc = 0;

	if (vd->n == 0) {
		diag_error(d, "'%s' has no disk", vd->name);
		return -1;
	}
	if (vd->data_file) {
		diag_error(d, "a disk of '%s' has an external data file: no "
		    "internal snapshots there", vd->name);
		return -1;
	}
	for (i = 0; i < vd->n; i++)
		if ((why = disk_refused(vd, i)) != NULL) {
			label = vmdisks_label(vd, i);
			diag_error(d, "%s: %s", label, why);
			free(label);
			return -1;
		}
	snapshot_list(vd, &set);
	for (i = 0; rc == 0 && i < set.n; i++) {
		if (set.v[i].disks == vd->n)
			continue;
		for (j = 0; on_disk(&vd->v[j], set.v[i].name) != NULL; j++)
			continue;
		label = vmdisks_label(vd, j);
		diag_error(d, "snapshot '%s' is not on %s: not taken of the "
		    "whole VM, a kind qemu-init does not mix (qemu-img "
		    "snapshot -l and -d)", set.v[i].name, label);
		free(label);
		rc = -1;
	}
	snapshot_set_free(&set);
	return rc;
}

/* The nodes of the VM's disks as a JSON list ("devices"). */
static void
add_nodes(struct strbuf *cmd, const struct vm_disks *vd)
{
	size_t i;

	sb_adds(cmd, "\"devices\":[");
	for (i = 0; i < vd->n; i++) {
		if (i > 0)
			sb_addc(cmd, ',');
		(void)json_quote(cmd, vd->v[i].node);
	}
	sb_addc(cmd, ']');
}

/*
 * A snapshot job of QEMU's on the running VM (snapshot-save, -load or
 * -delete), with vmstate the node of the VM's memory (NULL: none),
 * waited for.  0, or -1 with QEMU's words in d.
 */
static int
qemu_job(struct vm_disks *vd, const char *execute, const char *name,
    const char *vmstate, struct diag *d)
{
	char *ids[] = { SNAPSHOT_JOB };
	struct strbuf cmd;
	struct qmp q;
	int rc;

	sb_init(&cmd);
	sb_addf(&cmd, "{\"execute\":\"%s\",\"arguments\":{\"job-id\":\""
	    SNAPSHOT_JOB "\",\"tag\":", execute);
	(void)json_quote(&cmd, name);
	if (vmstate != NULL) {
		sb_adds(&cmd, ",\"vmstate\":");
		(void)json_quote(&cmd, vmstate);
	}
	sb_addc(&cmd, ',');
	add_nodes(&cmd, vd);
	sb_adds(&cmd, "}}");
	if ((rc = qmpblock_open(&vd->ctl, &q, d)) == QMP_OK)
		rc = qmpblock_start(&q, cmd.s, d);
	qmp_close(&q);
	sb_free(&cmd);
	if (rc != 0)
		return -1;
	rc = qmpblock_wait(&vd->ctl, ids, 1, SNAPSHOT_JOB_MS, NULL, NULL,
	    NULL, d);
	if (qmpblock_open(&vd->ctl, &q, NULL) == QMP_OK)
		qmpblock_job_end(&q, SNAPSHOT_JOB);
	qmp_close(&q);
	return rc == 0 ? 0 : -1;
}

/* qemu-img snapshot op on each of the first n disks: the first failure. */
static int
qimg_each(const struct vm_disks *vd, size_t n, enum qimg_snapshot_op op,
    const char *name, size_t *done, struct diag *d)
{
	for (*done = 0; *done < n; ++*done)
		if (qimg_snapshot(op, vd->paths[*done], name, d) != 0)
			return -1;
	return 0;
}

int
snapshot_take(struct vm_disks *vd, const struct vm_config *vm,
    const char *name, unsigned long long *memory, struct diag *d)
{
	const struct image_snapshot *sn;
	size_t i, done;

	*memory = 0;
	if (one_kind(vd, d) != 0)
		return -1;
	if (on_disk(&vd->v[0], name) != NULL) {
		diag_error(d, "'%s' has a snapshot '%s' already (qemu-init "
		    "forget %s %s)", vd->name, name, vd->name, name);
		return -1;
	}
	if (vd->running) {
		if (qemu_job(vd, "snapshot-save", name, vd->v[0].node, d) != 0)
			return -1;
	} else if (qimg_each(vd, vd->n, QIMG_SNAPSHOT_CREATE, name, &done,
	    d) != 0) {
		/* None of it stays: the disks done lose it again. */
		(void)qimg_each(vd, done, QIMG_SNAPSHOT_DELETE, name, &i, NULL);
		return -1;
	}
	if (vmdisks_reread(vd, vm, d) != 0)
		return -1;
	for (i = 0; i < vd->n; i++) {
		if ((sn = on_disk(&vd->v[i], name)) == NULL) {
			diag_error(d, "snapshot '%s' of '%s' is not on DSK%zu "
			    "after it was taken", name, vd->name, i + 1);
			return -1;
		}
		*memory += sn->vmstate;
	}
	return 0;
}

/*
 * Removes qemu-init's dirty bitmaps of every disk, under which no
 * snapshot loads; one of another tool's is refused.  0, or -1.
 */
static int
drop_bitmaps(struct vm_disks *vd, struct diag *d)
{
	const struct qmp_bitmap *bm;
	struct qmp q;
	size_t i, j, dropped = 0;
	int rc = 0;

	for (i = 0; i < vd->n; i++)
		for (j = 0; j < vd->v[i].nbitmaps; j++) {
			bm = &vd->v[i].bitmaps[j];
			if (strncmp(bm->name, QMPBLOCK_PREFIX,
			    strlen(QMPBLOCK_PREFIX)) == 0)
				continue;
			diag_error(d, "DSK%zu of '%s' has dirty bitmap '%s', "
			    "not qemu-init's: QEMU loads no snapshot under "
			    "it", i + 1, vd->name, bm->name);
			return -1;
		}
	if (vd->running && qmpblock_open(&vd->ctl, &q, d) != QMP_OK) {
		qmp_close(&q);
		return -1;
	}
	for (i = 0; rc == 0 && i < vd->n; i++)
		for (j = 0; rc == 0 && j < vd->v[i].nbitmaps; j++, dropped++)
			rc = vd->running ? qmpblock_bitmap_remove(&q,
			    vd->v[i].node, vd->v[i].bitmaps[j].name, d) :
			    qimg_bitmap(0, vd->paths[i],
			    vd->v[i].bitmaps[j].name, d);
	if (vd->running)
		qmp_close(&q);
	if (dropped > 0)
		diag_note(d, "'%s': what changed since its last backup is "
		    "not known after a revert: its next incremental backup "
		    "is a full one", vd->name);
	return rc;
}

/* After a failed load: the VM as it is now, said. */
static void
after_failed_load(struct vm_disks *vd, struct diag *d)
{
	struct qmp q;
	char *status = NULL;

	if (qmpblock_open(&vd->ctl, &q, NULL) == QMP_OK)
		(void)qmp_query(&q, "query-status", "status", &status, NULL);
	qmp_close(&q);
	if (status != NULL && strcmp(status, "running") != 0)
		diag_error(d, "'%s' is paused (%s): qemu-init resume %s goes "
		    "on, qemu-init restart %s starts afresh", vd->name, status,
		    vd->name, vd->name);
	free(status);
}

int
snapshot_revert(struct vm_disks *vd, const struct vm_config *vm,
    const char *name, struct diag *d)
{
	const struct image_snapshot *sn;
	size_t i, done, memory = 0;

	if (one_kind(vd, d) != 0)
		return -1;
	if ((sn = on_disk(&vd->v[0], name)) == NULL) {
		diag_error(d, "'%s' has no snapshot '%s' (qemu-init snapshots "
		    "%s)", vd->name, name, vd->name);
		return -1;
	}
	for (i = 0; i < vd->n; i++)
		memory += on_disk(&vd->v[i], name)->vmstate > 0;
	if (vd->running && memory == 0) {
		diag_error(d, "snapshot '%s' was taken while '%s' was stopped: "
		    "it holds no memory to run on from (stop '%s' to set its "
		    "disks back)", name, vd->name, vd->name);
		return -1;
	}
	if (drop_bitmaps(vd, d) != 0)
		return -1;
	if (vd->running) {
		for (i = 0; on_disk(&vd->v[i], name)->vmstate == 0; i++)
			continue;
		if (qemu_job(vd, "snapshot-load", name, vd->v[i].node,
		    d) != 0) {
			after_failed_load(vd, d);
			return -1;
		}
		return 0;
	}
	if (memory > 0)
		diag_note(d, "snapshot '%s' holds the memory of a running "
		    "'%s': only its disks are set back, and it boots from "
		    "them", name, vd->name);
	if (qimg_each(vd, vd->n, QIMG_SNAPSHOT_APPLY, name, &done, d) != 0) {
		if (done > 0)
			diag_error(d, "DSK1 to DSK%zu of '%s' are back at '%s', "
			    "the others not: revert again", done, vd->name,
			    name);
		return -1;
	}
	(void)vm;
	return 0;
}

int
snapshot_forget(struct vm_disks *vd, const struct vm_config *vm,
    const char *name, struct diag *d)
{
	size_t done;

	(void)vm;
	if (one_kind(vd, d) != 0)
		return -1;
	if (on_disk(&vd->v[0], name) == NULL) {
		diag_error(d, "'%s' has no snapshot '%s' (qemu-init snapshots "
		    "%s)", vd->name, name, vd->name);
		return -1;
	}
	if (vd->running)
		return qemu_job(vd, "snapshot-delete", name, NULL, d);
	if (qimg_each(vd, vd->n, QIMG_SNAPSHOT_DELETE, name, &done, d) != 0) {
		if (done > 0)
			diag_error(d, "snapshot '%s' is gone from DSK1 to "
			    "DSK%zu of '%s' only: forget it again", name, done,
			    vd->name);
		return -1;
	}
	return 0;
}
