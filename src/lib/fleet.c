/*
 * fleet.c - every host asked at once, their answers read in order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fleet.h"
#include "json.h"
#include "paths.h"
#include "report.h"
#include "transport.h"
#include "visible.h"

/*
 * A document of this many bytes may hold this many values at most: the
 * JSON qemu-init writes spends more than 12 bytes on each (a key, its
 * indentation), and the tree of a hostile one costs a bounded multiple
 * of its text.
 */
#define BYTES_A_VALUE	12

struct host_answer {
	struct strbuf	 out, err;
};

static void
collect(struct transport_job *j, int stream, const char *buf, size_t len)
{
	struct host_answer *a = j->arg;

	sb_add(stream == 1 ? &a->out : &a->err, buf, len);
}

/* Why a job gave no document, and its status; NULL when it may have. */
static char *
job_problem(const struct transport_job *j, int *status)
{
	char *words = transport_last_words(j), *why = NULL;

	*status = REMOTE_NO_ANSWER;
	if (!j->greeted && (j->end == TRANSPORT_TOO_LONG ||
	    (j->end == TRANSPORT_EXITED && j->status != REMOTE_NO_ANSWER))) {
		/* No greeting: in 64 KiB, or by its end. */
		*status = REMOTE_NO_PROGRAM;
		why = xasprintf("no qemu-init answered%s%s", words != NULL ?
		    ": " : "", words != NULL ? words : "");
	} else if (j->end == TRANSPORT_TIMED_OUT)
		why = xasprintf("no whole answer in %d s", j->timeout_ms / 1000);
	else if (j->end == TRANSPORT_TOO_LONG)
		why = xasprintf("an answer longer than %zu bytes", j->max_bytes);
	else if (j->end == TRANSPORT_KILLED)
		why = xasprintf("ssh killed by signal %d", j->status - 128);
	else if (j->end == TRANSPORT_NOT_STARTED)
		why = xstrdup(words != NULL ? words : "ssh not run");
	else if (j->status == REMOTE_NO_ANSWER)
		why = xasprintf("no answer: %s", words != NULL ? words :
		    "ssh failed");
	else
		*status = j->status;	/* it answered: a document? */
	free(words);
	return why;
}

/*
 * The VMs of a host's document, {"vms": [...]}: 0 with *vms and *n set
 * (caller frees *vms), or -1 with why.
 */
static int
read_vms(const struct json *doc, struct report_vm **vms, size_t *n,
    const char **why)
{
	const struct json *list = json_get(doc, "vms");
	size_t i;

	*vms = NULL;
	*n = 0;
	if (list == NULL || list->type != JSON_ARRAY) {
		*why = "no \"vms\" array";
		return -1;
	}
	if (list->n > FLEET_MAX_VMS) {
		*why = "more VMs than FLEET_MAX_VMS (10000)";
		return -1;
	}
	*vms = xcalloc(list->n + 1, sizeof(**vms));
	for (i = 0; i < list->n; i++)
		if (report_vm_read(&(*vms)[i], &list->items[i]) != 0) {
			free(*vms);
			*vms = NULL;
			*why = "a VM that is not an object";
			return -1;
		}
	*n = list->n;
	return 0;
}

/* One host's answer, read and handed on; its status. */
static int
hand_on(const char *host, const struct transport_job *j,
    struct host_answer *a, void (*each)(const struct fleet_answer *,
    void *), void *arg)
{
	struct fleet_answer ans;
	struct report_vm *vms = NULL;
	struct json doc;
	const char *why = NULL;
	char *problem, *line;

	memset(&ans, 0, sizeof(ans));
	ans.host = host;
	problem = job_problem(j, &ans.status);
	if (problem == NULL && json_parse_max(&doc, a->out.s != NULL ?
	    a->out.s : "", a->out.len, a->out.len / BYTES_A_VALUE + 16,
	    &why) == 0) {
		if (read_vms(&doc, &vms, &ans.n, &why) != 0)
			json_free(&doc);
	}
	if (problem == NULL && why != NULL) {
		line = visible_last_line(a->err.s, a->err.len);
		/* A failure that says why, or an answer not qemu-init's. */
		if (ans.status != 0 && line != NULL)
			problem = xasprintf("exit %d: %s", ans.status, line);
		else {
			problem = xasprintf("not a qemu-init answer: %s", why);
			if (ans.status == 0)
				ans.status = REMOTE_NO_ANSWER;
		}
		free(line);
	}
	ans.problem = problem;
	ans.vms = vms;
	sb_free(&a->out);
	each(&ans, arg);
	if (vms != NULL)
		json_free(&doc);
	free(vms);
	free(problem);
	return ans.status;
}

/* What a host wrote on its stderr, a line after "HOST: ". */
static void
relay_errors(const char *host, const struct strbuf *err)
{
	const char *p = err->s, *end;
	struct strbuf line;

	sb_init(&line);
	while (p != NULL && *p != '\0') {
		end = p + strcspn(p, "\n");
		sb_reset(&line);
		(void)visible_add(&line, p, (size_t)(end - p), 0, 0);
		fprintf(stderr, "%s: %s\n", host, line.s != NULL ? line.s : "");
		p = *end != '\0' ? end + 1 : end;
	}
	sb_free(&line);
}

int
fleet_ask(const struct remote_request *r, const char *program, int argc,
    char **args, void (*each)(const struct fleet_answer *, void *),
    void *arg, struct diag *d)
{
	struct remote_how how = { path_env_ssh(), REMOTE_INPUT_NONE, 0,
	    r->timeout_ms };
	struct transport_job *jobs;
	struct host_answer *ans;
	struct strvec *av;
	size_t i;
	int rc = 0, status;

	jobs = xcalloc(r->n + 1, sizeof(*jobs));
	ans = xcalloc(r->n + 1, sizeof(*ans));
	av = xcalloc(r->n + 1, sizeof(*av));
	for (i = 0; i < r->n && rc == 0; i++) {
		sv_init(&av[i]);
		if (remote_ssh_argv(&r->hosts[i], &how, program, argc, args,
		    &av[i], d) != 0)
			rc = -1;
		jobs[i].argv = av[i].v;
		jobs[i].input = -1;
		jobs[i].max_bytes = REMOTE_MAX_ANSWER;
		jobs[i].timeout_ms = r->timeout_ms;
		jobs[i].out = collect;
		jobs[i].arg = &ans[i];
	}
	if (rc == 0) {
		transport_run(jobs, r->n, REMOTE_MAX_AT_ONCE, NULL, NULL);
		for (i = 0; i < r->n; i++) {
			relay_errors(r->hosts[i].spec, &ans[i].err);
			status = hand_on(r->hosts[i].spec, &jobs[i], &ans[i],
			    each, arg);
			if (rc == 0)
				rc = status;
		}
	}
	for (i = 0; i < r->n; i++) {
		transport_job_free(&jobs[i]);
		sb_free(&ans[i].out);
		sb_free(&ans[i].err);
		sv_free(&av[i]);
	}
	free(av);
	free(ans);
	free(jobs);
	return rc;
}
