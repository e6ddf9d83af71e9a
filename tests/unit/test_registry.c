/* test_registry.c - the registry and <vm> resolution */
#include <string.h>

#include "buf.h"
#include "registry.h"
#include "unit.h"

static const char *
load_errn(const char *text, size_t len, struct registry *reg)
{
	static char buf[512];
	const char *dir = unit_tmpdir();
	struct diag d;

	unit_write(dir, "qemu-init.reg", text, len);
	diag_init(&d);
	buf[0] = '\0';
	if (registry_load(reg, dir, &d) != 0) {
		const char *e = diag_first_error(&d);

		/* Drop the temp folder from the message. */
		snprintf(buf, sizeof(buf), "%s", strstr(e, "qemu-init.reg"));
	}
	diag_clear(&d);
	return buf;
}

static const char *
load_err(const char *text, struct registry *reg)
{
	return load_errn(text, strlen(text), reg);
}

TEST(registry_reads_entries)
{
	struct registry reg;
	struct vm_ref ref;
	struct diag d;

	CHECK_STR(load_err("# VMs\nweb /srv/vm/www-qemu.cfg  # comment\n\n"
	    "db\t/srv/vm/db-qemu.cfg", &reg), "");
	CHECK(reg.n == 2);
	CHECK_STR(reg.v[0].longname, "www");
	CHECK(reg.v[1].line == 4);
	diag_init(&d);
	CHECK(vm_resolve(&reg, "web", &ref, &d) == RESOLVE_OK);
	CHECK_STR(ref.name, "www");
	vm_ref_free(&ref);
	CHECK(vm_resolve(&reg, "www", &ref, &d) == RESOLVE_OK);
	CHECK_STR(ref.shortname, "web");
	vm_ref_free(&ref);
	CHECK(vm_resolve(&reg, "/srv/vm/db-qemu.cfg", &ref, &d) == RESOLVE_OK);
	CHECK_STR(ref.shortname, "db");
	vm_ref_free(&ref);
	CHECK(vm_resolve(&reg, "/x/new-qemu.cfg", &ref, &d) == RESOLVE_OK);
	CHECK(ref.shortname == NULL);
	CHECK_STR(ref.name, "new");
	vm_ref_free(&ref);
	CHECK(vm_resolve(&reg, "nope", &ref, &d) == RESOLVE_UNKNOWN);
	CHECK(strstr(diag_first_error(&d), "unknown VM 'nope' (not in ") != 0);
	CHECK(vm_resolve(&reg, "./x.cfg", &ref, &d) == RESOLVE_ERROR);
	diag_clear(&d);
	registry_free(&reg);
}

TEST(registry_rejects_bad_lines)
{
	struct registry reg;

	CHECK_STR(load_err("web\n", &reg),
	    "qemu-init.reg:1: expected '<shortname> <path>'");
	registry_free(&reg);
	CHECK_STR(load_err("web /a/web-qemu.cfg extra\n", &reg),
	    "qemu-init.reg:1: expected '<shortname> <path>'");
	registry_free(&reg);
	CHECK_STR(load_err("a /a/a-qemu.cfg\na /b/b-qemu.cfg\n", &reg),
	    "qemu-init.reg:2: duplicate name 'a' (also on line 1)");
	registry_free(&reg);
	CHECK_STR(load_err("a /a/x-qemu.cfg\nb /b/x-qemu.cfg\n", &reg),
	    "qemu-init.reg:2: duplicate name 'x' (also on line 1)");
	registry_free(&reg);
	CHECK_STR(load_err("w$b /a/a-qemu.cfg\n", &reg),
	    "qemu-init.reg:1: invalid shortname 'w$b' (allowed: A-Z a-z 0-9 "
	    ". _ -)");
	registry_free(&reg);
	CHECK_STR(load_err("stop /a/a-qemu.cfg\n", &reg),
	    "qemu-init.reg:1: shortname 'stop' is a qemu-init action");
	registry_free(&reg);
	CHECK_STR(load_err("a a-qemu.cfg\n", &reg),
	    "qemu-init.reg:1: 'a-qemu.cfg' is not an absolute path");
	registry_free(&reg);
	CHECK_STR(load_err("a /a/a.cfg\n", &reg),
	    "qemu-init.reg:1: '/a/a.cfg' is not a <name>-qemu.cfg file");
	registry_free(&reg);
	CHECK_STR(load_errn("a /a/a-qemu.cfg\0b\n", 18, &reg),
	    "qemu-init.reg:1: NUL byte in file");
	registry_free(&reg);
}

TEST(registry_missing_file_is_empty)
{
	struct registry reg;
	struct diag d;

	diag_init(&d);
	CHECK(registry_load(&reg, unit_tmpdir(), &d) == 0 && reg.n == 0);
	CHECK(registry_reserved("list") && !registry_reserved("web"));
	registry_free(&reg);
	diag_clear(&d);
}

TEST(registry_duplicates_are_dropped_and_reported_in_line_order)
{
	struct registry reg;
	struct strbuf sb;
	unsigned i;

	CHECK_STR(load_err("web /a/web-qemu.cfg\nw2 /b/web-qemu.cfg\n"
	    "web /c/c-qemu.cfg\n", &reg),
	    "qemu-init.reg:2: duplicate name 'web' (also on line 1)");
	CHECK(reg.n == 1);
	CHECK_STR(reg.v[0].path, "/a/web-qemu.cfg");
	registry_free(&reg);
	/* A VM's shortname may be its own longname. */
	CHECK_STR(load_err("web /a/web-qemu.cfg\n", &reg), "");
	registry_free(&reg);
	/* Thousands of entries: all kept, none a duplicate. */
	sb_init(&sb);
	for (i = 0; i < 5000; i++)
		sb_addf(&sb, "v%u /vms/v%u/long%u-qemu.cfg\n", i, i, i);
	CHECK_STR(load_errn(sb.s, sb.len, &reg), "");
	CHECK(reg.n == 5000);
	registry_free(&reg);
	sb_free(&sb);
}

/* Found by fuzz_registry: a dropped entry's names were still reported. */
TEST(registry_duplicate_of_a_dropped_entry)
{
	struct registry reg;

	CHECK_STR(load_err("aa //aa-qemu.cfg\na /b/b//aa-qemu.cfg\n"
	    "a /b/b-qemu.cfg\nswa,\n", &reg),
	    "qemu-init.reg:4: expected '<shortname> <path>'");
	CHECK(reg.n == 1);
	registry_free(&reg);
}
