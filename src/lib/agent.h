/*
 * agent.h - the QEMU guest agent of a VM with AGENT=yes (qemu-init.cfg(5)):
 * qemu-ga in the guest on the virtio-serial port org.qemu.guest_agent.0,
 * whose host side is a unix socket QEMU listens on, RUNDIR/<name>@agent
 * (mode 0600: only RUNDIR's owner).
 *
 * The agent speaks QMP's JSON without a greeting, one client at a time,
 * and a request sent before it runs waits in the channel until it does.
 * Every exchange starts with guest-sync and a fresh id, so that a reply
 * left over from an earlier client is never taken for ours.  Every wait
 * is bounded by the one deadline given.
 */
#ifndef QI_AGENT_H
#define QI_AGENT_H

#include <sys/types.h>

#include "buf.h"
#include "diag.h"
#include "rundir.h"

/*
 * Waits until the guest's agent answers guest-ping, up to deadline (ms
 * on now_ms's clock), calling tick(arg) every quarter second or so
 * meanwhile unless tick is NULL.  A refused or closed channel ends the
 * wait at once: QEMU keeps it open as long as it runs.  0 it answered;
 * -1 with why in d.
 */
int	agent_ping(const struct rundir *, const char *name, long long deadline,
	    void (*tick)(void *), void *arg, struct diag *);

/*
 * Asks the guest through its agent to power off (guest-shutdown, mode
 * powerdown: the guest's own clean shutdown).  0 once the agent took
 * the request (it sends no reply to it); -1 with why in d when the
 * agent did not answer by deadline.
 */
int	agent_shutdown(const struct rundir *, const char *name,
	    long long deadline, struct diag *);

/*
 * The IPv4 addresses the guest's agent says (guest-network-get-interfaces)
 * its interface with hardware address mac (any case) has, but for those
 * no ssh of the guest's answers on (loopback, link-local, multicast, 0/8):
 * what a guest claims, and no more (qemu-init(8), ssh).  Appended to
 * out; 0, or -1 with why in d when the agent did not answer by deadline.
 */
int	agent_addresses(const struct rundir *, const char *name,
	    const char *mac, long long deadline, struct strvec *out,
	    struct diag *);
/*
 * Freezes (freeze 1) or thaws (0) the guest's file systems through its
 * agent (guest-fsfreeze-freeze, -thaw): what the guest has written is
 * on its disks, and it writes nothing more until thawed.  How many file
 * systems it froze or thawed, or -1 with why in d (no agent, an error
 * of the guest's, no answer by deadline).  A frozen guest stays frozen
 * until thawed: whoever freezes thaws, whatever happens.
 */
int	agent_fsfreeze(const struct rundir *, const char *name, int freeze,
	    long long deadline, struct diag *);
/*
 * A guard for a guest about to be frozen: a process of its own that
 * thaws it should this one end (killed) before agent_thaw_guard_end
 * says that it thawed it.  0 with g set, or -1 when there is none (the
 * freeze is not to be done then).
 */
struct agent_guard {
	int	 fd;		/* our end of its pipe, or -1 */
	pid_t	 pid;
};

int	agent_thaw_guard(const struct rundir *, const char *name,
	    struct agent_guard *g);
/* The guest was thawed: the guard ends, and is waited for. */
void	agent_thaw_guard_end(struct agent_guard *g);
/* 1 the guest's file systems are frozen, 0 thawed, -1 (why in d). */
int	agent_fsfreeze_status(const struct rundir *, const char *name,
	    long long deadline, struct diag *);

#endif
