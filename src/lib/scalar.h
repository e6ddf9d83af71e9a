/*
 * scalar.h - the values of keys that are numbers or yes/no, each
 * checked in one place and each error worded once.
 */
#ifndef QI_SCALAR_H
#define QI_SCALAR_H

#include "diag.h"

struct cfg;

/*
 * yes/no, true/false, on/off, 1/0 (any case): returns 0 with *out set to
 * 1 or 0; -1 for anything else, *out untouched.
 */
int	cfg_bool(const char *s, int *out);
/*
 * strtonum(3)-style: s is a decimal number in [min, max]: returns 0 with
 * *out set; else -1 with *why set to "not a number", "too small" or "too
 * large", *out untouched.
 */
int	cfg_number(const char *s, long long min, long long max,
	    long long *out, const char **why);
/*
 * The number key holds in cfg, in [min, max].  Returns 0 with *out set;
 * 1 when key is unset (absent, empty or "0", qemu-init.cfg(5)), *out untouched so
 * that it can hold the default; -1, *out untouched, with
 * "FILE:LINE: KEY 'value' is too large (min to max)" (or "too small",
 * "not a number") in d.
 */
int	cfg_get_number(const struct cfg *cfg, const char *key, long long min,
	    long long max, long long *out, struct diag *d);

#endif
