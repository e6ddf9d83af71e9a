/*
 * relay.h - a terminal attached to a socket (qemu-mon, qemu-init
 * console): raw mode, Ctrl-] to leave, the terminal restored on every
 * way out, signals included.
 */
#ifndef QI_RELAY_H
#define QI_RELAY_H

#include "diag.h"

#define RELAY_ESCAPE	0x1d	/* Ctrl-] */
/* Not a terminal: after stdin's end, how long to wait for replies. */
#define RELAY_DRAIN_SECONDS	10	/* a monitor: until it closes */
#define RELAY_LINGER_MS		1000	/* a console: until it is quiet */
/* Either, at most, after the end of stdin: a peer that never stops. */
#define RELAY_AFTER_EOF_MS	15000

/* What the end of a non-terminal stdin does to the connection. */
enum relay_eof {
	RELAY_HALF_CLOSE,	/* shut our side; the peer answers and closes */
	RELAY_LINGER		/* keep it; the peer never closes (console) */
};

enum relay_end {
	RELAY_ERROR = -1,
	RELAY_ESCAPED,		/* the user pressed Ctrl-] */
	RELAY_PEER_CLOSED,	/* the other side closed */
	RELAY_INPUT_CLOSED,	/* stdin reached its end */
	RELAY_SIGNALLED		/* SIGINT, SIGTERM or SIGHUP; SIGPIPE when
				   stdout is a pipe its reader closed */
};

/*
 * Relays stdin to fd and fd to stdout until one of the ends above.
 * When stdin is a terminal it is put in raw mode for the duration and
 * Ctrl-] ends the relay; otherwise bytes pass unchanged, and at the end
 * of stdin what the peer still sends is relayed: with RELAY_HALF_CLOSE
 * the socket's write side is shut and the relay lasts until the peer
 * closes (RELAY_PEER_CLOSED) or is silent for RELAY_DRAIN_SECONDS; with
 * RELAY_LINGER until the peer has been silent for RELAY_LINGER_MS
 * (RELAY_INPUT_CLOSED), and in both cases no longer than
 * RELAY_AFTER_EOF_MS after the end of stdin (a guest that never stops
 * talking).  SIGPIPE is ignored meanwhile: a closed stdout
 * ends the relay as RELAY_SIGNALLED (SIGPIPE), a socket closed under a
 * write as RELAY_PEER_CLOSED, with the terminal restored.
 */
enum relay_end relay_run(int fd, enum relay_eof, struct diag *);
/* After RELAY_SIGNALLED: which signal it was. */
int	relay_signal(void);

#endif
