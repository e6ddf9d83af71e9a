/*
 * registry.h - CONFDIR/qemu-init.reg (qemu-init.reg(5)): which VMs exist, and
 * how a <vm> argument names one of them.
 */
#ifndef QI_REGISTRY_H
#define QI_REGISTRY_H

#include <stddef.h>

#include "diag.h"

#define CFG_SUFFIX	"-qemu.cfg"

/* An entry's strings live in its registry's text. */
struct reg_entry {
	const char	*shortname;
	const char	*path;		/* absolute path of <longname>-qemu.cfg */
	const char	*longname;
	unsigned	 line;
};

struct registry {
	char		 *path;
	struct reg_entry *v;
	size_t		  n;
	char		 *text;		/* the file: shortnames and paths */
	char		 *longnames;	/* every entry's, one block */
	char		 *absent;	/* NULL, or why there is no registry:
					   "PATH does not exist (set ...)" */
};

/* A VM named on the command line. */
struct vm_ref {
	char		*cfgpath;
	char		*name;		/* the <name> part of the file name */
	char		*shortname;	/* NULL for an unregistered path */
};

enum { RESOLVE_OK = 0, RESOLVE_ERROR = -1, RESOLVE_UNKNOWN = -2 };

/*
 * Loads CONFDIR/qemu-init.reg.  A bad line (malformed, a duplicate name,
 * a CR or control character) is a warning "FILE:LINE: ..." in d and is
 * skipped: the rest of the registry is served.  A missing file is an
 * empty registry, with reg->absent saying which of CONFDIR and the file
 * does not exist.  Returns 0, or -1 with the error in d when the file
 * cannot be read (or is refused, see config_read); either way *reg must
 * be freed with registry_free.
 */
int	registry_load(struct registry *reg, const char *confdir,
	    struct diag *d);
/*
 * Whether CONFDIR/qemu-init.reg exists (or cannot be told not to); when
 * it does not, 0 with the error "PATH does not exist (set
 * QEMU_INIT_CONFDIR ...)" in d, PATH being CONFDIR when that is missing
 * too: for 'check', which must not pass a registry that is not there.
 */
int	registry_exists(const char *confdir, struct diag *d);
/*
 * Parses len bytes of text as registry_load parses the file at path (the
 * name only labels warnings): registry_load without the file, for the
 * fuzzer.  *reg must be freed with registry_free.
 */
void	registry_parse(struct registry *reg, const char *path,
	    const char *text, size_t len, struct diag *d);
/* Frees what reg holds and empties it. */
void	registry_free(struct registry *reg);
/*
 * Resolves a <vm> argument: a path (it has a '/', or it ends in
 * -qemu.cfg and names an existing file), else a shortname, else a
 * longname.  Returns RESOLVE_OK with *ref set (the caller frees it with
 * vm_ref_free), or RESOLVE_ERROR or RESOLVE_UNKNOWN ("unknown VM 'x' (not
 * in FILE)", or saying that the registry does not exist) with the error
 * in d.
 */
int	vm_resolve(const struct registry *reg, const char *arg,
	    struct vm_ref *ref, struct diag *d);
/*
 * vm_resolve against CONFDIR's registry.  A VM named by its path does
 * not depend on the registry's health; a name does.
 */
int	vm_lookup(const char *confdir, const char *arg, struct vm_ref *,
	    struct diag *);
/* The reference to registry entry i. */
void	vm_ref_from_entry(const struct reg_entry *, struct vm_ref *);
void	vm_ref_free(struct vm_ref *);
/* "web" for ".../web-qemu.cfg", NULL when the name has no such form. */
char	*cfg_path_name(const char *path);
/*
 * Whether registry_add would add "shortname path" now (a valid name, an
 * absolute path without blanks of a file named <name>-qemu.cfg, neither
 * name taken): 0, or -1 (why in d).
 */
int	registry_check_new(const char *confdir, const char *shortname,
	    const char *path, struct diag *d);
/* Words a shortname may not be: the qemu-init actions. */
int	registry_reserved(const char *);
/*
 * Whether s may be a shortname (A-Z a-z 0-9 . _ -, not an action): 1,
 * or 0 with why in d.
 */
int	registry_name_ok(const char *s, struct diag *d);

#define REGISTRY_LOCK_WAIT_MS	10000	/* another create or remove */

/*
 * CONFDIR/qemu-init.reg.lock, the registry's lock, which every change
 * of the registry holds (a file of its own: the registry itself is
 * replaced by each change).  Waits up to REGISTRY_LOCK_WAIT_MS.  The
 * lock (to release with lock_release), or -1 with why in d.
 */
int	registry_lock(const char *confdir, struct diag *d);
/*
 * Under the lock the caller holds: adds the line "shortname cfgpath"
 * to the registry (made when missing), refused when a VM of that
 * shortname or longname is registered or registry_check_new refuses it.  The file is replaced whole
 * (filewrite.h), with its mode and owner kept, and read as every
 * reader reads it (config_read: as root, only a file of root's).  0,
 * or -1 with why in d.
 */
int	registry_add(const char *confdir, const char *shortname,
	    const char *cfgpath, struct diag *d);
/*
 * Under the lock: removes the line of shortname (comments and other
 * lines kept as they are).  0, 1 when no line has it, or -1 with why
 * in d.
 */
int	registry_remove(const char *confdir, const char *shortname,
	    struct diag *d);

#endif
