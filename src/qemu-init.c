/*
 * qemu-init - the life cycle of VMs described by <name>-qemu.cfg files.
 *
 * A front end: the action table, each action's options, one library
 * call per VM, and the printing.  What an action does to a VM is in
 * lifecycle.h; which VMs it names, in vmselect.h.
 */
#include <sys/wait.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "cli.h"
#include "cmdline.h"
#include "console.h"
#include "diag.h"
#include "guest.h"
#include "lifecycle.h"
#include "monconf.h"
#include "monitor.h"
#include "paths.h"
#include "registry.h"
#include "relay.h"
#include "rundir.h"
#include "state.h"
#include "vmselect.h"

/* start -w without SECS. */
#define START_WAIT_S	300

/* A line of list: the header and every VM. */
#define LIST_ROW	"%-12s %-16s %-10s %-8s %-7s %-7s %-15s %s\n"

/* What every action gets: the directories, opened once here. */
struct ctx {
	const char		*confdir;
	struct rundir		 run;
	struct monconf	 mc;
	struct stop_how		 how;		/* stop, restart */
	long long		 wait_s;	/* start -w: seconds, else -1 */
	int			 all;		/* -a */
	int			 worst;		/* status: the LSB code */
};

struct action {
	const char	*name;
	int		(*run)(struct ctx *, int, char **);
	enum rundir_use	 use;
	int		 monconf;	/* needs monitor.conf */
	const char	*usage;
	const char	*help;		/* each option, its default */
};

static int	act_check(struct ctx *, int, char **);
static int	act_console(struct ctx *, int, char **);
static int	act_help(struct ctx *, int, char **);
static int	act_kill(struct ctx *, int, char **);
static int	act_list(struct ctx *, int, char **);
static int	act_restart(struct ctx *, int, char **);
static int	act_show(struct ctx *, int, char **);
static int	act_start(struct ctx *, int, char **);
static int	act_status(struct ctx *, int, char **);
static int	act_stop(struct ctx *, int, char **);

static const struct action actions[] = {
	{ "start", act_start, RUNDIR_CREATE, 1, "start [-a] [-w [secs]] vm ...",
	  "  -a, --all        every registered VM with AUTOSTART=yes, each "
	  "after its BOOTDELAY\n"
	  "  -w, --wait[=S]   then wait up to S seconds (default 300) until "
	  "the guest is up:\n"
	  "                   its agent answers (AGENT=yes), or READY is in "
	  "its console log\n" },
	{ "stop", act_stop, RUNDIR_WRITE, 0,
	  "stop [-fn] [-t secs] [-a] vm ...",
	  "  -t, --timeout=S  wait up to S seconds (default: the VM's "
	  "STOPDELAY, 90)\n"
	  "  -f, --force      then force it off: quit, SIGTERM, SIGKILL\n"
	  "  -n, --no-wait    press the power button and return\n"
	  "  -a, --all        every running VM, in parallel\n" },
	{ "restart", act_restart, RUNDIR_CREATE, 1,
	  "restart [-f] [-t secs] vm ...",
	  "  -t, --timeout=S  as stop -t\n"
	  "  -f, --force      as stop -f\n" },
	{ "kill", act_kill, RUNDIR_WRITE, 0, "kill vm ...",
	  "  (no options: QMP quit at once, then SIGKILL; no ACPI)\n" },
	{ "status", act_status, RUNDIR_READ, 0, "status [vm ...]",
	  "  (no vm: every registered VM; exit 0 running, 1 dead, 3 stopped, "
	  "4 unknown)\n" },
	{ "list", act_list, RUNDIR_READ, 1, "list",
	  "  (a table of every registered VM)\n" },
	{ "console", act_console, RUNDIR_WRITE, 0, "console vm",
	  "  (Ctrl-] leaves; one client at a time)\n" },
	{ "show", act_show, RUNDIR_READ, 1, "show vm",
	  "  (the QEMU command line start would run; nothing is started)\n" },
	{ "check", act_check, RUNDIR_READ, 1, "check [vm ...]",
	  "  (no vm: the registry and every registered VM)\n" },
	{ "help", act_help, RUNDIR_READ, 0, "help [action]",
	  "  (this text, or one action's)\n" },
	{ NULL, NULL, RUNDIR_READ, 0, NULL, NULL }
};

