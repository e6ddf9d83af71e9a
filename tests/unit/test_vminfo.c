/*
 * test_vminfo.c - what status, list and info report about one VM: a
 * running VM's facts as recorded at its start, a stopped one's from its
 * config, and the files each disk's qcow2 header names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "vminfo.h"
#include "unit.h"

/* rd's path/name@what */
static char *
run_path(const struct rundir *rd, const char *what)
{
	return xasprintf("%s/web@%s", rd->path, what);
}

/*
 * Records this very process as the QEMU of web, started ago seconds
 * ago (negative: in the future), with a serial console and monitors on
 * unix sockets (none of which exists: nothing answers).
 */
static void
record_running(const struct rundir *rd, long long ago)
{
	struct vm_state st;
	struct diag d;

	diag_init(&d);
	memset(&st, 0, sizeof(st));
	CHECK(proc_identify(getpid(), &st.qemu) == 0);
	st.started = (long long)time(NULL) - ago;
	st.serial = 1;
	st.unix_monitors = 1;
	st.stopdelay = 33;
	st.ram = "3G";
	CHECK(state_write(rd, "web", &st, &d) == 0);
	diag_clear(&d);
}

/* Loads text as dir/web-qemu.cfg into vm. */
static void
load(const char *dir, const char *text, struct vm_config *vm)
{
	struct diag d;
	char *path;

	path = xstrdup(unit_writes(dir, "web-qemu.cfg", text));
	diag_init(&d);
	memset(vm, 0, sizeof(*vm));
	CHECK(vmconf_load(vm, path, "web", &d) == 0);
	diag_clear(&d);
	free(path);
}

TEST(vminfo_stopped_without_config_knows_nothing)
{
	struct vm_info in;
	struct rundir rd;

	unit_rundir(&rd, unit_tmpdir());
	vm_info_get(&rd, "web", NULL, NULL, &in);
	CHECK(in.run == VM_STOPPED && !in.has_facts && in.uptime == -1);
	CHECK(in.qemu_state == NULL && in.serial == NULL &&
	    in.console_log == NULL && in.hmp == NULL && in.qmp == NULL);
	vm_info_free(&in);
	rundir_close(&rd);
}

TEST(vminfo_stopped_has_the_configs_facts)
{
	const char *dir = unit_tmpdir();
	struct vm_config vm;
	struct vm_info in;
	struct rundir rd;
	char *log;

	unit_rundir(&rd, dir);
	load(dir, "RAM=2G\nSTOPDELAY=7\nDESC=\"the web\"\n", &vm);
	vm_info_get(&rd, "web", &vm, NULL, &in);
	CHECK(in.run == VM_STOPPED && in.has_facts && !in.st.recorded);
	CHECK_STR(in.st.ram, "2G");
	CHECK_STR(in.st.desc, "the web");
	CHECK(in.st.stopdelay == 7 && in.st.serial == 1);
	CHECK(in.uptime == -1 && in.qemu_state == NULL);
	/* No socket of a VM that does not run; no log that is not there. */
	CHECK(in.serial == NULL && in.hmp == NULL && in.console_log == NULL);
	vm_info_free(&in);
	/* The last run's console log is shown while it exists. */
	unit_writes(dir, "web@console.log", "login: ");
	vm_info_get(&rd, "web", &vm, NULL, &in);
	log = run_path(&rd, "console.log");
	CHECK_STR(in.console_log, log);
	free(log);
	vm_info_free(&in);
	/* ...with SERIAL=yes only. */
	vmconf_free(&vm);
	load(dir, "SERIAL=no\n", &vm);
	vm_info_get(&rd, "web", &vm, NULL, &in);
	CHECK(in.has_facts && in.st.serial == 0 && in.console_log == NULL);
	vm_info_free(&in);
	vmconf_free(&vm);
	rundir_close(&rd);
}

