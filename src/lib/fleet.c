/*
 * fleet.c - many programs at once, and their answers put together.
 *
 * Each job is started with posix_spawn, its stdout and stderr read from
 * one poll loop until both are at their end and it has exited, or its
 * deadline has passed (then it is killed: it is our unreaped child, so
 * its pid names no other process).
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "fleet.h"
#include "json.h"
#include "sock.h"

extern char **environ;

struct running {
	pid_t		 pid;		/* 0: not started; -1: done */
	int		 fd[2];		/* its stdout and stderr, or -1 */
	long long	 deadline;
};

void
fleet_job_free(struct fleet_job *j)
{
	sb_free(&j->out);
	sb_free(&j->err);
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

static int
spawn(struct fleet_job *j, struct running *r, int timeout_ms)
{
	posix_spawn_file_actions_t fa;
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, e;

	sb_init(&j->out);
	sb_init(&j->err);
	r->fd[0] = r->fd[1] = -1;
	r->pid = -1;
	j->end = FLEET_NOT_STARTED;
	j->status = FLEET_NO_ANSWER;
	j->timeout_ms = timeout_ms;
	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
		e = errno;
		close_fd(&out[0]);
		close_fd(&out[1]);
		sb_addf(&j->err, "cannot run %s: pipe: %s\n", j->argv[0],
		    strerror(e));
		return -1;
	}
	if ((e = posix_spawn_file_actions_init(&fa)) == 0) {
		if ((e = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO,
		    "/dev/null", O_RDONLY, 0)) == 0 &&
		    (e = posix_spawn_file_actions_adddup2(&fa, out[1],
		    STDOUT_FILENO)) == 0 &&
		    (e = posix_spawn_file_actions_adddup2(&fa, err[1],
		    STDERR_FILENO)) == 0)
			e = posix_spawnp(&r->pid, j->argv[0], &fa, NULL,
			    j->argv, environ);
		posix_spawn_file_actions_destroy(&fa);
	}
	close_fd(&out[1]);
	close_fd(&err[1]);
	if (e != 0) {
		close_fd(&out[0]);
		close_fd(&err[0]);
		r->pid = -1;
		sb_addf(&j->err, "cannot run %s: %s\n", j->argv[0],
		    strerror(e));
		return -1;
	}
	(void)fcntl(out[0], F_SETFL, O_NONBLOCK);
	(void)fcntl(err[0], F_SETFL, O_NONBLOCK);
	r->fd[0] = out[0];
	r->fd[1] = err[0];
	r->deadline = now_ms() + timeout_ms;
	return 0;
}

