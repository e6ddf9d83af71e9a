/*
 * test_backupdir.c - a backup folder: manifests written and read back,
 * and refused when a value is not what qemu-init writes (a file outside
 * the folder, a number that is not its own, another folder's bitmap);
 * the folder made private, locked, read; files only through .partial
 * names, never over one that exists; the pieces of an unfinished
 * backup removed; a chain with a hole found.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backupdir.h"
#include "buf.h"
#include "unit.h"

/* A manifest of backup seq (on base) of VM web's one disk. */
static void
sample(struct backup_manifest *m, unsigned seq, unsigned base)
{
	memset(m, 0, sizeof(*m));
	m->seq = seq;
	m->base = base;
	m->vm = xstrdup("web");
	m->time = 1796650000;
	m->online = 1;
	m->frozen = 1;
	m->folder = xstrdup("00c0ffee");
	m->bitmap = xasprintf("qemu-init-00c0ffee-%04x", seq);
	m->config = backupdir_config_name(seq);
	m->cfgpath = xstrdup("/srv/vm/web/web-qemu.cfg");
	m->ndisks = 1;
	m->disks = xcalloc(2, sizeof(*m->disks));
	m->disks[0].path = xstrdup("/srv/vm/web/disk 1.qcow2");
	m->disks[0].format = xstrdup("qcow2");
	m->disks[0].size = 2147483648ULL;
	m->disks[0].file = backupdir_disk_name(seq, 0);
}

/*
 * manifest_parse of text, edited: old replaced by new.  The first error
 * it gives (static), or NULL when it reads.
 */
static const char *
parse_edited(const char *text, const char *old, const char *new)
{
	static char first[512];
	struct backup_manifest m;
	struct strbuf sb;
	const char *at = strstr(text, old);
	struct diag d;
	int rc;

	diag_init(&d);
	sb_init(&sb);
	sb_add(&sb, text, (size_t)(at - text));
	sb_adds(&sb, new);
	sb_adds(&sb, at + strlen(old));
	rc = manifest_parse(&m, 3, "/b/0003.manifest", sb.s, sb.len, &d);
	snprintf(first, sizeof(first), "%s", rc != 0 &&
	    diag_first_error(&d) != NULL ? diag_first_error(&d) : "");
	manifest_free(&m);
	sb_free(&sb);
	diag_clear(&d);
	return rc != 0 ? first : NULL;
}

TEST(backupdir_manifest_reads_back_what_is_written)
{
	struct backup_manifest m, back;
	struct diag d;
	char *text;

	diag_init(&d);
	sample(&m, 3, 2);
	text = manifest_text(&m);
	CHECK(manifest_parse(&back, 3, "/b/0003.manifest", text, strlen(text),
	    &d) == 0);
	CHECK(back.seq == 3 && back.base == 2 && back.online && back.frozen);
	CHECK_STR(back.vm, "web");
	CHECK_STR(back.bitmap, "qemu-init-00c0ffee-0003");
	CHECK_STR(back.disks[0].path, "/srv/vm/web/disk 1.qcow2");
	CHECK_STR(back.disks[0].file, "0003-disk1.qcow2");
	CHECK(back.disks[0].size == 2147483648ULL);
	CHECK(d.n == 0);
	manifest_free(&back);
	/* What qemu-init never writes is refused, with the key. */
	CHECK_STR(parse_edited(text, "FILE1=0003-disk1.qcow2",
	    "FILE1=../../etc/shadow"), "/b/0003.manifest: FILE1 "
	    "'../../etc/shadow' is not 0003-disk1.qcow2");
	CHECK(parse_edited(text, "SEQ=3", "SEQ=4") != NULL);
	CHECK(parse_edited(text, "BASE=2", "BASE=3") != NULL);
	CHECK(parse_edited(text, "CONFIG=0003-qemu.cfg",
	    "CONFIG=/etc/passwd") != NULL);
	CHECK(parse_edited(text, "FORMAT1=qcow2", "FORMAT1=vvfat") != NULL);
	CHECK(parse_edited(text, "DSK1=", "DSK1=relative") != NULL);
	CHECK_STR(parse_edited(text, "qemu-init-00c0ffee-0003",
	    "qemu-init-deadbeef-0003"), "/b/0003.manifest: BITMAP "
	    "'qemu-init-deadbeef-0003' is not of FOLDER 00c0ffee");
	CHECK(parse_edited(text, "DISKS=1", "DISKS=101") != NULL);
	CHECK(parse_edited(text, "VM=web", "VM=a/b") != NULL);
	CHECK_STR(parse_edited(text, "VM=web", "NAME=web"),
	    "/b/0003.manifest: no VM");
	CHECK(parse_edited(text, "VM=web", "VM=web") == NULL);
	free(text);
	manifest_free(&m);
}

/* A folder for a test's backups, absent yet (caller frees). */
static char *
folder(void)
{
	return xasprintf("%s/backups", unit_tmpdir());
}

/* Writes backup seq's manifest and image (empty) into bd. */
static void
add_backup(struct backup_dir *bd, unsigned seq, unsigned base)
{
	struct backup_manifest m;
	struct diag d;

	diag_init(&d);
	sample(&m, seq, base);
	CHECK(backupdir_write(bd, m.disks[0].file, "", 0, &d) == 0);
	CHECK(backupdir_add(bd, &m, &d) == 0);
	CHECK(d.n == 0);
	manifest_free(&m);
}

