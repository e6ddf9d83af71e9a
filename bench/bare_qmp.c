/*
 * bare_qmp - the floor for qemu-cmd: connect to a QMP port, read the
 * greeting, negotiate, ask "info status" through human-monitor-command,
 * print the answer, exit.  No registry, no state, no identity check.
 *
 *   bare_qmp PORT
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char	buf[65536];
static size_t	len;

/* Reads until a line holding "return" (or the greeting) has arrived. */
static int
reply(int fd, const char *want)
{
	ssize_t n;
	char *nl;

	for (;;) {
		while ((nl = memchr(buf, '\n', len)) != NULL) {
			size_t l = (size_t)(nl - buf) + 1;
			int hit = memmem(buf, l, want, strlen(want)) != NULL;

			if (hit)
				fwrite(buf, 1, l, stdout);
			memmove(buf, buf + l, len - l);
			len -= l;
			if (hit)
				return 0;
		}
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
	}
}

int
main(int argc, char **argv)
{
	static const char caps[] = "{\"execute\":\"qmp_capabilities\"}\n";
	static const char cmd[] = "{\"execute\":\"human-monitor-command\","
	    "\"arguments\":{\"command-line\":\"info status\"}}\n";
	struct sockaddr_in sin;
	int fd, one = 1;

	if (argc != 2)
		return 2;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    reply(fd, "\"QMP\"") != 0 ||
	    write(fd, caps, sizeof(caps) - 1) != sizeof(caps) - 1 ||
	    reply(fd, "\"return\"") != 0 ||
	    write(fd, cmd, sizeof(cmd) - 1) != sizeof(cmd) - 1 ||
	    reply(fd, "\"return\"") != 0)
		return 1;
	close(fd);
	return 0;
}
