/* test_buf.c - strbuf, strvec, QEMU option escaping */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "unit.h"

TEST(strbuf_grows_and_consumes)
{
	struct strbuf sb;
	int i;

	sb_init(&sb);
	for (i = 0; i < 1000; i++)
		sb_addf(&sb, "%d,", i % 10);
	CHECK(sb.len == 2000);
	sb_consume(&sb, 1998);
	CHECK_STR(sb.s, "9,");
	sb_free(&sb);
}

TEST(strvec_is_null_terminated)
{
	struct strvec sv;

	sv_init(&sv);
	sv_push(&sv, "a");
	sv_pushf(&sv, "-%s", "b");
	CHECK(sv.n == 2);
	CHECK_STR(sv.v[1], "-b");
	CHECK(sv.v[2] == NULL);
	sv_free(&sv);
}

TEST(qemu_opt_escape_doubles_commas)
{
	char *s = qemu_opt_escape("a,b,,c");

	CHECK_STR(s, "a,,b,,,,c");
	free(s);
}

TEST(shell_words_read_back)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_add_shell_word(&sb, "file=/a,b.img", 1);
	sb_addc(&sb, ' ');
	sb_add_shell_word(&sb, "it's $HOME", 1);
	sb_addc(&sb, ' ');
	sb_add_shell_word(&sb, "", 1);
	sb_addc(&sb, ' ');
	sb_add_shell_word(&sb, "plain", 0);
	CHECK_STR(sb.s, "file=/a,b.img 'it'\\''s $HOME' '' 'plain'");
	sb_free(&sb);
}

TEST(sv_sort_unique_sorts_and_drops_repeats)
{
	struct strvec sv;

	sv_init(&sv);
	sv_push(&sv, "web");
	sv_push(&sv, "db");
	sv_push(&sv, "web");
	sv_push(&sv, "a");
	sv_push(&sv, "db");
	sv_sort_unique(&sv);
	CHECK(sv.n == 3 && sv.v[3] == NULL);
	if (sv.n == 3) {
		CHECK_STR(sv.v[0], "a");
		CHECK_STR(sv.v[1], "db");
		CHECK_STR(sv.v[2], "web");
	}
	sv_free(&sv);
}

TEST(sizes_for_people)
{
	static const struct {
		unsigned long long	 bytes;
		const char		*shown;
	} cases[] = {
		{ 0, "0 B" }, { 1023, "1023 B" }, { 1024, "1.0 KiB" },
		{ 1536, "1.5 KiB" }, { 100966707, "96.3 MiB" },
		{ 2147483648ULL, "2.0 GiB" }, { 1048575, "1.0 MiB" },
		{ ~0ULL, "16.0 EiB" }
	};
	struct strbuf sb;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sb_init(&sb);
		sb_add_size(&sb, cases[i].bytes);
		CHECK_STR(sb.s, cases[i].shown);
		sb_free(&sb);
	}
}
