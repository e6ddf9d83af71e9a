/*
 * image.c - qcow2 headers: the names of the files an image opens.
 *
 * The fields read, all big-endian: magic (0), version (4), the backing
 * file name's offset (8) and size (16), cluster bits (20), size (24),
 * snapshot count (60) and table (64); from version 3 the incompatible
 * features (72) and the header's length (100).  After the header come
 * extensions, in the first cluster: type, length, data padded to 8
 * bytes, until type 0.  Of those, the backing file's format, the
 * external data file's name and where the bitmap directory is.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "json.h"
#include "proc.h"
#include "fileread.h"
#include "image.h"
#include "paths.h"

#define QCOW2_MAGIC		"QFI\xfb"
#define EXT_END			0x00000000u
#define EXT_BACKING_FORMAT	0xe2792acau
#define EXT_DATA_FILE		0x44415441u
#define EXT_BITMAPS		0x23852875u
#define SNAPSHOT_FIXED		40	/* a snapshot entry before its extra */
#define SNAPSHOT_EXTRA_MAX	1024	/* QEMU's bound on that extra data */
#define BITMAP_FIXED		24	/* a bitmap entry before its extra */
#define BITMAP_IN_USE		1u
#define BITMAP_AUTO		2u
#define HEADER_V2		72
#define HEADER_V3_MIN		104

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Exactly n bytes at off, or -1. */
static int
read_at(int fd, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = pread(fd, (char *)buf + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* A name of len bytes at off: text without NUL bytes, else NULL. */
static char *
read_name(int fd, uint64_t off, uint32_t len)
{
	char *s;

	if (len == 0 || len > IMAGE_NAME_MAX)
		return NULL;
	s = xmalloc(len + 1);
	if (read_at(fd, s, len, off) != 0 || memchr(s, '\0', len) != NULL) {
		free(s);
		return NULL;
	}
	s[len] = '\0';
	return s;
}

/* The bitmaps extension: how many, and where their directory is. */
static int
read_bitmaps_ext(int fd, uint64_t off, uint32_t len, struct image_info *info)
{
	unsigned char h[24];

	if (len < sizeof(h) || read_at(fd, h, sizeof(h), off) != 0)
		return -1;
	info->nbitmaps = be32(h);
	info->bitmap_dir_size = be64(h + 8);
	info->bitmap_dir_offset = be64(h + 16);
	return 0;
}

/* The header extensions from off to the end of the first cluster. */
static int
read_extensions(int fd, uint64_t off, uint64_t cluster,
    struct image_info *info, const char **why)
{
	unsigned char h[8];
	uint32_t type, len;
	unsigned n;

	for (n = 0; n < 1024; n++) {
		if (off + 8 > cluster || read_at(fd, h, 8, off) != 0) {
			*why = "its header extensions run past the first "
			    "cluster";
			return -1;
		}
		type = be32(h);
		len = be32(h + 4);
		off += 8;
		if (type == EXT_END)
			return 0;
		if (len > cluster - off) {
			*why = "a header extension runs past the first cluster";
			return -1;
		}
		if (type == EXT_BACKING_FORMAT && info->backing_format == NULL &&
		    (info->backing_format = read_name(fd, off, len)) == NULL) {
			*why = "its backing file format is unreadable";
			return -1;
		}
		if (type == EXT_DATA_FILE && info->data_file == NULL &&
		    (info->data_file = read_name(fd, off, len)) == NULL) {
			*why = "its data file name is unreadable";
			return -1;
		}
		if (type == EXT_BITMAPS && read_bitmaps_ext(fd, off, len,
		    info) != 0) {
			*why = "its bitmaps extension is unreadable";
			return -1;
		}
		off += ((uint64_t)len + 7) & ~(uint64_t)7;
	}
	*why = "too many header extensions";
	return -1;
}

int
image_inspect(int fd, struct image_info *info, const char **why)
{
	unsigned char h[HEADER_V3_MIN];
	uint64_t backing_off, cluster, ext_off;
	uint32_t backing_len, bits;

	memset(info, 0, sizeof(*info));
	if (read_at(fd, h, 4, 0) != 0 || memcmp(h, QCOW2_MAGIC, 4) != 0)
		return 0;
	info->qcow2 = 1;
	if (read_at(fd, h, HEADER_V2, 0) != 0) {
		*why = "its qcow2 header is cut short";
		return -1;
	}
	info->version = be32(h + 4);
	bits = be32(h + 20);
	if (info->version < 2 || info->version > 3 || bits < 9 || bits > 21) {
		*why = "its qcow2 header is not one QEMU reads";
		return -1;
	}
	cluster = (uint64_t)1 << bits;
	info->size = be64(h + 24);
	info->snapshots = be32(h + 60);
	info->snapshots_offset = be64(h + 64);
	ext_off = HEADER_V2;
	if (info->version == 3) {
		if (read_at(fd, h, HEADER_V3_MIN, 0) != 0 ||
		    be32(h + 100) < HEADER_V3_MIN || be32(h + 100) > cluster) {
			*why = "its qcow2 header is cut short";
			return -1;
		}
		ext_off = be32(h + 100);
	}
	backing_off = be64(h + 8);
	backing_len = be32(h + 16);
	if (backing_off != 0 && (backing_len == 0 ||
	    backing_len > IMAGE_NAME_MAX || backing_off > cluster ||
	    (info->backing = read_name(fd, backing_off, backing_len)) ==
	    NULL)) {
		*why = "its backing file name is unreadable";
		return -1;
	}
	return read_extensions(fd, ext_off, cluster, info, why);
}

int
image_inspect_path(const char *path, struct image_info *info,
    struct diag *d)
{
	const char *why = NULL;
	int fd, rc;

	memset(info, 0, sizeof(*info));
	if ((fd = file_open_image(path, O_RDONLY, d)) < 0)
		return -1;
	rc = image_inspect(fd, info, &why);
	(void)close(fd);
	if (rc != 0)
		diag_error(d, "%s: %s", path, why);
	return rc;
}

void
image_info_free(struct image_info *info)
{
	free(info->backing);
	free(info->backing_format);
	free(info->data_file);
	memset(info, 0, sizeof(*info));
}

/* A string of len bytes at off, without NUL bytes (len may be 0). */
static char *
read_text(int fd, uint64_t off, size_t len)
{
	char *s = xmalloc(len + 1);

	if ((len > 0 && read_at(fd, s, len, off) != 0) ||
	    memchr(s, '\0', len) != NULL) {
		free(s);
		return NULL;
	}
	s[len] = '\0';
	return s;
}

/* One entry of the snapshot table at *off, which moves past it. */
static int
read_snapshot(int fd, uint64_t *off, struct image_snapshot *sn)
{
	unsigned char h[SNAPSHOT_FIXED + 8];
	uint32_t extra;
	uint16_t idlen, namelen;
	uint64_t p = *off;

	if (read_at(fd, h, SNAPSHOT_FIXED, p) != 0)
		return -1;
	idlen = (uint16_t)(h[12] << 8 | h[13]);
	namelen = (uint16_t)(h[14] << 8 | h[15]);
	sn->date = (long long)be32(h + 16);
	sn->vmstate = be32(h + 32);
	extra = be32(h + 36);
	if (extra > SNAPSHOT_EXTRA_MAX)
		return -1;
	/* The 64-bit size of the VM state, when the entry has it. */
	if (extra >= 8) {
		if (read_at(fd, h + SNAPSHOT_FIXED, 8, p + SNAPSHOT_FIXED) != 0)
			return -1;
		sn->vmstate = be64(h + SNAPSHOT_FIXED);
	}
	p += SNAPSHOT_FIXED + extra;
	if ((sn->id = read_text(fd, p, idlen)) == NULL ||
	    (sn->name = read_text(fd, p + idlen, namelen)) == NULL)
		return -1;
	p += (uint64_t)idlen + namelen;
	*off = (p + 7) & ~(uint64_t)7;
	return 0;
}

int
image_snapshots(int fd, const struct image_info *info,
    struct image_snapshot **v, size_t *n, const char **why)
{
	uint64_t off = info->snapshots_offset;
	size_t i;

	*v = NULL;
	*n = 0;
	if (!info->qcow2 || info->snapshots == 0)
		return 0;
	if (info->snapshots > IMAGE_SNAPSHOTS_MAX || off == 0 ||
	    off > UINT64_MAX - IMAGE_TABLE_MAX) {
		*why = "its snapshot table is past QEMU's bounds";
		return -1;
	}
	*v = xcalloc(info->snapshots, sizeof(**v));
	for (i = 0; i < info->snapshots; i++) {
		*n = i + 1;
		if (off - info->snapshots_offset > IMAGE_TABLE_MAX ||
		    read_snapshot(fd, &off, &(*v)[i]) != 0) {
			*why = "its snapshot table is unreadable";
			image_snapshots_free(*v, *n);
			*v = NULL;
			*n = 0;
			return -1;
		}
	}
	return 0;
}

void
image_snapshots_free(struct image_snapshot *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].id);
		free(v[i].name);
	}
	free(v);
}

