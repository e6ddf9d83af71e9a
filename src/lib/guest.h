/*
 * guest.h - whether the guest inside a running VM is up, for
 * qemu-init start -w (qemu-init(8)): with AGENT=yes its guest agent
 * answers guest-ping (agent.h); without, its console log shows the VM's
 * READY text (qemu-init.cfg(5)), read through the RUNDIR descriptor.
 */
#ifndef QI_GUEST_H
#define QI_GUEST_H

#include <stddef.h>

#include "diag.h"
#include "rundir.h"
#include "vmconf.h"

/* A fixed text looked for in a stream read piece by piece. */
struct text_watch {
	const char	*text;		/* not empty */
	size_t		 len;
	char		*tail;		/* the last len - 1 bytes seen */
	size_t		 ntail;
};

void	text_watch_init(struct text_watch *, const char *text);
/* Whether text occurs in all that was fed so far, this piece included. */
int	text_watch_feed(struct text_watch *, const char *buf, size_t n);
void	text_watch_free(struct text_watch *);

#define LOG_LINE_MAX	160	/* the longest console line kept */

/*
 * The last line of a console log read piece by piece, made printable:
 * escape sequences (colours, cursor moves) dropped, other control
 * characters dropped (a tab is a blank, a CR starts the line over), each
 * byte beyond ASCII a '?' (one for a UTF-8 sequence): nothing the guest
 * writes can move or recolour the terminal that shows it.
 */
struct log_tail {
	char		 line[LOG_LINE_MAX + 1];	/* being written */
	size_t		 len;
	char		 last[LOG_LINE_MAX + 1];	/* the last ended one */
	int		 esc;		/* in an escape sequence: its kind */
	int		 cr;		/* a CR: the next character starts over */
	unsigned long long bytes;	/* all fed so far */
};

void	log_tail_init(struct log_tail *);
void	log_tail_feed(struct log_tail *, const char *buf, size_t n);
/* The line being written when it has text, else the last ended one. */
const char *log_tail_line(const struct log_tail *);

/* Where a wait for the guest stands, for a live line (start -w). */
struct guest_progress {
	long long	 elapsed_ms;
	const char	*waits_for;	/* "'READY' in its console log", ... */
	int		 console;	/* the console log is read (SERIAL=yes) */
	const char	*last_line;	/* log_tail_line, "" when none */
	const char	*stalled;	/* NULL, or QEMU's run state when the
					   console is empty and QEMU does not
					   execute the guest */
};

typedef void (*guest_tick_fn)(const struct guest_progress *, void *arg);

/*
 * Waits up to wait_s seconds (one deadline) until the guest of a running
 * VM is up: 0, or -1 with why in d (not up in time, QEMU gone, nothing
 * to watch: SERIAL=no without AGENT=yes).  Not up in time says that the
 * VM still runs and how to look at it or stop it, and when the guest
 * wrote nothing to its console while QEMU does not execute it, says so
 * (with KVM=auto or yes, KVM=no as the likely fix).  tick, unless NULL,
 * is called with arg every GUEST_TICK_MS or so while it waits.
 */
#define GUEST_TICK_MS	250
int	guest_wait_up(const struct rundir *, const struct vm_config *,
	    long long wait_s, guest_tick_fn tick, void *arg, struct diag *);

#endif
