/*
 * registry.c - the VM registry and name resolution.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cfg.h"
#include "fileread.h"
#include "filewrite.h"
#include "paths.h"
#include "registry.h"
#include "suggest.h"

static const char *const reserved[] = {
	"start", "stop", "restart", "kill", "wait", "pause", "resume", "reset",
	"status", "list", "info", "console", "show", "check", "help",
	"version", "create", "remove", "ssh", "snapshot", "snapshots",
	"revert", "forget", "backup", "restore", "migrate", NULL
};

int
registry_reserved(const char *word)
{
	size_t i;

	for (i = 0; reserved[i] != NULL; i++)
		if (strcmp(word, reserved[i]) == 0)
			return 1;
	return 0;
}

static int
shortname_valid(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("._-", *s) == NULL)
			return 0;
	return 1;
}

char *
cfg_path_name(const char *path)
{
	const char *base = path_basename(path);
	size_t n = strlen(base), sl = strlen(CFG_SUFFIX);

	if (n <= sl || strcmp(base + n - sl, CFG_SUFFIX) != 0)
		return NULL;
	return xstrndup(base, n - sl);
}

static const struct reg_entry *
find_by(const struct registry *reg, size_t upto, int longname,
    const char *name)
{
	size_t i;

	for (i = 0; i < upto; i++)
		if (strcmp(longname ? reg->v[i].longname :
		    reg->v[i].shortname, name) == 0)
			return &reg->v[i];
	return NULL;
}

/* Splits a line into at most 3 fields, dropping a trailing comment. */
static size_t
split_fields(char *line, char *field[3])
{
	size_t n = 0;
	char *p = line;

	while (n < 3) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			break;
		field[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
	return n;
}

static int
check_entry(struct registry *reg, const struct reg_entry *e,
    struct diag *d)
{
	const char *where = reg->path;

	if (!shortname_valid(e->shortname)) {
		diag_warn(d, "%s:%u: invalid shortname '%s' (allowed: "
		    "A-Z a-z 0-9 . _ -)", where, e->line, e->shortname);
		return -1;
	}
	if (registry_reserved(e->shortname)) {
		diag_warn(d, "%s:%u: shortname '%s' is a qemu-init action",
		    where, e->line, e->shortname);
		return -1;
	}
	if (e->path[0] != '/') {
		diag_warn(d, "%s:%u: '%s' is not an absolute path", where,
		    e->line, e->path);
		return -1;
	}
	if (e->longname == NULL) {
		diag_warn(d, "%s:%u: '%s' is not a <name>%s file", where,
		    e->line, e->path, CFG_SUFFIX);
		return -1;
	}
	return 0;
}

/*
 * A name an entry answers to, as 2 * entry (its shortname) or 2 * entry
 * + 1 (its longname): four bytes a name, for registries of thousands.
 */
static const char *
name_of(const struct registry *reg, uint32_t ref)
{
	const struct reg_entry *e = &reg->v[ref / 2];

	return ref % 2 ? e->longname : e->shortname;
}

static int
compare_names(const void *a, const void *b, void *arg)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int c = strcmp(name_of(arg, x), name_of(arg, y));

	if (c != 0)
		return c;
	return x / 2 < y / 2 ? -1 : x / 2 > y / 2;
}

/*
 * Every name must name one entry.  Sorting the names finds the clashes
 * in O(n log n): registries of thousands of VMs stay quick to load.  A
 * clashing entry is reported (in line order) and dropped, so that a
 * name never resolves to two VMs.
 */
