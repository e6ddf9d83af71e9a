/* test_fileread.c - reading config files whole, bounded */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fileread.h"
#include "unit.h"

TEST(fileread_reads_and_refuses)
{
	const char *dir = unit_tmpdir();
	struct strbuf sb;
	struct diag d;
	char *path;

	diag_init(&d);
	sb_init(&sb);
	path = xstrdup(unit_writes(dir, "a.cfg", "A=1\n"));
	CHECK(file_read(path, &sb, 0, &d) == 0 && sb.len == 4);
	CHECK_STR(sb.s, "A=1\n");
	free(path);
	path = xasprintf("%s/none", dir);
	CHECK(file_read(path, &sb, 1, &d) == 1 && d.n == 0);
	CHECK(file_read(path, &sb, 0, &d) == -1);
	CHECK(strstr(diag_first_error(&d), "none: No such file") != NULL);
	diag_clear(&d);
	CHECK(config_read(dir, &sb, 0, &d) == -1);
	CHECK(strstr(diag_first_error(&d), ": is a directory") != NULL);
	diag_clear(&d);
	free(path);
	sb_free(&sb);
}

/* 1 MiB at the most, and the error names the line where it ends. */
TEST(fileread_size_limit_names_the_line)
{
	const char *dir = unit_tmpdir();
	size_t n = CFG_MAX_SIZE, i;
	struct strbuf sb;
	struct diag d;
	char *text, *path, *want;

	text = malloc(n + 1);
	for (i = 0; i < n; i += 4)
		memcpy(text + i, "A=1\n", 4);
	path = xstrdup(unit_write(dir, "max.cfg", text, n));
	diag_init(&d);
	sb_init(&sb);
	CHECK(config_read(path, &sb, 0, &d) == 0 && sb.len == n);
	free(path);
	text[n] = 'x';
	path = xstrdup(unit_write(dir, "big.cfg", text, n + 1));
	CHECK(config_read(path, &sb, 0, &d) == -1);
	want = xasprintf("%s:%zu: file larger than 1 MiB", path, n / 4 + 1);
	CHECK_STR(diag_first_error(&d), want);
	free(want);
	free(path);
	free(text);
	sb_free(&sb);
	diag_clear(&d);
}
