/*
 * diag.h - collected diagnostics.  Library code never prints: it records
 * one-line errors and warnings here, and the program decides where they
 * go (qemu-init check prints them all, start stops at the first error).
 * Functions that do I/O take a struct diag; a NULL one discards what
 * they would say.  Pure parsers say why through a const char **why, as
 * strtonum(3) does.
 */
#ifndef QI_DIAG_H
#define QI_DIAG_H

#include <stdio.h>

/* A note is neither: what check shows that is no problem. */
enum diag_level { DIAG_WARNING, DIAG_ERROR, DIAG_NOTE };

struct diag_msg {
	enum diag_level	 level;
	char		*text;
};

struct diag {
	struct diag_msg	*msgs;
	size_t		 n;
	size_t		 cap;
	unsigned	 errors;
	unsigned	 warnings;
};

void	diag_init(struct diag *);
void	diag_error(struct diag *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	diag_warn(struct diag *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	diag_note(struct diag *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* The text of the first error, or NULL. */
const char *diag_first_error(const struct diag *);
/*
 * diag_print to stderr, then diag_clear: what a program does with the
 * messages of each step.  Returns how many of them were errors.
 */
unsigned diag_flush(struct diag *, const char *prog);
/* Moves the messages of src to the end of dst. */
void	diag_move(struct diag *dst, struct diag *src);
void	diag_clear(struct diag *);

/*
 * s fit for a one-line message: bytes other than printable ASCII as
 * \xNN, cut after max bytes ("..."); caller frees.
 */
char	*diag_escape(const char *s, size_t max);
/*
 * A program's complaint (QEMU's, ip's) as one line: its lines escaped,
 * trailing blanks and empty lines dropped, joined by "; "; caller frees.
 */
char	*diag_one_line(const char *text);

#endif
