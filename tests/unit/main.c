/*
 * main.c - runs every registered unit test and prints TAP-like lines and
 * a closing "N passed, N failed".
 */
#include <ftw.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "rundir.h"
#include "unit.h"

struct unit_test {
	const char	*name;
	void		(*fn)(void);
};

static struct unit_test	tests[512];
static size_t		ntests;
static int		failed_checks;
static char		tmproot[4096];
static unsigned		ntmp;

void
unit_register(const char *name, void (*fn)(void))
{
	if (ntests == sizeof(tests) / sizeof(tests[0])) {
		fprintf(stderr, "unit: too many tests\n");
		exit(2);
	}
	tests[ntests].name = name;
	tests[ntests].fn = fn;
	ntests++;
}

int
unit_check(int ok, const char *expr, const char *file, int line)
{
	if (!ok) {
		printf("#   %s:%d: CHECK(%s) failed\n", file, line, expr);
		failed_checks++;
	}
	return ok;
}

int
unit_check_str(const char *a, const char *b, const char *ea, const char *eb,
    const char *file, int line)
{
	if (a == NULL || b == NULL || strcmp(a, b) != 0) {
		printf("#   %s:%d: %s == %s failed\n#     got:  \"%s\"\n"
		    "#     want: \"%s\"\n", file, line, ea, eb,
		    a ? a : "(null)", b ? b : "(null)");
		failed_checks++;
		return 0;
	}
	return 1;
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	remove(path);
	return 0;
}

static void
remove_tmproot(void)
{
	if (tmproot[0] != '\0')
		nftw(tmproot, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *
unit_tmpdir(void)
{
	static char path[4200];
	const char *base;

	if (tmproot[0] == '\0') {
		base = getenv("TMPDIR");
		snprintf(tmproot, sizeof(tmproot), "%s/qinit-unit.XXXXXX",
		    base != NULL && *base != '\0' ? base : "/tmp");
		if (mkdtemp(tmproot) == NULL) {
			perror("unit: mkdtemp");
			exit(2);
		}
		atexit(remove_tmproot);
	}
	snprintf(path, sizeof(path), "%s/%u", tmproot, ++ntmp);
	if (mkdir(path, 0700) != 0) {
		perror("unit: mkdir");
		exit(2);
	}
	return path;
}

void
unit_rundir(struct rundir *rd, const char *dir)
{
	struct diag d;

	diag_init(&d);
	CHECK(rundir_open(rd, dir, RUNDIR_WRITE, &d) == 0);
	diag_clear(&d);
}

char *
unit_write(const char *dir, const char *name, const char *data, size_t len)
{
	static char path[8192];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	if (fp == NULL || fwrite(data, 1, len, fp) != len || fclose(fp) != 0) {
		perror(path);
		exit(2);
	}
	return path;
}

char *
unit_writes(const char *dir, const char *name, const char *text)
{
	return unit_write(dir, name, text, strlen(text));
}

const char *
unit_reads(const char *dir, const char *name)
{
	static char text[8192];
	char path[4096];
	size_t n;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	n = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[n] = '\0';
	return text;
}

int
main(int argc, char **argv)
{
	const char *me = strrchr(argv[0], '/');
	size_t i;
	int passed = 0, failed = 0, before;

	/* Run by a test as a fake QEMU (test_lifecycle.c). */
	me = me != NULL ? me + 1 : argv[0];
	if (strncmp(me, "fake-qemu-", 10) == 0)
		return unit_fake_qemu(argc, argv);
	for (i = 0; i < ntests; i++) {
		if (argc > 1 && strstr(tests[i].name, argv[1]) == NULL)
			continue;
		before = failed_checks;
		tests[i].fn();
		fflush(stdout);
		if (failed_checks == before) {
			printf("ok %zu - %s\n", i + 1, tests[i].name);
			passed++;
		} else {
			printf("not ok %zu - %s\n", i + 1, tests[i].name);
			failed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
