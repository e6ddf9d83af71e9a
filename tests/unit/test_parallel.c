/* test_parallel.c - children run at once, their output shown in order */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "parallel.h"
#include "sock.h"
#include "unit.h"

/* Child i sleeps (n - i) * 30 ms, so the last one ends first. */
static int
child(size_t i, void *arg)
{
	struct timespec ts = { 0, 0 };

	ts.tv_nsec = (long)(*(size_t *)arg - i) * 30 * 1000 * 1000;
	nanosleep(&ts, NULL);
	printf("out %zu\n", i);
	fprintf(stderr, "err %zu\n", i);
	return i == 2 ? 3 : 0;
}

TEST(parallel_output_in_order_worst_status)
{
	const char *dir = unit_tmpdir();
	char path[4096];
	size_t n = 4;
	int saved, serr, null, fd, rc;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/all", dir);
	fflush(stdout);
	fflush(stderr);
	saved = dup(STDOUT_FILENO);
	serr = dup(STDERR_FILENO);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	null = open("/dev/null", O_WRONLY);
	CHECK(saved >= 0 && serr >= 0 && fd >= 0 && null >= 0);
	dup2(fd, STDOUT_FILENO);
	dup2(null, STDERR_FILENO);
	rc = parallel_run(n, child, &n, 4, NULL);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	dup2(serr, STDERR_FILENO);
	close(saved);
	close(serr);
	close(null);
	close(fd);
	CHECK(rc == 3);
	fp = fopen(path, "r");
	CHECK(fp != NULL);
	if (fp != NULL) {
		char all[256] = "";
		size_t len = fread(all, 1, sizeof(all) - 1, fp);

		all[len] = '\0';
		CHECK_STR(all, "out 0\nout 1\nout 2\nout 3\n");
		fclose(fp);
	}
}

TEST(parallel_waits_for_start_times)
{
	long long at[2], t0 = now_ms();
	size_t n = 2;
	int sout, serr, fd, rc;

	at[0] = t0 + 200;
	at[1] = t0;
	fflush(stdout);
	fflush(stderr);
	sout = dup(STDOUT_FILENO);
	serr = dup(STDERR_FILENO);
	fd = open("/dev/null", O_WRONLY);
	dup2(fd, STDERR_FILENO);
	dup2(fd, STDOUT_FILENO);
	rc = parallel_run(n, child, &n, 1, at);
	fflush(stdout);
	dup2(sout, STDOUT_FILENO);
	dup2(serr, STDERR_FILENO);
	close(sout);
	close(serr);
	close(fd);
	CHECK(rc == 0);
	/* Child 0 could not start before its time. */
	CHECK(now_ms() - t0 >= 200);
}
