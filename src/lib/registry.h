/*
 * registry.h - CONFDIR/qemu-init.reg (SPEC 2.3): which VMs exist, and
 * how a <vm> argument names one of them.
 */
#ifndef QI_REGISTRY_H
#define QI_REGISTRY_H

#include <stddef.h>

#include "diag.h"

#define CFG_SUFFIX	"-qemu.cfg"

struct reg_entry {
	char		*shortname;
	char		*path;		/* absolute path of <longname>-qemu.cfg */
	char		*longname;
	unsigned	 line;
};

struct registry {
	char		 *path;
	struct reg_entry *v;
	size_t		  n;
};

/* A VM named on the command line. */
struct vm_ref {
	char		*cfgpath;
	char		*name;		/* the <name> part of the file name */
	char		*shortname;	/* NULL for an unregistered path */
};

enum { RESOLVE_OK = 0, RESOLVE_ERROR = -1, RESOLVE_UNKNOWN = -2 };

/*
 * Loads the registry; a missing file is an empty registry.  Every bad
 * line is reported; returns -1 when there was any.
 */
int	registry_load(struct registry *, const char *confdir, struct diag *);
/* The same from text in memory; path is only used in messages. */
int	registry_parse(struct registry *, const char *path, const char *text,
	    size_t len, struct diag *);
void	registry_free(struct registry *);
/* A path (has a '/'), a shortname, else a longname. */
int	vm_resolve(const struct registry *, const char *arg, struct vm_ref *,
	    struct diag *);
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
/* Words a shortname may not be: the qemu-init actions. */
int	registry_reserved(const char *);

#endif
