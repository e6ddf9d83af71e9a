/*
 * create.h - making a VM and unmaking it (qemu-init(8) create, remove):
 * a folder of its own with a qcow2 overlay on a cloud image (the image
 * never written), a cloud-init NoCloud seed (nocloud.h), a commented
 * <name>-qemu.cfg written whole, and its registry line added under the
 * registry's lock (registry.h).  What create made is listed in the
 * VM's folder, in <name>-create.list: remove --purge deletes what that
 * list names and nothing else.  A create that fails leaves nothing.
 */
#ifndef QI_CREATE_H
#define QI_CREATE_H

#include <stddef.h>

#include "buf.h"
#include "diag.h"
#include "monconf.h"
#include "rundir.h"

#define CREATE_DIR	"/var/lib/qemu-init"	/* <dir>/<name>/ by default */
#define CREATE_USER	"admin"			/* the user cloud-init makes */
#define CREATE_RAM	"1G"
#define CREATE_PORT_FIRST 2222	/* the ssh forward: the first free from */
#define CREATE_PORT_SCAN 1000	/* ... ports looked at, at most */
#define CREATE_KEYS_MAX	(64 * 1024)	/* a public key file, at most */
#define CREATE_LIST	"-create.list"	/* <name>-create.list */
/*
 * READY for start -w: cloud-init's final message, which it prints on the
 * console at the end of every boot ("Cloud-init v. 22.4.2 finished at
 * ..."), after the host keys at the first.
 */
#define CREATE_READY	" finished at "

/* What create is asked for (NULL: the default). */
struct create_opts {
	const char	*name;
	const char	*image;		/* --image */
	const char	*image_format;	/* --image-format; NULL: qemu-img's */
	const char	*from;		/* --from VM instead of an image */
	const char	*dir;		/* --dir; NULL: CREATE_DIR/<name> */
	const char	*size;		/* --size; NULL: the image's */
	const char	*ram;		/* --ram */
	const char	*cpus;		/* --cpus */
	const char	*firmware;	/* --firmware bios|uefi */
	const char	*net;		/* user, bridge or bridge=BR; NULL:
					   user when there is no br0 */
	const char	*ssh_key;	/* --ssh-key FILE.pub; NULL: the
					   caller's own */
	const char	*user;		/* --user */
	const char	*ip;		/* --ip ADDR/PREFIX (a bridged NIC) */
	const char	*gateway;	/* --gateway ADDR */
	char		**sets;		/* --set KEY=VALUE, in order */
	size_t		 nsets;
};

/*
 * A config file being made: its keys in order, each with a comment
 * line above it (or NULL), a later set of a key replacing its value.
 */
struct cfg_draft {
	struct strvec	 keys;
	struct strvec	 values;
	struct strvec	 comments;	/* "" for none */
};

void	cfg_draft_init(struct cfg_draft *);
void	cfg_draft_free(struct cfg_draft *);
/* Sets key to value (copied), with comment above it when it is new. */
void	cfg_draft_set(struct cfg_draft *, const char *key, const char *value,
	    const char *comment);
/* Removes key, when set. */
void	cfg_draft_unset(struct cfg_draft *, const char *key);
/* The value of key, or NULL. */
const char *cfg_draft_get(const struct cfg_draft *, const char *key);
/*
 * The file's text: header lines (each given line as a "# " comment),
 * then each key as KEY=VALUE with the value quoted as a shell word
 * that qemu-init.cfg(5)'s parser reads back as it was.
 */
void	cfg_draft_text(const struct cfg_draft *, const char *header,
	    struct strbuf *out);

/*
 * Makes the VM that opts describe and registers it; *cfgpath is its
 * config (caller frees).  0, or -1 with one line of why in d and
 * nothing made.  mc: monitor.conf (QEMU's user, who must be able to
 * read the base image).
 */
int	create_vm(const char *confdir, const struct monconf *mc,
	    const struct rundir *rd, const struct create_opts *opts,
	    char **cfgpath, struct diag *d);

/*
 * Unregisters the stopped VM name (refused while it runs or starts);
 * with purge, deletes the files its <name>-create.list names, the
 * folder create made when that is then empty, and what its runs left
 * in RUNDIR (console logs).  0, or -1 with why in d (nothing done).
 */
int	create_remove(const char *confdir, const struct rundir *rd,
	    const char *name, int purge, struct diag *d);

#endif
