/*
 * nocloud.c - the NoCloud seed's files and the ISO 9660 volume they
 * go on.
 *
 * The volume: sectors 0-15 empty, 16 the primary volume descriptor, 17
 * the Joliet supplementary one (UCS-2 names, escape "%/E"), 18 the
 * terminator, 19-22 the path tables (primary L and M, Joliet L and M),
 * 23 and 24 the root folders of the two trees, then each file's data
 * from a sector of its own, shared by both trees.  Every date is the
 * same fixed one, so the same files make the same bytes.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nocloud.h"

#define SEC		NOCLOUD_SECTOR
#define PVD_AT		16
#define SVD_AT		17
#define END_AT		18
#define PATH_AT		19	/* four of them: 19-22 */
#define ROOT_AT		23	/* primary; Joliet's is ROOT_AT + 1 */
#define DATA_AT		25
#define PATH_SIZE	10	/* one record: the root */

/* YAML: s as a double-quoted string. */
static void
yaml_string(struct strbuf *sb, const char *s)
{
	sb_addc(sb, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			sb_addc(sb, '\\');
		if ((unsigned char)*s < 0x20)
			sb_addf(sb, "\\x%02x", (unsigned char)*s);
		else
			sb_addc(sb, *s);
	}
	sb_addc(sb, '"');
}

void
nocloud_texts(const struct nocloud *nc, struct strbuf *meta,
    struct strbuf *user, struct strbuf *net)
{
	const char *p, *nl;
	char *line, *mac;
	size_t i;

	sb_adds(meta, "instance-id: ");
	yaml_string(meta, nc->instance_id);
	sb_adds(meta, "\nlocal-hostname: ");
	yaml_string(meta, nc->hostname);
	sb_adds(meta, "\n");

	sb_adds(user, "#cloud-config\n# made by qemu-init create\n"
	    "users:\n  - name: ");
	yaml_string(user, nc->user);
	sb_adds(user, "\n    shell: /bin/bash\n    lock_passwd: true\n"
	    "    sudo: \"ALL=(ALL) NOPASSWD:ALL\"\n"
	    "    ssh_authorized_keys:\n");
	for (p = nc->keys; *p != '\0'; p = nl + (*nl != '\0')) {
		nl = p + strcspn(p, "\n");
		line = xstrndup(p, (size_t)(nl - p));
		if (line[0] != '\0' && line[0] != '#') {
			sb_adds(user, "      - ");
			yaml_string(user, line);
			sb_addc(user, '\n');
		}
		free(line);
	}
	sb_adds(user, "ssh_pwauth: false\ndisable_root: true\n"
	    "manage_etc_hosts: localhost\n");

	if (nc->address == NULL)
		return;
	mac = xstrdup(nc->mac != NULL ? nc->mac : "");
	for (i = 0; mac[i] != '\0'; i++)
		mac[i] = (char)tolower((unsigned char)mac[i]);
	sb_adds(net, "version: 2\nethernets:\n  nic1:\n    match:\n"
	    "      macaddress: ");
	yaml_string(net, mac);
	sb_adds(net, "\n    addresses:\n      - ");
	yaml_string(net, nc->address);
	sb_addc(net, '\n');
	if (nc->gateway != NULL) {
		sb_adds(net, "    gateway4: ");
		yaml_string(net, nc->gateway);
		sb_addc(net, '\n');
	}
	free(mac);
}

/* ISO 9660's numbers: little-endian, big-endian, and both at once. */
static void
put_le32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (v >> 24) & 0xff;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static void
put_both32(unsigned char *p, uint32_t v)
{
	put_le32(p, v);
	put_be32(p + 4, v);
}

static void
put_both16(unsigned char *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
	p[2] = v >> 8;
	p[3] = v & 0xff;
}

