/*
 * cfg.h - the parser of the shell-subset config syntax shared by every
 * config file (qemu-init.cfg(5)): KEY=value assignments that a
 * POSIX shell would read the same way, parsed without ever executing
 * anything.  What works on what it parses has headers of its own, which
 * a config reader includes as it needs them: fileread.h (reading the
 * file), scalar.h (numbers, booleans), shwords.h (CUSTOMx words) and
 * suggest.h (unknown keys).
 */
#ifndef QI_CFG_H
#define QI_CFG_H

#include <stddef.h>

#include "buf.h"
#include "diag.h"

/*
 * Bounds (qemu-init.cfg(5)): a value, after expansion, is at most CFG_MAX_VALUE
 * bytes, and all the values of a file together at most CFG_MAX_TOTAL,
 * so that no file of CFG_MAX_SIZE bytes makes parsing take more than
 * linear time and memory.
 */
#define CFG_MAX_VALUE	(64 * 1024)
#define CFG_MAX_TOTAL	(4 * 1024 * 1024)

struct cfg_entry {
	char		*key;
	char		*value;
	unsigned	 line;		/* where the key starts */
	int		 used;		/* a later $KEY or ${KEY} expanded
					   the key: the file's own helper */
};

struct cfg {
	char		 *path;
	struct cfg_entry *v;		/* in file order */
	size_t		  n;
	size_t		  cap;
	size_t		 *index;	/* hash of the keys: 1 + the index of
					   each key's last entry, 0 empty */
	size_t		  nindex;	/* 0 or a power of 2 */
	size_t		  nkeys;	/* distinct keys */
};

/*
 * Parses len bytes of text; path is only used in messages.  Returns 0,
 * or -1 with "PATH:LINE:COL: message" in d; either way *cfg is set and
 * must be freed with cfg_free.
 */
int	cfg_parse(struct cfg *cfg, const char *path, const char *text,
	    size_t len, struct diag *d);
/*
 * Reads (config_read) and parses a file.  Returns 0; 1 with an empty
 * cfg when the file does not exist and missing_ok is set; -1 with the
 * error in d.  Either way *cfg must be freed with cfg_free.
 */
int	cfg_load(struct cfg *cfg, const char *path, int missing_ok,
	    struct diag *d);
/* The last assignment of key, or NULL. */
const struct cfg_entry *cfg_get(const struct cfg *cfg, const char *key);
/* Frees what cfg holds and empties it. */
void	cfg_free(struct cfg *cfg);
/* Whether s is a key: [A-Za-z_][A-Za-z0-9_]* */
int	cfg_key_valid(const char *s);

#define CFG_ODD_MSG	64	/* room for cfg_odd_char's message */
/*
 * What is wrong with the character at text[pos] (pos < len) where a
 * config file holds only plain text: a NUL byte, a carriage return,
 * another control character (tab and newline are fine), the UTF-8 byte
 * order mark at the start of the text, or a typographic quote (U+2018
 * to U+201F, such as “ and ’).  Returns the message, which never holds
 * the raw byte (it may be written into msg), or NULL when the character
 * is none of these.
 */
const char *cfg_odd_char(const char *text, size_t len, size_t pos,
	    char msg[CFG_ODD_MSG]);
/*
 * Whether s starts with a typographic quote (U+2018 to U+201F); s holds
 * at least 3 bytes or a NUL.  CFG_TYPOGRAPHIC_MSG says what to do.
 */
int	cfg_typographic_quote(const char *s);
#define CFG_TYPOGRAPHIC_MSG	"typographic quote: use \" or '"

#endif
