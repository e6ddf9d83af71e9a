/*
 * stopwatch - how long after processes exit a command returns: runs CMD
 * while watching each PID through a pidfd, and prints the milliseconds
 * between the last PID's exit and CMD's return (negative: CMD returned
 * first).
 *
 *   stopwatch PID[,PID...] CMD ARGS...
 */
#include <sys/syscall.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_PIDS	256

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int
main(int argc, char **argv)
{
	struct pollfd pfd[MAX_PIDS + 1];
	double exited = 0, returned = 0;
	pid_t child;
	int status = 0, fd, n = 0, left, i;
	char *p, *save = NULL;

	if (argc < 3)
		return 2;
	for (p = strtok_r(argv[1], ",", &save); p != NULL && n < MAX_PIDS;
	    p = strtok_r(NULL, ",", &save)) {
		pfd[n].fd = (int)syscall(SYS_pidfd_open, (pid_t)atoi(p), 0);
		if (pfd[n].fd < 0) {
			perror("pidfd_open");
			return 2;
		}
		pfd[n++].events = POLLIN;
	}
	if ((child = fork()) == 0) {
		fd = open("/dev/null", O_RDWR);
		dup2(fd, 0);
		dup2(fd, 1);
		execvp(argv[2], &argv[2]);
		_exit(127);
	}
	pfd[n].fd = (int)syscall(SYS_pidfd_open, child, 0);
	pfd[n].events = POLLIN;
	left = n;
	while (left > 0 || returned == 0) {
		if (poll(pfd, (nfds_t)n + 1, -1) < 0)
			return 2;
		for (i = 0; i < n; i++)
			if (pfd[i].fd >= 0 && (pfd[i].revents & POLLIN)) {
				exited = now();
				pfd[i].fd = -1;
				left--;
			}
		if (returned == 0 && (pfd[n].revents & POLLIN)) {
			returned = now();
			pfd[n].fd = -1;
			waitpid(child, &status, 0);
		}
	}
	printf("%.3f\n", returned - exited);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
