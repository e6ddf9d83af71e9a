/*
 * qmp.h - a client of QEMU's machine protocol on a VM's CTLPORT: the
 * greeting (or that the monitor is busy, and who holds it),
 * capabilities, the identity check, commands with ids and the replies
 * that carry them, errors, and the events that arrive between them.
 * Every request has one deadline.  HMP command lines go through
 * human-monitor-command.
 */
#ifndef QI_QMP_H
#define QI_QMP_H

#include "buf.h"
#include "diag.h"
#include "json.h"
#include "sock.h"

#define QMP_GREETING_MS	2000	/* a busy monitor sends no greeting */
#define QMP_REPLY_MAX	(16 * 1024 * 1024)

/* qemu-cmd's exit statuses (SPEC 5) are these, QMP_BUSY as 2. */
enum {
	QMP_OK = 0,
	QMP_FAILED = 1,		/* the command failed: QMP error, HMP error */
	QMP_UNREACHABLE = 2,	/* not running, timeout, closed, not vm */
	QMP_BUSY = 3		/* connected, no greeting within
				   QMP_GREETING_MS: serving another client */
};

struct qmp {
	struct sock_reader r;
	char		*vm;		/* the VM asked for, for messages */
	int		 timeout_ms;	/* for each request, all of it */
	unsigned	 next_id;	/* the last id given to a command */
	char		*last;		/* the last command's reply */
};

/*
 * Connects to port and waits up to QMP_GREETING_MS for the greeting, on
 * ::1 and then on 127.0.0.1 when ::1 is busy or not there (see
 * sock_connect_greeted); then negotiates capabilities and checks with
 * query-name that the VM there is vm.  All of it by one deadline,
 * timeout_ms from now, however much the monitor sends meanwhile.
 * QMP_OK; QMP_BUSY when every address is busy, with who holds the port
 * in d when that can be told; QMP_UNREACHABLE with the reason in d.  q
 * is set up even on failure: qmp_close it either way.
 */
int	qmp_open(struct qmp *, const char *vm, unsigned port, int timeout_ms,
	    struct diag *);
/* The same on a unix socket (MONITOR=unix), by the same one deadline. */
int	qmp_open_unix(struct qmp *, const char *vm, const char *path,
	    int timeout_ms, struct diag *);
void	qmp_close(struct qmp *);
/*
 * Records in d that the monitor of vm on a loopback port (0: a unix
 * socket) is busy, naming who holds the port when that can be told
 * ("monitor of 'web' is busy: held by pid 1234 (nc)").
 */
void	qmp_busy_error(const char *vm, unsigned port, struct diag *);
/*
 * Sends one command (a JSON object, no newline) with an id, and reads
 * the reply that carries that id into reply (json_free it); events and
 * replies to other ids (of commands given up on) are skipped.  The
 * command's own "id", which must then be a string, is used if it has
 * one, else qemu-init's.  One deadline, q->timeout_ms from now, for the
 * whole request, however much the monitor sends meanwhile.  QMP_OK;
 * QMP_FAILED with QEMU's error text in d (or why the command was not
 * sent); QMP_UNREACHABLE when the connection fails or the deadline
 * passes.  q->last holds this command's reply as QEMU sent it, an error
 * included, or is NULL when none came.
 */
int	qmp_execute(struct qmp *, const char *command, struct json *reply,
	    struct diag *);
/*
 * Whether qmp_execute would send command: a JSON object (RFC 8259, in
 * UTF-8) whose "id", if it has one, is a string.  0, or -1 with why in d
 * ("not JSON: bad number", "not a JSON object", ...).
 */
int	qmp_command_check(const char *command, struct diag *);
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
