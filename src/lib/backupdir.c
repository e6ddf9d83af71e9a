/*
 * backupdir.c - a backup folder: its lock, its manifests, its files.
 */
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backupdir.h"
#include "buf.h"
#include "cfg.h"
#include "fileread.h"
#include "paths.h"
#include "scalar.h"
#include "vmconf.h"

#define MANIFEST_MAX	(256 * 1024)	/* a manifest of 100 disks: < 64 KiB */
#define SEQ_DIGITS	4		/* 0001: names that sort */
#define ID_DIGITS	8		/* a folder's id: hex */
#define BITMAP_PREFIX	"qemu-init-"	/* qmpblock.h's QMPBLOCK_PREFIX */

char *
backupdir_disk_name(unsigned seq, size_t i)
{
	return xasprintf("%0*u-disk%zu.qcow2", SEQ_DIGITS, seq, i + 1);
}

char *
backupdir_config_name(unsigned seq)
{
	return xasprintf("%0*u-qemu.cfg", SEQ_DIGITS, seq);
}

char *
backupdir_manifest_name(unsigned seq)
{
	return xasprintf("%0*u" BACKUP_MANIFEST, SEQ_DIGITS, seq);
}

char *
backupdir_path(const struct backup_dir *bd, const char *name)
{
	return path_join(bd->path, name);
}

/*
 * The number a file of the folder is named for ("0003-disk1.qcow2",
 * "0003.manifest.partial"), and in *manifest whether it is a complete
 * manifest; 0 for a name of no backup's.
 */
static unsigned
name_seq(const char *name, int *manifest)
{
	size_t digits = strspn(name, "0123456789");
	unsigned long n;

	*manifest = 0;
	if (digits < SEQ_DIGITS || digits > 6 || (name[digits] != '-' &&
	    name[digits] != '.'))
		return 0;
	n = strtoul(name, NULL, 10);
	if (n == 0 || n > BACKUP_SEQ_MAX)
		return 0;
	*manifest = strcmp(name + digits, BACKUP_MANIFEST) == 0;
	return (unsigned)n;
}

/* ---- manifests --------------------------------------------------------- */

void
manifest_free(struct backup_manifest *m)
{
	size_t i;

	for (i = 0; i < m->ndisks; i++) {
		free(m->disks[i].path);
		free(m->disks[i].format);
		free(m->disks[i].file);
	}
	free(m->disks);
	free(m->vm);
	free(m->folder);
	free(m->bitmap);
	free(m->config);
	free(m->cfgpath);
	memset(m, 0, sizeof(*m));
}

static void
add_line(struct strbuf *sb, const char *key, const char *value)
{
	sb_adds(sb, key);
	sb_addc(sb, '=');
	sb_add_shell_word(sb, value, 1);
	sb_addc(sb, '\n');
}

char *
manifest_text(const struct backup_manifest *m)
{
	struct strbuf sb;
	char key[32];
	size_t i;

	sb_init(&sb);
	sb_adds(&sb, "# A backup of qemu-init's (qemu-init(8) backup): "
	    "complete, as this file is here.\n");
	add_line(&sb, "VM", m->vm);
	sb_addf(&sb, "SEQ=%u\nBASE=%u\nTIME=%lld\n", m->seq, m->base,
	    m->time);
	sb_addf(&sb, "ONLINE=%s\nFROZEN=%s\n", m->online ? "yes" : "no",
	    m->frozen ? "yes" : "no");
	add_line(&sb, "FOLDER", m->folder);
	if (m->bitmap != NULL)
		add_line(&sb, "BITMAP", m->bitmap);
	add_line(&sb, "CONFIG", m->config);
	add_line(&sb, "CFGPATH", m->cfgpath);
	sb_addf(&sb, "DISKS=%zu\n", m->ndisks);
	for (i = 0; i < m->ndisks; i++) {
		(void)snprintf(key, sizeof(key), "DSK%zu", i + 1);
		add_line(&sb, key, m->disks[i].path);
		(void)snprintf(key, sizeof(key), "FORMAT%zu", i + 1);
		add_line(&sb, key, m->disks[i].format);
		sb_addf(&sb, "SIZE%zu=%llu\n", i + 1, m->disks[i].size);
		(void)snprintf(key, sizeof(key), "FILE%zu", i + 1);
		add_line(&sb, key, m->disks[i].file);
	}
	return sb_detach(&sb);
}

