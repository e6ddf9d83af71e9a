/* test_shwords.c - CUSTOMx word splitting */
#include <stdlib.h>

#include "shwords.h"
#include "unit.h"

TEST(cfg_split_words_like_sh)
{
	struct strvec sv;
	char *err = NULL;

	sv_init(&sv);
	CHECK(cfg_split_words(" -device 'virtio-rng-pci,id=r 0'  -a\\ b \"\" "
	    "x\"y z\"", &sv, &err) == 0);
	CHECK(sv.n == 5);
	if (sv.n == 5) {
		CHECK_STR(sv.v[0], "-device");
		CHECK_STR(sv.v[1], "virtio-rng-pci,id=r 0");
		CHECK_STR(sv.v[2], "-a b");
		CHECK_STR(sv.v[3], "");
		CHECK_STR(sv.v[4], "xy z");
	}
	sv_free(&sv);
	CHECK(cfg_split_words("a 'b", &sv, &err) == -1);
	CHECK_STR(err, "unterminated single quote");
	free(err);
	sv_free(&sv);
	CHECK(cfg_split_words("-append \xe2\x80\x9c" "console=ttyS0"
	    "\xe2\x80\x9d", &sv, &err) == -1);
	CHECK_STR(err, "typographic quote: use \" or '");
	free(err);
	sv_free(&sv);
	CHECK(cfg_split_words("-name '\xe2\x80\x9cq\xe2\x80\x9d'", &sv, &err)
	    == 0 && sv.n == 2);
	sv_free(&sv);
}
