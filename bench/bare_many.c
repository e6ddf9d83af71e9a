/*
 * bare_many - the floor for list and status on a host with many VMs:
 * connects to every control socket given at once, sends the capabilities
 * negotiation and query-status in one write to each, and reads until
 * each has answered (or 10 s have passed).  No registry, no state file,
 * no identity check, no output but a count: only what every VM's QEMU
 * must do to answer, and one poll loop.
 *
 *   bare_many SOCKET...
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_VMS	1024

int
main(int argc, char **argv)
{
	static const char ask[] = "{\"execute\":\"qmp_capabilities\"}\n"
	    "{\"execute\":\"query-status\"}\n";
	static struct pollfd pfd[MAX_VMS];
	static int lines[MAX_VMS];
	struct sockaddr_un sun;
	char buf[4096];
	ssize_t n, k;
	int i, vms = argc - 1, left = 0, answered = 0;

	if (vms < 1 || vms > MAX_VMS)
		return 2;
	for (i = 0; i < vms; i++) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(argv[i + 1]) >= sizeof(sun.sun_path))
			return 2;
		strcpy(sun.sun_path, argv[i + 1]);
		pfd[i].fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		pfd[i].events = POLLIN;
		if (pfd[i].fd < 0 || connect(pfd[i].fd,
		    (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
		    write(pfd[i].fd, ask, sizeof(ask) - 1) !=
		    (ssize_t)sizeof(ask) - 1)
			return 1;
		left++;
	}
	/* The greeting, then a reply to each request: three lines. */
	while (left > 0) {
		if (poll(pfd, (nfds_t)vms, 10000) <= 0)
			return 1;
		for (i = 0; i < vms; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			n = read(pfd[i].fd, buf, sizeof(buf));
			for (k = 0; k < n; k++)
				lines[i] += buf[k] == '\n';
			if (n <= 0 || lines[i] >= 3) {
				answered += lines[i] >= 3;
				close(pfd[i].fd);
				pfd[i].fd = -1;
				left--;
			}
		}
	}
	printf("%d of %d answered\n", answered, vms);
	return answered == vms ? 0 : 1;
}