static const struct option longopts[] = {
	{ "all",	no_argument,		NULL,	'a' },
	{ "force",	no_argument,		NULL,	'f' },
	{ "help",	no_argument,		NULL,	'h' },
	{ "no-wait",	no_argument,		NULL,	'n' },
	{ "timeout",	required_argument,	NULL,	't' },
	{ "wait",	optional_argument,	NULL,	'w' },
	{ NULL,		0,			NULL,	0 }
};

static const struct action *
find_action(const char *name)
{
	const struct action *a;

	for (a = actions; a->name != NULL; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

static void
usage(FILE *fp)
{
	const struct action *a;

	fprintf(fp, "usage: %s action [options] vm ...\n"
	    "       %s vm action [options]\n", cli_prog, cli_prog);
	for (a = actions; a->name != NULL; a++)
		fprintf(fp, "       %s %s\n", cli_prog, a->usage);
	fprintf(fp, "       %s -h | -V\n", cli_prog);
}

static int
action_usage(const char *name)
{
	const struct action *a = find_action(name);

	fprintf(stderr, "usage: %s %s\n", cli_prog, a->usage);
	return EX_USAGE;
}

/*
 * getopt_long for an action taking the options in opts; the choices go
 * to ctx.  0, or EX_USAGE after a message that names the program (the
 * caller then shows the action's usage).
 */
static int
options(struct ctx *c, const char *action, const char *opts, int argc,
    char **argv)
{
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, opts, longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			c->all = 1;
			break;
		case 'f':
			c->how.force = 1;
			break;
		case 'n':
			c->how.nowait = 1;
			break;
		case 't':
			if (cli_seconds("-t", optarg, 0, 86400,
			    &c->how.timeout_s) != 0)
				return EX_USAGE;	/* the caller: usage */
			break;
		case 'w':
			/* -w SECS: a next word of digits only is SECS. */
			if (optarg == NULL && optind < argc &&
			    argv[optind][0] != '\0' && strspn(argv[optind],
			    "0123456789") == strlen(argv[optind]))
				optarg = argv[optind++];
			c->wait_s = START_WAIT_S;
			if (optarg != NULL && cli_seconds("-w", optarg, 1,
			    86400, &c->wait_s) != 0)
				return EX_USAGE;
			break;
		default:
			if (optopt != 0 && strchr(opts, optopt) != NULL)
				fprintf(stderr, "%s: %s: option -%c needs a "
				    "value\n", cli_prog, action, optopt);
			else if (optopt != 0)
				fprintf(stderr, "%s: %s: unknown option "
				    "-%c\n", cli_prog, action, optopt);
			else
				fprintf(stderr, "%s: %s: unknown option "
				    "%s\n", cli_prog, action,
				    argv[optind - 1]);
			return EX_USAGE;	/* the caller shows the usage */
		}
	}
	return 0;
}

/* A VM that could not be resolved or loaded: why, and exit status 1. */
static int
pick_failed(struct diag *d)
{
	diag_flush(d, cli_prog);
	return 1;
}

static int
show_one(struct vm_pick *p, struct diag *d, void *arg)
{
	struct ctx *c = arg;
	struct launch_plan ln;
	struct strvec av;
	unsigned slot = 0;
	size_t i;
	int rc = 1;

	if (!p->loaded)
		return pick_failed(d);
	memset(&ln, 0, sizeof(ln));
	for (i = 0; i < PLAN_NFDS; i++)
		ln.fd[i] = -1;
	if (vm_slot(&p->vm, &c->mc, &c->run, &slot, d) == 0 &&
	    vm_plan(&p->vm, &c->mc, c->confdir, &c->run, slot, 0, &ln,
	    d) == 0) {
		sv_init(&av);
		qemu_cmdline(&p->vm, &c->mc, &ln, &av);
		for (i = 0; i < av.n; i++)
			printf("%s\n", av.v[i]);
		sv_free(&av);
		rc = 0;
	}
	plan_free(&ln);
	diag_flush(d, cli_prog);
	return rc == 0 ? cli_flush() : rc;
}

static int
act_show(struct ctx *c, int argc, char **argv)
{
	if (options(c, "show", "h", argc, argv) != 0 || argc - optind != 1)
		return action_usage("show");
	return vm_each_named(c->confdir, argv + optind, 1, LOAD_CONFIG,
	    show_one, c, NULL);
}

