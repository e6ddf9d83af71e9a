/*
 * vmdisks.c - a VM's disks, held.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "fileread.h"
#include "image.h"
#include "lifecycle.h"
#include "vmdisks.h"

/* Whether the backing chain of the qcow2 image path holds snapshots. */
static int
chain_has_snapshots(const char *path, const struct image_info *top)
{
	struct image_info info;
	const char *why;
	char *file, *next;
	int found = 0, depth;

	if (top->backing == NULL || !image_name_plain(top->backing, &why))
		return 0;
	file = image_name_resolve(path, top->backing);
	for (depth = 0; file != NULL && !found && depth < IMAGE_CHAIN_MAX;
	    depth++) {
		if (image_inspect_path(file, &info, NULL) != 0 || !info.qcow2) {
			image_info_free(&info);
			break;
		}
		found = info.snapshots > 0;
		next = info.backing != NULL && image_name_plain(info.backing,
		    &why) ? image_name_resolve(file, info.backing) : NULL;
		free(file);
		file = next;
		image_info_free(&info);
	}
	free(file);
	return found;
}

/* A stopped VM's qcow2 image, open on fd: its tables into disk. */
static int
read_qcow2(const char *path, int fd, struct qmp_disk *disk, struct diag *d)
{
	struct image_bitmap *bm = NULL;
	struct image_info info;
	const char *why = NULL;
	size_t i, n = 0;
	int rc = -1;

	if (image_inspect(fd, &info, &why) != 0 || !info.qcow2 ||
	    image_snapshots(fd, &info, &disk->snapshots, &disk->nsnapshots,
	    &why) != 0 || image_bitmaps(fd, &info, &bm, &n, &why) != 0)
		diag_error(d, "%s: %s", path, why != NULL ? why :
		    "not a qcow2 image, but DISKFORMAT says it is");
	else {
		disk->size = info.size;
		disk->backing = info.backing != NULL;
		disk->backing_snapshots = chain_has_snapshots(path, &info);
		disk->bitmaps = xcalloc(n + 1, sizeof(*disk->bitmaps));
		for (i = 0; i < n; i++) {
			disk->bitmaps[i].name = bm[i].name;
			bm[i].name = NULL;
			disk->bitmaps[i].persistent = 1;
			disk->bitmaps[i].recording = bm[i].enabled;
			disk->bitmaps[i].inconsistent = bm[i].in_use;
		}
		disk->nbitmaps = n;
		rc = 0;
	}
	image_bitmaps_free(bm, n);
	image_info_free(&info);
	return rc;
}

/* Disk i of a stopped VM, from its image. */
static int
read_image(const struct vm_config *vm, size_t i, struct vm_disks *vd,
    struct diag *d)
{
	struct qmp_disk *disk = &vd->v[i];
	const char *path = vm->disks[i].path;
	off_t end;
	int fd, rc = 0;

	disk->format = vm->disks[i].format != NULL ?
	    xstrdup(vm->disks[i].format) : NULL;
	if (!path_folders_trusted(path, d) ||
	    (fd = file_open_image(path, O_RDONLY, d)) < 0)
		return -1;
	if (disk->format != NULL && strcmp(disk->format, "qcow2") == 0)
		rc = read_qcow2(path, fd, disk, d);
	else if ((end = lseek(fd, 0, SEEK_END)) >= 0)
		disk->size = (unsigned long long)end;
	(void)close(fd);
	return rc;
}

/* Whether a running VM's disk i has an external data file. */
static int
has_data_file(const struct vm_disks *vd, size_t i)
{
	struct image_info info;
	int found;

	if (vd->v[i].format == NULL || strcmp(vd->v[i].format, "qcow2") != 0)
		return 0;
	found = image_inspect_path(vd->paths[i], &info, NULL) == 0 &&
	    info.data_file != NULL;
	image_info_free(&info);
	return found;
}

/* What vd's disks are now, QEMU's or the images'. */
static int
look(struct vm_disks *vd, const struct vm_config *vm, struct diag *d)
{
	struct qmp q;
	size_t i;
	int rc = 0;

	qmpblock_disks_free(vd->v, vd->n);
	vd->v = NULL;
	vd->data_file = 0;
	if (vd->running) {
		/* First what a killed qemu-init left: its job's filters too. */
		if ((rc = qmpblock_open(&vd->ctl, &q, d)) == QMP_OK) {
			vd->tidied += qmpblock_tidy(&q);
			rc = qmpblock_disks(&vd->ctl, &q, &vd->v, d);
		}
		qmp_close(&q);
		for (i = 0; rc == 0 && i < vd->n; i++)
			vd->data_file |= has_data_file(vd, i);
		return rc == 0 ? 0 : -1;
	}
	vd->v = xcalloc(vd->n + 1, sizeof(*vd->v));
	for (i = 0; rc == 0 && i < vd->n; i++)
		rc = read_image(vm, i, vd, d);
	return rc;
}

int
vmdisks_hold(const struct rundir *rd, const char *name,
    const struct vm_config *vm, struct vm_disks *vd, struct diag *d)
{
	size_t i;
	int found;

	memset(vd, 0, sizeof(*vd));
	vd->name = xstrdup(name);
	if ((found = vm_hold(rd, name, &vd->st, &vd->lock, d)) < 0)
		return -1;
	vd->running = found;
	if (vd->running && !vd->st.recorded) {
		diag_error(d, "'%s' runs but its start was cut short: its "
		    "disks are not known (qemu-init restart it)", name);
		return -1;
	}
	if (!vd->running && vm == NULL) {
		diag_error(d, "'%s' is not running and its config did not "
		    "load", name);
		return -1;
	}
	vd->ctl.rd = rd;
	vd->ctl.name = vd->name;
	vd->ctl.st = &vd->st;
	vd->n = vd->running ? vd->st.ndisks : vm->ndisks;
	vd->paths = xcalloc(vd->n + 1, sizeof(*vd->paths));
	for (i = 0; i < vd->n; i++)
		vd->paths[i] = xstrdup(vd->running ? vd->st.disks[i].path :
		    vm->disks[i].path);
	return look(vd, vm, d);
}

int
vmdisks_reread(struct vm_disks *vd, const struct vm_config *vm,
    struct diag *d)
{
	return look(vd, vm, d);
}

void
vmdisks_release(struct vm_disks *vd)
{
	size_t i;

	qmpblock_disks_free(vd->v, vd->n);
	for (i = 0; vd->paths != NULL && i < vd->n; i++)
		free(vd->paths[i]);
	free(vd->paths);
	state_free(&vd->st);
	lock_release(vd->lock);
	free(vd->name);
	memset(vd, 0, sizeof(*vd));
	vd->lock = -1;
}

char *
vmdisks_label(const struct vm_disks *vd, size_t i)
{
	return xasprintf("DSK%zu %s", i + 1, vd->paths[i]);
}