static void
check_duplicates(struct registry *reg, struct diag *d)
{
	uint32_t *names, *first, none = UINT32_MAX;
	size_t i, j, n = 0;

	if (reg->n > UINT32_MAX / 2 - 1)	/* over 1 MiB of text: never */
		return;
	names = xcalloc(reg->n * 2 + 1, sizeof(*names));
	first = xcalloc(reg->n + 1, sizeof(*first));
	for (i = 0; i < reg->n; i++) {
		names[n++] = (uint32_t)(2 * i);
		if (strcmp(reg->v[i].longname, reg->v[i].shortname) != 0)
			names[n++] = (uint32_t)(2 * i + 1);
		first[i] = none;
	}
	qsort_r(names, n, sizeof(*names), compare_names, reg);
	/* j: where the run of equal names that i is in begins. */
	for (i = 1, j = 0; i < n; i++) {
		if (strcmp(name_of(reg, names[i]), name_of(reg, names[j])) != 0)
			j = i;
		else if (names[j] / 2 != names[i] / 2 &&
		    first[names[i] / 2] == none)
			first[names[i] / 2] = (uint32_t)j;
	}
	/* Report first: names[] refers to the entries dropped below. */
	for (i = 0; i < reg->n; i++)
		if (first[i] != none)
			diag_warn(d, "%s:%u: duplicate name '%s' (also on "
			    "line %u)", reg->path, reg->v[i].line,
			    name_of(reg, names[first[i]]),
			    reg->v[names[first[i]] / 2].line);
	for (i = 0, j = 0; i < reg->n; i++)
		if (first[i] == none)
			reg->v[j++] = reg->v[i];
	reg->n = j;
	free(first);
	free(names);
}

/*
 * Adds the entry line (in the registry's text) holds, or warns why it
 * holds none.  Its longname goes to the registry's longnames at *end.
 */
static void
parse_line(struct registry *reg, char *line, unsigned lineno, size_t *cap,
    char **end, struct diag *d)
{
	struct reg_entry e;
	char *field[3], *longname;
	size_t n;

	n = split_fields(line, field);
	if (n == 0)
		return;
	if (n != 2) {
		diag_warn(d, "%s:%u: expected '<shortname> <path>'",
		    reg->path, lineno);
		return;
	}
	e.shortname = field[0];
	e.path = field[1];
	e.longname = longname = cfg_path_name(field[1]);
	e.line = lineno;
	if (check_entry(reg, &e, d) != 0) {
		free(longname);
		return;
	}
	if (reg->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		reg->v = xreallocarray(reg->v, *cap, sizeof(*reg->v));
	}
	n = strlen(longname) + 1;
	e.longname = memcpy(*end, longname, n);
	*end += n;
	free(longname);
	reg->v[reg->n++] = e;
}

/*
 * What is wrong with the n bytes of line at text + at, whose characters
 * are all plain text but for what cfg_odd_char reports: a NUL, a CR,
 * another control character, a byte order mark.  Typographic quotes are
 * characters a path may hold.  NULL when nothing is.
 */
static const char *
odd_line(const char *text, size_t len, size_t at, size_t n,
    char msg[CFG_ODD_MSG])
{
	const char *odd;
	unsigned char c;
	size_t i;

	for (i = at; i < at + n; i++) {
		c = (unsigned char)text[i];
		if (((c < 0x20 && c != '\t') || c == 0x7f ||
		    (i == 0 && c == 0xef)) &&
		    (odd = cfg_odd_char(text, len, i, msg)) != NULL)
			return odd;
	}
	return NULL;
}

/* registry_load's parsing, of text (len bytes and a NUL) that reg takes. */
static void
parse_text(struct registry *reg, const char *path, char *text, size_t len,
    struct diag *d)
{
	char msg[CFG_ODD_MSG], *end, *nl;
	const char *odd;
	unsigned lineno = 0;
	size_t cap = 0, at, n;

	memset(reg, 0, sizeof(*reg));
	reg->path = xstrdup(path);
	reg->text = text;
	/*
	 * A longname is shorter than the line it is on: the text's length
	 * holds them all.  Only what is written of it is ever in memory.
	 */
	reg->longnames = end = xmalloc(len + 1);
	for (at = 0; at < len; at += n + 1) {
		nl = memchr(text + at, '\n', len - at);
		n = nl != NULL ? (size_t)(nl - (text + at)) : len - at;
		lineno++;
		if ((odd = odd_line(text, len, at, n, msg)) != NULL) {
			diag_warn(d, "%s:%u: %s", reg->path, lineno, odd);
			continue;
		}
		/* The entry's strings are where they are in the text. */
		text[at + n] = '\0';
		parse_line(reg, text + at, lineno, &cap, &end, d);
	}
	check_duplicates(reg, d);
}

void
registry_parse(struct registry *reg, const char *path, const char *text,
    size_t len, struct diag *d)
{
	char *copy = xmalloc(len + 1);

	memcpy(copy, text, len);
	copy[len] = '\0';
	parse_text(reg, path, copy, len, d);
}

/*
 * "PATH does not exist (...)" when path, the registry in confdir, is not
 * there, naming confdir when that is not there either; else NULL.
 * Caller frees.
 */