/* One entry of the bitmap directory at *off, which moves past it. */
static int
read_bitmap(int fd, uint64_t *off, uint64_t end, struct image_bitmap *bm)
{
	unsigned char h[BITMAP_FIXED];
	uint32_t flags, extra;
	uint16_t namelen;
	uint64_t p = *off;

	if (p + BITMAP_FIXED > end || read_at(fd, h, BITMAP_FIXED, p) != 0)
		return -1;
	flags = be32(h + 12);
	namelen = (uint16_t)(h[18] << 8 | h[19]);
	extra = be32(h + 20);
	if (h[17] > 63 || namelen == 0 || namelen > IMAGE_NAME_MAX ||
	    extra > SNAPSHOT_EXTRA_MAX ||
	    p + BITMAP_FIXED + extra + namelen > end)
		return -1;
	bm->in_use = (flags & BITMAP_IN_USE) != 0;
	bm->enabled = (flags & BITMAP_AUTO) != 0;
	bm->granularity = h[17] < 32 ? 1u << h[17] : 0;
	if ((bm->name = read_text(fd, p + BITMAP_FIXED + extra, namelen)) ==
	    NULL)
		return -1;
	p += BITMAP_FIXED + extra + namelen;
	*off = (p + 7) & ~(uint64_t)7;
	return 0;
}

