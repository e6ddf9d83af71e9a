/* test_state.c - state files, pid files, probing and locks in RUNDIR */
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "state.h"
#include "unit.h"

TEST(state_round_trip)
{
	const char *dir = unit_tmpdir();
	struct vm_state st, back;
	struct diag d;

	memset(&st, 0, sizeof(st));
	st.pid = 4242;
	st.slot = 7;
	st.monport = 30327;
	st.ctlport = 30427;
	st.started = 1795595420;
	st.unix_monitors = 1;
	st.cfgpath = "/srv/it's here/web-qemu.cfg";
	diag_init(&d);
	CHECK(state_write(dir, "web", &st, &d) == 0);
	CHECK(state_read(dir, "web", &back, &d) == 0);
	CHECK(back.pid == 4242 && back.slot == 7 && back.monport == 30327 &&
	    back.ctlport == 30427 && back.started == 1795595420);
	CHECK(back.unix_monitors == 1);
	CHECK_STR(back.cfgpath, "/srv/it's here/web-qemu.cfg");
	state_free(&back);
	CHECK(d.errors == 0);
	state_remove(dir, "web");
	CHECK(state_read(dir, "web", &back, &d) == 1);
	state_free(&back);
	diag_clear(&d);
}

TEST(state_garbage_is_an_error)
{
	const char *dir = unit_tmpdir();
	struct vm_state st;
	struct diag d;

	diag_init(&d);
	unit_writes(dir, "web.state", "PID=banana\n");
	CHECK(state_read(dir, "web", &st, &d) == -1);
	CHECK(strstr(diag_first_error(&d), "web.state:1: PID 'banana' is "
	    "not a number") != NULL);
	state_free(&st);
	diag_clear(&d);
	unit_writes(dir, "web.state", "PID=1\nSLOT=0\nMONPORT=1\nCTLPORT=1\n"
	    "STARTED=0\n");
	CHECK(state_read(dir, "web", &st, &d) == -1);
	CHECK(strstr(diag_first_error(&d), "web.state: PID 1 is not a VM's") !=
	    NULL);
	state_free(&st);
	diag_clear(&d);
	unit_writes(dir, "web.state", "PID=12\n$(reboot)\n");
	CHECK(state_read(dir, "web", &st, &d) == -1);
	state_free(&st);
	diag_clear(&d);
}

TEST(state_probe_tells_crash_from_clean_exit)
{
	const char *dir = unit_tmpdir();
	struct vm_state st;
	struct diag d;
	char pid[32];

	diag_init(&d);
	CHECK(vm_probe(dir, "web", &st) == VM_STOPPED);
	state_free(&st);
	/* Our own pid is alive but is no QEMU of this VM. */
	memset(&st, 0, sizeof(st));
	st.pid = getpid();
	st.cfgpath = "";
	CHECK(state_write(dir, "web", &st, &d) == 0);
	CHECK(!pid_is_vm_qemu(getpid(), dir, "web"));
	CHECK(vm_probe(dir, "web", &st) == VM_STOPPED);	/* no pid file */
	state_free(&st);
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	unit_writes(dir, "web.pid", pid);
	CHECK(pidfile_read(dir, "web") == getpid());
	CHECK(vm_probe(dir, "web", &st) == VM_DEAD);	/* pid file left */
	state_free(&st);
	state_remove(dir, "web");
	diag_clear(&d);
}

TEST(state_locks_exclude_each_other)
{
	const char *dir = unit_tmpdir();
	struct diag d;
	int a, b;

	diag_init(&d);
	a = lock_take(dir, "web.lock", 0, &d);
	CHECK(a >= 0);
	b = lock_take(dir, "web.lock", 60, &d);
	CHECK(b == -2);
	lock_release(a);
	b = lock_take(dir, "web.lock", 0, &d);
	CHECK(b >= 0);
	lock_release(b);
	diag_clear(&d);
}

TEST(state_rundir_refused_when_others_can_write)
{
	const char *dir = unit_tmpdir();
	struct diag d;
	char sub[4096];

	diag_init(&d);
	snprintf(sub, sizeof(sub), "%s/run", dir);
	CHECK(rundir_prepare(sub, &d) == 0);
	CHECK(chmod(sub, 0777) == 0);
	CHECK(rundir_prepare(sub, &d) == -1);
	CHECK(strstr(diag_first_error(&d), "is writable by others") != NULL);
	diag_clear(&d);
	CHECK(chmod(sub, 01777) == 0);	/* sticky, like /tmp: allowed */
	CHECK(rundir_prepare(sub, &d) == 0);
	diag_clear(&d);
}
