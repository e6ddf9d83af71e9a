/* test_image.c - what a qcow2 header names */
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
