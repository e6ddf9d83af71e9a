/*
 * test_remote.c - -H and ssh's argument vector: [user@]host[:port],
 * host lists, the -H options taken off the front of argv, the arguments
 * as one base64url word that a real /bin/sh passes on untouched and
 * that decodes to them byte for byte, what ssh is told about stdin and
 * the terminal, and the whole vector.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"
#include "diag.h"
#include "proc.h"
#include "remote.h"
#include "unit.h"

static int
parses(const char *spec, const char *user, const char *name,
    const char *port)
{
	struct remote_host h;
	const char *why = NULL;
	int ok;

	if (remote_host_parse(spec, &h, &why) != 0) {
		printf("#   '%s': %s\n", spec, why);
		return 0;
	}
	ok = strcmp(h.spec, spec) == 0 && strcmp(h.name, name) == 0 &&
	    (user == NULL ? h.user == NULL : h.user != NULL &&
	    strcmp(h.user, user) == 0) &&
	    (port == NULL ? h.port == NULL : h.port != NULL &&
	    strcmp(h.port, port) == 0);
	remote_host_free(&h);
	return ok;
}

static int
refused(const char *spec, const char *why_want)
{
	struct remote_host h;
	const char *why = NULL;

	if (remote_host_parse(spec, &h, &why) == 0) {
		remote_host_free(&h);
		return 0;
	}
	return why != NULL && strcmp(why, why_want) == 0;
}

TEST(remote_host_forms)
{
	CHECK(parses("web1", NULL, "web1", NULL));
	CHECK(parses("root@web1", "root", "web1", NULL));
	CHECK(parses("root@web1.example.org:2222", "root",
	    "web1.example.org", "2222"));
	CHECK(parses("10.1.2.3:22", NULL, "10.1.2.3", "22"));
	CHECK(parses("::1", NULL, "::1", NULL));
	CHECK(parses("fe80::1%eth0", NULL, "fe80::1%eth0", NULL));
	CHECK(parses("admin@[::1]:2200", "admin", "::1", "2200"));
	CHECK(parses("[2001:db8::5]", NULL, "2001:db8::5", NULL));
}

TEST(remote_host_refused)
{
	CHECK(refused("", "no host name"));
	CHECK(refused("root@", "no host name"));
	CHECK(refused("@web", "bad user name"));
	CHECK(refused("-oProxyCommand=x", "bad host name"));
	CHECK(refused("-l@web", "bad user name"));
	CHECK(refused("root@-web", "bad host name"));
	CHECK(refused("web one", "bad host name"));
	CHECK(refused("a@b@c", "bad host name"));
	CHECK(refused("web:0", "the port is not a number from 1 to 65535"));
	CHECK(refused("web:65536",
	    "the port is not a number from 1 to 65535"));
	CHECK(refused("web:ssh", "the port is not a number from 1 to 65535"));
	CHECK(refused("[::1", "no ']' after an IPv6 address"));
	CHECK(refused("[::1]x", "only ':port' may follow ']'"));
	CHECK(refused("we'b", "bad host name"));
}

TEST(remote_hosts_file)
{
	const char *dir = unit_tmpdir();
	struct remote_host *hosts;
	struct diag d;
	size_t n;
	char *path;

	diag_init(&d);
	path = xstrdup(unit_writes(dir, "hosts", "# the lab\n\n"
	    "  web1\t# the first\nroot@web2:2222\n[::1]:22\n"));
	CHECK(remote_hosts_load(path, &hosts, &n, &d) == 0);
	CHECK(n == 3);
	if (n == 3) {
		CHECK_STR(hosts[0].spec, "web1");
		CHECK_STR(hosts[1].user, "root");
		CHECK_STR(hosts[1].port, "2222");
		CHECK_STR(hosts[2].name, "::1");
	}
	remote_hosts_free(hosts, n);
	free(path);

	path = xstrdup(unit_writes(dir, "bad", "web1\nweb2 web3\n"));
	CHECK(remote_hosts_load(path, &hosts, &n, &d) == -1);
	CHECK(hosts == NULL && n == 0);
	CHECK(strstr(diag_first_error(&d), "/bad:2: one host a line") !=
	    NULL);
	diag_clear(&d);
	free(path);

	path = xstrdup(unit_writes(dir, "worse", "\n# x\n-bad\n"));
	CHECK(remote_hosts_load(path, &hosts, &n, &d) == -1);
	CHECK(strstr(diag_first_error(&d),
	    "/worse:3: bad host '-bad': bad host name") != NULL);
	diag_clear(&d);
	free(path);

	path = xstrdup(unit_writes(dir, "empty", "# nobody\n"));
	CHECK(remote_hosts_load(path, &hosts, &n, &d) == 0 && n == 0);
	free(path);
}

/* remote_options on a copy of args; the argv it leaves, joined by ' '. */
static int
options(char *const args[], struct remote_request *r, char *left,
    size_t size, struct diag *d)
{
	char *v[16];
	char **av = v;
	int ac = 0, i, rc;

	while (args[ac] != NULL)
		v[ac] = args[ac], ac++;
	v[ac] = NULL;
	rc = remote_options(&ac, &av, r, d);
	left[0] = '\0';
	for (i = 0; rc == 0 && i < ac; i++)
		snprintf(left + strlen(left), size - strlen(left), "%s%s",
		    i > 0 ? " " : "", av[i]);
	return rc;
}

