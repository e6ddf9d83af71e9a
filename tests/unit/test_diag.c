/*
 * test_diag.c - collected diagnostics: counting, moving, printing as
 * "prog: [warning: |note: ]text" lines, and making text fit one line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "unit.h"

/*
 * diag_flush with stderr a memory stream: what it printed (caller
 * frees), its return in *errors.
 */
static char *
flushed(struct diag *d, const char *prog, unsigned *errors)
{
	FILE *saved = stderr, *mem;
	char *text = NULL;
	size_t len = 0;

	if ((mem = open_memstream(&text, &len)) == NULL) {
		perror("unit: open_memstream");
		exit(2);
	}
	stderr = mem;
	*errors = diag_flush(d, prog);
	stderr = saved;
	fclose(mem);
	return text;
}

TEST(diag_counts_each_level)
{
	struct diag d;

	diag_init(&d);
	CHECK(d.n == 0 && d.errors == 0 && d.warnings == 0);
	CHECK(diag_first_error(&d) == NULL);
	diag_warn(&d, "unknown key '%s'", "DKS1");
	diag_note(&d, "%d VMs", 3);
	CHECK(diag_first_error(&d) == NULL);
	diag_error(&d, "cannot open %s: %s", "/x", "No such file");
	diag_error(&d, "second");
	CHECK(d.n == 4 && d.errors == 2 && d.warnings == 1);
	CHECK_STR(diag_first_error(&d), "cannot open /x: No such file");
	CHECK(d.msgs[0].level == DIAG_WARNING && d.msgs[1].level == DIAG_NOTE);
	CHECK_STR(d.msgs[1].text, "3 VMs");
	diag_clear(&d);
	CHECK(d.n == 0 && d.errors == 0 && d.warnings == 0 && d.msgs == NULL);
}

TEST(diag_null_discards)
{
	diag_error(NULL, "%s", "nobody hears this");
	diag_warn(NULL, "%s", "nor this");
	diag_note(NULL, "%s", "nor this");
	CHECK(1);	/* and nothing leaks (the sanitizer build) */
}

TEST(diag_keeps_many_in_order)
{
	struct diag d;
	char want[32];
	size_t i;

	diag_init(&d);
	for (i = 0; i < 100; i++)
		diag_warn(&d, "line %zu", i);
	CHECK(d.n == 100 && d.warnings == 100);
	for (i = 0; i < 100; i += 33) {
		snprintf(want, sizeof(want), "line %zu", i);
		CHECK_STR(d.msgs[i].text, want);
	}
	diag_clear(&d);
}

TEST(diag_move_appends_and_empties)
{
	struct diag a, b;

	diag_init(&a);
	diag_init(&b);
	diag_warn(&a, "a1");
	diag_error(&b, "b1");
	diag_note(&b, "b2");
	diag_warn(&b, "b3");
	diag_move(&a, &b);
	CHECK(a.n == 4 && a.errors == 1 && a.warnings == 2);
	CHECK_STR(a.msgs[0].text, "a1");
	CHECK_STR(a.msgs[1].text, "b1");
	CHECK_STR(a.msgs[3].text, "b3");
	CHECK(b.n == 0 && b.errors == 0 && b.warnings == 0 && b.msgs == NULL);
	/* Moving nothing changes nothing. */
	diag_move(&a, &b);
	CHECK(a.n == 4);
	/* Into a NULL diag: dropped. */
	diag_error(&b, "gone");
	diag_move(NULL, &b);
	CHECK(b.n == 0);
	diag_clear(&a);
}

TEST(diag_flush_prints_one_line_each_and_clears)
{
	unsigned errors = 99;
	struct diag d;
	char *out;

	diag_init(&d);
	diag_error(&d, "cannot open %s: %s", "/etc/qemu/web-qemu.cfg",
	    "Permission denied");
	diag_warn(&d, "web-qemu.cfg:3: unknown key 'DKS1' (did you mean "
	    "'DSK1'?)");
	diag_note(&d, "web: not running");
	diag_error(&d, "second");
	out = flushed(&d, "qemu-init", &errors);
	CHECK_STR(out, "qemu-init: cannot open /etc/qemu/web-qemu.cfg: "
	    "Permission denied\n"
	    "qemu-init: warning: web-qemu.cfg:3: unknown key 'DKS1' (did you "
	    "mean 'DSK1'?)\n"
	    "qemu-init: note: web: not running\n"
	    "qemu-init: second\n");
	CHECK(errors == 2);
	CHECK(d.n == 0 && d.errors == 0 && d.warnings == 0);
	free(out);
	/* Nothing to say: nothing printed, no error. */
	out = flushed(&d, "qemu-cmd", &errors);
	CHECK_STR(out, "");
	CHECK(errors == 0);
	free(out);
	/* Warnings alone are no error. */
	diag_warn(&d, "w");
	out = flushed(&d, "qemu-cmd", &errors);
	CHECK_STR(out, "qemu-cmd: warning: w\n");
	CHECK(errors == 0);
	free(out);
}

TEST(diag_escape_keeps_printable_ascii_only)
{
	char *s;

	CHECK_STR(s = diag_escape("web: ok ~!", SIZE_MAX), "web: ok ~!");
	free(s);
	/* A terminal escape, a newline, a backslash: each as \xNN. */
	CHECK_STR(s = diag_escape("a\x1b[2Jb\nc\\d\x7f", SIZE_MAX),
	    "a\\x1b[2Jb\\x0ac\\x5cd\\x7f");
	free(s);
	/* Bytes above ASCII too (UTF-8 é). */
	CHECK_STR(s = diag_escape("caf\xc3\xa9", SIZE_MAX), "caf\\xc3\\xa9");
	free(s);
	CHECK_STR(s = diag_escape("", SIZE_MAX), "");
	free(s);
}

TEST(diag_escape_cuts_after_max_bytes)
{
	char *s;

	CHECK_STR(s = diag_escape("abcdef", 3), "abc...");
	free(s);
	CHECK_STR(s = diag_escape("abc", 3), "abc");	/* all of it: no "..." */
	free(s);
	CHECK_STR(s = diag_escape("abcd", 0), "...");
	free(s);
	/* max counts input bytes, not the escaped ones. */
	CHECK_STR(s = diag_escape("\n\n\n\n", 2), "\\x0a\\x0a...");
	free(s);
}

TEST(diag_one_line_joins_a_programs_complaint)
{
	char *s;

	CHECK_STR(s = diag_one_line("qemu-system-x86_64: -drive file=x: "
	    "Could not open 'x'\n"), "qemu-system-x86_64: -drive file=x: "
	    "Could not open 'x'");
	free(s);
	/* Lines joined by "; ", empty ones and trailing blanks dropped. */
	CHECK_STR(s = diag_one_line("first   \n\n   \nsecond\nthird"),
	    "first; second; third");
	free(s);
	/* Leading blanks are kept; control bytes escaped. */
	CHECK_STR(s = diag_one_line("  indented\n\x1b[31mred"),
	    "  indented; \\x1b[31mred");
	free(s);
	CHECK_STR(s = diag_one_line(""), "");
	free(s);
	CHECK_STR(s = diag_one_line("\n\n \n"), "");
	free(s);
}
