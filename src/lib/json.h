/*
 * json.h - just enough JSON for QMP: a parser for one message into a
 * tree, lookups by key, and string quoting for the commands we send.
 */
#ifndef QI_JSON_H
#define QI_JSON_H

#include <stddef.h>

#include "buf.h"

#define JSON_MAX_DEPTH	64	/* deeper nesting is refused */

enum json_type {
	JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING,
	JSON_ARRAY, JSON_OBJECT
};

struct json {
	enum json_type	 type;
	char		*text;		/* a string's value, a number's digits */
	struct json	*items;		/* an array's elements, an object's values */
	char		**keys;		/* an object's keys */
	size_t		 n;
};

/*
 * Parses exactly one JSON value (RFC 8259; white space around it
 * allowed).  0, or -1 with *why set.  Strings must be UTF-8 and must not
 * hold U+0000; numbers must have RFC 8259's form.
 */
int	json_parse(struct json *, const char *text, size_t len,
	    const char **why);
/*
 * As json_parse, but a document of more than max_values values (each
 * element, member value and the document itself counting one) is
 * refused: its tree would cost more than its text many times over.
 */
int	json_parse_max(struct json *, const char *text, size_t len,
	    size_t max_values, const char **why);
void	json_free(struct json *);
/* The member key of an object, or NULL. */
const struct json *json_get(const struct json *, const char *key);
/* The string member key of an object, or NULL. */
const char *json_get_string(const struct json *, const char *key);
/*
 * Whether s holds well-formed UTF-8 only (RFC 3629: no overlong form,
 * no surrogate, nothing past U+10FFFF): JSON text must be UTF-8.
 */
int	json_utf8_valid(const char *s, size_t len);
/*
 * The length (1 to 4) of the well-formed UTF-8 sequence at the start of
 * s, len bytes long (len > 0), or 0 when none starts there.
 */
size_t	json_utf8_len(const char *s, size_t len);
/*
 * Appends s as a JSON string literal, quotes and escapes included: 0; or
 * -1, with nothing appended, when s is not valid UTF-8 (it has no JSON
 * form).  Every control character, C1's and DEL too, is escaped, so that
 * the literal shown on a terminal is only text.
 */
int	json_quote(struct strbuf *, const char *s);

#endif
