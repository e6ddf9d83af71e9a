/*
 * cfg.h - the shell-subset config syntax shared by every config file
 * (SPEC 2.1): KEY=value assignments that a POSIX shell would read the
 * same way, parsed without ever executing anything.
 */
#ifndef QI_CFG_H
#define QI_CFG_H

#include <stddef.h>

#include "buf.h"
#include "diag.h"

#define CFG_MAX_SIZE	(1024 * 1024)	/* larger files are refused */

struct cfg_entry {
	char		*key;
	char		*value;
	unsigned	 line;		/* where the key starts */
};

struct cfg {
	char		 *path;
	struct cfg_entry *v;		/* in file order */
	size_t		  n;
	size_t		  cap;
};

/* Parses text; on error records "PATH:LINE:COL: message", returns -1. */
int	cfg_parse(struct cfg *, const char *path, const char *text, size_t,
	    struct diag *);
/*
 * Reads and parses a file.  A missing file is an error unless missing_ok,
 * in which case it returns 1 with an empty cfg.
 */
int	cfg_load(struct cfg *, const char *path, int missing_ok,
	    struct diag *);
/* The last assignment of key, or NULL. */
const struct cfg_entry *cfg_get(const struct cfg *, const char *key);
void	cfg_free(struct cfg *);

/* Reads a file into a strbuf: regular files up to CFG_MAX_SIZE only. */
int	file_read(const char *path, struct strbuf *, int missing_ok,
	    struct diag *);
/*
 * The same for a config file: running as root, a file that is not owned
 * by root or that group or others can write is refused, like sshd's
 * StrictModes.  cfg_load reads through it.
 */
int	config_read(const char *path, struct strbuf *, int missing_ok,
	    struct diag *);

/* Splits like shell words (quotes, backslashes; no expansion). */
int	cfg_split_words(const char *, struct strvec *, char **errmsg);
/* yes/no, true/false, on/off, 1/0 (any case): 0 and *out set, else -1. */
int	cfg_bool(const char *, int *out);
/*
 * strtonum(3)-style: a decimal number in [min, max], else -1 with *why
 * set to "not a number", "too small" or "too large".
 */
int	cfg_number(const char *, long long min, long long max, long long *out,
	    const char **why);
/* [A-Za-z_][A-Za-z0-9_]* */
int	cfg_key_valid(const char *);



/*
 * Warns "FILE:LINE: unknown key 'K' (did you mean 'S'?)" for every key
 * that known() refuses.  Names in suggest may end in a lowercase 'x',
 * standing for the number a numbered key carries (DSKx).
 */
void	cfg_warn_unknown(const struct cfg *, int (*known)(const char *),
	    const char *const suggest[], struct diag *);
#endif
