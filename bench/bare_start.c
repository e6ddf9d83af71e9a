/*
 * bare_start - the floor for qemu-init start: runs a QEMU command line
 * in the background, in a session of its own, as start runs QEMU (no
 * -daemonize: QEMU's sandbox forbids the fork it makes), connects to the
 * control socket as soon as QEMU listens there, and asks query-status
 * once (capabilities and question in one write), as start must before it
 * says the VM runs.  No config, no slot, no descriptors, no user, no
 * state file, no identity check.  Exits with QEMU still running.
 *
 *   bare_start SOCKET QEMU ARGS...
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	static const char ask[] = "{\"execute\":\"qmp_capabilities\"}\n"
	    "{\"execute\":\"query-status\"}\n";
	struct sockaddr_un sun;
	struct pollfd pfd;
	char buf[4096];
	int fd, nul, status, lines = 0, tick = 1, tries = 0;
	ssize_t n, k;
	pid_t pid;

	if (argc < 3 || strlen(argv[1]) >= sizeof(sun.sun_path))
		return 2;
	if ((pid = fork()) == 0) {
		if (setsid() < 0 || (nul = open("/dev/null", O_RDWR)) < 0 ||
		    dup2(nul, 0) < 0 || dup2(nul, 1) < 0 || dup2(nul, 2) < 0)
			_exit(127);
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	if (pid < 0)
		return 1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, argv[1]);
	/* Until QEMU listens (it made the socket), or it exits. */
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return 1;
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			break;
		close(fd);
		if ((errno != ENOENT && errno != ECONNREFUSED) ||
		    waitpid(pid, &status, WNOHANG) != 0 || ++tries > 10000)
			return 1;
		(void)poll(NULL, 0, tick);
		if (tick < 16)
			tick *= 2;
	}
	if (write(fd, ask, sizeof(ask) - 1) != (ssize_t)sizeof(ask) - 1)
		return 1;
	/* The greeting, then a reply to each request: three lines. */
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (lines < 3) {
		if (poll(&pfd, 1, 10000) <= 0 || (n = read(fd, buf,
		    sizeof(buf))) <= 0)
			return 1;
		for (k = 0; k < n; k++)
			lines += buf[k] == '\n';
	}
	close(fd);
	return 0;
}
