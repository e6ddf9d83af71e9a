/*
 * cfg.c - the shell-subset config parser.
 *
 * The files were once sourced by a shell, so whatever is accepted here
 * must mean to us exactly what it meant to sh(1); anything whose meaning
 * would need a shell (commands, substitutions, unknown variables) is an
 * error instead of a guess.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cfg.h"

struct parser {
	struct cfg	*cfg;
	struct diag	*diag;
	const char	*text;
	size_t		 len;
	size_t		 pos;
	unsigned	 line;
	unsigned	 col;
};

static int
peek(const struct parser *p)
{
	return p->pos < p->len ? (unsigned char)p->text[p->pos] : -1;
}

static int
peek_at(const struct parser *p, size_t ahead)
{
	return p->pos + ahead < p->len ?
	    (unsigned char)p->text[p->pos + ahead] : -1;
}

static void
advance(struct parser *p)
{
	if (p->text[p->pos] == '\n') {
		p->line++;
		p->col = 1;
	} else
		p->col++;
	p->pos++;
}

static int
fail_at(struct parser *p, unsigned line, unsigned col, const char *msg)
{
	diag_error(p->diag, "%s:%u:%u: %s", p->cfg->path, line, col, msg);
	return -1;
}

static int
fail(struct parser *p, const char *msg)
{
	return fail_at(p, p->line, p->col, msg);
}

/* Characters that never appear in a value unless quoted or escaped. */
static int
bad_char(struct parser *p, int c)
{
	char msg[128];

	if (c == 0)
		return fail(p, "NUL byte in file");
	if (c == '\r')
		return fail(p, "carriage return (DOS line ending)");
	if (c == '`')
		return fail(p, "command substitution (`...`) is not allowed");
	snprintf(msg, sizeof(msg), "unexpected '%c' (only KEY=value "
	    "assignments are allowed; quote the value)", c);
	return fail(p, msg);
}

