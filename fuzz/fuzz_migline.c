/* fuzz_migline.c - libFuzzer target: the control lines the two ends of
 * a migration read from each other (migline.h), whatever the other end
 * sends.  A line's words, written again as words, read back as the same
 * line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migline.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct strvec w, back;
	struct strbuf line;
	enum migline_kind kind;
	char *text;
	size_t i;

	text = xstrndup((const char *)data, len);
	sv_init(&w);
	kind = migline_parse(text, &w);
	free(text);
	if (kind != MIGLINE_BAD) {
		sb_init(&line);
		for (i = 0; i < w.n; i++)
			migline_word(&line, w.v[i]);
		if (line.s == NULL || strchr(line.s, '\n') != NULL)
			abort();
		sv_init(&back);
		if (migline_parse(line.s, &back) != kind || back.n != w.n)
			abort();
		for (i = 0; i < w.n; i++)
			if (strcmp(back.v[i], w.v[i]) != 0)
				abort();
		sv_free(&back);
		sb_free(&line);
	}
	sv_free(&w);
	return 0;
}
