/*
 * lifecycle.h - starting and stopping a VM's QEMU (SPEC 4): the locks,
 * the slot, the launch, the identity check, the ACPI power button and
 * the forced way out.  Messages go to a diag; the program prints them.
 */
#ifndef QI_LIFECYCLE_H
#define QI_LIFECYCLE_H

#include <sys/types.h>

#include "diag.h"
#include "monconf.h"
#include "state.h"
#include "vmconf.h"

#define VM_LOCK_WAIT_MS		10000	/* another qemu-init on this VM */
#define SLOT_LOCK_WAIT_MS	60000	/* other starts choosing a slot */
#define MONITOR_TIMEOUT_MS	10000	/* a monitor reply */
#define FORCE_STEP_MS		5000	/* each step of stop -f */
#define REPRESS_MS		3000	/* the power button, again */

struct vm_started {
	struct vm_state	 st;		/* as recorded; cfgpath is NULL */
	int		 already;	/* it was running: nothing done */
};

/*
 * Starts the VM (SPEC 4, start): 0 with *out filled, or -1 with the
 * reason in d and nothing left behind.  Warnings (a failed POSTCMD) go
 * to d too.
 */
int	vm_start(const struct vm_config *, const struct monitor_conf *,
	    struct vm_started *out, struct diag *);

enum vm_stopped {
	STOP_FAILED = -1,
	STOP_DONE,		/* the guest powered off */
	STOP_FORCED,		/* quit, SIGTERM or SIGKILL did it */
	STOP_KILLED,		/* vm_kill did it */
	STOP_NOT_RUNNING
};

/*
 * The power button, then a wait for QEMU to exit of up to timeout_s
 * seconds; with force, QMP quit, SIGTERM and SIGKILL after that.
 */
enum vm_stopped vm_stop(const char *name, unsigned timeout_s, int force,
	    struct diag *);
/* QMP quit at once, SIGKILL when that does not end it. */
enum vm_stopped vm_kill(const char *name, struct diag *);

#endif
