/*
 * vmselect.h - the VMs an action names: each argument resolved through
 * the registry (registry.h), or every registered VM, with its config
 * loaded when the action needs it.  One loop for every action, so each
 * treats a VM the same way (its config warnings included).
 */
#ifndef QI_VMSELECT_H
#define QI_VMSELECT_H

#include "diag.h"
#include "registry.h"
#include "vmconf.h"

/* Whether the VM's config is loaded, and who hears what it says. */
enum vm_load {
	LOAD_NONE,
	LOAD_CONFIG,		/* its errors and warnings go to fn's d */
	LOAD_LAZY		/* by fn, if it calls vm_pick_load; what the
				   config says is dropped (list: check tells) */
};

struct vm_pick {
	const char	*arg;		/* as the user named it, or NULL */
	int		 resolved;	/* RESOLVE_OK, _UNKNOWN or _ERROR */
	int		 loaded;	/* vm holds the config */
	int		 tried;		/* a load was tried: vm to free */
	struct vm_ref	 ref;		/* when resolved is RESOLVE_OK */
	struct vm_config vm;		/* when loaded */
};

/*
 * Calls fn for every VM of args (nargs 0: every registered VM, in
 * registry order), with its config loaded as load says.  fn gets the pick and
 * what resolving and loading said (errors when the pick failed) in d,
 * and returns an exit status; the worst (largest) is returned.  Messages
 * about the registry itself come first in the first call's d, or stay in
 * rd when there is no VM.
 */
/*
 * Loads the pick's config, dropping its errors and warnings, unless that
 * was tried: for fn under LOAD_LAZY, which needs it for some VMs only.
 * p->loaded.
 */
int	vm_pick_load(struct vm_pick *);

int	vm_each_named(const char *confdir, char *const args[], int nargs,
	    enum vm_load, int (*fn)(struct vm_pick *, struct diag *d, void *arg),
	    void *arg, struct diag *rd);

#endif
