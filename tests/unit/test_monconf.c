/* test_monconf.c - monitor.conf */
#include <string.h>

#include "monconf.h"
#include "unit.h"

static int
load(const char *text, struct monconf *mc, struct diag *d)
{
	const char *dir = unit_tmpdir();

	if (text != NULL)
		unit_writes(dir, "monitor.conf", text);
	diag_init(d);
	return monconf_load(mc, dir, d);
}

TEST(monconf_defaults_and_values)
{
	struct monconf mc;
	struct diag d;

	CHECK(load(NULL, &mc, &d) == 0);
	CHECK(mc.monport == 30320 && mc.slots == 100);
	CHECK_STR(mc.vnc_listen, "127.0.0.1");
	monconf_free(&mc);
	diag_clear(&d);
	CHECK(load("MONPORT=40000\nSLOTS=5\nVNC_LISTEN=::1\n", &mc, &d) == 0);
	CHECK(mc.monport == 40000 && mc.slots == 5);
	CHECK_STR(mc.vnc_listen, "::1");
	monconf_free(&mc);
	diag_clear(&d);
	CHECK(load("31000\n", &mc, &d) == 0 && mc.monport == 31000);
	monconf_free(&mc);
	diag_clear(&d);
}

TEST(monconf_errors)
{
	struct monconf mc;
	struct diag d;

	CHECK(load("SLOTS=101\n", &mc, &d) == -1);
	CHECK(strstr(diag_first_error(&d), "monitor.conf:1: SLOTS '101' is "
	    "too large (1 to 100)") != NULL);
	monconf_free(&mc);
	diag_clear(&d);
	CHECK(load("MONPORT=http\n", &mc, &d) == -1);
	CHECK(strstr(diag_first_error(&d), "MONPORT 'http' is not a number")
	    != NULL);
	monconf_free(&mc);
	diag_clear(&d);
	CHECK(load("MONPROT=1\n", &mc, &d) == 0);
	CHECK(d.warnings == 1 && strstr(d.msgs[0].text, "monitor.conf:1: "
	    "unknown key 'MONPROT' (did you mean 'MONPORT'?)") != NULL);
	monconf_free(&mc);
	diag_clear(&d);
}

TEST(monconf_monitor_kind)
{
	struct monconf mc;
	struct diag d;

	CHECK(load("MONPORT=40000\n", &mc, &d) == 0);
	CHECK(mc.unix_monitors == 0);
	monconf_free(&mc);
	diag_clear(&d);
	CHECK(load("MONITOR=unix\n", &mc, &d) == 0);
	CHECK(mc.unix_monitors == 1);
	monconf_free(&mc);
	diag_clear(&d);
	CHECK(load("MONITOR=tcp\n", &mc, &d) == 0);
	CHECK(mc.unix_monitors == 0);
	monconf_free(&mc);
	diag_clear(&d);
	CHECK(load("MONITOR=fifo\n", &mc, &d) == -1);
	CHECK(strstr(diag_first_error(&d), "monitor.conf:1: MONITOR 'fifo' is "
	    "not tcp or unix") != NULL);
	monconf_free(&mc);
	diag_clear(&d);
}

TEST(monconf_zero_means_unset)
{
	struct monconf mc;
	struct diag d;

	CHECK(load("MONPORT=0\nSLOTS=0\n", &mc, &d) == 0);
	CHECK(mc.monport == 30320 && mc.slots == 100);
	monconf_free(&mc);
	diag_clear(&d);
}

/* The highest MONPORT leaves room for the last slot's CTLPORT. */
TEST(monconf_monport_follows_slots)
{
	struct monconf mc;
	struct diag d;

	CHECK(load("SLOTS=100\nMONPORT=65336\n", &mc, &d) == 0);
	CHECK(mc.monport + 100 + mc.slots - 1 == 65535);
	monconf_free(&mc);
	diag_clear(&d);
	CHECK(load("SLOTS=100\nMONPORT=65337\n", &mc, &d) == -1);
	CHECK(strstr(diag_first_error(&d), "monitor.conf:2: MONPORT '65337' "
	    "is too large (1024 to 65336)") != NULL);
	monconf_free(&mc);
	diag_clear(&d);
	CHECK(load("MONPORT=65435\nSLOTS=1\n", &mc, &d) == 0);
	CHECK(mc.monport == 65435 && mc.slots == 1);
	monconf_free(&mc);
	diag_clear(&d);
	CHECK(load("MONPORT=65436\nSLOTS=1\n", &mc, &d) == -1);
	CHECK(strstr(diag_first_error(&d), "MONPORT '65436' is too large "
	    "(1024 to 65435)") != NULL);
	monconf_free(&mc);
	diag_clear(&d);
	CHECK(load("MONPORT=1023\n", &mc, &d) == -1);
	CHECK(strstr(diag_first_error(&d), "MONPORT '1023' is too small "
	    "(1024 to 65336)") != NULL);
	monconf_free(&mc);
	diag_clear(&d);
}
