/* test_cfg.c - the shell-subset config parser, hostile input included */
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "unit.h"

/* Parses text as "t.cfg"; returns the first error or "" (static). */
static const char *
parse_err(const char *text, size_t len, struct cfg *out)
{
	static char buf[512];
	struct diag d;
	struct cfg cfg;

	diag_init(&d);
	buf[0] = '\0';
	if (cfg_parse(&cfg, "t.cfg", text, len, &d) != 0)
		snprintf(buf, sizeof(buf), "%s", diag_first_error(&d));
	diag_clear(&d);
	if (out != NULL)
		*out = cfg;
	else
		cfg_free(&cfg);
	return buf;
}

static const char *
perr(const char *text)
{
	return parse_err(text, strlen(text), NULL);
}

static const char *
val(const char *text, const char *key)
{
	static char buf[512];
	const struct cfg_entry *e;
	struct cfg cfg;

	if (*parse_err(text, strlen(text), &cfg) != '\0') {
		cfg_free(&cfg);
		return "(error)";
	}
	e = cfg_get(&cfg, key);
	snprintf(buf, sizeof(buf), "%s", e ? e->value : "(unset)");
	cfg_free(&cfg);
	return buf;
}

TEST(cfg_plain_forms)
{
	CHECK_STR(val("A=b\n", "A"), "b");
	CHECK_STR(val("A=\"b c\"\n", "A"), "b c");
	CHECK_STR(val("A='b $c'\n", "A"), "b $c");
	CHECK_STR(val("export A=1\n", "A"), "1");
	CHECK_STR(val("  A=1   # comment\n", "A"), "1");
	CHECK_STR(val("# only\n\nA=x#y\n", "A"), "x#y");
	CHECK_STR(val("A=\n", "A"), "");
	CHECK_STR(val("A=1\nA=2\n", "A"), "2");
	CHECK_STR(val("A=x", "A"), "x");
	CHECK_STR(val("A=a\"b\"'c'd\n", "A"), "abcd");
	CHECK_STR(val("_a9=1\n", "_a9"), "1");
}

TEST(cfg_escapes_in_double_quotes)
{
	CHECK_STR(val("A=\"q\\\"q\"", "A"), "q\"q");
	CHECK_STR(val("A=\"b\\\\s\"", "A"), "b\\s");
	CHECK_STR(val("A=\"d\\$x\"", "A"), "d$x");
	CHECK_STR(val("A=\"t\\`x\"", "A"), "t`x");
	CHECK_STR(val("A=\"n\\x\"", "A"), "n\\x");
	CHECK_STR(val("A=\"a\\\nb\"", "A"), "ab");
	CHECK_STR(val("A=\"two\nlines\"\nB=1", "A"), "two\nlines");
	CHECK_STR(val("A=un\\ quoted", "A"), "un quoted");
	CHECK_STR(val("A=\"cost $ 5\"", "A"), "cost $ 5");
}

TEST(cfg_expansion_of_earlier_keys)
{
	CHECK_STR(val("D=/srv\nA=$D/x\n", "A"), "/srv/x");
	CHECK_STR(val("D=/srv\nA=\"${D}x\"\n", "A"), "/srvx");
	CHECK_STR(val("D='a b'\nA=$D\n", "A"), "a b");
	CHECK_STR(perr("A=$HOME\n"), "t.cfg:1:3: 'HOME' is not set earlier "
	    "in this file (the environment is not expanded)");
	CHECK_STR(perr("A=$B\nB=1\n"), "t.cfg:1:3: 'B' is not set earlier "
	    "in this file (the environment is not expanded)");
	CHECK_STR(perr("A=${B:-x}\n"), "t.cfg:1:3: unsupported expansion "
	    "(only $KEY and ${KEY} are allowed)");
	CHECK_STR(perr("A=${B\n"), "t.cfg:1:3: unterminated ${");
	CHECK_STR(perr("A=\"$1\"\n"), "t.cfg:1:4: special parameters "
	    "($1, $?, ...) are not supported");
}

