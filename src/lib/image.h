/*
 * image.h - what a disk image's own header says it opens: a qcow2
 * image's backing file and external data file (QEMU's
 * docs/interop/qcow2.txt), so that check and info can show them and a
 * start can hand QEMU the backing file's absolute name; and what it
 * holds besides the guest's data: its internal snapshots and its
 * persistent dirty bitmaps (snapshot.h, backup.h).
 *
 * The header is never what decides an image's format (qemu-init.cfg(5)
 * DISKFORMAT): a guest writes the bytes of a raw image.  It is read
 * only to show what QEMU will open, and to refuse names that are not
 * plain file names (json:, nbd:, /dev/fdset/...).
 */
#ifndef QI_IMAGE_H
#define QI_IMAGE_H

#include <stddef.h>

#include "diag.h"

#define IMAGE_NAME_MAX	1023	/* QEMU's bound on a backing file name */
#define IMAGE_CHAIN_MAX	16	/* backing files followed, at most */

struct image_info {
	int		 qcow2;		/* the file begins as a qcow2 image */
	unsigned	 version;	/* qcow2's: 2 or 3 */
	unsigned long long size;	/* the guest's size, in bytes */
	unsigned	 snapshots;	/* internal snapshots in the image */
	char		*backing;	/* as the header says it; NULL: none */
	char		*backing_format;	/* NULL: not said */
	char		*data_file;	/* an external data file; NULL: none */
	/* Where the tables are, for image_snapshots and image_bitmaps. */
	unsigned long long snapshots_offset;
	unsigned	 nbitmaps;
	unsigned long long bitmap_dir_offset, bitmap_dir_size;
};

#define IMAGE_SNAPSHOTS_MAX	65536	/* QEMU's own bound */
#define IMAGE_BITMAPS_MAX	65535	/* QEMU's own bound */
#define IMAGE_TABLE_MAX	(64ULL * 1024 * 1024)	/* QEMU's, for each */

/* An internal snapshot, as the image's snapshot table has it. */
struct image_snapshot {
	char		*id;		/* "1", "2": QEMU's */
	char		*name;
	long long	 date;		/* seconds since the epoch */
	unsigned long long vmstate;	/* bytes of the VM's state; 0: none */
};

/* A persistent dirty bitmap, as the image's bitmap directory has it. */
struct image_bitmap {
	char		*name;
	int		 in_use;	/* not stored cleanly: inconsistent */
	int		 enabled;	/* "auto": it records writes */
	unsigned	 granularity;	/* bytes */
};

/*
 * Reads the header of the image open on fd.  0 with info filled (qcow2
 * 0 for anything that is not qcow2: raw, ISO, ...); -1 when it begins as
 * qcow2 but its header is broken (*why says how).  image_info_free it
 * either way.
 */
int	image_inspect(int fd, struct image_info *, const char **why);
/* The same for a regular file by its path; -1 with why in d. */
int	image_inspect_path(const char *path, struct image_info *,
	    struct diag *d);
void	image_info_free(struct image_info *);

/*
 * The snapshot table of the qcow2 image open on fd, whose header info
 * holds (image_inspect).  0 with *v (n of them; image_snapshots_free
 * it), or -1 with why (*v NULL) when the table is not one QEMU writes
 * (cut short, past QEMU's bounds).
 */
int	image_snapshots(int fd, const struct image_info *info,
	    struct image_snapshot **v, size_t *n, const char **why);
void	image_snapshots_free(struct image_snapshot *, size_t n);
/* The same for the bitmap directory. */
int	image_bitmaps(int fd, const struct image_info *info,
	    struct image_bitmap **v, size_t *n, const char **why);
void	image_bitmaps_free(struct image_bitmap *, size_t n);

/*
 * Whether a name from a header is a plain file name, which QEMU opens
 * as a file: 1, or 0 with why in *why (a protocol such as json: or
 * nbd:, QEMU's /dev/fdset/, a control character).
 */
int	image_name_plain(const char *name, const char **why);
/*
 * The file a header's name stands for: name itself when absolute, else
 * name in the folder of the image (image's own path, as QEMU resolves
 * it).  Caller frees.
 */
char	*image_name_resolve(const char *image, const char *name);

/*
 * Base images and overlays, through qemu-img (an argument vector, never
 * a shell): what qemu-img info says of an image that no guest writes
 * (a cloud image create starts from), and the overlays on it.
 */
#define IMAGE_QEMU_IMG	"qemu-img"

struct image_base {
	char		*format;	/* "qcow2", "raw", ... */
	unsigned long long size;	/* virtual size, bytes */
	int		 has_backing;	/* it has a backing file of its own */
};

/*
 * qemu-img info of path, with format (NULL: qemu-img's probe, for an
 * image that no guest writes): 0 with b filled (image_base_free it), or
 * -1 with qemu-img's own words in d.
 */
int	image_base_info(const char *path, const char *format,
	    struct image_base *b, struct diag *d);
void	image_base_free(struct image_base *);

/*
 * A new qcow2 image at path of size bytes on the backing file base (an
 * absolute name) of format base_format, given to qemu-img explicitly
 * (-F): never probed by QEMU later.  0, or -1 with qemu-img's words in
 * d and nothing left at path.
 */
int	image_overlay(const char *path, const char *base,
	    const char *base_format, unsigned long long size, struct diag *d);

/*
 * Copies the file from to a new file to (mode 0600), keeping its holes
 * (SEEK_DATA/SEEK_HOLE): a disk of a VM copied by create --from.  0, or
 * -1 with why in d and nothing left at to.
 */
int	image_copy_sparse(const char *from, const char *to, struct diag *d);

/*
 * "20G", "512M", "1024K" or bytes: 0 with the bytes in *out, or -1 with
 * why in *why.
 */
int	image_size_parse(const char *s, unsigned long long *out,
	    const char **why);

#endif