static uint32_t
get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* A text field: ASCII padded with spaces, or UCS-2 (Joliet) the same. */
static void
put_text(unsigned char *p, size_t size, const char *s, int ucs2)
{
	size_t i, n = strlen(s);

	for (i = 0; i < size; i++)
		p[i] = ' ';
	if (ucs2) {
		for (i = 0; i + 1 < size; i += 2) {
			p[i] = 0;
			p[i + 1] = i / 2 < n ? (unsigned char)s[i / 2] : ' ';
		}
		return;
	}
	memcpy(p, s, n < size ? n : size);
}

/* 1980-01-01 00:00:00 UTC: every date of the volume. */
static const unsigned char fixed_date[7] = { 80, 1, 1, 0, 0, 0, 0 };

/*
 * A directory record at p (room checked by the caller): its length.
 * name of len bytes (already in the tree's form), dir: a folder.
 */
static size_t
put_record(unsigned char *p, uint32_t sector, uint32_t size,
    const unsigned char *name, size_t len, int dir)
{
	size_t n = 33 + len + (len % 2 == 0);

	memset(p, 0, n);
	p[0] = (unsigned char)n;
	put_both32(p + 2, sector);
	put_both32(p + 10, size);
	memcpy(p + 18, fixed_date, sizeof(fixed_date));
	p[25] = dir ? 2 : 0;
	put_both16(p + 28, 1);
	p[32] = (unsigned char)len;
	memcpy(p + 33, name, len);
	return n;
}

static int
name_ok(const char *s, size_t max)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("._-", s[i]) == NULL)
			return 0;
	return 1;
}

/* The primary tree's name: 8 upper-case d-characters, ";1". */
static size_t
primary_name(const char *s, unsigned char out[12])
{
	size_t i;

	for (i = 0; i < 8 && s[i] != '\0'; i++)
		out[i] = isalnum((unsigned char)s[i]) ?
		    (unsigned char)toupper((unsigned char)s[i]) : '_';
	memcpy(out + i, ".;1", 3);
	return i + 3;
}

static size_t
joliet_name(const char *s, unsigned char out[2 * NOCLOUD_NAME_MAX])
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		out[2 * i] = 0;
		out[2 * i + 1] = (unsigned char)s[i];
	}
	return 2 * i;
}

