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

/* The console's last line as start -w shows it. */
static const char *
tail_of(const char *const pieces[])
{
	static struct log_tail t;
	size_t i;

	log_tail_init(&t);
	for (i = 0; pieces[i] != NULL; i++)
		log_tail_feed(&t, pieces[i], strlen(pieces[i]));
	return log_tail_line(&t);
}

TEST(log_tail_shows_the_last_line)
{
	static const char *const empty[] = { NULL };
	static const char *const two[] = { "one\r\n", "two\r\n", NULL };
	static const char *const partial[] = { "one\r\ntw", "o and", NULL };
	static const char *const blank[] = { "one\n\n\r\n", NULL };
	static const char *const cr[] = { "10%\r20%\r", "30%", NULL };
	static const char *const crlf[] = { "done\r", "\n", NULL };

	CHECK_STR(tail_of(empty), "");
	CHECK_STR(tail_of(two), "two");
	CHECK_STR(tail_of(partial), "two and");
	CHECK_STR(tail_of(blank), "one");
	CHECK_STR(tail_of(cr), "30%");
	CHECK_STR(tail_of(crlf), "done");
}

TEST(log_tail_makes_the_line_harmless)
{
	static const char *const colour[] = {
		"\033[1;31mRED\033[0m ", "\033[2Jclear\033[", "Hnow\n", NULL
	};
	static const char *const osc[] = {
		"\033]0;title\007t", "\033]2;x\033\\itle\n", NULL
	};
	static const char *const ctrl[] = {
		"a\tb\007c\010d\177e\033c!\n", NULL
	};
	static const char *const utf8[] = { "caf\xc3\xa9 \xe2\x82\xac\n",
	    NULL };
	static const char *const c1[] = { "x\x9b" "31my\n", NULL };
	static const char *const split[] = { "A\033", "[3", "1mB\n", NULL };
	char long_line[LOG_LINE_MAX * 2 + 2];
	const char *const lng[] = { long_line, NULL };

	CHECK_STR(tail_of(colour), "RED clearnow");
	CHECK_STR(tail_of(osc), "title");
	CHECK_STR(tail_of(ctrl), "a bcde!");
	CHECK_STR(tail_of(utf8), "caf? ?");
	CHECK_STR(tail_of(c1), "x31my");
	CHECK_STR(tail_of(split), "AB");
	memset(long_line, 'x', sizeof(long_line) - 2);
	long_line[sizeof(long_line) - 2] = '\n';
	long_line[sizeof(long_line) - 1] = '\0';
	CHECK(strlen(tail_of(lng)) == LOG_LINE_MAX);
}