TEST(backupdir_made_private_locked_and_read)
{
	struct backup_dir bd, again;
	char *b1 = folder(), *id;
	struct stat st;
	struct diag d;

	diag_init(&d);
	CHECK(backupdir_open(&bd, b1, 0, "web", &d) == -1);
	diag_clear(&d);
	backupdir_close(&bd);
	CHECK(backupdir_open(&bd, b1, 1, "web", &d) == 0);
	CHECK(stat(b1, &st) == 0 && (st.st_mode & 0777) == 0700);
	CHECK(backupdir_last(&bd) == NULL && bd.top == 0);
	id = backupdir_id(&bd);
	CHECK(strlen(id) == 8);
	free(id);
	/* One qemu-init at a time. */
	CHECK(backupdir_open(&again, b1, 1, "web", &d) == -1);
	CHECK(strstr(diag_first_error(&d), "in use by another qemu-init") !=
	    NULL);
	diag_clear(&d);
	backupdir_close(&again);
	add_backup(&bd, 1, 0);
	add_backup(&bd, 2, 1);
	backupdir_close(&bd);
	CHECK(backupdir_open(&bd, b1, 0, "web", &d) == 0);
	CHECK(bd.n == 2 && backupdir_last(&bd)->seq == 2 && bd.top == 2);
	id = backupdir_id(&bd);
	CHECK_STR(id, "00c0ffee");
	free(id);
	CHECK(backupdir_chain_ok(&bd, backupdir_last(&bd), &d) == 0);
	backupdir_close(&bd);
	/* Another VM's folder. */
	CHECK(backupdir_open(&bd, b1, 0, "db", &d) == -1);
	CHECK(strstr(diag_first_error(&d), "holds backups of 'web', not of "
	    "'db'") != NULL);
	diag_clear(&d);
	backupdir_close(&bd);
	/* Writable by others: not a folder to trust. */
	CHECK(chmod(b1, 0777) == 0);
	CHECK(backupdir_open(&bd, b1, 0, "web", &d) == -1);
	diag_clear(&d);
	backupdir_close(&bd);
	CHECK(chmod(b1, 0700) == 0);
	free(b1);
}

TEST(backupdir_partial_names_tidy_and_holes)
{
	struct backup_dir bd;
	char *b2 = folder(), *path;
	struct diag d;
	int fd;

	diag_init(&d);
	CHECK(backupdir_open(&bd, b2, 1, "web", &d) == 0);
	add_backup(&bd, 1, 0);
	/* A file is made only under its .partial name, never twice. */
	fd = backupdir_create(&bd, "0002-disk1.qcow2", &d);
	CHECK(fd >= 0);
	close(fd);
	CHECK(unit_reads(b2, "0002-disk1.qcow2.partial") != NULL);
	CHECK(unit_reads(b2, "0002-disk1.qcow2") == NULL);
	CHECK(backupdir_create(&bd, "0002-disk1.qcow2", &d) == -1);
	diag_clear(&d);
	/* Renamed once whole, never over a file that is there. */
	CHECK(backupdir_commit(&bd, "0002-disk1.qcow2", &d) == 0);
	CHECK(unit_reads(b2, "0002-disk1.qcow2") != NULL);
	CHECK(backupdir_write(&bd, "0001-disk1.qcow2", "x", 1, &d) == -1);
	CHECK(unit_reads(b2, "0001-disk1.qcow2.partial") == NULL);
	diag_clear(&d);
	/* Pieces of backups 2 and 3 that never finished; a stranger stays. */
	unit_writes(b2, "0003-disk1.qcow2.partial", "");
	unit_writes(b2, "0001.manifest.partial", "");
	unit_writes(b2, "notes.txt", "mine");
	backupdir_close(&bd);
	CHECK(backupdir_open(&bd, b2, 0, "web", &d) == 0);
	CHECK(bd.top == 3);
	CHECK(backupdir_tidy(&bd) == 3);
	CHECK(bd.top == 1);
	CHECK(unit_reads(b2, "0002-disk1.qcow2") == NULL);
	CHECK(unit_reads(b2, "0001-disk1.qcow2") != NULL);
	CHECK(unit_reads(b2, "notes.txt") != NULL);
	/* A backup whose base is gone is no chain. */
	add_backup(&bd, 3, 2);
	CHECK(backupdir_chain_ok(&bd, backupdir_find(&bd, 3), &d) == -1);
	CHECK(strstr(diag_first_error(&d), "builds on backup 2, which is not "
	    "there") != NULL);
	diag_clear(&d);
	path = xasprintf("%s/0001-disk1.qcow2", b2);
	CHECK(unlink(path) == 0);
	free(path);
	CHECK(backupdir_chain_ok(&bd, backupdir_find(&bd, 1), &d) == -1);
	CHECK(strstr(diag_first_error(&d), "lacks 0001-disk1.qcow2") != NULL);
	diag_clear(&d);
	backupdir_close(&bd);
	free(b2);
}
