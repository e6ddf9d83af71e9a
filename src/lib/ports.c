/*
 * ports.c - choosing a free slot.
 */
#include <string.h>

#include "ports.h"
#include "sock.h"
#include "state.h"

struct taken {
	const struct monitor_conf *mc;
	unsigned char	 slot[MONCONF_SLOTS_MAX];
};

static void
note_taken(const char *name, const struct vm_state *st, void *arg)
{
	struct taken *t = arg;

	(void)name;
	/* By its port: a state from before monitor.conf changed counts too. */
	if (st->monport >= t->mc->monport &&
	    st->monport < t->mc->monport + MONCONF_SLOTS_MAX)
		t->slot[st->monport - t->mc->monport] = 1;
}

int
slot_choose(const struct monitor_conf *mc, const char *rundir, int ipv6,
    int vnc, unsigned *slot, struct diag *d)
{
	struct taken t;
	unsigned s, mon;

	memset(&t, 0, sizeof(t));
	t.mc = mc;
	if (state_scan(rundir, note_taken, &t) != 0) {
		diag_error(d, "cannot read run directory %s", rundir);
		return -1;
	}
	for (s = 0; s < mc->slots; s++) {
		mon = mc->monport + s;
		if (t.slot[s] || !sock_port_free(mon, ipv6) ||
		    !sock_port_free(mon + MONCONF_SLOTS_MAX, ipv6) ||
		    (vnc && !sock_port_free(VNC_PORT_BASE + s, 0)))
			continue;
		*slot = s;
		return 0;
	}
	diag_error(d, "no free monitor slot in %u-%u", mc->monport,
	    mc->monport + mc->slots - 1);
	return -1;
}