TEST(vminfo_running_has_the_recorded_facts)
{
	const char *dir = unit_tmpdir();
	struct vm_config vm;
	struct vm_info in;
	struct rundir rd;
	char *p;

	unit_rundir(&rd, dir);
	record_running(&rd, 100);
	load(dir, "RAM=2G\n", &vm);
	vm_info_get(&rd, "web", &vm, NULL, &in);
	CHECK(in.run == VM_RUNNING && in.has_facts && in.st.recorded);
	/* As recorded at its start, not what the config says now. */
	CHECK_STR(in.st.ram, "3G");
	CHECK(in.st.stopdelay == 33);
	CHECK(in.uptime >= 100 && in.uptime < 100 + 3600);
	/* No control socket: asked, nothing answers. */
	CHECK_STR(in.qemu_state, "monitor not answering");
	CHECK_STR(in.serial, p = run_path(&rd, "serial"));
	free(p);
	CHECK_STR(in.hmp, p = run_path(&rd, "hmp"));
	free(p);
	CHECK_STR(in.qmp, p = run_path(&rd, "qmp"));
	free(p);
	CHECK(in.console_log == NULL);
	vm_info_free(&in);
	vmconf_free(&vm);
	/* A start in the future (the clock was set back): uptime 0. */
	record_running(&rd, -500);
	vm_info_get(&rd, "web", NULL, NULL, &in);
	CHECK(in.run == VM_RUNNING && in.uptime == 0);
	vm_info_free(&in);
	state_remove(&rd, "web");
	rundir_close(&rd);
}

TEST(vminfo_dead_keeps_its_facts_without_sockets)
{
	const char *dir = unit_tmpdir();
	struct vm_state st;
	struct vm_info in;
	struct rundir rd;
	struct diag d;
	char pid[32];

	unit_rundir(&rd, dir);
	diag_init(&d);
	/* Our pid with another start time: that QEMU is gone... */
	memset(&st, 0, sizeof(st));
	CHECK(proc_identify(getpid(), &st.qemu) == 0);
	st.qemu.start++;
	st.serial = 1;
	st.unix_monitors = 1;
	st.ram = "3G";
	CHECK(state_write(&rd, "web", &st, &d) == 0);
	/* ...and left its pid file: it crashed. */
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	unit_writes(dir, "web@pid", pid);
	unit_writes(dir, "web@console.log", "Oops\n");
	vm_info_get(&rd, "web", NULL, NULL, &in);
	CHECK(in.run == VM_DEAD && in.has_facts);
	CHECK_STR(in.st.ram, "3G");
	CHECK(in.uptime == -1 && in.qemu_state == NULL);
	CHECK(in.serial == NULL && in.hmp == NULL && in.qmp == NULL);
	CHECK(in.console_log != NULL);	/* what it said before it died */
	vm_info_free(&in);
	/* Not tidied away: a crash is reported until it is dealt with. */
	CHECK(unit_reads(dir, "web@state") != NULL);
	state_remove(&rd, "web");
	diag_clear(&d);
	rundir_close(&rd);
}

TEST(vminfo_powered_off_is_tidied)
{
	const char *dir = unit_tmpdir();
	struct vm_state st;
	struct vm_info in;
	struct rundir rd;
	struct diag d;

	unit_rundir(&rd, dir);
	diag_init(&d);
	/* A recorded QEMU that is gone and left no pid file: powered off. */
	memset(&st, 0, sizeof(st));
	CHECK(proc_identify(getpid(), &st.qemu) == 0);
	st.qemu.start++;
	CHECK(state_write(&rd, "web", &st, &d) == 0);
	vm_info_get(&rd, "web", NULL, NULL, &in);
	CHECK(in.run == VM_STOPPED && !in.has_facts);
	vm_info_free(&in);
	CHECK(unit_reads(dir, "web@state") == NULL);
	diag_clear(&d);
	rundir_close(&rd);
}

TEST(vminfo_takes_what_is_known_of_many)
{
	const char *dir = unit_tmpdir();
	struct run_known k[2];
	struct run_states rs;
	struct vm_info in;
	struct rundir rd;

	unit_rundir(&rd, dir);
	memset(k, 0, sizeof(k));
	memset(&rs, 0, sizeof(rs));
	k[0].name = xstrdup("db");
	k[0].run = VM_STOPPED;
	k[1].name = xstrdup("web");
	k[1].run = VM_RUNNING;
	k[1].st.recorded = 1;
	k[1].st.started = (long long)time(NULL) - 5;
	k[1].st.ram = xstrdup("4G");
	k[1].qemu_state = xstrdup("paused");
	rs.v = k;
	rs.n = 2;
	rs.complete = 1;
	/* Taken, not asked again: nothing runs here, yet it is running. */
	vm_info_get(&rd, "web", NULL, &rs, &in);
	CHECK(in.run == VM_RUNNING && in.has_facts);
	CHECK_STR(in.qemu_state, "paused");
	CHECK_STR(in.st.ram, "4G");
	CHECK(in.uptime >= 5);
	CHECK(k[1].qemu_state == NULL && k[1].st.ram == NULL);
	vm_info_free(&in);
	/*
	 * Not among a complete RUNDIR's VMs: stopped, not probed (a state
	 * file that appeared since is the next look's).
	 */
	rs.n = 1;	/* db only */
	record_running(&rd, 1);
	vm_info_get(&rd, "web", NULL, &rs, &in);
	CHECK(in.run == VM_STOPPED && !in.has_facts && in.st.ram == NULL);
	vm_info_free(&in);
	/* RUNDIR not read: the VM is probed itself. */
	rs.complete = 0;
	vm_info_get(&rd, "web", NULL, &rs, &in);
	CHECK(in.run == VM_RUNNING && in.st.recorded);
	CHECK_STR(in.st.ram, "3G");
	vm_info_free(&in);
	state_remove(&rd, "web");
	free(k[0].name);
	free(k[1].name);
	rundir_close(&rd);
}

