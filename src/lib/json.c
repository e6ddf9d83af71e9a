/*
 * json.c - a recursive-descent JSON parser, bounded in depth, for the
 * replies and events of a QEMU monitor.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"

struct parser {
	const char	*p;
	const char	*end;
	const char	*why;
	unsigned	 depth;
	size_t		 values;	/* left to parse */
};

static int	parse_value(struct parser *, struct json *);

static void
skip_space(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
	    *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int
fail(struct parser *ps, const char *why)
{
	if (ps->why == NULL)
		ps->why = why;
	return -1;
}

static int
literal(struct parser *ps, const char *word, struct json *j,
    enum json_type type)
{
	size_t len = strlen(word);

	if ((size_t)(ps->end - ps->p) < len || memcmp(ps->p, word, len) != 0)
		return fail(ps, "unexpected character");
	ps->p += len;
	j->type = type;
	return 0;
}

static int
hex4(struct parser *ps, unsigned *out)
{
	unsigned v = 0;
	int i;
	char c;

	if (ps->end - ps->p < 4)
		return fail(ps, "short \\u escape");
	for (i = 0; i < 4; i++) {
		c = *ps->p++;
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return fail(ps, "bad \\u escape");
	}
	*out = v;
	return 0;
}

static void
add_utf8(struct strbuf *sb, unsigned cp)
{
	if (cp < 0x80)
		sb_addc(sb, (char)cp);
	else if (cp < 0x800) {
		sb_addc(sb, (char)(0xc0 | cp >> 6));
		sb_addc(sb, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		sb_addc(sb, (char)(0xe0 | cp >> 12));
		sb_addc(sb, (char)(0x80 | (cp >> 6 & 0x3f)));
		sb_addc(sb, (char)(0x80 | (cp & 0x3f)));
	} else {
		sb_addc(sb, (char)(0xf0 | cp >> 18));
		sb_addc(sb, (char)(0x80 | (cp >> 12 & 0x3f)));
		sb_addc(sb, (char)(0x80 | (cp >> 6 & 0x3f)));
		sb_addc(sb, (char)(0x80 | (cp & 0x3f)));
	}
}

/* \uXXXX, with a surrogate pair as one code point. */
static int
unicode_escape(struct parser *ps, struct strbuf *sb)
{
	unsigned cp, low;

	if (hex4(ps, &cp) != 0)
		return -1;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
			return fail(ps, "lone surrogate");
		ps->p += 2;
		if (hex4(ps, &low) != 0)
			return -1;
		if (low < 0xdc00 || low > 0xdfff)
			return fail(ps, "lone surrogate");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
	} else if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail(ps, "lone surrogate");
	if (cp == 0)
		return fail(ps, "NUL in a string");
	add_utf8(sb, cp);
	return 0;
}

/*
 * The length of the well-formed UTF-8 sequence at s (RFC 3629 section 4:
 * no overlong form, no surrogate, nothing past U+10FFFF), or 0.
 */
static size_t
utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		lo = s[0] == 0xe0 ? 0xa0 : 0x80;
		hi = s[0] == 0xed ? 0x9f : 0xbf;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		lo = s[0] == 0xf0 ? 0x90 : 0x80;
		hi = s[0] == 0xf4 ? 0x8f : 0xbf;
	} else
		return 0;
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

size_t
json_utf8_len(const char *s, size_t len)
{
	return utf8_seq((const unsigned char *)s, len);
}

int
json_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	while (len > 0) {
		if ((n = utf8_seq(p, len)) == 0)
			return 0;
		p += n;
		len -= n;
	}
	return 1;
}

static int
parse_string(struct parser *ps, char **out)
{
	static const char plain[] = "\"\\/\b\f\n\r\t";
	static const char named[] = "\"\\/bfnrt";
	struct strbuf sb;
	const char *esc;
	size_t n;
	char c;

	ps->p++;	/* the opening quote */
	sb_init(&sb);
	sb_adds(&sb, "");
	while (ps->p < ps->end) {
		c = *ps->p++;
		if (c == '"') {
			*out = sb_detach(&sb);
			return 0;
		}
		if ((unsigned char)c < 0x20) {
			sb_free(&sb);
			return fail(ps, "control character in a string");
		}
		if (c != '\\') {
			n = utf8_seq((const unsigned char *)ps->p - 1,
			    (size_t)(ps->end - ps->p) + 1);
			if (n == 0) {
				sb_free(&sb);
				return fail(ps, "a string is not valid UTF-8");
			}
			sb_add(&sb, ps->p - 1, n);
			ps->p += n - 1;
			continue;
		}
		if (ps->p == ps->end)
			break;
		c = *ps->p++;
		if (c == 'u') {
			if (unicode_escape(ps, &sb) != 0) {
				sb_free(&sb);
				return -1;
			}
		} else if ((esc = strchr(named, c)) != NULL && c != '\0')
			sb_addc(&sb, plain[esc - named]);
		else {
			sb_free(&sb);
			return fail(ps, "bad escape in a string");
		}
	}
	sb_free(&sb);
	return fail(ps, "unterminated string");
}

/* Skips the digits at p; how many there were. */
static size_t
digits(struct parser *ps)
{
	const char *start = ps->p;

	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
		ps->p++;
	return (size_t)(ps->p - start);
}

static int
next_is(struct parser *ps, const char *set)
{
	return ps->p < ps->end && *ps->p != '\0' &&
	    strchr(set, *ps->p) != NULL;
}

