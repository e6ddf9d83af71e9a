/*
 * suggest.h - "did you mean": for unknown config keys, and for any word
 * (an action, a VM name, a machine type) among the names it could have
 * meant.  The work per name compared is bounded, so no input makes it
 * slow.
 */
#ifndef QI_SUGGEST_H
#define QI_SUGGEST_H

#include <stddef.h>

#include "diag.h"

struct cfg;

/*
 * Warns "FILE:LINE: unknown key 'K' (did you mean 'S'?)" in d for every
 * key of cfg that known() refuses, but for the file's helper variables
 * (keys a later $KEY expanded, qemu-init.cfg(5)).  Names in suggest (NULL-terminated)
 * may end in a lowercase 'x', standing for the number a numbered key
 * carries (DSKx).
 */
void	cfg_warn_unknown(const struct cfg *cfg, int (*known)(const char *),
	    const char *const suggest[], struct diag *d);

/*
 * The candidate closest to word, letter case aside, when one is close
 * enough to be what was meant (at most 2 edits, at most a third of its
 * length), the first of equally close ones; NULL when none is, or word
 * is longer than 32 bytes.  Never word itself.  Caller frees.
 */
char	*suggest_word(const char *word, const char *const cands[], size_t n);

#endif