/* Reads what fd holds now (up to past the bound); closes it at its end. */
static void
take(int *fd, struct strbuf *sb)
{
	char buf[8192];
	ssize_t n;

	while (sb->len <= FLEET_MAX_ANSWER) {
		if ((n = read(*fd, buf, sizeof(buf))) > 0) {
			sb_add(sb, buf, (size_t)n);
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			close_fd(fd);
		return;
	}
}

/* How a reaped job ended, from its wait status. */
static void
record_exit(struct fleet_job *j, int ws)
{
	if (WIFEXITED(ws)) {
		j->end = FLEET_EXITED;
		j->status = WEXITSTATUS(ws);
	} else {
		j->end = FLEET_KILLED;
		j->status = 128 + WTERMSIG(ws);
	}
}

/* Ends a job that did not end by itself: killed, reaped, no answer. */
static void
stop_job(struct fleet_job *j, struct running *r, enum fleet_end end)
{
	int ws;

	(void)kill(r->pid, SIGKILL);	/* our unreaped child: no other */
	while (waitpid(r->pid, &ws, 0) == -1 && errno == EINTR)
		;
	close_fd(&r->fd[0]);
	close_fd(&r->fd[1]);
	r->pid = -1;
	j->end = end;
	j->status = FLEET_NO_ANSWER;
}

/*
 * A job whose pipes are both at their end has closed them by exiting:
 * 1 once it is reaped, 0 while it still runs.
 */
static int
exited(struct fleet_job *j, struct running *r)
{
	int ws;
	pid_t p;

	if (r->fd[0] >= 0 || r->fd[1] >= 0 ||
	    (p = waitpid(r->pid, &ws, WNOHANG)) == 0)
		return 0;
	if (p > 0)
		record_exit(j, ws);
	else {
		j->end = FLEET_EXITED;
		j->status = FLEET_NO_ANSWER;
	}
	r->pid = -1;
	return 1;
}

void
fleet_run(struct fleet_job *jobs, size_t n, int timeout_ms,
    size_t max_at_once)
{
	struct running *r;
	struct pollfd *pfd;
	size_t next = 0, active = 0, np, i, k;
	long long now, wait;

	r = xcalloc(n + 1, sizeof(*r));
	pfd = xcalloc(2 * n + 1, sizeof(*pfd));
	for (;;) {
		while (next < n && active < max_at_once) {
			if (spawn(&jobs[next], &r[next], timeout_ms) == 0)
				active++;
			next++;
		}
		if (active == 0)
			break;
		now = now_ms();
		wait = -1;
		np = 0;
		for (i = 0; i < next; i++) {
			if (r[i].pid <= 0)
				continue;
			for (k = 0; k < 2; k++)
				if (r[i].fd[k] >= 0) {
					pfd[np].fd = r[i].fd[k];
					pfd[np].events = POLLIN;
					pfd[np++].revents = 0;
				}
			/* Both pipes closed: it exits; look again soon. */
			if (r[i].fd[0] < 0 && r[i].fd[1] < 0)
				wait = wait < 0 || wait > 5 ? 5 : wait;
			else if (wait < 0 || r[i].deadline - now < wait)
				wait = r[i].deadline > now ?
				    r[i].deadline - now : 0;
		}
		(void)poll(pfd, np, (int)wait);
		now = now_ms();
		for (i = 0; i < next; i++) {
			if (r[i].pid <= 0)
				continue;
			for (k = 0; k < 2; k++)
				if (r[i].fd[k] >= 0)
					take(&r[i].fd[k], k == 0 ?
					    &jobs[i].out : &jobs[i].err);
			if (exited(&jobs[i], &r[i]))
				active--;
			else if (jobs[i].out.len + jobs[i].err.len >
			    FLEET_MAX_ANSWER) {
				stop_job(&jobs[i], &r[i], FLEET_TOO_LONG);
				active--;
			} else if (now >= r[i].deadline) {
				stop_job(&jobs[i], &r[i], FLEET_TIMED_OUT);
				active--;
			}
		}
	}
	free(pfd);
	free(r);
}

/* --- one table ----------------------------------------------------------- */

/* The last non-empty line of s (a copy), or NULL. */
static char *
last_line(const char *s, size_t len)
{
	size_t end = len, start;

	while (end > 0 && (s[end - 1] == '\n' || s[end - 1] == '\r' ||
	    s[end - 1] == ' '))
		end--;
	if (end == 0)
		return NULL;
	for (start = end; start > 0 && s[start - 1] != '\n'; start--)
		;
	return xstrndup(s + start, end - start);
}

int
fleet_answered(const struct fleet_job *j)
{
	return j->end == FLEET_EXITED && j->status != FLEET_NO_ANSWER;
}

/* Why a host has no rows: "no answer: ...", "exit 1: ...", ... */
static char *
host_problem(const struct fleet_job *j)
{
	char *line = last_line(j->err.s != NULL ? j->err.s : "", j->err.len);
	char *why;

	switch (j->end) {
	case FLEET_TIMED_OUT:
		why = xasprintf("no answer in %d s", j->timeout_ms / 1000);
		break;
	case FLEET_TOO_LONG:
		why = xasprintf("answer longer than %d bytes",
		    FLEET_MAX_ANSWER);
		break;
	case FLEET_KILLED:
		why = xasprintf("ssh killed by signal %d", j->status - 128);
		break;
	default:
		if (!fleet_answered(j))
			why = xasprintf("no answer: %s", line != NULL ? line :
			    "ssh failed");
		else
			why = xasprintf("exit %d%s%s", j->status,
			    line != NULL ? ": " : "",
			    line != NULL ? line : "");
		break;
	}
	free(line);
	return why;
}

struct table {
	struct strvec	  cols;		/* HOST first */
	struct strvec	 *rows;		/* cells by column; "" shows as "-" */
	char		**notes;	/* a row saying why a host has none */
	size_t		  n;
};

static size_t
table_col(struct table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->cols.n; i++)
		if (strcmp(t->cols.v[i], name) == 0)
			return i;
	sv_push(&t->cols, name);
	return t->cols.n - 1;
}

