/*
 * test_visible.c - what a terminal would act on, escaped: C0 but the
 * line ends and tabs of text that keeps its lines, DEL, C1 and bytes
 * outside UTF-8; a sequence cut between two reads kept whole.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "visible.h"
#include "unit.h"

static char *
shown(const char *s, size_t len, int flags)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_adds(&sb, "");
	(void)visible_add(&sb, s, len, flags, 0);
	return sb_detach(&sb);
}

TEST(visible_escapes)
{
	static const char in[] = "a\033[2Jb\r\n\tc\x7f\xc2\x9b\x9b"
	    "\xc3\xa9\xe2\x82\xac\xff";
	char *s;

	CHECK_STR(s = shown(in, sizeof(in) - 1, 0),
	    "a\\x1b[2Jb\\x0d\\x0a\\x09c\\x7f\\xc2\\x9b\\x9b\xc3\xa9\xe2\x82\xac"
	    "\\xff");
	free(s);
	CHECK_STR(s = shown(in, sizeof(in) - 1, VISIBLE_LINES),
	    "a\\x1b[2Jb\\x0d\n\tc\\x7f\\xc2\\x9b\\x9b\xc3\xa9\xe2\x82\xac\\xff");
	free(s);
	CHECK_STR(s = shown("x\0y", 3, 0), "x\\x00y");
	free(s);
}

TEST(visible_stream_keeps_cut_sequences)
{
	struct strbuf sb;
	size_t n;

	sb_init(&sb);
	n = visible_add(&sb, "ab\xe2\x82", 4, 0, 1);	/* a euro cut */
	CHECK(n == 2);
	n = visible_add(&sb, "\xe2\x82\xac!", 4, 0, 1);
	CHECK(n == 4);
	CHECK_STR(sb.s, "ab\xe2\x82\xac!");
	n = visible_add(&sb, "\xe2\x82", 2, 0, 0);	/* the end: escaped */
	CHECK(n == 2);
	CHECK_STR(sb.s, "ab\xe2\x82\xac!\\xe2\\x82");
	sb_free(&sb);
}

TEST(visible_last_line_of_what_was_said)
{
	char *s;

	CHECK(visible_last_line("", 0) == NULL);
	CHECK(visible_last_line(" \n\n", 3) == NULL);
	CHECK_STR(s = visible_last_line("one\ntwo \033x\n\n", 13),
	    "two \\x1bx");
	free(s);
}
