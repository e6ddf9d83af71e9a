/* test_registry.c - the registry and <vm> resolution */
#include <sys/stat.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "registry.h"
#include "rundir.h"
#include "unit.h"

/*
 * Loads text as a registry, which must succeed; returns its first
 * warning without the temp folder, or "".
 */
static const char *
load_errn(const char *text, size_t len, struct registry *reg)
{
	static char buf[512];
	const char *dir = unit_tmpdir();
	struct diag d;

	unit_write(dir, "qemu-init.reg", text, len);
	diag_init(&d);
	buf[0] = '\0';
	CHECK(registry_load(reg, dir, &d) == 0 && d.errors == 0);
	CHECK(reg->absent == NULL);
	if (d.n > 0)
		snprintf(buf, sizeof(buf), "%s",
		    strstr(d.msgs[0].text, "qemu-init.reg"));
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

/* Issue 15: a missing registry is not "not in FILE" of no file. */
TEST(registry_missing_file_is_empty)
{
	const char *dir = unit_tmpdir();
	struct registry reg;
	struct vm_ref ref;
	struct diag d;
	char *want, *gone;

	diag_init(&d);
	CHECK(registry_load(&reg, dir, &d) == 0 && reg.n == 0 && d.n == 0);
	want = xasprintf("%s/qemu-init.reg does not exist (set "
	    "QEMU_INIT_CONFDIR to the folder that holds qemu-init.reg)", dir);
	CHECK_STR(reg.absent, want);
	CHECK(vm_resolve(&reg, "web", &ref, &d) == RESOLVE_UNKNOWN);
	free(want);
	want = xasprintf("unknown VM 'web': %s/qemu-init.reg does not exist "
	    "(set QEMU_INIT_CONFDIR to the folder that holds qemu-init.reg)",
	    dir);
	CHECK_STR(diag_first_error(&d), want);
	free(want);
	diag_clear(&d);
	registry_free(&reg);
	/* A CONFDIR that is not there is named itself. */
	gone = xasprintf("%s/nowhere", dir);
	CHECK(registry_load(&reg, gone, &d) == 0 && reg.n == 0);
	want = xasprintf("%s does not exist (set QEMU_INIT_CONFDIR to the "
	    "folder that holds qemu-init.reg)", gone);
	CHECK_STR(reg.absent, want);
	free(want);
	CHECK(registry_exists(gone, &d) == 0);
	CHECK_STR(diag_first_error(&d), reg.absent);
	diag_clear(&d);
	CHECK(registry_exists(dir, &d) == 0 && d.errors == 1);
	diag_clear(&d);
	unit_writes(dir, "qemu-init.reg", "");
	CHECK(registry_exists(dir, &d) == 1 && d.n == 0);
	CHECK(registry_reserved("list") && !registry_reserved("web"));
	CHECK(registry_reserved("help"));
	registry_free(&reg);
	free(gone);
	diag_clear(&d);
}

/* Issue 14: one bad line no longer fails every VM: it is skipped. */
TEST(registry_serves_the_good_lines)
{
	struct registry reg;
	struct vm_ref ref;
	struct diag d;

	CHECK_STR(load_err("web /a/web-qemu.cfg\nbad\ndb /b/db-qemu.cfg\n"
	    "web /c/c-qemu.cfg\n", &reg),
	    "qemu-init.reg:2: expected '<shortname> <path>'");
	CHECK(reg.n == 2);
	diag_init(&d);
	CHECK(vm_resolve(&reg, "db", &ref, &d) == RESOLVE_OK && d.n == 0);
	vm_ref_free(&ref);
	CHECK(vm_resolve(&reg, "web", &ref, &d) == RESOLVE_OK);
	CHECK_STR(ref.cfgpath, "/a/web-qemu.cfg");
	vm_ref_free(&ref);
	registry_free(&reg);
	diag_clear(&d);
}

/* Issue 14: no raw CR or control byte in a message. */
TEST(registry_odd_characters)
{
	struct registry reg;

	CHECK_STR(load_err("a /a/a-qemu.cfg\r\nb /b/b-qemu.cfg\n", &reg),
	    "qemu-init.reg:1: carriage return (DOS line ending): convert the "
	    "file with dos2unix");
	CHECK(reg.n == 1 && strcmp(reg.v[0].shortname, "b") == 0);
	registry_free(&reg);
	CHECK_STR(load_err("a /a/a-qemu.cfg\nb /b/b\033[2J-qemu.cfg\n", &reg),
	    "qemu-init.reg:2: control character (byte 0x1B)");
	CHECK(reg.n == 1);
	registry_free(&reg);
	CHECK_STR(load_err("\xef\xbb\xbf" "a /a/a-qemu.cfg\nb /b/b-qemu.cfg\n",
	    &reg), "qemu-init.reg:1: UTF-8 byte order mark at the start of "
	    "the file: save it without one");
	CHECK(reg.n == 1);
	registry_free(&reg);
	CHECK_STR(load_err("a\t/srv/\xe2\x80\x9cvm\xe2\x80\x9d/a-qemu.cfg\n",
	    &reg), "");
	CHECK(reg.n == 1);
	registry_free(&reg);
}

/* Issue 15: "check web-qemu.cfg" in the file's own folder. */
TEST(registry_cfg_file_in_the_current_folder)
{
	const char *dir = unit_tmpdir();
	struct registry reg;
	struct vm_ref ref;
	struct diag d;
	char *cwd = getcwd(NULL, 0), *want;

	CHECK_STR(load_err("web /a/web-qemu.cfg\n", &reg), "");
	unit_writes(dir, "here-qemu.cfg", "");
	CHECK(cwd != NULL && chdir(dir) == 0);
	diag_init(&d);
	CHECK(vm_resolve(&reg, "here-qemu.cfg", &ref, &d) == RESOLVE_OK);
	want = xasprintf("%s/here-qemu.cfg", dir);
	CHECK_STR(ref.cfgpath, want);
	CHECK_STR(ref.name, "here");
	CHECK(ref.shortname == NULL);
	vm_ref_free(&ref);
	free(want);
	CHECK(vm_resolve(&reg, "gone-qemu.cfg", &ref, &d) == RESOLVE_UNKNOWN);
	CHECK(d.errors == 1);
	CHECK(cwd != NULL && chdir(cwd) == 0);
	free(cwd);
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

TEST(registry_add_and_remove_keep_the_rest)
{
	const char *dir = unit_tmpdir();
	struct diag d;
	struct stat st;
	char *reg;
	int lock;

	diag_init(&d);
	unit_writes(dir, "qemu-init.reg", "# mine\nweb /srv/web-qemu.cfg");
	reg = xasprintf("%s/qemu-init.reg", dir);
	CHECK(chmod(reg, 0640) == 0);
	lock = registry_lock(dir, &d);
	CHECK(lock >= 0);
	CHECK(registry_add(dir, "db", "/srv/db/db-qemu.cfg", &d) == 0);
	CHECK_STR(unit_reads(dir, "qemu-init.reg"), "# mine\nweb "
	    "/srv/web-qemu.cfg\ndb /srv/db/db-qemu.cfg\n");
	CHECK(stat(reg, &st) == 0 && (st.st_mode & 07777) == 0640);
	/* A name in use, as a shortname or as a longname. */
	CHECK(registry_add(dir, "web", "/srv/w2/web2-qemu.cfg", &d) == -1);
	CHECK(registry_add(dir, "w2", "/srv/w2/web-qemu.cfg", &d) == -1);
	CHECK(d.errors == 2);
	diag_clear(&d);
	CHECK(registry_remove(dir, "web", &d) == 0);
	CHECK_STR(unit_reads(dir, "qemu-init.reg"), "# mine\n"
	    "db /srv/db/db-qemu.cfg\n");
	CHECK(registry_remove(dir, "web", &d) == 1);
	CHECK(d.errors == 0);
	lock_release(lock);
	free(reg);
}

TEST(registry_lock_lets_two_adds_both_land)
{
	const char *dir = unit_tmpdir();
	pid_t pid[2];
	char name[32];
	int i, st, ok = 1;

	unit_writes(dir, "qemu-init.reg", "");
	for (i = 0; i < 2; i++) {
		if ((pid[i] = fork()) == 0) {
			struct diag d;
			int j, lock, rc = 0;

			diag_init(&d);
			for (j = 0; j < 20; j++) {
				(void)snprintf(name, sizeof(name), "v%d-%d", i,
				    j);
				char *cfg = xasprintf("/srv/%s-qemu.cfg", name);

				lock = registry_lock(dir, &d);
				if (lock < 0 || registry_add(dir, name, cfg,
				    &d) != 0)
					rc = 1;
				free(cfg);
				lock_release(lock);
			}
			_exit(rc);
		}
	}
	for (i = 0; i < 2; i++)
		if (waitpid(pid[i], &st, 0) != pid[i] || st != 0)
			ok = 0;
	CHECK(ok);
	for (i = 0; i < 40; i++) {
		(void)snprintf(name, sizeof(name), "v%d-%d", i / 20, i % 20);
		if (strstr(unit_reads(dir, "qemu-init.reg"), name) == NULL)
			ok = 0;
	}
	CHECK(ok);
}

TEST(registry_name_ok_refuses_actions_and_odd_names)
{
	CHECK(registry_name_ok("web-1.a_b", NULL));
	CHECK(!registry_name_ok("create", NULL));
	CHECK(!registry_name_ok("-x", NULL));
	CHECK(!registry_name_ok("a b", NULL));
	CHECK(!registry_name_ok("", NULL));
}
