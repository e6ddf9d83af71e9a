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
 * Registers a VM: the line "shortname path" appended to CONFDIR's
 * registry (made, mode 0644, when missing), once it is one the registry
 * reads back as that entry and neither name is taken.  0, or -1 with
 * why in d.
 */
int	registry_add(const char *confdir, const char *shortname,
	    const char *path, struct diag *d);
/* Whether registry_add would add that entry now: 0, or -1 (why in d). */
int	registry_check_new(const char *confdir, const char *shortname,
	    const char *path, struct diag *d);
/* Words a shortname may not be: the qemu-init actions. */
int	registry_reserved(const char *);

#endif
