/*
 * qmp.c - the QMP client.
 */
#include <stdlib.h>
#include <string.h>

#include "qmp.h"

/*
 * Reads the next message; events are noted and skipped unless
 * want_event.  A SOCK_ code: timeouts and closed connections are left
 * for the caller to word, other failures are in d.
 */
static int
read_message(struct qmp *q, long long deadline, struct json *msg,
    int want_event, struct diag *d)
{
	const char *why, *ev;
	char *line;
	int rc;

	for (;;) {
		rc = sock_read_line(&q->r, deadline, QMP_REPLY_MAX, &line, d);
		if (rc != SOCK_OK)
			return rc;
		if (line[0] == '\0') {
			free(line);
			continue;
		}
		why = NULL;
		if (json_parse(msg, line, strlen(line), &why) == 0 &&
		    msg->type != JSON_OBJECT) {
			json_free(msg);
			why = "not an object";
		}
		if (why != NULL) {
			diag_error(d, "monitor of '%s' sent what is not QMP "
			    "(%s)", q->vm, why);
			free(line);
			return SOCK_FAILED;
		}
		if ((ev = json_get_string(msg, "event")) != NULL) {
			if (strcmp(ev, "SHUTDOWN") == 0)
				q->shutdown = 1;
			if (!want_event) {
				json_free(msg);
				free(line);
				continue;
			}
		}
		free(q->last);
		q->last = line;
		return SOCK_OK;
	}
}

/* Words a failed read or write; returns QMP_UNREACHABLE. */
static int
unreachable(struct qmp *q, int rc, struct diag *d)
{
	if (rc == SOCK_TIMEOUT)
		diag_error(d, "monitor of '%s' did not answer in %d ms", q->vm,
		    q->timeout_ms);
	else if (rc == SOCK_REFUSED)
		diag_error(d, "monitor of '%s' closed the connection", q->vm);
	return QMP_UNREACHABLE;
}

static int
send_line(struct qmp *q, const char *command, struct diag *d)
{
	struct strbuf sb;
	int rc;

	sb_init(&sb);
	sb_adds(&sb, command);
	sb_addc(&sb, '\n');
	rc = sock_write_all(q->r.fd, sb.s, sb.len, now_ms() + q->timeout_ms,
	    d);
	sb_free(&sb);
	return rc == SOCK_OK ? QMP_OK : unreachable(q, rc, d);
}

/* Reads the reply to a command sent: QMP_OK with it in reply (or freed). */
static int
read_reply(struct qmp *q, struct json *reply, struct diag *d)
{
	const struct json *err;
	const char *desc;
	struct json msg;
	int rc;

	for (;;) {
		rc = read_message(q, now_ms() + q->timeout_ms, &msg, 0, d);
		if (rc != SOCK_OK)
			return unreachable(q, rc, d);
		if ((err = json_get(&msg, "error")) != NULL) {
			desc = json_get_string(err, "desc");
			diag_error(d, "%s", desc != NULL ? desc :
			    "the monitor reported an error");
			json_free(&msg);
			return QMP_FAILED;
		}
		if (json_get(&msg, "return") != NULL)
			break;
		json_free(&msg);	/* neither: not ours, skip it */
	}
	if (reply != NULL)
		*reply = msg;
	else
		json_free(&msg);
	return QMP_OK;
}

int
qmp_execute(struct qmp *q, const char *command, struct json *reply,
    struct diag *d)
{
	int rc;

	if ((rc = send_line(q, command, d)) != QMP_OK)
		return rc;
	return read_reply(q, reply, d);
}

int
qmp_query(struct qmp *q, const char *name, const char *key, char **value,
    struct diag *d)
{
	struct json reply;
	const char *v;
	char *cmd;
	int rc;

	cmd = xasprintf("{\"execute\":\"%s\"}", name);
	rc = qmp_execute(q, cmd, &reply, d);
	free(cmd);
	if (rc != QMP_OK)
		return rc;
	v = json_get_string(json_get(&reply, "return"), key);
	*value = v != NULL ? xstrdup(v) : NULL;
	json_free(&reply);
	return QMP_OK;
}