TEST(remote_options_taken_off_the_front)
{
	char *one[] = { "qemu-init", "-H", "root@web1", "start", "-H", "x",
	    NULL };
	char *three[] = { "qemu-init", "-H", "web1", "--host=web2",
	    "-Hweb3", "--host", "web4", "list", NULL };
	char *none[] = { "qemu-cmd", "-c", "info name", "web", NULL };
	char *here[] = { "qemu-init", "-H", "", "list", NULL };
	char *mixed[] = { "qemu-init", "-H", "", "-H", "web1", "list", NULL };
	char *missing[] = { "qemu-init", "-H", NULL };
	char *bad[] = { "qemu-mon", "--host=we b", "web", NULL };
	struct remote_request r;
	struct diag d;
	char left[256];

	diag_init(&d);
	unsetenv("QEMU_INIT_HOST");
	CHECK(options(one, &r, left, sizeof(left), &d) == 0);
	CHECK(r.n == 1 && !r.fleet);
	CHECK_STR(left, "qemu-init start -H x");
	CHECK(r.n == 1 && strcmp(r.hosts[0].user, "root") == 0);
	remote_request_free(&r);

	CHECK(options(three, &r, left, sizeof(left), &d) == 0);
	CHECK(r.n == 4 && r.fleet);
	CHECK_STR(left, "qemu-init list");
	if (r.n == 4)
		CHECK_STR(r.hosts[3].name, "web4");
	remote_request_free(&r);

	CHECK(options(none, &r, left, sizeof(left), &d) == 0 && r.n == 0);
	CHECK_STR(left, "qemu-cmd -c info name web");

	setenv("QEMU_INIT_HOST", "root@envhost:22", 1);
	CHECK(options(none, &r, left, sizeof(left), &d) == 0 && r.n == 1);
	CHECK(r.n == 1 && strcmp(r.hosts[0].name, "envhost") == 0);
	CHECK_STR(left, "qemu-cmd -c info name web");
	remote_request_free(&r);
	CHECK(options(here, &r, left, sizeof(left), &d) == 0 && r.n == 0);
	CHECK_STR(left, "qemu-init list");
	CHECK(options(three, &r, left, sizeof(left), &d) == 0 && r.n == 4);
	remote_request_free(&r);
	setenv("QEMU_INIT_HOST", "", 1);
	CHECK(options(none, &r, left, sizeof(left), &d) == 0 && r.n == 0);
	unsetenv("QEMU_INIT_HOST");

	CHECK(d.errors == 0);
	CHECK(options(mixed, &r, left, sizeof(left), &d) == EX_USAGE);
	CHECK(options(missing, &r, left, sizeof(left), &d) == EX_USAGE);
	CHECK(options(bad, &r, left, sizeof(left), &d) == EX_USAGE);
	CHECK(d.errors == 3);
	CHECK_STR(d.msgs[2].text, "-H we b: bad host name");
	diag_clear(&d);
}

