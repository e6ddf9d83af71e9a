/*
 * jsonw.h - writing one JSON document (qemu-init -o json): objects,
 * arrays, strings, numbers, booleans and null, indented two spaces a
 * level.  Every string is escaped (json.h's json_quote) and made valid
 * UTF-8 first, each byte that is not part of a valid sequence becoming
 * U+FFFD, so that any JSON parser reads the document whatever bytes a
 * name or a path holds.  The reader is json.h.
 */
#ifndef QI_JSONW_H
#define QI_JSONW_H

#include "buf.h"

struct jsonw {
	struct strbuf	 out;
	struct strbuf	 open;		/* '}' or ']' for each level open */
	struct strbuf	 members;	/* '0' or '1': has the level any yet */
};

void	jsonw_init(struct jsonw *);
void	jsonw_free(struct jsonw *);

/*
 * Each value is the document itself, an element of the enclosing array
 * (key NULL), or the member key of the enclosing object (key given).
 */
/* Opens an object or an array, closed by jsonw_end. */
void	jsonw_object(struct jsonw *, const char *key);
void	jsonw_array(struct jsonw *, const char *key);
/* Closes the innermost open object or array. */
void	jsonw_end(struct jsonw *);
/* A string; s NULL writes null. */
void	jsonw_string(struct jsonw *, const char *key, const char *s);
void	jsonw_number(struct jsonw *, const char *key, long long);
void	jsonw_bool(struct jsonw *, const char *key, int);
void	jsonw_null(struct jsonw *, const char *key);

/*
 * The document, what is still open closed, ending in a newline; caller
 * frees.  w is empty again after it.
 */
char	*jsonw_detach(struct jsonw *);

/*
 * What is written of the document so far, for a long one printed as it
 * grows (list of a thousand VMs); caller frees.  The document goes on
 * where it was.
 */
char	*jsonw_take(struct jsonw *);

/* s with each byte outside a valid UTF-8 sequence as U+FFFD; caller frees. */
char	*utf8_repair(const char *s);

#endif