static int
is_name_start(int c)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int
is_name_char(int c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

int
cfg_key_valid(const char *s)
{
	if (!is_name_start((unsigned char)*s))
		return 0;
	for (s++; *s != '\0'; s++)
		if (!is_name_char((unsigned char)*s))
			return 0;
	return 1;
}

const struct cfg_entry *
cfg_get(const struct cfg *cfg, const char *key)
{
	size_t i;

	for (i = cfg->n; i > 0; i--)
		if (strcmp(cfg->v[i - 1].key, key) == 0)
			return &cfg->v[i - 1];
	return NULL;
}

/* $NAME or ${NAME}: p is on the '$'. */
static int
expand(struct parser *p, struct strbuf *out)
{
	unsigned line = p->line, col = p->col;
	const struct cfg_entry *e;
	struct strbuf name;
	int c, braced = 0, rc = 0;

	advance(p);
	c = peek(p);
	if (c == '(')
		return fail_at(p, line, col,
		    "command substitution $(...) is not allowed");
	if (c == '\'' || c == '"')
		return fail_at(p, line, col, "$'...' and $\"...\" quoting "
		    "is not supported");
	if (c != '{' && !is_name_start(c)) {
		if (c >= 0 && (isdigit(c) || strchr("?$!#*@-", c) != NULL))
			return fail_at(p, line, col,
			    "special parameters ($1, $?, ...) are not supported");
		sb_addc(out, '$');	/* a lone '$' is literal in sh too */
		return 0;
	}
	if (c == '{') {
		braced = 1;
		advance(p);
	}
	sb_init(&name);
	while (is_name_char(c = peek(p))) {
		sb_addc(&name, (char)c);
		advance(p);
	}
	if (braced) {
		if (c != '}' || name.len == 0 || !is_name_start(name.s[0])) {
			sb_free(&name);
			return fail_at(p, line, col, c < 0 || c == '\n' ?
			    "unterminated ${" : "unsupported expansion (only "
			    "$KEY and ${KEY} are allowed)");
		}
		advance(p);
	}
	e = cfg_get(p->cfg, name.s);
	if (e == NULL) {
		char *msg = xasprintf("'%s' is not set earlier in this file",
		    name.s);

		rc = fail_at(p, line, col, msg);
		free(msg);
	} else
		sb_adds(out, e->value);
	sb_free(&name);
	return rc;
}

static int
single_quoted(struct parser *p, struct strbuf *out)
{
	unsigned line = p->line, col = p->col;
	int c;

	advance(p);
	while ((c = peek(p)) != '\'') {
		if (c < 0)
			return fail_at(p, line, col, "unterminated single quote");
		if (c == 0)
			return bad_char(p, c);
		sb_addc(out, (char)c);
		advance(p);
	}
	advance(p);
	return 0;
}

static int
double_quoted(struct parser *p, struct strbuf *out)
{
	unsigned line = p->line, col = p->col;
	int c, n;

	advance(p);
	while ((c = peek(p)) != '"') {
		if (c < 0)
			return fail_at(p, line, col, "unterminated double quote");
		if (c == 0 || c == '`')
			return bad_char(p, c);
		if (c == '$') {
			if (expand(p, out) != 0)
				return -1;
			continue;
		}
		if (c == '\\') {
			n = peek_at(p, 1);
			if (n == '"' || n == '\\' || n == '$' || n == '`') {
				advance(p);
				c = n;
			} else if (n == '\n') {
				advance(p);
				advance(p);
				continue;
			}
		}
		sb_addc(out, (char)c);
		advance(p);
	}
	advance(p);
	return 0;
}

/* One shell word: unquoted text, '...' and "..." pieces run together. */
static int
value(struct parser *p, struct strbuf *out)
{
	int c, n, start = 1;

	while ((c = peek(p)) >= 0 && c != ' ' && c != '\t' && c != '\n') {
		if (c == '\'') {
			if (single_quoted(p, out) != 0)
				return -1;
		} else if (c == '"') {
			if (double_quoted(p, out) != 0)
				return -1;
		} else if (c == '$') {
			if (expand(p, out) != 0)
				return -1;
		} else if (c == '\\') {
			n = peek_at(p, 1);
			if (n < 0)
				return fail(p, "backslash at end of file");
			if (n == 0 || n == '\r')
				return bad_char(p, n);
			advance(p);
			if (n != '\n')
				sb_addc(out, (char)n);
			advance(p);
		} else if (c == '~' && (start ||
		    (out->len > 0 && out->s[out->len - 1] == ':'))) {
			return fail(p, "unquoted '~' would be expanded by a "
			    "shell; quote the value");
		} else if (c == 0 || c == '\r' || strchr("`;&|<>()", c)) {
			return bad_char(p, c);
		} else {
			sb_addc(out, (char)c);
			advance(p);
		}
		start = 0;
	}
	return 0;
}

static void
skip_blanks(struct parser *p)
{
	while (peek(p) == ' ' || peek(p) == '\t')
		advance(p);
}

static void
add_entry(struct cfg *cfg, char *key, char *val, unsigned line)
{
	if (cfg->n == cfg->cap) {
		cfg->cap = cfg->cap ? cfg->cap * 2 : 16;
		cfg->v = xreallocarray(cfg->v, cfg->cap, sizeof(*cfg->v));
	}
	cfg->v[cfg->n].key = key;
	cfg->v[cfg->n].value = val;
	cfg->v[cfg->n].line = line;
	cfg->n++;
}

static int
read_key(struct parser *p, struct strbuf *key)
{
	int c;

	sb_reset(key);
	while (is_name_char(c = peek(p))) {
		sb_addc(key, (char)c);
		advance(p);
	}
	return c;
}

static int
assignment(struct parser *p)
{
	unsigned line = p->line, col = p->col;
	struct strbuf key, val;
	int c, rc = -1;

	sb_init(&key);
	sb_init(&val);
	c = read_key(p, &key);
	if (strcmp(key.s != NULL ? key.s : "", "export") == 0 &&
	    (c == ' ' || c == '\t')) {
		skip_blanks(p);
		line = p->line;
		col = p->col;
		c = read_key(p, &key);
	}
	if (key.len == 0) {
		bad_char(p, c);
		goto out;
	}
	if (c != '=') {
		if (c == 0 || c == '\r')
			bad_char(p, c);
		else if (c < 0 || c == ' ' || c == '\t' || c == '\n' ||
		    c == '#' || strchr("`;&|<>()\\", c) != NULL)
			fail_at(p, line, col, "not an assignment (expected "
			    "KEY=value)");
		else
			fail(p, "invalid key (keys are made of "
			    "[A-Za-z_][A-Za-z0-9_]*)");
		goto out;
	}
	if (!is_name_start(key.s[0])) {
		fail_at(p, line, col, "invalid key (keys are made of "
		    "[A-Za-z_][A-Za-z0-9_]*)");
		goto out;
	}
	advance(p);
	if (value(p, &val) != 0)
		goto out;
	skip_blanks(p);
	c = peek(p);
	if (c == '#')
		while ((c = peek(p)) >= 0 && c != '\n')
			advance(p);
	if (c >= 0 && c != '\n') {
		fail(p, "unexpected text after the value (quote values "
		    "that contain spaces)");
		goto out;
	}
	add_entry(p->cfg, sb_detach(&key), sb_detach(&val), line);
	rc = 0;
out:
	sb_free(&key);
	sb_free(&val);
	return rc;
}

int
cfg_parse(struct cfg *cfg, const char *path, const char *text, size_t len,
    struct diag *d)
{
	struct parser p;
	int c;

	memset(cfg, 0, sizeof(*cfg));
	cfg->path = xstrdup(path);
	p.cfg = cfg;
	p.diag = d;
	p.text = text;
	p.len = len;
	p.pos = 0;
	p.line = 1;
	p.col = 1;
	for (;;) {
		skip_blanks(&p);
		c = peek(&p);
		if (c < 0)
			return 0;
		if (c == '\n') {
			advance(&p);
		} else if (c == '#') {
			while ((c = peek(&p)) >= 0 && c != '\n')
				advance(&p);
		} else if (assignment(&p) != 0)
			return -1;
	}
}

/*
 * Like sshd's StrictModes: as root, a file others could have written is
 * not read, for what it says is run as root (PRECMD, QEMU's arguments).
 */
static int
trusted(const char *path, const struct stat *st, struct diag *d)
{
	uid_t me = geteuid();

	if (me != 0)
		return 1;
	if (st->st_uid != 0) {
		diag_error(d, "%s: owned by uid %ld, not root: refused while "
		    "running as root (chown root %s)", path, (long)st->st_uid,
		    path);
		return 0;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		diag_error(d, "%s: writable by group or others: refused while "
		    "running as root (chmod go-w %s)", path, path);
		return 0;
	}
	return 1;
}

static int
read_regular(const char *path, struct strbuf *sb, int missing_ok,
    int strict, struct diag *d)
{
	struct stat st;
	char chunk[8192];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT && missing_ok)
			return 1;
		diag_error(d, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		diag_error(d, "cannot read %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_error(d, "cannot read %s: %s", path, S_ISDIR(st.st_mode) ?
		    "is a directory" : "not a regular file");
		close(fd);
		return -1;
	}
	if (strict && !trusted(path, &st, d)) {
		close(fd);
		return -1;
	}
	sb_reset(sb);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			diag_error(d, "cannot read %s: %s", path,
			    strerror(errno));
			close(fd);
			return -1;
		}
		if (sb->len + (size_t)n > CFG_MAX_SIZE) {
			diag_error(d, "cannot read %s: file is larger than "
			    "%d bytes", path, CFG_MAX_SIZE);
			close(fd);
			return -1;
		}
		sb_add(sb, chunk, (size_t)n);
	}
	close(fd);
	if (sb->s == NULL)
		sb_add(sb, "", 0);
	return 0;
}