TEST(remote_options_host_lists)
{
	const char *dir = unit_tmpdir();
	char *list[] = { "qemu-init", "-H", "@hosts", "list", NULL };
	char *path[] = { "qemu-init", "-H", NULL, "-H", "web9", "list",
	    NULL };
	char *absent[] = { "qemu-init", "-H", "@nosuch", "list", NULL };
	struct remote_request r;
	struct diag d;
	char left[256], *file;

	diag_init(&d);
	unsetenv("QEMU_INIT_HOST");
	setenv("QEMU_INIT_CONFDIR", dir, 1);
	(void)unit_writes(dir, "hosts", "web1\n");
	CHECK(options(list, &r, left, sizeof(left), &d) == 0);
	CHECK(r.n == 1 && r.fleet);	/* a list: a HOST column, even for one */
	remote_request_free(&r);

	file = xasprintf("@%s", unit_writes(dir, "other", "a\nb:2\n"));
	path[2] = file;
	CHECK(options(path, &r, left, sizeof(left), &d) == 0);
	CHECK(r.n == 3 && r.fleet);
	if (r.n == 3)
		CHECK_STR(r.hosts[2].spec, "web9");
	CHECK_STR(left, "qemu-init list");
	remote_request_free(&r);
	free(file);

	CHECK(options(absent, &r, left, sizeof(left), &d) == 1);
	CHECK(d.errors == 1 && strstr(d.msgs[0].text, "/nosuch") != NULL);
	diag_clear(&d);
	(void)unit_writes(dir, "hosts", "# none yet\n");
	CHECK(options(list, &r, left, sizeof(left), &d) == 1);
	CHECK(d.errors == 1 && strstr(d.msgs[0].text, "no hosts in it") !=
	    NULL);
	diag_clear(&d);
	unsetenv("QEMU_INIT_CONFDIR");
}

/*
 * The arguments as remote_ssh_argv sends them: one word of letters,
 * digits, '-' and '_' that /bin/sh hands on as it is, and that decodes
 * to each argument, byte for byte.
 */
