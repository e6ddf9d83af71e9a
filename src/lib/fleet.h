/*
 * fleet.h - one question to several hosts at once (qemu-init -H with
 * several hosts, qemu-init(8) Other hosts): list or status, asked of
 * every host with -o json through the transport (transport.h), each
 * with its deadline and a bound on its answer; then each answer, in the
 * order the hosts were given, read into VM records (report.h), which
 * the front end shows as it shows its own.  A host that gave no
 * document (it did not answer, it has no qemu-init, its answer passed a
 * bound or is not one of qemu-init's) is a problem saying so.  Reading
 * costs what the answers hold: the parse is linear and bounded in the
 * values it keeps, and one answer's tree is kept at a time.
 */
#ifndef QI_FLEET_H
#define QI_FLEET_H

#include <stddef.h>

#include "buf.h"
#include "diag.h"
#include "remote.h"
#include "report.h"

#define FLEET_MAX_VMS	10000	/* VMs in one host's answer */

/* One host's answer, as it is handed to the front end. */
struct fleet_answer {
	const char		*host;		/* as it was written */
	int			 status;	/* its exit status, REMOTE_NO_* */
	const char		*problem;	/* no document: why; else NULL */
	const struct report_vm	*vms;		/* its VMs, in its order */
	size_t			 n;
};

/*
 * Runs program with args (those after the program's name: they must
 * ask for -o json) on every host of r at once through ssh (QEMU_INIT_SSH,
 * nothing on stdin, no question asked), at most REMOTE_MAX_AT_ONCE at a
 * time, each with r->timeout_ms and REMOTE_MAX_ANSWER bytes; then hands each host's answer to each, in
 * host order (the answer is gone when each returns), and writes what
 * each host wrote on its stderr to ours, a line after "HOST: ", made
 * visible.  The fleet's exit status: 0 when every host answered 0,
 * else the first other in host order.  -1 with why in d when ssh's
 * argument vector cannot be built.
 */
int	fleet_ask(const struct remote_request *r, const char *program,
	    int argc, char **args,
	    void (*each)(const struct fleet_answer *, void *), void *arg,
	    struct diag *d);

#endif
