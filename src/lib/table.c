/*
 * table.c - a table of cells as text.
 */
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "visible.h"

#define NOTE	'\1'	/* never in a visible cell */

void
table_init(struct table *t, size_t ncols)
{
	t->ncols = ncols > 0 ? ncols : 1;
	t->width = xcalloc(t->ncols, sizeof(*t->width));
	sb_init(&t->cells);
	t->col = 0;
}

void
table_free(struct table *t)
{
	free(t->width);
	sb_free(&t->cells);
	memset(t, 0, sizeof(*t));
}

/* Characters, not bytes: UTF-8 continuation bytes are not counted. */
static size_t
chars(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

void
table_add(struct table *t, const char *s)
{
	size_t start = t->cells.len, w;

	if (s == NULL)
		s = "-";
	(void)visible_add(&t->cells, s, strlen(s), 0, 0);
	if ((w = chars(t->cells.s + start, t->cells.len - start)) >
	    t->width[t->col])
		t->width[t->col] = w;
	sb_addc(&t->cells, '\0');
	t->col = (t->col + 1) % t->ncols;
}

void
table_addll(struct table *t, long long n)
{
	char buf[32];

	(void)snprintf(buf, sizeof(buf), "%lld", n);
	table_add(t, buf);
}

void
table_note(struct table *t, const char *s)
{
	sb_addc(&t->cells, NOTE);
	(void)visible_add(&t->cells, s, strlen(s), 0, 0);
	sb_addc(&t->cells, '\0');
	t->col = 0;
}

void
table_print(const struct table *t, FILE *fp)
{
	const char *cell = t->cells.s, *end = t->cells.s + t->cells.len;
	struct strbuf line;
	size_t col = 0, len, pad;

	sb_init(&line);
	for (; cell != NULL && cell < end; cell += len + 1) {
		len = strlen(cell);
		if (cell[0] == NOTE)
			sb_add(&line, cell + 1, len - 1);
		else
			sb_add(&line, cell, len);
		if (cell[0] != NOTE && ++col < t->ncols) {
			for (pad = chars(cell, len); pad <= t->width[col - 1];
			    pad++)
				sb_addc(&line, ' ');
			continue;
		}
		while (line.len > 0 && line.s[line.len - 1] == ' ')
			line.len--;
		if (line.len > 0)
			(void)fwrite(line.s, 1, line.len, fp);
		(void)putc('\n', fp);
		line.len = 0;
		col = 0;
	}
	sb_free(&line);
}