/*
 * RFC 8259 section 6: -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?
 * What follows the number is left to the caller ("1-2" ends after "1").
 */
static int
parse_number(struct parser *ps, struct json *j)
{
	const char *start = ps->p;

	if (next_is(ps, "-"))
		ps->p++;
	if (next_is(ps, "0"))
		ps->p++;
	else if (!next_is(ps, "123456789") || digits(ps) == 0)
		return fail(ps, ps->p == start ? "unexpected character" :
		    "bad number");
	if (next_is(ps, ".")) {
		ps->p++;
		if (digits(ps) == 0)
			return fail(ps, "bad number: no digit after '.'");
	}
	if (next_is(ps, "eE")) {
		ps->p++;
		if (next_is(ps, "+-"))
			ps->p++;
		if (digits(ps) == 0)
			return fail(ps, "bad number: no digit in the exponent");
	}
	if (next_is(ps, "0123456789.eE+-"))
		return fail(ps, "bad number");
	j->type = JSON_NUMBER;
	j->text = xstrndup(start, (size_t)(ps->p - start));
	return 0;
}

/* Arrays and objects: elements separated by ',', up to close. */
static int
parse_container(struct parser *ps, struct json *j, char close)
{
	size_t cap = 0;
	struct json *item;

	j->type = close == ']' ? JSON_ARRAY : JSON_OBJECT;
	if (++ps->depth > JSON_MAX_DEPTH)
		return fail(ps, "nested too deep");
	ps->p++;
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return 0;
	}
	for (;;) {
		if (j->n == cap) {
			cap = cap ? cap * 2 : 4;
			j->items = xreallocarray(j->items, cap, sizeof(*j->items));
			if (close == '}')
				j->keys = xreallocarray(j->keys, cap,
				    sizeof(*j->keys));
		}
		item = &j->items[j->n];
		memset(item, 0, sizeof(*item));
		skip_space(ps);
		if (close == '}') {
			if (ps->p == ps->end || *ps->p != '"')
				return fail(ps, "expected a key");
			if (parse_string(ps, &j->keys[j->n]) != 0)
				return -1;
			skip_space(ps);
			if (ps->p == ps->end || *ps->p != ':') {
				free(j->keys[j->n]);
				return fail(ps, "expected ':'");
			}
			ps->p++;
		}
		j->n++;
		if (parse_value(ps, item) != 0)
			return -1;
		skip_space(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			ps->depth--;
			return 0;
		}
		return fail(ps, close == ']' ? "expected ',' or ']'" :
		    "expected ',' or '}'");
	}
}

static int
parse_value(struct parser *ps, struct json *j)
{
	skip_space(ps);
	if (ps->p == ps->end)
		return fail(ps, "unexpected end");
	if (ps->values-- == 0)
		return fail(ps, "too many values");
	switch (*ps->p) {
	case '{':
		return parse_container(ps, j, '}');
	case '[':
		return parse_container(ps, j, ']');
	case '"':
		j->type = JSON_STRING;
		return parse_string(ps, &j->text);
	case 't':
		return literal(ps, "true", j, JSON_TRUE);
	case 'f':
		return literal(ps, "false", j, JSON_FALSE);
	case 'n':
		return literal(ps, "null", j, JSON_NULL);
	default:
		return parse_number(ps, j);
	}
}

int
json_parse(struct json *j, const char *text, size_t len, const char **why)
{
	return json_parse_max(j, text, len, (size_t)-1, why);
}

int
json_parse_max(struct json *j, const char *text, size_t len,
    size_t max_values, const char **why)
{
	struct parser ps = { text, text + len, NULL, 0, max_values };

	memset(j, 0, sizeof(*j));
	if (parse_value(&ps, j) == 0) {
		skip_space(&ps);
		if (ps.p == ps.end)
			return 0;
		fail(&ps, "trailing characters");
	}
	*why = ps.why;
	json_free(j);
	return -1;
}

void
json_free(struct json *j)
{
	size_t i;

	for (i = 0; i < j->n; i++) {
		json_free(&j->items[i]);
		if (j->keys != NULL)
			free(j->keys[i]);
	}
	free(j->items);
	free(j->keys);
	free(j->text);
	memset(j, 0, sizeof(*j));
}

const struct json *
json_get(const struct json *j, const char *key)
{
	size_t i;

	if (j == NULL || j->type != JSON_OBJECT)
		return NULL;
	for (i = 0; i < j->n; i++)
		if (strcmp(j->keys[i], key) == 0)
			return &j->items[i];
	return NULL;
}

const char *
json_get_string(const struct json *j, const char *key)
{
	const struct json *v = json_get(j, key);

	return v != NULL && v->type == JSON_STRING ? v->text : NULL;
}

int
json_quote(struct strbuf *sb, const char *s)
{
	unsigned char c;

	if (!json_utf8_valid(s, strlen(s)))
		return -1;
	sb_addc(sb, '"');
	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (c == '"' || c == '\\') {
			sb_addc(sb, '\\');
			sb_addc(sb, (char)c);
		} else if (c < 0x20 || c == 0x7f)
			sb_addf(sb, "\\u%04x", c);
		else if (c == 0xc2 && (unsigned char)s[1] >= 0x80 &&
		    (unsigned char)s[1] <= 0x9f)	/* U+0080 to U+009F */
			sb_addf(sb, "\\u%04x", (unsigned char)*++s);
		else
			sb_addc(sb, (char)c);
	}
	sb_addc(sb, '"');
	return 0;
}