static int
cmp_names(const void *a, const void *b)
{
	const struct seed_file *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* A volume descriptor: the primary (ucs2 0) or Joliet's. */
static void
put_descriptor(unsigned char *p, int ucs2, const char *label,
    uint32_t sectors)
{
	unsigned char dot = 0;

	p[0] = ucs2 ? 2 : 1;
	memcpy(p + 1, "CD001", 5);
	p[6] = 1;
	put_text(p + 8, 32, "LINUX", ucs2);
	put_text(p + 40, 32, label, ucs2);
	put_both32(p + 80, sectors);
	if (ucs2)
		memcpy(p + 88, "%/E", 3);
	put_both16(p + 120, 1);
	put_both16(p + 124, 1);
	put_both16(p + 128, SEC);
	put_both32(p + 132, PATH_SIZE);
	put_le32(p + 140, PATH_AT + (ucs2 ? 2 : 0));
	put_be32(p + 148, PATH_AT + (ucs2 ? 3 : 1));
	(void)put_record(p + 156, ROOT_AT + (ucs2 ? 1 : 0), SEC, &dot, 1, 1);
	put_text(p + 190, 128, "", ucs2);	/* volume set */
	put_text(p + 318, 128, "", ucs2);	/* publisher */
	put_text(p + 446, 128, "", ucs2);	/* preparer */
	put_text(p + 574, 128, "QEMU-INIT", ucs2);
	put_text(p + 702, 37 * 3, "", ucs2);	/* copyright ... biblio */
	/* Dates: "0000000000000000", zone 0: not specified. */
	memset(p + 813, '0', 16 * 4 + 4);
	p[813 + 16] = p[830 + 16] = p[847 + 16] = p[864 + 16] = 0;
	p[881] = 1;
}

/* A path table of the root alone, little- (le) or big-endian. */
static void
put_path_table(unsigned char *p, uint32_t root, int le)
{
	p[0] = 1;
	if (le) {
		put_le32(p + 2, root);
		p[6] = 1;
	} else {
		put_be32(p + 2, root);
		p[7] = 1;
	}
}

int
nocloud_iso(const struct seed_file *files, size_t n, const char *label,
    struct strbuf *out, const char **why)
{
	struct seed_file sorted[NOCLOUD_FILES_MAX];
	unsigned char *img, *dir, name[2 * NOCLOUD_NAME_MAX], one;
	uint32_t sectors = DATA_AT, at[NOCLOUD_FILES_MAX];
	size_t i, off[2], size;
	int t;

	if (n > NOCLOUD_FILES_MAX || !name_ok(label, 16)) {
		*why = n > NOCLOUD_FILES_MAX ? "too many files" :
		    "a label of 1 to 16 characters A-Z a-z 0-9 . _ -";
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!name_ok(files[i].name, NOCLOUD_NAME_MAX) ||
		    files[i].len > NOCLOUD_FILE_MAX) {
			*why = files[i].len > NOCLOUD_FILE_MAX ?
			    "a file is too large" : "a file name is not "
			    "1 to 64 characters A-Z a-z 0-9 . _ -";
			return -1;
		}
		sorted[i] = files[i];
	}
	qsort(sorted, n, sizeof(sorted[0]), cmp_names);
	for (i = 0; i < n; i++) {
		if (i > 0 && strncasecmp(sorted[i - 1].name, sorted[i].name,
		    8) == 0) {
			*why = "two file names share their first 8 characters";
			return -1;
		}
		at[i] = sectors;
		sectors += (uint32_t)((sorted[i].len + SEC - 1) / SEC);
	}
	size = (size_t)sectors * SEC;
	img = xcalloc(1, size);
	put_descriptor(img + PVD_AT * SEC, 0, label, sectors);
	put_descriptor(img + SVD_AT * SEC, 1, label, sectors);
	img[END_AT * SEC] = 255;
	memcpy(img + END_AT * SEC + 1, "CD001", 5);
	img[END_AT * SEC + 6] = 1;
	put_path_table(img + PATH_AT * SEC, ROOT_AT, 1);
	put_path_table(img + (PATH_AT + 1) * SEC, ROOT_AT, 0);
	put_path_table(img + (PATH_AT + 2) * SEC, ROOT_AT + 1, 1);
	put_path_table(img + (PATH_AT + 3) * SEC, ROOT_AT + 1, 0);
	for (t = 0; t < 2; t++) {
		dir = img + (ROOT_AT + t) * SEC;
		one = 0;
		off[t] = put_record(dir, ROOT_AT + t, SEC, &one, 1, 1);
		one = 1;
		off[t] += put_record(dir + off[t], ROOT_AT + t, SEC, &one, 1,
		    1);
		for (i = 0; i < n; i++) {
			size = t == 0 ? primary_name(sorted[i].name, name) :
			    joliet_name(sorted[i].name, name);
			off[t] += put_record(dir + off[t], at[i],
			    (uint32_t)sorted[i].len, name, size, 0);
		}
	}
	for (i = 0; i < n; i++)
		if (sorted[i].len > 0)
			memcpy(img + (size_t)at[i] * SEC, sorted[i].data,
			    sorted[i].len);
	sb_add(out, (const char *)img, (size_t)sectors * SEC);
	free(img);
	return 0;
}

int
nocloud_iso_read(const char *img, size_t len, const char *name,
    struct strbuf *out, const char **why)
{
	const unsigned char *u = (const unsigned char *)img, *svd, *rec;
	unsigned char want[2 * NOCLOUD_NAME_MAX];
	size_t wlen, off = 0, rlen;
	uint32_t root, rootlen, at, size;