/* check: the configs as loaded, then what they do together. */
struct checked {
	struct vm_config *vms;
	size_t		  n;
	size_t		  named;
	unsigned	  problems;
};

static int
check_one(struct vm_pick *p, struct diag *d, void *arg)
{
	struct checked *k = arg;

	k->named++;
	k->problems += d->errors + d->warnings;
	diag_flush(d, cli_prog);
	if (p->loaded) {
		k->vms = xreallocarray(k->vms, k->n + 1, sizeof(*k->vms));
		k->vms[k->n++] = p->vm;
		memset(&p->vm, 0, sizeof(p->vm));	/* kept: ours now */
	}
	return 0;
}

static int
act_check(struct ctx *c, int argc, char **argv)
{
	struct checked k;
	struct diag d;
	size_t i;

	if (options(c, "check", "h", argc, argv) != 0)
		return action_usage("check");
	memset(&k, 0, sizeof(k));
	diag_init(&d);
	if (argc == optind)
		(void)registry_exists(c->confdir, &d);
	(void)vm_each_named(c->confdir, argv + optind, argc - optind,
	    LOAD_CONFIG, check_one, &k, &d);
	check_all(k.vms, k.n, &c->mc, c->confdir, &d);
	k.problems += d.errors + d.warnings;
	diag_flush(&d, cli_prog);
	if (k.problems == 0)
		printf("%zu VM%s checked: no problems\n", k.named,
		    k.named == 1 ? "" : "s");
	for (i = 0; i < k.n; i++)
		vmconf_free(&k.vms[i]);
	free(k.vms);
	return k.problems == 0 ? cli_flush() : 1;
}

static int
start_one(struct vm_pick *p, struct diag *d, void *arg)
{
	struct ctx *c = arg;
	struct vm_started vs;
	char *where;
	int rc;

	if (!p->loaded)
		return pick_failed(d);
	if (c->all && !p->vm.autostart) {
		diag_flush(d, cli_prog);	/* its config warnings */
		return 0;
	}
	if (c->all && p->vm.bootdelay > 0)
		sleep(p->vm.bootdelay);
	rc = vm_start(&p->vm, &c->mc, c->confdir, &c->run, &vs, d);
	diag_flush(d, cli_prog);
	if (rc != 0)
		return 1;
	if (vs.already)
		printf("%s: already running, pid %ld\n", p->vm.name,
		    (long)vs.st.qemu.pid);
	else {
		where = monitor_where(&c->run, p->vm.name, &vs.st);
		printf("%s: started, pid %ld, %s", p->vm.name,
		    (long)vs.st.qemu.pid, where);
		free(where);
		if (vs.st.vnc != NULL)
			printf(", vnc %s", vs.st.vnc);
		printf("\n");
	}
	state_free(&vs.st);
	if (c->wait_s > 0) {
		(void)fflush(stdout);
		rc = guest_wait_up(&c->run, &p->vm, c->wait_s, d);
		diag_flush(d, cli_prog);
		if (rc != 0)
			return 1;
		printf("%s: up\n", p->vm.name);
	}
	return cli_flush();
}

static int
act_start(struct ctx *c, int argc, char **argv)
{
	struct diag d;
	int rc;

	if (options(c, "start", "ahw::", argc, argv) != 0 ||
	    (c->all && optind != argc) || (!c->all && optind == argc))
		return action_usage("start");
	diag_init(&d);
	rc = vm_each_named(c->confdir, argv + optind, argc - optind,
	    LOAD_CONFIG, start_one, c, &d);
	if (diag_flush(&d, cli_prog) > 0 && rc == 0)
		rc = 1;
	return rc;
}

/* On a terminal, a stop that waits says what it waits for. */
static void
say_pressed(const char *name, unsigned wait_s)
{
	fprintf(stderr, "%s: %s: power button pressed, waiting up to %u s\n",
	    cli_prog, name, wait_s);
}

