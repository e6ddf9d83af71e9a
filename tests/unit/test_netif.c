/* test_netif.c - interface names, the bridge to use, sysfs look-ups */
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "netif.h"
#include "unit.h"

/* 1 and no message, or 0 and exactly one error containing want. */
static int
name_is(const char *name, const char *want)
{
	struct diag d;
	int ok, rc;

	diag_init(&d);
	rc = netif_name_valid(name, &d);
	if (want == NULL)
		ok = rc == 1 && d.n == 0;
	else
		ok = rc == 0 && d.errors == 1 &&
		    strstr(diag_first_error(&d), want) != NULL;
	if (!ok)
		printf("#   '%s': %s\n", name,
		    d.n > 0 ? d.msgs[0].text : "no error");
	diag_clear(&d);
	return ok;
}

TEST(netif_names_that_are_valid)
{
	CHECK(name_is("tap0", NULL));
	CHECK(name_is("br0", NULL));
	CHECK(name_is("a", NULL));
	CHECK(name_is("123456789012345", NULL));
	CHECK(name_is("vm-web.1_x", NULL));
	CHECK(name_is("...", NULL));
}

TEST(netif_names_that_are_not)
{
	CHECK(name_is("", "bad interface name '': it is empty"));
	CHECK(name_is("1234567890123456", "bad interface name "
	    "'1234567890123456': longer than 15 characters"));
	CHECK(name_is("a/b", "'a/b': it contains '/'"));
	CHECK(name_is("/", "contains '/'"));
	CHECK(name_is(".", "are not interface names"));
	CHECK(name_is("..", "are not interface names"));
	CHECK(name_is("eth0:1", "contains ':'"));
	CHECK(name_is("tap 0", "contains white space"));
	CHECK(name_is("tap\t0", "contains white space"));
	/* Shown escaped, so the message stays one line. */
	CHECK(name_is("tap\n0", "'tap\\x0a0': it contains white space"));
	CHECK(name_is("tap\x01", "non-printable"));
	CHECK(name_is("t\xc3\xa4p", "non-printable"));
	CHECK(name_is("tap\x7f", "non-printable"));
}

TEST(netif_long_names_are_cut_short_in_messages)
{
	char name[200];
	struct diag d;

	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	diag_init(&d);
	CHECK(netif_name_valid(name, &d) == 0);
	CHECK(strlen(diag_first_error(&d)) < 100);
	CHECK(strstr(diag_first_error(&d), "...'") != NULL);
	diag_clear(&d);
}

TEST(netif_bridge_choice)
{
	CHECK_STR(netif_bridge_choose("br1", "br2"), "br1");
	CHECK_STR(netif_bridge_choose(NULL, "br2"), "br2");
	CHECK_STR(netif_bridge_choose("", "br2"), "br2");
	CHECK_STR(netif_bridge_choose(NULL, NULL), "br0");
	CHECK_STR(netif_bridge_choose(NULL, ""), "br0");
	CHECK_STR(netif_bridge_choose("", ""), "br0");
}

/*
 * A /sys/class/net look-alike: br0 (a bridge), eth0 (not one), tun0 (a
 * tun device, not a tap), odd MTUs.
 */
static const char *
fake_sysfs(void)
{
	static char *dir;
	char *p;

	if (dir != NULL)
		return dir;
	dir = xstrdup(unit_tmpdir());
	p = xasprintf("%s/br0", dir);
	CHECK(mkdir(p, 0755) == 0);
	free(p);
	p = xasprintf("%s/br0/bridge", dir);
	CHECK(mkdir(p, 0755) == 0);
	free(p);
	p = xasprintf("%s/eth0", dir);
	CHECK(mkdir(p, 0755) == 0);
	free(p);
	p = xasprintf("%s/junk", dir);
	CHECK(mkdir(p, 0755) == 0);
	free(p);
	p = xasprintf("%s/huge", dir);
	CHECK(mkdir(p, 0755) == 0);
	free(p);
	p = xasprintf("%s/tun0", dir);
	CHECK(mkdir(p, 0755) == 0);
	free(p);
	unit_writes(dir, "tun0/tun_flags", "0x1001\n");
	unit_writes(dir, "br0/mtu", "1400\n");
	unit_writes(dir, "eth0/mtu", "9000\n");
	unit_writes(dir, "junk/mtu", "14x0\n");
	unit_writes(dir, "huge/mtu", "99999999999999999999\n");
	return dir;
}

