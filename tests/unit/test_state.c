/* test_state.c - state files and whether the recorded process runs */
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "state.h"
#include "unit.h"

TEST(state_round_trip)
{
	struct vm_state st, back;
	struct rundir rd;
	struct diag d;
	struct vm_state_nic nics[] = {
		{ "virtio-net-pci", "DE:AD:BE:EF:93:34", "qi7n0" },
		{ "e1000", "DE:AD:BE:EF:93:7D", "qi7n1" }
	};
	struct vm_state_disk disks[] = { { "/srv/a b.img", "qcow2" } };
	char *cdroms[] = { "/srv/x.iso" };

	unit_rundir(&rd, unit_tmpdir());
	memset(&st, 0, sizeof(st));
	st.qemu.pid = 4242;
	st.qemu.start = 123456789012ULL;
	st.slot = 7;
	st.monport = 30327;
	st.ctlport = 30427;
	st.started = 1795595420;
	st.stopdelay = 33;
	st.unix_monitors = 1;
	st.runas = "qemu-init";
	st.uid = 131079;
	st.vnc = "[::1]:7";
	st.cfgpath = "/srv/it's here/web-qemu.cfg";
	st.autostart = 1;
	st.serial = 0;
	st.kvm = 1;
	st.desc = "Web \"server\"";
	st.ram = "2G";
	st.bridge = "br1";
	st.nics = nics;
	st.nnics = 2;
	st.disks = disks;
	st.ndisks = 1;
	st.cdroms = cdroms;
	st.ncdroms = 1;
	diag_init(&d);
	CHECK(state_write(&rd, "web", &st, &d) == 0);
	CHECK(state_read(&rd, "web", &back, &d) == 0);
	CHECK(back.recorded && back.qemu.pid == 4242 &&
	    back.qemu.start == 123456789012ULL && back.slot == 7 &&
	    back.monport == 30327 && back.ctlport == 30427 &&
	    back.started == 1795595420 && back.stopdelay == 33);
	CHECK(back.unix_monitors == 1 && back.uid == 131079);
	CHECK_STR(back.runas, "qemu-init");
	CHECK_STR(back.vnc, "[::1]:7");
	CHECK_STR(back.cfgpath, "/srv/it's here/web-qemu.cfg");
	CHECK(back.autostart == 1 && back.serial == 0 && back.kvm == 1);
	CHECK_STR(back.desc, "Web \"server\"");
	CHECK_STR(back.ram, "2G");
	CHECK(back.smp == NULL);
	CHECK_STR(back.bridge, "br1");
	CHECK(back.nnics == 2);
	if (back.nnics == 2) {
		CHECK_STR(back.nics[1].model, "e1000");
		CHECK_STR(back.nics[1].mac, "DE:AD:BE:EF:93:7D");
		CHECK_STR(back.nics[1].tap, "qi7n1");
	}
	CHECK(back.ndisks == 1 && back.ncdroms == 1);
	if (back.ndisks == 1) {
		CHECK_STR(back.disks[0].path, "/srv/a b.img");
		CHECK_STR(back.disks[0].format, "qcow2");
	}
	if (back.ncdroms == 1)
		CHECK_STR(back.cdroms[0], "/srv/x.iso");
	state_free(&back);
	CHECK(d.errors == 0);
	state_remove(&rd, "web");
	CHECK(state_read(&rd, "web", &back, &d) == 1);
	state_free(&back);
	diag_clear(&d);
	rundir_close(&rd);
}

TEST(state_of_an_older_start_reads_back)
{
	const char *dir = unit_tmpdir();
	struct vm_state st;
	struct rundir rd;
	struct diag d;

	unit_rundir(&rd, dir);
	diag_init(&d);
	unit_writes(dir, "web@state", "PID=12\nPIDSTART=1\nSLOT=2\n"
	    "MONPORT=30322\nCTLPORT=30422\nSTARTED=5\nSTOPDELAY=7\n"
	    "MONITOR=tcp\nRUNAS=no\nVNC=''\nCFG='/x/web-qemu.cfg'\n"
	    "MAC1=DE:AD:BE:EF:93:34\n");
	CHECK(state_read(&rd, "web", &st, &d) == 0);
	CHECK(st.serial == 1 && st.autostart == -1 && st.ram == NULL);
	CHECK(st.nnics == 1 && st.ndisks == 0);
	if (st.nnics == 1)
		CHECK(st.nics[0].model == NULL && st.nics[0].tap == NULL &&
		    strcmp(st.nics[0].mac, "DE:AD:BE:EF:93:34") == 0);
	state_free(&st);
	diag_clear(&d);
	rundir_close(&rd);
}

