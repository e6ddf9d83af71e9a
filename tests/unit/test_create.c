/* test_create.c - the config writer: keys in order with their comments,
 * a later set replacing a value in its place, every value read back by
 * the config parser as it was written */
#include <string.h>

#include "buf.h"
#include "cfg.h"
#include "create.h"
#include "unit.h"

TEST(cfg_draft_writes_keys_in_order_with_comments)
{
	struct cfg_draft cd;
	struct strbuf out;

	cfg_draft_init(&cd);
	sb_init(&out);
	cfg_draft_set(&cd, "NAME", "web", NULL);
	cfg_draft_set(&cd, "RAM", "1G", "the machine");
	cfg_draft_set(&cd, "SMP", "2", NULL);
	cfg_draft_set(&cd, "RAM", "2G", "not this one");
	cfg_draft_text(&cd, "web-qemu.cfg: made here\nsecond line", &out);
	CHECK_STR(out.s, "# web-qemu.cfg: made here\n# second line\n"
	    "NAME=web\n\n# the machine\nRAM=2G\nSMP=2\n");
	CHECK_STR(cfg_draft_get(&cd, "SMP"), "2");
	cfg_draft_unset(&cd, "RAM");
	CHECK(cfg_draft_get(&cd, "RAM") == NULL);
	CHECK_STR(cfg_draft_get(&cd, "SMP"), "2");
	sb_free(&out);
	cfg_draft_free(&cd);
}

TEST(cfg_draft_values_read_back_as_they_were)
{
	static const char *const values[] = {
		"console=ttyS0 root=/dev/vda rw", "it's \"quoted\" $HOME `x`",
		"-----END SSH HOST KEY KEYS-----", "a\\b", "", "/srv/a b.img"
	};
	struct cfg_draft cd;
	struct strbuf out;
	struct cfg cfg;
	struct diag d;
	char key[16];
	size_t i;

	cfg_draft_init(&cd);
	sb_init(&out);
	diag_init(&d);
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		(void)snprintf(key, sizeof(key), "K%zu", i);
		cfg_draft_set(&cd, key, values[i], i == 1 ? "a comment" : NULL);
	}
	cfg_draft_text(&cd, "header", &out);
	CHECK(cfg_parse(&cfg, "test", out.s, out.len, &d) == 0);
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		(void)snprintf(key, sizeof(key), "K%zu", i);
		CHECK(cfg_get(&cfg, key) != NULL &&
		    strcmp(cfg_get(&cfg, key)->value, values[i]) == 0);
	}
	CHECK(d.errors == 0);
	cfg_free(&cfg);
	diag_clear(&d);
	sb_free(&out);
	cfg_draft_free(&cd);
}
