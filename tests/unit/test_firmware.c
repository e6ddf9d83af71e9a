/* test_firmware.c - UEFI firmware found through QEMU's descriptors */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"

#include "firmware.h"
#include "unit.h"

/* A descriptor as Debian's ovmf ships them, with features and machines. */
static const char *
descriptor(const char *features, const char *machines, const char *code)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf), "{\"description\": \"test\", "
	    "\"interface-types\": [\"uefi\"], \"mapping\": {\"device\": "
	    "\"flash\", \"executable\": {\"filename\": \"%s\", \"format\": "
	    "\"raw\"}, \"nvram-template\": {\"filename\": \"/fw/VARS.fd\", "
	    "\"format\": \"raw\"}}, \"targets\": [{\"architecture\": "
	    "\"x86_64\", \"machines\": [%s]}], \"features\": [%s], "
	    "\"tags\": []}", code, machines, features);
	return buf;
}

static int
matches(const char *text, const char *arch, const char *machine)
{
	struct firmware fw;
	const char *why;
	int rc = firmware_match(text, strlen(text), arch, machine, &fw, &why);

	if (rc == 1)
		firmware_free(&fw);
	return rc;
}

TEST(firmware_arch_is_the_binarys_suffix)
{
	CHECK_STR(firmware_arch("qemu-system-x86_64"), "x86_64");
	CHECK_STR(firmware_arch("/opt/q/bin/qemu-system-aarch64"), "aarch64");
	CHECK(firmware_arch("kvm") == NULL);
	CHECK(firmware_arch("qemu-system-") == NULL);
}

TEST(firmware_matches_arch_and_machine_with_aliases)
{
	char both[2048], q35[2048];

	/* (descriptor() returns a static buffer.) */
	strcpy(both, descriptor("\"acpi-s3\"",
	    "\"pc-i440fx-*\", \"pc-q35-*\"", "/fw/CODE.fd"));
	strcpy(q35, descriptor("\"acpi-s3\"", "\"pc-q35-*\"",
	    "/fw/CODE.fd"));

	CHECK(matches(both, "x86_64", "q35") == 1);
	CHECK(matches(both, "x86_64", "pc") == 1);
	CHECK(matches(both, "x86_64", "pc-i440fx-7.2") == 1);
	CHECK(matches(q35, "x86_64", "pc") == 0);
	CHECK(matches(q35, "x86_64", "pc-q35-8.0") == 1);
	CHECK(matches(both, "aarch64", "q35") == 0);
	CHECK(matches(both, "x86_64", "microvm") == 0);
}

TEST(firmware_skips_secure_boot_and_smm)
{
	struct firmware fw;
	const char *why, *text;

	text = descriptor("\"requires-smm\", \"secure-boot\"", "\"pc-q35-*\"",
	    "/fw/CODE.secboot.fd");
	CHECK(firmware_match(text, strlen(text), "x86_64", "q35", &fw,
	    &why) == 0);
	CHECK(strstr(why, "secure boot") != NULL);
	text = descriptor("", "\"pc-q35-*\"", "/fw/CODE.fd");
	CHECK(firmware_match(text, strlen(text), "x86_64", "q35", &fw,
	    &why) == 1);
	CHECK_STR(fw.code, "/fw/CODE.fd");
	CHECK_STR(fw.code_format, "raw");
	CHECK_STR(fw.vars, "/fw/VARS.fd");
	firmware_free(&fw);
	CHECK(matches("{\"interface-types\": [\"bios\"], \"mapping\": "
	    "{\"device\": \"memory\"}}", "x86_64", "pc") == 0);
	CHECK(matches("not json", "x86_64", "pc") == -1);
	CHECK(matches("[]", "x86_64", "pc") == -1);
	/* A relative file name is not taken. */
	CHECK(matches(descriptor("", "\"pc-q35-*\"", "CODE.fd"), "x86_64",
	    "q35") == 0);
}

