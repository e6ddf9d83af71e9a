/*
 * hostprobe.c - looking at the host and its QEMU.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "hostprobe.h"
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
