/*
 * qmpmany.h - one QMP question to many VMs at once, for list and status
 * on a host with many VMs: every control socket is connected at once
 * and served from one poll loop, so a slow or busy VM costs its own
 * deadline, not everyone's.  Each answer is checked to come from the VM
 * asked: the process listening on the socket (SO_PEERCRED) must be its
 * QEMU.  The questions go with the connect, without waiting for QMP's
 * greeting, so that each VM costs QEMU two commands and no round trip
 * more.
 */
#ifndef QI_QMPMANY_H
#define QI_QMPMANY_H

#include <sys/types.h>

#include <stddef.h>

/* How one VM answered. */
enum qmp_many_result {
	QMP_MANY_OK,		/* value holds the answer */
	QMP_MANY_BUSY,		/* connected, but no greeting in time */
	QMP_MANY_SILENT,	/* greeted, but no answer in time */
	QMP_MANY_FAILED		/* cannot connect, not QMP, another process */
};

struct qmp_ask {
	pid_t		 pid;		/* its QEMU, who must listen on path */
	const char	*path;		/* its QMP unix socket */
	size_t		 tag;		/* the caller's */
	enum qmp_many_result result;
	char		*value;		/* the answer's string; free it */
};

/*
 * Asks every VM the query command (a QMP command name with no
 * arguments, e.g. "query-status") and takes the string member key of
 * its "return".  At most max_open sockets are open at once; each VM
 * gets timeout_ms from its connect.
 */
void	qmp_ask_all(struct qmp_ask *, size_t n, const char *command,
	    const char *key, int timeout_ms, size_t max_open);

#endif