int
file_read(const char *path, struct strbuf *sb, int missing_ok,
    struct diag *d)
{
	return read_regular(path, sb, missing_ok, 0, d);
}

int
config_read(const char *path, struct strbuf *sb, int missing_ok,
    struct diag *d)
{
	return read_regular(path, sb, missing_ok, 1, d);
}

int
cfg_load(struct cfg *cfg, const char *path, int missing_ok, struct diag *d)
{
	struct strbuf sb;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	sb_init(&sb);
	rc = config_read(path, &sb, missing_ok, d);
	if (rc == 0)
		rc = cfg_parse(cfg, path, sb.s, sb.len, d);
	else if (rc == 1)
		cfg->path = xstrdup(path);
	sb_free(&sb);
	return rc;
}

void
cfg_free(struct cfg *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n; i++) {
		free(cfg->v[i].key);
		free(cfg->v[i].value);
	}
	free(cfg->v);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

int
cfg_split_words(const char *s, struct strvec *out, char **errmsg)
{
	struct strbuf w;
	int inword = 0;
	char q;

	sb_init(&w);
	for (;;) {
		if (*s == '\0' || *s == ' ' || *s == '\t' || *s == '\n') {
			if (inword)
				sv_push(out, w.s != NULL ? w.s : "");
			sb_reset(&w);
			inword = 0;
			if (*s == '\0')
				break;
			s++;
			continue;
		}
		inword = 1;
		if (*s == '\'' || *s == '"') {
			q = *s++;
			while (*s != q) {
				if (*s == '\0') {
					*errmsg = xasprintf("unterminated %s "
					    "quote", q == '"' ? "double" :
					    "single");
					sb_free(&w);
					return -1;
				}
				if (q == '"' && *s == '\\' && s[1] != '\0' &&
				    strchr("\"\\$`", s[1]) != NULL)
					s++;
				sb_addc(&w, *s++);
			}
			s++;
			sb_add(&w, "", 0);
		} else if (*s == '\\' && s[1] != '\0') {
			sb_addc(&w, s[1]);
			s += 2;
		} else
			sb_addc(&w, *s++);
	}
	sb_free(&w);
	return 0;
}

