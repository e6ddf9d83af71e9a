/*
 * diag.c - collected diagnostics.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"

void
diag_init(struct diag *d)
{
	d->msgs = NULL;
	d->n = 0;
	d->cap = 0;
	d->errors = 0;
	d->warnings = 0;
}

/* A NULL diag discards: for callers that only need the outcome. */
static void
diag_push(struct diag *d, enum diag_level level, char *text)
{
	if (d == NULL) {
		free(text);
		return;
	}
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->msgs = xreallocarray(d->msgs, d->cap, sizeof(*d->msgs));
	}
	d->msgs[d->n].level = level;
	d->msgs[d->n].text = text;
	d->n++;
	if (level == DIAG_ERROR)
		d->errors++;
	else if (level == DIAG_WARNING)
		d->warnings++;
}

void
diag_error(struct diag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_push(d, DIAG_ERROR, xvasprintf(fmt, ap));
	va_end(ap);
}

void
diag_warn(struct diag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_push(d, DIAG_WARNING, xvasprintf(fmt, ap));
	va_end(ap);
}

void
diag_note(struct diag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_push(d, DIAG_NOTE, xvasprintf(fmt, ap));
	va_end(ap);
}

const char *
diag_first_error(const struct diag *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->msgs[i].level == DIAG_ERROR)
			return d->msgs[i].text;
	return NULL;
}

/*
 * Prints every message as "prog: text" ("prog: warning: text", "prog:
 * note: text").
 */
static void
diag_print(const struct diag *d, const char *prog, FILE *fp)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		fprintf(fp, "%s: %s%s\n", prog,
		    d->msgs[i].level == DIAG_WARNING ? "warning: " :
		    d->msgs[i].level == DIAG_NOTE ? "note: " : "",
		    d->msgs[i].text);
}

void
diag_move(struct diag *dst, struct diag *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		diag_push(dst, src->msgs[i].level, src->msgs[i].text);
	free(src->msgs);
	diag_init(src);
}

void
diag_clear(struct diag *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->msgs[i].text);
	free(d->msgs);
	diag_init(d);
}

unsigned
diag_flush(struct diag *d, const char *prog)
{
	unsigned errors = d->errors;

	diag_print(d, prog, stderr);
	diag_clear(d);
	return errors;
}

char *
diag_escape(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	struct strbuf sb;
	size_t n;

	sb_init(&sb);
	sb_add(&sb, "", 0);
	for (n = 0; p[n] != '\0' && n < max; n++) {
		if (p[n] >= 0x20 && p[n] < 0x7f && p[n] != '\\')
			sb_addc(&sb, (char)p[n]);
		else
			sb_addf(&sb, "\\x%02x", p[n]);
	}
	if (p[n] != '\0')
		sb_adds(&sb, "...");
	return sb_detach(&sb);
}

char *
diag_one_line(const char *text)
{
	struct strbuf sb;
	const char *p, *nl;
	char *line, *s;

	sb_init(&sb);
	for (p = text; *p != '\0'; p = *nl != '\0' ? nl + 1 : nl) {
		nl = p + strcspn(p, "\n");
		line = xstrndup(p, (size_t)(nl - p));
		s = diag_escape(line, SIZE_MAX);
		free(line);
		/* Trailing blanks and empty lines say nothing. */
		while (strlen(s) > 0 && s[strlen(s) - 1] == ' ')
			s[strlen(s) - 1] = '\0';
		if (*s != '\0')
			sb_addf(&sb, "%s%s", sb.len > 0 ? "; " : "", s);
		free(s);
	}
	sb_add(&sb, "", 0);
	return sb_detach(&sb);
}
