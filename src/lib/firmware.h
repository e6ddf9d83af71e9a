/*
 * firmware.h - UEFI firmware for FIRMWARE=uefi (qemu-init.cfg(5)), found
 * the way libvirt finds it: through QEMU's firmware descriptors, the
 * JSON files of QEMU's docs/interop/firmware.json in
 * /usr/share/qemu/firmware (the distribution's, Debian's ovmf) and
 * /etc/qemu/firmware (the admin's: a file of the same name there
 * replaces the distribution's, an empty one hides it).  Files are tried
 * in the order of their names; the first that fits wins.
 *
 * One fits when it is UEFI on a flash device in split mode (code and
 * variable-store template apart), for the VM's architecture and machine
 * type, and needs no secure boot, enrolled keys or SMM (which need QEMU
 * options of their own).  Nothing here is hard-coded: no OVMF path.
 */
#ifndef QI_FIRMWARE_H
#define QI_FIRMWARE_H

#include <stddef.h>

#include "diag.h"
#include "vmconf.h"

/* QEMU's own search path for descriptors, most important first. */
#define FIRMWARE_DIRS	"/etc/qemu/firmware:/usr/share/qemu/firmware"

struct firmware {
	char	*descriptor;	/* the JSON file it is described in */
	char	*code;		/* the executable: read-only pflash unit 0 */
	char	*code_format;	/* "raw" or "qcow2" */
	char	*vars;		/* the variable-store template */
	char	*vars_format;
};

/*
 * The architecture QEMU's descriptors name for a TGTARCH binary
 * ("qemu-system-x86_64" -> "x86_64", "/opt/bin/qemu-system-aarch64" ->
 * "aarch64"), or NULL when the name is not qemu-system-ARCH.  Points
 * into the argument.
 */
const char *firmware_arch(const char *tgtarch);

/*
 * Whether one descriptor (its JSON text) fits arch and machine (a
 * machine type such as "q35", "pc" or "pc-q35-7.2": the aliases q35 and
 * pc are matched as versions of pc-q35 and pc-i440fx).  1 with fw
 * filled (but fw->descriptor), 0 when it does not fit (*why says why,
 * for messages), -1 when the text is no descriptor (*why).
 */
int	firmware_match(const char *json, size_t len, const char *arch,
	    const char *machine, struct firmware *fw, const char **why);

/*
 * The first descriptor in dirs (colon-separated, FIRMWARE_DIRS for the
 * real ones) that fits.  0 with fw filled; -1 with why in d: nothing
 * installed ("install Debian's ovmf"), or nothing that fits this
 * machine.  firmware_free fw either way.
 */
int	firmware_find(const char *dirs, const char *arch, const char *machine,
	    struct firmware *fw, struct diag *d);
void	firmware_free(struct firmware *);

/*
 * firmware_find in FIRMWARE_DIRS for a VM with FIRMWARE=uefi: its
 * TGTARCH's architecture, the machine type it runs on.  0, or -1 with
 * "FILE:LINE: FIRMWARE=uefi: why" in d.  firmware_free fw either way.
 */
int	firmware_for(const struct vm_config *, struct firmware *fw,
	    struct diag *d);

/*
 * Opens the VM's own variable store at path for reading and writing,
 * made from fw's template when it does not exist yet (mode 0600).
 * Nothing is followed: a symlink there, anything but a regular file of
 * this user, or a folder that group or others can write (running as
 * root) is refused, with the fix.  The fd (close-on-exec), or -1 with
 * why in d (a half-made copy is removed).
 */
int	firmware_open_vars(const struct firmware *fw, const char *path,
	    struct diag *d);

#endif
