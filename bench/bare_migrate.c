/*
 * bare_migrate - the floor for qemu-init migrate: QEMU's own migration
 * to another QEMU on this host over a unix socket.  Connects to the
 * source's control socket, negotiates, turns on the migration events
 * and lifts the bandwidth limit (as migrate does), sends "migrate" to
 * URI, waits for the MIGRATION event that says completed (or failed),
 * then asks query-migrate until QEMU has filled in its times.  Prints
 * the time from sending "migrate" to that event, in ms, and QEMU's
 * "downtime" (ms).  No ssh, no config, no state, no target started: the
 * target must wait with -incoming URI.  Gives up after 300 s.
 *
 *   bare_migrate SOCKET URI
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char	buf[65536];
static size_t	len;
static int	fd;
static double	deadline;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The next line holding want, into line (the lines before it dropped). */
static int
line_with(const char *want, char *line, size_t size)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	ssize_t n;
	char *nl;
	double left;

	for (;;) {
		while ((nl = memchr(buf, '\n', len)) != NULL) {
			size_t l = (size_t)(nl - buf) + 1;
			int hit = memmem(buf, l, want, strlen(want)) != NULL;

			if (hit && l < size) {
				memcpy(line, buf, l);
				line[l] = '\0';
			}
			if (memmem(buf, l, "\"error\"", 7) != NULL) {
				fwrite(buf, 1, l, stderr);
				return -1;
			}
			memmove(buf, buf + l, len - l);
			len -= l;
			if (hit)
				return l < size ? 0 : -1;
		}
		if (len == sizeof(buf))
			return -1;
		left = deadline - now();
		if (left <= 0 || poll(&pfd, 1, (int)left + 1) <= 0)
			return -1;
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
	}
}

static int
say(const char *s)
{
	return write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
}

/* The number after "name": in line, or -1. */
static long long
member(const char *line, const char *name)
{
	const char *p = strstr(line, name);

	return p != NULL ? strtoll(p + strlen(name), NULL, 10) : -1;
}

int
main(int argc, char **argv)
{
	static const char setup[] = "{\"execute\":\"qmp_capabilities\"}\n"
	    "{\"execute\":\"migrate-set-capabilities\",\"arguments\":"
	    "{\"capabilities\":[{\"capability\":\"events\",\"state\":true}]}}\n"
	    "{\"execute\":\"migrate-set-parameters\",\"arguments\":"
	    "{\"max-bandwidth\":1099511627776}}\n";
	struct sockaddr_un sun;
	char line[8192], cmd[512];
	double t0, t1;
	int i;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sun.sun_path) ||
	    strlen(argv[2]) > 300)
		return 2;
	deadline = now() + 300000;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    line_with("\"QMP\"", line, sizeof(line)) != 0 || say(setup) != 0)
		return 1;
	for (i = 0; i < 3; i++)
		if (line_with("\"return\"", line, sizeof(line)) != 0)
			return 1;
	snprintf(cmd, sizeof(cmd), "{\"execute\":\"migrate\",\"arguments\":"
	    "{\"uri\":\"%s\"}}\n", argv[2]);
	t0 = now();
	if (say(cmd) != 0)
		return 1;
	for (;;) {
		if (line_with("\"MIGRATION\"", line, sizeof(line)) != 0)
			return 1;
		if (strstr(line, "\"completed\"") != NULL)
			break;
		if (strstr(line, "\"failed\"") != NULL ||
		    strstr(line, "\"cancelled\"") != NULL) {
			fputs(line, stderr);
			return 1;
		}
	}
	t1 = now();
	/* QEMU fills in its times just after it says completed. */
	do {
		if (say("{\"execute\":\"query-migrate\"}\n") != 0 ||
		    line_with("\"return\"", line, sizeof(line)) != 0)
			return 1;
	} while (member(line, "\"total-time\": ") <= 0 &&
	    poll(NULL, 0, 1) == 0);
	printf("%.3f %lld\n", t1 - t0, member(line, "\"downtime\": "));
	close(fd);
	return 0;
}