/* A new row for host; its cells are set with table_set. */
static size_t
table_row(struct table *t, const char *host, char *note)
{
	t->rows = xreallocarray(t->rows, t->n + 1, sizeof(*t->rows));
	t->notes = xreallocarray(t->notes, t->n + 1, sizeof(*t->notes));
	sv_init(&t->rows[t->n]);
	t->notes[t->n] = note;
	sv_push(&t->rows[t->n], host);
	return t->n++;
}

static void
table_set(struct table *t, size_t row, const char *col, const char *value,
    size_t len)
{
	struct strvec *r = &t->rows[row];
	size_t c = table_col(t, col);

	while (r->n <= c)
		sv_push(r, "");
	free(r->v[c]);
	r->v[c] = xstrndup(value, len);
}

/* The next blank-separated word of [*p, end), *len long; NULL: none. */
static const char *
next_word(const char **p, const char *end, size_t *len)
{
	const char *w = *p;

	while (w < end && (*w == ' ' || *w == '\t'))
		w++;
	for (*p = w; *p < end && **p != ' ' && **p != '\t'; (*p)++)
		;
	*len = (size_t)(*p - w);
	return w < end ? w : NULL;
}

/* One host's text as rows: see fleet_table. */
static void
table_add_text(struct table *t, const char *host, const char *text,
    const char *column)
{
	struct strvec head;
	const char *line, *end, *p, *w;
	size_t row, c, len;

	sv_init(&head);
	if (column != NULL)
		sv_push(&head, column);
	for (line = text; *line != '\0'; line = *end != '\0' ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		p = line;
		if (next_word(&p, end, &len) == NULL)
			continue;		/* a blank line */
		if (head.n == 0) {
			for (p = line; (w = next_word(&p, end, &len)) != NULL;)
				sv_pushf(&head, "%.*s", (int)len, w);
			continue;
		}
		row = table_row(t, host, NULL);
		for (c = 0, p = line; c < head.n; c++) {
			if ((w = next_word(&p, end, &len)) == NULL)
				break;
			if (c + 1 == head.n)	/* the rest, right-trimmed */
				for (p = end, len = (size_t)(p - w); len > 0 &&
				    strchr(" \t\r", w[len - 1]) != NULL; len--)
					;
			table_set(t, row, head.v[c], w, len);
		}
	}
	sv_free(&head);
}

static void
table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		sv_free(&t->rows[i]);
		free(t->notes[i]);
	}
	free(t->rows);
	free(t->notes);
	sv_free(&t->cols);
}

static char *
table_text(const struct table *t)
{
	struct strbuf sb;
	size_t *w, i, c, len;
	const char *cell;

	w = xcalloc(t->cols.n, sizeof(*w));
	for (c = 0; c < t->cols.n; c++)
		w[c] = strlen(t->cols.v[c]);
	for (i = 0; i < t->n; i++)
		for (c = 0; c < t->rows[i].n; c++)
			if ((len = strlen(t->rows[i].v[c])) > w[c])
				w[c] = len;
	sb_init(&sb);
	for (i = 0; i <= t->n; i++) {
		for (c = 0; c < t->cols.n; c++) {
			if (i == 0)
				cell = t->cols.v[c];
			else if (c < t->rows[i - 1].n &&
			    t->rows[i - 1].v[c][0] != '\0')
				cell = t->rows[i - 1].v[c];
			else
				cell = "-";
			if (i > 0 && c == 1 && t->notes[i - 1] != NULL) {
				sb_addf(&sb, "(%s)", t->notes[i - 1]);
				break;
			}
			if (c + 1 == t->cols.n)
				sb_adds(&sb, cell);
			else
				sb_addf(&sb, "%-*s  ", (int)w[c], cell);
		}
		while (sb.len > 0 && sb.s[sb.len - 1] == ' ')
			sb.s[--sb.len] = '\0';
		sb_addc(&sb, '\n');
	}
	free(w);
	return sb_detach(&sb);
}

