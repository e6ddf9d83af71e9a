/*
 * guest.h - whether the guest inside a running VM is up, for
 * qemu-init start -w (qemu-init(8)): with AGENT=yes its guest agent
 * answers guest-ping (agent.h); without, its console log shows the VM's
 * READY text (qemu-init.cfg(5)), read through the RUNDIR descriptor.
 */
#ifndef QI_GUEST_H
#define QI_GUEST_H

#include <stddef.h>

#include "diag.h"
#include "rundir.h"
#include "vmconf.h"

/* A fixed text looked for in a stream read piece by piece. */
struct text_watch {
	const char	*text;		/* not empty */
	size_t		 len;
	char		*tail;		/* the last len - 1 bytes seen */
	size_t		 ntail;
};

void	text_watch_init(struct text_watch *, const char *text);
/* Whether text occurs in all that was fed so far, this piece included. */
int	text_watch_feed(struct text_watch *, const char *buf, size_t n);
void	text_watch_free(struct text_watch *);

/*
 * Waits up to wait_s seconds (one deadline) until the guest of a running
 * VM is up: 0, or -1 with why in d (not up in time, QEMU gone, nothing
 * to watch: SERIAL=no without AGENT=yes).
 */
int	guest_wait_up(const struct rundir *, const struct vm_config *,
	    long long wait_s, struct diag *);

#endif
