/*
 * test_systemd.c - a VM's unit name as systemd-escape(1) writes it, and
 * which names are a VM's unit.
 */
#include <stdlib.h>
#include <string.h>

#include "systemd.h"
#include "unit.h"

static void
check_unit(const char *instance, const char *want)
{
	char *u = systemd_vm_unit(instance);

	CHECK_STR(u, want);
	free(u);
}

TEST(systemd_vm_unit_names)
{
	char *long_name, *u;

	check_unit("web", "qemu-init@web.service");
	check_unit("my-vm", "qemu-init@my\\x2dvm.service");
	check_unit("a.b_c:d", "qemu-init@a.b_c:d.service");
	check_unit(".hidden", "qemu-init@\\x2ehidden.service");
	check_unit("/srv/vm/web-qemu.cfg",
	    "qemu-init@-srv-vm-web\\x2dqemu.cfg.service");
	check_unit("sp ace\xc3\xa9", "qemu-init@sp\\x20ace\\xc3\\xa9.service");
	CHECK(systemd_vm_unit("") == NULL);
	long_name = malloc(300);
	memset(long_name, 'a', 299);
	long_name[299] = '\0';
	CHECK(systemd_vm_unit(long_name) == NULL);
	long_name[SYSTEMD_UNIT_MAX - strlen("qemu-init@.service")] = '\0';
	u = systemd_vm_unit(long_name);
	CHECK(u != NULL && strlen(u) == SYSTEMD_UNIT_MAX);
	free(u);
	free(long_name);
}

TEST(systemd_vm_units_known)
{
	CHECK(systemd_is_vm_unit("qemu-init@web.service"));
	CHECK(!systemd_is_vm_unit("qemu-init.service"));
	CHECK(!systemd_is_vm_unit("qemu-init@.service"));
	CHECK(!systemd_is_vm_unit("qemu-init@web.scope"));
	CHECK(!systemd_is_vm_unit("session-3.scope"));
}