	*why = "not a seed volume (no Joliet descriptor)";
	if (!name_ok(name, NOCLOUD_NAME_MAX)) {
		*why = "not a file name";
		return -1;
	}
	if (len < (SVD_AT + 1) * (size_t)SEC)
		return -1;
	svd = u + SVD_AT * SEC;
	if (svd[0] != 2 || memcmp(svd + 1, "CD001", 5) != 0 ||
	    memcmp(svd + 88, "%/E", 3) != 0)
		return -1;
	root = get_le32(svd + 156 + 2);
	rootlen = get_le32(svd + 156 + 10);
	if (rootlen > SEC || root >= len / SEC || (size_t)root * SEC +
	    rootlen > len) {
		*why = "its root folder is outside the volume";
		return -1;
	}
	wlen = joliet_name(name, want);
	rec = u + (size_t)root * SEC;
	while (off + 33 <= rootlen && (rlen = rec[off]) != 0) {
		if (rlen < 33 || off + rlen > rootlen)
			break;
		if (rec[off + 32] == wlen && 33 + wlen <= rlen &&
		    memcmp(rec + off + 33, want, wlen) == 0) {
			at = get_le32(rec + off + 2);
			size = get_le32(rec + off + 10);
			if (size > NOCLOUD_FILE_MAX || at > len / SEC ||
			    (size_t)at * SEC + size > len) {
				*why = "the file is outside the volume";
				return -1;
			}
			sb_add(out, img + (size_t)at * SEC, size);
			return 0;
		}
		off += rlen;
	}
	*why = "no such file on the volume";
	return -1;
}

/* A key line: TYPE BASE64 [COMMENT], printable ASCII. */
static int
key_line(const char *p, size_t n, const char **why)
{
	static const char *const types[] = {
		"ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256",
		"ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
		"sk-ssh-ed25519@openssh.com",
		"sk-ecdsa-sha2-nistp256@openssh.com", "ssh-dss", NULL
	};
	size_t i, t, b;

	for (i = 0; i < n; i++)
		if (!isprint((unsigned char)p[i]) && p[i] != '\t') {
			*why = "a key line has a byte that is not printable "
			    "ASCII";
			return 0;
		}
	t = strcspn(p, " \t");
	if (t > n)
		t = n;
	for (i = 0; types[i] != NULL; i++)
		if (strlen(types[i]) == t && strncmp(p, types[i], t) == 0)
			break;
	if (types[i] == NULL) {
		*why = "a line does not start with a key type such as "
		    "ssh-ed25519 or ssh-rsa";
		return 0;
	}
	p += t;
	n -= t;
	i = strspn(p, " \t");
	if (i > n)
		i = n;
	p += i;
	n -= i;
	for (b = 0; b < n && (isalnum((unsigned char)p[b]) ||
	    strchr("+/=", p[b]) != NULL); b++)
		continue;
	if (b < 16 || (b < n && p[b] != ' ' && p[b] != '\t')) {
		*why = "a key line has no base64 key after its type";
		return 0;
	}
	return 1;
}

int
nocloud_public_keys(const char *text, size_t len, const char **why)
{
	const char *p = text, *end = text + len, *nl;
	size_t keys = 0;

	if (memmem(text, len, "PRIVATE KEY", 11) != NULL) {
		*why = "it is a private key (give the .pub file beside it)";
		return 0;
	}
	if (memchr(text, '\0', len) != NULL) {
		*why = "it has a NUL byte";
		return 0;
	}
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (nl > p && nl[-1] == '\r') {
			*why = "it has CRLF line ends";
			return 0;
		}
		if (nl == p || *p == '#')
			continue;
		if (!key_line(p, (size_t)(nl - p), why))
			return 0;
		keys++;
	}
	if (keys == 0) {
		*why = "it holds no key";
		return 0;
	}
	return 1;
}
