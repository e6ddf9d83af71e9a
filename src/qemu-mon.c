/*
 * qemu-mon - an interactive session with a VM's human monitor (HMP) on
 * its MONPORT: QEMU's own line editing, history and completion, with
 * the terminal in raw mode until Ctrl-] or the monitor closes.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "monitor.h"
#include "relay.h"

#define EX_USAGE	64
#define TIMEOUT_MS	10000

static const char *prog = "qemu-mon";

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: qemu-mon vm\n"
	    "       qemu-mon -h | -V\n"
	    "Ctrl-] leaves the monitor.\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help",	no_argument,	NULL,	'h' },
		{ "version",	no_argument,	NULL,	'V' },
		{ NULL,		0,		NULL,	0 }
	};
	struct strbuf greeting;
	struct vm_state st;
	struct vm_ref ref;
	struct diag d;
	enum relay_end end;
	int ch, fd, rc, tty;

	while ((ch = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return fflush(stdout) == 0 ? 0 : 1;
		case 'V':
			printf("%s %s\n", prog, QI_VERSION);
			return fflush(stdout) == 0 ? 0 : 1;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (argc - optind != 1) {
		usage(stderr);
		return EX_USAGE;
	}
	diag_init(&d);
	rc = monitor_locate(argv[optind], &ref, &st, &d);
	if (rc != MONITOR_OK) {
		diag_flush(&d, prog);
		return rc;	/* the MONITOR_ codes are the exit statuses */
	}
	sb_init(&greeting);
	fd = monitor_open_hmp(ref.name, &st, TIMEOUT_MS, &greeting, &d);
	state_free(&st);
	if (fd < 0) {
		diag_flush(&d, prog);
		vm_ref_free(&ref);
		return MONITOR_DOWN;
	}
	tty = isatty(STDIN_FILENO);
	if (tty)
		fprintf(stderr, "%s: connected to '%s' (Ctrl-] leaves)\r\n",
		    prog, ref.name);
	/* The greeting and its prompt: the user sees them as QEMU sent them. */
	if (write(STDOUT_FILENO, greeting.s, greeting.len) < 0) {
		fprintf(stderr, "%s: cannot write: %s\n", prog,
		    strerror(errno));
		close(fd);
		return 1;
	}
	sb_free(&greeting);
	end = relay_run(fd, RELAY_HALF_CLOSE, &d);
	close(fd);
	diag_flush(&d, prog);
	if (tty)
		fprintf(stderr, "\n%s: left '%s'\n", prog, ref.name);
	vm_ref_free(&ref);
	switch (end) {
	case RELAY_ERROR:
		return 1;
	case RELAY_SIGNALLED:
		return 128 + relay_signal();
	default:
		return 0;
	}
}
