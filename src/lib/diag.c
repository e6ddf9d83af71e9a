/*
 * diag.c - collected diagnostics.
 */
#include <stdarg.h>
#include <stdlib.h>

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
	else
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

const char *
diag_first_error(const struct diag *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->msgs[i].level == DIAG_ERROR)
			return d->msgs[i].text;
	return NULL;
}

void
diag_print(const struct diag *d, const char *prog, FILE *fp)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		fprintf(fp, "%s: %s%s\n", prog,
		    d->msgs[i].level == DIAG_WARNING ? "warning: " : "",
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
