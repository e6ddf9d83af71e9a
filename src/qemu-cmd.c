/*
 * qemu-cmd - one-shot monitor commands for scripts: HMP command lines
 * through QMP's human-monitor-command on the VM's CTLPORT, or raw QMP.
 * It connects when it has a command, so that it never holds a monitor
 * while it waits for one.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "diag.h"
#include "json.h"
#include "monitor.h"
#include "paths.h"
#include "qmp.h"
#include "remote.h"

/* One -c or -j, in the order given. */
struct request {
	int		 raw;		/* -j: a QMP command */
	const char	*text;
};

/* The VM's QMP monitor, opened when the first command is there. */
struct session {
	const struct vm_target	*t;
	int			 timeout_ms;
	int			 open;
	struct qmp		 q;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: qemu-cmd [-c command]... [-j json] [-t secs] vm\n"
	    "       qemu-cmd -h | -V\n"
	    "With no -c or -j, HMP command lines are read from stdin.\n");
}

/* QMP_OK with s->q open, or QMP_UNREACHABLE (busy too: exit 2, qemu-cmd(1)). */
static int
session_open(struct session *s, struct diag *d)
{
	if (s->open)
		return QMP_OK;
	if (monitor_qmp_open(&s->q, &s->t->run, s->t->ref.name, &s->t->st,
	    s->timeout_ms, d) != QMP_OK) {
		qmp_close(&s->q);
		return QMP_UNREACHABLE;
	}
	s->open = 1;
	return QMP_OK;
}

static void
session_close(struct session *s)
{
	if (s->open)
		qmp_close(&s->q);
	s->open = 0;
}

/* Runs one request; QMP_OK, QMP_FAILED or QMP_UNREACHABLE. */
static int
run_one(struct session *s, const struct request *r, struct diag *d)
{
	struct strbuf out;
	int rc;

	if ((rc = session_open(s, d)) != QMP_OK)
		return rc;
	if (r->raw) {
		rc = qmp_execute(&s->q, r->text, NULL, d);
		if (s->q.last != NULL)	/* this command's reply, if any */
			printf("%s\n", s->q.last);
		return rc;
	}
	sb_init(&out);
	rc = qmp_hmp(&s->q, r->text, &out, d);
	/* An HMP error is not data: it goes to stderr alone, through d. */
	if (rc == QMP_OK && out.len > 0)
		fwrite(out.s, 1, out.len, stdout);
	sb_free(&out);
	return rc;
}

/*
 * With no -c: one HMP command line a line of stdin, each sent when it
 * has been read.  On a terminal the monitor is held only while a
 * command runs: a person typing does not keep it from others.
 */
static int
run_stdin(struct session *s, struct diag *d)
{
	struct request r = { 0, NULL };
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0;
	int rc, nul, worst = QMP_OK, tty = isatty(STDIN_FILENO);

	if (tty)
		fprintf(stderr, "%s: reading HMP commands for '%s' from stdin, "
		    "one a line (Ctrl-D ends); the monitor is held only while "
		    "a command runs\n", cli_prog, s->t->ref.name);
	while ((n = getline(&line, &cap, stdin)) != -1) {
		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		nul = strlen(line) != (size_t)n;
		if (!nul && line[strspn(line, " \t\r")] == '\0')
			continue;
		/* Neither has a place in a command line: never sent. */
		if (nul || !json_utf8_valid(line, (size_t)n)) {
			fprintf(stderr, "%s: stdin line %u: %s: not sent\n",
			    cli_prog, lineno, nul ? "holds a NUL byte" :
			    "not valid UTF-8");
			rc = QMP_FAILED;
		} else {
			r.text = line;
			rc = run_one(s, &r, d);
			if (tty)
				session_close(s);
		}
		diag_flush(d, cli_prog);
		if (rc > worst)
			worst = rc;
		if (rc == QMP_UNREACHABLE)
			break;
	}
	free(line);
	return worst;
}

/* Whether a -c or -j argument can be sent as given; if not, says why. */
static int
request_valid(int ch, const char *text)
{
	struct diag d;
	int ok;

	if (ch == 'c') {
		ok = json_utf8_valid(text, strlen(text));
		if (!ok)
			fprintf(stderr, "%s: -c: not valid UTF-8\n", cli_prog);
		return ok;
	}
	diag_init(&d);
	ok = qmp_command_check(text, &d) == 0;
	if (!ok)
		fprintf(stderr, "%s: -j: %s\n", cli_prog, diag_first_error(&d));
	diag_clear(&d);
	return ok;
}

int
main(int argc, char **argv)
{
	struct session s;
	struct request *req;
	struct vm_target t;
	struct diag d;
	long long secs = 10;
	size_t nreq = 0, i;
	int ch, rc, worst = QMP_OK;

	cli_init("qemu-cmd");
	if ((rc = remote_main(&argc, &argv, NULL)) != REMOTE_LOCAL)
		return rc;	/* -H host: ssh ran it there */
	req = xcalloc((size_t)argc, sizeof(*req));
	while ((ch = getopt_long(argc, argv, "c:j:t:hV", cli_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
		case 'j':
			if (!request_valid(ch, optarg))
				goto usage_error;
			req[nreq].raw = ch == 'j';
			req[nreq++].text = optarg;
			break;
		case 't':
			if (cli_seconds("-t", optarg, 1, 3600, &secs) != 0)
				goto usage_error;
			break;
		default:
			free(req);
			return cli_common_option(ch, usage);
		}
	}
	if (argc - optind != 1) {
		usage(stderr);
		goto usage_error;
	}
	diag_init(&d);
	rc = monitor_locate(path_confdir(), path_rundir(), argv[optind], &t,
	    &d);
	if (rc != MONITOR_OK) {
		diag_flush(&d, cli_prog);
		vm_target_free(&t);
		free(req);
		return rc;	/* the MONITOR_ codes are the exit statuses */
	}
	memset(&s, 0, sizeof(s));
	s.t = &t;
	s.timeout_ms = (int)secs * 1000;
	for (i = 0; i < nreq && worst != QMP_UNREACHABLE; i++) {
		rc = run_one(&s, &req[i], &d);
		diag_flush(&d, cli_prog);
		if (rc > worst)
			worst = rc;
	}
	if (nreq == 0)
		worst = run_stdin(&s, &d);
	session_close(&s);
	vm_target_free(&t);
	free(req);
	if (cli_flush() != 0)
		return 1;
	return worst;	/* QMP_OK, QMP_FAILED or QMP_UNREACHABLE: qemu-cmd(1) */

usage_error:
	free(req);
	return EX_USAGE;
}
