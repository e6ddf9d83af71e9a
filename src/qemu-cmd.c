/*
 * qemu-cmd - one-shot monitor commands for scripts: HMP command lines
 * through QMP's human-monitor-command on the VM's CTLPORT, or raw QMP.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: qemu-cmd [-c command]... [-j json] [-t secs] vm\n"
	    "       qemu-cmd -h | -V\n"
	    "With no -c or -j, HMP command lines are read from stdin.\n");
}

/* Runs one request; QMP_OK, QMP_FAILED or QMP_UNREACHABLE. */
static int
run_one(struct qmp *q, const struct request *r, struct diag *d)
{
	struct strbuf out;
	int rc;

	if (r->raw) {
		rc = qmp_execute(q, r->text, NULL, d);
		if (rc != QMP_UNREACHABLE && q->last != NULL)
			printf("%s\n", q->last);
		return rc;
	}
	sb_init(&out);
	rc = qmp_hmp(q, r->text, &out, d);
	/* An HMP error is not data: it goes to stderr alone, through d. */
	if (rc == QMP_OK && out.len > 0)
		fwrite(out.s, 1, out.len, stdout);
	sb_free(&out);
	return rc;
}

/* With no -c: one HMP command line a line of stdin. */
static int
run_stdin(struct qmp *q, struct diag *d)
{
	struct request r = { 0, NULL };
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc, worst = QMP_OK;

	while ((n = getline(&line, &cap, stdin)) != -1) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (line[strspn(line, " \t\r")] == '\0')
			continue;
		r.text = line;
		rc = run_one(q, &r, d);
		diag_flush(d, cli_prog);
		if (rc > worst)
			worst = rc;
		if (rc == QMP_UNREACHABLE)
			break;
	}
	free(line);
	return worst;
}

/* -j must be one JSON object: refused here rather than by QEMU. */
static int
json_object_valid(const char *text)
{
	struct json j;
	const char *why;
	int ok;

	if (json_parse(&j, text, strlen(text), &why) != 0) {
		fprintf(stderr, "%s: -j: not JSON: %s\n", cli_prog, why);
		return 0;
	}
	ok = j.type == JSON_OBJECT;
	json_free(&j);
	if (!ok)
		fprintf(stderr, "%s: -j: not a JSON object\n", cli_prog);
	return ok;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help",	no_argument,	NULL,	'h' },
		{ "version",	no_argument,	NULL,	'V' },
		{ NULL,		0,		NULL,	0 }
	};
	struct request *req;
	struct vm_target t;
	struct diag d;
	struct qmp q;
	long long secs = 10;
	size_t nreq = 0, i;
	int ch, rc, worst = QMP_OK;

	cli_init("qemu-cmd");
	if ((rc = remote_main(&argc, &argv)) != REMOTE_LOCAL)
		return rc;	/* -H host: ssh ran it there */
	req = xcalloc((size_t)argc, sizeof(*req));
	while ((ch = getopt_long(argc, argv, "c:j:t:hV", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c':
		case 'j':
			if (ch == 'j' && !json_object_valid(optarg))
				return EX_USAGE;
			req[nreq].raw = ch == 'j';
			req[nreq++].text = optarg;
			break;
		case 't':
			if (cli_seconds("-t", optarg, 1, 3600, &secs) != 0)
				return EX_USAGE;
			break;
		case 'h':
			usage(stdout);
			return cli_flush();
		case 'V':
			return cli_version();
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (argc - optind != 1) {
		usage(stderr);
		return EX_USAGE;
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
	if (monitor_qmp_open(&q, &t.run, t.ref.name, &t.st, (int)secs * 1000,
	    &d) != QMP_OK)
		worst = QMP_UNREACHABLE;
	diag_flush(&d, cli_prog);
	for (i = 0; i < nreq && worst != QMP_UNREACHABLE; i++) {
		rc = run_one(&q, &req[i], &d);
		diag_flush(&d, cli_prog);
		if (rc > worst)
			worst = rc;
	}
	if (nreq == 0 && worst != QMP_UNREACHABLE)
		worst = run_stdin(&q, &d);
	qmp_close(&q);
	vm_target_free(&t);
	free(req);
	if (cli_flush() != 0)
		return 1;
	return worst;	/* the QMP_ codes are qemu-cmd's exit statuses */
}
