/*
 * migline.h - what the two qemu-inits of a migration say to each other
 * (qemu-init(8) migrate): the channels of their connection (mux.h), and
 * the lines of its control channel, each a verb and words, a word's
 * bytes other than letters, digits and "+,-./:=@_" written %XX, so that
 * a path or a message never splits a line or a word.
 *
 * The target says:  warning TEXT | error TEXT | refused
 *                   ready N SIZE1 PATH1 ... SIZEn PATHn
 *                   failed TEXT | running | arrived
 * The source says:  commit run | commit pause | abort
 */
#ifndef QI_MIGLINE_H
#define QI_MIGLINE_H

#include "buf.h"

/* The channels. */
#define MIGLINE_CONTROL	0	/* these lines */
#define MIGLINE_STREAM	1	/* QEMU's migration stream */
#define MIGLINE_DISK	2	/* + i: DSK<i+1>'s NBD connection */

/* What a line is (and, for the source's reading, what came instead). */
enum migline_kind {
	MIGLINE_NONE,		/* no line by the deadline */
	MIGLINE_LOST,		/* the connection ended */
	MIGLINE_BAD,		/* not a line of ours */
	MIGLINE_WARNING,	/* w->v[1]: the text */
	MIGLINE_ERROR,		/* w->v[1]: the text */
	MIGLINE_REFUSED,	/* after its errors: nothing was started */
	MIGLINE_READY,		/* w->v[1]: N, then a size and a path each */
	MIGLINE_FAILED,		/* w->v[1]: the text; nothing runs there */
	MIGLINE_RUNNING,	/* the VM runs there ("arrived": paused) */
	MIGLINE_COMMIT,		/* w->v[1]: "run" or "pause" */
	MIGLINE_ABORT
};

/* Appends a space (unless sb is empty) and s as one word. */
void	migline_word(struct strbuf *, const char *s);
/*
 * Splits a line (without its "\n") into words, decoded, into w (a text
 * made visible: visible.h), and says what it is; MIGLINE_BAD when the
 * verb is unknown or its words are not as the verb wants.
 */
enum migline_kind migline_parse(const char *line, struct strvec *w);

#endif