TEST(cfg_marks_helper_keys)
{
	struct cfg cfg;
	const char *t1 = "D=/a\nE=x\nD=/b\nA=${D}\nB=$A\nE=y\n";
	const char *t2 = "A='$B'\nB=\"\\$A\"\n";

	CHECK_STR(parse_err(t1, strlen(t1), &cfg), "");
	CHECK(cfg.n == 6);
	CHECK(cfg.v[0].used && cfg.v[2].used && cfg.v[3].used);
	CHECK(!cfg.v[1].used && !cfg.v[4].used && !cfg.v[5].used);
	cfg_free(&cfg);
	CHECK_STR(parse_err(t2, strlen(t2), &cfg), "");
	CHECK(!cfg.v[0].used && !cfg.v[1].used);
	cfg_free(&cfg);
}

TEST(cfg_rejects_commands)
{
	CHECK_STR(perr("A=$(id)\n"),
	    "t.cfg:1:3: command substitution $(...) is not allowed");
	CHECK_STR(perr("A=\"x$(id)\"\n"),
	    "t.cfg:1:5: command substitution $(...) is not allowed");
	CHECK_STR(perr("A=`id`\n"),
	    "t.cfg:1:3: command substitution (`...`) is not allowed");
	CHECK_STR(perr("A=\"`id`\"\n"),
	    "t.cfg:1:4: command substitution (`...`) is not allowed");
	CHECK_STR(perr("A=1; rm -rf /\n"), "t.cfg:1:4: unexpected ';' "
	    "(only KEY=value assignments are allowed; quote the value)");
	CHECK_STR(perr("A=1 B=2\n"), "t.cfg:1:5: unexpected text after the "
	    "value (quote values that contain spaces)");
	CHECK_STR(perr("A=b c\n"), "t.cfg:1:5: unexpected text after the "
	    "value (quote values that contain spaces)");
	CHECK_STR(perr("rm -rf /\n"),
	    "t.cfg:1:1: not an assignment (expected KEY=value)");
	CHECK_STR(perr("A=x\n. /etc/other\n"), "t.cfg:2:1: unexpected '.' "
	    "(only KEY=value assignments are allowed; quote the value)");
	CHECK_STR(perr("A = 1\n"),
	    "t.cfg:1:1: not an assignment (expected KEY=value)");
	CHECK_STR(perr("A=~/x\n"), "t.cfg:1:3: unquoted '~' would be "
	    "expanded by a shell; quote the value");
	CHECK_STR(val("A='~/x'\n", "A"), "~/x");
}

TEST(cfg_unterminated_quotes)
{
	CHECK_STR(perr("\nA=\"abc\n"), "t.cfg:2:3: unterminated double quote");
	CHECK_STR(perr("A='abc\n\n"), "t.cfg:1:3: unterminated single quote");
	CHECK_STR(perr("A=abc\\"), "t.cfg:1:6: backslash at end of file");
}

TEST(cfg_odd_keys)
{
	CHECK_STR(perr("1A=x\n"), "t.cfg:1:1: invalid key (keys are made of "
	    "[A-Za-z_][A-Za-z0-9_]*)");
	CHECK_STR(perr("A-B=x\n"), "t.cfg:1:2: invalid key (keys are made of "
	    "[A-Za-z_][A-Za-z0-9_]*)");
	CHECK_STR(perr("K\xc3\xa9Y=x\n"), "t.cfg:1:2: invalid key (keys are "
	    "made of [A-Za-z_][A-Za-z0-9_]*)");
	CHECK_STR(perr("=x\n"), "t.cfg:1:1: unexpected '=' (only KEY=value "
	    "assignments are allowed; quote the value)");
	CHECK_STR(perr("export\n"),
	    "t.cfg:1:1: not an assignment (expected KEY=value)");
	CHECK(cfg_key_valid("DSK1"));
	CHECK(!cfg_key_valid("1DSK"));
	CHECK(!cfg_key_valid(""));
}

TEST(cfg_nul_and_cr)
{
	/* Wherever it is, a CR says what it is and what to do. */
	static const char *const cr[][2] = {
		{ "A=1\r\n", "1:4" }, { "A=\"1\r\n\"\n", "1:5" },
		{ "A=1 \r\n", "1:5" }, { "A=x\\\r\n", "1:5" },
		{ "A\r=1\n", "1:2" },
	};
	char want[128];
	size_t i;

	CHECK_STR(parse_err("A=1\nB=x\0y\n", 10, NULL),
	    "t.cfg:2:4: NUL byte in file");
	CHECK_STR(parse_err("A='x\0'\n", 7, NULL),
	    "t.cfg:1:5: NUL byte in file");
	for (i = 0; i < sizeof(cr) / sizeof(cr[0]); i++) {
		snprintf(want, sizeof(want), "t.cfg:%s: carriage return (DOS "
		    "line ending): convert the file with dos2unix", cr[i][1]);
		CHECK_STR(perr(cr[i][0]), want);
	}
}