static void
put32(unsigned char *p, unsigned v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/*
 * Writes dir/name: a version 3 qcow2 header naming backing (at 512) and,
 * when given, a data file (an extension).
 */
static void
write_qcow2(const char *dir, const char *name, const char *backing,
    const char *data)
{
	unsigned char img[4096];
	size_t n;

	memset(img, 0, sizeof(img));
	memcpy(img, "QFI\xfb", 4);
	put32(img + 4, 3);
	put32(img + 12, 512);			/* backing file offset */
	put32(img + 16, (unsigned)strlen(backing));
	memcpy(img + 512, backing, strlen(backing));
	put32(img + 20, 16);			/* 64 KiB clusters */
	put32(img + 28, 1U << 30 >> 16);	/* 1 GiB */
	put32(img + 96, 4);			/* refcount order */
	put32(img + 100, 112);			/* header length */
	if (data != NULL) {
		n = strlen(data);
		put32(img + 112, 0x44415441);
		put32(img + 116, (unsigned)n);
		memcpy(img + 120, data, n);
	}
	unit_write(dir, name, (const char *)img, sizeof(img));
}

/* An info with the facts of disks (path, format pairs) in dir. */
static void
info_with_disks(struct vm_info *in, const char *dir,
    const char *const disks[][2], size_t n)
{
	size_t i;

	memset(in, 0, sizeof(*in));
	in->has_facts = 1;
	in->st.ndisks = n;
	in->st.disks = xcalloc(n + 1, sizeof(*in->st.disks));
	for (i = 0; i < n; i++) {
		in->st.disks[i].path = xasprintf("%s/%s", dir, disks[i][0]);
		in->st.disks[i].format = disks[i][1] != NULL ?
		    xstrdup(disks[i][1]) : NULL;
	}
}

TEST(vminfo_images_names_what_qcow2_headers_name)
{
	const char *dir = unit_tmpdir();
	const char *const disks[][2] = {
		{ "a.qcow2", "qcow2" },
		{ "b.img", "auto" },
		{ "guest.raw", "raw" },
		{ "c.qcow2", NULL },
		{ "missing.qcow2", "qcow2" },
		{ "plain.img", "auto" },
	};
	struct vm_info in;
	char *want;

	write_qcow2(dir, "a.qcow2", "base.qcow2", "data.raw");
	write_qcow2(dir, "b.img", "/srv/base.img", NULL);
	/* A raw disk whose guest wrote a qcow2 header: never read as one. */
	write_qcow2(dir, "guest.raw", "/etc/shadow", NULL);
	/* A name that is no plain file: shown as it is. */
	write_qcow2(dir, "c.qcow2", "nbd://10.0.0.1/x", NULL);
	unit_writes(dir, "plain.img", "no header at all");
	info_with_disks(&in, dir, disks, 6);
	vm_info_images(&in);
	/* Relative to the image's own folder, as QEMU resolves it. */
	CHECK_STR(in.backing[0], want = xasprintf("%s/base.qcow2", dir));
	free(want);
	CHECK_STR(in.data_file[0], want = xasprintf("%s/data.raw", dir));
	free(want);
	CHECK_STR(in.backing[1], "/srv/base.img");
	CHECK(in.data_file[1] == NULL);
	CHECK(in.backing[2] == NULL && in.data_file[2] == NULL);
	CHECK_STR(in.backing[3], "nbd://10.0.0.1/x");
	CHECK(in.backing[4] == NULL && in.backing[5] == NULL);
	vm_info_free(&in);
	/* Without facts, nothing is read. */
	info_with_disks(&in, dir, disks, 1);
	in.has_facts = 0;
	vm_info_images(&in);
	CHECK(in.backing != NULL && in.backing[0] == NULL);
	vm_info_free(&in);
}
