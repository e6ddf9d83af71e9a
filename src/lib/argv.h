/*
 * argv.h - the QEMU command line of a VM (SPEC 2.4, 2.5, 3): built as an
 * argument vector, never a shell string.
 */
#ifndef QI_ARGV_H
#define QI_ARGV_H

#include "buf.h"
#include "diag.h"
#include "monconf.h"
#include "vmconf.h"

/* What a launch adds to the VM's description. */
struct launch {
	unsigned	 slot;
	unsigned	 monport;	/* HMP */
	unsigned	 ctlport;	/* QMP */
	int		 ipv6;		/* also listen on ::1 */
	int		 kvm;		/* KVM, else TCG */
	int		 run_with;	/* QEMU >= 9.1: -run-with user= */
	const char	*confdir;
	const char	*rundir;
};

/* The ports and display of slot s. */
void	launch_ports(struct launch *, const struct monitor_conf *, unsigned s);
/* KVM=auto: whether /dev/kvm can be opened. */
int	kvm_available(void);
/* Whether QEMU is 9.1 or later, where -run-with user= replaces -runas. */
int	qemu_has_run_with(const char *tgtarch);
/*
 * The whole command line.  Fails (-1) only when a path is too long for
 * a unix socket.
 */
int	qemu_argv(const struct vm_config *, const struct monitor_conf *,
	    const struct launch *, struct strvec *, struct diag *);
/* RUNDIR/<name><suffix>; caller frees. */
char	*run_path(const char *rundir, const char *name, const char *suffix);

#endif
