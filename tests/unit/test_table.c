/*
 * test_table.c - one table renderer: columns as wide as their widest
 * cell in characters, one blank apart, no blank at a line's end, notes
 * that no column's width counts, every cell made visible.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "unit.h"

static char *
printed(const struct table *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	table_print(t, fp);
	fclose(fp);
	return buf;
}

TEST(table_widths_notes_and_escapes)
{
	struct table t;
	char *s;

	table_init(&t, 3);
	table_add(&t, "HOST");
	table_add(&t, "NAME");
	table_add(&t, "DESCRIPTION");
	table_add(&t, "a");
	table_add(&t, "caf\xc3\xa9");		/* 4 characters */
	table_add(&t, "");
	table_add(&t, "bbbbbb");
	table_note(&t, "(no answer: a very long reason that widens nothing)");
	table_add(&t, "c");
	table_add(&t, "e\033[31mvil");
	table_addll(&t, -42);
	CHECK_STR(s = printed(&t),
	    "HOST   NAME         DESCRIPTION\n"
	    "a      caf\xc3\xa9\n"
	    "bbbbbb (no answer: a very long reason that widens nothing)\n"
	    "c      e\\x1b[31mvil -42\n");
	free(s);
	table_free(&t);

	table_init(&t, 2);	/* a cell NULL is "-" */
	table_add(&t, NULL);
	table_add(&t, NULL);
	CHECK_STR(s = printed(&t), "- -\n");
	free(s);
	table_free(&t);
}

TEST(table_many_columns_cost_what_they_hold)
{
	struct table t;
	char *s;
	size_t i;

	table_init(&t, 100000);
	for (i = 0; i < 200000; i++)
		table_add(&t, "x");
	s = printed(&t);
	CHECK(s != NULL && strlen(s) == 2 * 2 * 100000);
	free(s);
	table_free(&t);
}
