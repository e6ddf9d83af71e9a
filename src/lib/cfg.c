/*
 * cfg.c - the shell-subset config parser.
 *
 * The files were once sourced by a shell, so whatever is accepted here
 * must mean to us exactly what it meant to sh(1); anything whose meaning
 * would need a shell (commands, substitutions, unknown variables) is an
 * error instead of a guess.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "fileread.h"

struct parser {
	struct cfg	*cfg;
	struct diag	*diag;
	const char	*text;
	size_t		 len;
	size_t		 pos;
	unsigned	 line;
	unsigned	 col;
	size_t		 total;		/* bytes of the values so far */
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

const char *
cfg_odd_char(const char *text, size_t len, size_t pos,
    char msg[CFG_ODD_MSG])
{
	const unsigned char *s = (const unsigned char *)text + pos;
	size_t left = len - pos;

	if (*s == '\0')
		return "NUL byte in file";
	if (*s == '\r')
		return "carriage return (DOS line ending): convert the file "
		    "with dos2unix";
	if ((*s < 0x20 && *s != '\t' && *s != '\n') || *s == 0x7f) {
		snprintf(msg, CFG_ODD_MSG, "control character (byte 0x%02X)",
		    *s);
		return msg;
	}
	if (pos == 0 && left >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		return "UTF-8 byte order mark at the start of the file: save "
		    "it without one";
	if (left >= 3 && cfg_typographic_quote(text + pos))
		return CFG_TYPOGRAPHIC_MSG;
	return NULL;
}

int
cfg_typographic_quote(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	/* U+2018 to U+201F: ‘ ’ ‚ ‛ “ ” „ ‟, pasted from a web page. */
	return u[0] == 0xe2 && u[1] == 0x80 && u[2] >= 0x98 && u[2] <= 0x9f;
}

/*
 * Whether the character at p's position is one cfg_odd_char reports.
 * Quoted text may hold typographic quotes: they are text there.
 */
static int
odd_here(const struct parser *p, int quoted)
{
	char msg[CFG_ODD_MSG];
	int c = peek(p);

	if (c < 0 || (quoted && c >= 0x80))
		return 0;
	return cfg_odd_char(p->text, p->len, p->pos, msg) != NULL;
}

/* The character here cannot be where it is. */
static int
bad_char(struct parser *p)
{
	char buf[CFG_ODD_MSG], msg[128];
	const char *odd;
	int c = peek(p);

	if (c < 0)
		return fail(p, "unexpected end of file");
	if ((odd = cfg_odd_char(p->text, p->len, p->pos, buf)) != NULL)
		return fail(p, odd);
	if (c == '\n')
		return fail(p, "unexpected end of line");
	if (c == '`')
		return fail(p, "command substitution (`...`) is not allowed");
	if (c < 0x80)
		snprintf(msg, sizeof(msg), "unexpected '%c' (only KEY=value "
		    "assignments are allowed; quote the value)", c);
	else
		snprintf(msg, sizeof(msg), "unexpected byte 0x%02X (only "
		    "KEY=value assignments are allowed; quote the value)", c);
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

/* FNV-1a. */
static size_t
hash_key(const char *s)
{
	size_t h = 14695981039346656037ULL & (size_t)-1;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * (size_t)1099511628211ULL;
	return h;
}

/* Where key is in the index, or the empty slot where it would go. */
static size_t *
index_slot(const struct cfg *cfg, const char *key)
{
	size_t mask = cfg->nindex - 1, i = hash_key(key) & mask;

	while (cfg->index[i] != 0 &&
	    strcmp(cfg->v[cfg->index[i] - 1].key, key) != 0)
		i = (i + 1) & mask;
	return &cfg->index[i];
}

/* Makes the index twice as large, or 64 slots at first. */
static void
index_grow(struct cfg *cfg)
{
	size_t *old = cfg->index, n = cfg->nindex, i;

	cfg->nindex = n != 0 ? n * 2 : 64;
	cfg->index = xcalloc(cfg->nindex, sizeof(*cfg->index));
	for (i = 0; i < n; i++)
		if (old[i] != 0)
			*index_slot(cfg, cfg->v[old[i] - 1].key) = old[i];
	free(old);
}

const struct cfg_entry *
cfg_get(const struct cfg *cfg, const char *key)
{
	size_t at;

	if (cfg->nindex == 0)
		return NULL;
	at = *index_slot(cfg, key);
	return at != 0 ? &cfg->v[at - 1] : NULL;
}

/* Fails unless n more bytes fit in a value holding have bytes. */
static int
value_fits(struct parser *p, size_t have, size_t n, unsigned line,
    unsigned col)
{
	if (have + n > CFG_MAX_VALUE)
		return fail_at(p, line, col, "value longer than 64 KiB "
		    "(after expansion)");
	if (p->total + have + n > CFG_MAX_TOTAL)
		return fail_at(p, line, col, "the values of this file are "
		    "longer than 4 MiB together (after expansion)");
	return 0;
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
		if (c > 0 && (isdigit(c) || strchr("?$!#*@-", c) != NULL))
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
	if (e != NULL)
		p->cfg->v[e - p->cfg->v].used = 1;
	if (e == NULL) {
		char *msg = xasprintf("'%s' is not set earlier in this file "
		    "(the environment is not expanded)", name.s);

		rc = fail_at(p, line, col, msg);
		free(msg);
	} else if ((rc = value_fits(p, out->len, strlen(e->value), line,
	    col)) == 0)
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
		if (odd_here(p, 1))
			return bad_char(p);
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
		if (c == '`' || odd_here(p, 1))
			return bad_char(p);
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
			if (peek_at(p, 1) < 0)
				return fail(p, "backslash at end of file");
			advance(p);
			n = peek(p);
			if (n != '\n' && odd_here(p, 0))
				return bad_char(p);
			if (n != '\n')
				sb_addc(out, (char)n);
			advance(p);
		} else if (c == '~' && (start ||
		    (out->len > 0 && out->s[out->len - 1] == ':'))) {
			return fail(p, "unquoted '~' would be expanded by a "
			    "shell; quote the value");
		} else if (odd_here(p, 0) || strchr("`;&|<>()", c)) {
			return bad_char(p);
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
	size_t *slot;

	if (cfg->n == cfg->cap) {
		cfg->cap = cfg->cap ? cfg->cap * 2 : 16;
		cfg->v = xreallocarray(cfg->v, cfg->cap, sizeof(*cfg->v));
	}
	cfg->v[cfg->n].key = key;
	cfg->v[cfg->n].value = val;
	cfg->v[cfg->n].line = line;
	cfg->v[cfg->n].used = 0;
	cfg->n++;
	if ((cfg->nkeys + 1) * 2 > cfg->nindex)
		index_grow(cfg);
	slot = index_slot(cfg, key);
	if (*slot == 0)
		cfg->nkeys++;
	*slot = cfg->n;
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
	if (key.len == 0 && (c < 0 || c == '\n' || c == '#')) {
		fail_at(p, line, col, "not an assignment (expected KEY=value)");
		goto out;
	}
	if (key.len == 0) {
		bad_char(p);
		goto out;
	}
	if (c != '=') {
		if (odd_here(p, 0))
			bad_char(p);
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
	if (value(p, &val) != 0 || value_fits(p, val.len, 0, line, col) != 0)
		goto out;
	p->total += val.len;
	skip_blanks(p);
	c = peek(p);
	if (c == '#')
		while ((c = peek(p)) >= 0 && c != '\n')
			advance(p);
	if (c >= 0 && c != '\n') {
		if (odd_here(p, 0))
			bad_char(p);
		else
			fail(p, "unexpected text after the value (quote "
			    "values that contain spaces)");
		goto out;
	}
	add_entry(p->cfg, sb_detach(&key), sb_detach(&val), line);
	rc = 0;
out:
	sb_free(&key);
	sb_free(&val);
	return rc;
}

/* The last entry of the key of entry i. */
static struct cfg_entry *
last_entry(struct cfg *cfg, size_t i)
{
	return &cfg->v[*index_slot(cfg, cfg->v[i].key) - 1];
}

/* A key that a $KEY expanded is a helper in every one of its entries. */
static void
mark_helpers(struct cfg *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n; i++)
		if (cfg->v[i].used)
			last_entry(cfg, i)->used = 1;
	for (i = 0; i < cfg->n; i++)
		cfg->v[i].used = last_entry(cfg, i)->used;
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
	p.total = 0;
	for (;;) {
		skip_blanks(&p);
		c = peek(&p);
		if (c < 0) {
			mark_helpers(cfg);
			return 0;
		}
		if (c == '\n') {
			advance(&p);
		} else if (c == '#') {
			while ((c = peek(&p)) >= 0 && c != '\n')
				advance(&p);
		} else if (assignment(&p) != 0)
			return -1;
	}
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
	free(cfg->index);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

