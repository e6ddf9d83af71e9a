/*
 * migline.c - the control lines of a migration.
 */
#include <stdlib.h>
#include <string.h>

#include "migline.h"
#include "visible.h"

#define WORD_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789+,-./:=@_"

void
migline_word(struct strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	if (sb->len > 0)
		sb_addc(sb, ' ');
	sb_adds(sb, "");
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (strchr(WORD_CHARS, *p) != NULL) {
			sb_addc(sb, (char)*p);
			continue;
		}
		sb_addc(sb, '%');
		sb_addc(sb, hex[*p >> 4]);
		sb_addc(sb, hex[*p & 15]);
	}
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One word of len bytes at s, decoded: 0, or -1 when it is no word. */
static int
decode(const char *s, size_t len, struct strbuf *out)
{
	size_t i;
	int hi, lo;

	sb_adds(out, "");
	for (i = 0; i < len; i++) {
		if (s[i] != '%') {
			if (strchr(WORD_CHARS, s[i]) == NULL || s[i] == '\0')
				return -1;
			sb_addc(out, s[i]);
			continue;
		}
		if (i + 2 >= len || (hi = hexval(s[i + 1])) < 0 ||
		    (lo = hexval(s[i + 2])) < 0 || (hi == 0 && lo == 0))
			return -1;
		sb_addc(out, (char)(hi << 4 | lo));
		i += 2;
	}
	return 0;
}

static const struct {
	const char		*verb;
	enum migline_kind	 kind;
	size_t			 words;		/* 0: any number (ready) */
} verbs[] = {
	{ "warning", MIGLINE_WARNING, 2 }, { "error", MIGLINE_ERROR, 2 },
	{ "refused", MIGLINE_REFUSED, 1 }, { "ready", MIGLINE_READY, 0 },
	{ "failed", MIGLINE_FAILED, 2 }, { "running", MIGLINE_RUNNING, 1 },
	{ "arrived", MIGLINE_RUNNING, 1 }, { "commit", MIGLINE_COMMIT, 2 },
	{ "abort", MIGLINE_ABORT, 1 }
};

/* "ready N SIZE PATH ...": N, then N pairs of a size and a path. */
static int
ready_ok(const struct strvec *w)
{
	size_t i, n;
	char *end;

	if (w->n < 2)
		return 0;
	n = strtoul(w->v[1], &end, 10);
	if (*end != '\0' || w->v[1][0] == '\0' || n > 1000 ||
	    w->n != 2 + 2 * n)
		return 0;
	for (i = 0; i < n; i++) {
		(void)strtoll(w->v[2 + 2 * i], &end, 10);
		if (*end != '\0' || w->v[2 + 2 * i][0] == '\0')
			return 0;
	}
	return 1;
}

enum migline_kind
migline_parse(const char *line, struct strvec *w)
{
	struct strbuf word, shown;
	const char *p = line, *sp;
	enum migline_kind kind = MIGLINE_BAD;
	size_t i, len;

	sb_init(&word);
	for (;;) {
		sp = strchr(p, ' ');
		len = sp != NULL ? (size_t)(sp - p) : strlen(p);
		sb_reset(&word);
		if (len == 0 || decode(p, len, &word) != 0) {
			sb_free(&word);
			return MIGLINE_BAD;
		}
		if (w->n == 1 && strcmp(w->v[0], "ready") != 0) {
			sb_init(&shown);
			(void)visible_add(&shown, word.s, word.len, 0, 0);
			sv_push(w, shown.s != NULL ? shown.s : "");
			sb_free(&shown);
		} else
			sv_push(w, word.s);
		if (sp == NULL)
			break;
		p = sp + 1;
	}
	sb_free(&word);
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(w->v[0], verbs[i].verb) == 0)
			kind = verbs[i].words == 0 ? (ready_ok(w) ? verbs[i].kind :
			    MIGLINE_BAD) : w->n == verbs[i].words ?
			    verbs[i].kind : MIGLINE_BAD;
	if (kind == MIGLINE_COMMIT && strcmp(w->v[1], "run") != 0 &&
	    strcmp(w->v[1], "pause") != 0)
		kind = MIGLINE_BAD;
	return kind;
}
