/*
 * usernet.c - passt beside QEMU, one for each NETx=user NIC.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "usernet.h"

void
usernet_argv(const struct vm_nic *nic, struct strvec *av)
{
	size_t i;

	sv_push(av, USERNET_PROGRAM);
	sv_push(av, "-f");		/* ours to track: no daemon */
	sv_push(av, "-q");
	sv_push(av, "--no-map-gw");	/* the gateway is not our loopback */
	sv_push(av, "--fd");
	sv_pushf(av, "%d", USERNET_FD);
	for (i = 0; i < nic->nfwd; i++) {
		sv_push(av, "-t");
		sv_pushf(av, "%s/%u:%u", USERNET_LOOPBACK, nic->fwd[i].host,
		    nic->fwd[i].guest);
	}
}

char *
usernet_forwards_text(const struct vm_nic *nic)
{
	struct strbuf sb;
	size_t i;

	sb_init(&sb);
	sb_adds(&sb, "");
	for (i = 0; i < nic->nfwd; i++)
		sb_addf(&sb, "%s%u:%u", i > 0 ? " " : "", nic->fwd[i].host,
		    nic->fwd[i].guest);
	return sb_detach(&sb);
}

int
usernet_port_free(unsigned port)
{
	struct sockaddr_in sin;
	int fd, ok;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* As passt binds it: no SO_REUSEADDR, so TIME_WAIT is no conflict. */
	ok = bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	(void)close(fd);
	return ok;
}

int
usernet_ports_check(const struct vm_config *vm, struct diag *d)
{
	size_t i, j;
	int rc = 0;

	for (i = 0; i < vm->nnics; i++)
		for (j = 0; vm->nics[i].net == NET_USER &&
		    j < vm->nics[i].nfwd; j++) {
			if (usernet_port_free(vm->nics[i].fwd[j].host))
				continue;
			diag_error(d, "FWD%zu: %s:%u is in use (see ss -ltnp; "
			    "choose another port)", i + 1, USERNET_LOOPBACK,
			    vm->nics[i].fwd[j].host);
			rc = -1;
		}
	return rc;
}

int
usernet_pair(int fds[2], struct diag *d)
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0)
		return 0;
	diag_error(d, "cannot make a socket pair for passt: %s",
	    strerror(errno));
	fds[0] = fds[1] = -1;
	return -1;
}

/* In the child: QEMU's user (confine.h). */
static int
become_user(const void *arg)
{
	return qemu_user_become(arg);
}

int
usernet_start(const struct vm_nic *nic, int fd, int log_fd,
    const struct qemu_user *u, struct proc_id *id, struct diag *d)
{
	struct proc_spawn how;
	struct strvec av;
	pid_t pid;
	int err, rc;

	memset(&how, 0, sizeof(how));
	how.fds = &fd;
	how.nfds = 1;
	how.base = USERNET_FD;
	how.log_fd = log_fd;
	/* Run as root (RUNAS=root), passt becomes nobody by itself. */
	if (u->drop) {
		how.become = become_user;
		how.become_arg = u;
	}
	sv_init(&av);
	usernet_argv(nic, &av);
	rc = proc_spawn(av.v, NULL, &how, &pid, &err, d);
	sv_free(&av);
	if (rc != 0)
		return -1;
	if (err >= 0)
		(void)close(err);
	if (proc_identify(pid, id) != 0) {
		id->pid = pid;
		id->start = 0;
	}
	return 0;
}