int
image_bitmaps(int fd, const struct image_info *info, struct image_bitmap **v,
    size_t *n, const char **why)
{
	uint64_t off = info->bitmap_dir_offset, end;
	size_t i;

	*v = NULL;
	*n = 0;
	if (!info->qcow2 || info->nbitmaps == 0)
		return 0;
	if (info->nbitmaps > IMAGE_BITMAPS_MAX ||
	    info->bitmap_dir_size > IMAGE_TABLE_MAX || off == 0 ||
	    off > UINT64_MAX - IMAGE_TABLE_MAX) {
		*why = "its bitmap directory is past QEMU's bounds";
		return -1;
	}
	end = off + info->bitmap_dir_size;
	*v = xcalloc(info->nbitmaps, sizeof(**v));
	for (i = 0; i < info->nbitmaps; i++) {
		*n = i + 1;
		if (read_bitmap(fd, &off, end, &(*v)[i]) != 0) {
			*why = "its bitmap directory is unreadable";
			image_bitmaps_free(*v, *n);
			*v = NULL;
			*n = 0;
			return -1;
		}
	}
	return 0;
}

void
image_bitmaps_free(struct image_bitmap *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i].name);
	free(v);
}

int
image_name_plain(const char *name, const char **why)
{
	const char *p;

	for (p = name; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			*why = "holds a control character";
			return 0;
		}
	/* QEMU reads "proto:..." before any '/' as a protocol. */
	p = name + strcspn(name, ":/");
	if (*p == ':') {
		*why = "is not a file name (a QEMU protocol such as json: "
		    "or nbd:)";
		return 0;
	}
	if (strncmp(name, "/dev/fdset/", 11) == 0 ||
	    strncmp(name, "/proc/self/fd/", 14) == 0) {
		*why = "names a descriptor QEMU was handed";
		return 0;
	}
	return 1;
}

char *
image_name_resolve(const char *image, const char *name)
{
	char *dir, *path;

	if (name[0] == '/')
		return xstrdup(name);
	dir = path_dirname(image);
	path = path_join(dir, name);
	free(dir);
	return path;
}

/* qemu-img's complaint, or how it ended, as one line in d. */
static void
qemu_img_failed(const char *what, const struct strbuf *err, int status,
    struct diag *d)
{
	char *line = diag_one_line(err->s != NULL ? err->s : "");

	if (line[0] != '\0')
		diag_error(d, "%s: %s", what, line);
	else
		diag_error(d, "%s: qemu-img exited with status %d", what,
		    status);
	free(line);
}

int
image_base_info(const char *path, const char *format, struct image_base *b,
    struct diag *d)
{
	struct strbuf out, err;
	struct strvec av;
	struct json doc;
	const struct json *j;
	const char *why, *f;
	char *what;
	int status, rc = -1;

	memset(b, 0, sizeof(*b));
	sb_init(&out);
	sb_init(&err);
	sv_init(&av);
	sv_push(&av, IMAGE_QEMU_IMG);
	sv_push(&av, "info");
	sv_push(&av, "--output=json");
	if (format != NULL) {
		sv_push(&av, "-f");
		sv_push(&av, format);
	}
	sv_push(&av, "--");
	sv_push(&av, path);
	what = xasprintf("cannot read image %s", path);
	if (proc_run(av.v, NULL, &out, &err, &status, d) != 0)
		goto out;
	if (status != 0) {
		qemu_img_failed(what, &err, status, d);
		goto out;
	}
	if (out.s == NULL || json_parse_max(&doc, out.s, out.len, 4096,
	    &why) != 0) {
		diag_error(d, "%s: qemu-img info said no JSON", what);
		goto out;
	}
	f = json_get_string(&doc, "format");
	j = json_get(&doc, "virtual-size");
	if (f == NULL || j == NULL || j->type != JSON_NUMBER)
		diag_error(d, "%s: qemu-img info gave no format or size", what);
	else {
		b->format = xstrdup(f);
		b->size = strtoull(j->text, NULL, 10);
		b->has_backing = json_get(&doc, "backing-filename") != NULL;
		rc = 0;
	}
	json_free(&doc);
out:
	free(what);
	sv_free(&av);
	sb_free(&out);
	sb_free(&err);
	return rc;
}

