/*
 * report.c - one record of a VM, written as JSON, text lines, a table
 * row or a status line, and read back from JSON.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "json.h"
#include "jsonw.h"
#include "registry.h"
#include "report.h"
#include "table.h"
#include "vminfo.h"

#define KEY_WIDTH	15	/* info's "key:" and the blanks after it */

const char *const report_list_head[REPORT_LIST_COLUMNS] = {
	"NAME", "LONGNAME", "STATE", "PID", "MONPORT", "CTLPORT", "VNC",
	"WITH", "DESCRIPTION"
};

void
report_string(struct report *r, const char *key, const char *s)
{
	size_t len = strlen(key);

	if (r->w != NULL)
		jsonw_string(r->w, key, s);
	else
		sb_addf(r->text, "%s:%*s%s\n", key, (int)(len + 1 < KEY_WIDTH ?
		    KEY_WIDTH - len - 1 : 1), "", s != NULL ? s : "-");
}

void
report_number(struct report *r, const char *key, long long n,
    const char *text)
{
	char buf[32];

	if (r->w != NULL && n != REPORT_NONE)
		jsonw_number(r->w, key, n);
	else if (r->w != NULL)
		jsonw_null(r->w, key);
	else {
		(void)snprintf(buf, sizeof(buf), "%lld", n);
		report_string(r, key, n == REPORT_NONE ? NULL :
		    text != NULL ? text : buf);
	}
}

void
report_bool(struct report *r, const char *key, int b)
{
	if (r->w != NULL && b >= 0)
		jsonw_bool(r->w, key, b);
	else if (r->w != NULL)
		jsonw_null(r->w, key);
	else
		report_string(r, key, b < 0 ? NULL : b ? "yes" : "no");
}

/* "42s", "17m", "3h05m", "2d04h". Caller frees. */
static char *
report_uptime(long long t)
{
	if (t < 60)
		return xasprintf("%llds", t);
	if (t < 3600)
		return xasprintf("%lldm", t / 60);
	if (t < 86400)
		return xasprintf("%lldh%02lldm", t / 3600, t / 60 % 60);
	return xasprintf("%lldd%02lldh", t / 86400, t / 3600 % 24);
}

static const char *
run_word(enum vm_run run)
{
	return run == VM_RUNNING ? "running" : run == VM_DEAD ? "dead" :
	    "stopped";
}

void
report_vm_of(struct report_vm *v, const struct vm_ref *ref,
    const struct vm_info *in, const char *config_desc)
{
	const struct vm_state *st = &in->st;
	int on = in->run == VM_RUNNING && st->recorded;

	memset(v, 0, sizeof(*v));
	v->config_ok = v->lsb = -1;
	v->shortname = ref != NULL ? ref->shortname : NULL;
	v->name = ref != NULL ? ref->name : NULL;
	v->config = in->has_facts && st->cfgpath != NULL ? st->cfgpath :
	    ref != NULL ? ref->cfgpath : NULL;
	v->description = in->has_facts ? st->desc : config_desc;
	v->state = ref != NULL ? run_word(in->run) : "unknown";
	v->qemu_state = in->qemu_state;
	v->pid = in->run != VM_STOPPED && st->qemu.pid > 0 ?
	    (long long)st->qemu.pid : REPORT_NONE;
	v->started = on ? st->started : REPORT_NONE;
	v->uptime = in->uptime >= 0 ? in->uptime : REPORT_NONE;
	v->slot = on ? (long long)st->slot : REPORT_NONE;
	v->monitor = !on ? NULL : st->unix_monitors ? "unix" : "tcp";
	v->monport = on && !st->unix_monitors ? (long long)st->monport :
	    REPORT_NONE;
	v->ctlport = on && !st->unix_monitors ? (long long)st->ctlport :
	    REPORT_NONE;
	v->hmp_socket = in->hmp;
	v->qmp_socket = in->qmp;
	v->vnc = on ? st->vnc : NULL;
	v->console_log = in->console_log;
	v->runas = in->has_facts ? st->runas : NULL;
	v->snapshot = in->has_facts ? st->snapshot : -1;
	v->agent = in->has_facts ? st->agent : -1;
	v->firmware = in->has_facts ? st->firmware : NULL;
	v->kernel = in->has_facts ? st->kernel : NULL;
}