static char *
absent(const char *confdir, const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 || errno != ENOENT)
		return NULL;
	if (stat(confdir, &st) != 0 && errno == ENOENT)
		path = confdir;
	return xasprintf("%s does not exist (set QEMU_INIT_CONFDIR to the "
	    "folder that holds qemu-init.reg)", path);
}

int
registry_exists(const char *confdir, struct diag *d)
{
	char *path = path_join(confdir, "qemu-init.reg");
	char *why = absent(confdir, path);

	free(path);
	if (why == NULL)
		return 1;
	diag_error(d, "%s", why);
	free(why);
	return 0;
}

int
registry_load(struct registry *reg, const char *confdir, struct diag *d)
{
	struct strbuf text;
	char *path;
	size_t n;
	int rc;

	path = path_join(confdir, "qemu-init.reg");
	sb_init(&text);
	rc = config_read(path, &text, 1, d);
	if (rc == 0) {
		n = text.len;
		parse_text(reg, path, sb_detach(&text), n, d);
	} else {
		memset(reg, 0, sizeof(*reg));
		reg->path = xstrdup(path);
	}
	if (rc == 1) {
		rc = 0;
		reg->absent = absent(confdir, path);
	}
	sb_free(&text);
	free(path);
	return rc;
}

void
registry_free(struct registry *reg)
{
	free(reg->v);
	free(reg->text);
	free(reg->longnames);
	free(reg->path);
	free(reg->absent);
	memset(reg, 0, sizeof(*reg));
}

void
vm_ref_from_entry(const struct reg_entry *e, struct vm_ref *ref)
{
	ref->cfgpath = xstrdup(e->path);
	ref->name = xstrdup(e->longname);
	ref->shortname = xstrdup(e->shortname);
}

static int
resolve_path(const struct registry *reg, const char *arg, struct vm_ref *ref,
    struct diag *d)
{
	char *abs, *name, *cwd;
	size_t i;

	name = cfg_path_name(arg);
	if (name == NULL) {
		diag_error(d, "'%s' is not a <name>%s file", arg, CFG_SUFFIX);
		return RESOLVE_ERROR;
	}
	if (arg[0] == '/')
		abs = xstrdup(arg);
	else if ((cwd = getcwd(NULL, 0)) != NULL) {
		abs = path_join(cwd, arg);
		free(cwd);
	} else {
		diag_error(d, "cannot resolve '%s': %s", arg, strerror(errno));
		free(name);
		return RESOLVE_ERROR;
	}
	ref->cfgpath = abs;
	ref->name = name;
	ref->shortname = NULL;
	for (i = 0; i < reg->n; i++)
		if (strcmp(reg->v[i].path, abs) == 0)
			ref->shortname = xstrdup(reg->v[i].shortname);
	return RESOLVE_OK;
}

/*
 * Whether arg names a config file by its path: it has a '/', or it ends
 * in -qemu.cfg and is there (web-qemu.cfg in the current folder).
 */
static int
is_path(const char *arg)
{
	size_t n = strlen(arg), sl = strlen(CFG_SUFFIX);
	struct stat st;

	return strchr(arg, '/') != NULL || (n > sl &&
	    strcmp(arg + n - sl, CFG_SUFFIX) == 0 && stat(arg, &st) == 0);
}

/* "unknown VM", and the registered name it may have meant. */
static void
unknown_vm(const struct registry *reg, const char *arg, struct diag *d)
{
	const char **names = xreallocarray(NULL, 2 * reg->n + 1,
	    sizeof(*names));
	char *s;
	size_t i;

	for (i = 0; i < reg->n; i++) {
		names[2 * i] = reg->v[i].shortname;
		names[2 * i + 1] = reg->v[i].longname;
	}
	if ((s = suggest_word(arg, names, 2 * reg->n)) != NULL)
		diag_error(d, "unknown VM '%s' (not in %s): did you mean "
		    "'%s'?", arg, reg->path, s);
	else
		diag_error(d, "unknown VM '%s' (not in %s)", arg, reg->path);
	free(s);
	free(names);
}

int
vm_resolve(const struct registry *reg, const char *arg, struct vm_ref *ref,
    struct diag *d)
{
	const struct reg_entry *e;

