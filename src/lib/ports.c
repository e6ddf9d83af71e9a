/*
 * ports.c - slot arithmetic and choosing a free slot.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "ports.h"
#include "sock.h"
#include "state.h"

void
slot_ports(const struct monconf *mc, unsigned s, unsigned *monport,
    unsigned *ctlport)
{
	*monport = mc->monport + s;
	*ctlport = mc->monport + s + MONCONF_SLOTS_MAX;
}

struct taken {
	unsigned char	 slot[MONCONF_SLOTS_MAX];
};

static void
note_taken(const char *name, const struct vm_state *st, void *arg)
{
	struct taken *t = arg;

	(void)name;
	if (st->recorded && st->slot < MONCONF_SLOTS_MAX)
		t->slot[st->slot] = 1;
}

/* Whether port can be bound on address (IPv4 or IPv6 text). */
static int
free_on(const char *address, unsigned port)
{
	struct sockaddr_in6 in6;
	struct sockaddr_in in;
	struct sockaddr *sa;
	socklen_t len;
	int fd, one = 1, rc;

	memset(&in, 0, sizeof(in));
	memset(&in6, 0, sizeof(in6));
	if (inet_pton(AF_INET, address, &in.sin_addr) == 1) {
		in.sin_family = AF_INET;
		in.sin_port = htons((unsigned short)port);
		sa = (struct sockaddr *)&in;
		len = sizeof(in);
	} else if (inet_pton(AF_INET6, address, &in6.sin6_addr) == 1) {
		in6.sin6_family = AF_INET6;
		in6.sin6_port = htons((unsigned short)port);
		sa = (struct sockaddr *)&in6;
		len = sizeof(in6);
	} else
		return sock_port_free(port, 0);	/* a name: QEMU's loopback */
	if ((fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 1;	/* no such family here: nothing listens */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	rc = bind(fd, sa, len) == 0 || errno != EADDRINUSE;
	(void)close(fd);
	return rc;
}

/* 0 when slot s has what the VM needs free, else the first port held. */
static unsigned
held_port(const struct monconf *mc, const struct slot_needs *need,
    unsigned s)
{
	unsigned mon, ctl;

	slot_ports(mc, s, &mon, &ctl);
	if (need->tcp_monitors && !sock_port_free(mon, need->ipv6))
		return mon;
	if (need->tcp_monitors && !sock_port_free(ctl, need->ipv6))
		return ctl;
	if (need->vnc && !free_on(mc->vnc_listen, VNC_PORT_BASE + s))
		return VNC_PORT_BASE + s;
	return 0;
}

int
slot_choose(const struct monconf *mc, const struct rundir *rd,
    const struct slot_needs *need, unsigned *slot, struct diag *d)
{
	struct taken t;
	unsigned s, held, first_held = 0, nheld = 0;

	memset(&t, 0, sizeof(t));
	if (vm_each_running(rd, note_taken, &t, d) != 0)
		return -1;
	for (s = 0; s < mc->slots; s++) {
		if (t.slot[s])
			continue;
		if ((held = held_port(mc, need, s)) == 0) {
			*slot = s;
			return 0;
		}
		if (nheld++ == 0)
			first_held = held;
	}
	if (nheld == 0)
		diag_error(d, "no free monitor slot in %u-%u: all %u are taken by "
		    "running VMs (raise SLOTS in monitor.conf)", mc->monport,
		    mc->monport + mc->slots - 1, mc->slots);
	else
		diag_error(d, "no free monitor slot in %u-%u: %u taken by running "
		    "VMs, %u by other programs holding their ports (port %u "
		    "first; see ss -ltnp): move MONPORT or raise SLOTS in "
		    "monitor.conf", mc->monport, mc->monport + mc->slots - 1,
		    mc->slots - nheld, nheld, first_held);
	return -1;
}