TEST(netif_is_bridge_reads_sysfs)
{
	struct diag d;

	netif_set_sysfs(fake_sysfs());
	diag_init(&d);
	CHECK(netif_is_bridge("br0", &d) == 1);
	CHECK(d.n == 0);
	CHECK(netif_is_bridge("eth0", &d) == 0);
	CHECK_STR(diag_first_error(&d), "'eth0' is not a bridge");
	diag_clear(&d);
	CHECK(netif_is_bridge("br9", &d) == -1);
	CHECK_STR(diag_first_error(&d), "bridge 'br9' does not exist");
	diag_clear(&d);
	CHECK(netif_is_bridge("../br0", &d) == -1);
	CHECK(strstr(diag_first_error(&d), "bad interface name") != NULL);
	diag_clear(&d);
	netif_set_sysfs("/nonexistent/qinit/net");
	CHECK(netif_is_bridge("br0", &d) == -1);
	CHECK_STR(diag_first_error(&d), "cannot read /nonexistent/qinit/net: "
	    "No such file or directory");
	diag_clear(&d);
	netif_set_sysfs("/sys/class/net");
}

TEST(netif_mtu_reads_sysfs)
{
	struct diag d;
	unsigned mtu = 0;

	netif_set_sysfs(fake_sysfs());
	diag_init(&d);
	CHECK(netif_mtu("br0", &mtu, &d) == 0);
	CHECK(mtu == 1400);
	CHECK(netif_mtu("eth0", &mtu, &d) == 0);
	CHECK(mtu == 9000);
	CHECK(d.n == 0);
	CHECK(netif_mtu("br9", &mtu, &d) == -1);
	CHECK_STR(diag_first_error(&d), "interface 'br9' does not exist");
	diag_clear(&d);
	CHECK(netif_mtu("junk", &mtu, &d) == -1);
	CHECK(strstr(diag_first_error(&d), "cannot read the MTU of 'junk': "
	    "'14x0\\x0a' in ") != NULL);
	diag_clear(&d);
	CHECK(netif_mtu("huge", &mtu, &d) == -1);
	CHECK(strstr(diag_first_error(&d), "is not a number") != NULL);
	diag_clear(&d);
	netif_set_sysfs("/sys/class/net");
}

/* Up refuses before it runs anything; down of a vanished tap is fine. */
TEST(netif_up_and_down_check_first)
{
	struct diag d;

	netif_set_sysfs(fake_sysfs());
	diag_init(&d);
	CHECK(netif_up("tap0", "br9", &d) == -1);
	CHECK_STR(diag_first_error(&d), "bridge 'br9' does not exist");
	diag_clear(&d);
	CHECK(netif_up("tap0", "eth0", &d) == -1);
	CHECK_STR(diag_first_error(&d), "'eth0' is not a bridge");
	diag_clear(&d);
	CHECK(netif_up("tap/0", "br0", &d) == -1);
	CHECK(strstr(diag_first_error(&d), "'tap/0'") != NULL);
	diag_clear(&d);
	CHECK(netif_up("tap0", "1234567890123456", &d) == -1);
	CHECK(strstr(diag_first_error(&d), "longer than 15") != NULL);
	diag_clear(&d);
	CHECK(netif_down("tap0", "br0", &d) == 0);
	CHECK(netif_down("tap0", NULL, &d) == 0);
	CHECK(d.n == 0);
	CHECK(netif_down("tap 0", NULL, &d) == -1);
	CHECK(netif_down("tap0", "b/r", &d) == -1);
	CHECK(d.errors == 2);
	diag_clear(&d);
	netif_set_sysfs("/sys/class/net");
}

/* rc is -1 and the one error in d says name is not a tap; d is cleared. */
static int
not_a_tap(int rc, struct diag *d, const char *name)
{
	char *want = xasprintf("'%s' is not a tap: refused", name);
	int ok = rc == -1 && d->errors == 1 &&
	    strcmp(diag_first_error(d), want) == 0;

	if (!ok)
		printf("#   %s: rc %d, %s\n", name, rc,
		    d->n > 0 ? d->msgs[0].text : "no error");
	free(want);
	diag_clear(d);
	return ok;
}

/* Only a tap is taken down or put on a bridge; nothing runs otherwise. */
TEST(netif_up_and_down_refuse_what_is_not_a_tap)
{
	struct diag d;

	netif_set_sysfs(fake_sysfs());
	diag_init(&d);
	CHECK(not_a_tap(netif_down("eth0", NULL, &d), &d, "eth0"));
	CHECK(not_a_tap(netif_down("br0", "br0", &d), &d, "br0"));
	CHECK(not_a_tap(netif_down("tun0", NULL, &d), &d, "tun0"));
	CHECK(not_a_tap(netif_up("eth0", "br0", &d), &d, "eth0"));
	CHECK(not_a_tap(netif_up("tun0", "br0", &d), &d, "tun0"));
	netif_set_sysfs("/sys/class/net");
}
