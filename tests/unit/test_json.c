/* test_json.c - the JSON parser that reads QMP replies, and quoting */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "unit.h"

static int
parses(const char *text)
{
	struct json j;
	const char *why;

	if (json_parse(&j, text, strlen(text), &why) != 0)
		return 0;
	json_free(&j);
	return 1;
}

TEST(json_reads_a_qmp_reply)
{
	const char *text = "{\"return\": {\"name\": \"web\", \"n\": -1.5e3, "
	    "\"ok\": true, \"l\": [1, null, false, \"x\"]}}";
	const struct json *ret;
	struct json j;
	const char *why;

	CHECK(json_parse(&j, text, strlen(text), &why) == 0);
	ret = json_get(&j, "return");
	CHECK(ret != NULL && ret->type == JSON_OBJECT);
	CHECK_STR(json_get_string(ret, "name"), "web");
	CHECK_STR(json_get(ret, "n")->text, "-1.5e3");
	CHECK(json_get(ret, "ok")->type == JSON_TRUE);
	CHECK(json_get(ret, "l")->n == 4);
	CHECK(json_get(ret, "l")->items[1].type == JSON_NULL);
	CHECK(json_get(ret, "missing") == NULL);
	CHECK(json_get_string(ret, "ok") == NULL);
	json_free(&j);
}

TEST(json_decodes_escapes)
{
	const char *text = "\"a\\\"b\\\\c\\r\\n\\u00e9\\ud83d\\ude00/\"";
	struct json j;
	const char *why;

	CHECK(json_parse(&j, text, strlen(text), &why) == 0);
	CHECK_STR(j.text, "a\"b\\c\r\n\xc3\xa9\xf0\x9f\x98\x80/");
	json_free(&j);
}

TEST(json_refuses_bad_input)
{
	char deep[200];

	CHECK(!parses(""));
	CHECK(!parses("{"));
	CHECK(!parses("{\"a\" 1}"));
	CHECK(!parses("{\"a\":1,}"));
	CHECK(!parses("[1 2]"));
	CHECK(!parses("\"unterminated"));
	CHECK(!parses("\"\\u0000\""));
	CHECK(!parses("\"\\ud800\""));
	CHECK(!parses("\"\\x\""));
	CHECK(!parses("\"a\nb\""));
	CHECK(!parses("tru"));
	CHECK(!parses("{} {}"));
	CHECK(!parses("-"));
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	CHECK(!parses(deep));
	CHECK(parses(" {} "));
	CHECK(parses("[[[[1]]]]"));
}

/* RFC 8259 section 6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
TEST(json_numbers_are_rfc8259_numbers)
{
	static const char *bad[] = {
		"e5", "1-2", "1.2.3", "--1", "01", "1.", ".5", "-", "+1",
		"1e", "1e+", "1E-", "-01", "00", "1.e5", "0x10", "1e5e5",
		"1..2", "- 1", "Infinity", "NaN", "[1-2]", "{\"a\":e5}",
		"[01]", "[1.]", "[.5]", "[--1]", "[1.2.3]"
	};
	static const char *good[] = {
		"0", "-0", "1", "10", "-123", "0.5", "-0.0", "1e5", "1E+5",
		"1e-05", "1.25E3", "[0,-1,2.5e-3]", "{\"a\":-0.0e+0}"
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!CHECK(!parses(bad[i])))
			printf("#     taken as a number: %s\n", bad[i]);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!CHECK(parses(good[i])))
			printf("#     refused: %s\n", good[i]);
}

TEST(json_quote_escapes)
{
	struct strbuf sb;

	sb_init(&sb);
	CHECK(json_quote(&sb, "info \"x\"\\\n\t\xc3\xa9") == 0);
	CHECK_STR(sb.s, "\"info \\\"x\\\"\\\\\\u000a\\u0009\xc3\xa9\"");
	sb_free(&sb);
}

/* RFC 8259 section 8.1: JSON text is UTF-8, in what we read and send. */
TEST(json_strings_are_utf8)
{
	static const char *bad[] = {
		"\xff", "a\x80", "\xc3", "\xc0\x80", "\xc1\xbf",
		"\xe0\x80\xaf", "\xed\xa0\x80", "\xed\xbf\xbf",
		"\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
		"\xe2\x82", "\xe2\x82x", "\xf0\x9f\x98"
	};
	static const char *good[] = {
		"", "ascii", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
		"\xed\x9f\xbf", "\xee\x80\x80", "\xf4\x8f\xbf\xbf", "\x7f"
	};
	struct strbuf sb, doc;
	size_t i;

	sb_init(&sb);
	sb_init(&doc);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(!json_utf8_valid(bad[i], strlen(bad[i])));
		sb_reset(&sb);
		sb_adds(&sb, "");
		CHECK(json_quote(&sb, bad[i]) == -1 && sb.len == 0);
		sb_reset(&doc);
		sb_addf(&doc, "\"%s\"", bad[i]);
		if (!CHECK(!parses(doc.s)))
			printf("#     bad string %zu taken\n", i);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK(json_utf8_valid(good[i], strlen(good[i])));
		sb_reset(&sb);
		CHECK(json_quote(&sb, good[i]) == 0);
		if (!CHECK(parses(sb.s)))
			printf("#     good string %zu refused\n", i);
	}
	sb_free(&sb);
	sb_free(&doc);
}
