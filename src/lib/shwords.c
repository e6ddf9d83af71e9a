/*
 * shwords.c - shell-like word splitting without expansion.
 */
#include <string.h>

#include "cfg.h"
#include "shwords.h"

int
cfg_split_words(const char *s, struct strvec *out, char **errmsg)
{
	struct strbuf w;
	int inword = 0;
	char q;

	sb_init(&w);
	for (;;) {
		if (*s == '\0' || *s == ' ' || *s == '\t' || *s == '\n') {
			if (inword)
				sv_push(out, w.s != NULL ? w.s : "");
			sb_reset(&w);
			inword = 0;
			if (*s == '\0')
				break;
			s++;
			continue;
		}
		inword = 1;
		if (*s == '\'' || *s == '"') {
			q = *s++;
			while (*s != q) {
				if (*s == '\0') {
					*errmsg = xasprintf("unterminated %s "
					    "quote", q == '"' ? "double" :
					    "single");
					sb_free(&w);
					return -1;
				}
				if (q == '"' && *s == '\\' && s[1] != '\0' &&
				    strchr("\"\\$`", s[1]) != NULL)
					s++;
				sb_addc(&w, *s++);
			}
			s++;
			sb_add(&w, "", 0);
		} else if (cfg_typographic_quote(s)) {
			*errmsg = xstrdup(CFG_TYPOGRAPHIC_MSG);
			sb_free(&w);
			return -1;
		} else if (*s == '\\' && s[1] != '\0') {
			sb_addc(&w, s[1]);
			s += 2;
		} else
			sb_addc(&w, *s++);
	}
	sb_free(&w);
	return 0;
}

