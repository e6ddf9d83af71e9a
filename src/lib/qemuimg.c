/*
 * qemuimg.c - qemu-img's argument vectors, and what it says.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "proc.h"
#include "qemuimg.h"

/* What -p prints as it goes: "    (12.34/100%)\r". */
#define PROGRESS_TAIL	"/100%)"

/* qemu-img's -p output as it comes, and what it has shown so far. */
struct watch {
	const struct qimg_progress *p;
	struct strbuf	 pending;	/* since the last ')' */
};

static void
watch_output(const char *buf, size_t len, void *arg)
{
	struct watch *w = arg;
	const char *open, *end;

	sb_add(&w->pending, buf, len);
	/* The last whole "(N/100%)" counts; the rest waits for more. */
	while ((end = strstr(w->pending.s, PROGRESS_TAIL)) != NULL) {
		open = end;
		while (open > w->pending.s && open[-1] != '(')
			open--;
		if (open > w->pending.s && w->p != NULL)
			w->p->tick(strtod(open, NULL), w->p->arg);
		sb_consume(&w->pending, (size_t)(end - w->pending.s) +
		    strlen(PROGRESS_TAIL));
	}
	/* Nothing but progress comes: a line without it is dropped. */
	if (w->pending.len > 256)
		sb_reset(&w->pending);
}

/*
 * Runs qemu-img with av (its words after "qemu-img"), watching its
 * progress with p (-p then added).  0, or -1 with "qemu-img VERB: what
 * it said" in d.
 */
static int
run(struct strvec *av, const struct qimg_progress *p, struct diag *d)
{
	struct watch w = { p, { NULL, 0, 0 } };
	struct strbuf err;
	char *said;
	int status, rc;

	sb_init(&err);
	sb_init(&w.pending);
	sb_add(&w.pending, "", 0);
	rc = p != NULL ? proc_run_watch(av->v, watch_output, &w, &err,
	    &status, d) : proc_run(av->v, NULL, NULL, &err, &status, d);
	if (rc == 0 && status != 0) {
		said = diag_one_line(err.s);
		diag_error(d, "%s %s failed: %s", QEMU_IMG, av->v[1],
		    said[0] != '\0' ? said : status > 128 ? "killed by a "
		    "signal" : "no reason given");
		free(said);
		rc = -1;
	}
	sb_free(&err);
	sb_free(&w.pending);
	return rc;
}

/* "qemu-img VERB", and -p when there is progress to watch. */
static void
begin(struct strvec *av, const char *verb, const struct qimg_progress *p)
{
	sv_init(av);
	sv_push(av, QEMU_IMG);
	sv_push(av, verb);
	sv_push(av, p != NULL ? "-p" : "-q");
}

int
qimg_create(const char *path, unsigned long long size, const char *backing,
    const char *backing_format, struct diag *d)
{
	struct strvec av;
	int rc;

	begin(&av, "create", NULL);
	sv_push(&av, "-f");
	sv_push(&av, "qcow2");
	if (backing != NULL) {
		sv_push(&av, "-u");
		sv_push(&av, "-b");
		sv_push(&av, backing);
		sv_push(&av, "-F");
		sv_push(&av, backing_format);
	}
	sv_push(&av, path);
	sv_pushf(&av, "%llu", size);
	rc = run(&av, NULL, d);
	sv_free(&av);
	return rc;
}

int
qimg_convert(const char *src, const char *src_format, const char *dst,
    const char *dst_format, unsigned long long limit,
    const struct qimg_progress *p, struct diag *d)
{
	struct strvec av;
	int rc;

	begin(&av, "convert", p);
	if (limit > 0) {
		sv_push(&av, "-r");
		sv_pushf(&av, "%llu", limit);
	}
	sv_push(&av, "-f");
	sv_push(&av, src_format);
	sv_push(&av, "-O");
	sv_push(&av, dst_format);
	sv_push(&av, src);
	sv_push(&av, dst);
	rc = run(&av, p, d);
	sv_free(&av);
	return rc;
}

int
qimg_rebase(const char *path, const char *backing, const char *backing_format,
    const struct qimg_progress *p, struct diag *d)
{
	struct strvec av;
	int rc;

	begin(&av, "rebase", p);
	sv_push(&av, "-f");
	sv_push(&av, "qcow2");
	sv_push(&av, "-b");
	sv_push(&av, backing);
	sv_push(&av, "-F");
	sv_push(&av, backing_format);
	sv_push(&av, path);
	rc = run(&av, p, d);
	sv_free(&av);
	return rc;
}

int
qimg_snapshot(enum qimg_snapshot_op op, const char *path, const char *name,
    struct diag *d)
{
	static const char *const flag[] = {
		[QIMG_SNAPSHOT_CREATE] = "-c", [QIMG_SNAPSHOT_APPLY] = "-a",
		[QIMG_SNAPSHOT_DELETE] = "-d"
	};
	struct strvec av;
	char *file;
	int rc;

	/* snapshot has no -f: the format goes in the image's options. */
	file = qemu_opt_escape(path);
	begin(&av, "snapshot", NULL);
	sv_push(&av, "--image-opts");
	sv_push(&av, flag[op]);
	sv_push(&av, name);
	sv_pushf(&av, "driver=qcow2,file.driver=file,file.filename=%s", file);
	rc = run(&av, NULL, d);
	sv_free(&av);
	free(file);
	return rc;
}

int
qimg_bitmap(int add, const char *path, const char *name, struct diag *d)
{
	struct strvec av;
	int rc;

	sv_init(&av);
	sv_push(&av, QEMU_IMG);
	sv_push(&av, "bitmap");
	sv_push(&av, add ? "--add" : "--remove");
	sv_push(&av, "-f");
	sv_push(&av, "qcow2");
	sv_push(&av, path);
	sv_push(&av, name);
	rc = run(&av, NULL, d);
	sv_free(&av);
	return rc;
}
