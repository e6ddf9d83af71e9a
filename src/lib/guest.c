/*
 * guest.c - is the guest up: its agent, or its console log.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "buf.h"
#include "guest.h"
#include "sock.h"
#include "state.h"

#define LOG_POLL_MS	100	/* a log has no event to wait on portably */

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

/* Whether the VM's QEMU still runs. */
static int
still_running(const struct rundir *rd, const char *name)
{
	struct vm_state st;
	int run = vm_probe(rd, name, &st) == VM_RUNNING;

	state_free(&st);
	return run;
}

/* Reads the console log as it grows until READY shows up. */
static int
wait_console(const struct rundir *rd, const struct vm_config *vm,
    long long deadline, long long wait_s, struct diag *d)
{
	struct text_watch w;
	char buf[4096];
	ssize_t n;
	int fd, found = 0;

	fd = rundir_openat(rd, vm->name, RUN_CONSOLE_LOG, O_RDONLY, 0);
	if (fd < 0) {
		diag_error(d, "cannot read the console log of '%s': %s",
		    vm->name, strerror(errno));
		return -1;
	}
	text_watch_init(&w, vm->ready);
	while (!found) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno != EINTR) {
			diag_error(d, "cannot read the console log of '%s': %s",
			    vm->name, strerror(errno));
			break;
		}
		if (n > 0) {
			found = text_watch_feed(&w, buf, (size_t)n);
			continue;
		}
		if (!still_running(rd, vm->name)) {
			diag_error(d, "'%s' stopped before '%s' showed up in "
			    "its console log", vm->name, vm->ready);
			break;
		}
		if (now_ms() >= deadline) {
			diag_error(d, "'%s' is not up after %lld s: no '%s' in "
			    "its console log", vm->name, wait_s, vm->ready);
			break;
		}
		(void)usleep(LOG_POLL_MS * 1000);
	}
	text_watch_free(&w);
	(void)close(fd);
	return found ? 0 : -1;
}

int
guest_wait_up(const struct rundir *rd, const struct vm_config *vm,
    long long wait_s, struct diag *d)
{
	long long deadline = now_ms() + wait_s * 1000;

	if (vm->agent)
		return agent_ping(rd, vm->name, deadline, d);
	if (!vm->serial) {
		diag_error(d, "cannot tell when '%s' is up: it has neither a "
		    "console log (SERIAL=no) nor a guest agent (AGENT=yes)",
		    vm->name);
		return -1;
	}
	return wait_console(rd, vm, deadline, wait_s, d);
}
