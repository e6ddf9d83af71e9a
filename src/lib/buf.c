/*
 * buf.c - growable strings and argument vectors.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static void
out_of_memory(void)
{
	static const char msg[] = "qemu-init: out of memory\n";

	/* A constant message: nothing left to format it with. */
	fputs(msg, stderr);
	exit(1);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		out_of_memory();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		out_of_memory();
	return p;
}

static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		out_of_memory();
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		out_of_memory();
	return xrealloc(p, n * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	char *p;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		out_of_memory();
	p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void
sb_init(struct strbuf *sb)
{
	sb->s = NULL;
	sb->len = 0;
	sb->cap = 0;
}

static void
sb_grow(struct strbuf *sb, size_t more)
{
	size_t need;

	if (more > SIZE_MAX - sb->len - 1)
		out_of_memory();
	need = sb->len + more + 1;
	if (need <= sb->cap)
		return;
	if (sb->cap < 64)
		sb->cap = 64;
	while (sb->cap < need)
		sb->cap = sb->cap > SIZE_MAX / 2 ? need : sb->cap * 2;
	sb->s = xrealloc(sb->s, sb->cap);
}

void
sb_reserve(struct strbuf *sb, size_t more)
{
	if (more > SIZE_MAX - sb->len - 1)
		out_of_memory();
	if (sb->len + more + 1 > sb->cap) {
		sb->cap = sb->len + more + 1;
		sb->s = xrealloc(sb->s, sb->cap);
	}
}

void
sb_add(struct strbuf *sb, const char *p, size_t n)
{
	sb_grow(sb, n);
	if (n > 0)
		memcpy(sb->s + sb->len, p, n);
	sb->len += n;
	sb->s[sb->len] = '\0';
}

void
sb_adds(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void
sb_addc(struct strbuf *sb, char c)
{
	sb_add(sb, &c, 1);
}

void
sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	sb_adds(sb, p);
	free(p);
}

void
sb_consume(struct strbuf *sb, size_t n)
{
	if (n >= sb->len) {
		sb_reset(sb);
		return;
	}
	memmove(sb->s, sb->s + n, sb->len - n);
	sb->len -= n;
	sb->s[sb->len] = '\0';
}

void
sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->s != NULL)
		sb->s[0] = '\0';
}

char *
sb_detach(struct strbuf *sb)
{
	char *p = sb->s != NULL ? sb->s : xstrdup("");

	sb_init(sb);
	return p;
}

void
sb_free(struct strbuf *sb)
{
	free(sb->s);
	sb_init(sb);
}

void
sv_init(struct strvec *sv)
{
	sv->v = NULL;
	sv->n = 0;
	sv->cap = 0;
}

/* Appends s, which the vector now owns. */
static void
sv_take(struct strvec *sv, char *s)
{
	if (sv->n + 2 > sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 16;
		sv->v = xreallocarray(sv->v, sv->cap, sizeof(*sv->v));
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void
sv_push(struct strvec *sv, const char *s)
{
	sv_take(sv, xstrdup(s));
}

void
sv_pushf(struct strvec *sv, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sv_take(sv, xvasprintf(fmt, ap));
	va_end(ap);
}

void
sv_free(struct strvec *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv_init(sv);
}

void
sb_add_size(struct strbuf *sb, unsigned long long bytes)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB",
	    "EiB" };
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 1024) {
		sb_addf(sb, "%llu B", bytes);
		return;
	}
	v /= 1024;
	while (v >= 1023.95 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1024;
		u++;
	}
	sb_addf(sb, "%.1f %s", v, unit[u]);
}

char *
qemu_opt_escape(const char *s)
{
	struct strbuf sb;

	sb_init(&sb);
	for (; *s != '\0'; s++) {
		if (*s == ',')
			sb_addc(&sb, ',');
		sb_addc(&sb, *s);
	}
	return sb_detach(&sb);
}

void
sb_add_shell_word(struct strbuf *sb, const char *s, int bare_ok)
{
	const char *p;

	if (bare_ok && s[0] != '\0' && s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789%+,-./:=@_")] == '\0') {
		sb_adds(sb, s);
		return;
	}
	sb_addc(sb, '\'');
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'')
			sb_adds(sb, "'\\''");
		else
			sb_addc(sb, *p);
	}
	sb_addc(sb, '\'');
}

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
sv_push_nul_ended(struct strvec *v, const char *s, size_t len)
{
	size_t i;

	if (len > 0 && s[len - 1] != '\0')
		return -1;
	for (i = 0; i < len; i += strlen(s + i) + 1)
		sv_push(v, s + i);
	return 0;
}

void
sv_sort_unique(struct strvec *sv)
{
	size_t i, j;

	if (sv->n < 2)
		return;
	qsort(sv->v, sv->n, sizeof(*sv->v), compare_strings);
	for (i = j = 1; i < sv->n; i++) {
		if (strcmp(sv->v[j - 1], sv->v[i]) == 0)
			free(sv->v[i]);
		else
			sv->v[j++] = sv->v[i];
	}
	sv->n = j;
	sv->v[j] = NULL;
}
