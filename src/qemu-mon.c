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
#include "cli.h"
#include "diag.h"
#include "lifecycle.h"
#include "monitor.h"
#include "paths.h"
#include "relay.h"
#include "remote.h"

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
	struct strbuf greeting;
	struct vm_target t;
	struct diag d;
	enum relay_end end;
	int ch, fd, rc, tty;

	cli_init("qemu-mon");
	if ((rc = remote_main(&argc, &argv, NULL)) != REMOTE_LOCAL)
		return rc;	/* -H host: ssh ran it there */
	while ((ch = getopt_long(argc, argv, "hV", cli_longopts, NULL)) !=
	    -1)
		return cli_common_option(ch, usage);
	if (argc - optind != 1) {
		usage(stderr);
		return EX_USAGE;
	}
	diag_init(&d);
	rc = monitor_locate(path_confdir(), path_rundir(), argv[optind], &t,
	    &d);
	sb_init(&greeting);
	if (rc == MONITOR_OK &&
	    (fd = monitor_open_hmp(&t.run, t.ref.name, &t.st,
	    MONITOR_TIMEOUT_MS, &greeting, &d)) < 0)
		rc = MONITOR_DOWN;
	if (rc != MONITOR_OK) {
		diag_flush(&d, cli_prog);
		sb_free(&greeting);
		vm_target_free(&t);
		return rc;	/* the MONITOR_ codes are the exit statuses */
	}
	tty = isatty(STDIN_FILENO);
	if (tty)
		fprintf(stderr, "%s: connected to '%s' (Ctrl-] leaves)\r\n",
		    cli_prog, t.ref.name);
	/* The greeting and its prompt: the user sees them as QEMU sent them. */
	if (write(STDOUT_FILENO, greeting.s, greeting.len) < 0) {
		fprintf(stderr, "%s: cannot write: %s\n", cli_prog,
		    strerror(errno));
		close(fd);
		sb_free(&greeting);
		vm_target_free(&t);
		return 1;
	}
	sb_free(&greeting);
	end = relay_run(fd, RELAY_HALF_CLOSE, &d);
	close(fd);
	diag_flush(&d, cli_prog);
	if (tty)
		fprintf(stderr, "\n%s: left '%s'\n", cli_prog, t.ref.name);
	vm_target_free(&t);
	switch (end) {
	case RELAY_ERROR:
		return 1;
	case RELAY_SIGNALLED:
		return 128 + relay_signal();
	default:
		return 0;
	}
}
