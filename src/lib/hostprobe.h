/*
 * hostprobe.h - what a launch needs to know about this host and its
 * QEMU, found out by looking: whether KVM opens, whether the loopback
 * has IPv6, which QEMU version TGTARCH is.
 */
#ifndef QI_HOSTPROBE_H
#define QI_HOSTPROBE_H

/* KVM=auto: whether /dev/kvm can be opened. */
int	kvm_available(void);
/*
 * Whether ::1 can be bound, so the TCP monitors listen there too; found
 * out once a process.
 */
int	ipv6_loopback(void);
/*
 * Whether TGTARCH is QEMU 9.1 or later, where -run-with user= replaces
 * the deprecated -runas.  Runs `TGTARCH --version`.
 */
int	qemu_has_run_with(const char *tgtarch);

#endif
