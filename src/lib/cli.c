/*
 * cli.c - the programs' shared scaffolding.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "cli.h"
#include "scalar.h"

#ifndef QI_VERSION
#define QI_VERSION "unknown"
#endif

const char *cli_prog = "qemu-init";

const struct option cli_longopts[] = {
	{ "help",	no_argument,	NULL,	'h' },
	{ "version",	no_argument,	NULL,	'V' },
	{ NULL,		0,		NULL,	0 }
};

void
cli_init(const char *prog)
{
	cli_prog = prog;
}

int
cli_version(void)
{
	printf("%s %s\n", cli_prog, QI_VERSION);
	return cli_flush();
}

int
cli_common_option(int ch, void (*usage)(FILE *))
{
	switch (ch) {
	case 'h':
		usage(stdout);
		return cli_flush();
	case 'V':
		return cli_version();
	case '?':
	case ':':
		usage(stderr);
		return EX_USAGE;
	default:
		return -1;
	}
}

int
cli_number(const char *opt, const char *arg, long long min, long long max,
    const char *unit, long long *out)
{
	const char *why;

	if (cfg_number(arg, min, max, out, &why) == 0)
		return 0;
	fprintf(stderr, "%s: %s %s: %s (%lld to %lld %s)\n", cli_prog, opt,
	    arg, why, min, max, unit);
	return EX_USAGE;
}

int
cli_seconds(const char *opt, const char *arg, long long min, long long max,
    long long *out)
{
	return cli_number(opt, arg, min, max, "seconds", out);
}

int
cli_flush(void)
{
	if (fflush(stdout) == 0)
		return 0;
	fprintf(stderr, "%s: cannot write output: %s\n", cli_prog,
	    strerror(errno));
	return 1;
}
