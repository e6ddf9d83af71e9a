/*
 * test_ports.c - choosing a VM's slot (monitor.conf(5)): the lowest slot
 * no running VM records, no other start has reserved, and whose ports
 * nobody holds.  (Slot arithmetic and tap names: test_cmdline.c.)
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ports.h"
#include "state.h"
#include "unit.h"

static void
monconf_of(struct monconf *mc, unsigned monport, unsigned slots)
{
	memset(mc, 0, sizeof(*mc));
	mc->monport = monport;
	mc->slots = slots;
	mc->vnc_listen = "127.0.0.1";
}

/* Records this process as the running QEMU of name, on slot s. */
static void
record_running(const struct rundir *rd, const char *name, unsigned s)
{
	struct vm_state st;
	struct diag d;

	diag_init(&d);
	memset(&st, 0, sizeof(st));
	CHECK(proc_identify(getpid(), &st.qemu) == 0);
	st.slot = s;
	CHECK(state_write(rd, name, &st, &d) == 0);
	diag_clear(&d);
}

/* A socket listening on 127.0.0.1:port (0: any); its port in *port. */
static int
listen_on(unsigned *port)
{
	struct sockaddr_in in;
	socklen_t len = sizeof(in);
	int fd;

	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_port = htons((unsigned short)*port);
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&in, sizeof(in)) != 0 ||
	    listen(fd, 1) != 0 ||
	    getsockname(fd, (struct sockaddr *)&in, &len) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(in.sin_port);
	return fd;
}

/* What needs no port and no tap: MONITOR=unix, VNC=no, no NIC. */
static const struct slot_needs nothing = { 0, 0, 0, 0 };

TEST(ports_lowest_slot_no_running_vm_records)
{
	struct monconf mc;
	struct rundir rd;
	struct diag d;
	unsigned s = 99;

	unit_rundir(&rd, unit_tmpdir());
	diag_init(&d);
	monconf_of(&mc, 30320, 3);
	CHECK(slot_choose(&mc, &rd, &nothing, &s, NULL, &d) == 0 && s == 0);
	record_running(&rd, "web", 0);
	record_running(&rd, "db", 2);
	CHECK(slot_choose(&mc, &rd, &nothing, &s, NULL, &d) == 0 && s == 1);
	record_running(&rd, "mail", 1);
	CHECK(slot_choose(&mc, &rd, &nothing, &s, NULL, &d) == -1);
	CHECK_STR(diag_first_error(&d), "no free monitor slot in "
	    "30320-30322: all 3 are taken by running VMs (raise SLOTS in "
	    "monitor.conf)");
	diag_clear(&d);
	/* A VM that is gone frees its slot. */
	state_remove(&rd, "web");
	CHECK(slot_choose(&mc, &rd, &nothing, &s, NULL, &d) == 0 && s == 0);
	/* Beyond SLOTS nothing is chosen, whatever is free. */
	monconf_of(&mc, 30320, 1);
	record_running(&rd, "web", 0);
	CHECK(slot_choose(&mc, &rd, &nothing, &s, NULL, &d) == -1);
	CHECK_STR(diag_first_error(&d), "no free monitor slot in "
	    "30320-30320: all 1 are taken by running VMs (raise SLOTS in "
	    "monitor.conf)");
	state_remove(&rd, "web");
	state_remove(&rd, "db");
	state_remove(&rd, "mail");
	diag_clear(&d);
	rundir_close(&rd);
}

TEST(ports_reserved_slot_is_skipped_and_held)
{
	struct monconf mc;
	struct rundir rd;
	struct diag d;
	unsigned s = 99;
	int mine = -1, other = -1, again = -1;

	unit_rundir(&rd, unit_tmpdir());
	diag_init(&d);
	monconf_of(&mc, 30320, 4);
	/* Another start holds slot 0. */
	CHECK(slot_lock(&rd, 0, &other, &d) == LOCK_TAKEN);
	CHECK(slot_choose(&mc, &rd, &nothing, &s, &mine, &d) == 0 && s == 1);
	CHECK(mine >= 0);
	/* Ours now, until released: the next start gets slot 2. */
	CHECK(slot_lock(&rd, 1, &again, &d) == LOCK_BUSY);
	CHECK(slot_choose(&mc, &rd, &nothing, &s, &again, &d) == 0 && s == 2);
	lock_release(again);
	lock_release(mine);
	CHECK(slot_choose(&mc, &rd, &nothing, &s, &mine, &d) == 0 && s == 1);
	lock_release(mine);
	/* Without a reservation, locks are not looked at. */
	CHECK(slot_choose(&mc, &rd, &nothing, &s, NULL, &d) == 0 && s == 0);
	lock_release(other);
	CHECK(d.errors == 0);
	diag_clear(&d);
	rundir_close(&rd);
}

