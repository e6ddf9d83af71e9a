/* test_image.c - what a qcow2 header names, its snapshots and bitmaps */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "image.h"
#include "unit.h"

static void
put32(unsigned char *p, unsigned v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void
put64(unsigned char *p, unsigned long long v)
{
	put32(p, (unsigned)(v >> 32));
	put32(p + 4, (unsigned)v);
}

/*
 * A version 3 qcow2 header of 112 bytes, cluster 64 KiB, with a backing
 * file name at 512 and, when given, the backing format and data file
 * name as extensions.
 */
static size_t
qcow2(unsigned char *img, const char *backing, const char *format,
    const char *data)
{
	size_t off = 112, n;

	memset(img, 0, 4096);
	memcpy(img, "QFI\xfb", 4);
	put32(img + 4, 3);
	if (backing != NULL) {
		put64(img + 8, 512);
		put32(img + 16, (unsigned)strlen(backing));
		memcpy(img + 512, backing, strlen(backing));
	}
	put32(img + 20, 16);
	put64(img + 24, 1ULL << 30);
	put32(img + 60, 2);
	put32(img + 96, 4);
	put32(img + 100, 112);
	if (format != NULL) {
		n = strlen(format);
		put32(img + off, 0xe2792aca);
		put32(img + off + 4, (unsigned)n);
		memcpy(img + off + 8, format, n);
		off += 8 + ((n + 7) & ~(size_t)7);
	}
	if (data != NULL) {
		n = strlen(data);
		put32(img + off, 0x44415441);
		put32(img + off + 4, (unsigned)n);
		memcpy(img + off + 8, data, n);
		off += 8 + ((n + 7) & ~(size_t)7);
	}
	return 4096;
}

static int
inspect(const unsigned char *img, size_t len, struct image_info *info,
    const char **why)
{
	char *path = unit_write(unit_tmpdir(), "img", (const char *)img, len);
	int fd = open(path, O_RDONLY), rc;

	rc = image_inspect(fd, info, why);
	close(fd);
	return rc;
}

TEST(image_reads_the_names_a_qcow2_header_holds)
{
	unsigned char img[4096];
	struct image_info info;
	const char *why = NULL;

	CHECK(inspect(img, qcow2(img, "base.qcow2", "qcow2", "data.raw"),
	    &info, &why) == 0);
	CHECK(info.qcow2 && info.version == 3 && info.snapshots == 2 &&
	    info.size == 1ULL << 30);
	CHECK_STR(info.backing, "base.qcow2");
	CHECK_STR(info.backing_format, "qcow2");
	CHECK_STR(info.data_file, "data.raw");
	image_info_free(&info);
	CHECK(inspect(img, qcow2(img, NULL, NULL, NULL), &info, &why) == 0);
	CHECK(info.qcow2 && info.backing == NULL && info.data_file == NULL);
	image_info_free(&info);
}

TEST(image_anything_else_names_nothing)
{
	unsigned char img[4096];
	struct image_info info;
	const char *why = NULL;

	memset(img, 0, sizeof(img));
	memcpy(img, "QFI", 3);
	CHECK(inspect(img, sizeof(img), &info, &why) == 0);
	CHECK(!info.qcow2 && info.backing == NULL);
	image_info_free(&info);
	CHECK(inspect(img, 2, &info, &why) == 0 && !info.qcow2);
	image_info_free(&info);
}

TEST(image_broken_headers_are_refused)
{
	unsigned char img[4096];
	struct image_info info;
	const char *why = NULL;

	qcow2(img, "base", NULL, NULL);
	CHECK(inspect(img, 40, &info, &why) == -1 && why != NULL);
	image_info_free(&info);
	qcow2(img, "base", NULL, NULL);
	put32(img + 16, 5000);		/* a name longer than QEMU's bound */
	CHECK(inspect(img, sizeof(img), &info, &why) == -1);
	image_info_free(&info);
	qcow2(img, "base", NULL, NULL);
	img[513] = '\0';		/* a NUL inside the name */
	CHECK(inspect(img, sizeof(img), &info, &why) == -1);
	image_info_free(&info);
	qcow2(img, NULL, "qcow2", NULL);
	put32(img + 116, 0x7fffffff);	/* an extension past the cluster */
	CHECK(inspect(img, sizeof(img), &info, &why) == -1);
	image_info_free(&info);
	qcow2(img, NULL, NULL, NULL);
	put32(img + 20, 40);		/* no such cluster size */
	CHECK(inspect(img, sizeof(img), &info, &why) == -1);
	image_info_free(&info);
}

TEST(image_names_plain_or_refused)
{
	const char *why = NULL;
	char *p;

	CHECK(image_name_plain("base.qcow2", &why));
	CHECK(image_name_plain("/srv/img/debian-12.qcow2", &why));
	CHECK(image_name_plain("./a:b.qcow2", &why));
	CHECK(!image_name_plain("json:{\"driver\":\"file\"}", &why));
	CHECK(strstr(why, "protocol") != NULL);
	CHECK(!image_name_plain("nbd://127.0.0.1:10809", &why));
	CHECK(!image_name_plain("/dev/fdset/3", &why));
	CHECK(!image_name_plain("/proc/self/fd/7", &why));
	CHECK(!image_name_plain("a\nb", &why));
	p = image_name_resolve("/srv/vm/web.qcow2", "base.qcow2");
	CHECK_STR(p, "/srv/vm/base.qcow2");
	free(p);
	p = image_name_resolve("/srv/vm/web.qcow2", "/img/base.qcow2");
	CHECK_STR(p, "/img/base.qcow2");
	free(p);
}

/* A snapshot table entry at p: its length. */
static size_t
snapshot_entry(unsigned char *p, const char *id, const char *name,
    unsigned date, unsigned long long vmstate)
{
	size_t n = 40 + 16, len;

	memset(p, 0, 40);
	p[12] = 0;
	p[13] = (unsigned char)strlen(id);
	p[14] = (unsigned char)(strlen(name) >> 8);
	p[15] = (unsigned char)strlen(name);
	put32(p + 16, date);
	put32(p + 32, (unsigned)vmstate);
	put32(p + 36, 16);		/* extra: the 64-bit VM state size */
	put64(p + 40, vmstate);
	memcpy(p + n, id, strlen(id));
	memcpy(p + n + strlen(id), name, strlen(name));
	len = n + strlen(id) + strlen(name);
	return (len + 7) & ~(size_t)7;
}

/* A bitmap directory entry at p: its length. */
static size_t
bitmap_entry(unsigned char *p, const char *name, unsigned flags)
{
	size_t len = 24 + strlen(name);

	memset(p, 0, 24);
	put32(p + 12, flags);
	p[16] = 1;
	p[17] = 16;
	p[19] = (unsigned char)strlen(name);
	memcpy(p + 24, name, strlen(name));
	return (len + 7) & ~(size_t)7;
}

/*
 * The header of qcow2(), its two snapshots in a table at 1024 and two
 * bitmaps in a directory at 2048 (the extension after the header).
 */
static size_t
qcow2_tables(unsigned char *img)
{
	size_t off = 1024, dir;

	qcow2(img, NULL, NULL, NULL);
	put64(img + 64, 1024);
	off += snapshot_entry(img + off, "1", "before-upgrade", 1700000000,
	    0);
	(void)snapshot_entry(img + off, "2", "running", 1700000100,
	    5ULL << 32);
	dir = bitmap_entry(img + 2048, "qemu-init-00ff", 2);
	dir += bitmap_entry(img + 2048 + dir, "other", 1);
	put32(img + 112, 0x23852875);
	put32(img + 116, 24);
	put32(img + 120, 2);
	put64(img + 128, dir);
	put64(img + 136, 2048);
	return 4096;
}

TEST(image_reads_snapshots_and_bitmaps)
{
	struct image_snapshot *sn;
	struct image_bitmap *bm;
	unsigned char img[4096];
	struct image_info info;
	const char *why = NULL;
	size_t n;
	char *path;
	int fd;

	path = unit_write(unit_tmpdir(), "tables", (const char *)img,
	    qcow2_tables(img));
	fd = open(path, O_RDONLY);
	CHECK(image_inspect(fd, &info, &why) == 0 && info.nbitmaps == 2);
	CHECK(image_snapshots(fd, &info, &sn, &n, &why) == 0 && n == 2);
	CHECK_STR(sn[0].id, "1");
	CHECK_STR(sn[0].name, "before-upgrade");
	CHECK(sn[0].date == 1700000000 && sn[0].vmstate == 0);
	CHECK_STR(sn[1].name, "running");
	CHECK(sn[1].vmstate == 5ULL << 32);
	image_snapshots_free(sn, n);
	CHECK(image_bitmaps(fd, &info, &bm, &n, &why) == 0 && n == 2);
	CHECK_STR(bm[0].name, "qemu-init-00ff");
	CHECK(bm[0].enabled && !bm[0].in_use && bm[0].granularity == 65536);
	CHECK_STR(bm[1].name, "other");
	CHECK(!bm[1].enabled && bm[1].in_use);
	image_bitmaps_free(bm, n);
	image_info_free(&info);
	close(fd);
}

TEST(image_broken_tables_are_refused)
{
	struct image_snapshot *sn;
	struct image_bitmap *bm;
	unsigned char img[4096];
	struct image_info info;
	const char *why = NULL;
	size_t n;
	char *path;
	int fd;

	qcow2_tables(img);
	put32(img + 60, 3);		/* a third snapshot, past the end */
	put32(img + 2048 + 20, 5000);	/* extra data past QEMU's bound */
	path = unit_write(unit_tmpdir(), "broken", (const char *)img, 1170);
	fd = open(path, O_RDONLY);
	CHECK(image_inspect(fd, &info, &why) == 0);
	CHECK(image_snapshots(fd, &info, &sn, &n, &why) == -1 && sn == NULL);
	CHECK(strstr(why, "snapshot table") != NULL);
	CHECK(image_bitmaps(fd, &info, &bm, &n, &why) == -1 && bm == NULL);
	CHECK(strstr(why, "bitmap directory") != NULL);
	image_info_free(&info);
	close(fd);
	path = unit_write(unit_tmpdir(), "broken", (const char *)img, 4096);
	fd = open(path, O_RDONLY);
	CHECK(image_inspect(fd, &info, &why) == 0);
	CHECK(image_bitmaps(fd, &info, &bm, &n, &why) == -1 && bm == NULL);
	image_info_free(&info);
	close(fd);
	put32(img + 60, 70000);		/* more than QEMU ever writes */
	path = unit_write(unit_tmpdir(), "many", (const char *)img, 4096);
	fd = open(path, O_RDONLY);
	CHECK(image_inspect(fd, &info, &why) == 0);
	CHECK(image_snapshots(fd, &info, &sn, &n, &why) == -1);
	image_info_free(&info);
	close(fd);
}
