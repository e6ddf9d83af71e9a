/* test_vmselect.c - the VMs an action names, one loop for every action */
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "vmselect.h"
#include "unit.h"

#define CALLS_MAX	8

/* What fn saw of each pick, copied before vm_each_named frees it. */
struct seen {
	size_t	 n;
	int	 lazy;			/* fn calls vm_pick_load */
	struct {
		char	*arg;
		char	*name;		/* ref.name when resolved */
		char	*shortname;
		char	*ram;		/* vm.ram when loaded */
		int	 resolved, loaded, tried, reloaded;
		char	*msgs;		/* d's messages, "E:"/"W:" + "|" */
		unsigned errors;
	} call[CALLS_MAX];
};

/* The temp CONFDIR, left out of messages. */
static char confdir_now[4096];

static char *
msgs_of(const struct diag *d)
{
	size_t i, n = strlen(confdir_now);
	struct strbuf sb;
	const char *t, *at;

	sb_init(&sb);
	sb_add(&sb, "", 0);
	for (i = 0; i < d->n; i++) {
		sb_addf(&sb, "%s%s:", i > 0 ? "|" : "",
		    d->msgs[i].level == DIAG_ERROR ? "E" :
		    d->msgs[i].level == DIAG_WARNING ? "W" : "N");
		for (t = d->msgs[i].text; n > 0 &&
		    (at = strstr(t, confdir_now)) != NULL && at[n] == '/';
		    t = at + n + 1)
			sb_add(&sb, t, (size_t)(at - t));
		sb_adds(&sb, t);
	}
	return sb_detach(&sb);
}

/* Records the pick; its status: 0 loaded, 2 not loaded, 1 unresolved. */
static int
record(struct vm_pick *p, struct diag *d, void *arg)
{
	struct seen *s = arg;
	int i = (int)s->n++;

	if (s->n > CALLS_MAX)
		return 99;
	if (s->lazy && p->ref.shortname != NULL &&
	    strcmp(p->ref.shortname, "web") == 0) {
		CHECK(vm_pick_load(p) == 1);
		s->call[i].reloaded = vm_pick_load(p);	/* tried: as is */
	}
	s->call[i].arg = p->arg != NULL ? xstrdup(p->arg) : NULL;
	s->call[i].resolved = p->resolved;
	s->call[i].loaded = p->loaded;
	s->call[i].tried = p->tried;
	if (p->resolved == RESOLVE_OK) {
		s->call[i].name = xstrdup(p->ref.name);
		s->call[i].shortname = p->ref.shortname != NULL ?
		    xstrdup(p->ref.shortname) : NULL;
	}
	if (p->loaded)
		s->call[i].ram = xstrdup(p->vm.ram);
	s->call[i].msgs = msgs_of(d);
	s->call[i].errors = d->errors;
	return p->resolved != RESOLVE_OK ? 1 : p->loaded ? 0 : 2;
}

static void
seen_free(struct seen *s)
{
	size_t i;

	for (i = 0; i < s->n && i < CALLS_MAX; i++) {
		free(s->call[i].arg);
		free(s->call[i].name);
		free(s->call[i].shortname);
		free(s->call[i].ram);
		free(s->call[i].msgs);
	}
	memset(s, 0, sizeof(*s));
}

/*
 * A CONFDIR whose registry has a bad line and two VMs: web (loads, with
 * a warning) and db (does not load).
 */
static const char *
confdir(void)
{
	const char *dir = unit_tmpdir();
	char reg[8192];

	snprintf(confdir_now, sizeof(confdir_now), "%s", dir);
	unit_writes(dir, "web-qemu.cfg", "RAM=2G\nDKS1=x\n");
	unit_writes(dir, "db-qemu.cfg", "STOPDELAY=soon\n");
	snprintf(reg, sizeof(reg), "junk\nweb %s/web-qemu.cfg\n"
	    "db %s/db-qemu.cfg\n", dir, dir);
	unit_writes(dir, "qemu-init.reg", reg);
	return dir;
}

TEST(vmselect_every_registered_vm_in_order)
{
	const char *dir = confdir();
	struct seen s;
	struct diag rd;

	memset(&s, 0, sizeof(s));
	diag_init(&rd);
	CHECK(vm_each_named(dir, NULL, 0, LOAD_CONFIG, record, &s, &rd) == 2);
	CHECK(s.n == 2);
	CHECK_STR(s.call[0].arg, "web");
	CHECK_STR(s.call[0].name, "web");
	CHECK(s.call[0].resolved == RESOLVE_OK && s.call[0].loaded);
	CHECK_STR(s.call[0].ram, "2G");
	/* The registry's warning comes first, in the first VM's messages. */
	CHECK_STR(s.call[0].msgs, "W:qemu-init.reg:1: expected '<shortname> "
	    "<path>'|W:web-qemu.cfg:2: unknown key 'DKS1' (did you mean "
	    "'DSK1'?)");
	CHECK_STR(s.call[1].arg, "db");
	CHECK(s.call[1].resolved == RESOLVE_OK && !s.call[1].loaded &&
	    s.call[1].tried);
	CHECK_STR(s.call[1].msgs, "E:db-qemu.cfg:1: STOPDELAY 'soon' is not "
	    "a number (0 to 86400)");
	CHECK(s.call[1].errors == 1);
	CHECK(rd.n == 0);	/* moved to the first VM's */
	seen_free(&s);
	diag_clear(&rd);
}