/* Issue 14 item 7: no message holds a raw control byte. */
TEST(cfg_control_characters_are_named)
{
	CHECK_STR(perr("A=a\033[2Jb\n"),
	    "t.cfg:1:4: control character (byte 0x1B)");
	CHECK_STR(perr("A='a\033b'\n"),
	    "t.cfg:1:5: control character (byte 0x1B)");
	CHECK_STR(perr("\033A=1\n"),
	    "t.cfg:1:1: control character (byte 0x1B)");
	CHECK_STR(perr("A=\177\n"),
	    "t.cfg:1:3: control character (byte 0x7F)");
	CHECK_STR(perr("\xc3\xa9=1\n"), "t.cfg:1:1: unexpected byte 0xC3 "
	    "(only KEY=value assignments are allowed; quote the value)");
	CHECK_STR(val("A='\ttab'\nB=x\n", "A"), "\ttab");
	CHECK_STR(perr("export \nA=1\n"),
	    "t.cfg:1:8: not an assignment (expected KEY=value)");
	CHECK_STR(perr("export\t"),
	    "t.cfg:1:8: not an assignment (expected KEY=value)");
	CHECK_STR(perr("export # x\n"),
	    "t.cfg:1:8: not an assignment (expected KEY=value)");
	CHECK_STR(parse_err("A=$\0\n", 5, NULL),
	    "t.cfg:1:4: NUL byte in file");
}

TEST(cfg_byte_order_mark)
{
	CHECK_STR(perr("\xef\xbb\xbfOS=linux\n"), "t.cfg:1:1: UTF-8 byte "
	    "order mark at the start of the file: save it without one");
	CHECK_STR(val("A='\xef\xbb\xbf'\n", "A"), "\xef\xbb\xbf");
}

/* Issue 15: “pasted” quotes get one message, whatever the key. */
TEST(cfg_typographic_quotes)
{
	CHECK_STR(perr("NIC1=\xe2\x80\x9cvirtio-net-pci\xe2\x80\x9d\n"),
	    "t.cfg:1:6: typographic quote: use \" or '");
	CHECK_STR(perr("DSK1=\xe2\x80\x98" "disk.img\xe2\x80\x99\n"),
	    "t.cfg:1:6: typographic quote: use \" or '");
	CHECK_STR(perr("DESC=\xe2\x80\x9cweb server\xe2\x80\x9d\n"),
	    "t.cfg:1:6: typographic quote: use \" or '");
	CHECK_STR(perr("DESC=a\\\xe2\x80\x9c\n"),
	    "t.cfg:1:8: typographic quote: use \" or '");
	CHECK_STR(perr("\xe2\x80\x9c" "A=1\n"),
	    "t.cfg:1:1: typographic quote: use \" or '");
	CHECK_STR(perr("A=1 \xe2\x80\x9cx\n"),
	    "t.cfg:1:5: typographic quote: use \" or '");
	/* Quoted, they are text, as in a description. */
	CHECK_STR(val("DESC=\"the \xe2\x80\x9cweb\xe2\x80\x9d box\"\n",
	    "DESC"), "the \xe2\x80\x9cweb\xe2\x80\x9d box");
	CHECK_STR(val("A=caf\xc3\xa9\n", "A"), "caf\xc3\xa9");
}

TEST(cfg_long_lines)
{
	size_t n = 60 * 1024;
	char *text = malloc(CFG_MAX_VALUE + 8);
	struct cfg cfg;

	memcpy(text, "A=", 2);
	memset(text + 2, 'x', n);
	memcpy(text + 2 + n, "\n", 2);
	CHECK_STR(parse_err(text, strlen(text), &cfg), "");
	CHECK(cfg.n == 1 && strlen(cfg.v[0].value) == n);
	cfg_free(&cfg);
	text[2 + n - 1] = '`';
	CHECK(strstr(parse_err(text, strlen(text), NULL),
	    "t.cfg:1:61442: command substitution") != NULL);
	/* 64 KiB is the most a value holds. */
	memset(text + 2, 'x', CFG_MAX_VALUE);
	memcpy(text + 2 + CFG_MAX_VALUE, "\n", 2);
	CHECK_STR(parse_err(text, strlen(text), NULL), "");
	memcpy(text + 2 + CFG_MAX_VALUE, "x\n", 3);
	CHECK_STR(parse_err(text, strlen(text), NULL),
	    "t.cfg:1:1: value longer than 64 KiB (after expansion)");
	free(text);
}