TEST(state_file_mode_ignores_umask)
{
	struct vm_state st;
	struct rundir rd;
	struct stat sb;
	struct diag d;
	char path[4096];
	mode_t old;

	unit_rundir(&rd, unit_tmpdir());
	memset(&st, 0, sizeof(st));
	st.qemu.pid = 4242;
	diag_init(&d);
	old = umask(077);
	CHECK(state_write(&rd, "web", &st, &d) == 0);
	(void)umask(old);
	snprintf(path, sizeof(path), "%s/web@state", rd.path);
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 07777) == 0644);
	diag_clear(&d);
	rundir_close(&rd);
}

TEST(state_garbage_is_an_error)
{
	const char *dir = unit_tmpdir();
	struct vm_state st;
	struct rundir rd;
	struct diag d;

	unit_rundir(&rd, dir);
	diag_init(&d);
	unit_writes(dir, "web@state", "PID=banana\n");
	CHECK(state_read(&rd, "web", &st, &d) == -1);
	CHECK(strstr(diag_first_error(&d), "web@state:1: PID 'banana' is "
	    "not a number") != NULL);
	state_free(&st);
	diag_clear(&d);
	unit_writes(dir, "web@state", "PID=1\nPIDSTART=1\nSLOT=0\nMONPORT=1\n"
	    "CTLPORT=1\nSTARTED=0\nSTOPDELAY=0\n");
	CHECK(state_read(&rd, "web", &st, &d) == -1);
	CHECK(strstr(diag_first_error(&d), "web@state: PID 1 is not a VM's") !=
	    NULL);
	state_free(&st);
	diag_clear(&d);
	unit_writes(dir, "web@state", "PID=12\n$(reboot)\n");
	CHECK(state_read(&rd, "web", &st, &d) == -1);
	state_free(&st);
	diag_clear(&d);
	rundir_close(&rd);
}

TEST(state_probe_is_pid_and_start_time)
{
	const char *dir = unit_tmpdir();
	struct vm_state st;
	struct rundir rd;
	struct diag d;
	char pid[32];

	unit_rundir(&rd, dir);
	diag_init(&d);
	CHECK(vm_probe(&rd, "web", &st) == VM_STOPPED);
	state_free(&st);
	/* Our own process, recorded with its start time: running. */
	memset(&st, 0, sizeof(st));
	CHECK(proc_identify(getpid(), &st.qemu) == 0);
	CHECK(state_write(&rd, "web", &st, &d) == 0);
	CHECK(vm_probe(&rd, "web", &st) == VM_RUNNING);
	state_free(&st);
	/* The same pid with another start time: a reused pid, gone. */
	memset(&st, 0, sizeof(st));
	CHECK(proc_identify(getpid(), &st.qemu) == 0);
	st.qemu.start++;
	CHECK(state_write(&rd, "web", &st, &d) == 0);
	CHECK(vm_probe(&rd, "web", &st) == VM_STOPPED);	/* no pid file */
	state_free(&st);
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	unit_writes(dir, "web@pid", pid);
	CHECK(vm_probe(&rd, "web", &st) == VM_DEAD);	/* pid file left */
	state_free(&st);
	/* A pid file alone names no QEMU without its control socket. */
	state_remove(&rd, "web");
	unit_writes(dir, "web@pid", pid);
	CHECK(vm_probe(&rd, "web", &st) == VM_STOPPED);
	state_free(&st);
	state_remove(&rd, "web");
	diag_clear(&d);
	rundir_close(&rd);
}
