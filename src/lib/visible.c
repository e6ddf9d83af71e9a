/*
 * visible.c - escaping what a terminal would act on.
 */
#include <string.h>

#include "json.h"
#include "visible.h"

/* Whether the len bytes at s could begin a UTF-8 sequence not all there. */
static int
cut_sequence(const unsigned char *s, size_t len)
{
	size_t want, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		want = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		want = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		want = 4;
	else
		return 0;
	if (len >= want)
		return 0;
	for (i = 1; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return 1;
}

size_t
visible_add(struct strbuf *sb, const char *s, size_t len, int flags,
    int more)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if (u[i] >= 0x20 && u[i] < 0x7f) {
			for (n = i; n < len && u[n] >= 0x20 && u[n] < 0x7f; n++)
				;
			sb_add(sb, s + i, n - i);
			i = n;
			continue;
		}
		if ((flags & VISIBLE_LINES) && (u[i] == '\n' || u[i] == '\t')) {
			sb_addc(sb, (char)u[i++]);
			continue;
		}
		if (more && cut_sequence(u + i, len - i))
			return i;
		n = u[i] >= 0x80 ? json_utf8_len(s + i, len - i) : 0;
		/* U+0080 to U+009F: C2 80 to C2 9F. */
		if (n == 0 || (n == 2 && u[i] == 0xc2 && u[i + 1] <= 0x9f)) {
			sb_addf(sb, "\\x%02x", u[i]);
			i++;
			continue;
		}
		sb_add(sb, s + i, n);
		i += n;
	}
	return i;
}

char *
visible_last_line(const char *s, size_t len)
{
	struct strbuf sb;
	size_t start;

	while (len > 0 && strchr("\n\r \t", s[len - 1]) != NULL)
		len--;
	if (len == 0)
		return NULL;
	for (start = len; start > 0 && s[start - 1] != '\n'; start--)
		;
	if (len - start > VISIBLE_LAST_LINE)
		len = start + VISIBLE_LAST_LINE;
	sb_init(&sb);
	(void)visible_add(&sb, s + start, len - start, 0, 0);
	return sb_detach(&sb);
}