/* Issue 14: 27 lines of A=$A$A took 4.2 GB; the bound stops line 17. */
TEST(cfg_expansion_bomb)
{
	struct strbuf sb;
	int i;

	sb_init(&sb);
	sb_adds(&sb, "A=xx\n");
	for (i = 0; i < 26; i++)
		sb_adds(&sb, "A=$A\"${A}\"\n");
	CHECK_STR(parse_err(sb.s, sb.len, NULL),
	    "t.cfg:17:6: value longer than 64 KiB (after expansion)");
	sb_free(&sb);
}

/* Many keys each expanding a 60 KiB one: 4 MiB in all at the most. */
TEST(cfg_total_of_values_is_bounded)
{
	struct strbuf sb;
	int i;

	sb_init(&sb);
	sb_adds(&sb, "A=");
	for (i = 0; i < 60 * 1024; i++)
		sb_addc(&sb, 'x');
	sb_addc(&sb, '\n');
	for (i = 0; i < 200; i++)
		sb_addf(&sb, "B%d=$A\n", i);
	CHECK_STR(parse_err(sb.s, sb.len, NULL), "t.cfg:69:5: the values of "
	    "this file are longer than 4 MiB together (after expansion)");
	sb_free(&sb);
}

/* Thousands of keys: each found, the last assignment winning. */
TEST(cfg_many_keys)
{
	const struct cfg_entry *e;
	struct strbuf sb;
	struct cfg cfg;
	char key[32];
	int i, ok = 1;

	sb_init(&sb);
	for (i = 0; i < 5000; i++)
		sb_addf(&sb, "K%d=%d\nX=$K%d\n", i, i, i);
	sb_adds(&sb, "K7=last\n");
	CHECK_STR(parse_err(sb.s, sb.len, &cfg), "");
	CHECK(cfg.n == 10001);
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "K%d", i);
		e = cfg_get(&cfg, key);
		if (i != 7 && (e == NULL || atoi(e->value) != i))
			ok = 0;
	}
	CHECK(ok);
	CHECK_STR(cfg_get(&cfg, "K7")->value, "last");
	CHECK_STR(cfg_get(&cfg, "X")->value, "4999");
	CHECK(cfg_get(&cfg, "K5000") == NULL);
	cfg_free(&cfg);
	sb_free(&sb);
}

TEST(cfg_line_numbers_of_keys)
{
	struct cfg cfg;

	CHECK_STR(parse_err("# c\n\nA=\"x\ny\"\nB=2\n", 15, &cfg), "");
	CHECK(cfg.n == 2 && cfg.v[0].line == 3 && cfg.v[1].line == 5);
	cfg_free(&cfg);
}

TEST(cfg_load_files)
{
	const char *dir = unit_tmpdir();
	struct diag d;
	struct cfg cfg;
	char *path, *missing;

	diag_init(&d);
	path = xstrdup(unit_writes(dir, "ok.cfg", "A=1\n"));
	CHECK(cfg_load(&cfg, path, 0, &d) == 0);
	CHECK_STR(cfg_get(&cfg, "A")->value, "1");
	cfg_free(&cfg);
	missing = xasprintf("%s/none.cfg", dir);
	CHECK(cfg_load(&cfg, missing, 1, &d) == 1 && cfg.n == 0);
	cfg_free(&cfg);
	CHECK(cfg_load(&cfg, missing, 0, &d) == -1);
	cfg_free(&cfg);
	CHECK(cfg_load(&cfg, dir, 0, &d) == -1);
	cfg_free(&cfg);
	CHECK(d.errors == 2);
	CHECK(strstr(d.msgs[0].text, "none.cfg: No such file") != NULL);
	CHECK(strstr(d.msgs[1].text, ": is a directory") != NULL);
	free(path);
	free(missing);
	diag_clear(&d);
}