/* A member as a whole number, or REPORT_NONE. */
static long long
get_number(const struct json *obj, const char *key)
{
	const struct json *j = json_get(obj, key);
	long long n;
	char *end;

	if (j == NULL || j->type != JSON_NUMBER)
		return REPORT_NONE;
	errno = 0;
	n = strtoll(j->text, &end, 10);
	return *end == '\0' && errno == 0 && n != REPORT_NONE ? n :
	    REPORT_NONE;
}

static int
get_bool(const struct json *obj, const char *key)
{
	const struct json *j = json_get(obj, key);

	return j == NULL ? -1 : j->type == JSON_TRUE ? 1 :
	    j->type == JSON_FALSE ? 0 : -1;
}

int
report_vm_read(struct report_vm *v, const struct json *obj)
{
	long long lsb;

	memset(v, 0, sizeof(*v));
	v->config_ok = v->lsb = v->snapshot = v->agent = -1;
	if (obj == NULL || obj->type != JSON_OBJECT)
		return -1;
	v->vm = json_get_string(obj, "vm");
	v->shortname = json_get_string(obj, "shortname");
	v->name = json_get_string(obj, "name");
	v->config = json_get_string(obj, "config");
	v->description = json_get_string(obj, "description");
	v->state = json_get_string(obj, "state");
	if (v->state == NULL)
		v->state = "unknown";
	v->qemu_state = json_get_string(obj, "qemu_state");
	v->pid = get_number(obj, "pid");
	v->started = get_number(obj, "started");
	v->uptime = get_number(obj, "uptime");
	v->slot = get_number(obj, "slot");
	v->monitor = json_get_string(obj, "monitor");
	v->monport = get_number(obj, "monport");
	v->ctlport = get_number(obj, "ctlport");
	v->hmp_socket = json_get_string(obj, "hmp_socket");
	v->qmp_socket = json_get_string(obj, "qmp_socket");
	v->vnc = json_get_string(obj, "vnc");
	v->console_log = json_get_string(obj, "console_log");
	v->runas = json_get_string(obj, "runas");
	v->snapshot = get_bool(obj, "snapshot");
	v->agent = get_bool(obj, "agent");
	v->firmware = json_get_string(obj, "firmware");
	v->kernel = json_get_string(obj, "kernel");
	v->config_ok = get_bool(obj, "config_ok");
	lsb = get_number(obj, "lsb");
	v->lsb = lsb >= 0 && lsb <= 255 ? (int)lsb : -1;
	return 0;
}

