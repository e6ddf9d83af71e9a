/*
 * stopwatch - how long after a process's exit a command returns: runs
 * CMD while watching PID through a pidfd, and prints the milliseconds
 * between PID's exit and CMD's return (negative: CMD returned first).
 *
 *   stopwatch PID CMD ARGS...
 */
#include <sys/syscall.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

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
	struct pollfd pfd[2];
	double exited = 0, returned = 0;
	pid_t pid, child;
	int status = 0, fd;

	if (argc < 3)
		return 2;
	pid = (pid_t)atoi(argv[1]);
	if ((pfd[0].fd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0) {
		perror("pidfd_open");
		return 2;
	}
	if ((child = fork()) == 0) {
		fd = open("/dev/null", O_RDWR);
		dup2(fd, 0);
		dup2(fd, 1);
		execvp(argv[2], &argv[2]);
		_exit(127);
	}
	pfd[1].fd = (int)syscall(SYS_pidfd_open, child, 0);
	pfd[0].events = pfd[1].events = POLLIN;
	while (exited == 0 || returned == 0) {
		if (poll(pfd, 2, -1) < 0)
			return 2;
		if (exited == 0 && (pfd[0].revents & POLLIN)) {
			exited = now();
			pfd[0].fd = -1;
		}
		if (returned == 0 && (pfd[1].revents & POLLIN)) {
			returned = now();
			pfd[1].fd = -1;
			waitpid(child, &status, 0);
		}
	}
	printf("%.3f\n", returned - exited);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
