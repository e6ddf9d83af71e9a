/*
 * suggest.c - unknown keys and the known key each was probably meant to
 * be.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "suggest.h"

/* Edit distance with transpositions (optimal string alignment). */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, best, *d;
	size_t w = lb + 1;

	d = xcalloc((la + 1) * w, sizeof(*d));
	for (i = 0; i <= la; i++)
		d[i * w] = i;
	for (j = 0; j <= lb; j++)
		d[j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			size_t cost = toupper((unsigned char)a[i - 1]) ==
			    toupper((unsigned char)b[j - 1]) ? 0 : 1;

			best = d[(i - 1) * w + j] + 1;
			if (d[i * w + j - 1] + 1 < best)
				best = d[i * w + j - 1] + 1;
			if (d[(i - 1) * w + j - 1] + cost < best)
				best = d[(i - 1) * w + j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] &&
			    d[(i - 2) * w + j - 2] + 1 < best)
				best = d[(i - 2) * w + j - 2] + 1;
			d[i * w + j] = best;
		}
	}
	best = d[la * w + lb];
	free(d);
	return best;
}

/* The candidate closest to key, NULL when none is close.  Caller frees. */
static char *
suggest_key(const char *key, const char *const suggest[])
{
	const char *digits = key + strlen(key);
	size_t i, n, best = (size_t)-1;
	char *cand, *found = NULL;

	while (digits > key && isdigit((unsigned char)digits[-1]))
		digits--;
	for (i = 0; suggest[i] != NULL; i++) {
		n = strlen(suggest[i]);
		if (n > 0 && suggest[i][n - 1] == 'x')
			cand = xasprintf("%.*s%s", (int)(n - 1), suggest[i],
			    *digits != '\0' ? digits : "1");
		else
			cand = xstrdup(suggest[i]);
		n = distance(key, cand);
		if (n < best && n <= 2 && n * 3 <= strlen(cand)) {
			free(found);
			found = cand;
			best = n;
		} else
			free(cand);
	}
	return found;
}

void
cfg_warn_unknown(const struct cfg *cfg, int (*known)(const char *),
    const char *const suggest[], struct diag *d)
{
	size_t i;
	char *s;

	for (i = 0; i < cfg->n; i++) {
		if (known(cfg->v[i].key) || cfg->v[i].used)
			continue;
		s = suggest_key(cfg->v[i].key, suggest);
		if (s != NULL)
			diag_warn(d, "%s:%u: unknown key '%s' (did you mean "
			    "'%s'?)", cfg->path, cfg->v[i].line,
			    cfg->v[i].key, s);
		else
			diag_warn(d, "%s:%u: unknown key '%s'", cfg->path,
			    cfg->v[i].line, cfg->v[i].key);
		free(s);
	}
}

