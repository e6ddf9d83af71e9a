/*
 * test_fleet.c - many programs at once, each with its own deadline, and
 * their answers put together: one table with a HOST column (a row for a
 * host that did not answer, failed, or has no VMs), the STATUS lines,
 * one JSON document whose field names are the hosts' own, and the
 * fleet's exit status.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fleet.h"
#include "json.h"
#include "sock.h"
#include "unit.h"

TEST(fleet_run_each_with_its_deadline)
{
	char *said[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
	char *slow[] = { "sh", "-c", "exec sleep 10", NULL };
	char *absent[] = { "/nonexistent/prog", NULL };
	char *ssh_failed[] = { "sh", "-c", "echo refused >&2; exit 255",
	    NULL };
	char *killed[] = { "sh", "-c", "kill -TERM $$", NULL };
	char *flood[] = { "head", "-c", "20000000", "/dev/zero", NULL };
	struct fleet_job j[6];
	long long t0;
	size_t i;

	memset(j, 0, sizeof(j));
	j[0].argv = said;
	j[1].argv = slow;
	j[2].argv = absent;
	j[3].argv = ssh_failed;
	j[4].argv = killed;
	j[5].argv = flood;
	t0 = now_ms();
	fleet_run(j, 6, 500, 2);
	CHECK(now_ms() - t0 < 3000);	/* sleep 10 cost its deadline only */
	CHECK(j[0].end == FLEET_EXITED && j[0].status == 3);
	CHECK_STR(j[0].out.s, "out\n");
	CHECK_STR(j[0].err.s, "err\n");
	CHECK(fleet_answered(&j[0]));
	CHECK(j[1].end == FLEET_TIMED_OUT && j[1].status == FLEET_NO_ANSWER);
	CHECK(!fleet_answered(&j[1]));
	/*
	 * glibc's posix_spawn reports a failed exec; under valgrind, which
	 * runs its vfork as a fork, the child exits 127 instead.
	 */
	if (j[2].end == FLEET_NOT_STARTED)
		CHECK_STR(j[2].err.s, "cannot run /nonexistent/prog: No such "
		    "file or directory\n");
	else
		CHECK(j[2].end == FLEET_EXITED && j[2].status == 127);
	CHECK(j[3].end == FLEET_EXITED && j[3].status == FLEET_NO_ANSWER);
	CHECK(!fleet_answered(&j[3]));
	CHECK(j[4].end == FLEET_KILLED && j[4].status == 128 + 15);
	CHECK(j[5].end == FLEET_TOO_LONG && j[5].status == FLEET_NO_ANSWER);
	CHECK(j[5].out.len > FLEET_MAX_ANSWER &&
	    j[5].out.len < FLEET_MAX_ANSWER + 65536);
	for (i = 0; i < 6; i++)
		fleet_job_free(&j[i]);
}

/* A job as fleet_run leaves it, without running anything. */
static void
job(struct fleet_job *j, const char *host, int status, const char *out,
    const char *err)
{
	memset(j, 0, sizeof(*j));
	j->host = host;
	j->end = FLEET_EXITED;
	j->status = status;
	j->timeout_ms = 30000;
	sb_init(&j->out);
	sb_init(&j->err);
	sb_adds(&j->out, out);
	sb_adds(&j->err, err);
}

static void
jobs_free(struct fleet_job *j, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fleet_job_free(&j[i]);
}

#define REFUSED	"ssh: connect to host c port 22: Connection refused\n"

TEST(fleet_table_host_column)
{
	struct fleet_job j[5];
	char *t;

	job(&j[0], "a", 0,
	    "NAME  LONGNAME  STATE    PID   DESCRIPTION\n"
	    "web   web       running  42    the web server\n"
	    "db    database  stopped  -     \n", "");
	job(&j[1], "root@b:22", 0,
	    "NAME  LONGNAME  STATE    PID   DESCRIPTION\n", "");
	job(&j[2], "c", FLEET_NO_ANSWER, "", REFUSED);
	job(&j[3], "d", 1, "", "qemu-init: bad line\n\n");
	j[4] = j[3];
	j[4].end = FLEET_TIMED_OUT;
	j[4].status = FLEET_NO_ANSWER;
	j[4].host = "e";
	t = fleet_table(j, 5, NULL);
	CHECK_STR(t,
	    "HOST       NAME  LONGNAME  STATE    PID  DESCRIPTION\n"
	    "a          web   web       running  42   the web server\n"
	    "a          db    database  stopped  -    -\n"
	    "root@b:22  (no VMs)\n"
	    "c          (no answer: ssh: connect to host c port 22: "
	    "Connection refused)\n"
	    "d          (exit 1: qemu-init: bad line)\n"
	    "e          (no answer in 30 s)\n");
	free(t);
	CHECK(fleet_status(j, 2) == 0);
	CHECK(fleet_status(j, 5) == FLEET_NO_ANSWER);
	CHECK(fleet_status(j + 3, 2) == 1);
	jobs_free(j, 4);
}

TEST(fleet_table_columns_of_every_host)
{
	struct fleet_job j[2];
	char *t;

	job(&j[0], "old", 0, "NAME STATE DESCRIPTION\nweb running a b\n", "");
	job(&j[1], "new", 0, "NAME STATE VNC DESCRIPTION\n"
	    "db running 127.0.0.1:3 c d\n", "");
	t = fleet_table(j, 2, NULL);
	CHECK_STR(t,
	    "HOST  NAME  STATE    DESCRIPTION  VNC\n"
	    "old   web   running  a b          -\n"
	    "new   db    running  c d          127.0.0.1:3\n");
	free(t);
	jobs_free(j, 2);
}

