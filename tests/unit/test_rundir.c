/* test_rundir.c - the run directory: checks, names, no symlink followed */
#include <sys/stat.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rundir.h"
#include "unit.h"

TEST(rundir_names_never_collide)
{
	char *a = rundir_name("web.console", RUN_LOCK);
	char *b = rundir_name("web", RUN_CONSOLE_LOCK);

	CHECK_STR(a, "web.console@lock");
	CHECK_STR(b, "web@console.lock");
	CHECK(strcmp(a, b) != 0);
	free(a);
	free(b);
	a = rundir_name("slots", RUN_LOCK);
	CHECK(strcmp(a, "slot-0.lock") != 0);
	free(a);
}

TEST(rundir_refuses_writable_by_group_or_others)
{
	const char *dir = unit_tmpdir();
	struct rundir rd;
	struct diag d;
	char sub[4096];
	mode_t modes[] = { 0777, 01777, 0775, 0757 };
	size_t i;

	diag_init(&d);
	snprintf(sub, sizeof(sub), "%s/run", dir);
	CHECK(rundir_open(&rd, sub, RUNDIR_CREATE, &d) == 0);
	rundir_close(&rd);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		CHECK(chmod(sub, modes[i]) == 0);
		CHECK(rundir_open(&rd, sub, RUNDIR_WRITE, &d) == -1);
		CHECK(strstr(diag_first_error(&d), "is writable by its group "
		    "or others: chmod 0755") != NULL);
		rundir_close(&rd);
		diag_clear(&d);
	}
}

TEST(rundir_created_0755_whatever_the_umask)
{
	const char *dir = unit_tmpdir();
	struct rundir rd;
	struct stat st;
	struct diag d;
	char sub[4096];
	mode_t old;

	diag_init(&d);
	snprintf(sub, sizeof(sub), "%s/new", dir);
	old = umask(077);
	CHECK(rundir_open(&rd, sub, RUNDIR_CREATE, &d) == 0);
	(void)umask(old);
	CHECK(stat(sub, &st) == 0 && (st.st_mode & 07777) == 0755);
	rundir_close(&rd);
	diag_clear(&d);
}

TEST(rundir_aliases_are_one_directory)
{
	const char *dir = unit_tmpdir();
	struct rundir a, b;
	struct diag d;
	char sub[4096], link[4096], alias[4096];

	diag_init(&d);
	snprintf(sub, sizeof(sub), "%s/real", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	snprintf(alias, sizeof(alias), "%s//real/", dir);
	CHECK(rundir_open(&a, sub, RUNDIR_CREATE, &d) == 0);
	CHECK(symlink(sub, link) == 0);
	CHECK(rundir_open(&b, link, RUNDIR_WRITE, &d) == 0);
	CHECK_STR(b.path, a.path);
	rundir_close(&b);
	CHECK(rundir_open(&b, alias, RUNDIR_WRITE, &d) == 0);
	CHECK_STR(b.path, a.path);
	rundir_close(&b);
	rundir_close(&a);
	diag_clear(&d);
}

TEST(rundir_missing_holds_nothing)
{
	struct rundir rd;
	struct diag d;
	char sub[4096];

	diag_init(&d);
	snprintf(sub, sizeof(sub), "%s/none", unit_tmpdir());
	CHECK(rundir_open(&rd, sub, RUNDIR_WRITE, &d) == 0 && rd.fd == -1);
	CHECK(!rundir_exists(&rd, "web", RUN_STATE));
	CHECK(access(sub, F_OK) != 0);	/* not created */
	rundir_close(&rd);
	diag_clear(&d);
}

TEST(rundir_follows_no_symlink)
{
	const char *dir = unit_tmpdir();
	struct rundir rd;
	struct diag d;
	char sub[2048], victim[2048], name[4096];
	int fd;

	diag_init(&d);
	snprintf(sub, sizeof(sub), "%s/run", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	unit_writes(dir, "victim", "precious\n");
	CHECK(rundir_open(&rd, sub, RUNDIR_CREATE, &d) == 0);
	snprintf(name, sizeof(name), "%s/web@console.log", sub);
	CHECK(symlink(victim, name) == 0);
	/* The log of a new run replaces the link; the victim is kept. */
	fd = rundir_new_console_log(&rd, "web", &d);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	/* ...and is not kept as the last run's. */
	snprintf(name, sizeof(name), "%s/web@console.log.1", sub);
	CHECK(access(name, F_OK) != 0);
	/* A lock planted as a symlink is made anew, not followed. */
	snprintf(name, sizeof(name), "%s/web@lock", sub);
	CHECK(symlink(victim, name) == 0);
	CHECK(lock_take(&rd, "web", RUN_LOCK, 0, &fd, &d) == LOCK_TAKEN);
	lock_release(fd);
	snprintf(name, sizeof(name), "%s/slot-0.lock", sub);
	CHECK(symlink(victim, name) == 0);
	CHECK(slot_lock(&rd, 0, &fd, &d) == LOCK_TAKEN);
	lock_release(fd);
	CHECK(unit_reads(dir, "victim") != NULL &&
	    strcmp(unit_reads(dir, "victim"), "precious\n") == 0);
	rundir_close(&rd);
	diag_clear(&d);
}

TEST(rundir_console_log_keeps_one_old_run)
{
	const char *dir = unit_tmpdir();
	struct rundir rd;
	struct diag d;
	int fd, i;

	diag_init(&d);
	CHECK(rundir_open(&rd, dir, RUNDIR_WRITE, &d) == 0);
	for (i = 0; i < 3; i++) {
		fd = rundir_new_console_log(&rd, "web", &d);
		CHECK(fd >= 0);
		CHECK(write(fd, i == 0 ? "a" : i == 1 ? "b" : "c", 1) == 1);
		close(fd);
	}
	CHECK_STR(unit_reads(dir, "web@console.log"), "c");
	CHECK_STR(unit_reads(dir, "web@console.log.1"), "b");
	rundir_close(&rd);
	diag_clear(&d);
}

TEST(rundir_locks_exclude_each_other)
{
	struct rundir rd;
	struct diag d;
	int a, b, c;

	diag_init(&d);
	CHECK(rundir_open(&rd, unit_tmpdir(), RUNDIR_WRITE, &d) == 0);
	CHECK(lock_take(&rd, "web", RUN_LOCK, 0, &a, &d) == LOCK_TAKEN);
	CHECK(lock_take(&rd, "web", RUN_LOCK, 60, &b, &d) == LOCK_BUSY);
	/* Another VM's lock and the slot lock are other files. */
	CHECK(lock_take(&rd, "web.x", RUN_LOCK, 0, &b, &d) == LOCK_TAKEN);
	lock_release(b);
	CHECK(slot_lock(&rd, 0, &b, &d) == LOCK_TAKEN);
	CHECK(slot_lock(&rd, 0, &c, &d) == LOCK_BUSY);
	CHECK(slot_lock(&rd, 1, &c, &d) == LOCK_TAKEN);
	lock_release(c);
	lock_release(b);
	lock_release(a);
	CHECK(lock_take(&rd, "web", RUN_LOCK, 0, &b, &d) == LOCK_TAKEN);
	lock_release(b);
	rundir_close(&rd);
	diag_clear(&d);
}
