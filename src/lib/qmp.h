/*
 * qmp.h - a client of QEMU's machine protocol on a VM's CTLPORT: the
 * greeting, capabilities, the identity check, commands, their replies
 * and errors, and the events that arrive between them.  HMP command
 * lines go through human-monitor-command.
 */
#ifndef QI_QMP_H
#define QI_QMP_H

#include "buf.h"
#include "diag.h"
#include "json.h"
#include "sock.h"

#define QMP_GREETING_MS	2000	/* a busy monitor sends no greeting */
#define QMP_REPLY_MAX	(16 * 1024 * 1024)

/* Also qemu-cmd's exit statuses (SPEC 5). */
enum {
	QMP_OK = 0,
	QMP_FAILED = 1,		/* the command failed: QMP error, HMP error */
	QMP_UNREACHABLE = 2	/* not running, busy, timeout, another VM */
};

struct qmp {
	struct sock_reader r;
	char		*vm;		/* the VM asked for, for messages */
	int		 timeout_ms;	/* for each reply */
	int		 shutdown;	/* a SHUTDOWN event was seen */
	char		*last;		/* the last reply, as QEMU sent it */
};

/*
 * Connects to port, waits up to QMP_GREETING_MS for the greeting,
 * negotiates capabilities and checks with query-name that the VM there
 * is vm.  QMP_OK, or QMP_UNREACHABLE with the reason in d.
 */
int	qmp_open(struct qmp *, const char *vm, unsigned port, int timeout_ms,
	    struct diag *);
/* The same on a unix socket (MONITOR=unix). */
int	qmp_open_unix(struct qmp *, const char *vm, const char *path,
	    int timeout_ms, struct diag *);
void	qmp_close(struct qmp *);
/*
 * Sends one command (a JSON object, no newline) and reads its reply into
 * reply (json_free it).  QMP_OK; QMP_FAILED with QEMU's error text in d;
 * QMP_UNREACHABLE when the connection fails or times out.
 */
int	qmp_execute(struct qmp *, const char *command, struct json *reply,
	    struct diag *);
/* {"execute": name}; the "return" member's string member key, if any. */
int	qmp_query(struct qmp *, const char *name, const char *key,
	    char **value, struct diag *);
/*
 * An HMP command line through human-monitor-command: its output with
 * CRLF turned into LF, appended to out.  QMP_FAILED when the output is
 * an HMP error ("unknown command: ...", "Error: ..."), and when cmdline
 * is not valid UTF-8: then nothing is sent (JSON cannot carry it).
 */
int	qmp_hmp(struct qmp *, const char *cmdline, struct strbuf *out,
	    struct diag *);

#endif
