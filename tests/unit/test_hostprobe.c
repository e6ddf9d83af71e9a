/* test_hostprobe.c - what a launch finds out about this host by looking */
#include <sys/socket.h>
#include <netinet/in.h>

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "hostprobe.h"
#include "unit.h"

TEST(hostprobe_kvm_is_whether_dev_kvm_opens_read_write)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), fds_before, fds_after;

	CHECK(kvm_available() == (fd >= 0));
	if (fd >= 0)
		close(fd);
	/* No descriptor is left open by asking. */
	fds_before = dup(0);
	close(fds_before);
	(void)kvm_available();
	fds_after = dup(0);
	close(fds_after);
	CHECK(fds_before == fds_after);
}

TEST(hostprobe_ipv6_loopback_is_whether_the_host_binds_it)
{
	struct sockaddr_in6 in6;
	int fd, can = 0;

	memset(&in6, 0, sizeof(in6));
	in6.sin6_family = AF_INET6;
	in6.sin6_addr = in6addr_loopback;
	if ((fd = socket(AF_INET6, SOCK_STREAM, 0)) >= 0) {
		can = bind(fd, (struct sockaddr *)&in6, sizeof(in6)) == 0;
		close(fd);
	}
	CHECK(ipv6_loopback() == can);
	CHECK(ipv6_loopback() == can);	/* asked once, the same after */
}