int
cfg_bool(const char *s, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* Edit distance with transpositions (optimal string alignment). */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, best, *d;
	size_t w = lb + 1;

	d = xcalloc((la + 1) * w, sizeof(*d));
	for (i = 0; i <= la; i++)
		d[i * w] = i;
	for (j = 0; j <= lb; j++)
		d[j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			size_t cost = toupper((unsigned char)a[i - 1]) ==
			    toupper((unsigned char)b[j - 1]) ? 0 : 1;

			best = d[(i - 1) * w + j] + 1;
			if (d[i * w + j - 1] + 1 < best)
				best = d[i * w + j - 1] + 1;
			if (d[(i - 1) * w + j - 1] + cost < best)
				best = d[(i - 1) * w + j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] &&
			    d[(i - 2) * w + j - 2] + 1 < best)
				best = d[(i - 2) * w + j - 2] + 1;
			d[i * w + j] = best;
		}
	}
	best = d[la * w + lb];
	free(d);
	return best;
}

/* The candidate closest to key, NULL when none is close.  Caller frees. */
static char *
suggest_key(const char *key, const char *const suggest[])
{
	const char *digits = key + strlen(key);
	size_t i, n, best = (size_t)-1;
	char *cand, *found = NULL;

	while (digits > key && isdigit((unsigned char)digits[-1]))
		digits--;
	for (i = 0; suggest[i] != NULL; i++) {
		n = strlen(suggest[i]);
		if (n > 0 && suggest[i][n - 1] == 'x')
			cand = xasprintf("%.*s%s", (int)(n - 1), suggest[i],
			    *digits != '\0' ? digits : "1");
		else
			cand = xstrdup(suggest[i]);
		n = distance(key, cand);
		if (n < best && n <= 2 && n * 3 <= strlen(cand)) {
			free(found);
			found = cand;
			best = n;
		} else
			free(cand);
	}
	return found;
}

void
cfg_warn_unknown(const struct cfg *cfg, int (*known)(const char *),
    const char *const suggest[], struct diag *d)
{
	size_t i;
	char *s;

	for (i = 0; i < cfg->n; i++) {
		if (known(cfg->v[i].key))
			continue;
		s = suggest_key(cfg->v[i].key, suggest);
		if (s != NULL)
			diag_warn(d, "%s:%u: unknown key '%s' (did you mean "
			    "'%s'?)", cfg->path, cfg->v[i].line,
			    cfg->v[i].key, s);
		else
			diag_warn(d, "%s:%u: unknown key '%s'", cfg->path,
			    cfg->v[i].line, cfg->v[i].key);
		free(s);
	}
}

int
cfg_number(const char *s, long long min, long long max, long long *out,
    const char **why)
{
	long long v;
	char *end;

	*why = "not a number";
	if (!isdigit((unsigned char)s[0]) && s[0] != '-')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0')
		return -1;
	if ((errno == ERANGE && v == LLONG_MIN) || v < min) {
		*why = "too small";
		return -1;
	}
	if (errno == ERANGE || v > max) {
		*why = "too large";
		return -1;
	}
	*out = v;
	return 0;
}
