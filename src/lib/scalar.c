/*
 * scalar.c - numbers and booleans from config values.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"
#include "scalar.h"

int
cfg_bool(const char *s, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

int
cfg_number(const char *s, long long min, long long max, long long *out,
    const char **why)
{
	long long v;
	char *end;

	*why = "not a number";
	if (!isdigit((unsigned char)s[0]) && s[0] != '-')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0')
		return -1;
	if ((errno == ERANGE && v == LLONG_MIN) || v < min) {
		*why = "too small";
		return -1;
	}
	if (errno == ERANGE || v > max) {
		*why = "too large";
		return -1;
	}
	*out = v;
	return 0;
}

int
cfg_get_number(const struct cfg *cfg, const char *key, long long min,
    long long max, long long *out, struct diag *d)
{
	const struct cfg_entry *e = cfg_get(cfg, key);
	const char *why;

	if (e == NULL || e->value[0] == '\0' || strcmp(e->value, "0") == 0)
		return 1;
	if (cfg_number(e->value, min, max, out, &why) != 0) {
		diag_error(d, "%s:%u: %s '%s' is %s (%lld to %lld)", cfg->path,
		    e->line, key, e->value, why, min, max);
		return -1;
	}
	return 0;
}
