/* test_scalar.c - numbers and booleans from config values */
#include <string.h>

#include "cfg.h"
#include "scalar.h"
#include "unit.h"

TEST(cfg_booleans)
{
	int b = -1;

	CHECK(cfg_bool("YES", &b) == 0 && b == 1);
	CHECK(cfg_bool("off", &b) == 0 && b == 0);
	CHECK(cfg_bool("1", &b) == 0 && b == 1);
	CHECK(cfg_bool("maybe", &b) == -1);
}

TEST(cfg_numbers)
{
	const char *why = NULL;
	long long v = -1;

	CHECK(cfg_number("42", 0, 100, &v, &why) == 0 && v == 42);
	CHECK(cfg_number("-5", 0, 100, &v, &why) == -1 && v == 42);
	CHECK_STR(why, "too small");
	CHECK(cfg_number("99999999999999999999", 0, 100, &v, &why) == -1);
	CHECK_STR(why, "too large");
	CHECK(cfg_number("0x10", 0, 100, &v, &why) == -1);
	CHECK_STR(why, "not a number");
	CHECK(cfg_number("", 0, 100, &v, &why) == -1);
	CHECK(cfg_number("4 ", 0, 100, &v, &why) == -1);
}

/* The one place a number is read from a key: unset, set, refused. */
TEST(cfg_get_number_from_keys)
{
	const char *text = "A=7\nB=\nC=0\nD=4096\nE=x\n";
	long long v;
	struct cfg cfg;
	struct diag d;

	diag_init(&d);
	CHECK(cfg_parse(&cfg, "t.cfg", text, strlen(text), &d) == 0);
	v = 90;
	CHECK(cfg_get_number(&cfg, "A", 1, 10, &v, &d) == 0 && v == 7);
	v = 90;
	CHECK(cfg_get_number(&cfg, "B", 1, 10, &v, &d) == 1 && v == 90);
	CHECK(cfg_get_number(&cfg, "C", 1, 10, &v, &d) == 1 && v == 90);
	CHECK(cfg_get_number(&cfg, "none", 1, 10, &v, &d) == 1 && v == 90);
	CHECK(d.n == 0);
	CHECK(cfg_get_number(&cfg, "D", 1, 1024, &v, &d) == -1 && v == 90);
	CHECK_STR(diag_first_error(&d), "t.cfg:4: D '4096' is too large "
	    "(1 to 1024)");
	diag_clear(&d);
	CHECK(cfg_get_number(&cfg, "E", 0, 5, &v, &d) == -1);
	CHECK_STR(diag_first_error(&d), "t.cfg:5: E 'x' is not a number "
	    "(0 to 5)");
	diag_clear(&d);
	cfg_free(&cfg);
}
