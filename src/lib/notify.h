/*
 * notify.h - the sd_notify protocol (sd_notify(3)) without a library:
 * "KEY=value" lines in one datagram to the AF_UNIX socket that
 * $NOTIFY_SOCKET names (a path, or "@name" in the abstract namespace),
 * as qemu-init start does as the main process of qemu-init@.service
 * (qemu-init(8), SYSTEMD).
 */
#ifndef QI_NOTIFY_H
#define QI_NOTIFY_H

#include "diag.h"

/* The longest text sent in one datagram; a longer one is refused. */
#define NOTIFY_TEXT_MAX		4096

/*
 * The socket $NOTIFY_SOCKET names, or NULL when it is unset, empty, or
 * neither an absolute path nor "@name", or too long for a sockaddr_un.
 */
const char *notify_socket(void);

/*
 * Sends text (lines of "KEY=value", e.g. "READY=1\nSTATUS=up") to the
 * socket in one datagram, from a socket of its own.  0, or -1 with why
 * in d.
 */
int	notify_send(const char *path, const char *text, struct diag *);

/*
 * sd_notify_barrier(3): "BARRIER=1" with a descriptor the service
 * manager closes once it has read every message sent before it; waits
 * for that, up to timeout_ms.  0, or -1 with why in d.
 */
int	notify_barrier(const char *path, int timeout_ms, struct diag *);

#endif