TEST(vmselect_named_vms_as_given)
{
	const char *dir = confdir();
	char path[8192], *args[4];
	struct seen s;
	struct diag rd;

	snprintf(path, sizeof(path), "%s/web-qemu.cfg", dir);
	args[0] = "db";
	args[1] = "nope";
	args[2] = path;
	args[3] = "web";
	memset(&s, 0, sizeof(s));
	diag_init(&rd);
	/* The worst status: 2 (not loaded), over nope's 1. */
	CHECK(vm_each_named(dir, args, 4, LOAD_NONE, record, &s, &rd) == 2);
	CHECK(s.n == 4);
	CHECK_STR(s.call[0].arg, "db");
	CHECK(s.call[0].resolved == RESOLVE_OK);
	CHECK(!s.call[0].loaded && !s.call[0].tried);	/* LOAD_NONE */
	/* A name depends on the registry: its warning comes with it. */
	CHECK_STR(s.call[0].msgs, "W:qemu-init.reg:1: expected "
	    "'<shortname> <path>'");
	CHECK_STR(s.call[1].arg, "nope");
	CHECK(s.call[1].resolved == RESOLVE_UNKNOWN);
	CHECK(s.call[1].errors == 1 && s.call[1].name == NULL);
	CHECK_STR(s.call[1].msgs, "W:qemu-init.reg:1: expected "
	    "'<shortname> <path>'|E:unknown VM 'nope' (not in qemu-init.reg)");
	/* A path does not: no registry warning. */
	CHECK_STR(s.call[2].arg, path);
	CHECK(s.call[2].resolved == RESOLVE_OK);
	CHECK_STR(s.call[2].name, "web");
	CHECK_STR(s.call[2].shortname, "web");
	CHECK_STR(s.call[2].msgs, "");
	CHECK_STR(s.call[3].shortname, "web");
	CHECK(rd.n == 0);
	seen_free(&s);
	diag_clear(&rd);
}

TEST(vmselect_lazy_loads_for_fn_only_quietly)
{
	const char *dir = confdir();
	struct seen s;
	struct diag rd;

	memset(&s, 0, sizeof(s));
	s.lazy = 1;
	diag_init(&rd);
	/* web: fn loads it (status 0); db: fn does not (status 2). */
	CHECK(vm_each_named(dir, NULL, 0, LOAD_LAZY, record, &s, &rd) == 2);
	CHECK(s.n == 2);
	CHECK(s.call[0].loaded && s.call[0].tried && s.call[0].reloaded);
	CHECK_STR(s.call[0].ram, "2G");
	/* What the config says is dropped; the registry's is kept. */
	CHECK_STR(s.call[0].msgs, "W:qemu-init.reg:1: expected "
	    "'<shortname> <path>'");
	CHECK(!s.call[1].loaded && !s.call[1].tried);
	CHECK_STR(s.call[1].msgs, "");
	seen_free(&s);
	diag_clear(&rd);
}

TEST(vmselect_pick_load_needs_a_resolved_vm)
{
	struct vm_pick p;

	memset(&p, 0, sizeof(p));
	p.resolved = RESOLVE_UNKNOWN;
	CHECK(vm_pick_load(&p) == 0 && !p.tried);
	p.resolved = RESOLVE_OK;
	p.tried = 1;
	p.loaded = 1;
	CHECK(vm_pick_load(&p) == 1);	/* tried: not loaded again */
}

TEST(vmselect_no_vm_leaves_the_registry_messages)
{
	const char *dir = unit_tmpdir();
	char reg[8192];
	struct seen s;
	struct diag rd;

	memset(&s, 0, sizeof(s));
	diag_init(&rd);
	/* No registry: nothing to do, nothing wrong. */
	CHECK(vm_each_named(dir, NULL, 0, LOAD_CONFIG, record, &s, &rd) == 0);
	CHECK(s.n == 0 && rd.n == 0);
	/* Only bad lines: their warnings stay in rd. */
	unit_writes(dir, "qemu-init.reg", "junk\n");
	CHECK(vm_each_named(dir, NULL, 0, LOAD_CONFIG, record, &s, &rd) == 0);
	CHECK(s.n == 0 && rd.n == 1 && rd.warnings == 1);
	diag_clear(&rd);
	/* A registry that cannot be read (a folder): status 1 and why. */
	snprintf(reg, sizeof(reg), "%s/qemu-init.reg", dir);
	CHECK(unlink(reg) == 0 && mkdir(reg, 0755) == 0);
	CHECK(vm_each_named(dir, NULL, 0, LOAD_CONFIG, record, &s, &rd) == 1);
	CHECK(s.n == 0 && rd.errors == 1);
	CHECK(diag_first_error(&rd) != NULL &&
	    strstr(diag_first_error(&rd), "qemu-init.reg") != NULL);
	diag_clear(&rd);
}