/* Where a manifest is read: its file, its keys, its errors. */
struct reading {
	const char	*path;
	struct cfg	 cfg;
	struct diag	*d;
	int		 bad;
};

/* The value of key, or NULL after an error when it is missing. */
static const char *
need(struct reading *r, const char *key)
{
	const struct cfg_entry *e = cfg_get(&r->cfg, key);

	if (e != NULL)
		return e->value;
	if (!r->bad)
		diag_error(r->d, "%s: no %s", r->path, key);
	r->bad = 1;
	return NULL;
}

static long long
need_number(struct reading *r, const char *key, long long min, long long max)
{
	const char *v = need(r, key), *why;
	long long n = 0;

	if (v != NULL && cfg_number(v, min, max, &n, &why) != 0) {
		if (!r->bad)
			diag_error(r->d, "%s: %s '%s' is %s", r->path, key, v,
			    why);
		r->bad = 1;
	}
	return n;
}

static int
need_bool(struct reading *r, const char *key)
{
	const char *v = need(r, key);
	int b = 0;

	if (v != NULL && cfg_bool(v, &b) != 0) {
		if (!r->bad)
			diag_error(r->d, "%s: %s '%s' is not yes or no",
			    r->path, key, v);
		r->bad = 1;
	}
	return b;
}

/* A string of the manifest, checked by ok (NULL: any): a copy, or NULL. */
static char *
need_string(struct reading *r, const char *key, const char *want,
    int (*ok)(const char *))
{
	const char *v = need(r, key);

	if (v == NULL)
		return NULL;
	if ((want != NULL && strcmp(v, want) != 0) || (ok != NULL && !ok(v))) {
		if (!r->bad)
			diag_error(r->d, "%s: %s '%s' is not %s", r->path, key,
			    v, want != NULL ? want : "what qemu-init writes");
		r->bad = 1;
		return NULL;
	}
	return xstrdup(v);
}

/* A VM's name: what a <name>-qemu.cfg file may be named. */
static int
vm_name_ok(const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '/' ||
		    *p == '@')
			return 0;
	return p != s && p - s <= 255;
}

static int
absolute_ok(const char *s)
{
	return s[0] == '/' && strlen(s) < PATH_MAX &&
	    strpbrk(s, "\n\r") == NULL;
}

static int
format_ok(const char *s)
{
	size_t i;

	for (i = 0; vmconf_disk_formats[i] != NULL; i++)
		if (strcmp(s, vmconf_disk_formats[i]) == 0)
			return 1;
	return 0;
}

static int
id_ok(const char *s)
{
	return strlen(s) == ID_DIGITS && strspn(s, "0123456789abcdef") ==
	    ID_DIGITS;
}

/* "qemu-init-" ID "-" and hex digits: a bitmap of a backup's. */
static int
bitmap_ok(const char *s)
{
	size_t n = strlen(BITMAP_PREFIX);

	return strncmp(s, BITMAP_PREFIX, n) == 0 && strlen(s) < 64 &&
	    strspn(s + n, "0123456789abcdef") == ID_DIGITS &&
	    s[n + ID_DIGITS] == '-' && s[n + ID_DIGITS + 1] != '\0' &&
	    strspn(s + n + ID_DIGITS + 1, "0123456789abcdef") ==
	    strlen(s + n + ID_DIGITS + 1);
}