TEST(firmware_find_goes_by_name_and_lets_etc_override)
{
	const char *tmp = unit_tmpdir();
	char usr[512], etc[512], dirs[1100];
	struct firmware fw;
	struct diag d;

	snprintf(usr, sizeof(usr), "%s/usr", tmp);
	snprintf(etc, sizeof(etc), "%s/etc", tmp);
	snprintf(dirs, sizeof(dirs), "%s:%s", etc, usr);
	CHECK(mkdir(usr, 0755) == 0 && mkdir(etc, 0755) == 0);
	diag_init(&d);
	CHECK(firmware_find(dirs, "x86_64", "q35", &fw, &d) == -1);
	CHECK(strstr(diag_first_error(&d), "no UEFI firmware is installed") !=
	    NULL);
	CHECK(strstr(diag_first_error(&d), "ovmf") != NULL);
	diag_clear(&d);
	firmware_free(&fw);

	unit_writes(tmp, "usr/50-secure.json", descriptor("\"requires-smm\"",
	    "\"pc-q35-*\"", "/fw/SECURE.fd"));
	unit_writes(tmp, "usr/60-plain.json", descriptor("", "\"pc-q35-*\"",
	    "/fw/PLAIN.fd"));
	unit_writes(tmp, "usr/70-other.json", descriptor("", "\"pc-q35-*\"",
	    "/fw/OTHER.fd"));
	CHECK(firmware_find(dirs, "x86_64", "q35", &fw, &d) == 0);
	CHECK_STR(fw.code, "/fw/PLAIN.fd");
	firmware_free(&fw);
	CHECK(firmware_find(dirs, "x86_64", "pc", &fw, &d) == -1);
	CHECK(strstr(diag_first_error(&d), "none of the 3") != NULL);
	diag_clear(&d);
	firmware_free(&fw);

	/* The admin's file of the same name wins; an empty one hides it. */
	unit_writes(tmp, "etc/60-plain.json", "");
	CHECK(firmware_find(dirs, "x86_64", "q35", &fw, &d) == 0);
	CHECK_STR(fw.code, "/fw/OTHER.fd");
	firmware_free(&fw);
	unit_writes(tmp, "etc/70-other.json", descriptor("", "\"pc-q35-*\"",
	    "/fw/MINE.fd"));
	CHECK(firmware_find(dirs, "x86_64", "q35", &fw, &d) == 0);
	CHECK_STR(fw.code, "/fw/MINE.fd");
	CHECK(strstr(fw.descriptor, "/etc/70-other.json") != NULL);
	firmware_free(&fw);
	diag_clear(&d);
}

/* A FIFO or a folder among the descriptors is never opened: no hang. */
TEST(firmware_find_reads_only_regular_files)
{
	const char *tmp = unit_tmpdir();
	char dir[512], fifo[600];
	struct firmware fw;
	struct diag d;

	snprintf(dir, sizeof(dir), "%s/fw", tmp);
	CHECK(mkdir(dir, 0755) == 0);
	snprintf(fifo, sizeof(fifo), "%s/10-fifo.json", dir);
	CHECK(mkfifo(fifo, 0644) == 0);
	snprintf(fifo, sizeof(fifo), "%s/20-dir.json", dir);
	CHECK(mkdir(fifo, 0755) == 0);
	unit_writes(tmp, "fw/30-plain.json", descriptor("", "\"pc-q35-*\"",
	    "/fw/PLAIN.fd"));
	diag_init(&d);
	CHECK(firmware_find(dir, "x86_64", "q35", &fw, &d) == 0);
	CHECK_STR(fw.code, "/fw/PLAIN.fd");
	firmware_free(&fw);
	diag_clear(&d);
}

/* The variable store: made from the template, never through a name. */
TEST(firmware_vars_made_once_never_followed)
{
	const char *tmp = unit_tmpdir();
	struct firmware fw;
	struct diag d;
	char *vars, *target, *tmpl;
	int fd;

	memset(&fw, 0, sizeof(fw));
	tmpl = unit_writes(tmp, "VARS.fd", "template");
	fw.vars = xstrdup(tmpl);
	vars = xasprintf("%s/web-qemu.vars", tmp);
	diag_init(&d);
	fd = firmware_open_vars(&fw, vars, &d);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK_STR(unit_reads(tmp, "web-qemu.vars"), "template");
	/* Kept: an edit of the guest's survives the next start. */
	unit_writes(tmp, "web-qemu.vars", "guest's");
	fd = firmware_open_vars(&fw, vars, &d);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK_STR(unit_reads(tmp, "web-qemu.vars"), "guest's");
	CHECK(d.errors == 0);
	/* A symlink planted there is refused, its target untouched. */
	target = xstrdup(unit_writes(tmp, "victim", "victim"));
	CHECK(unlink(vars) == 0 && symlink(target, vars) == 0);
	CHECK(firmware_open_vars(&fw, vars, &d) == -1);
	CHECK(strstr(diag_first_error(&d), "is a symlink: refused") != NULL);
	CHECK_STR(unit_reads(tmp, "victim"), "victim");
	diag_clear(&d);
	free(target);
	free(vars);
	firmware_free(&fw);
}
