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
#include "proc.h"
#include "sock.h"

#define QMP_GREETING_MS	2000	/* a busy monitor sends no greeting */
#define QMP_REPLY_MAX	(16 * 1024 * 1024)

/* qemu-cmd's exit statuses (qemu-cmd(1)) are these, QMP_BUSY as 2. */
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
	/*
	 * Set by the caller: the events that come while a command waits
	 * for its reply are kept for qmp_event (the last QMP_EVENTS_KEPT),
	 * not dropped.
	 */
	int		 keep_events;
	struct json	*events;	/* kept, oldest first */
	size_t		 nevents;
};

#define QMP_EVENTS_KEPT	64

/*
 * Connects to port on the loopback addresses of addrs (SOCK_V4, then
 * SOCK_V6 when that is busy or refuses: see sock_connect_greeted),
 * sends qmp_capabilities at once and waits up to QMP_GREETING_MS for
 * the greeting, which must be QMP's.  Who answers must be vm: with
 * qemu, the caller has found that this process is vm's QEMU and listens
 * on port on those addresses for as long as it runs (qemu_cmdline_
 * monitor), and it must still run once greeted; with qemu NULL, it is
 * asked (query-name, sent with the capabilities) before anything else
 * is sent.  All of it by one deadline, timeout_ms from now, however
 * much the monitor sends meanwhile.  QMP_OK; QMP_BUSY when every
 * address is busy, with who holds the port in d when that can be told;
 * QMP_UNREACHABLE with the reason in d.  q is set up even on failure:
 * qmp_close it either way.
 */
int	qmp_open(struct qmp *, const char *vm, unsigned port, int addrs,
	    const struct proc_id *qemu, int timeout_ms, struct diag *);
/*
 * The same on a unix socket (MONITOR=unix, qemu-init's own socket), by
 * the same one deadline; with qemu, the process that listens there
 * (SO_PEERCRED) must be that one, before anything is sent.
 */
int	qmp_open_unix(struct qmp *, const char *vm, const char *path,
	    const struct proc_id *qemu, int timeout_ms, struct diag *);
/*
 * One query on a unix socket, as qmp_open_unix and qmp_query by one
 * deadline: with qemu, the query goes with the capabilities, before
 * the greeting (one round trip).  The value (or NULL) in *value (caller
 * frees); a QMP_ code.
 */
int	qmp_query_unix(const char *vm, const char *path,
	    const struct proc_id *qemu, const char *name, const char *key,
	    char **value, int timeout_ms, struct diag *d);
void	qmp_close(struct qmp *);
/* q set up for no monitor yet (for qmp_close). */
void	qmp_init(struct qmp *, const char *vm, int timeout_ms);
/*
 * Whether the process that listens on the unix socket fd (at where) is
 * qemu, vm's QEMU: 0, or -1 with why in d.
 */
int	qmp_peer_is(int fd, const char *vm, const char *where,
	    const struct proc_id *qemu, struct diag *d);
/*
 * Whether qemu, vm's QEMU, runs in another network namespace than ours,
 * where its loopback port cannot be reached from here: 1 with why (and
 * where to run the command) in d, else 0.
 */
int	qmp_other_netns(const char *vm, unsigned port,
	    const struct proc_id *qemu, struct diag *d);
/* Whether qemu, vm's QEMU, still runs: 0, or -1 with why in d. */
int	qmp_still_runs(const char *vm, const struct proc_id *qemu,
	    struct diag *d);

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
 * qmp_execute, with the descriptor pass sent along with the command
 * (SCM_RIGHTS, on a unix socket only): for add-fd and getfd, which
 * take the descriptor that came with them.  pass stays ours.
 */
int	qmp_execute_fd(struct qmp *, const char *command, int pass,
	    struct json *reply, struct diag *);
/* qmp_execute of the command fmt makes (reply: NULL, or as there). */
int	qmp_executef(struct qmp *, struct json *reply, struct diag *,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/*
 * Hands QEMU the descriptor fd (ours stays open) under the name fdname,
 * for a command after it that names it ("fd:NAME" of migrate, {"type":
 * "fd", "str": NAME} of a socket address): QMP getfd, the descriptor
 * going with the command.  A QMP_ code, as qmp_execute; a name of more
 * than QMP_FDNAME_MAX bytes, or of other than letters, digits, '-' and
 * '_', is refused (QMP_FAILED).
 */
#define QMP_FDNAME_MAX	64
int	qmp_pass_fd(struct qmp *, const char *fdname, int fd, struct diag *);
/*
 * The next event: a kept one, else one read by the deadline (now_ms();
 * a reply that comes meanwhile is dropped).  1 with it in *event
 * (json_free it), 0 when none came by the deadline, -1 when the
 * connection failed (why in d).
 */
int	qmp_event(struct qmp *, long long deadline, struct json *event,
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
