/*
 * systemd.h - qemu-init on a host that systemd runs (qemu-init(8),
 * SYSTEMD): every VM a unit, qemu-init@NAME.service, whose main process
 * is the VM's QEMU.  Whether systemd runs the host, a VM's unit name,
 * the unit a process runs in, a running QEMU taken into a unit, and
 * systemctl, run without a shell.
 */
#ifndef QI_SYSTEMD_H
#define QI_SYSTEMD_H

#include <sys/types.h>

#include "buf.h"
#include "diag.h"
#include "rundir.h"

#define SYSTEMD_UNIT_MAX	255	/* systemd's longest unit name */
#define SYSTEMD_VM_PREFIX	"qemu-init@"

/* Whether systemd is PID 1 (sd_booted(3): /run/systemd/system). */
int	systemd_running(void);

/*
 * The unit of a VM, "qemu-init@<instance>.service", the instance escaped
 * as systemd-escape(1) does (the unit's %I is instance again); caller
 * frees.  NULL when the name would be longer than SYSTEMD_UNIT_MAX.
 */
char	*systemd_vm_unit(const char *instance);

/*
 * The unit that process pid runs in (its innermost cgroup named
 * "*.service" or "*.scope", in the unified hierarchy or systemd's own),
 * as /proc shows it; caller frees.  NULL when none or unreadable.
 */
char	*systemd_unit_of(pid_t pid);
/* Whether unit is a VM's: "qemu-init@*.service". */
int	systemd_is_vm_unit(const char *unit);

/*
 * Moves process pid into the cgroups the calling process runs in (the
 * unified hierarchy and systemd's named one): the unit qemu-init runs
 * as takes over a QEMU that runs elsewhere (a login session).  0, or -1
 * with why in d.
 */
int	systemd_adopt(pid_t pid, struct diag *);

/*
 * Runs systemctl with args (no shell), its output appended to out
 * (NULL: inherited) and its errors inherited; its exit status in
 * *status.  0 once it ran, -1 with why in d when it could not run.
 */
int	systemctl(char *const args[], struct strbuf *out, int *status,
	    struct diag *);
/*
 * The value of one property of unit ("ActiveState": "active", ...),
 * as systemctl show -p PROP --value prints it; caller frees.  NULL
 * when systemctl fails (why in d).
 */
char	*systemctl_show(const char *unit, const char *prop, struct diag *);

/*
 * Whether this start of the VM's unit is systemd's own restart of it
 * (Restart=, after QEMU was killed by a signal): its NRestarts grew
 * since the unit's last start, as recorded in RUNDIR (RUN_UNIT), which
 * is then brought up to date.  1 a restart, 0 a start someone asked
 * for, -1 with why in d when that cannot be told.
 */
int	systemd_restarted(const struct rundir *, const char *vm,
	    const char *unit, struct diag *);

#endif
