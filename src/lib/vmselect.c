/*
 * vmselect.c - the VMs an action names.
 */
#include <string.h>

#include "vmselect.h"

int
vm_pick_load(struct vm_pick *p)
{
	struct diag quiet;

	if (p->tried || p->resolved != RESOLVE_OK)
		return p->loaded;
	diag_init(&quiet);
	p->loaded = vmconf_load(&p->vm, p->ref.cfgpath, p->ref.name,
	    &quiet) == 0;
	diag_clear(&quiet);
	p->tried = 1;
	return p->loaded;
}

/*
 * Resolves (or takes entry e), loads, and hands the pick to fn, with
 * first's messages (the registry's) before its own.
 */
static int
pick_one(struct vm_pick *p, const char *confdir, const struct reg_entry *e,
    enum vm_load load, int (*fn)(struct vm_pick *, struct diag *, void *),
    void *arg, struct diag *first)
{
	struct diag d;
	int rc;

	diag_init(&d);
	if (first != NULL)
		diag_move(&d, first);
	if (e != NULL) {
		vm_ref_from_entry(e, &p->ref);
		p->resolved = RESOLVE_OK;
	} else
		p->resolved = vm_lookup(confdir, p->arg, &p->ref, &d);
	if (p->resolved == RESOLVE_OK && load == LOAD_CONFIG) {
		p->loaded = vmconf_load(&p->vm, p->ref.cfgpath, p->ref.name,
		    &d) == 0;
		p->tried = 1;
	}
	rc = fn(p, &d, arg);
	diag_clear(&d);
	if (p->tried)
		vmconf_free(&p->vm);
	vm_ref_free(&p->ref);
	return rc;
}

int
vm_each_named(const char *confdir, char *const args[], int nargs,
    enum vm_load load,
    int (*fn)(struct vm_pick *, struct diag *, void *), void *arg,
    struct diag *rd)
{
	struct registry reg;
	struct vm_pick p;
	size_t i;
	int rc, worst = 0;

	if (nargs > 0) {
		for (i = 0; i < (size_t)nargs; i++) {
			memset(&p, 0, sizeof(p));
			p.arg = args[i];
			if ((rc = pick_one(&p, confdir, NULL, load, fn, arg,
			    NULL)) > worst)
				worst = rc;
		}
		return worst;
	}
	if (registry_load(&reg, confdir, rd) != 0)
		worst = 1;
	for (i = 0; i < reg.n; i++) {
		memset(&p, 0, sizeof(p));
		p.arg = reg.v[i].shortname;
		if ((rc = pick_one(&p, confdir, &reg.v[i], load, fn, arg,
		    i == 0 ? rd : NULL)) > worst)
			worst = rc;
	}
	registry_free(&reg);
	return worst;
}