char *
fleet_table(const struct fleet_job *jobs, size_t n, const char *column)
{
	struct table t;
	const char *out;
	size_t i, before;
	char *text;

	memset(&t, 0, sizeof(t));
	sv_init(&t.cols);
	sv_push(&t.cols, "HOST");
	for (i = 0; i < n; i++) {
		before = t.n;
		out = jobs[i].out.s != NULL ? jobs[i].out.s : "";
		if (fleet_answered(&jobs[i]))
			table_add_text(&t, jobs[i].host, out, column);
		if (t.n > before)
			continue;
		if (fleet_answered(&jobs[i]) && jobs[i].status == 0)
			(void)table_row(&t, jobs[i].host, xstrdup("no VMs"));
		else
			(void)table_row(&t, jobs[i].host,
			    host_problem(&jobs[i]));
	}
	/* A column for the notes, when no host had one. */
	if (t.cols.n == 1)
		sv_push(&t.cols, column != NULL ? column : "VMS");
	text = table_text(&t);
	table_free(&t);
	return text;
}

/* --- one JSON document --------------------------------------------------- */

static void
indent(struct strbuf *sb, int depth)
{
	sb_addc(sb, '\n');
	while (depth-- > 0)
		sb_adds(sb, "  ");
}

static void
json_write(struct strbuf *sb, const struct json *j, int depth)
{
	size_t i;

	switch (j->type) {
	case JSON_NULL:
		sb_adds(sb, "null");
		return;
	case JSON_FALSE:
		sb_adds(sb, "false");
		return;
	case JSON_TRUE:
		sb_adds(sb, "true");
		return;
	case JSON_NUMBER:
		sb_adds(sb, j->text);
		return;
	case JSON_STRING:
		json_quote(sb, j->text);
		return;
	default:
		break;
	}
	sb_addc(sb, j->type == JSON_ARRAY ? '[' : '{');
	for (i = 0; i < j->n; i++) {
		sb_adds(sb, i > 0 ? "," : "");
		indent(sb, depth + 1);
		if (j->type == JSON_OBJECT) {
			json_quote(sb, j->keys[i]);
			sb_adds(sb, ": ");
		}
		json_write(sb, &j->items[i], depth + 1);
	}
	if (j->n > 0)
		indent(sb, depth);
	sb_addc(sb, j->type == JSON_ARRAY ? ']' : '}');
}

/* "key": value of an object being written, at depth. */
static void
member(struct strbuf *sb, int *first, int depth, const char *key)
{
	sb_adds(sb, *first ? "" : ",");
	*first = 0;
	indent(sb, depth);
	json_quote(sb, key);
	sb_adds(sb, ": ");
}

/* The members of obj but skip and host, into an object being written. */
static void
members(struct strbuf *sb, int *first, int depth, const struct json *obj,
    const struct json *skip)
{
	size_t i;

	for (i = 0; obj->type == JSON_OBJECT && i < obj->n; i++)
		if (&obj->items[i] != skip &&
		    strcmp(obj->keys[i], "host") != 0) {
			member(sb, first, depth, obj->keys[i]);
			json_write(sb, &obj->items[i], depth);
		}
}

/*
 * The VM objects of one host's document: the document when it is an
 * array, else the first array member of the object (its key in *key),
 * else the document alone.
 */
