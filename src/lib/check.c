/*
 * check.c - checks across VMs.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"

struct nic_owner {
	const char	*vm;
	size_t		 nic;
	char		 mac[MAC_STRLEN];
};

static int
compare_mac(const void *a, const void *b)
{
	return strcmp(((const struct nic_owner *)a)->mac,
	    ((const struct nic_owner *)b)->mac);
}

void
check_macs(const struct vm_config *vms, size_t n, struct diag *d)
{
	struct nic_owner *all = NULL;
	size_t i, j, count = 0;

	for (i = 0; i < n; i++) {
		all = xreallocarray(all, count + vms[i].nnics + 1,
		    sizeof(*all));
		for (j = 0; j < vms[i].nnics; j++) {
			all[count].vm = vms[i].name;
			all[count].nic = j + 1;
			memcpy(all[count].mac, vms[i].nics[j].mac, MAC_STRLEN);
			count++;
		}
	}
	if (count > 1)
		qsort(all, count, sizeof(*all), compare_mac);
	for (i = 1; i < count; i++)
		if (strcmp(all[i - 1].mac, all[i].mac) == 0)
			diag_error(d, "MAC %s is shared by NIC%zu of '%s' and "
			    "NIC%zu of '%s' (set MACx in one of them)",
			    all[i].mac, all[i - 1].nic, all[i - 1].vm,
			    all[i].nic, all[i].vm);
	free(all);
}
