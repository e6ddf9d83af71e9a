/*
 * guest.c - is the guest up: its agent, or its console log; and what
 * the wait looks like meanwhile (the console's last line, whether QEMU
 * executes the guest at all).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "buf.h"
#include "guest.h"
#include "lifecycle.h"
#include "sock.h"
#include "state.h"

#define LOG_POLL_MS	100	/* a log has no event to wait on portably */
#define STALL_ASK_MS	5000	/* how often an empty console asks QEMU */

void
text_watch_init(struct text_watch *w, const char *text)
{
	w->text = text;
	w->len = strlen(text);
	w->tail = xmalloc(w->len > 0 ? w->len : 1);
	w->ntail = 0;
}

int
text_watch_feed(struct text_watch *w, const char *buf, size_t n)
{
	struct strbuf sb;
	size_t keep;
	int found;

	if (w->len == 0)
		return 1;
	/* What was kept and this piece: a match across them is found. */
	sb_init(&sb);
	sb_add(&sb, w->tail, w->ntail);
	sb_add(&sb, buf, n);
	found = sb.len >= w->len && memmem(sb.s, sb.len, w->text,
	    w->len) != NULL;
	keep = sb.len < w->len - 1 ? sb.len : w->len - 1;
	memcpy(w->tail, sb.s + sb.len - keep, keep);
	w->ntail = keep;
	sb_free(&sb);
	return found;
}

void
text_watch_free(struct text_watch *w)
{
	free(w->tail);
	w->tail = NULL;
}

void
log_tail_init(struct log_tail *t)
{
	memset(t, 0, sizeof(*t));
}

/* Ends the line being written: it is the last one, if it has text. */
static void
end_line(struct log_tail *t)
{
	if (t->len > 0) {
		memcpy(t->last, t->line, t->len);
		t->last[t->len] = '\0';
	}
	t->len = 0;
	t->cr = 0;
}

static void
add_char(struct log_tail *t, char c)
{
	if (t->cr) {
		t->len = 0;
		t->cr = 0;
	}
	if (t->len < LOG_LINE_MAX)
		t->line[t->len++] = c;
	t->line[t->len] = '\0';
}

/* Escape sequences: after ESC, in a CSI (ESC [), in an OSC (ESC ]). */
enum { ESC_NONE, ESC_START, ESC_CSI, ESC_OSC };

/* One byte inside an escape sequence: whether it ended it (1) or not. */
static int
in_escape(struct log_tail *t, unsigned char c)
{
	switch (t->esc) {
	case ESC_START:
		t->esc = c == '[' ? ESC_CSI : c == ']' ? ESC_OSC : ESC_NONE;
		return 1;
	case ESC_CSI:
		if (c >= 0x20 && c <= 0x3f)
			return 1;		/* parameters */
		t->esc = ESC_NONE;
		return c >= 0x40 && c <= 0x7e;	/* its final byte */
	default:				/* OSC: to BEL, ESC or EOL */
		if (c == 0x07 || c == 0x1b || c == '\n') {
			t->esc = c == 0x1b ? ESC_START : ESC_NONE;
			return c != '\n';
		}
		return 1;
	}
}

void
log_tail_feed(struct log_tail *t, const char *buf, size_t n)
{
	unsigned char c;
	size_t i;

	t->bytes += n;
	for (i = 0; i < n; i++) {
		c = (unsigned char)buf[i];
		if (t->esc != ESC_NONE && in_escape(t, c))
			continue;
		if (c == 0x1b)
			t->esc = ESC_START;
		else if (c == '\n')
			end_line(t);
		else if (c == '\r')
			t->cr = 1;
		else if (c == '\t')
			add_char(t, ' ');
		else if (c >= 0x20 && c < 0x7f)
			add_char(t, (char)c);
		else if (c >= 0xc0 && c <= 0xf7)
			add_char(t, '?');	/* a UTF-8 sequence begins */
		/* else: a control byte, or inside a UTF-8 sequence */
	}
}

const char *
log_tail_line(const struct log_tail *t)
{
	return t->len > 0 && !t->cr ? t->line : t->last;
}

/* One wait for one guest. */
struct waiter {
	const struct rundir	*rd;
	const struct vm_config	*vm;
	long long		 t0;
	long long		 deadline;
	int			 log;		/* the console log, or -1 */
	struct log_tail		 tail;
	struct text_watch	 ready;		/* READY, when that is it */
	int			 found;
	char			*waits_for;
	char			*stalled;	/* QEMU's run state, or NULL */
	long long		 asked;		/* when stalled was found */
	guest_tick_fn		 tick;
	void			*arg;
};

/*
 * Whether the VM's QEMU still runs; with the console empty and stall
 * set, also whether QEMU executes the guest (w->stalled).
 */
static int
still_running(struct waiter *w, int stall)
{
	struct vm_state st;
	char *status;
	int run = vm_probe(w->rd, w->vm->name, &st) == VM_RUNNING;

	if (run && stall && w->log >= 0 && w->tail.bytes == 0) {
		status = vm_run_state(w->rd, w->vm->name, &st);
		free(w->stalled);
		w->stalled = NULL;
		/* Not "running", and an answer, not "monitor busy". */
		if (strcmp(status, "running") != 0 &&
		    strncmp(status, "monitor ", 8) != 0)
			w->stalled = status;
		else
			free(status);
		w->asked = now_ms();
	}
	state_free(&st);
	return run;
}