static int
stop_name(struct ctx *c, const char *name)
{
	struct diag d;
	int rc;

	diag_init(&d);
	rc = vm_stop(&c->run, name, &c->how, &d);
	diag_flush(&d, cli_prog);
	switch (rc) {
	case STOP_DONE:
		printf("%s: stopped\n", name);
		break;
	case STOP_PRESSED:
		printf("%s: power button pressed\n", name);
		break;
	case STOP_FORCED:
		printf("%s: stopped (forced)\n", name);
		break;
	case STOP_AGENT:
		printf("%s: stopped (by its guest agent)\n", name);
		break;
	case STOP_NOT_RUNNING:
		printf("%s: not running\n", name);
		break;
	default:
		return 1;
	}
	return cli_flush();
}

static int
stop_one(struct vm_pick *p, struct diag *d, void *arg)
{
	if (p->resolved != RESOLVE_OK)
		return pick_failed(d);
	diag_flush(d, cli_prog);
	return stop_name(arg, p->ref.name);
}

/* stop -a: every running or starting VM, each in a process of its own. */
static int
stop_all(struct ctx *c)
{
	struct strvec names;
	struct diag d;
	size_t i;
	pid_t pid;
	int status, rc = 0;

	sv_init(&names);
	diag_init(&d);
	if (vm_names_active(&c->run, &names, &d) != 0)
		rc = 1;
	diag_flush(&d, cli_prog);
	if (cli_flush() != 0)
		rc = 1;
	for (i = 0; i < names.n; i++) {
		if ((pid = fork()) == -1) {
			fprintf(stderr, "%s: cannot stop '%s': fork: %s\n",
			    cli_prog, names.v[i], strerror(errno));
			rc = 1;
		} else if (pid == 0)
			_exit(stop_name(c, names.v[i]));
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			rc = 1;
	sv_free(&names);
	return rc;
}

static int
act_stop(struct ctx *c, int argc, char **argv)
{
	if (options(c, "stop", "afnt:h", argc, argv) != 0 ||
	    (c->all && optind != argc) || (!c->all && optind == argc))
		return action_usage("stop");
	if (isatty(STDERR_FILENO))
		c->how.pressed = say_pressed;
	if (c->all)
		return stop_all(c);
	return vm_each_named(c->confdir, argv + optind, argc - optind,
	    LOAD_NONE, stop_one, c, NULL);
}

static int
restart_one(struct vm_pick *p, struct diag *d, void *arg)
{
	struct ctx *c = arg;

	if (!p->loaded)
		return pick_failed(d);
	if (stop_name(c, p->vm.name) != 0)
		return 1;
	return start_one(p, d, arg);
}

static int
act_restart(struct ctx *c, int argc, char **argv)
{
	if (options(c, "restart", "ft:h", argc, argv) != 0 || optind == argc)
		return action_usage("restart");
	return vm_each_named(c->confdir, argv + optind, argc - optind,
	    LOAD_CONFIG, restart_one, c, NULL);
}

static int
kill_one(struct vm_pick *p, struct diag *d, void *arg)
{
	struct ctx *c = arg;
	enum vm_stopped k;

	if (p->resolved != RESOLVE_OK)
		return pick_failed(d);
	k = vm_kill(&c->run, p->ref.name, d);
	diag_flush(d, cli_prog);
	if (k == STOP_KILLED)
		printf("%s: killed\n", p->ref.name);
	else if (k == STOP_NOT_RUNNING)
		printf("%s: not running\n", p->ref.name);
	else
		return 1;
	return cli_flush();
}

static int
act_kill(struct ctx *c, int argc, char **argv)
{
	if (options(c, "kill", "h", argc, argv) != 0 || optind == argc)
		return action_usage("kill");
	return vm_each_named(c->confdir, argv + optind, argc - optind,
	    LOAD_NONE, kill_one, c, NULL);
}

/* "42s", "17m", "3h05m", "2d04h". */
static char *
uptime(long long started)
{
	long long t = (long long)time(NULL) - started;

	if (t < 0)
		t = 0;
	if (t < 60)
		return xasprintf("%llds", t);
	if (t < 3600)
		return xasprintf("%lldm", t / 60);
	if (t < 86400)
		return xasprintf("%lldh%02lldm", t / 3600, t / 60 % 60);
	return xasprintf("%lldd%02lldh", t / 86400, t / 3600 % 24);
}

/* One status line; the LSB code of that VM. */
static int
status_name(struct ctx *c, const char *name)
{
	struct vm_state st;
	char *up, *qs, *where, *log;
	int rc;

	switch (vm_probe(&c->run, name, &st)) {
	case VM_RUNNING:
		qs = vm_run_state(&c->run, name, &st);
		if (!st.recorded)
			printf("%s: running, pid %ld, its start was cut short "
			    "(ports unknown: qemu-init restart %s)", name,
			    (long)st.qemu.pid, name);
		else {
			up = uptime(st.started);
			where = monitor_where(&c->run, name, &st);
			printf("%s: running, pid %ld, up %s, %s", name,
			    (long)st.qemu.pid, up, where);
			free(where);
			free(up);
		}
		if (strcmp(qs, "running") != 0)
			printf(", qemu %s", qs);
		printf("\n");
		free(qs);
		rc = 0;
		break;
	case VM_DEAD:
		log = rundir_path(&c->run, name, RUN_CONSOLE_LOG);
		if (st.qemu.pid > 0)
			printf("%s: dead (pid %ld gone, state left): QEMU "
			    "crashed; its console log is %s, and start "
			    "recovers it\n", name, (long)st.qemu.pid, log);
		else
			printf("%s: dead (state file unreadable): start "
			    "recovers it\n", name);
		free(log);
		rc = 1;
		break;
	default:
		vm_tidy(&c->run, name);
		printf("%s: stopped\n", name);
		rc = 3;
		break;
	}
	state_free(&st);
	return rc;
}

static int
status_one(struct vm_pick *p, struct diag *d, void *arg)
{
	struct ctx *c = arg;
	int lsb;

	diag_flush(d, cli_prog);
	lsb = p->resolved == RESOLVE_OK ? status_name(c, p->ref.name) : 4;
	/* Several VMs: 0 only when all run, else the first other. */
	if (c->worst == 0)
		c->worst = lsb;
	return 0;
}

static int
act_status(struct ctx *c, int argc, char **argv)
{
	struct diag d;
	int rc;

	if (options(c, "status", "h", argc, argv) != 0)
		return action_usage("status");
	diag_init(&d);
	(void)vm_each_named(c->confdir, argv + optind, argc - optind,
	    LOAD_NONE, status_one, c, &d);
	rc = diag_flush(&d, cli_prog) > 0 ? 1 : 0;
	if (cli_flush() != 0)
		return 1;
	/* Every registered VM: only a broken registry fails. */
	return optind == argc ? rc : c->worst;
}

static int
list_one(struct vm_pick *p, struct diag *d, void *arg)
{
	struct ctx *c = arg;
	struct vm_state st;
	char *state = NULL, pid[24] = "-", mon[16] = "-", ctl[16] = "-";
	const char *desc;

	diag_flush(d, cli_prog);	/* the registry's; configs: check */
	if (p->loaded)
		desc = p->vm.desc != NULL ? p->vm.desc : "";
	else
		desc = "(config error: see qemu-init check)";
	switch (vm_probe(&c->run, p->ref.name, &st)) {
	case VM_RUNNING:
		state = vm_run_state(&c->run, p->ref.name, &st);
		snprintf(pid, sizeof(pid), "%ld", (long)st.qemu.pid);
		if (st.recorded && st.unix_monitors) {
			snprintf(mon, sizeof(mon), "unix");
			snprintf(ctl, sizeof(ctl), "unix");
		} else if (st.recorded) {
			snprintf(mon, sizeof(mon), "%u", st.monport);
			snprintf(ctl, sizeof(ctl), "%u", st.ctlport);
		}
		break;
	case VM_DEAD:
		state = xstrdup("dead");
		break;
	default:
		vm_tidy(&c->run, p->ref.name);
		state = xstrdup("stopped");
		break;
	}
	printf(LIST_ROW, p->ref.shortname, p->ref.name,
	    strchr(state, ' ') != NULL ? "busy" : state, pid, mon, ctl,
	    st.vnc != NULL ? st.vnc : "-", desc);
	free(state);
	state_free(&st);
	return 0;
}

static int
act_list(struct ctx *c, int argc, char **argv)
{
	struct diag d;
	int rc;

	if (options(c, "list", "h", argc, argv) != 0 || optind != argc)
		return action_usage("list");
	printf(LIST_ROW, "NAME", "LONGNAME", "STATE", "PID", "MONPORT",
	    "CTLPORT", "VNC", "DESCRIPTION");
	diag_init(&d);
	(void)vm_each_named(c->confdir, NULL, 0, LOAD_QUIET, list_one, c,
	    &d);
	rc = diag_flush(&d, cli_prog) > 0 ? 1 : 0;
	return cli_flush() != 0 ? 1 : rc;
}

static int
console_one(struct vm_pick *p, struct diag *d, void *arg)
{
	struct ctx *c = arg;
	struct vm_state st;
	enum relay_end end;
	int fd, lock, tty, running;

	if (p->resolved != RESOLVE_OK)
		return pick_failed(d);
	running = vm_probe(&c->run, p->ref.name, &st) == VM_RUNNING;
	state_free(&st);
	if (!running) {
		diag_error(d, "'%s' is not running", p->ref.name);
		diag_flush(d, cli_prog);
		return 1;
	}
	if ((fd = console_open(&c->run, p->ref.name, &lock, d)) < 0) {
		diag_flush(d, cli_prog);
		return 1;
	}
	tty = isatty(STDIN_FILENO);
	if (tty)
		fprintf(stderr, "%s: attached to the console of '%s' (Ctrl-] "
		    "leaves)\r\n", cli_prog, p->ref.name);
	end = relay_run(fd, RELAY_LINGER, d);
	close(fd);
	lock_release(lock);
	diag_flush(d, cli_prog);
	if (tty)
		fprintf(stderr, "\n%s: left the console of '%s'\n", cli_prog,
		    p->ref.name);
	if (end == RELAY_SIGNALLED)
		return 128 + relay_signal();
	return end == RELAY_ERROR ? 1 : 0;
}

static int
act_console(struct ctx *c, int argc, char **argv)
{
	if (options(c, "console", "h", argc, argv) != 0 || argc - optind != 1)
		return action_usage("console");
	return vm_each_named(c->confdir, argv + optind, 1, LOAD_NONE,
	    console_one, c, NULL);
}

static void
action_help(const struct action *a)
{
	printf("usage: %s %s\n%s", cli_prog, a->usage, a->help);
}

static int
act_help(struct ctx *c, int argc, char **argv)
{
	const struct action *a;

	(void)c;
	if (argc > 2)
		return action_usage("help");
	if (argc == 2) {
		if ((a = find_action(argv[1])) == NULL) {
			fprintf(stderr, "%s: help: unknown action '%s'\n",
			    cli_prog, argv[1]);
			return EX_USAGE;
		}
		action_help(a);
	} else
		usage(stdout);
	return cli_flush();
}

/* The directories and monitor.conf, as the action needs them. */
static int
setup(struct ctx *c, const struct action *a)
{
	struct diag d;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->how.timeout_s = -1;
	c->wait_s = -1;
	c->run.fd = -1;
	c->confdir = path_confdir();
	diag_init(&d);
	if (a->monconf && monconf_load(&c->mc, c->confdir, &d) != 0)
		rc = 1;
	if (rc == 0 && a->run != act_check && a->run != act_help &&
	    rundir_open(&c->run, path_rundir(), a->use, &d) != 0)
		rc = 1;
	diag_flush(&d, cli_prog);
	return rc;
}

int
main(int argc, char **argv)
{
	const struct action *a;
	struct ctx c;
	char *tmp;
	int i, rc;

	cli_init("qemu-init");
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return cli_flush();
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)
		return cli_version();
	a = find_action(argv[1]);
	/* Init-script style: qemu-init <vm> ACTION [options]. */
	if (a == NULL && argc >= 3 && (a = find_action(argv[2])) != NULL) {
		tmp = argv[1];
		argv[1] = argv[2];
		argv[2] = tmp;
		if (argc > 3) {	/* the options before the VM */
			for (i = 2; i < argc - 1; i++)
				argv[i] = argv[i + 1];
			argv[argc - 1] = tmp;
		}
	}
	if (a == NULL) {
		fprintf(stderr, "%s: unknown action '%s'\n", cli_prog,
		    argv[1]);
		usage(stderr);
		return EX_USAGE;
	}
	/* ACTION -h: that action's help, as a request, not an error. */
	for (i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			action_help(a);
			return cli_flush();
		}
	if (setup(&c, a) != 0)
		return 1;
	rc = a->run(&c, argc - 1, argv + 1);
	rundir_close(&c.run);
	if (a->monconf)
		monconf_free(&c.mc);
	return rc;
}
