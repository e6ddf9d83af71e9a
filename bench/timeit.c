/*
 * timeit - runs commands side by side, round after round, and prints
 * each one's median wall time, spread and peak RSS (the median and the
 * greatest of the runs' peaks: where a shared library lands moves which
 * of its pages each run maps, by up to about 200 KiB).  Interleaving the
 * commands in every round shares the machine's noise between them.
 *
 *   timeit ROUNDS :: LABEL [<FILE] CMD ARGS... [+ AFTER ARGS...] :: ...
 *
 * <FILE is the command's stdin (else /dev/null); AFTER runs untimed
 * after each run (to undo what the command did).
 */
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct cmd {
	const char	*label;
	const char	*input;
	char		**argv;
	char		**after;
	double		*ms;
	long		*rss;		/* KiB, each run's peak */
	int		 failed;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Runs argv; its status, and its peak RSS in *rss. */
static int
run(char **argv, const char *input, long *rss)
{
	struct rusage ru;
	pid_t pid;
	int status, fd;

	if ((pid = fork()) == -1) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		fd = open(input != NULL ? input : "/dev/null", O_RDONLY);
		if (fd < 0 || dup2(fd, 0) < 0)
			_exit(126);
		fd = open("/dev/null", O_WRONLY);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) != pid) {
		perror("wait4");
		exit(2);
	}
	if (rss != NULL)
		*rss = ru.ru_maxrss;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int
compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
compare_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct cmd *c;
	double t, base = 0;
	int rounds, n = 0, i, r;

	if (argc < 4 || (rounds = atoi(argv[1])) < 1) {
		fprintf(stderr, "usage: timeit ROUNDS :: LABEL CMD... [:: ...]\n");
		return 2;
	}
	c = calloc((size_t)argc, sizeof(*c));
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "::") == 0) {
			argv[i] = NULL;
			if (i + 2 >= argc)
				break;
			c[n].label = argv[++i];
			if (argv[i + 1][0] == '<')
				c[n].input = argv[++i] + 1;
			c[n].argv = &argv[i + 1];
			c[n].ms = calloc((size_t)rounds, sizeof(double));
			c[n].rss = calloc((size_t)rounds, sizeof(long));
			n++;
		} else if (strcmp(argv[i], "+") == 0 && n > 0) {
			argv[i] = NULL;
			c[n - 1].after = &argv[i + 1];
		}
	}
	for (r = 0; r < rounds; r++)
		for (i = 0; i < n; i++) {
			t = now();
			if (run(c[i].argv, c[i].input, &c[i].rss[r]) != 0)
				c[i].failed++;
			c[i].ms[r] = now() - t;
			if (c[i].after != NULL)
				(void)run(c[i].after, NULL, NULL);
		}
	printf("%-24s %10s %10s %10s %8s %9s %9s %s\n", "command",
	    "median ms", "p10 ms", "p90 ms", "ratio", "RSS med", "RSS max",
	    "failed");
	for (i = 0; i < n; i++) {
		qsort(c[i].ms, (size_t)rounds, sizeof(double), compare);
		qsort(c[i].rss, (size_t)rounds, sizeof(long), compare_long);
		t = c[i].ms[rounds / 2];
		if (i == 0)
			base = t;
		printf("%-24s %10.3f %10.3f %10.3f %8.2f %5ld KiB %5ld KiB "
		    "%d/%d\n", c[i].label, t, c[i].ms[rounds / 10],
		    c[i].ms[rounds - 1 - rounds / 10], base > 0 ? t / base : 0,
		    c[i].rss[rounds / 2], c[i].rss[rounds - 1], c[i].failed,
		    rounds);
	}
	return 0;
}
