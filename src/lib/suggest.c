/*
 * suggest.c - "did you mean": the known name a mistyped word was probably
 * meant to be (config keys, actions, VM names, QEMU's machine and CPU
 * names).  A suggestion is at most 2 edits away, so only names of about
 * the word's length are compared, and the longest word compared is
 * SUGGEST_KEY_MAX: the work per candidate is bounded whatever the input.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "suggest.h"

#define SUGGEST_KEY_MAX	32	/* longer words get no suggestion */
#define SUGGEST_EDITS	2	/* the farthest a suggestion may be */
#define SHOW_KEY_MAX	64	/* longer keys are shown cut short */

/* Edit distance with transpositions (optimal string alignment). */
static size_t
distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t d[SUGGEST_KEY_MAX + 1][SUGGEST_KEY_MAX + SUGGEST_EDITS + 1];
	size_t i, j, best, cost;

	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			cost = toupper((unsigned char)a[i - 1]) ==
			    toupper((unsigned char)b[j - 1]) ? 0 : 1;
			best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < best)
				best = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

/*
 * How far cand (lc bytes) is from word (lw bytes), when it is close
 * enough to be suggested: at most SUGGEST_EDITS edits, and at most a
 * third of cand; else (size_t)-1.  cand equal to orig (the word as
 * typed, which was refused) is never close.
 */
static size_t
closeness(const char *word, size_t lw, const char *cand, const char *orig)
{
	size_t lc = strlen(cand), dist;

	if (lw > SUGGEST_KEY_MAX || lc > lw + SUGGEST_EDITS ||
	    lw > lc + SUGGEST_EDITS || strcmp(cand, orig) == 0)
		return (size_t)-1;
	dist = distance(word, lw, cand, lc);
	return dist <= SUGGEST_EDITS && dist * 3 <= lc ? dist : (size_t)-1;
}

char *
suggest_word(const char *word, const char *const cands[], size_t n)
{
	size_t i, lw = strlen(word), dist, best = (size_t)-1, at = 0;

	for (i = 0; i < n; i++)
		if ((dist = closeness(word, lw, cands[i], word)) < best) {
			best = dist;
			at = i;
		}
	return best != (size_t)-1 ? xstrdup(cands[at]) : NULL;
}

/*
 * The known name closest to key, NULL when none is close.  Caller
 * frees.  The number key ends in counts without its leading zeros
 * (DSK01 is compared as DSK1), and a numbered name (DSKx) is tried with
 * that number, or 1; never key itself, which known() has refused.
 */
static char *
suggest_key(const char *key, const char *const suggest[])
{
	size_t i, n, la = strlen(key), dist, best = (size_t)-1;
	const char *digits = key + la, *zeros;
	char *norm, *cand, *found = NULL;

	if (la > SUGGEST_KEY_MAX)
		return NULL;
	while (digits > key && isdigit((unsigned char)digits[-1]))
		digits--;
	for (zeros = digits; *digits == '0'; digits++)
		continue;
	norm = xasprintf("%.*s%s", (int)(zeros - key), key, digits);
	la = strlen(norm);
	for (i = 0; suggest[i] != NULL; i++) {
		n = strlen(suggest[i]);
		if (n > 0 && suggest[i][n - 1] == 'x')
			cand = xasprintf("%.*s%s", (int)(n - 1), suggest[i],
			    *digits != '\0' ? digits : "1");
		else
			cand = xstrdup(suggest[i]);
		if ((dist = closeness(norm, la, cand, key)) < best) {
			free(found);
			found = cand;
			best = dist;
		} else
			free(cand);
	}
	free(norm);
	return found;
}

void
cfg_warn_unknown(const struct cfg *cfg, int (*known)(const char *),
    const char *const suggest[], struct diag *d)
{
	const struct cfg_entry *e;
	size_t i, len;
	char *s;

	for (i = 0; i < cfg->n; i++) {
		e = &cfg->v[i];
		if (known(e->key) || e->used)
			continue;
		len = strlen(e->key);
		s = suggest_key(e->key, suggest);
		if (len > SHOW_KEY_MAX)
			diag_warn(d, "%s:%u: unknown key '%.*s...' (%zu "
			    "characters)", cfg->path, e->line,
			    SHOW_KEY_MAX / 2, e->key, len);
		else if (s != NULL)
			diag_warn(d, "%s:%u: unknown key '%s' (did you mean "
			    "'%s'?)", cfg->path, e->line, e->key, s);
		else
			diag_warn(d, "%s:%u: unknown key '%s'", cfg->path,
			    e->line, e->key);
		free(s);
	}
}
