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

/* The console's last line as start -w shows it, after pieces. */
struct tail_case {
	const char	*pieces[4];
	const char	*want;
};

static void
check_tails(const struct tail_case *c, size_t n)
{
	struct log_tail t;
	size_t i, j;

	for (i = 0; i < n; i++) {
		log_tail_init(&t);
		for (j = 0; c[i].pieces[j] != NULL; j++)
			log_tail_feed(&t, c[i].pieces[j],
			    strlen(c[i].pieces[j]));
		CHECK_STR(log_tail_line(&t), c[i].want);
	}
}

TEST(log_tail_shows_the_last_line)
{
	static const struct tail_case c[] = {
		{ { NULL }, "" },
		{ { "one\r\n", "two\r\n", NULL }, "two" },
		{ { "one\r\ntw", "o and", NULL }, "two and" },
		{ { "one\n\n\r\n", NULL }, "one" },
		{ { "10%\r20%\r", "30%", NULL }, "30%" },
		{ { "done\r", "\n", NULL }, "done" }
	};

	check_tails(c, sizeof(c) / sizeof(c[0]));
}

TEST(log_tail_makes_the_line_harmless)
{
	static const struct tail_case c[] = {
		/* colours, a clear screen, a cursor move across pieces */
		{ { "\033[1;31mRED\033[0m ", "\033[2Jclear\033[", "Hnow\n",
		    NULL }, "RED clearnow" },
		/* a window title, ended by BEL or by ESC and a backslash */
		{ { "\033]0;title\007t", "\033]2;x\033\\itle\n", NULL },
		    "title" },
		{ { "a\tb\007c\010d\177e\033c!\n", NULL }, "a bcde!" },
		{ { "caf\xc3\xa9 \xe2\x82\xac\n", NULL }, "caf? ?" },
		{ { "x\x9b" "31my\n", NULL }, "x31my" },	/* C1 CSI */
		{ { "A\033", "[3", "1mB\n", NULL }, "AB" }
	};
	char long_line[LOG_LINE_MAX * 2 + 2];
	struct log_tail t;

	check_tails(c, sizeof(c) / sizeof(c[0]));
	memset(long_line, 'x', sizeof(long_line) - 2);
	long_line[sizeof(long_line) - 2] = '\n';
	long_line[sizeof(long_line) - 1] = '\0';
	log_tail_init(&t);
	log_tail_feed(&t, long_line, strlen(long_line));
	CHECK(strlen(log_tail_line(&t)) == LOG_LINE_MAX);
}
