/*
 * nocloud.h - a cloud-init NoCloud seed (qemu-init(8) create): the
 * meta-data, user-data and network-config a cloud image reads at its
 * first boot, on a small read-only volume labelled "cidata" that this
 * module writes itself: an ISO 9660 image with Joliet names (cloud-init
 * finds it by its label; the guest mounts it as iso9660), the same
 * bytes for the same input (no dates, no random fill).
 */
#ifndef QI_NOCLOUD_H
#define QI_NOCLOUD_H

#include <stddef.h>

#include "buf.h"

#define NOCLOUD_LABEL		"cidata"
#define NOCLOUD_FILES_MAX	8		/* files on one volume */
#define NOCLOUD_NAME_MAX	64		/* Joliet's limit, in characters */
#define NOCLOUD_FILE_MAX	(256 * 1024)	/* bytes of one file */
#define NOCLOUD_SECTOR		2048

/* What a VM's seed says. */
struct nocloud {
	const char	*instance_id;	/* a new one makes cloud-init run anew */
	const char	*hostname;
	const char	*user;		/* the user it makes, with sudo */
	const char	*keys;		/* its authorized keys, one a line */
	/*
	 * A static address on the NIC whose MAC is mac ("198.18.0.10/24")
	 * and its gateway (or NULL); address NULL: no network-config, the
	 * image's own default (DHCP on the first NIC).
	 */
	const char	*address;
	const char	*gateway;
	const char	*mac;
};

/*
 * The three files of the seed as text: meta-data, user-data (a
 * #cloud-config), and network-config (left empty without an address).
 * Every value is written as a YAML string in double quotes.  The
 * strings are appended to the buffers.
 */
void	nocloud_texts(const struct nocloud *, struct strbuf *meta,
	    struct strbuf *user, struct strbuf *net);

struct seed_file {
	const char	*name;		/* "meta-data": [A-Za-z0-9._-] */
	const char	*data;
	size_t		 len;
};

/*
 * An ISO 9660 image with Joliet names of files (at most
 * NOCLOUD_FILES_MAX, names of at most NOCLOUD_NAME_MAX characters, each
 * at most NOCLOUD_FILE_MAX bytes) in its root, labelled label (at most
 * 16 characters of the same set), appended to out: 0, or -1 with why
 * in *why (static text) and out untouched.
 */
int	nocloud_iso(const struct seed_file *files, size_t n, const char *label,
	    struct strbuf *out, const char **why);

/*
 * Reads file name (by its Joliet name) out of len bytes of an image
 * that nocloud_iso wrote (bounded: any bytes are safe): 0 with its
 * bytes appended to out, or -1 with why in *why.
 */
int	nocloud_iso_read(const char *img, size_t len, const char *name,
	    struct strbuf *out, const char **why);

/*
 * Whether text is one or more OpenSSH public keys, one a line ("TYPE
 * BASE64 [COMMENT]", printable ASCII; blank lines and # comments
 * allowed).  1, or 0 with why in *why (a private key is said to be
 * one).
 */
int	nocloud_public_keys(const char *text, size_t len, const char **why);

#endif