void
image_base_free(struct image_base *b)
{
	free(b->format);
	memset(b, 0, sizeof(*b));
}

int
image_overlay(const char *path, const char *base, const char *base_format,
    unsigned long long size, struct diag *d)
{
	struct strbuf err;
	struct strvec av;
	char *what;
	int status, rc = -1;

	sb_init(&err);
	sv_init(&av);
	sv_push(&av, IMAGE_QEMU_IMG);
	sv_push(&av, "create");
	sv_push(&av, "-q");
	sv_push(&av, "-f");
	sv_push(&av, "qcow2");
	sv_push(&av, "-F");
	sv_push(&av, base_format);
	sv_push(&av, "-b");
	sv_push(&av, base);
	sv_push(&av, "--");
	sv_push(&av, path);
	sv_pushf(&av, "%llu", size);
	what = xasprintf("cannot make the disk %s", path);
	if (proc_run(av.v, NULL, NULL, &err, &status, d) == 0) {
		if (status == 0 && chmod(path, 0600) == 0)
			rc = 0;
		else if (status == 0)
			diag_error(d, "%s: %s", what, strerror(errno));
		else
			qemu_img_failed(what, &err, status, d);
	}
	if (rc != 0)
		(void)unlink(path);
	free(what);
	sv_free(&av);
	sb_free(&err);
	return rc;
}

/* len bytes from in at off to out at the same offset. */
static int
copy_range(int in, int out, off_t off, off_t len)
{
	char buf[65536];
	ssize_t n, w;
	size_t want;

	while (len > 0) {
		want = len < (off_t)sizeof(buf) ? (size_t)len : sizeof(buf);
		n = pread(in, buf, want, off);
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			if (n < 0 && errno == EINTR)
				continue;
			return -1;
		}
		w = pwrite(out, buf, (size_t)n, off);
		if (w != n) {
			if (w >= 0)
				errno = ENOSPC;
			return -1;
		}
		off += n;
		len -= n;
	}
	return 0;
}

int
image_copy_sparse(const char *from, const char *to, struct diag *d)
{
	struct stat st;
	off_t data, hole = 0;
	int in, out = -1, e = 0;

	if ((in = file_open_image(from, O_RDONLY, d)) < 0)
		return -1;
	if (fstat(in, &st) != 0 || (out = open(to, O_WRONLY | O_CREAT |
	    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		diag_error(d, "cannot copy %s to %s: %s", from, to,
		    strerror(errno));
		(void)close(in);
		return -1;
	}
	for (;;) {
		if ((data = lseek(in, hole, SEEK_DATA)) < 0) {
			if (errno != ENXIO)
				e = errno;
			break;
		}
		if ((hole = lseek(in, data, SEEK_HOLE)) < 0 ||
		    copy_range(in, out, data, hole - data) != 0) {
			e = errno;
			break;
		}
	}
	if (e == 0 && (ftruncate(out, st.st_size) != 0 || fsync(out) != 0))
		e = errno;
	(void)close(in);
	if (close(out) != 0 && e == 0)
		e = errno;
	if (e == 0)
		return 0;
	(void)unlink(to);
	diag_error(d, "cannot copy %s to %s: %s", from, to, strerror(e));
	return -1;
}

int
image_size_parse(const char *s, unsigned long long *out, const char **why)
{
	unsigned long long v = 0, unit = 1;
	const char *p = s;

	*why = "not a size such as 20G, 512M or a number of bytes";
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (1ULL << 50))
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
	}
	switch (*p) {
	case 'T': case 't': unit <<= 10;	/* FALLTHROUGH */
	case 'G': case 'g': unit <<= 10;	/* FALLTHROUGH */
	case 'M': case 'm': unit <<= 10;	/* FALLTHROUGH */
	case 'K': case 'k': unit <<= 10; p++; break;
	case '\0': break;
	default: return -1;
	}
	if (*p != '\0' || v == 0 || v > (1ULL << 60) / unit) {
		if (v == 0 && *p == '\0')
			*why = "a size of 0";
		return -1;
	}
	*out = v * unit;
	return 0;
}
