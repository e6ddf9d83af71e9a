/*
 * qemu-netif - puts a VM's tap on a host bridge and takes it off again.
 * QEMU runs it as CONFDIR/qemu-brup and CONFDIR/qemu-brdown (symlinks to
 * this program) with the tap's name as the only argument; by hand it is
 * `qemu-netif up|down IFNAME [BRIDGE]`.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "diag.h"
#include "netif.h"
#include "paths.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: qemu-netif up | down ifname [bridge]\n"
	    "       qemu-brup ifname [bridge]\n"
	    "       qemu-brdown ifname [bridge]\n"
	    "       qemu-netif -h | -V\n"
	    "The bridge is the argument, else $%s, else %s.\n",
	    NETIF_BRIDGE_ENV, NETIF_BRIDGE_DEFAULT);
}

static int
bad_usage(void)
{
	usage(stderr);
	return EX_USAGE;
}

/* 1 up, 0 down, -1 unknown: from the name we run as, else argv[0]. */
static int
direction(const char *runas, int *argc, char ***argv)
{
	if (strcmp(runas, "qemu-brup") == 0)
		return 1;
	if (strcmp(runas, "qemu-brdown") == 0)
		return 0;
	if (*argc < 1)
		return -1;
	if (strcmp((*argv)[0], "up") != 0 && strcmp((*argv)[0], "down") != 0)
		return -1;
	(*argc)--;
	(*argv)++;
	return strcmp((*argv)[-1], "up") == 0;
}

int
main(int argc, char **argv)
{
	const char *runas, *bridge;
	struct diag d;
	int ch, up, rc;

	cli_init("qemu-netif");
	runas = argc > 0 ? path_basename(argv[0]) : cli_prog;
	/* '+': options only before the first operand, as POSIX has it. */
	while ((ch = getopt_long(argc, argv, "+hV", cli_longopts, NULL)) !=
	    -1)
		return cli_common_option(ch, usage);
	argc -= optind;
	argv += optind;
	if ((up = direction(runas, &argc, &argv)) == -1 ||
	    argc < 1 || argc > 2)
		return bad_usage();
	bridge = netif_bridge_choose(argc == 2 ? argv[1] : NULL,
	    getenv(NETIF_BRIDGE_ENV));
	diag_init(&d);
	if (up)
		rc = netif_up(argv[0], bridge, &d);
	else
		rc = netif_down(argv[0], bridge, &d);
	diag_flush(&d, cli_prog);
	return rc == 0 ? 0 : 1;
}