TEST(remote_argv_word_no_shell_rewrites)
{
	static char *words[] = {
		"sendkey ctrl-alt-f1", "info \"name\"", "it's", "$(touch x)",
		"`id`", "a\\b\\\\", "*", "~root", "!!", "a;b|c&d", "\n\t x",
		"${HOME}", "'", "''", "-c", "", "\xc3\xa9t\xc3\xa9", "(fish)",
		"%self", "\xff\x01", NULL
	};
	struct strbuf out;
	struct strvec back;
	struct diag d;
	const char *why = NULL;
	char *word;
	size_t i, n;
	int status = -1;

	for (n = 0; words[n] != NULL; n++)
		;
	word = remote_argv_encode((int)n, words);
	CHECK(strncmp(word, "--argv=", 7) == 0);
	CHECK(strspn(word + 7, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_") == strlen(word + 7));
	sb_init(&out);
	diag_init(&d);
	{
		char *argv[] = { "/bin/sh", "-c", NULL, NULL };

		argv[2] = xasprintf("printf %%s %s", word);
		CHECK(proc_run(argv, NULL, &out, NULL, &status, &d) == 0);
		free(argv[2]);
	}
	CHECK(status == 0);
	CHECK_STR(out.s, word);
	sv_init(&back);
	CHECK(remote_argv_decode(word + 7, &back, &why) == 0);
	CHECK(back.n == n);
	for (i = 0; i < n && i < back.n; i++)
		CHECK_STR(back.v[i], words[i]);
	sv_free(&back);
	free(word);

	word = remote_argv_encode(0, words);	/* no arguments */
	CHECK_STR(word, "--argv=");
	CHECK(remote_argv_decode("", &back, &why) == 0 && back.n == 0);
	free(word);
	CHECK(remote_argv_decode("d2ViAA", &back, &why) == 0 && back.n == 1);
	if (back.n == 1)
		CHECK_STR(back.v[0], "web");
	sv_free(&back);
	CHECK(remote_argv_decode("d2Vi", &back, &why) == -1);	/* "web" */
	CHECK_STR(why, "the last argument is not NUL-ended");
	CHECK(remote_argv_decode("d2V+AA", &back, &why) == -1);
	CHECK_STR(why, "not base64url: a character outside A-Z a-z 0-9 - _");
	CHECK(remote_argv_decode("d2ViA", &back, &why) == -1);
	CHECK(remote_argv_decode("d2 iAA", &back, &why) == -1);
	CHECK(back.n == 0);
	sb_free(&out);
	diag_clear(&d);
}

TEST(remote_input_by_program)
{
	char *mon[] = { "web" };
	char *cmd_c[] = { "-c", "info name", "web" };
	char *cmd_after[] = { "web", "-c", "info name" };
	char *cmd_j[] = { "-t5", "-j{}", "web" };
	char *cmd_stdin[] = { "-t", "5", "web" };
	char *cmd_t_value[] = { "-t", "c", "web" };
	char *cmd_dashdash[] = { "--", "-c" };
	char *console[] = { "console", "web" };
	char *console_init[] = { "web", "console" };
	char *list[] = { "list" };
	char *start_c[] = { "start", "-ac" };
	char *start_console[] = { "web", "start", "--console" };
	char *start[] = { "start", "-a" };

	CHECK(remote_input_of("qemu-mon", 1, mon) == REMOTE_INPUT_TERMINAL);
	CHECK(remote_input_of("qemu-cmd", 3, cmd_c) == REMOTE_INPUT_NONE);
	CHECK(remote_input_of("qemu-cmd", 3, cmd_after) == REMOTE_INPUT_NONE);
	CHECK(remote_input_of("qemu-cmd", 3, cmd_j) == REMOTE_INPUT_NONE);
	CHECK(remote_input_of("qemu-cmd", 3, cmd_stdin) == REMOTE_INPUT_PIPE);
	CHECK(remote_input_of("qemu-cmd", 3, cmd_t_value) ==
	    REMOTE_INPUT_PIPE);
	CHECK(remote_input_of("qemu-cmd", 2, cmd_dashdash) ==
	    REMOTE_INPUT_PIPE);
	CHECK(remote_input_of("qemu-init", 2, console) ==
	    REMOTE_INPUT_TERMINAL);
	CHECK(remote_input_of("qemu-init", 2, console_init) ==
	    REMOTE_INPUT_TERMINAL);
	CHECK(remote_input_of("qemu-init", 1, list) == REMOTE_INPUT_NONE);
	CHECK(remote_input_of("qemu-init", 2, start_c) ==
	    REMOTE_INPUT_TERMINAL);
	CHECK(remote_input_of("qemu-init", 3, start_console) ==
	    REMOTE_INPUT_TERMINAL);
	CHECK(remote_input_of("qemu-init", 2, start) == REMOTE_INPUT_NONE);
}

static char *
joined(const struct strvec *v)
{
	struct strbuf sb;
	size_t i;

	sb_init(&sb);
	for (i = 0; i < v->n; i++)
		sb_addf(&sb, "%s<%s>", i > 0 ? " " : "", v->v[i]);
	return sb_detach(&sb);
}

TEST(remote_ssh_argv_whole)
{
	struct remote_host h, bare;
	struct remote_how how = { NULL, REMOTE_INPUT_NONE, 0, 1000 };
	char *args[] = { "-c", "it's here", "web" };
	char *mon[] = { "web" };
	struct strvec v;
	struct diag d;
	const char *why;
	char *s;

	diag_init(&d);
	CHECK(remote_host_parse("admin@[::1]:2222", &h, &why) == 0);
	CHECK(remote_host_parse("web1", &bare, &why) == 0);
	sv_init(&v);
	CHECK(remote_ssh_argv(&h, &how, "qemu-cmd", 3, args, &v, &d) == 0);
	CHECK_STR(s = joined(&v), "<ssh> <-o> <BatchMode=yes> <-e> <none> "
	    "<-T> <-n> <-p> <2222> <-l> <admin> <--> <::1> "
	    "<qemu-cmd --argv=LWMAaXQncyBoZXJlAHdlYgA>");
	free(s);
	sv_free(&v);

	how.ssh = "ssh -F '/my dir/ssh_config' -v";
	how.input = REMOTE_INPUT_TERMINAL;
	how.terminal = 1;
	CHECK(remote_ssh_argv(&bare, &how, "qemu-mon", 1, mon, &v, &d) == 0);
	CHECK_STR(s = joined(&v), "<ssh> <-F> </my dir/ssh_config> <-v> "
	    "<-e> <none> <-t> <--> <web1> <qemu-mon --argv=d2ViAA>");
	free(s);
	sv_free(&v);

	how.terminal = 0;	/* no terminal: no -t, and no question */
	CHECK(remote_ssh_argv(&bare, &how, "qemu-mon", 1, mon, &v, &d) == 0);
	CHECK_STR(s = joined(&v), "<ssh> <-F> </my dir/ssh_config> <-v> "
	    "<-o> <BatchMode=yes> <-e> <none> <-T> <--> <web1> "
	    "<qemu-mon --argv=d2ViAA>");
	free(s);
	sv_free(&v);

	how.input = REMOTE_INPUT_PIPE;
	CHECK(remote_ssh_argv(&bare, &how, "qemu-cmd", 1, mon, &v, &d) == 0);
	CHECK(v.n == 12 && strcmp(v.v[8], "-T") == 0 &&
	    strcmp(v.v[9], "--") == 0);	/* stdin relayed: no -n */
	sv_free(&v);

	how.ssh = "ssh 'oops";
	CHECK(remote_ssh_argv(&bare, &how, "qemu-cmd", 1, mon, &v, &d) ==
	    -1);
	CHECK_STR(diag_first_error(&d),
	    "QEMU_INIT_SSH: unterminated single quote");
	sv_free(&v);
	diag_clear(&d);
	remote_host_free(&h);
	remote_host_free(&bare);
}
