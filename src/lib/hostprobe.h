/*
 * hostprobe.h - what a launch needs to know about this host and its
 * QEMU, found out by looking: whether KVM opens, whether the loopback
 * has IPv6.
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

#endif
