/*
 * remote.c - commands on other hosts through ssh.
 *
 * A terminal session execs ssh -t, so that the terminal, the signals
 * and the exit status are ssh's, which are the remote program's.  Any
 * other command on one host is ssh -T as our child (transport.h): its
 * output is relayed as it comes, made visible, until it ends or passes
 * its deadline or its bound.  Several hosts are the front end's
 * (fleet.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "diag.h"
#include "fileread.h"
#include "paths.h"
#include "remote.h"
#include "scalar.h"
#include "shwords.h"
#include "transport.h"
#include "visible.h"

/* --- hosts ---------------------------------------------------------------- */

static int
user_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
	    c == '$';
}

/* A name, an IPv4 or (bare) IPv6 address, an ssh_config Host. */
static int
host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
	    c == ':' || c == '%';
}

static int
all_of(const char *s, size_t len, int (*ok)(char))
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!ok(s[i]))
			return 0;
	return 1;
}

void
remote_host_free(struct remote_host *h)
{
	free(h->spec);
	free(h->user);
	free(h->name);
	free(h->port);
	memset(h, 0, sizeof(*h));
}

int
remote_host_parse(const char *spec, struct remote_host *h,
    const char **why)
{
	const char *at, *host, *end, *colon = NULL;
	long long port;

	memset(h, 0, sizeof(*h));
	host = spec;
	if ((at = strchr(spec, '@')) != NULL) {
		if (at == spec || spec[0] == '-' ||
		    !all_of(spec, (size_t)(at - spec), user_char)) {
			*why = "bad user name";
			return -1;
		}
		host = at + 1;
	}
	if (host[0] == '[') {
		if ((end = strchr(host, ']')) == NULL) {
			*why = "no ']' after an IPv6 address";
			return -1;
		}
		if (end[1] == ':')
			colon = end + 1;
		else if (end[1] != '\0') {
			*why = "only ':port' may follow ']'";
			return -1;
		}
		host++;
	} else {
		end = host + strlen(host);
		/* One ':' is a port; more is a bare IPv6 address. */
		if ((colon = strchr(host, ':')) != NULL &&
		    strchr(colon + 1, ':') == NULL)
			end = colon;
		else
			colon = NULL;
	}
	if (end == host || host[0] == '-' ||
	    !all_of(host, (size_t)(end - host), host_char)) {
		*why = end == host ? "no host name" : "bad host name";
		return -1;
	}
	if (colon != NULL && cfg_number(colon + 1, 1, 65535, &port,
	    why) != 0) {
		*why = "the port is not a number from 1 to 65535";
		return -1;
	}
	h->spec = xstrdup(spec);
	h->user = at != NULL ? xstrndup(spec, (size_t)(at - spec)) : NULL;
	h->name = xstrndup(host, (size_t)(end - host));
	h->port = colon != NULL ? xstrdup(colon + 1) : NULL;
	return 0;
}

void
remote_hosts_free(struct remote_host *hosts, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		remote_host_free(&hosts[i]);
	free(hosts);
}

/* Adds spec to the list: 0, or -1 with *why set. */
static int
hosts_add(struct remote_host **hosts, size_t *n, const char *spec,
    const char **why)
{
	struct remote_host h;

	if (remote_host_parse(spec, &h, why) != 0)
		return -1;
	*hosts = xreallocarray(*hosts, *n + 1, sizeof(**hosts));
	(*hosts)[(*n)++] = h;
	return 0;
}

int
remote_hosts_load(const char *path, struct remote_host **hosts, size_t *n,
    struct diag *d)
{
	struct strbuf text;
	char *line, *next, *word;
	const char *why;
	unsigned lineno = 0;
	size_t len;
	int rc = 0;

	*hosts = NULL;
	*n = 0;
	sb_init(&text);
	if (config_read(path, &text, 0, d) != 0) {
		sb_free(&text);
		return -1;
	}
	for (line = text.s; rc == 0 && line != NULL && *line != '\0';
	    line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line[strcspn(line, "#")] = '\0';
		word = line + strspn(line, " \t\r");
		len = strcspn(word, " \t\r");
		if (len == 0)
			continue;
		if (word[len + strspn(word + len, " \t\r")] != '\0') {
			diag_error(d, "%s:%u: one host a line", path, lineno);
			rc = -1;
		} else {
			word[len] = '\0';
			if (hosts_add(hosts, n, word, &why) != 0) {
				diag_error(d, "%s:%u: bad host '%s': %s", path,
				    lineno, word, why);
				rc = -1;
			}
		}
	}
	sb_free(&text);
	if (rc != 0) {
		remote_hosts_free(*hosts, *n);
		*hosts = NULL;
		*n = 0;
	}
	return rc;
}