static const struct json *
doc_rows(const struct json *doc, size_t *n, const char **key)
{
	size_t i;

	*key = NULL;
	if (doc->type == JSON_ARRAY) {
		*n = doc->n;
		return doc->items;
	}
	for (i = 0; doc->type == JSON_OBJECT && i < doc->n; i++)
		if (doc->items[i].type == JSON_ARRAY) {
			*key = doc->keys[i];
			*n = doc->items[i].n;
			return doc->items[i].items;
		}
	*n = 1;
	return doc;
}

/*
 * A host's entry in "hosts": host, answered, exit, then why it has no
 * document ("error"), or its document's members besides its array.
 */
static void
host_entry(struct strbuf *sb, const struct fleet_job *j,
    const struct json *doc, const struct json *array, const char *why)
{
	char *problem;
	int first = 1;

	indent(sb, 2);
	sb_adds(sb, "{");
	member(sb, &first, 3, "host");
	json_quote(sb, j->host);
	member(sb, &first, 3, "answered");
	sb_adds(sb, fleet_answered(j) ? "true" : "false");
	member(sb, &first, 3, "exit");
	sb_addf(sb, "%d", j->status);
	if (doc == NULL && (why != NULL || j->status != 0 ||
	    !fleet_answered(j))) {
		problem = why != NULL && j->status == 0 ?
		    xasprintf("not a JSON answer: %s", why) : host_problem(j);
		member(sb, &first, 3, "error");
		json_quote(sb, problem);
		free(problem);
	}
	if (doc != NULL && array != NULL)
		members(sb, &first, 3, doc, array);
	indent(sb, 2);
	sb_adds(sb, "}");
}

/* Each VM of a host: an object, "host" first, then its own members. */
static void
vm_entries(struct strbuf *sb, size_t *nvms, const char *host,
    const struct json *rows, size_t n)
{
	size_t k;
	int first;

	for (k = 0; k < n; k++) {
		sb_adds(sb, (*nvms)++ > 0 ? "," : "");
		indent(sb, 2);
		sb_adds(sb, "{");
		first = 1;
		member(sb, &first, 3, "host");
		json_quote(sb, host);
		if (rows[k].type == JSON_OBJECT)
			members(sb, &first, 3, &rows[k], NULL);
		else {
			member(sb, &first, 3, "value");
			json_write(sb, &rows[k], 3);
		}
		indent(sb, 2);
		sb_adds(sb, "}");
	}
}

char *
fleet_json(const struct fleet_job *jobs, size_t n)
{
	struct strbuf head, vms;
	struct json doc;
	const struct json *rows;
	const char *why, *key;
	char *name = NULL;
	size_t i, nrows, nvms = 0;
	int parsed;

	sb_init(&head);
	sb_init(&vms);
	sb_adds(&head, "{\n  \"hosts\": [");
	for (i = 0; i < n; i++) {
		why = NULL;
		parsed = fleet_answered(&jobs[i]) && jobs[i].out.len > 0 &&
		    json_parse(&doc, jobs[i].out.s, jobs[i].out.len,
		    &why) == 0;
		sb_adds(&head, i > 0 ? "," : "");
		if (!parsed) {
			host_entry(&head, &jobs[i], NULL, NULL, why);
			continue;
		}
		rows = doc_rows(&doc, &nrows, &key);
		host_entry(&head, &jobs[i], &doc, key != NULL ?
		    json_get(&doc, key) : NULL, NULL);
		vm_entries(&vms, &nvms, jobs[i].host, rows, nrows);
		if (name == NULL && key != NULL)
			name = xstrdup(key);
		json_free(&doc);
	}
	sb_adds(&head, n > 0 ? "\n  ],\n  " : "],\n  ");
	json_quote(&head, name != NULL ? name : "vms");
	sb_adds(&head, ": [");
	sb_add(&head, vms.s != NULL ? vms.s : "", vms.len);
	sb_adds(&head, nvms > 0 ? "\n  ]\n}\n" : "]\n}\n");
	free(name);
	sb_free(&vms);
	return sb_detach(&head);
}

int
fleet_status(const struct fleet_job *jobs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (jobs[i].status != 0)
			return fleet_answered(&jobs[i]) ? jobs[i].status :
			    FLEET_NO_ANSWER;
	return 0;
}

