/*
 * cli.h - what every program of the suite does the same way (sbase's
 * util.h): its name in messages, -h and -V, EX_USAGE, bounded numbers
 * from options, and a checked end of the output.
 */
#ifndef QI_CLI_H
#define QI_CLI_H

#include <getopt.h>
#include <stdio.h>
#include <sysexits.h>

/* --help and --version, for getopt_long: every program has them. */
extern const struct option cli_longopts[];

/* The program's name in every message; set once by cli_init. */
extern const char *cli_prog;

void	cli_init(const char *prog);
/* "prog 0.1.0" on stdout: 0, or 1 when it cannot be written. */
int	cli_version(void);
/*
 * What every program does with getopt's -h, -V and a bad option (ch is
 * getopt's answer): the usage on stdout (exit 0), the version, or the
 * usage on stderr (EX_USAGE).  The exit status, or -1 when ch is none
 * of these.
 */
int	cli_common_option(int ch, void (*usage)(FILE *));
/*
 * -t SECS and the like: a decimal number in [min, max] into *out; 0, or
 * EX_USAGE after "prog: -t 9x: not a number (1 to 3600 seconds)".
 */
int	cli_seconds(const char *opt, const char *arg, long long min,
	    long long max, long long *out);
/* The same for a number of unit ("MiB/s"). */
int	cli_number(const char *opt, const char *arg, long long min,
	    long long max, const char *unit, long long *out);
/*
 * Flushes stdout: 0, or 1 after "prog: cannot write output: why" (a
 * full disk or a closed pipe is a failure, not silence).
 */
int	cli_flush(void);

#endif