/* --- options -------------------------------------------------------------- */

void
remote_request_free(struct remote_request *r)
{
	remote_hosts_free(r->hosts, r->n);
	memset(r, 0, sizeof(*r));
}

/* The value of a -H option at argv[*i], or NULL when it is none. */
static const char *
host_option(int argc, char **argv, int *i, int *missing)
{
	const char *a = argv[*i];

	*missing = 0;
	if (strncmp(a, "--host=", 7) == 0)
		return a + 7;
	if (strcmp(a, "-H") != 0 && strcmp(a, "--host") != 0)
		return strncmp(a, "-H", 2) == 0 ? a + 2 : NULL;
	if (*i + 1 >= argc) {
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

/*
 * One -H value, given as from ("-H " or "QEMU_INIT_HOST="), into r: 0,
 * EX_USAGE or 1 (a bad host list), why in d.
 */
static int
request_add(struct remote_request *r, const char *from, const char *value,
    struct diag *d)
{
	struct remote_host *more;
	const char *why;
	char *path;
	size_t n, i;
	int rc;

	if (value[0] != '@') {
		if (hosts_add(&r->hosts, &r->n, value, &why) == 0)
			return 0;
		diag_error(d, "%s%s: %s", from, value, why);
		return EX_USAGE;
	}
	path = strchr(value, '/') != NULL ? xstrdup(value + 1) :
	    path_join(path_confdir(), value + 1);
	rc = remote_hosts_load(path, &more, &n, d);
	if (rc == 0 && n == 0) {
		diag_error(d, "%s: no hosts in it", path);
		rc = -1;
	}
	free(path);
	if (rc != 0)
		return 1;
	r->hosts = xreallocarray(r->hosts, r->n + n, sizeof(*r->hosts));
	for (i = 0; i < n; i++)
		r->hosts[r->n++] = more[i];
	free(more);
	r->fleet = 1;
	return 0;
}

int
remote_options(int *argc, char ***argv, struct remote_request *r,
    struct diag *d)
{
	const char *value, *env;
	int i, given = 0, here = 0, missing, rc = 0;
	char **av = *argv;

	memset(r, 0, sizeof(*r));
	for (i = 1; rc == 0 && i < *argc; i++) {
		if ((value = host_option(*argc, av, &i, &missing)) == NULL) {
			if (missing) {
				diag_error(d, "-H needs a host");
				rc = EX_USAGE;
			}
			break;
		}
		given++;
		if (value[0] == '\0')
			here = 1;
		else
			rc = request_add(r, "-H ", value, d);
	}
	if (rc == 0 && given == 0 && (env = path_env_host()) != NULL) {
		given = 1;
		rc = request_add(r, "QEMU_INIT_HOST=", env, d);
	}
	if (rc == 0 && here && given > 1) {
		diag_error(d, "-H '' (this host) goes alone");
		rc = EX_USAGE;
	}
	if (rc != 0) {
		remote_request_free(r);
		return rc;
	}
	if (r->n > 1)
		r->fleet = 1;
	/* The -H options out: argv[0] moves up to just before the rest. */
	if (i > 1) {
		av[i - 1] = av[0];
		*argv = av + i - 1;
		*argc -= i - 1;
	}
	return 0;
}

/* --- the arguments, as a word no shell rewrites ----------------------------- */

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *
remote_argv_encode(int argc, char *const args[])
{
	struct strbuf raw, out;
	const unsigned char *p;
	unsigned long v;
	size_t i, k, n;

	sb_init(&raw);
	for (i = 0; i < (size_t)argc; i++)
		sb_add(&raw, args[i], strlen(args[i]) + 1);
	sb_init(&out);
	sb_adds(&out, REMOTE_ARGV_OPTION);
	p = (const unsigned char *)raw.s;
	for (i = 0; i < raw.len; i += 3) {
		n = raw.len - i < 3 ? raw.len - i : 3;
		for (v = 0, k = 0; k < 3; k++)
			v = v << 8 | (k < n ? p[i + k] : 0);
		for (k = 0; k <= n; k++)
			sb_addc(&out, b64url[v >> (18 - 6 * k) & 0x3f]);
	}
	sb_free(&raw);
	return sb_detach(&out);
}

int
remote_argv_decode(const char *data, struct strvec *out, const char **why)
{
	struct strbuf raw;
	const char *c;
	unsigned long v = 0;
	size_t len = strlen(data), i, bits = 0;

	if (len % 4 == 1) {
		*why = "not base64url: a length no encoding has";
		return -1;
	}
	sb_init(&raw);
	sb_adds(&raw, "");
	for (i = 0; i < len; i++) {
		if (data[i] == '\0' || (c = strchr(b64url, data[i])) == NULL) {
			sb_free(&raw);
			*why = "not base64url: a character outside A-Z a-z 0-9 - _";
			return -1;
		}
		v = (v << 6 | (unsigned long)(c - b64url)) & 0xffffff;
		if ((bits += 6) >= 8) {
			bits -= 8;
			sb_addc(&raw, (char)(v >> bits & 0xff));
		}
	}
	if (sv_push_nul_ended(out, raw.s, raw.len) != 0) {
		sb_free(&raw);
		*why = "the last argument is not NUL-ended";
		return -1;
	}
	sb_free(&raw);
	return 0;
}

/* --- ssh's argument vector ----------------------------------------------- */

/* args[0] or, in the init-script form (vm ACTION), args[1] is word. */
static int
action_is(int argc, char *const args[], const char *word)
{
	return (argc > 0 && strcmp(args[0], word) == 0) ||
	    (argc > 1 && strcmp(args[1], word) == 0);
}

/*
 * Whether args hold one of the short options in letters, or the long
 * option lng, as getopt_long would see them: in clusters (-ac), after
 * operands too, up to "--"; the value of an option in with_value (the
 * rest of its cluster, or the next argument) is not looked into.
 */
static int
has_option(int argc, char *const args[], const char *letters,
    const char *lng, const char *with_value)
{
	const char *p;
	int i;

	for (i = 0; i < argc && strcmp(args[i], "--") != 0; i++) {
		if (lng != NULL && strcmp(args[i], lng) == 0)
			return 1;
		if (args[i][0] != '-' || args[i][1] == '-')
			continue;
		for (p = args[i] + 1; *p != '\0'; p++) {
			if (strchr(letters, *p) != NULL)
				return 1;
			if (strchr(with_value, *p) != NULL) {
				if (p[1] == '\0')
					i++;	/* its value is the next */
				break;
			}
		}
	}
	return 0;
}

enum remote_input
remote_input_of(const char *program, int argc, char *const argv[])
{
	if (strcmp(program, "qemu-mon") == 0)
		return REMOTE_INPUT_TERMINAL;
	if (strcmp(program, "qemu-cmd") == 0)	/* getopt: "c:j:t:hV" */
		return has_option(argc, argv, "cj", NULL, "cjt") ?
		    REMOTE_INPUT_NONE : REMOTE_INPUT_PIPE;
	if (action_is(argc, argv, "console") || (action_is(argc, argv,
	    "start") && has_option(argc, argv, "c", "--console", "")))
		return REMOTE_INPUT_TERMINAL;
	return REMOTE_INPUT_NONE;
}

int
remote_ssh_argv(const struct remote_host *h, const struct remote_how *how,
    const char *program, int argc, char *const args[], struct strvec *out,
    struct diag *d)
{
	char *why = NULL, *data;

	if (cfg_split_words(how->ssh != NULL ? how->ssh : "ssh", out,
	    &why) != 0 || out->n == 0) {
		diag_error(d, "QEMU_INIT_SSH: %s", why != NULL ? why :
		    "no command in it");
		free(why);
		return -1;
	}
	if (!how->terminal) {
		sv_push(out, "-o");
		sv_push(out, "BatchMode=yes");
	}
	sv_push(out, "-e");
	sv_push(out, "none");
	if (how->input == REMOTE_INPUT_TERMINAL && how->terminal)
		sv_push(out, "-t");
	else
		sv_push(out, "-T");
	if (how->input == REMOTE_INPUT_NONE)
		sv_push(out, "-n");
	if (h->port != NULL) {
		sv_push(out, "-p");
		sv_push(out, h->port);
	}
	if (h->user != NULL) {
		sv_push(out, "-l");
		sv_push(out, h->user);
	}
	sv_push(out, "--");
	sv_push(out, h->name);
	data = remote_argv_encode(argc, args);
	sv_pushf(out, "%s %s", program, data);
	free(data);
	return 0;
}


/*
 * Each host's deadline in milliseconds: QEMU_INIT_HOST_TIMEOUT seconds,
 * else REMOTE_TIMEOUT_S for several hosts and REMOTE_TIMEOUT_ONE_S for
 * one.  0, or EX_USAGE with why in d (not a number of seconds).
 */
static int
remote_timeout_ms(int several, int *ms, struct diag *d)
{
	const char *env = path_env_host_timeout(), *why;
	long long s;

	if (env == NULL) {
		*ms = (several ? REMOTE_TIMEOUT_S : REMOTE_TIMEOUT_ONE_S) * 1000;
		return 0;
	}
	if (cfg_number(env, 1, 86400, &s, &why) != 0) {
		diag_error(d, "QEMU_INIT_HOST_TIMEOUT=%s: %s (1 to 86400 "
		    "seconds)", env, why);
		return EX_USAGE;
	}
	*ms = (int)s * 1000;
	return 0;
}

/* --- the front end -------------------------------------------------------- */

/* One host's output on ours: each stream made visible as it comes. */
struct relay_sink {
	struct strbuf	 cut[2];	/* a UTF-8 sequence cut at a read's end */
};

static void
write_visible(FILE *fp, struct strbuf *cut, const char *buf, size_t len,
    int more)
{
	struct strbuf out;
	size_t taken;

	sb_init(&out);
	if (cut->len > 0) {	/* the cut sequence goes first */
		sb_add(cut, buf, len);
		buf = cut->s;
		len = cut->len;
	}
	taken = visible_add(&out, buf, len, VISIBLE_LINES, more);
	if (out.len > 0) {
		(void)fwrite(out.s, 1, out.len, fp);
		(void)fflush(fp);
	}
	sb_free(&out);
	if (buf == cut->s) {
		sb_consume(cut, taken);
	} else if (taken < len)
		sb_add(cut, buf + taken, len - taken);
}

static void
relay_out(struct transport_job *j, int stream, const char *buf, size_t len)
{
	struct relay_sink *s = j->arg;

	write_visible(stream == 1 ? stdout : stderr, &s->cut[stream - 1], buf,
	    len, 1);
}

/* No greeting came: the remote shell's words, and the exit status. */
static int
say_no_program(const struct remote_host *h, const struct transport_job *j)
{
	char *words = transport_last_words(j);

	fprintf(stderr, "%s: %s: no %s answered there: none in the remote "
	    "PATH, or one older than -H's --argv=%s%s%s\n", cli_prog, h->spec,
	    cli_prog, words != NULL ? " (it said: " : "", words != NULL ?
	    words : "", words != NULL ? ")" : "");
	free(words);
	return REMOTE_NO_PROGRAM;
}

/* Why a host gave no whole answer, on stderr; the exit status. */
static int
say_end(const struct remote_host *h, const struct transport_job *j)
{
	struct strbuf none;
	int rc = REMOTE_NO_ANSWER;

	switch (j->end) {
	case TRANSPORT_TIMED_OUT:
		fprintf(stderr, "%s: %s: no whole answer in %d s: ssh killed "
		    "(QEMU_INIT_HOST_TIMEOUT)\n", cli_prog, h->spec,
		    j->timeout_ms / 1000);
		break;
	case TRANSPORT_TOO_LONG:
		if (!j->greeted)	/* 64 KiB and no greeting */
			return say_no_program(h, j);
		fprintf(stderr, "%s: %s: an answer longer than %zu bytes: cut, "
		    "ssh killed\n", cli_prog, h->spec, j->max_bytes);
		break;
	case TRANSPORT_KILLED:
		rc = j->status;
		break;
	case TRANSPORT_NOT_STARTED:
		fprintf(stderr, "%s: %s", cli_prog, j->held.s);
		break;
	case TRANSPORT_EXITED:
		if (j->greeted)
			return j->status;
		if (j->status == REMOTE_NO_ANSWER) {	/* ssh's own words */
			sb_init(&none);
			write_visible(stderr, &none, j->held.s != NULL ?
			    j->held.s : "", j->held.len, 0);
			break;
		}
		return say_no_program(h, j);
	}
	return rc;
}

/* A terminal session: ssh -t in our place. */
static int
exec_ssh(char **av)
{
	(void)fflush(stdout);
	(void)fflush(stderr);
	execvp(av[0], av);
	fprintf(stderr, "%s: cannot run %s: %s\n", cli_prog, av[0],
	    strerror(errno));
	return REMOTE_NO_ANSWER;
}

/* Any other command on one host: relayed, bounded, until it ends. */
static int
relay_one(const struct remote_host *h, const struct remote_how *how,
    char **av)
{
	struct transport_job j;
	struct relay_sink sink;
	int rc;

	memset(&j, 0, sizeof(j));
	memset(&sink, 0, sizeof(sink));
	j.argv = av;
	j.input = how->input == REMOTE_INPUT_NONE ? -1 : STDIN_FILENO;
	j.max_bytes = REMOTE_MAX_ANSWER;
	j.timeout_ms = how->timeout_ms;
	j.out = relay_out;
	j.arg = &sink;
	(void)fflush(stdout);
	transport_run(&j, 1, 1, NULL, NULL);
	write_visible(stdout, &sink.cut[0], "", 0, 0);
	write_visible(stderr, &sink.cut[1], "", 0, 0);
	rc = say_end(h, &j);
	transport_job_free(&j);
	sb_free(&sink.cut[0]);
	sb_free(&sink.cut[1]);
	if (cli_flush() != 0 && rc == 0)
		rc = 1;
	return rc;
}

/* One host: the command runs there. */
static int
one_host(const struct remote_request *r, int argc, char **args)
{
	struct remote_how how;
	struct strvec av;
	struct diag d;
	int rc = REMOTE_NO_ANSWER;

	how.ssh = path_env_ssh();
	how.timeout_ms = r->timeout_ms;
	how.input = remote_input_of(cli_prog, argc, args);
	how.terminal = isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
	sv_init(&av);
	diag_init(&d);
	if (remote_ssh_argv(&r->hosts[0], &how, cli_prog, argc, args, &av,
	    &d) == 0)
		rc = how.input == REMOTE_INPUT_TERMINAL && how.terminal ?
		    exec_ssh(av.v) : relay_one(&r->hosts[0], &how, av.v);
	diag_flush(&d, cli_prog);
	sv_free(&av);
	return rc;
}

/*
 * The transport form, PROGRAM --argv=DATA: argv becomes the arguments
 * of DATA, kept for the program's life.  0, or EX_USAGE.
 */
static int
transport_form(int *argc, char ***argv)
{
	static struct strvec av;
	const char *why;

	sv_init(&av);
	sv_push(&av, (*argv)[0]);
	if (remote_argv_decode((*argv)[1] + strlen(REMOTE_ARGV_OPTION), &av,
	    &why) != 0) {
		fprintf(stderr, "%s: %s...: %s\n", cli_prog, REMOTE_ARGV_OPTION,
		    why);
		sv_free(&av);
		return EX_USAGE;
	}
	if (!isatty(STDOUT_FILENO) &&
	    write(STDOUT_FILENO, TRANSPORT_GREETING,
	    sizeof(TRANSPORT_GREETING) - 1) < 0) {
		sv_free(&av);
		return 1;	/* nobody reads */
	}
	*argc = (int)av.n;
	*argv = av.v;
	return 0;
}

int
remote_main(int *argc, char ***argv, struct remote_request *fleet)
{
	struct remote_request r;
	struct diag d;
	int rc;

	if (*argc == 2 && strncmp((*argv)[1], REMOTE_ARGV_OPTION,
	    strlen(REMOTE_ARGV_OPTION)) == 0)
		return (rc = transport_form(argc, argv)) != 0 ? rc :
		    REMOTE_LOCAL;
	diag_init(&d);
	rc = remote_options(argc, argv, &r, &d);
	if (rc == 0 && r.n > 0)
		rc = remote_timeout_ms(r.fleet, &r.timeout_ms, &d);
	diag_flush(&d, cli_prog);
	if (rc != 0 || r.n == 0) {
		remote_request_free(&r);
		return rc != 0 ? rc : REMOTE_LOCAL;
	}
	if (r.fleet && fleet == NULL) {
		fprintf(stderr, "%s: %s\n", cli_prog, REMOTE_FLEET_ONLY);
		remote_request_free(&r);
		return EX_USAGE;
	}
	if (r.fleet) {
		*fleet = r;
		return REMOTE_FLEET;
	}
	rc = one_host(&r, *argc - 1, *argv + 1);
	remote_request_free(&r);
	return rc;
}
