/*
 * check.h - what qemu-init check verifies beyond a config's syntax: the
 * VMs together.
 */
#ifndef QI_CHECK_H
#define QI_CHECK_H

#include <stddef.h>

#include "diag.h"
#include "vmconf.h"

/* Every MAC shared by two NICs among the VMs, as an error in d. */
void	check_macs(const struct vm_config *vms, size_t n, struct diag *d);

#endif
