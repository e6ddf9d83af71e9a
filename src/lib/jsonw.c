/*
 * jsonw.c - a JSON writer.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonw.h"

void
jsonw_init(struct jsonw *w)
{
	sb_init(&w->out);
	sb_init(&w->open);
	sb_init(&w->members);
}

void
jsonw_free(struct jsonw *w)
{
	sb_free(&w->out);
	sb_free(&w->open);
	sb_free(&w->members);
}

static void
newline(struct jsonw *w)
{
	size_t i;

	sb_addc(&w->out, '\n');
	for (i = 0; i < w->open.len; i++)
		sb_adds(&w->out, "  ");
}

/* What goes before a value: a comma, its place, its key. */
static void
value_start(struct jsonw *w, const char *key)
{
	if (w->open.len > 0) {
		if (w->members.s[w->members.len - 1] == '1')
			sb_addc(&w->out, ',');
		w->members.s[w->members.len - 1] = '1';
		newline(w);
	}
	if (key != NULL) {
		json_quote(&w->out, key);
		sb_adds(&w->out, ": ");
	}
}

static void
open_level(struct jsonw *w, const char *key, char opening, char closing)
{
	value_start(w, key);
	sb_addc(&w->out, opening);
	sb_addc(&w->open, closing);
	sb_addc(&w->members, '0');
}

void
jsonw_object(struct jsonw *w, const char *key)
{
	open_level(w, key, '{', '}');
}

void
jsonw_array(struct jsonw *w, const char *key)
{
	open_level(w, key, '[', ']');
}

void
jsonw_end(struct jsonw *w)
{
	char closing;
	int any;

	if (w->open.len == 0)
		return;
	closing = w->open.s[--w->open.len];
	any = w->members.s[--w->members.len] == '1';
	w->open.s[w->open.len] = '\0';
	w->members.s[w->members.len] = '\0';
	if (any)
		newline(w);
	sb_addc(&w->out, closing);
}

void
jsonw_string(struct jsonw *w, const char *key, const char *s)
{
	char *valid;

	value_start(w, key);
	if (s == NULL) {
		sb_adds(&w->out, "null");
		return;
	}
	valid = utf8_repair(s);
	json_quote(&w->out, valid);
	free(valid);
}

void
jsonw_number(struct jsonw *w, const char *key, long long n)
{
	value_start(w, key);
	sb_addf(&w->out, "%lld", n);
}

void
jsonw_bool(struct jsonw *w, const char *key, int b)
{
	value_start(w, key);
	sb_adds(&w->out, b ? "true" : "false");
}

void
jsonw_null(struct jsonw *w, const char *key)
{
	value_start(w, key);
	sb_adds(&w->out, "null");
}

char *
jsonw_detach(struct jsonw *w)
{
	while (w->open.len > 0)
		jsonw_end(w);
	sb_addc(&w->out, '\n');
	sb_reset(&w->open);
	sb_reset(&w->members);
	return sb_detach(&w->out);
}

char *
jsonw_take(struct jsonw *w)
{
	return sb_detach(&w->out);
}

char *
utf8_repair(const char *s)
{
	struct strbuf sb;
	size_t n, left = strlen(s);

	sb_init(&sb);
	while (left > 0) {
		if ((n = json_utf8_len(s, left)) == 0) {
			sb_adds(&sb, "\xef\xbf\xbd");
			n = 1;
		} else
			sb_add(&sb, s, n);
		s += n;
		left -= n;
	}
	return sb_detach(&sb);
}
