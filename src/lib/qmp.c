/*
 * qmp.c - the QMP client.  Every command carries an id, and its reply is
 * the message that carries the same id: events, and replies to commands
 * given up on earlier, are skipped.  Each request has one deadline.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"
#include "qmp.h"

#define HOLDERS_MS	500	/* looking for who holds a busy port */

/*
 * Reads the next message, a JSON object, by the deadline: its tree in
 * msg and its text in *text (caller frees both).  A SOCK_ code:
 * timeouts and closed connections are left for the caller to word,
 * other failures are in d.
 */
static int
read_message(struct qmp *q, long long deadline, struct json *msg,
    char **text, struct diag *d)
{
	const char *why = NULL;
	char *line;
	int rc;

	for (;;) {
		rc = sock_read_line(&q->r, deadline, QMP_REPLY_MAX, &line, d);
		if (rc != SOCK_OK)
			return rc;
		if (line[0] != '\0')
			break;
		free(line);
	}
	if (json_parse(msg, line, strlen(line), &why) == 0 &&
	    msg->type != JSON_OBJECT) {
		json_free(msg);
		why = "not an object";
	}
	if (why != NULL) {
		diag_error(d, "monitor of '%s' sent what is not QMP (%s)",
		    q->vm, why);
		free(line);
		return SOCK_FAILED;
	}
	*text = line;
	return SOCK_OK;
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

/* command as a tree in j (json_free it): 0, or -1 with why in d. */
static int
parse_command(const char *command, struct json *j, struct diag *d)
{
	const struct json *id;
	const char *why;

	if (json_parse(j, command, strlen(command), &why) != 0) {
		diag_error(d, "not JSON: %s", why);
		return -1;
	}
	id = json_get(j, "id");
	if (j->type != JSON_OBJECT)
		why = "not a JSON object";
	else if (id != NULL && id->type != JSON_STRING)
		why = "its \"id\" is not a string";
	else
		return 0;
	diag_error(d, "%s", why);
	json_free(j);
	return -1;
}

int
qmp_command_check(const char *command, struct diag *d)
{
	struct json j;

	if (parse_command(command, &j, d) != 0)
		return -1;
	json_free(&j);
	return 0;
}

/*
 * Appends command to line with an id: its own when it has one, else the
 * next of ours.  The id in *id (caller frees); QMP_OK, or QMP_FAILED
 * with why in d (nothing appended).
 */
static int
add_request(struct qmp *q, const char *command, struct strbuf *line,
    char **id, struct diag *d)
{
	const struct json *own;
	struct json j;
	const char *p;

	if (parse_command(command, &j, d) != 0)
		return QMP_FAILED;
	if ((own = json_get(&j, "id")) != NULL) {
		*id = xstrdup(own->text);
		sb_adds(line, command);
	} else {
		*id = xasprintf("qinit-%u", ++q->next_id);
		p = strchr(command, '{') + 1;	/* an object: it has one */
		sb_add(line, command, (size_t)(p - command));
		sb_addf(line, "\"id\":\"%s\"", *id);
		if (p[strspn(p, " \t\r\n")] != '}')
			sb_addc(line, ',');
		sb_adds(line, p);
	}
	sb_addc(line, '\n');
	json_free(&j);
	return QMP_OK;
}

/* The line, with pass (unless -1) going along with it. */
static int
send_line(struct qmp *q, const struct strbuf *line, int pass,
    long long deadline, struct diag *d)
{
	int rc;

	rc = pass >= 0 ? sock_write_fd(q->r.fd, line->s, line->len, pass,
	    deadline, d) : sock_write_all(q->r.fd, line->s, line->len,
	    deadline, d);
	return rc == SOCK_OK ? QMP_OK : unreachable(q, rc, d);
}

/* An event that came while a reply was awaited: kept, or dropped. */
static void
keep_event(struct qmp *q, struct json *msg)
{
	if (!q->keep_events) {
		json_free(msg);
		return;
	}
	if (q->nevents == QMP_EVENTS_KEPT) {
		json_free(&q->events[0]);
		memmove(q->events, q->events + 1, --q->nevents *
		    sizeof(*q->events));
	}
	if (q->events == NULL)
		q->events = xcalloc(QMP_EVENTS_KEPT, sizeof(*q->events));
	q->events[q->nevents++] = *msg;
}

int
qmp_event(struct qmp *q, long long deadline, struct json *event,
    struct diag *d)
{
	struct json msg;
	char *text;
	int rc;

	if (q->nevents > 0) {
		*event = q->events[0];
		memmove(q->events, q->events + 1, --q->nevents *
		    sizeof(*q->events));
		return 1;
	}
	for (;;) {
		rc = read_message(q, deadline, &msg, &text, d);
		if (rc == SOCK_TIMEOUT)
			return 0;
		if (rc != SOCK_OK) {
			(void)unreachable(q, rc, d);
			return -1;
		}
		free(text);
		if (json_get(&msg, "event") != NULL) {
			*event = msg;
			return 1;
		}
		json_free(&msg);	/* a reply given up on */
	}
}

/*
 * Reads the reply to the command sent with id, by the deadline however
 * much else arrives: QMP_OK with it in reply (or freed); QMP_FAILED with
 * QEMU's error in d; QMP_UNREACHABLE.  The reply's text is kept in
 * q->last.  An error with no id is QEMU's answer to what it could not
 * read as a command: it is taken as this command's.
 */
static int
read_reply(struct qmp *q, const char *id, long long deadline,
    struct json *reply, struct diag *d)
{
	const struct json *err, *got;
	const char *desc;
	struct json msg;
	char *text;
	int rc;

	for (;;) {
		rc = read_message(q, deadline, &msg, &text, d);
		if (rc != SOCK_OK)
			return unreachable(q, rc, d);
		got = json_get(&msg, "id");
		err = json_get(&msg, "error");
		if (json_get(&msg, "event") == NULL &&
		    (json_get(&msg, "return") != NULL || err != NULL) &&
		    (got != NULL ? got->type == JSON_STRING &&
		    strcmp(got->text, id) == 0 : err != NULL))
			break;
		if (json_get(&msg, "event") != NULL)
			keep_event(q, &msg);
		else
			json_free(&msg);	/* not ours: skipped */
		free(text);
		if (now_ms() >= deadline)
			return unreachable(q, SOCK_TIMEOUT, d);
	}
	free(q->last);
	q->last = text;
	if (err != NULL) {
		desc = json_get_string(err, "desc");
		diag_error(d, "%s%s", got == NULL ? "the monitor could not "
		    "read the command: " : "", desc != NULL ? desc :
		    "the monitor reported an error");
		json_free(&msg);
		return QMP_FAILED;
	}
	if (reply != NULL)
		*reply = msg;
	else
		json_free(&msg);
	return QMP_OK;
}

/* qmp_execute, with pass (unless -1) sent along with the command. */
static int
execute(struct qmp *q, const char *command, int pass, struct json *reply,
    struct diag *d)
{
	long long deadline = now_ms() + q->timeout_ms;
	struct strbuf line;
	char *id = NULL;
	int rc;

	free(q->last);
	q->last = NULL;
	sb_init(&line);
	rc = add_request(q, command, &line, &id, d);
	if (rc == QMP_OK)
		rc = send_line(q, &line, pass, deadline, d);
	if (rc == QMP_OK)
		rc = read_reply(q, id, deadline, reply, d);
	sb_free(&line);
	free(id);
	return rc;
}

int
qmp_execute(struct qmp *q, const char *command, struct json *reply,
    struct diag *d)
{
	return execute(q, command, -1, reply, d);
}

int
qmp_execute_fd(struct qmp *q, const char *command, int pass,
    struct json *reply, struct diag *d)
{
	if (pass < 0) {
		diag_error(d, "no descriptor to pass");
		return QMP_FAILED;
	}
	return execute(q, command, pass, reply, d);
}

int
qmp_executef(struct qmp *q, struct json *reply, struct diag *d,
    const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int rc;

	va_start(ap, fmt);
	cmd = xvasprintf(fmt, ap);
	va_end(ap);
	rc = qmp_execute(q, cmd, reply, d);
	free(cmd);
	return rc;
}

int
qmp_pass_fd(struct qmp *q, const char *fdname, int fd, struct diag *d)
{
	char *cmd;
	int rc;

	if (fdname[0] == '\0' || strlen(fdname) > QMP_FDNAME_MAX ||
	    fdname[strspn(fdname, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")] != '\0') {
		diag_error(d, "'%s' cannot name a descriptor for QEMU", fdname);
		return QMP_FAILED;
	}
	cmd = xasprintf("{\"execute\":\"getfd\",\"arguments\":"
	    "{\"fdname\":\"%s\"}}", fdname);
	rc = qmp_execute_fd(q, cmd, fd, NULL, d);
	free(cmd);
	return rc;
}

/* {"execute": name} in cmd: 0, or -1 with why in d. */
static int
query_command(const char *name, struct strbuf *cmd, struct diag *d)
{
	sb_adds(cmd, "{\"execute\":");
	if (json_quote(cmd, name) != 0) {
		diag_error(d, "a QMP command name is not valid UTF-8");
		return -1;
	}
	sb_addc(cmd, '}');
	return 0;
}

/* The "return" member's string member key of reply, which is freed. */
static void
query_value(struct json *reply, const char *key, char **value)
{
	const char *v;

	v = json_get_string(json_get(reply, "return"), key);
	*value = v != NULL ? xstrdup(v) : NULL;
	json_free(reply);
}

int
qmp_query(struct qmp *q, const char *name, const char *key, char **value,
    struct diag *d)
{
	struct json reply;
	struct strbuf cmd;
	int rc = QMP_FAILED;

	sb_init(&cmd);
	if (query_command(name, &cmd, d) == 0)
		rc = qmp_execute(q, cmd.s, &reply, d);
	sb_free(&cmd);
	if (rc == QMP_OK)
		query_value(&reply, key, value);
	return rc;
}

void
qmp_busy_error(const char *vm, unsigned port, struct diag *d)
{
	char *holders;

	holders = port != 0 ? sock_port_holders(port, now_ms() + HOLDERS_MS) :
	    NULL;
	if (holders != NULL)
		diag_error(d, "monitor of '%s' is busy: held by %s", vm,
		    holders);
	else
		diag_error(d, "monitor of '%s' is busy (another client is "
		    "connected)", vm);
	free(holders);
}

/*
 * What a handshake sends before the greeting has come: capabilities,
 * and the question of who answers when that is not known (query-name,
 * whose reply counts: if capabilities failed, QEMU refuses it too).
 * Both are harmless wherever they go.  The id of query-name in *id.
 */
static void
hello(struct qmp *q, const struct proc_id *qemu, struct strbuf *line,
    char **id)
{
	*id = NULL;
	(void)add_request(q, "{\"execute\":\"qmp_capabilities\"}", line,
	    id, NULL);
	free(*id);
	*id = NULL;
	if (qemu == NULL)
		(void)add_request(q, "{\"execute\":\"query-name\"}", line, id,
		    NULL);
}

/*
 * After the hello: the greeting, and who answers, by one deadline; port
 * (0 for a unix socket) names who holds a busy monitor.  With qemu, the
 * caller knows that it answers while it runs; else it is asked its
 * name (its reply's id is id).
 */
static int
handshake(struct qmp *q, unsigned port, const char *where,
    const struct proc_id *qemu, const char *id, long long deadline,
    struct diag *d)
{
	long long greeted = now_ms() + QMP_GREETING_MS;
	struct json msg;
	const char *v;
	char *text;
	int rc;

	rc = read_message(q, greeted < deadline ? greeted : deadline, &msg,
	    &text, d);
	if (rc == SOCK_TIMEOUT) {
		qmp_busy_error(q->vm, port, d);
		return QMP_BUSY;
	}
	if (rc != SOCK_OK)
		return unreachable(q, rc, d);
	free(text);
	rc = json_get(&msg, "QMP") != NULL;
	json_free(&msg);
	if (!rc) {
		diag_error(d, "%s does not speak QMP: it is not the monitor "
		    "of '%s'", where, q->vm);
		return QMP_UNREACHABLE;
	}
	/* It listened there from its start, and has not ended since. */
	if (qemu != NULL)
		return qmp_still_runs(q->vm, qemu, d) == 0 ? QMP_OK :
		    QMP_UNREACHABLE;
	if (read_reply(q, id, deadline, &msg, d) != QMP_OK)
		return QMP_UNREACHABLE;
	v = json_get_string(json_get(&msg, "return"), "name");
	if (v == NULL || strcmp(v, q->vm) != 0) {
		diag_error(d, "%s answers as VM '%s', not '%s': nothing sent",
		    where, v != NULL ? v : "(unnamed)", q->vm);
		json_free(&msg);
		return QMP_UNREACHABLE;
	}
	json_free(&msg);
	return QMP_OK;
}

int
qmp_peer_is(int fd, const char *vm, const char *where,
    const struct proc_id *qemu, struct diag *d)
{
	long peer;

	/* Who listens came with the connect: nothing is sent to another. */
	if ((peer = sock_peer_pid(fd)) == (long)qemu->pid)
		return 0;
	diag_error(d, "%s is not the monitor of '%s' (pid %ld listens there, "
	    "not its QEMU, pid %ld): nothing sent", where, vm, peer,
	    (long)qemu->pid);
	return -1;
}

int
qmp_still_runs(const char *vm, const struct proc_id *qemu, struct diag *d)
{
	if (proc_alive(qemu))
		return 0;
	diag_error(d, "'%s' is not running (its QEMU, pid %ld, is gone): "
	    "nothing sent", vm, (long)qemu->pid);
	return -1;
}

void
qmp_init(struct qmp *q, const char *vm, int timeout_ms)
{
	memset(q, 0, sizeof(*q));
	sock_reader_init(&q->r, -1);
	q->vm = xstrdup(vm);
	q->timeout_ms = timeout_ms;
}

/*
 * Whether qemu runs in another network namespace than ours, whose
 * loopback we cannot reach: if so, says so and where to go.
 */
int
qmp_other_netns(const char *vm, unsigned port, const struct proc_id *qemu,
    struct diag *d)
{
	char *ns;

	if (proc_other_netns(qemu, &ns) != 1)
		return 0;
	if (ns != NULL)
		diag_error(d, "'%s' runs (pid %ld) in network namespace '%s', "
		    "not in this one: port %u of its loopback cannot be reached "
		    "from here (run the command there: ip netns exec %s ...)",
		    vm, (long)qemu->pid, ns, port, ns);
	else
		diag_error(d, "'%s' runs (pid %ld) in another network "
		    "namespace: port %u of its loopback cannot be reached from "
		    "here (run the command there: nsenter -t %ld -n ...)", vm,
		    (long)qemu->pid, port, (long)qemu->pid);
	free(ns);
	return 1;
}

/*
 * Nothing listens on port: the VM is not running (a QEMU in another
 * network namespace was told apart before the connect).
 */
static void
refused(const char *vm, unsigned port, struct diag *d)
{
	diag_error(d, "'%s' is not running (nothing listens on port %u)", vm,
	    port);
}

int
qmp_open(struct qmp *q, const char *vm, unsigned port, int addrs,
    const struct proc_id *qemu, int timeout_ms, struct diag *d)
{
	long long deadline = now_ms() + timeout_ms;
	struct strbuf line;
	char *where, *id;
	int rc;

	qmp_init(q, vm, timeout_ms);
	/*
	 * A QEMU in another network namespace does not listen on our
	 * loopback: whoever holds port here is not it, and is not asked.
	 */
	if (qemu != NULL && qmp_other_netns(vm, port, qemu, d))
		return QMP_UNREACHABLE;
	sb_init(&line);
	hello(q, qemu, &line, &id);
	rc = sock_connect_greeted(&q->r, port, addrs, line.s, QMP_GREETING_MS,
	    deadline, d);
	sb_free(&line);
	if (rc == SOCK_REFUSED)
		refused(vm, port, d);
	else if (rc == SOCK_BUSY) {
		free(id);
		qmp_busy_error(vm, port, d);
		return QMP_BUSY;
	}
	if (rc != SOCK_OK) {
		free(id);
		return QMP_UNREACHABLE;
	}
	where = xasprintf("port %u", port);
	rc = handshake(q, port, where, qemu, id, deadline, d);
	free(where);
	free(id);
	return rc;
}

/*
 * qmp_open_unix by the deadline; ahead, unless NULL, is sent with the
 * capabilities when who listens is known from the connect (else once
 * QEMU said its name), with its id in *ahead_id.
 */
static int
open_unix(struct qmp *q, const char *vm, const char *path,
    const struct proc_id *qemu, const char *ahead, char **ahead_id,
    long long deadline, int timeout_ms, struct diag *d)
{
	struct strbuf line;
	char *id;
	int fd, rc;

	qmp_init(q, vm, timeout_ms);
	fd = sock_connect_unix(path, deadline, d);
	if (fd == SOCK_REFUSED)
		diag_error(d, "'%s' is not running (nothing listens on %s)",
		    vm, path);
	else if (fd == SOCK_BUSY) {
		qmp_busy_error(vm, 0, d);
		return QMP_BUSY;
	}
	if (fd < 0)
		return QMP_UNREACHABLE;
	q->r.fd = fd;
	if (qemu != NULL && qmp_peer_is(fd, vm, path, qemu, d) != 0)
		return QMP_UNREACHABLE;
	sb_init(&line);
	hello(q, qemu, &line, &id);
	if (ahead != NULL && qemu != NULL)
		(void)add_request(q, ahead, &line, ahead_id, d);
	rc = send_line(q, &line, -1, deadline, d);
	if (rc == QMP_OK)
		rc = handshake(q, 0, path, qemu, id, deadline, d);
	if (rc == QMP_OK && ahead != NULL && qemu == NULL) {
		sb_reset(&line);
		rc = add_request(q, ahead, &line, ahead_id, d);
		if (rc == QMP_OK)
			rc = send_line(q, &line, -1, deadline, d);
	}
	sb_free(&line);
	free(id);
	return rc;
}

int
qmp_open_unix(struct qmp *q, const char *vm, const char *path,
    const struct proc_id *qemu, int timeout_ms, struct diag *d)
{
	return open_unix(q, vm, path, qemu, NULL, NULL, now_ms() + timeout_ms,
	    timeout_ms, d);
}

int
qmp_query_unix(const char *vm, const char *path, const struct proc_id *qemu,
    const char *name, const char *key, char **value, int timeout_ms,
    struct diag *d)
{
	long long deadline = now_ms() + timeout_ms;
	struct json reply;
	struct strbuf cmd;
	struct qmp q;
	char *id = NULL;
	int rc;

	*value = NULL;
	sb_init(&cmd);
	if (query_command(name, &cmd, d) != 0) {
		sb_free(&cmd);
		return QMP_FAILED;
	}
	rc = open_unix(&q, vm, path, qemu, cmd.s, &id, deadline, timeout_ms,
	    d);
	sb_free(&cmd);
	if (rc == QMP_OK)
		rc = read_reply(&q, id, deadline, &reply, d);
	if (rc == QMP_OK)
		query_value(&reply, key, value);
	qmp_close(&q);
	free(id);
	return rc;
}

void
qmp_close(struct qmp *q)
{
	size_t i;

	for (i = 0; i < q->nevents; i++)
		json_free(&q->events[i]);
	free(q->events);
	q->events = NULL;
	q->nevents = 0;
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
