/*
 * agent.c - a client of the QEMU guest agent.
 */
#include <sys/wait.h>

#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "buf.h"
#include "json.h"
#include "sock.h"

#define AGENT_REPLY_MAX	(64 * 1024)
#define AGENT_VALUES_MAX 8192	/* JSON values in a reply, at most */

#define AGENT_TICK_MS	250	/* how often a waiting ping calls its tick */
#define GUARD_THAW_MS	60000	/* the guard's thaw, once it is on its own */
#define GUARD_DONE	'T'	/* what the guard is told: thawed */

/* One connection to the agent's socket. */
struct agent {
	struct sock_reader r;
	const char	*name;
	long long	 deadline;
	void		(*tick)(void *);	/* while waiting, or NULL */
	void		*tick_arg;
};

/*
 * The next line by a's deadline, calling its tick every AGENT_TICK_MS
 * meanwhile.  SOCK_OK or a SOCK_ code.
 */
static int
agent_read_line(struct agent *a, char **line, struct diag *d)
{
	long long until;
	int rc;

	for (;;) {
		until = a->tick != NULL ? now_ms() + AGENT_TICK_MS :
		    a->deadline;
		if (until > a->deadline)
			until = a->deadline;
		rc = sock_read_line(&a->r, until, AGENT_REPLY_MAX, line, d);
		if (rc != SOCK_TIMEOUT || until >= a->deadline)
			return rc;
		a->tick(a->tick_arg);
	}
}

/* Writes one request; SOCK_OK or a SOCK_ code. */
static int
agent_send(struct agent *a, const char *request, struct diag *d)
{
	struct strbuf sb;
	int rc;

	sb_init(&sb);
	sb_adds(&sb, request);
	sb_addc(&sb, '\n');
	rc = sock_write_all(a->r.fd, sb.s, sb.len, a->deadline, d);
	sb_free(&sb);
	return rc;
}

/*
 * Reads replies until one whose "return" is want (a number's digits),
 * or any "return" when want is NULL, whose text (a string's or a
 * number's; NULL for others) goes to *value unless value is NULL
 * (caller frees); with keep, that whole reply is kept there
 * (json_free).  An "error" reply to a request of ours ends the wait
 * with its text in d, as SOCK_FAILED.  SOCK_OK or a SOCK_ code.
 */
static int
agent_reply_keep(struct agent *a, const char *want, char **value,
    struct json *keep, struct diag *d)
{
	const char *desc;
	const struct json *ret;
	const char *why;
	struct json j;
	char *line;
	int rc, ours;

	for (;;) {
		rc = agent_read_line(a, &line, d);
		if (rc != SOCK_OK)
			return rc;
		/* Not JSON (a half reply of an earlier client): skipped. */
		if (json_parse_max(&j, line, strlen(line), AGENT_VALUES_MAX,
		    &why) != 0) {
			free(line);
			continue;
		}
		ret = j.type == JSON_OBJECT ? json_get(&j, "return") : NULL;
		ours = ret != NULL && (want == NULL ||
		    (ret->type == JSON_NUMBER && strcmp(ret->text, want) == 0));
		if (ours && value != NULL)
			*value = ret->text != NULL ? xstrdup(ret->text) : NULL;
		/* After guest-sync, an error can only be ours. */
		desc = want == NULL && j.type == JSON_OBJECT ?
		    json_get_string(json_get(&j, "error"), "desc") : NULL;
		if (desc != NULL)
			diag_error(d, "the guest agent of '%s': %s", a->name,
			    desc);
		free(line);
		if (ours && keep != NULL) {
			*keep = j;
			return SOCK_OK;
		}
		json_free(&j);
		if (ours)
			return SOCK_OK;
		if (desc != NULL)
			return SOCK_FAILED;
	}
}

static int
agent_reply(struct agent *a, const char *want, char **value, struct diag *d)
{
	return agent_reply_keep(a, want, value, NULL, d);
}

/* guest-sync with a fresh id: the agent is there and in step with us. */
static int
agent_sync(struct agent *a, struct diag *d)
{
	struct timespec ts;
	char *req, id[32];
	int rc;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)snprintf(id, sizeof(id), "%ld", (long)(ts.tv_nsec ^ getpid()) &
	    0x7fffffffL);
	req = xasprintf("{\"execute\":\"guest-sync\",\"arguments\":"
	    "{\"id\":%s}}", id);
	rc = agent_send(a, req, d);
	free(req);
	if (rc == SOCK_OK)
		rc = agent_reply(a, id, NULL, d);
	return rc;
}