/* The greeting, capabilities and the identity check. */
static int
handshake(struct qmp *q, const char *where, struct diag *d)
{
	struct json msg;
	const char *v;
	char *name = NULL;
	int rc;

	rc = read_message(q, now_ms() + QMP_GREETING_MS, &msg, 0, d);
	if (rc == SOCK_TIMEOUT) {
		diag_error(d, "monitor of '%s' is busy (another client is "
		    "connected)", q->vm);
		return QMP_UNREACHABLE;
	}
	if (rc != SOCK_OK)
		return unreachable(q, rc, d);
	if (json_get(&msg, "QMP") == NULL) {
		json_free(&msg);
		diag_error(d, "%s does not speak QMP: it is not the monitor "
		    "of '%s'", where, q->vm);
		return QMP_UNREACHABLE;
	}
	json_free(&msg);
	/* Both at once: QEMU answers in order, and it saves a round trip. */
	if (send_line(q, "{\"execute\":\"qmp_capabilities\"}\n"
	    "{\"execute\":\"query-name\"}", d) != QMP_OK ||
	    read_reply(q, NULL, d) != QMP_OK || read_reply(q, &msg, d) != QMP_OK)
		return QMP_UNREACHABLE;
	if ((v = json_get_string(json_get(&msg, "return"), "name")) != NULL)
		name = xstrdup(v);
	json_free(&msg);
	if (name == NULL || strcmp(name, q->vm) != 0) {
		diag_error(d, "%s answers as VM '%s', not '%s': nothing sent",
		    where, name != NULL ? name : "(unnamed)", q->vm);
		free(name);
		return QMP_UNREACHABLE;
	}
	free(name);
	return QMP_OK;
}

static void
init(struct qmp *q, const char *vm, int fd, int timeout_ms)
{
	memset(q, 0, sizeof(*q));
	sock_reader_init(&q->r, fd);
	q->vm = xstrdup(vm);
	q->timeout_ms = timeout_ms;
}

int
qmp_open(struct qmp *q, const char *vm, unsigned port, int timeout_ms,
    struct diag *d)
{
	char *where;
	int fd, rc;

	fd = sock_connect_loopback(port, now_ms() + timeout_ms, d);
	init(q, vm, fd, timeout_ms);
	if (fd == SOCK_REFUSED)
		diag_error(d, "'%s' is not running (nothing listens on port "
		    "%u)", vm, port);
	else if (fd == SOCK_TIMEOUT)
		diag_error(d, "cannot reach the monitor of '%s' on port %u: "
		    "timed out", vm, port);
	if (fd < 0)
		return QMP_UNREACHABLE;
	where = xasprintf("port %u", port);
	rc = handshake(q, where, d);
	free(where);
	return rc;
}

int
qmp_open_unix(struct qmp *q, const char *vm, const char *path,
    int timeout_ms, struct diag *d)
{
	int fd;

	fd = sock_connect_unix(path, d);
	init(q, vm, fd, timeout_ms);
	if (fd == SOCK_REFUSED)
		diag_error(d, "'%s' is not running (nothing listens on %s)",
		    vm, path);
	if (fd < 0)
		return QMP_UNREACHABLE;
	return handshake(q, path, d);
}

void
qmp_close(struct qmp *q)
{
	sock_reader_free(&q->r);
	free(q->vm);
	free(q->last);
	q->vm = q->last = NULL;
}

/* HMP reports failures as text: these are the forms that say so. */
static int
hmp_failed(const char *out)
{
	return strncmp(out, "unknown command:", 16) == 0 ||
	    strncmp(out, "Error: ", 7) == 0 || strstr(out, "\nError: ") != NULL;
}

int
qmp_hmp(struct qmp *q, const char *cmdline, struct strbuf *out,
    struct diag *d)
{
	struct json reply;
	struct strbuf cmd;
	const struct json *ret;
	const char *s;
	int rc;

	sb_init(&cmd);
	sb_adds(&cmd, "{\"execute\":\"human-monitor-command\","
	    "\"arguments\":{\"command-line\":");
	if (json_quote(&cmd, cmdline) != 0) {
		sb_free(&cmd);
		diag_error(d, "the command line is not valid UTF-8: not sent");
		return QMP_FAILED;
	}
	sb_adds(&cmd, "}}");
	rc = qmp_execute(q, cmd.s, &reply, d);
	sb_free(&cmd);
	if (rc != QMP_OK)
		return rc;
	ret = json_get(&reply, "return");
	s = ret->type == JSON_STRING ? ret->text : "";
	if (hmp_failed(s)) {
		rc = QMP_FAILED;
		diag_error(d, "%.*s", (int)strcspn(s, "\r\n"), s);
	}
	for (; *s != '\0'; s++)
		if (!(s[0] == '\r' && s[1] == '\n'))
			sb_addc(out, *s);
	json_free(&reply);
	return rc;
}
