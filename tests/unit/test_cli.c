/*
 * test_cli.c - what every program does the same way: -h, -V, a bad
 * option, -t SECS, and a failed write of its output.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "unit.h"

/* Where fd 1 and 2 went while captured. */
struct capture {
	int	 saved[3];
	char	 path[3][4200];
	char	*text[3];	/* what each got; caller frees (capture_end) */
};

/* Sends stdout and stderr to files of a temp folder. */
static void
capture_begin(struct capture *c)
{
	const char *dir = unit_tmpdir();
	int fd, i;

	memset(c, 0, sizeof(*c));
	fflush(stdout);
	fflush(stderr);
	for (i = 1; i <= 2; i++) {
		snprintf(c->path[i], sizeof(c->path[i]), "%s/%d", dir, i);
		fd = open(c->path[i], O_WRONLY | O_CREAT | O_TRUNC, 0600);
		c->saved[i] = dup(i);
		if (fd < 0 || c->saved[i] < 0 || dup2(fd, i) < 0) {
			perror("unit: capture");
			exit(2);
		}
		close(fd);
	}
}

/* Puts stdout and stderr back; c->text[1] and [2] hold what they got. */
static void
capture_end(struct capture *c)
{
	char buf[8192];
	FILE *fp;
	size_t n;
	int i;

	fflush(stdout);
	fflush(stderr);
	for (i = 1; i <= 2; i++) {
		if (dup2(c->saved[i], i) < 0)
			exit(2);
		close(c->saved[i]);
		n = 0;
		if ((fp = fopen(c->path[i], "r")) != NULL) {
			n = fread(buf, 1, sizeof(buf) - 1, fp);
			fclose(fp);
		}
		buf[n] = '\0';
		c->text[i] = strdup(buf);
	}
}

static void
capture_free(struct capture *c)
{
	free(c->text[1]);
	free(c->text[2]);
}

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: %s [-t secs] vm\n", cli_prog);
}

TEST(cli_version_names_the_program)
{
	const char *was = cli_prog;
	struct capture c;
	int rc;

	cli_init("qemu-cmd");
	CHECK_STR(cli_prog, "qemu-cmd");
	capture_begin(&c);
	rc = cli_version();
	capture_end(&c);
	CHECK(rc == 0);
	CHECK_STR(c.text[1], "qemu-cmd " QI_VERSION "\n");
	CHECK_STR(c.text[2], "");
	capture_free(&c);
	cli_init(was);
}

TEST(cli_common_options)
{
	const char *was = cli_prog;
	struct capture c;
	int rc;

	cli_init("qemu-mon");
	/* -h: the usage on stdout, exit 0. */
	capture_begin(&c);
	rc = cli_common_option('h', usage);
	capture_end(&c);
	CHECK(rc == 0);
	CHECK_STR(c.text[1], "usage: qemu-mon [-t secs] vm\n");
	CHECK_STR(c.text[2], "");
	capture_free(&c);
	/* -V: the version. */
	capture_begin(&c);
	rc = cli_common_option('V', usage);
	capture_end(&c);
	CHECK(rc == 0);
	CHECK_STR(c.text[1], "qemu-mon " QI_VERSION "\n");
	capture_free(&c);
	/* A bad option or a missing argument: the usage on stderr. */
	capture_begin(&c);
	rc = cli_common_option('?', usage);
	capture_end(&c);
	CHECK(rc == EX_USAGE && EX_USAGE == 64);
	CHECK_STR(c.text[1], "");
	CHECK_STR(c.text[2], "usage: qemu-mon [-t secs] vm\n");
	capture_free(&c);
	capture_begin(&c);
	rc = cli_common_option(':', usage);
	capture_end(&c);
	CHECK(rc == EX_USAGE);
	CHECK_STR(c.text[2], "usage: qemu-mon [-t secs] vm\n");
	capture_free(&c);
	/* Any other: the program's own, nothing said. */
	capture_begin(&c);
	rc = cli_common_option('t', usage);
	capture_end(&c);
	CHECK(rc == -1);
	CHECK_STR(c.text[1], "");
	CHECK_STR(c.text[2], "");
	capture_free(&c);
	cli_init(was);
}

TEST(cli_longopts_are_help_and_version)
{
	CHECK_STR(cli_longopts[0].name, "help");
	CHECK(cli_longopts[0].val == 'h' &&
	    cli_longopts[0].has_arg == no_argument);
	CHECK_STR(cli_longopts[1].name, "version");
	CHECK(cli_longopts[1].val == 'V' &&
	    cli_longopts[1].has_arg == no_argument);
	CHECK(cli_longopts[2].name == NULL);
}

TEST(cli_seconds_bounded)
{
	const char *bad[][2] = {
		{ "9x", "not a number" },
		{ "", "not a number" },
		{ " 5", "not a number" },
		{ "+5", "not a number" },
		{ "1e3", "not a number" },
		{ "0", "too small" },
		{ "-5", "too small" },
		{ "3601", "too large" },
		{ "99999999999999999999", "too large" },
		{ "-99999999999999999999", "too small" },
	};
	const char *was = cli_prog;
	struct capture c;
	long long secs = 42;
	char want[256];
	size_t i;
	int rc;

	cli_init("qemu-cmd");
	capture_begin(&c);
	rc = cli_seconds("-t", "3600", 1, 3600, &secs);
	capture_end(&c);
	CHECK(rc == 0 && secs == 3600);
	CHECK_STR(c.text[2], "");
	capture_free(&c);
	CHECK(cli_seconds("-t", "1", 1, 3600, &secs) == 0 && secs == 1);
	CHECK(cli_seconds("-t", "007", 1, 3600, &secs) == 0 && secs == 7);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		secs = 42;
		capture_begin(&c);
		rc = cli_seconds("-t", bad[i][0], 1, 3600, &secs);
		capture_end(&c);
		CHECK(rc == EX_USAGE);
		CHECK(secs == 42);	/* untouched */
		snprintf(want, sizeof(want), "qemu-cmd: -t %s: %s (1 to 3600 "
		    "seconds)\n", bad[i][0], bad[i][1]);
		CHECK_STR(c.text[2], want);
		CHECK_STR(c.text[1], "");
		capture_free(&c);
	}
	cli_init(was);
}

TEST(cli_flush_fails_loudly_on_a_full_disk)
{
	const char *was = cli_prog;
	struct capture c;
	int rc, full;

	cli_init("qemu-init");
	capture_begin(&c);
	full = open("/dev/full", O_WRONLY);
	if (full >= 0) {
		(void)dup2(full, 1);
		close(full);
	}
	printf("VM  STATUS\n");
	rc = cli_flush();
	/* What could not be written is dropped, not written later. */
	__fpurge(stdout);
	clearerr(stdout);
	capture_end(&c);
	CHECK(full >= 0);
	CHECK(rc == 1);
	CHECK_STR(c.text[2], "qemu-init: cannot write output: No space left "
	    "on device\n");
	capture_free(&c);
	/* And an output that can be written is no failure. */
	capture_begin(&c);
	printf("VM  STATUS\n");
	rc = cli_flush();
	capture_end(&c);
	CHECK(rc == 0);
	CHECK_STR(c.text[1], "VM  STATUS\n");
	capture_free(&c);
	cli_init(was);
}