/*
 * Connects and syncs.  QEMU listens on the socket as long as it runs
 * and keeps a connection open until it exits, so a refused connection
 * or a closed one means the VM is gone: no reason to try again.  0 with
 * a->r open, or -1 with why in d.
 */
static int
agent_connect(struct agent *a, const struct rundir *rd, struct diag *d)
{
	char *path = rundir_path(rd, a->name, RUN_AGENT);
	int fd, rc;

	fd = sock_connect_unix(path, a->deadline, d);
	free(path);
	if (fd == SOCK_REFUSED) {
		diag_error(d, "'%s' has no guest agent channel (not running, "
		    "or started without AGENT=yes)", a->name);
		return -1;
	}
	if (fd == SOCK_BUSY) {
		diag_error(d, "the guest agent channel of '%s' is busy "
		    "(another client is connected)", a->name);
		return -1;
	}
	if (fd < 0)
		return -1;
	sock_reader_init(&a->r, fd);
	rc = agent_sync(a, d);
	if (rc == SOCK_OK)
		return 0;
	sock_reader_free(&a->r);
	if (rc == SOCK_TIMEOUT)
		diag_error(d, "the guest agent of '%s' did not answer (is "
		    "qemu-ga running in the guest?)", a->name);
	else if (rc == SOCK_REFUSED)
		diag_error(d, "'%s' closed its guest agent channel (QEMU "
		    "exited?)", a->name);
	return -1;
}

int
agent_ping(const struct rundir *rd, const char *name, long long deadline,
    void (*tick)(void *), void *arg, struct diag *d)
{
	struct agent a = { .name = name, .deadline = deadline, .tick = tick,
	    .tick_arg = arg };
	int rc;

	if (agent_connect(&a, rd, d) != 0)
		return -1;
	rc = agent_send(&a, "{\"execute\":\"guest-ping\"}", d);
	if (rc == SOCK_OK)
		rc = agent_reply(&a, NULL, NULL, d);
	sock_reader_free(&a.r);
	if (rc != SOCK_OK) {
		diag_error(d, "the guest agent of '%s' did not answer "
		    "guest-ping", name);
		return -1;
	}
	return 0;
}

int
agent_shutdown(const struct rundir *rd, const char *name, long long deadline,
    struct diag *d)
{
	struct agent a = { .name = name, .deadline = deadline };
	int rc;

	if (agent_connect(&a, rd, d) != 0)
		return -1;
	rc = agent_send(&a, "{\"execute\":\"guest-shutdown\",\"arguments\":"
	    "{\"mode\":\"powerdown\"}}", d);
	sock_reader_free(&a.r);
	if (rc != SOCK_OK) {
		diag_error(d, "cannot ask the guest agent of '%s' to shut "
		    "down", name);
		return -1;
	}
	return 0;
}

/*
 * Whether text is an IPv4 address a guest's ssh may answer on: one in
 * dotted-quad form, neither 0/8, loopback (127/8), link-local
 * (169.254/16), multicast nor reserved (224/3 and up).
 */
static int
usable_ipv4(const char *text)
{
	struct in_addr in;
	uint32_t a;

	if (inet_pton(AF_INET, text, &in) != 1)
		return 0;
	a = ntohl(in.s_addr);
	return (a >> 24) != 0 && (a >> 24) != 127 && (a >> 16) != 0xa9fe &&
	    (a >> 29) != 7;
}

