/*
 * hostprobe.c - looking at the host and its QEMU.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "hostprobe.h"
#include "proc.h"
#include "sock.h"

int
kvm_available(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return 0;
	(void)close(fd);
	return 1;
}

int
ipv6_loopback(void)
{
	static int known = -1;	/* a start asks for its slot and its plan */

	if (known < 0)
		known = sock_has_ipv6_loopback();
	return known;
}

int
qemu_has_run_with(const char *tgtarch)
{
	char *argv[] = { (char *)tgtarch, "--version", NULL };
	struct strbuf out;
	struct diag d;
	const char *v;
	int status, major = 0, minor = 0;

	sb_init(&out);
	diag_init(&d);
	if (proc_run(argv, NULL, &out, NULL, &status, &d) == 0 &&
	    status == 0 && (v = strstr(out.s, "version ")) != NULL &&
	    sscanf(v, "version %d.%d", &major, &minor) != 2)
		major = minor = 0;
	diag_clear(&d);
	sb_free(&out);
	return major > 9 || (major == 9 && minor >= 1);
}
