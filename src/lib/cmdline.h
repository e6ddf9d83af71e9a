/*
 * cmdline.h - the QEMU command line of a VM (qemu-init.cfg(5),
 * monitor.conf(5)): a pure function of the VM, monitor.conf and a launch
 * plan, built as an argument vector, never a shell string.  Nothing here
 * looks at the host: the plan carries what was found out and opened
 * (lifecycle.h makes it, the same way for start and show).
 *
 * QEMU opens no file by a name a guest or another user could change:
 * every image, ISO, kernel, firmware, socket, log and tap is a
 * descriptor qemu-init opened (show prints each as fd=<FILE>).  The only
 * names QEMU opens are its pid file, in a folder of its own, and the
 * backing and data files a qcow2 image names, which it opens as its own
 * unprivileged user.
 */
#ifndef QI_CMDLINE_H
#define QI_CMDLINE_H

#include "buf.h"
#include "confine.h"
#include "firmware.h"
#include "monconf.h"
#include "vmconf.h"

/* The sockets and the log qemu-init opens for QEMU in RUNDIR. */
enum plan_fd {
	PLAN_CONTROL,		/* qemu-init's own QMP socket */
	PLAN_SERIAL,		/* the serial console socket */
	PLAN_CONSOLE_LOG,	/* the serial console's log */
	PLAN_HMP,		/* MONITOR=unix */
	PLAN_QMP,		/* MONITOR=unix */
	PLAN_AGENT,		/* AGENT=yes: the guest agent's channel */
	PLAN_NFDS
};

/*
 * A file qemu-init opens for QEMU (a socket, an image, a tap, ...).  QEMU
 * finds it as descriptor PLAN_FD_BASE + its index in the plan's files,
 * where qemu-init puts it when it runs QEMU; with a set, QEMU opens it
 * through that fd set (-add-fd, /dev/fdset/SET), as its images.
 */
#define PLAN_FD_BASE	3
#define PLAN_NONE	(-1)	/* an index: no such file */

struct plan_file {
	int	 fd;		/* ours; -1 where none was opened (show) */
	int	 set;		/* its -add-fd set, or 0 */
	char	*name;		/* the file ("/srv/web.img", "tap qi3n0") */
};

/* A disk as the plan opens it. */
struct plan_disk {
	int	 rw, ro;	/* file indexes; rw PLAN_NONE with SNAPSHOT */
	int	 set;
	char	*backing;	/* what its qcow2 header names, absolute */
	char	*data_file;	/* the same for an external data file */
};

/* What a launch adds to the VM's description. */
struct launch_plan {
	unsigned	 slot;
	unsigned	 monport;	/* HMP (from ports.h) */
	unsigned	 ctlport;	/* QMP */
	int		 ipv6;		/* the TCP monitors also on ::1 */
	int		 kvm;		/* KVM, else TCG */
	/*
	 * show -s: files by name (path=FILE, file=FILE, tap scripts) for a
	 * command line a shell can run, where QEMU opens them itself.
	 */
	int		 by_path;
	const char	*confdir;	/* qemu-brup, qemu-brdown */
	char		*pidfile;	/* RUNDIR/<name>@qemu/pid */
	struct plan_file *files;	/* what QEMU is handed, in order */
	size_t		 nfiles;
	int		 fd[PLAN_NFDS];	/* file indexes, PLAN_NONE: none */
	struct plan_disk *disks;	/* one for each of the VM's disks */
	size_t		 ndisks;
	int		*cdroms;	/* file indexes, one for each ISO */
	int		*taps;		/* file indexes, one for each NIC */
	/*
	 * NETx=user: QEMU's end of each NIC's socket to its passt (file
	 * indexes; PLAN_NONE for a bridged NIC, whose tap is in taps), and
	 * passt's end, ours until passt runs (-1: none).
	 */
	int		*usernets;
	int		*passt_fds;
	int		 kernel, initrd;	/* file indexes, or PLAN_NONE */
	int		 fw_code, fw_vars;	/* FIRMWARE=uefi */
	int		 fw_vars_ro;		/* the same, read-only */
	int		 next_set;	/* the last fd set given out */
	/*
	 * migrate's target: the file index of the migration stream, from
	 * which QEMU takes the VM's state (-incoming), paused (-S) until
	 * told to go on; PLAN_NONE: none.
	 */
	int		 incoming;
	/* FIRMWARE=uefi: what the descriptors gave (code, template). */
	struct firmware	 uefi;
	struct qemu_user user;		/* who QEMU runs as (confine.h) */
};

/*
 * Adds a file to the plan (fd -1: not opened; name copied); its index.
 * set: 0, or the fd set it belongs to.
 */
int	plan_add_file(struct launch_plan *, int fd, int set, const char *name);
/* Closes what the plan opened and frees it. */
void	plan_free(struct launch_plan *);

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