int
agent_addresses(const struct rundir *rd, const char *name, const char *mac,
    long long deadline, struct strvec *out, struct diag *d)
{
	struct agent a = { .name = name, .deadline = deadline };
	const struct json *ifs, *addrs, *it, *ad;
	const char *hw, *type, *ip;
	struct json j;
	size_t i, k;
	int rc;

	if (agent_connect(&a, rd, d) != 0)
		return -1;
	rc = agent_send(&a, "{\"execute\":\"guest-network-get-interfaces\"}",
	    d);
	if (rc == SOCK_OK)
		rc = agent_reply_keep(&a, NULL, NULL, &j, d);
	sock_reader_free(&a.r);
	if (rc != SOCK_OK) {
		diag_error(d, "the guest agent of '%s' did not answer "
		    "guest-network-get-interfaces", name);
		return -1;
	}
	ifs = json_get(&j, "return");
	for (i = 0; ifs->type == JSON_ARRAY && i < ifs->n; i++) {
		it = &ifs->items[i];
		if (it->type != JSON_OBJECT ||
		    (hw = json_get_string(it, "hardware-address")) == NULL ||
		    strcasecmp(hw, mac) != 0 ||
		    (addrs = json_get(it, "ip-addresses")) == NULL ||
		    addrs->type != JSON_ARRAY)
			continue;
		for (k = 0; k < addrs->n; k++) {
			ad = &addrs->items[k];
			if (ad->type != JSON_OBJECT ||
			    (type = json_get_string(ad, "ip-address-type")) ==
			    NULL || strcmp(type, "ipv4") != 0 ||
			    (ip = json_get_string(ad, "ip-address")) == NULL ||
			    !usable_ipv4(ip))
				continue;
			sv_push(out, ip);
		}
	}
	json_free(&j);
	return 0;
}
/* One request after the sync, its "return" text in *value (or NULL). */
static int
agent_ask(const struct rundir *rd, const char *name, const char *request,
    long long deadline, char **value, struct diag *d)
{
	struct agent a = { .name = name, .deadline = deadline };
	int rc;

	*value = NULL;
	if (agent_connect(&a, rd, d) != 0)
		return -1;
	rc = agent_send(&a, request, d);
	if (rc == SOCK_OK)
		rc = agent_reply(&a, NULL, value, d);
	sock_reader_free(&a.r);
	if (rc == SOCK_TIMEOUT)
		diag_error(d, "the guest agent of '%s' did not answer in time",
		    name);
	else if (rc == SOCK_REFUSED)
		diag_error(d, "'%s' closed its guest agent channel (QEMU "
		    "exited?)", name);
	return rc == SOCK_OK ? 0 : -1;
}

int
agent_fsfreeze(const struct rundir *rd, const char *name, int freeze,
    long long deadline, struct diag *d)
{
	char *value;
	long n;

	if (agent_ask(rd, name, freeze ?
	    "{\"execute\":\"guest-fsfreeze-freeze\"}" :
	    "{\"execute\":\"guest-fsfreeze-thaw\"}", deadline, &value,
	    d) != 0)
		return -1;
	n = value != NULL ? strtol(value, NULL, 10) : 0;
	free(value);
	return n < 0 ? 0 : n > 1000000 ? 1000000 : (int)n;
}

int
agent_fsfreeze_status(const struct rundir *rd, const char *name,
    long long deadline, struct diag *d)
{
	char *value;
	int frozen;

	if (agent_ask(rd, name, "{\"execute\":\"guest-fsfreeze-status\"}",
	    deadline, &value, d) != 0)
		return -1;
	frozen = value != NULL && strcmp(value, "frozen") == 0;
	free(value);
	return frozen;
}

/* In the guard: waits for its parent's word, or its end. */
static void __attribute__((noreturn))
guard(int in, const struct rundir *rd, const char *name)
{
	ssize_t n;
	char c = 0;

	/* Ctrl-C is for the parent, which thaws the guest itself. */
	(void)signal(SIGINT, SIG_IGN);
	do
		n = read(in, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1 && c == GUARD_DONE)
		_exit(0);
	(void)agent_fsfreeze(rd, name, 0, now_ms() + GUARD_THAW_MS, NULL);
	_exit(0);
}

int
agent_thaw_guard(const struct rundir *rd, const char *name,
    struct agent_guard *g)
{
	int p[2];

	g->fd = -1;
	g->pid = -1;
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	if ((g->pid = fork()) < 0) {
		(void)close(p[0]);
		(void)close(p[1]);
		return -1;
	}
	if (g->pid == 0) {
		(void)close(p[1]);
		guard(p[0], rd, name);
	}
	(void)close(p[0]);
	g->fd = p[1];
	return 0;
}

void
agent_thaw_guard_end(struct agent_guard *g)
{
	char c = GUARD_DONE;
	int status;

	if (g->fd < 0)
		return;
	if (write(g->fd, &c, 1) != 1)
		c = 0;
	(void)close(g->fd);
	while (waitpid(g->pid, &status, 0) < 0 && errno == EINTR)
		;
	g->fd = -1;
	g->pid = -1;
}
