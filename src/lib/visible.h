/*
 * visible.h - text that came from elsewhere (another host, a file that
 * others write) made safe to show on a terminal: every byte a terminal
 * would act on instead of showing, escape sequences first, is written
 * as the four characters \xHH.  That is each C0 control character (but
 * the line ends and tabs of text that keeps its lines), DEL, each C1
 * control (U+0080 to U+009F, which some terminals take as ESC [ and the
 * like), and each byte outside a valid UTF-8 sequence (on a terminal
 * set for 8 bits, 0x9b alone is a CSI).
 */
#ifndef QI_VISIBLE_H
#define QI_VISIBLE_H

#include <stddef.h>

#include "buf.h"

#define VISIBLE_LINES	1	/* keep '\n' and '\t' */

/*
 * Appends the len bytes at s, made visible.  With more, s is a piece of
 * a stream whose rest follows: a UTF-8 sequence cut at its end is left
 * for the next call, and the bytes taken are returned (all but at most
 * three); without more, every byte is taken.
 */
size_t	visible_add(struct strbuf *, const char *s, size_t len, int flags,
	    int more);

/*
 * The last line of the len bytes at s that is not blank, made visible
 * and cut at VISIBLE_LAST_LINE bytes (what a host said last: its error),
 * or NULL.  Caller frees.
 */
#define VISIBLE_LAST_LINE	200
char	*visible_last_line(const char *s, size_t len);

#endif
