/* fuzz_cfg.c - libFuzzer target: the shell-subset config parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cfg.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct strvec words;
	struct cfg cfg;
	struct diag d;
	char *err = NULL;
	size_t i;

	diag_init(&d);
	if (cfg_parse(&cfg, "fuzz.cfg", (const char *)data, len, &d) == 0) {
		sv_init(&words);
		for (i = 0; i < cfg.n; i++) {
			cfg_split_words(cfg.v[i].value, &words, &err);
			free(err);
			err = NULL;
		}
		sv_free(&words);
	}
	cfg_free(&cfg);
	diag_clear(&d);
	return 0;
}
