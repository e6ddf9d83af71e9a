/*
 * test_snapshot.c - snapshot names, the VM's snapshots from its disks'
 * (each name once, on how many disks), and the kinds refused before
 * anything runs: a disk that is not qcow2 or has no format, a snapshot
 * not on every disk, an external snapshot over internal ones, a data
 * file, two snapshots of one name; a name taken already.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "snapshot.h"
#include "unit.h"

/* A stopped VM's two qcow2 disks, with snapshot "a" on both. */
static void
two_disks(struct vm_disks *vd)
{
	size_t i;

	memset(vd, 0, sizeof(*vd));
	vd->name = xstrdup("web");
	vd->lock = -1;
	vd->n = 2;
	vd->paths = xcalloc(3, sizeof(*vd->paths));
	vd->v = xcalloc(3, sizeof(*vd->v));
	for (i = 0; i < 2; i++) {
		vd->paths[i] = xasprintf("/srv/web-%zu.qcow2", i + 1);
		vd->v[i].format = xstrdup("qcow2");
		vd->v[i].snapshots = xcalloc(3, sizeof(*vd->v[i].snapshots));
		vd->v[i].snapshots[0].name = xstrdup("a");
		vd->v[i].snapshots[0].id = xstrdup("1");
		vd->v[i].snapshots[0].date = 100;
		vd->v[i].snapshots[0].vmstate = i == 0 ? 4096 : 0;
		vd->v[i].nsnapshots = 1;
	}
}

/* A second snapshot, name, on disk i only. */
static void
add_snapshot(struct vm_disks *vd, size_t i, const char *name)
{
	struct qmp_disk *disk = &vd->v[i];

	disk->snapshots[disk->nsnapshots].name = xstrdup(name);
	disk->snapshots[disk->nsnapshots++].id = xstrdup("2");
}

/* snapshot_take's refusal (nothing is run before it), or "". */
static const char *
refusal(struct vm_disks *vd, const char *name)
{
	static char first[512];
	unsigned long long memory;
	struct diag d;

	diag_init(&d);
	first[0] = '\0';
	if (snapshot_take(vd, NULL, name, &memory, &d) != 0 &&
	    diag_first_error(&d) != NULL)
		strncpy(first, diag_first_error(&d), sizeof(first) - 1);
	diag_clear(&d);
	return first;
}

TEST(snapshot_names)
{
	struct diag d;
	char *name;

	diag_init(&d);
	CHECK(snapshot_name_check("before-upgrade_2.1", &d) == 0);
	CHECK(snapshot_name_check("v2", &d) == 0);
	CHECK(snapshot_name_check("", &d) == -1);
	CHECK(snapshot_name_check("12", &d) == -1);
	CHECK(snapshot_name_check("-x", &d) == -1);
	CHECK(snapshot_name_check(".x", &d) == -1);
	CHECK(snapshot_name_check("a b", &d) == -1);
	CHECK(snapshot_name_check("a\"b", &d) == -1);
	CHECK(snapshot_name_check("0123456789012345678901234567890123456789"
	    "0123456789012345678901234", &d) == -1);
	CHECK(d.errors == 7);
	diag_clear(&d);
	name = snapshot_default_name();
	CHECK(snapshot_name_check(name, &d) == 0 && strlen(name) == 15);
	free(name);
}

TEST(snapshot_list_each_name_once)
{
	struct snapshot_set set;
	struct vm_disks vd;

	two_disks(&vd);
	add_snapshot(&vd, 1, "b");
	snapshot_list(&vd, &set);
	CHECK(set.n == 2 && set.ndisks == 2);
	CHECK_STR(set.v[0].name, "a");
	CHECK(set.v[0].disks == 2 && set.v[0].memory == 4096 &&
	    set.v[0].date == 100);
	CHECK_STR(set.v[1].name, "b");
	CHECK(set.v[1].disks == 1 && set.v[1].memory == 0);
	snapshot_set_free(&set);
	vmdisks_release(&vd);
}

TEST(snapshot_one_kind_only)
{
	struct vm_disks vd;

	two_disks(&vd);
	CHECK_STR(refusal(&vd, "a"), "'web' has a snapshot 'a' already "
	    "(qemu-init forget web a)");
	add_snapshot(&vd, 1, "byhand");
	CHECK_STR(refusal(&vd, "c"), "snapshot 'byhand' is not on DSK1 "
	    "/srv/web-1.qcow2: not taken of the whole VM, a kind qemu-init "
	    "does not mix (qemu-img snapshot -l and -d)");
	vmdisks_release(&vd);
	two_disks(&vd);
	add_snapshot(&vd, 0, "a");
	CHECK(strstr(refusal(&vd, "c"), "DSK1 /srv/web-1.qcow2: it has two "
	    "snapshots of one name") != NULL);
	vmdisks_release(&vd);
	two_disks(&vd);
	free(vd.v[1].format);
	vd.v[1].format = xstrdup("raw");
	CHECK(strstr(refusal(&vd, "c"), "DSK2 /srv/web-2.qcow2: it is not "
	    "qcow2") != NULL);
	free(vd.v[1].format);
	vd.v[1].format = NULL;
	CHECK(strstr(refusal(&vd, "c"), "DSK2 /srv/web-2.qcow2: it has no "
	    "DISKFORMAT") != NULL);
	vmdisks_release(&vd);
	two_disks(&vd);
	vd.v[0].backing = vd.v[0].backing_snapshots = 1;
	CHECK(strstr(refusal(&vd, "c"), "an external snapshot over internal "
	    "ones") != NULL);
	vd.v[0].backing_snapshots = 0;
	vd.data_file = 1;
	CHECK(strstr(refusal(&vd, "c"), "external data file") != NULL);
	vmdisks_release(&vd);
}