	memset(ref, 0, sizeof(*ref));
	if (is_path(arg))
		return resolve_path(reg, arg, ref, d);
	e = find_by(reg, reg->n, 0, arg);
	if (e == NULL)
		e = find_by(reg, reg->n, 1, arg);
	if (e == NULL && reg->absent != NULL) {
		diag_error(d, "unknown VM '%s': %s", arg, reg->absent);
		return RESOLVE_UNKNOWN;
	}
	if (e == NULL) {
		unknown_vm(reg, arg, d);
		return RESOLVE_UNKNOWN;
	}
	vm_ref_from_entry(e, ref);
	return RESOLVE_OK;
}

void
vm_ref_free(struct vm_ref *ref)
{
	free(ref->cfgpath);
	free(ref->name);
	free(ref->shortname);
	memset(ref, 0, sizeof(*ref));
}

int
vm_lookup(const char *confdir, const char *arg, struct vm_ref *ref,
    struct diag *d)
{
	struct registry reg;
	struct diag regd;
	int by_path = is_path(arg), rc;

	memset(ref, 0, sizeof(*ref));
	diag_init(&regd);
	rc = registry_load(&reg, confdir, &regd);
	if (!by_path)
		diag_move(d, &regd);
	diag_clear(&regd);
	if (rc != 0 && !by_path) {
		registry_free(&reg);
		return RESOLVE_ERROR;
	}
	rc = vm_resolve(&reg, arg, ref, d);
	registry_free(&reg);
	return rc;
}

/* Whether the registry has an entry of that shortname or longname. */
static int
taken(const struct registry *reg, const char *shortname, const char *longname)
{
	size_t i;

	for (i = 0; i < reg->n; i++)
		if (strcmp(reg->v[i].shortname, shortname) == 0 ||
		    strcmp(reg->v[i].longname, longname) == 0 ||
		    strcmp(reg->v[i].shortname, longname) == 0 ||
		    strcmp(reg->v[i].longname, shortname) == 0)
			return 1;
	return 0;
}

/* Why shortname and path cannot be registered, or NULL. */
static const char *
entry_refused(const char *shortname, const char *path, const char *longname)
{
	if (!shortname_valid(shortname))
		return "a name of A-Z a-z 0-9 . _ - only";
	if (registry_reserved(shortname))
		return "a name that is a qemu-init action";
	if (path[0] != '/')
		return "a path that is not absolute";
	if (strpbrk(path, " \t#\n\r") != NULL)
		return "a path with a blank or '#'";
	if (longname == NULL)
		return "a config not named <name>" CFG_SUFFIX;
	return NULL;
}

/* registry_check_new on a loaded registry. */
static int
check_new(const struct registry *reg, const char *shortname,
    const char *path, struct diag *d)
{
	char *longname = cfg_path_name(path);
	const char *why;
	int rc = -1;

	if ((why = entry_refused(shortname, path, longname)) != NULL)
		diag_error(d, "cannot register '%s' (%s): %s", shortname, path,
		    why);
	else if (taken(reg, shortname, longname))
		diag_error(d, "%s already has a VM named '%s' or '%s'",
		    reg->path, shortname, longname);
	else
		rc = 0;
	free(longname);
	return rc;
}

int
registry_name_ok(const char *s, struct diag *d)
{
	if (!shortname_valid(s) || s[0] == '.' || s[0] == '-') {
		diag_error(d, "'%s' is not a VM name: use A-Z a-z 0-9 . _ -, "
		    "not first . or -", s);
		return 0;
	}
	if (registry_reserved(s)) {
		diag_error(d, "'%s' is a qemu-init action: not a VM name", s);
		return 0;
	}
	return 1;
}

int
registry_lock(const char *confdir, struct diag *d)
{
	char *path = path_join(confdir, "qemu-init.reg.lock");
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	int fd, waited;

	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		diag_error(d, "cannot open %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	for (waited = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; waited += 20) {
		if ((errno != EWOULDBLOCK && errno != EINTR) ||
		    waited >= REGISTRY_LOCK_WAIT_MS) {
			diag_error(d, "%s: %s", path, errno == EWOULDBLOCK ?
			    "still held by another qemu-init" :
			    strerror(errno));
			(void)close(fd);
			free(path);
			return -1;
		}
		(void)nanosleep(&tick, NULL);
	}
	free(path);
	return fd;
}

