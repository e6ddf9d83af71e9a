/* test_confine.c - QEMU's user */
#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "confine.h"
#include "unit.h"

TEST(confine_subordinate_ids_by_name_or_uid)
{
	const char *tmp = unit_tmpdir();
	char *file;
	unsigned long first = 0;
	struct diag d;

	file = unit_writes(tmp, "subuid", "alice:100000:65536\n"
	    "qemu-init:165536:50\n"
	    "# a comment, then junk\n"
	    "qemu-init:x:y\n"
	    "qemu-init:231072:65536\n"
	    "999:300000:100\n");
	diag_init(&d);
	/* The first range with room for every slot. */
	CHECK(subid_first(file, "qemu-init", 999, 100, &first, &d) == 0);
	CHECK(first == 231072);
	CHECK(subid_first(file, "qemu-init", 999, 50, &first, &d) == 0);
	CHECK(first == 165536);
	CHECK(subid_first(file, "bob", 999, 100, &first, &d) == 0);
	CHECK(first == 300000);
	CHECK(subid_first(file, "bob", 998, 100, &first, &d) == 1);
	CHECK(subid_first(file, "carol", 5, 100000, &first, &d) == 1);
	CHECK(d.errors == 0);
	/* A missing file is no range. */
	CHECK(subid_first("/nonexistent/subuid", "qemu-init", 999, 1, &first,
	    &d) == 1);
	diag_clear(&d);
}

TEST(confine_user_permissions_as_the_kernel_decides)
{
	struct qemu_user u;
	struct stat st;
	gid_t kvm = 4242;

	memset(&u, 0, sizeof(u));
	u.drop = 1;
	u.uid = 165536;
	u.gid = 165536;
	u.groups = &kvm;
	u.ngroups = 1;
	memset(&st, 0, sizeof(st));
	st.st_mode = 0600;
	CHECK(!qemu_user_may(&u, &st, R_OK));
	st.st_mode = 0644;
	CHECK(qemu_user_may(&u, &st, R_OK) && !qemu_user_may(&u, &st, W_OK));
	st.st_mode = 0640;
	st.st_gid = kvm;
	CHECK(qemu_user_may(&u, &st, R_OK));
	st.st_uid = u.uid;
	st.st_mode = 0066;	/* the owner's bits decide for the owner */
	CHECK(!qemu_user_may(&u, &st, R_OK));
	u.drop = 0;		/* QEMU runs as we do: no question */
	CHECK(qemu_user_may(&u, &st, R_OK));
}

TEST(confine_root_is_the_explicit_opt_out)
{
	struct qemu_user u;
	struct diag d;

	if (geteuid() != 0)
		return;		/* as another user, QEMU is that user */
	diag_init(&d);
	CHECK(qemu_user_for("root", "qemu-init", 3, 100, &u, &d) == 0);
	CHECK(!u.drop && strcmp(u.name, "root") == 0);
	qemu_user_free(&u);
	CHECK(qemu_user_for(NULL, "qinit-no-such-user", 3, 100, &u, &d) ==
	    -1);
	CHECK(strstr(diag_first_error(&d), "useradd --system") != NULL);
	qemu_user_free(&u);
	diag_clear(&d);
	/* The host's user may be root: the VMs without RUNAS keep root. */
	CHECK(qemu_user_for(NULL, "root", 0, 100, &u, &d) == 0 && !u.drop);
	qemu_user_free(&u);
	CHECK(qemu_user_for("nobody", "root", 0, 100, &u, &d) == 0 &&
	    u.drop && u.uid != 0 && !u.own);
	qemu_user_free(&u);
	CHECK(d.errors == 0);
	diag_clear(&d);
}
