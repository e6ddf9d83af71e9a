/*
 * check.h - what `qemu-init check` verifies beyond a config's syntax:
 * the host, this QEMU, and the VMs together (qemu-init(8), check).
 *
 * The host: the bridge of a VM's NICs, QEMU's user (monitor.conf's
 * RUNAS) and its subordinate ids; the files start opens for QEMU in
 * folders no one else could write, the kernel readable by QEMU's user,
 * what each qcow2 image names (notes) within its reach.  This QEMU:
 * TGTARCH is an executable
 * QEMU, and it knows each NIC model, MACHINE and CPU; the binary itself
 * is asked (-device help, -machine help, -cpu help), once per binary, and
 * never a list of our own.  The VMs together: no MAC on two NICs, no disk
 * image in two DSKx.  And warnings about what is legal but surely not
 * meant: a VM with nothing to boot, a VNC display on the network, a guest
 * with user-mode networking that reaches the host's TCP monitors.
 *
 * Every finding is one line in a diag naming FILE:LINE and the key; the
 * VMs given are ones vmconf_load accepted.
 */
#ifndef QI_CHECK_H
#define QI_CHECK_H

#include <stddef.h>

#include "buf.h"
#include "diag.h"
#include "monconf.h"
#include "vmconf.h"

/*
 * All of it: monitor.conf (as loaded from confdir into mc), each of the
 * n VMs against the host and its QEMU, then the n VMs together.  Each
 * QEMU binary is run at most once per kind of list for the whole call.
 */
void	check_all(const struct vm_config *vms, size_t n,
	    const struct monconf *mc, const char *confdir, struct diag *);

/*
 * The bridge that the NICs of the VM go on exists and is a bridge (a VM
 * without NICs needs none): 0, or -1 with "FILE:LINE: KEY: cannot attach
 * the NICs of 'web': why" in d.  start requires it too.
 */
int	check_bridge(const struct vm_config *, struct diag *);

/*
 * The names in a QEMU's help output, read leniently so that an unusual
 * layout can only make a name pass, never fail:
 * - `-machine help`: the first word of each line that is not a heading
 *   (aliases such as "pc" are listed as lines of their own);
 * - `-cpu help`: the first two words of each line of the list of models
 *   (targets put their name in front: "x86 Skylake-Client"), quotes
 *   removed, up to the list of feature flags;
 * - `-device help`: each `name "X"` and its `alias "Y"`, with the
 *   heading it is listed under ("Network devices") in kinds, the two
 *   vectors in step.
 * Names are appended to out (names).
 */
void	qemu_help_machines(const char *text, struct strvec *out);
void	qemu_help_cpus(const char *text, struct strvec *out);
void	qemu_help_devices(const char *text, struct strvec *names,
	    struct strvec *kinds);

/*
 * 1 when a listening address is the loopback only: 127.0.0.0/8, ::1
 * (also in brackets, or v4-mapped) or "localhost"; else 0.
 */
int	addr_is_loopback(const char *);

#endif
