/*
 * usernet.h - user networking without a bridge (qemu-init.cfg(5) NETx,
 * FWDx): a NIC with NETx=user is one end of a socket pair whose other
 * end a passt(1) of its own serves, started by qemu-init beside QEMU as
 * QEMU's own unprivileged user.  passt gives the guest DHCP, DNS and
 * outgoing connections through the host's sockets, and listens on the
 * host's loopback for the NIC's forwards (FWDx).  It runs with
 * --no-map-gw, so that the guest reaches nothing on the host's
 * loopback, where every VM's TCP monitor is, and it ends by itself once
 * QEMU's end of the socket closes (the VM's end, whatever it was).
 */
#ifndef QI_USERNET_H
#define QI_USERNET_H

#include "buf.h"
#include "confine.h"
#include "diag.h"
#include "proc.h"
#include "vmconf.h"

#define USERNET_PROGRAM	"passt"
#define USERNET_FD	3	/* passt's end of the socket, in passt */
#define USERNET_LOOPBACK "127.0.0.1"	/* where every forward listens */

/*
 * passt's command line for nic, its end of the socket being
 * USERNET_FD: "passt -f -q --no-map-gw --fd 3 -t 127.0.0.1/HOST:GUEST
 * ...", appended to av.
 */
void	usernet_argv(const struct vm_nic *nic, struct strvec *av);

/*
 * The forwards of nic as FWDx writes them ("2222:22 8080:80"); caller
 * frees.
 */
char	*usernet_forwards_text(const struct vm_nic *nic);

/*
 * Whether TCP port on the host's loopback can be bound now: 1 free, 0
 * taken (or not ours to bind).
 */
int	usernet_port_free(unsigned port);

/*
 * Before a start: every forward of the VM's user NICs can listen now.
 * 0, or -1 with "FWD1: 127.0.0.1:2222 is in use ..." in d.
 */
int	usernet_ports_check(const struct vm_config *, struct diag *);

/*
 * A connected stream socket pair for a user NIC (close-on-exec): [0]
 * for QEMU, [1] for passt.  0, or -1 with why in d.
 */
int	usernet_pair(int fds[2], struct diag *);

/*
 * Starts passt for NIC i of the VM (nic), as user u, with fd (its end
 * of the pair) as USERNET_FD and log_fd as its stderr.  0 with its
 * identity in *id, or -1 with why in d.  The caller reaps it while it
 * runs, or lets it go (it ends with QEMU).
 */
int	usernet_start(const struct vm_nic *nic, int fd, int log_fd,
	    const struct qemu_user *u, struct proc_id *id, struct diag *d);

#endif
