/* test_guest.c - the READY text found in a console log read in pieces */
#include <string.h>

#include "guest.h"
#include "unit.h"

static int
feed(struct text_watch *w, const char *s)
{
	return text_watch_feed(w, s, strlen(s));
}

TEST(text_watch_finds_text_split_over_pieces)
{
	struct text_watch w;

	text_watch_init(&w, "login:");
	CHECK(!feed(&w, "Debian GNU/Linux 12 qinit-debian ttyS0\r\n\r\nqinit-"));
	CHECK(!feed(&w, "debian lo"));
	CHECK(!feed(&w, "g"));
	CHECK(feed(&w, "in: "));
	text_watch_free(&w);

	text_watch_init(&w, "login:");
	CHECK(!feed(&w, "log"));
	CHECK(!feed(&w, ""));
	CHECK(!feed(&w, "out: "));	/* "log" then "out:" is no match */
	CHECK(feed(&w, "xlogin:"));
	text_watch_free(&w);

	text_watch_init(&w, "x");
	CHECK(!feed(&w, "abc"));
	CHECK(feed(&w, "abx"));
	text_watch_free(&w);
}

TEST(text_watch_reads_binary_pieces)
{
	struct text_watch w;

	text_watch_init(&w, "READY");
	CHECK(!text_watch_feed(&w, "\0RE\0", 4));
	CHECK(!text_watch_feed(&w, "RE", 2));
	CHECK(text_watch_feed(&w, "ADY\0", 4));
	text_watch_free(&w);
}
