/*
 * test_report.c - one record of a VM, whatever it came from: written as
 * JSON members and read back, the same row of list's table and the
 * same status line either way; info's "key: value" lines; what a
 * hostile document's odd members become.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonw.h"
#include "report.h"
#include "table.h"
#include "unit.h"

static char *
row_of(const struct report_vm *v)
{
	struct table t;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	table_init(&t, REPORT_LIST_COLUMNS);
	report_list_row(&t, v);
	table_print(&t, fp);
	fclose(fp);
	table_free(&t);
	return buf;
}

static char *
line_of(const struct report_vm *v)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_adds(&sb, "");
	report_status_line(&sb, v);
	return sb_detach(&sb);
}

static void
running(struct report_vm *v)
{
	memset(v, 0, sizeof(*v));
	v->vm = "web";
	v->shortname = "web";
	v->name = "webserver";
	v->config = "/etc/qemu/web-qemu.cfg";
	v->description = "Web server";
	v->state = "running";
	v->qemu_state = "running";
	v->pid = 4242;
	v->started = 1700000000;
	v->uptime = 3700;
	v->slot = 3;
	v->monitor = "tcp";
	v->monport = 30320;
	v->ctlport = 30420;
	v->vnc = "127.0.0.1:3";
	v->console_log = NULL;
	v->hmp_socket = v->qmp_socket = NULL;
	v->config_ok = 1;
	v->lsb = 0;
	v->runas = "root";
	v->snapshot = 1;
	v->agent = 0;
	v->firmware = "uefi";
	v->kernel = NULL;
}

TEST(report_json_round_trip_same_row_same_line)
{
	struct report_vm v, back;
	struct jsonw w;
	struct report r = { &w, NULL };
	struct json doc;
	const char *why;
	char *text, *a, *b;

	running(&v);
	jsonw_init(&w);
	jsonw_object(&w, NULL);
	report_vm_members(&r, &v);
	text = jsonw_detach(&w);
	jsonw_free(&w);
	CHECK(json_parse(&doc, text, strlen(text), &why) == 0);
	CHECK(report_vm_read(&back, &doc) == 0);
	CHECK_STR(a = row_of(&v), "web webserver running 4242 30320 30420 "
	    "127.0.0.1:3 snapshot,uefi,as=root Web server\n");
	CHECK_STR(b = row_of(&back), a);
	free(a);
	free(b);
	CHECK_STR(a = line_of(&v), "web: running, pid 4242, up 1h01m, "
	    "monitor 30320, control 30420");
	CHECK_STR(b = line_of(&back), a);
	free(a);
	free(b);
	CHECK(back.lsb == 0 && back.config_ok == 1 && back.slot == 3);
	CHECK(back.snapshot == 1 && back.agent == 0);
	CHECK_STR(back.runas, "root");
	CHECK_STR(back.firmware, "uefi");
	json_free(&doc);
	free(text);
}

TEST(report_rows_and_lines_of_each_state)
{
	struct report_vm v;
	char *s;

	running(&v);
	v.qemu_state = "monitor busy";
	v.snapshot = v.agent = -1;
	v.firmware = v.runas = NULL;
	CHECK_STR(s = row_of(&v), "web webserver busy 4242 30320 30420 "
	    "127.0.0.1:3 - Web server\n");
	free(s);
	v.agent = 1;
	v.kernel = "/boot/vmlinuz";
	v.runas = "qemu-init";		/* the usual: not said */
	CHECK_STR(s = row_of(&v), "web webserver busy 4242 30320 30420 "
	    "127.0.0.1:3 agent,kernel Web server\n");
	free(s);
	v.qemu_state = "paused";
	v.monitor = "unix";
	v.hmp_socket = "/run/qemu-init/web@hmp";
	v.qmp_socket = "/run/qemu-init/web@qmp";
	CHECK_STR(s = line_of(&v), "web: running, pid 4242, up 1h01m, "
	    "monitor /run/qemu-init/web@hmp, control /run/qemu-init/web@qmp, "
	    "qemu paused");
	free(s);
	v.started = REPORT_NONE;	/* a start cut short */
	CHECK_STR(s = line_of(&v), "web: running, pid 4242, its start was "
	    "cut short (ports unknown: qemu-init restart web), qemu paused");
	free(s);
	running(&v);
	v.state = "dead";
	v.console_log = "/run/qemu-init/webserver@console.log";
	CHECK_STR(s = line_of(&v), "web: dead (pid 4242 gone, state left): "
	    "QEMU crashed; its console log is "
	    "/run/qemu-init/webserver@console.log, and start recovers it");
	free(s);
	v.pid = REPORT_NONE;
	CHECK_STR(s = line_of(&v), "web: dead (state file unreadable): start "
	    "recovers it");
	free(s);
	memset(&v, 0, sizeof(v));
	v.config_ok = 0;
	v.lsb = -1;
	v.shortname = "db";
	v.name = "db";
	v.state = "stopped";
	v.pid = v.started = v.uptime = v.slot = v.monport = v.ctlport =
	    REPORT_NONE;
	v.snapshot = v.agent = -1;
	CHECK_STR(s = row_of(&v), "db db stopped - - - - - "
	    "(config error: see qemu-init check)\n");
	free(s);
	CHECK_STR(s = line_of(&v), "db: stopped");
	free(s);
}

TEST(report_text_lines)
{
	struct strbuf text;
	struct report r = { NULL, &text };
	struct report_vm v;

	running(&v);
	v.vm = NULL;
	v.config_ok = v.lsb = -1;
	sb_init(&text);
	report_vm_members(&r, &v);
	CHECK(strstr(text.s, "\nstate:         running\n") != NULL);
	CHECK(strstr(text.s, "\nuptime:        1h01m\n") != NULL);
	CHECK(strstr(text.s, "\nhmp_socket:    -\n") != NULL);
	CHECK(strstr(text.s, "config_ok") == NULL);
	report_bool(&r, "a_very_long_key_name", 1);
	CHECK(strstr(text.s, "\na_very_long_key_name: yes\n") != NULL);
	sb_free(&text);
}

TEST(report_read_what_a_hostile_host_sends)
{
	static const char doc[] = "{\"state\": 7, \"pid\": \"42\", "
	    "\"monport\": 1.5, \"uptime\": 99999999999999999999999, "
	    "\"name\": \"e\\u001bvil\", \"lsb\": 300, \"config_ok\": null}";
	struct report_vm v;
	struct json j;
	const char *why;
	char *s;

	CHECK(json_parse(&j, doc, sizeof(doc) - 1, &why) == 0);
	CHECK(report_vm_read(&v, &j) == 0);
	CHECK_STR(v.state, "unknown");
	CHECK(v.pid == REPORT_NONE && v.monport == REPORT_NONE &&
	    v.uptime == REPORT_NONE && v.lsb == -1 && v.config_ok == -1);
	CHECK_STR(s = row_of(&v), "- e\\x1bvil unknown - - - - -\n");
	free(s);
	json_free(&j);
	CHECK(report_vm_read(&v, NULL) == -1);
}
