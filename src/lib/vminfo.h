/*
 * vminfo.h - what status, list and info report about one VM, gathered in
 * one place: whether it runs, QEMU's own run state, and its facts.  The
 * facts of a running VM are those recorded at its start (state.h),
 * never what its config says now; those of a VM that does not run are
 * what a start would record from its config (lifecycle.h's vm_facts).
 */
#ifndef QI_VMINFO_H
#define QI_VMINFO_H

#include "backup.h"
#include "lifecycle.h"
#include "rundir.h"
#include "state.h"
#include "vmconf.h"

struct vm_info {
	enum vm_run	 run;
	char		*qemu_state;	/* running: vm_run_state's; else NULL */
	/*
	 * Running or dead: as recorded at its start (st.recorded); else
	 * the config's facts.  Where neither is known (a start cut short,
	 * a config that did not load), has_facts is 0.
	 */
	struct vm_state	 st;
	int		 has_facts;
	long long	 uptime;	/* seconds; -1: not running, not known */
	char		*serial;	/* running with SERIAL: the console socket */
	char		*console_log;	/* with SERIAL, while it exists */
	char		*hmp, *qmp;	/* running with MONITOR=unix: sockets */
	/*
	 * vm_info_images: what each disk's qcow2 header names (image.h),
	 * absolute; NULL each where none, or not read.
	 */
	char		**backing;	/* one for each st.disks */
	char		**data_file;
	/*
	 * vm_info_images too: the internal snapshots of its first disk's
	 * qcow2 image (snapshot.h), -1 when not known; and its last backup
	 * (backup.h), when has_backup.
	 */
	long long	 snapshots;
	struct backup_record backup;
	int		 has_backup;
};

/*
 * Finds out about the VM name of RUNDIR; vm is its config, or NULL when
 * it was not loaded.  What known (vm_run_states, for many VMs at once;
 * or NULL) holds of the VM is taken from it (so each VM once); else the
 * VM is probed and a running QEMU's run state asked (up to
 * MONITOR_TIMEOUT_MS).  vm_info_free it.
 */
void	vm_info_get(const struct rundir *, const char *name,
	    const struct vm_config *vm, struct run_states *known,
	    struct vm_info *);
/*
 * Reads the header of each of the VM's disks that QEMU may read as qcow2
 * (its format qcow2, or probed): the files it names and the snapshots
 * it holds, for info; and the record of the VM's last backup.
 */
void	vm_info_images(struct vm_info *);
void	vm_info_free(struct vm_info *);

#endif
