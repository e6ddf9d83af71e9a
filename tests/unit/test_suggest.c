/* test_suggest.c - unknown keys and "did you mean" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "suggest.h"
#include "unit.h"

static const char *const keys[] = {
	"NAME", "OS", "RAM", "DSKx", "NICx", "BRIDGE_IFNAME", NULL
};

static int
known(const char *key)
{
	return strcmp(key, "NAME") == 0 || strcmp(key, "OS") == 0 ||
	    strcmp(key, "RAM") == 0 || strcmp(key, "DSK1") == 0 ||
	    strcmp(key, "DSK2") == 0 || strcmp(key, "NIC1") == 0 ||
	    strcmp(key, "BRIDGE_IFNAME") == 0;
}

/* The warnings for text, one a line (static). */
static const char *
warnings(const char *text, size_t len)
{
	static char buf[4096];
	struct cfg cfg;
	struct diag d;
	size_t i, at = 0;

	diag_init(&d);
	buf[0] = '\0';
	if (cfg_parse(&cfg, "t.cfg", text, len, &d) == 0)
		cfg_warn_unknown(&cfg, known, keys, &d);
	for (i = 0; i < d.n && at < sizeof(buf); i++)
		at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%s",
		    i > 0 ? "\n" : "", d.msgs[i].text);
	cfg_free(&cfg);
	diag_clear(&d);
	return buf;
}

static const char *
warn(const char *text)
{
	return warnings(text, strlen(text));
}

TEST(suggest_close_keys)
{
	CHECK_STR(warn("DKS1=x\n"),
	    "t.cfg:1: unknown key 'DKS1' (did you mean 'DSK1'?)");
	CHECK_STR(warn("DSK=x\n"),
	    "t.cfg:1: unknown key 'DSK' (did you mean 'DSK1'?)");
	CHECK_STR(warn("NIC12x=x\n"), "t.cfg:1: unknown key 'NIC12x'");
	CHECK_STR(warn("ram=1G\n"),
	    "t.cfg:1: unknown key 'ram' (did you mean 'RAM'?)");
	CHECK_STR(warn("BRIDGE_IFNAM=x\n"), "t.cfg:1: unknown key "
	    "'BRIDGE_IFNAM' (did you mean 'BRIDGE_IFNAME'?)");
	CHECK_STR(warn("XY=1\n"), "t.cfg:1: unknown key 'XY'");
	CHECK_STR(warn("NAME=a\nOS=b\nDSK2=c\n"), "");
}

/* Issue 14: "unknown key 'DSK01' (did you mean 'DSK01'?)" was a lie. */
TEST(suggest_never_the_key_itself)
{
	CHECK_STR(warn("DSK01=x\n"),
	    "t.cfg:1: unknown key 'DSK01' (did you mean 'DSK1'?)");
	CHECK_STR(warn("DSK0=x\n"),
	    "t.cfg:1: unknown key 'DSK0' (did you mean 'DSK1'?)");
	CHECK_STR(warn("DSK002=x\n"),
	    "t.cfg:1: unknown key 'DSK002' (did you mean 'DSK2'?)");
	CHECK_STR(warn("DSK3=x\n"), "t.cfg:1: unknown key 'DSK3'");
}

/* A 20 KB key took 124 s and 3.1 GB: now no work, and a short line. */
TEST(suggest_long_keys)
{
	size_t n = 20000;
	char *text = malloc(n + 16), want[128];

	memcpy(text, "DSK", 3);
	memset(text + 3, '1', n);
	memcpy(text + 3 + n, "=x\n", 4);
	snprintf(want, sizeof(want), "t.cfg:1: unknown key 'DSK%.29s...' "
	    "(%zu characters)", text + 3, n + 3);
	CHECK_STR(warn(text), want);
	free(text);
}

/* The file's helper variables are not unknown keys. */
TEST(suggest_skips_helpers)
{
	CHECK_STR(warn("DIR=/srv\nDSK1=$DIR/a\nDSK2=${DIR}/b\nIMG=x\n"),
	    "t.cfg:4: unknown key 'IMG'");
}

/* A name, say an action or a VM, for a word that was mistyped. */
static const char *
closest(const char *word, const char *const cands[], size_t n)
{
	static char buf[64];
	char *s = suggest_word(word, cands, n);

	snprintf(buf, sizeof(buf), "%s", s != NULL ? s : "(none)");
	free(s);
	return buf;
}

TEST(suggest_word_among_names)
{
	static const char *const acts[] = {
		"start", "stop", "restart", "status", "list", "info"
	};
	static const char *const cpus[] = { "Skylake-Client", "qemu64" };
	char long_word[64];

	CHECK_STR(closest("strat", acts, 6), "start");
	CHECK_STR(closest("stauts", acts, 6), "status");
	CHECK_STR(closest("lsit", acts, 6), "list");
	CHECK_STR(closest("stp", acts, 6), "stop");
	CHECK_STR(closest("frobnicate", acts, 6), "(none)");
	CHECK_STR(closest("stop", acts, 2), "(none)");	/* never itself */
	CHECK_STR(closest("x", acts, 6), "(none)");
	CHECK_STR(closest("skylake-client", cpus, 2), "Skylake-Client");
	CHECK_STR(closest("qemu46", cpus, 2), "qemu64");
	CHECK_STR(closest("web", NULL, 0), "(none)");
	/* Longer than 32 bytes: not compared at all. */
	memset(long_word, 's', sizeof(long_word) - 1);
	long_word[sizeof(long_word) - 1] = '\0';
	CHECK_STR(closest(long_word, acts, 6), "(none)");
}