TEST(ports_held_by_another_program)
{
	struct slot_needs tcp = { 1, 0, 0, 0 };
	unsigned port = 0, s = 99;
	struct monconf mc;
	struct rundir rd;
	struct diag d;
	char want[512];
	int fd, lock = -1;

	unit_rundir(&rd, unit_tmpdir());
	diag_init(&d);
	fd = listen_on(&port);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	/* Its one slot's MONPORT is taken: no slot. */
	monconf_of(&mc, port, 1);
	CHECK(slot_choose(&mc, &rd, &tcp, &s, &lock, &d) == -1);
	snprintf(want, sizeof(want), "no free monitor slot in %u-%u: 0 taken "
	    "by running VMs, 1 by other programs holding their ports or tap "
	    "names (port %u first; see ss -ltnp, ip link): move MONPORT or "
	    "raise SLOTS in monitor.conf", port, port, port);
	CHECK_STR(diag_first_error(&d), want);
	diag_clear(&d);
	/* The slot it tried is not left reserved. */
	CHECK(slot_lock(&rd, 0, &lock, &d) == LOCK_TAKEN);
	lock_release(lock);
	/* A VM on unix sockets does not need the port. */
	CHECK(slot_choose(&mc, &rd, &nothing, &s, NULL, &d) == 0 && s == 0);
	/* The port as CTLPORT (MONPORT + 100) is no better. */
	if (port > 100) {
		monconf_of(&mc, port - 100, 1);
		CHECK(slot_choose(&mc, &rd, &tcp, &s, NULL, &d) == -1);
		CHECK(diag_first_error(&d) != NULL && strstr(
		    diag_first_error(&d), "1 by other programs") != NULL);
		diag_clear(&d);
	}
	close(fd);
	diag_clear(&d);
	rundir_close(&rd);
}

TEST(ports_vnc_display_held_by_another_program)
{
	struct slot_needs vnc = { 0, 0, 1, 0 };
	unsigned port = 0, k, s = 99;
	struct monconf mc;
	struct rundir rd;
	struct diag d;
	char name[32], want[64];
	int fd = -1;

	unit_rundir(&rd, unit_tmpdir());
	diag_init(&d);
	/*
	 * The first VNC port we can hold, 5900 + k; slots 0 to k-1 are
	 * recorded as running, so slot k, whose display it is, is the one
	 * looked at.
	 */
	for (k = 0; k < MONCONF_SLOTS_MAX && fd < 0; k++) {
		port = VNC_PORT_BASE + k;
		fd = listen_on(&port);
	}
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	k--;
	for (s = 0; s < k; s++) {
		snprintf(name, sizeof(name), "vm%u", s);
		record_running(&rd, name, s);
	}
	monconf_of(&mc, 30320, k + 1);
	CHECK(slot_choose(&mc, &rd, &vnc, &s, NULL, &d) == -1);
	snprintf(want, sizeof(want), "(port %u first;", VNC_PORT_BASE + k);
	CHECK(diag_first_error(&d) != NULL &&
	    strstr(diag_first_error(&d), want) != NULL);
	diag_clear(&d);
	/* VNC listening elsewhere (a name: QEMU's loopback) is the same. */
	mc.vnc_listen = "localhost";
	CHECK(slot_choose(&mc, &rd, &vnc, &s, NULL, &d) == -1);
	diag_clear(&d);
	close(fd);
	for (s = 0; s < k; s++) {
		snprintf(name, sizeof(name), "vm%u", s);
		state_remove(&rd, name);
	}
	rundir_close(&rd);
}
