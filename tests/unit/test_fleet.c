/*
 * test_fleet.c - several hosts asked at once through a stand-in for ssh
 * (QEMU_INIT_SSH): each answer read into VM records in host order, and
 * a host that gave no document one problem saying why (ssh's refusal,
 * no qemu-init there, a failure, an answer that is not qemu-init's or
 * passes a bound), what each wrote on stderr, and the fleet's status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "diag.h"
#include "fleet.h"
#include "remote.h"
#include "unit.h"

/* The stand-in: the host is the word after "--"; each does its thing. */
static const char fake_ssh[] =
    "#!/bin/sh\n"
    "while [ \"$1\" != -- ]; do shift; done\n"
    "G='\\036qemu-init -H 1\\n'\n"
    "case $2 in\n"
    "a) printf \"$G\"'{\"vms\": [{\"shortname\": \"web\", \"name\": "
    "\"webserver\", \"state\": \"running\", \"pid\": 42}, "
    "{\"name\": \"db\", \"state\": \"stopped\"}]}'; echo warned >&2 ;;\n"
    "b) echo 'ssh: connect to host b port 22: Connection refused' >&2;"
    " exit 255 ;;\n"
    "c) echo 'fish: Unknown command: qemu-init' >&2; exit 127 ;;\n"
    "d) printf \"$G\"; echo 'qemu-init: bad registry' >&2; exit 1 ;;\n"
    "e) printf \"$G\"'NAME STATE\\n' ;;\n"
    "f) printf \"$G\"'{\"vms\": []}'; exit 4 ;;\n"
    "g) printf \"$G\"; head -c 5000000 /dev/zero ;;\n"
    "h) printf \"$G\"'{\"vms\": [1]}' ;;\n"
    "i) head -c 100000 /dev/zero ;;\n"
    "esac\n";

struct seen {
	struct strbuf	 text;
};

static void
each(const struct fleet_answer *a, void *arg)
{
	struct seen *s = arg;
	size_t i;

	sb_addf(&s->text, "%s %d", a->host, a->status);
	if (a->problem != NULL)
		sb_addf(&s->text, " (%s)", a->problem);
	for (i = 0; i < a->n; i++)
		sb_addf(&s->text, " %s:%s", a->vms[i].name, a->vms[i].state);
	sb_addc(&s->text, '\n');
}

TEST(fleet_each_host_in_order)
{
	static const char *const names[] = { "a", "b", "c", "d", "e", "f",
	    "g", "h", "i" };
	char *args[] = { "list", "-o", "json" };
	struct remote_request r;
	struct seen s;
	struct diag d;
	const char *why;
	char *ssh;
	size_t i;
	int rc;

	ssh = xstrdup(unit_writes(unit_tmpdir(), "ssh", fake_ssh));
	CHECK(chmod(ssh, 0755) == 0);
	setenv("QEMU_INIT_SSH", ssh, 1);
	memset(&r, 0, sizeof(r));
	r.hosts = xcalloc(9, sizeof(*r.hosts));
	for (r.n = 0; r.n < 9; r.n++)
		CHECK(remote_host_parse(names[r.n], &r.hosts[r.n], &why) == 0);
	r.fleet = 1;
	r.timeout_ms = 10000;
	sb_init(&s.text);
	diag_init(&d);
	rc = fleet_ask(&r, "qemu-init", 3, args, each, &s, &d);
	CHECK(rc == 255);	/* the first other than 0: b's */
	CHECK_STR(s.text.s,
	    "a 0 webserver:running db:stopped\n"
	    "b 255 (no answer: ssh: connect to host b port 22: Connection "
	    "refused)\n"
	    "c 127 (no qemu-init answered: fish: Unknown command: "
	    "qemu-init)\n"
	    "d 1 (exit 1: qemu-init: bad registry)\n"
	    "e 255 (not a qemu-init answer: unexpected character)\n"
	    "f 4\n"
	    "g 255 (an answer longer than 4194304 bytes)\n"
	    "h 255 (not a qemu-init answer: a VM that is not an object)\n"
	    "i 127 (no qemu-init answered)\n");
	for (i = 0; i < r.n; i++)
		remote_host_free(&r.hosts[i]);
	free(r.hosts);
	sb_free(&s.text);
	unsetenv("QEMU_INIT_SSH");
	free(ssh);
}
