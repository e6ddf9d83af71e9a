/*
 * buf.h - growable strings and argument vectors, and allocation that
 * cannot return NULL (out of memory ends the program with a message).
 */
#ifndef QI_BUF_H
#define QI_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char	*s;		/* always NUL-terminated once used */
	size_t	 len;
	size_t	 cap;
};

struct strvec {
	char	**v;		/* NULL-terminated, like an argv */
	size_t	  n;
	size_t	  cap;
};

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *, va_list) __attribute__((format(printf, 1, 0)));

void	 sb_init(struct strbuf *);
/* Room for n bytes more, exactly: for a size known beforehand. */
void	 sb_reserve(struct strbuf *, size_t n);
void	 sb_add(struct strbuf *, const char *, size_t);
void	 sb_adds(struct strbuf *, const char *);
void	 sb_addc(struct strbuf *, char);
void	 sb_addf(struct strbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 sb_consume(struct strbuf *, size_t);	/* drop the first n bytes */
void	 sb_reset(struct strbuf *);
char	*sb_detach(struct strbuf *);		/* caller frees; buf is reset */
void	 sb_free(struct strbuf *);

void	 sv_init(struct strvec *);
void	 sv_push(struct strvec *, const char *);
void	 sv_pushf(struct strvec *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 sv_free(struct strvec *);
/*
 * Pushes each word of the len bytes at s, a word ended by a NUL byte
 * (an argv as /proc/PID/cmdline keeps it).  0, or -1 with nothing
 * pushed when the last word has no NUL.
 */
int	 sv_push_nul_ended(struct strvec *, const char *s, size_t len);
/* Sorts the strings (strcmp order) and drops repeated ones. */
void	 sv_sort_unique(struct strvec *);

/*
 * Appends bytes for people: "512 B", "1.5 KiB", "96.3 MiB", "2.0 GiB",
 * "1.1 TiB" (powers of 1024, one decimal past 1 KiB).
 */
void	 sb_add_size(struct strbuf *, unsigned long long bytes);

/* "a,b" -> "a,,b": a value inside a QEMU option list. Caller frees. */
char	*qemu_opt_escape(const char *);
/*
 * Appends s as one POSIX shell word that a shell (and cfg.h's parser)
 * reads back as s: in single quotes, a quote as '\'', or bare when
 * bare_ok and s is non-empty and made only of letters, digits and
 * "%+,-./:=@_".
 */
void	 sb_add_shell_word(struct strbuf *, const char *s, int bare_ok);

#endif
