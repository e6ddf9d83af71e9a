/*
 * fuzz_cfg.c - libFuzzer target: the shell-subset config parser, and
 * what reads its result: word splitting, numbers, unknown keys.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cfg.h"
#include "scalar.h"
#include "shwords.h"
#include "suggest.h"
#include "vmconf.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct strvec words;
	struct cfg cfg;
	struct diag d;
	char *err = NULL;
	long long v;
	size_t i;

	diag_init(&d);
	if (cfg_parse(&cfg, "fuzz.cfg", (const char *)data, len, &d) == 0) {
		sv_init(&words);
		for (i = 0; i < cfg.n; i++) {
			cfg_split_words(cfg.v[i].value, &words, &err);
			free(err);
			err = NULL;
			cfg_get_number(&cfg, cfg.v[i].key, 1, 4096, &v, &d);
		}
		sv_free(&words);
		cfg_warn_unknown(&cfg, vmconf_key_known, vmconf_keys, &d);
	}
	cfg_free(&cfg);
	diag_clear(&d);
	return 0;
}
