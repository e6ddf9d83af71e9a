/*
 * vmconf.h - one VM as its <name>-qemu.cfg describes it (qemu-init.cfg(5)):
 * every key checked, defaults applied, paths made absolute.  Nothing
 * downstream reads the file again.
 */
#ifndef QI_VMCONF_H
#define QI_VMCONF_H

#include <stddef.h>

#include "cfg.h"
#include "diag.h"
#include "mac.h"

#define VMCONF_SMP_MAX		4096	/* QEMU's largest machine (q35) */
#define VMCONF_STOPDELAY	90	/* seconds, when STOPDELAY is unset */

#define VMCONF_READY		"login:"	/* READY, when unset */
/*
 * Bounds that keep what a start records (state.h) within its own bound:
 * disks, ISOs and NICs each, and the length of a NIC model or a RAM size.
 */
#define VMCONF_ITEMS_MAX	100
#define VMCONF_WORD_MAX		64

enum kvm_mode { KVM_AUTO, KVM_YES, KVM_NO };
/* DISKIF: the interfaces, as vmconf_disk_ifs names them. */
enum disk_if { DISKIF_IDE, DISKIF_VIRTIO, DISKIF_SCSI, DISKIF_NVME };
enum firmware_kind { FIRMWARE_BIOS, FIRMWARE_UEFI };

/* "ide", "virtio", "scsi", "nvme", NULL: DISKIF's values. */
extern const char *const vmconf_disk_ifs[];
/* "raw", "qcow2", ..., NULL: DISKFORMAT's values, formats QEMU writes. */
extern const char *const vmconf_disk_formats[];

struct vm_disk {
	char		*path;		/* absolute */
	/*
	 * DISKFORMATx, else DISKFORMAT; NULL: QEMU probes, and then refuses
	 * the guest writes to block 0 that would make a raw image look
	 * like another format.  Never read from the image by qemu-init.
	 */
	const char	*format;
	enum disk_if	 iface;		/* DISKIFx, else DISKIF */
	const char	*cache;		/* DISKCACHEx, else DISKCACHE; NULL */
	int		 discard;	/* DISKDISCARDx, else DISKDISCARD */
};

struct vm_nic {
	char		*model;
	char		 mac[MAC_STRLEN];
};

struct vm_config {
	char		*cfgpath;
	char		*dir;		/* relative paths start here */
	char		*name;
	char		*os;
	char		*desc;
	char		*tgtarch;
	enum kvm_mode	 kvm;
	char		*ram;
	char		*smp;		/* 1 to VMCONF_SMP_MAX; NULL: unset */
	char		*cpu, *machine;			/* NULL: unset */
	char		*kernel, *initrd, *append;	/* NULL: unset */
	struct vm_disk	*disks;
	size_t		 ndisks;
	int		 snapshot;	/* SNAPSHOT=yes: -snapshot */
	int		 sandbox;	/* SANDBOX, yes by default */
	enum firmware_kind firmware;
	char		*uefi_vars;	/* FIRMWARE=uefi: <dir>/<name>-qemu.vars */
	int		 agent;		/* AGENT=yes */
	char		*ready;		/* READY, or VMCONF_READY */
	int		 oncrash_restart;	/* ONCRASH=restart (systemd) */
	char		**cdroms;
	size_t		 ncdroms;
	struct vm_nic	*nics;
	size_t		 nnics;
	char		*bridge;
	unsigned	 bridge_line;	/* 0: the default */
	int		 vnc;
	int		 serial;
	int		 autostart;
	char		*runas;		/* RUNAS; NULL: unset (the host's user) */
	unsigned	 stopdelay;
	unsigned	 bootdelay;
	char		*precmd, *postcmd;		/* NULL: unset */
	char		**custom;	/* CUSTOMx split into words */
	size_t		 ncustom;
	struct cfg	 cfg;		/* the file's keys, for their lines */
};

/*
 * Reads, parses and checks a VM's config file.  name is the <name> of
 * the file name.  Errors and warnings go to d; returns -1 on any error.
 */
int	vmconf_load(struct vm_config *, const char *cfgpath, const char *name,
	    struct diag *);
void	vmconf_free(struct vm_config *);
/* The line of key in the VM's file, 0 when the file does not set it. */
unsigned vmconf_key_line(const struct vm_config *, const char *key);
/* Whether key is one vmconf_load knows (DSK1, NIC12, RAM, ...). */
int	vmconf_key_known(const char *);
/* The keys, numbered ones ending in 'x' (DSKx), NULL-terminated. */
extern const char *const vmconf_keys[];
/*
 * The machine type the VM runs on: MACHINE's type ("q35" of
 * "q35,accel=kvm" or "type=q35,..."), else q35 for FIRMWARE=uefi (the
 * machine every x86 UEFI descriptor supports), else NULL: QEMU's
 * default.  Caller frees.
 */
char	*vmconf_machine_type(const struct vm_config *);
/* The machine type of a -machine value, or NULL; caller frees. */
char	*machine_type_of(const char *value);

#endif