TEST(fleet_table_status_lines)
{
	struct fleet_job j[3];
	char *t;

	job(&j[0], "a", 3, "web: running, pid 42\ndb: stopped\n", "");
	job(&j[1], "c", FLEET_NO_ANSWER, "", REFUSED);
	job(&j[2], "zz", 4, "", "qemu-init: unknown VM 'x'\n");
	t = fleet_table(j, 3, "STATUS");
	CHECK_STR(t,
	    "HOST  STATUS\n"
	    "a     web: running, pid 42\n"
	    "a     db: stopped\n"
	    "c     (no answer: ssh: connect to host c port 22: "
	    "Connection refused)\n"
	    "zz    (exit 4: qemu-init: unknown VM 'x')\n");
	free(t);
	CHECK(fleet_status(j, 3) == 3);
	CHECK(fleet_status(j + 1, 2) == FLEET_NO_ANSWER);
	jobs_free(j, 3);

	job(&j[0], "a", 0, "web\ndb\n", "");	/* list -q */
	job(&j[1], "bb", 0, "mail\n", "");
	t = fleet_table(j, 2, "NAME");
	CHECK_STR(t, "HOST  NAME\na     web\na     db\nbb    mail\n");
	free(t);
	jobs_free(j, 2);

	job(&j[0], "c", FLEET_NO_ANSWER, "", REFUSED);
	t = fleet_table(j, 1, NULL);
	CHECK_STR(t, "HOST  VMS\n"
	    "c     (no answer: ssh: connect to host c port 22: "
	    "Connection refused)\n");
	free(t);
	jobs_free(j, 1);
}

TEST(fleet_json_one_document)
{
	struct fleet_job j[2];
	char *t;

	job(&j[0], "a", 0, "[{\"name\": \"web\", \"pid\": 42, \"up\": true, "
	    "\"nics\": [{\"mac\": \"DE:AD\"}]}]\n", "");
	job(&j[1], "c", FLEET_NO_ANSWER, "", REFUSED);
	t = fleet_json(j, 2);
	CHECK_STR(t,
	    "{\n"
	    "  \"hosts\": [\n"
	    "    {\n"
	    "      \"host\": \"a\",\n"
	    "      \"answered\": true,\n"
	    "      \"exit\": 0\n"
	    "    },\n"
	    "    {\n"
	    "      \"host\": \"c\",\n"
	    "      \"answered\": false,\n"
	    "      \"exit\": 255,\n"
	    "      \"error\": \"no answer: ssh: connect to host c port 22: "
	    "Connection refused\"\n"
	    "    }\n"
	    "  ],\n"
	    "  \"vms\": [\n"
	    "    {\n"
	    "      \"host\": \"a\",\n"
	    "      \"name\": \"web\",\n"
	    "      \"pid\": 42,\n"
	    "      \"up\": true,\n"
	    "      \"nics\": [\n"
	    "        {\n"
	    "          \"mac\": \"DE:AD\"\n"
	    "        }\n"
	    "      ]\n"
	    "    }\n"
	    "  ]\n"
	    "}\n");
	free(t);
	jobs_free(j, 2);

	t = fleet_json(j, 0);
	CHECK_STR(t, "{\n  \"hosts\": [],\n  \"vms\": []\n}\n");
	free(t);
}

/* The hosts' documents are objects: their key, their other members. */
TEST(fleet_json_names_from_the_documents)
{
	struct fleet_job j[4];
	const struct json *hosts, *vms, *v;
	const char *why;
	struct json doc;
	char *t;

	job(&j[0], "a", 0, "{\"version\": \"0.2\", \"domains\": "
	    "[{\"host\": \"theirs\", \"name\": \"web\"}, {\"name\": \"db\"}]}",
	    "");
	job(&j[1], "b", 0, "{\"version\": \"0.1\", \"domains\": []}", "");
	job(&j[2], "old", 64, "usage: qemu-init list\n",
	    "qemu-init: list: unknown option -o\n");
	job(&j[3], "odd", 0, "NAME STATE\n", "");
	t = fleet_json(j, 4);
	CHECK(json_parse(&doc, t, strlen(t), &why) == 0);
	hosts = json_get(&doc, "hosts");
	vms = json_get(&doc, "domains");
	CHECK(hosts != NULL && hosts->n == 4 && vms != NULL && vms->n == 2);
	if (hosts != NULL && hosts->n == 4 && vms != NULL && vms->n == 2) {
		CHECK_STR(json_get_string(&hosts->items[0], "version"), "0.2");
		CHECK_STR(json_get_string(&hosts->items[1], "version"), "0.1");
		CHECK(json_get(&hosts->items[0], "domains") == NULL);
		CHECK(json_get(&hosts->items[0], "error") == NULL);
		v = json_get(&hosts->items[2], "answered");
		CHECK(v != NULL && v->type == JSON_TRUE);
		CHECK_STR(json_get_string(&hosts->items[2], "error"),
		    "exit 64: qemu-init: list: unknown option -o");
		v = json_get(&hosts->items[3], "error");
		CHECK(v != NULL && v->type == JSON_STRING && strncmp(v->text,
		    "not a JSON answer: ", 19) == 0);
		CHECK_STR(json_get_string(&vms->items[0], "host"), "a");
		CHECK(vms->items[0].n == 2);	/* theirs gave way to ours */
		CHECK_STR(json_get_string(&vms->items[1], "name"), "db");
		CHECK_STR(vms->items[1].keys[0], "host");
	}
	json_free(&doc);
	free(t);
	CHECK(fleet_status(j, 4) == 64);
	jobs_free(j, 4);
}