void
report_vm_members(struct report *r, const struct report_vm *v)
{
	char *up, started[64];
	struct tm tm;
	time_t t = (time_t)v->started;

	if (v->vm != NULL)
		report_string(r, "vm", v->vm);
	report_string(r, "shortname", v->shortname);
	report_string(r, "name", v->name);
	report_string(r, "config", v->config);
	report_string(r, "description", v->description);
	report_string(r, "state", v->state);
	report_string(r, "qemu_state", v->qemu_state);
	report_number(r, "pid", v->pid, NULL);
	if (v->started == REPORT_NONE || localtime_r(&t, &tm) == NULL ||
	    strftime(started, sizeof(started), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		started[0] = '\0';
	report_number(r, "started", v->started, started);
	up = v->uptime != REPORT_NONE ? report_uptime(v->uptime) : NULL;
	report_number(r, "uptime", v->uptime, up);
	free(up);
	report_number(r, "slot", v->slot, NULL);
	report_string(r, "monitor", v->monitor);
	report_number(r, "monport", v->monport, NULL);
	report_number(r, "ctlport", v->ctlport, NULL);
	report_string(r, "hmp_socket", v->hmp_socket);
	report_string(r, "qmp_socket", v->qmp_socket);
	report_string(r, "vnc", v->vnc);
	report_string(r, "console_log", v->console_log);
	report_string(r, "runas", v->runas);
	report_bool(r, "snapshot", v->snapshot);
	report_bool(r, "agent", v->agent);
	report_string(r, "firmware", v->firmware);
	report_string(r, "kernel", v->kernel);
	if (v->config_ok >= 0)
		report_bool(r, "config_ok", v->config_ok);
	if (v->lsb >= 0)
		report_number(r, "lsb", v->lsb, NULL);
}

static int
is(const char *s, const char *word)
{
	return s != NULL && strcmp(s, word) == 0;
}

/*
 * list's WITH column: what the VM runs with beyond the usual, as words
 * ("snapshot,agent,uefi,kernel,as=root"), or "" when nothing; caller
 * frees.
 */
static char *
report_with(const struct report_vm *v)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_adds(&sb, "");
	if (v->snapshot == 1)
		sb_adds(&sb, ",snapshot");
	if (v->agent == 1)
		sb_adds(&sb, ",agent");
	if (is(v->firmware, "uefi"))
		sb_adds(&sb, ",uefi");
	if (v->kernel != NULL)
		sb_adds(&sb, ",kernel");
	if (v->runas != NULL && !is(v->runas, "qemu-init"))
		sb_addf(&sb, ",as=%s", v->runas);
	if (sb.len > 0)
		sb_consume(&sb, 1);
	return sb_detach(&sb);
}

void
report_list_row(struct table *t, const struct report_vm *v)
{
	int running = is(v->state, "running");
	int on = running && v->started != REPORT_NONE;
	const char *state = v->state, *desc = v->description;
	char *with;

	if (running && v->qemu_state != NULL)
		state = strchr(v->qemu_state, ' ') != NULL ? "busy" :
		    v->qemu_state;
	if (desc == NULL)
		desc = v->config_ok == 0 && is(v->state, "stopped") ?
		    "(config error: see qemu-init check)" : "";
	table_add(t, v->shortname);
	table_add(t, v->name);
	table_add(t, state);
	if (running && v->pid != REPORT_NONE)
		table_addll(t, v->pid);
	else
		table_add(t, NULL);
	if (on && is(v->monitor, "unix")) {
		table_add(t, "unix");
		table_add(t, "unix");
	} else {
		if (on && v->monport != REPORT_NONE)
			table_addll(t, v->monport);
		else
			table_add(t, NULL);
		if (on && v->ctlport != REPORT_NONE)
			table_addll(t, v->ctlport);
		else
			table_add(t, NULL);
	}
	table_add(t, on ? v->vnc : NULL);
	with = report_with(v);
	table_add(t, with[0] != '\0' ? with : NULL);
	free(with);
	table_add(t, desc);
}

/* A running VM's "monitor M, control C". */
static void
add_monitors(struct strbuf *sb, const struct report_vm *v)
{
	if (is(v->monitor, "unix"))
		sb_addf(sb, ", monitor %s, control %s", v->hmp_socket != NULL ?
		    v->hmp_socket : "-", v->qmp_socket != NULL ?
		    v->qmp_socket : "-");
	else if (v->monport != REPORT_NONE && v->ctlport != REPORT_NONE)
		sb_addf(sb, ", monitor %lld, control %lld", v->monport,
		    v->ctlport);
}

void
report_status_line(struct strbuf *sb, const struct report_vm *v)
{
	const char *label = v->vm != NULL ? v->vm : v->name != NULL ?
	    v->name : "-";
	char *up;

	if (is(v->state, "running")) {
		sb_addf(sb, "%s: running, pid %lld", label, v->pid);
		if (v->started == REPORT_NONE)
			sb_addf(sb, ", its start was cut short (ports unknown: "
			    "qemu-init restart %s)", label);
		else {
			up = report_uptime(v->uptime != REPORT_NONE ?
			    v->uptime : 0);
			sb_addf(sb, ", up %s", up);
			free(up);
			add_monitors(sb, v);
		}
		if (v->qemu_state != NULL && !is(v->qemu_state, "running"))
			sb_addf(sb, ", qemu %s", v->qemu_state);
	} else if (is(v->state, "dead") && v->pid != REPORT_NONE) {
		sb_addf(sb, "%s: dead (pid %lld gone, state left): QEMU "
		    "crashed", label, v->pid);
		if (v->console_log != NULL)
			sb_addf(sb, "; its console log is %s",
			    v->console_log);
		sb_adds(sb, ", and start recovers it");
	} else if (is(v->state, "dead"))
		sb_addf(sb, "%s: dead (state file unreadable): start recovers "
		    "it", label);
	else
		sb_addf(sb, "%s: %s", label, v->state != NULL ? v->state :
		    "unknown");
}
