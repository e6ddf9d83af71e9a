/*
 * cmdline.h - the QEMU command line of a VM (qemu-init.cfg(5),
 * monitor.conf(5)): a pure function of the VM, monitor.conf and a launch
 * plan, built as an argument vector, never a shell string.  Nothing here
 * looks at the host: the plan carries what was found out (lifecycle.h
 * makes it, the same way for start and show).
 */
#ifndef QI_CMDLINE_H
#define QI_CMDLINE_H

#include "buf.h"
#include "firmware.h"
#include "monconf.h"
#include "vmconf.h"

/* The descriptors qemu-init opens for QEMU (its sockets and its log). */
enum plan_fd {
	PLAN_CONTROL,		/* qemu-init's own QMP socket */
	PLAN_SERIAL,		/* the serial console socket */
	PLAN_CONSOLE_LOG,	/* the serial console's log */
	PLAN_HMP,		/* MONITOR=unix */
	PLAN_QMP,		/* MONITOR=unix */
	PLAN_AGENT,		/* AGENT=yes: the guest agent's channel */
	PLAN_NFDS
};

/* What a launch adds to the VM's description. */
struct launch_plan {
	unsigned	 slot;
	unsigned	 monport;	/* HMP (from ports.h) */
	unsigned	 ctlport;	/* QMP */
	int		 ipv6;		/* the TCP monitors also on ::1 */
	int		 kvm;		/* KVM, else TCG */
	int		 run_with;	/* QEMU >= 9.1: -run-with user= */
	int		 by_path;	/* show -s: files by name, not fd=<FILE> */
	const char	*confdir;	/* qemu-brup, qemu-brdown */
	char		*pidfile;	/* RUNDIR/<name>@pid */
	/*
	 * Open descriptors QEMU inherits, or -1 where none was opened
	 * (show): then what it would be is shown as fd=<FILE> from path,
	 * or named (path=FILE, logfile=FILE) with by_path, for a command
	 * line a shell can run.
	 */
	int		 fd[PLAN_NFDS];
	char		*path[PLAN_NFDS];
	/* FIRMWARE=uefi: what the descriptors gave (code, template). */
	struct firmware	 uefi;
};

/* The whole command line, appended to av. */
void	qemu_cmdline(const struct vm_config *, const struct monconf *,
	    const struct launch_plan *, struct strvec *av);

/* What a process's command line says of the VM it runs. */
enum {
	CMDLINE_UNKNOWN,	/* no -name, two, or not a plain name */
	CMDLINE_VM,		/* its -name is the VM's */
	CMDLINE_OTHER		/* it names another VM */
};

/*
 * Whether av, a process's command line, names VM name with -name: a
 * CMDLINE_ code, with the name it gives in *other (a word of av) unless
 * CMDLINE_UNKNOWN.
 */
int	qemu_cmdline_name(const struct strvec *av, const char *name,
	    const char **other);
/*
 * Whether av has, word for word as qemu_cmdline writes it, the TCP
 * monitor on port: QMP (qmp) or HMP, on ::1 (v6) or 127.0.0.1.  A QEMU
 * that runs with it listens there: it exits when it cannot.
 */
int	qemu_cmdline_monitor(const struct strvec *av, int qmp, int v6,
	    unsigned port);

#endif