/* Reads what the console log has gained: 0, or -1 with why in d. */
static int
read_log(struct waiter *w, struct diag *d)
{
	char buf[4096];
	ssize_t n;

	while (w->log >= 0 && !w->found) {
		n = read(w->log, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			diag_error(d, "cannot read the console log of '%s': %s",
			    w->vm->name, strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		log_tail_feed(&w->tail, buf, (size_t)n);
		if (!w->vm->agent)
			w->found = text_watch_feed(&w->ready, buf, (size_t)n);
	}
	return 0;
}

/* The progress so far, to the tick; now and then, whether QEMU stalls. */
static void
tick(struct waiter *w)
{
	struct guest_progress pg;
	long long now = now_ms();

	if (w->tick == NULL)
		return;
	if (w->log >= 0 && w->tail.bytes == 0 && now - w->t0 >= STALL_ASK_MS &&
	    now - w->asked >= STALL_ASK_MS)
		(void)still_running(w, 1);
	pg.elapsed_ms = now - w->t0;
	pg.waits_for = w->waits_for;
	pg.console = w->log >= 0;
	pg.last_line = log_tail_line(&w->tail);
	pg.stalled = w->tail.bytes == 0 ? w->stalled : NULL;
	w->tick(&pg, w->arg);
}

/* For the agent's wait: the console log read, and the tick. */
static void
agent_tick(void *arg)
{
	struct waiter *w = arg;
	struct diag ignored;

	diag_init(&ignored);
	(void)read_log(w, &ignored);
	diag_clear(&ignored);
	tick(w);
}

/* Reads the console log as it grows until READY shows up. */
static int
wait_console(struct waiter *w, struct diag *d)
{
	for (;;) {
		if (read_log(w, d) != 0)
			return -1;
		if (w->found)
			return 0;
		if (!still_running(w, 0)) {
			diag_error(d, "'%s' stopped before '%s' showed up in "
			    "its console log", w->vm->name, w->vm->ready);
			return -1;
		}
		if (now_ms() >= w->deadline)
			return 1;
		tick(w);
		(void)usleep(LOG_POLL_MS * 1000);
	}
}

/*
 * Not up by the deadline, while QEMU runs: what was waited for (why),
 * whether QEMU executes the guest at all, and what to do now.
 */
static void
not_up(struct waiter *w, long long wait_s, const char *why, struct diag *d)
{
	const char *name = w->vm->name;
	char *stall = NULL;

	if (w->log >= 0 && w->tail.bytes == 0)
		(void)still_running(w, 1);
	if (w->stalled != NULL && w->log >= 0 && w->tail.bytes == 0)
		stall = xasprintf("its console log is empty and QEMU is not "
		    "executing the guest (state: %s)%s", w->stalled,
		    w->vm->kvm != KVM_NO ? ", as with a /dev/kvm that opens "
		    "but does not work: try KVM=no" : "");
	diag_error(d, "'%s' is not up after %lld s: %s; it still runs: "
	    "watch it with 'qemu-init console %s', stop it with 'qemu-init "
	    "stop %s'", name, wait_s, stall != NULL ? stall : why, name,
	    name);
	free(stall);
}

int
guest_wait_up(const struct rundir *rd, const struct vm_config *vm,
    long long wait_s, guest_tick_fn fn, void *arg, struct diag *d)
{
	struct waiter w;
	struct diag why;
	char *said;
	int rc;

	if (!vm->agent && !vm->serial) {
		diag_error(d, "cannot tell when '%s' is up: it has neither a "
		    "console log (SERIAL=no) nor a guest agent (AGENT=yes)",
		    vm->name);
		return -1;
	}
	memset(&w, 0, sizeof(w));
	w.rd = rd;
	w.vm = vm;
	w.t0 = now_ms();
	w.deadline = w.t0 + wait_s * 1000;
	w.tick = fn;
	w.arg = arg;
	w.log = -1;
	log_tail_init(&w.tail);
	text_watch_init(&w.ready, vm->ready);
	w.waits_for = vm->agent ? xstrdup("its guest agent") :
	    xasprintf("'%s' in its console log", vm->ready);
	if (vm->serial && (w.log = rundir_openat(rd, vm->name,
	    RUN_CONSOLE_LOG, O_RDONLY, 0)) < 0 && !vm->agent)
		diag_error(d, "cannot read the console log of '%s': %s",
		    vm->name, strerror(errno));
	diag_init(&why);
	if (w.log < 0 && !vm->agent)
		rc = -1;
	else if (vm->agent) {
		rc = agent_ping(rd, vm->name, w.deadline, agent_tick, &w,
		    &why);
		/* Not by the deadline, and QEMU runs: not up in time. */
		if (rc != 0)
			rc = now_ms() >= w.deadline && still_running(&w, 0) ?
			    1 : -1;
	} else
		rc = wait_console(&w, &why);
	if (rc == 1 && vm->agent)
		not_up(&w, wait_s, diag_first_error(&why), d);
	else if (rc == 1) {
		said = xasprintf("no '%s' in its console log", vm->ready);
		not_up(&w, wait_s, said, d);
		free(said);
	} else
		diag_move(d, &why);
	diag_clear(&why);
	text_watch_free(&w.ready);
	free(w.waits_for);
	free(w.stalled);
	if (w.log >= 0)
		(void)close(w.log);
	return rc == 0 ? 0 : -1;
}