/*
 * The registry's text as it is now (empty when missing), its mode and
 * owner (0644, ours, for a new one).  0, or -1 with why in d.
 */
static int
registry_text(const char *path, struct strbuf *text, struct stat *st,
    struct diag *d)
{
	int rc;

	sb_init(text);
	sb_adds(text, "");
	if ((rc = config_read(path, text, 1, d)) < 0)
		return -1;
	if (rc == 1 || stat(path, st) != 0) {
		memset(st, 0, sizeof(*st));
		st->st_mode = 0644;
		st->st_uid = getuid();
		st->st_gid = getgid();
	}
	return 0;
}

/* The registry's file replaced by text, as st was. */
static int
registry_replace(const char *path, const struct strbuf *text,
    const struct stat *st, struct diag *d)
{
	return file_write_atomic(path, text->s, text->len,
	    st->st_mode & 07777, geteuid() == 0 ? st->st_uid : (uid_t)-1,
	    geteuid() == 0 ? st->st_gid : (gid_t)-1, d);
}

int
registry_add(const char *confdir, const char *shortname, const char *cfgpath,
    struct diag *d)
{
	char *path = path_join(confdir, "qemu-init.reg"), *name, *copy;
	const char *why;
	struct registry reg;
	struct strbuf text;
	struct diag quiet;
	struct stat st;
	size_t i;
	int rc = -1;

	if (registry_text(path, &text, &st, d) != 0) {
		sb_free(&text);
		free(path);
		return -1;
	}
	diag_init(&quiet);
	copy = xmalloc(text.len + 1);
	if (text.len > 0)
		memcpy(copy, text.s, text.len);
	copy[text.len] = '\0';
	parse_text(&reg, path, copy, text.len, &quiet);
	diag_clear(&quiet);
	name = cfg_path_name(cfgpath);
	for (i = 0; i < reg.n; i++)
		if (strcmp(reg.v[i].shortname, shortname) == 0 ||
		    strcmp(reg.v[i].longname, shortname) == 0 ||
		    (name != NULL && (strcmp(reg.v[i].shortname, name) == 0 ||
		    strcmp(reg.v[i].longname, name) == 0)))
			break;
	if ((why = entry_refused(shortname, cfgpath, name)) != NULL)
		diag_error(d, "cannot register '%s' (%s): %s", shortname,
		    cfgpath, why);
	else if (i < reg.n)
		diag_error(d, "a VM named '%s' is registered already (%s:%u)",
		    strcmp(reg.v[i].shortname, shortname) == 0 ||
		    strcmp(reg.v[i].longname, shortname) == 0 ? shortname :
		    name, path, reg.v[i].line);
	else {
		if (text.len > 0 && text.s[text.len - 1] != '\n')
			sb_addc(&text, '\n');
		sb_addf(&text, "%s %s\n", shortname, cfgpath);
		rc = registry_replace(path, &text, &st, d);
	}
	free(name);
	registry_free(&reg);
	sb_free(&text);
	free(path);
	return rc;
}

int
registry_remove(const char *confdir, const char *shortname, struct diag *d)
{
	char *path = path_join(confdir, "qemu-init.reg");
	struct strbuf text, kept;
	const char *p, *nl, *w;
	struct stat st;
	size_t n, wl;
	int rc = 1;

	sb_init(&kept);
	sb_adds(&kept, "");
	if (registry_text(path, &text, &st, d) != 0)
		rc = -1;
	for (p = text.s; rc >= 0 && *p != '\0'; p = nl) {
		nl = p + strcspn(p, "\n");
		if (*nl == '\n')
			nl++;
		n = (size_t)(nl - p);
		w = p + strspn(p, " \t");
		wl = strcspn(w, " \t\n");
		if (wl == strlen(shortname) && strncmp(w, shortname, wl) == 0) {
			rc = 0;		/* this line goes */
			continue;
		}
		sb_add(&kept, p, n);
	}
	if (rc == 0)
		rc = registry_replace(path, &kept, &st, d);
	sb_free(&kept);
	sb_free(&text);
	free(path);
	return rc;
}

int
registry_check_new(const char *confdir, const char *shortname,
    const char *path, struct diag *d)
{
	struct registry reg;
	int rc = -1;

	if (registry_load(&reg, confdir, d) == 0)
		rc = check_new(&reg, shortname, path, d);
	registry_free(&reg);
	return rc;
}