/* Disk i of the manifest. */
static void
read_disk(struct reading *r, struct backup_manifest *m, size_t i)
{
	struct backup_disk *disk = &m->disks[i];
	char key[32], *file;

	(void)snprintf(key, sizeof(key), "DSK%zu", i + 1);
	disk->path = need_string(r, key, NULL, absolute_ok);
	(void)snprintf(key, sizeof(key), "FORMAT%zu", i + 1);
	disk->format = need_string(r, key, NULL, format_ok);
	(void)snprintf(key, sizeof(key), "SIZE%zu", i + 1);
	disk->size = (unsigned long long)need_number(r, key, 0,
	    (long long)(~0ULL >> 1));
	(void)snprintf(key, sizeof(key), "FILE%zu", i + 1);
	file = backupdir_disk_name(m->seq, i);
	disk->file = need_string(r, key, file, NULL);
	free(file);
}

int
manifest_parse(struct backup_manifest *m, unsigned seq, const char *path,
    const char *text, size_t len, struct diag *d)
{
	struct reading r = { path, { 0 }, d, 0 };
	const struct cfg_entry *e;
	char *config;
	size_t i;

	memset(m, 0, sizeof(*m));
	m->seq = seq;
	if (cfg_parse(&r.cfg, path, text, len, d) != 0) {
		cfg_free(&r.cfg);
		return -1;
	}
	if (need_number(&r, "SEQ", 1, BACKUP_SEQ_MAX) != seq && !r.bad) {
		diag_error(d, "%s: SEQ is not %u, its file's number", path,
		    seq);
		r.bad = 1;
	}
	m->base = (unsigned)need_number(&r, "BASE", 0, seq - 1);
	m->vm = need_string(&r, "VM", NULL, vm_name_ok);
	m->time = need_number(&r, "TIME", 0, (long long)(~0ULL >> 2));
	m->online = need_bool(&r, "ONLINE");
	m->frozen = need_bool(&r, "FROZEN");
	m->folder = need_string(&r, "FOLDER", NULL, id_ok);
	if ((e = cfg_get(&r.cfg, "BITMAP")) != NULL)
		m->bitmap = need_string(&r, "BITMAP", NULL, bitmap_ok);
	if (m->bitmap != NULL && m->folder != NULL &&
	    strncmp(m->bitmap + strlen(BITMAP_PREFIX), m->folder,
	    ID_DIGITS) != 0 && !r.bad) {
		diag_error(d, "%s: BITMAP '%s' is not of FOLDER %s", path,
		    m->bitmap, m->folder);
		r.bad = 1;
	}
	config = backupdir_config_name(seq);
	m->config = need_string(&r, "CONFIG", config, NULL);
	free(config);
	m->cfgpath = need_string(&r, "CFGPATH", NULL, absolute_ok);
	m->ndisks = (size_t)need_number(&r, "DISKS", 1, BACKUP_DISKS_MAX);
	m->disks = xcalloc(m->ndisks + 1, sizeof(*m->disks));
	for (i = 0; !r.bad && i < m->ndisks; i++)
		read_disk(&r, m, i);
	cfg_free(&r.cfg);
	return r.bad ? -1 : 0;
}

/* ---- the folder -------------------------------------------------------- */

