/*
 * remote.c - commands on other hosts through ssh.
 *
 * One host: the program execs ssh, so the terminal, the signals and the
 * exit status are ssh's, which are the remote program's.  Several: one
 * ssh a host, all at once (fleet.h), and their answers put together as
 * one table or one JSON document.
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
#include "fleet.h"
#include "paths.h"
#include "remote.h"
#include "scalar.h"
#include "shwords.h"

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
	struct strbuf cmd;
	char *why = NULL;
	int i;

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
	sb_init(&cmd);
	sb_add_shell_word(&cmd, program, 0);
	sb_adds(&cmd, " '--host='");
	for (i = 0; i < argc; i++) {
		sb_addc(&cmd, ' ');
		sb_add_shell_word(&cmd, args[i], 0);
	}
	sv_push(out, cmd.s);
	sb_free(&cmd);
	return 0;
}

/* --- the front end -------------------------------------------------------- */

/* -o json, -ojson, --output=json or --output json among the options. */
static int
wants_json(int argc, char *const args[])
{
	int i;

	for (i = 0; i < argc && strcmp(args[i], "--") != 0; i++)
		if (strcmp(args[i], "-ojson") == 0 ||
		    strcmp(args[i], "--output=json") == 0 ||
		    ((strcmp(args[i], "-o") == 0 ||
		    strcmp(args[i], "--output") == 0) && i + 1 < argc &&
		    strcmp(args[i + 1], "json") == 0))
			return 1;
	return 0;
}

/* Lines of text to stderr, each after "HOST: ". */
static void
relay_errors(const char *host, const struct strbuf *err)
{
	const char *p = err->s, *end;

	while (p != NULL && *p != '\0') {
		end = p + strcspn(p, "\n");
		fprintf(stderr, "%s: %.*s\n", host, (int)(end - p), p);
		p = *end != '\0' ? end + 1 : end;
	}
}

static int
fleet(const struct remote_request *r, const struct remote_how *how,
    int argc, char **args)
{
	struct fleet_job *jobs;
	struct strvec *av;
	struct diag d;
	const char *column;
	size_t i;
	char *text;
	int rc = 0;

	if (strcmp(cli_prog, "qemu-init") != 0 || argc == 0 ||
	    (strcmp(args[0], "list") != 0 && !action_is(argc, args,
	    "status"))) {
		fprintf(stderr, "%s: -H: several hosts: only qemu-init list "
		    "and status ask them all; name one host for anything "
		    "else\n", cli_prog);
		return EX_USAGE;
	}
	/* status's lines, list -q's names, else list's own table */
	column = strcmp(args[0], "list") != 0 ? "STATUS" :
	    has_option(argc, args, "q", "--quiet", "o") ? "NAME" : NULL;
	jobs = xcalloc(r->n, sizeof(*jobs));
	av = xcalloc(r->n, sizeof(*av));
	diag_init(&d);
	for (i = 0; i < r->n && rc == 0; i++) {
		sv_init(&av[i]);
		if (remote_ssh_argv(&r->hosts[i], how, cli_prog, argc, args,
		    &av[i], &d) != 0)
			rc = REMOTE_SSH_FAILED;
		jobs[i].host = r->hosts[i].spec;
		jobs[i].argv = av[i].v;
	}
	if (rc == 0) {
		fleet_run(jobs, r->n, REMOTE_TIMEOUT_S * 1000,
		    REMOTE_MAX_AT_ONCE);
		for (i = 0; i < r->n; i++)
			if (fleet_answered(&jobs[i]))
				relay_errors(r->hosts[i].spec, &jobs[i].err);
		text = wants_json(argc, args) ?
		    fleet_json(jobs, r->n) : fleet_table(jobs, r->n, column);
		fputs(text, stdout);
		free(text);
		rc = fleet_status(jobs, r->n);
		if (cli_flush() != 0 && rc == 0)
			rc = 1;
		for (i = 0; i < r->n; i++)
			fleet_job_free(&jobs[i]);
	}
	diag_flush(&d, cli_prog);
	for (i = 0; i < r->n; i++)
		sv_free(&av[i]);
	free(av);
	free(jobs);
	return rc;
}

/* One host: ssh in our place. */
static int
one_host(const struct remote_host *h, const struct remote_how *how,
    int argc, char **args)
{
	struct strvec av;
	struct diag d;

	sv_init(&av);
	diag_init(&d);
	if (remote_ssh_argv(h, how, cli_prog, argc, args, &av, &d) == 0) {
		(void)fflush(stdout);
		(void)fflush(stderr);
		execvp(av.v[0], av.v);
		diag_error(&d, "cannot run %s: %s", av.v[0], strerror(errno));
	}
	diag_flush(&d, cli_prog);
	sv_free(&av);
	return REMOTE_SSH_FAILED;
}

int
remote_main(int *argc, char ***argv)
{
	struct remote_request r;
	struct remote_how how;
	struct diag d;
	int rc;

	diag_init(&d);
	rc = remote_options(argc, argv, &r, &d);
	diag_flush(&d, cli_prog);
	if (rc != 0)
		return rc;
	if (r.n == 0)
		return REMOTE_LOCAL;
	how.ssh = path_env_ssh();
	how.input = remote_input_of(cli_prog, *argc - 1, *argv + 1);
	how.terminal = isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
	if (r.fleet) {
		/* Many at once: nobody could answer ssh's questions. */
		how.input = REMOTE_INPUT_NONE;
		how.terminal = 0;
		rc = fleet(&r, &how, *argc - 1, *argv + 1);
	} else
		rc = one_host(&r.hosts[0], &how, *argc - 1, *argv + 1);
	remote_request_free(&r);
	return rc;
}
