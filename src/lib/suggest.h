/*
 * suggest.h - "unknown key" warnings, with a "did you mean" when a known
 * key is close.  The work per key is bounded, so no file makes it slow.
 */
#ifndef QI_SUGGEST_H
#define QI_SUGGEST_H

#include "diag.h"

struct cfg;

/*
 * Warns "FILE:LINE: unknown key 'K' (did you mean 'S'?)" in d for every
 * key of cfg that known() refuses, but for the file's helper variables
 * (keys a later $KEY expanded, SPEC 2.1).  Names in suggest (NULL-terminated)
 * may end in a lowercase 'x', standing for the number a numbered key
 * carries (DSKx).
 */
void	cfg_warn_unknown(const struct cfg *cfg, int (*known)(const char *),
	    const char *const suggest[], struct diag *d);

#endif