/* The folder open on fd: ours, and writable by no one else. */
static int
folder_ours(int fd, const char *path, struct diag *d)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		diag_error(d, "cannot look at %s: %s", path, strerror(errno));
		return -1;
	}
	if (st.st_uid != geteuid()) {
		diag_error(d, "backup folder %s is not yours (owner uid %ld): "
		    "chown it, or choose another", path, (long)st.st_uid);
		return -1;
	}
	if (st.st_mode & 022) {
		diag_error(d, "backup folder %s can be written by others (mode "
		    "%04o): chmod go-w %s", path,
		    (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	return 0;
}

/* Opens (and makes) the folder, trusted, locked: 0, or -1. */
static int
open_folder(struct backup_dir *bd, int create, struct diag *d)
{
	char *probe = path_join(bd->path, "x");
	int ok;

	/* Made where the folders on the way are trusted, then itself. */
	if (create && access(bd->path, F_OK) != 0 && errno == ENOENT &&
	    path_folders_trusted(bd->path, d) && mkdir(bd->path, 0700) != 0 &&
	    errno != EEXIST) {
		diag_error(d, "cannot make backup folder %s: %s", bd->path,
		    strerror(errno));
		free(probe);
		return -1;
	}
	ok = path_folders_trusted(probe, d);
	free(probe);
	if (!ok)
		return -1;
	if ((bd->fd = open(bd->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW)) < 0) {
		diag_error(d, "cannot open backup folder %s: %s", bd->path,
		    strerror(errno));
		return -1;
	}
	if (folder_ours(bd->fd, bd->path, d) != 0)
		return -1;
	if (flock(bd->fd, LOCK_EX | LOCK_NB) != 0) {
		diag_error(d, errno == EWOULDBLOCK ? "backup folder %s is in "
		    "use by another qemu-init" : "cannot lock backup folder "
		    "%s", bd->path);
		return -1;
	}
	return 0;
}

/* Reads a regular file of the folder (never followed) into sb. */
static int
read_file(struct backup_dir *bd, const char *name, struct strbuf *sb,
    struct diag *d)
{
	struct stat st;
	char buf[8192];
	ssize_t n;
	int fd;

	fd = openat(bd->fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > MANIFEST_MAX) {
		diag_error(d, "%s/%s: %s", bd->path, name, fd < 0 ?
		    strerror(errno) : "not a regular file of a manifest's "
		    "size");
		if (fd >= 0)
			(void)close(fd);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0 &&
	    sb->len + (size_t)n <= MANIFEST_MAX)
		sb_add(sb, buf, (size_t)n);
	(void)close(fd);
	if (n != 0) {
		diag_error(d, "cannot read %s/%s", bd->path, name);
		return -1;
	}
	sb_add(sb, "", 0);
	return 0;
}

static int
cmp_seq(const void *a, const void *b)
{
	unsigned x = ((const struct backup_manifest *)a)->seq;
	unsigned y = ((const struct backup_manifest *)b)->seq;

	return x < y ? -1 : x > y;
}

/* One manifest of the folder, added to its backups. */
static int
add_manifest(struct backup_dir *bd, const char *name, unsigned seq,
    struct diag *d)
{
	struct backup_manifest m;
	struct strbuf sb;
	char *path;
	int rc;

	sb_init(&sb);
	path = backupdir_path(bd, name);
	rc = read_file(bd, name, &sb, d);
	if (rc == 0)
		rc = manifest_parse(&m, seq, path, sb.s, sb.len, d);
	if (rc == 0) {
		bd->sets = xreallocarray(bd->sets, bd->n + 1,
		    sizeof(*bd->sets));
		bd->sets[bd->n++] = m;
	} else
		manifest_free(&m);
	free(path);
	sb_free(&sb);
	return rc;
}

/* Every manifest of the folder, and its highest number. */
static int
scan(struct backup_dir *bd, struct diag *d)
{
	struct dirent *e;
	unsigned seq, n = 0;
	int fd, manifest, rc = 0;
	DIR *dir;

	if ((fd = dup(bd->fd)) < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			(void)close(fd);
		diag_error(d, "cannot read %s: %s", bd->path, strerror(errno));
		return -1;
	}
	rewinddir(dir);		/* a dup shares the offset of the last read */
	while (rc == 0 && (e = readdir(dir)) != NULL) {
		if (++n > BACKUP_SCAN_MAX) {
			diag_error(d, "%s holds more than %d names", bd->path,
			    BACKUP_SCAN_MAX);
			rc = -1;
		}
		if ((seq = name_seq(e->d_name, &manifest)) == 0)
			continue;
		if (seq > bd->top)
			bd->top = seq;
		if (manifest)
			rc = add_manifest(bd, e->d_name, seq, d);
	}
	(void)closedir(dir);
	if (bd->n > 1)
		qsort(bd->sets, bd->n, sizeof(*bd->sets), cmp_seq);
	return rc;
}

int
backupdir_open(struct backup_dir *bd, const char *path, int create,
    const char *vm, struct diag *d)
{
	char *cwd;
	size_t i;

	memset(bd, 0, sizeof(*bd));
	bd->fd = -1;
	if (path[0] == '/' || (cwd = getcwd(NULL, 0)) == NULL)
		bd->path = xstrdup(path);
	else {
		bd->path = path_join(cwd, path);
		free(cwd);
	}
	if (open_folder(bd, create, d) != 0 || scan(bd, d) != 0)
		return -1;
	for (i = 0; i < bd->n; i++) {
		if (vm != NULL && strcmp(bd->sets[i].vm, vm) != 0) {
			diag_error(d, "%s holds backups of '%s', not of '%s': "
			    "one folder a VM", bd->path, bd->sets[i].vm, vm);
			return -1;
		}
		if (strcmp(bd->sets[i].folder, bd->sets[0].folder) != 0) {
			diag_error(d, "%s holds backups of two folders (%s and "
			    "%s): they were mixed by hand", bd->path,
			    bd->sets[0].folder, bd->sets[i].folder);
			return -1;
		}
	}
	return 0;
}

char *
backupdir_id(const struct backup_dir *bd)
{
	unsigned char r[ID_DIGITS / 2];
	unsigned long long t;
	size_t i;

	if (bd->n > 0)
		return xstrdup(bd->sets[0].folder);
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		t = (unsigned long long)time(NULL) ^
		    (unsigned long long)getpid() << 16;
		for (i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)(t >> (8 * i));
	}
	return xasprintf("%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
}

char *
backupdir_bitmap_prefix(const char *id)
{
	return xasprintf(BITMAP_PREFIX "%s-", id);
}

void
backupdir_close(struct backup_dir *bd)
{
	size_t i;

	for (i = 0; i < bd->n; i++)
		manifest_free(&bd->sets[i]);
	free(bd->sets);
	if (bd->fd >= 0)
		(void)close(bd->fd);
	free(bd->path);
	memset(bd, 0, sizeof(*bd));
	bd->fd = -1;
}

const struct backup_manifest *
backupdir_last(const struct backup_dir *bd)
{
	return bd->n > 0 ? &bd->sets[bd->n - 1] : NULL;
}

const struct backup_manifest *
backupdir_find(const struct backup_dir *bd, unsigned seq)
{
	size_t i;

	for (i = 0; i < bd->n; i++)
		if (bd->sets[i].seq == seq)
			return &bd->sets[i];
	return NULL;
}

/* Whether name is a regular file of the folder (not followed). */
static int
has_file(const struct backup_dir *bd, const char *name)
{
	struct stat st;

	return fstatat(bd->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode);
}

int
backupdir_chain_ok(const struct backup_dir *bd,
    const struct backup_manifest *m, struct diag *d)
{
	const struct backup_manifest *below;
	size_t i;

	for (; m != NULL; m = below) {
		for (i = 0; i < m->ndisks; i++)
			if (!has_file(bd, m->disks[i].file)) {
				diag_error(d, "backup %u in %s lacks %s", m->seq,
				    bd->path, m->disks[i].file);
				return -1;
			}
		if (m->base == 0)
			return 0;
		if ((below = backupdir_find(bd, m->base)) == NULL) {
			diag_error(d, "backup %u in %s builds on backup %u, "
			    "which is not there", m->seq, bd->path, m->base);
			return -1;
		}
		if (below->ndisks != m->ndisks) {
			diag_error(d, "backup %u in %s has %zu disks, backup "
			    "%u below it %zu", m->seq, bd->path, m->ndisks,
			    below->seq, below->ndisks);
			return -1;
		}
	}
	return 0;
}

int
backupdir_tidy(struct backup_dir *bd)
{
	struct dirent *e;
	struct strvec gone;
	unsigned seq;
	int fd, manifest, n = 0;
	size_t i;
	DIR *dir;

	if ((fd = dup(bd->fd)) < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			(void)close(fd);
		return 0;
	}
	rewinddir(dir);
	sv_init(&gone);
	while ((e = readdir(dir)) != NULL && gone.n < BACKUP_SCAN_MAX) {
		seq = name_seq(e->d_name, &manifest);
		if (seq != 0 && (backupdir_find(bd, seq) == NULL ||
		    strstr(e->d_name, BACKUP_PARTIAL) != NULL))
			sv_push(&gone, e->d_name);
	}
	(void)closedir(dir);
	for (i = 0; i < gone.n; i++)
		if (unlinkat(bd->fd, gone.v[i], 0) == 0)
			n++;
	sv_free(&gone);
	bd->top = 0;
	for (i = 0; i < bd->n; i++)
		if (bd->sets[i].seq > bd->top)
			bd->top = bd->sets[i].seq;
	return n;
}

int
backupdir_create(struct backup_dir *bd, const char *name, struct diag *d)
{
	char *partial = xasprintf("%s" BACKUP_PARTIAL, name);
	int fd;

	fd = openat(bd->fd, partial, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0)
		diag_error(d, "cannot make %s/%s: %s", bd->path, partial,
		    strerror(errno));
	free(partial);
	return fd;
}

int
backupdir_commit(struct backup_dir *bd, const char *name, struct diag *d)
{
	char *partial = xasprintf("%s" BACKUP_PARTIAL, name);
	int fd, rc = -1;

	fd = openat(bd->fd, partial, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		diag_error(d, "cannot write %s/%s: %s", bd->path, partial,
		    strerror(errno));
	else if (renameat2(bd->fd, partial, bd->fd, name, RENAME_NOREPLACE) !=
	    0)
		diag_error(d, "cannot rename %s/%s: %s", bd->path, partial,
		    strerror(errno));
	else if (fsync(bd->fd) != 0)
		diag_error(d, "cannot write %s: %s", bd->path,
		    strerror(errno));
	else
		rc = 0;
	if (fd >= 0)
		(void)close(fd);
	free(partial);
	return rc;
}

void
backupdir_discard(struct backup_dir *bd, const char *name)
{
	char *partial = xasprintf("%s" BACKUP_PARTIAL, name);

	(void)unlinkat(bd->fd, partial, 0);
	free(partial);
}

int
backupdir_write(struct backup_dir *bd, const char *name, const char *text,
    size_t len, struct diag *d)
{
	ssize_t n;
	int fd;

	if ((fd = backupdir_create(bd, name, d)) < 0)
		return -1;
	while (len > 0 && (n = write(fd, text, len)) > 0) {
		text += n;
		len -= (size_t)n;
	}
	if (len > 0 || close(fd) != 0) {
		diag_error(d, "cannot write %s/%s%s: %s", bd->path, name,
		    BACKUP_PARTIAL, strerror(errno));
		if (len > 0)
			(void)close(fd);
		backupdir_discard(bd, name);
		return -1;
	}
	if (backupdir_commit(bd, name, d) != 0) {
		backupdir_discard(bd, name);
		return -1;
	}
	return 0;
}

/* A deep copy of m, for the folder's list. */
static void
manifest_copy(struct backup_manifest *to, const struct backup_manifest *m)
{
	size_t i;

	*to = *m;
	to->vm = xstrdup(m->vm);
	to->folder = xstrdup(m->folder);
	to->bitmap = m->bitmap != NULL ? xstrdup(m->bitmap) : NULL;
	to->config = xstrdup(m->config);
	to->cfgpath = xstrdup(m->cfgpath);
	to->disks = xcalloc(m->ndisks + 1, sizeof(*to->disks));
	for (i = 0; i < m->ndisks; i++) {
		to->disks[i].path = xstrdup(m->disks[i].path);
		to->disks[i].format = xstrdup(m->disks[i].format);
		to->disks[i].size = m->disks[i].size;
		to->disks[i].file = xstrdup(m->disks[i].file);
	}
}

int
backupdir_add(struct backup_dir *bd, const struct backup_manifest *m,
    struct diag *d)
{
	char *text = manifest_text(m), *name = backupdir_manifest_name(m->seq);
	int rc;

	rc = backupdir_write(bd, name, text, strlen(text), d);
	free(text);
	free(name);
	if (rc != 0)
		return -1;
	bd->sets = xreallocarray(bd->sets, bd->n + 1, sizeof(*bd->sets));
	manifest_copy(&bd->sets[bd->n++], m);
	qsort(bd->sets, bd->n, sizeof(*bd->sets), cmp_seq);
	if (m->seq > bd->top)
		bd->top = m->seq;
	return 0;
}
