/*
 * test_migline.c - the control lines of a migration: words that carry
 * any path or message without splitting a line, each verb and the words
 * it wants, and what a peer could send that is refused or made visible.
 */
#include <stdio.h>
#include <string.h>

#include "migline.h"
#include "unit.h"

/* The kind of line, its words in w (sv_free it). */
static enum migline_kind
parse(const char *line, struct strvec *w)
{
	sv_init(w);
	return migline_parse(line, w);
}

TEST(migline_words_carry_any_path)
{
	static const char *odd[] = {
		"/srv/vm disk.img", "a%b", "new\nline", "tab\there",
		"ünïcode", "-rf", "x=1,y=2:@+._/"
	};
	struct strbuf line;
	struct strvec w;
	size_t i;

	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		sb_init(&line);
		sb_adds(&line, "ready 1 42");
		migline_word(&line, odd[i]);
		CHECK(strchr(line.s, '\n') == NULL);
		CHECK(parse(line.s, &w) == MIGLINE_READY);
		CHECK(w.n == 4);
		CHECK_STR(w.v[3], odd[i]);
		sv_free(&w);
		sb_free(&line);
	}
	sb_init(&line);
	migline_word(&line, "plain/word-1.img");
	CHECK_STR(line.s, "plain/word-1.img");
	sb_free(&line);
}

TEST(migline_verbs_and_their_words)
{
	static const struct {
		const char		*line;
		enum migline_kind	 kind;
	} cases[] = {
		{ "ready 0", MIGLINE_READY },
		{ "ready 2 10 /a 20 /b", MIGLINE_READY },
		{ "ready 2 10 /a", MIGLINE_BAD },
		{ "ready 1 ten /a", MIGLINE_BAD },
		{ "ready", MIGLINE_BAD },
		{ "refused", MIGLINE_REFUSED },
		{ "error no%20such%20VM", MIGLINE_ERROR },
		{ "warning x", MIGLINE_WARNING },
		{ "failed QEMU%20ended", MIGLINE_FAILED },
		{ "running", MIGLINE_RUNNING },
		{ "arrived", MIGLINE_RUNNING },
		{ "running now", MIGLINE_BAD },
		{ "commit run", MIGLINE_COMMIT },
		{ "commit pause", MIGLINE_COMMIT },
		{ "commit later", MIGLINE_BAD },
		{ "abort", MIGLINE_ABORT },
		{ "", MIGLINE_BAD },
		{ "ready  1", MIGLINE_BAD },
		{ "shutdown", MIGLINE_BAD },
		{ "error a%2", MIGLINE_BAD },
		{ "error a%zz", MIGLINE_BAD },
		{ "error a%00b", MIGLINE_BAD },
		{ "error a\"b", MIGLINE_BAD }
	};
	struct strvec w;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!CHECK(parse(cases[i].line, &w) == cases[i].kind))
			printf("#     line: \"%s\"\n", cases[i].line);
		sv_free(&w);
	}
	CHECK(parse("error no%20such%20VM", &w) == MIGLINE_ERROR);
	CHECK_STR(w.v[1], "no such VM");
	sv_free(&w);
}

/* A message from the other host reaches a terminal only as text. */
TEST(migline_text_is_made_visible)
{
	struct strvec w;

	CHECK(parse("failed %1B%5B2Jgone%9B", &w) == MIGLINE_FAILED);
	CHECK(strchr(w.v[1], '\033') == NULL);
	CHECK(strstr(w.v[1], "\\x1b[2Jgone") != NULL);
	sv_free(&w);
}
