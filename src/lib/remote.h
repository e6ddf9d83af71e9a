/*
 * remote.h - the same command on other hosts, through the system's ssh
 * and nothing of our own on the network (qemu-init(8) Other hosts):
 * -H [user@]host[:port] given first, QEMU_INIT_HOST, and host list files
 * (-H @hosts is CONFDIR/hosts).  -H is a transport, not a front end: the
 * remote program gets its arguments exactly, whatever the remote user's
 * shell, as one word of letters, digits, '-' and '_' (remote_argv_encode)
 * that no shell rewrites, and greets first (transport.h) so that a
 * missing one is told from its output.  One host: a terminal session
 * (qemu-mon, console) is ssh exec'd in our place; anything else has its
 * output relayed, bounded in bytes and time, made visible (visible.h),
 * with its exit status.  Several hosts: the front end asks them all at
 * once (fleet.h) and shows their answers as its own.
 *
 * remote_main is the hook at the top of each program's main, and prints,
 * as cli.h does; everything else here records in a struct diag or a
 * const char **why.
 */
#ifndef QI_REMOTE_H
#define QI_REMOTE_H

#include <stddef.h>

#include "buf.h"
#include "diag.h"

#define REMOTE_LOCAL		(-1)	/* remote_main: run it here */
#define REMOTE_FLEET		(-2)	/* remote_main: several hosts */
#define REMOTE_NO_ANSWER	255	/* ssh failed, or no whole answer */
#define REMOTE_NO_PROGRAM	127	/* no qemu-init answered there */
#define REMOTE_TIMEOUT_S	30	/* several hosts: each one's deadline */
#define REMOTE_TIMEOUT_ONE_S	3600	/* one host: the command's deadline */
#define REMOTE_MAX_AT_ONCE	32	/* several hosts: ssh processes at once */
#define REMOTE_MAX_ANSWER	(4 * 1024 * 1024)	/* bytes from a host */
#define REMOTE_ARGV_OPTION	"--argv="	/* the remote program's */
#define REMOTE_FLEET_ONLY	"-H: several hosts: only qemu-init list " \
	"and status ask them all; name one host for anything else"


/* One host as -H or a host list names it. */
struct remote_host {
	char	*spec;		/* as written: the HOST column */
	char	*user;		/* NULL: ssh's choice (ssh_config, $USER) */
	char	*name;		/* a name, an address or an ssh_config Host */
	char	*port;		/* NULL: ssh's choice */
};

/*
 * Parses [user@]host[:port]; an IPv6 address with a port is written in
 * brackets ([::1]:22), one without may be bare.  Neither part may start
 * with '-' (it would be an option to ssh) or hold white space.  0 with h
 * filled (remote_host_free it), or -1 with *why set.
 */
int	remote_host_parse(const char *spec, struct remote_host *h,
	    const char **why);
void	remote_host_free(struct remote_host *);

/*
 * Reads a host list: one [user@]host[:port] a line, '#' comments, blank
 * lines.  0 with *hosts and *n set (possibly none), or -1 with
 * "FILE:LINE: ..." in d.  As root, a file others can write is refused
 * (config_read).
 */
int	remote_hosts_load(const char *path, struct remote_host **hosts,
	    size_t *n, struct diag *d);
void	remote_hosts_free(struct remote_host *, size_t n);

/* Where the command goes. */
struct remote_request {
	struct remote_host	*hosts;
	size_t			 n;	/* 0: this host */
	int			 fleet;	/* -H twice or a host list: HOST column */
	int			 timeout_ms;	/* each host's (remote_main) */
};

/*
 * Takes the -H host, -Hhost, --host=host and --host host options that
 * come first after the program's name out of argv (argv[0] stays), or
 * else QEMU_INIT_HOST's value as one such option.  An empty host means
 * this host (and only alone); @FILE a host list, FILE in CONFDIR when it
 * has no '/'.  0 with r filled (remote_request_free it), EX_USAGE after
 * a bad option, or 1 after a bad host list, with why in d.
 */
int	remote_options(int *argc, char ***argv, struct remote_request *r,
	    struct diag *d);
void	remote_request_free(struct remote_request *);

/* What the remote program does with stdin, and so what ssh is told. */
enum remote_input {
	REMOTE_INPUT_NONE,	/* -n: ssh leaves the caller's stdin alone */
	REMOTE_INPUT_PIPE,	/* -T: stdin relayed, no terminal */
	REMOTE_INPUT_TERMINAL	/* -t when stdin is a terminal, else -T */
};

/*
 * For program (qemu-init, qemu-cmd or qemu-mon) with these arguments
 * (those after the program's name and -H): qemu-mon, qemu-init console
 * and qemu-init start -c want a terminal; qemu-cmd reads stdin when it
 * has no -c and no -j; anything else reads nothing.
 */
enum remote_input remote_input_of(const char *program, int argc,
	    char *const argv[]);

/* How ssh is run besides where to. */
struct remote_how {
	const char	*ssh;		/* QEMU_INIT_SSH: shell words; NULL "ssh" */
	enum remote_input input;
	int		 terminal;	/* stdin and stderr are terminals */
	int		 timeout_ms;	/* each host's deadline */
};

/*
 * The remote words for args: "--argv=" and the arguments, each followed
 * by a NUL byte, in base64url (RFC 4648 section 5, no padding): only
 * letters, digits, '-' and '_', which no shell (sh, bash, fish, csh...)
 * splits, expands or quotes.  Caller frees.
 */
char	*remote_argv_encode(int argc, char *const args[]);
/*
 * The arguments in the DATA of --argv=DATA, pushed onto out: 0, or -1
 * with *why set (not base64url, or not NUL-ended arguments).
 */
int	remote_argv_decode(const char *data, struct strvec *out,
	    const char **why);

/*
 * ssh's argument vector for running program with args on h: the words
 * of how->ssh, -o BatchMode=yes unless how->terminal, -e none (no ~
 * escapes: every byte reaches the remote program, Ctrl-] too), -t or
 * -T, -n when nothing reads stdin, -p and -l from h, "--", the host, and
 * the remote command, "PROGRAM --argv=DATA" (remote_argv_encode).  0, or
 * -1 with why in d (QEMU_INIT_SSH cannot be split).
 */
int	remote_ssh_argv(const struct remote_host *h,
	    const struct remote_how *how, const char *program, int argc,
	    char *const args[], struct strvec *out, struct diag *d);


/*
 * The hook at the top of each program's main, after cli_init.  The
 * transport form, "PROGRAM --argv=DATA": argv is the arguments of DATA,
 * acted on here, and the greeting is written first when stdout is no
 * terminal; REMOTE_LOCAL.  No -H (nor QEMU_INIT_HOST), or an empty
 * one: REMOTE_LOCAL, argv without the -H options.  One host: the
 * command runs there (exec'd ssh for a terminal session, else relayed
 * until it ends), and its exit status, REMOTE_NO_ANSWER or
 * REMOTE_NO_PROGRAM is returned.  Several: REMOTE_FLEET, the hosts in
 * *fleet (remote_request_free it) and argv without the -H options, or,
 * with fleet NULL (a program that asks no fleet), EX_USAGE after a
 * message.  Otherwise the exit status after a message.
 */
int	remote_main(int *argc, char ***argv, struct remote_request *fleet);

#endif
