/*
 * qemu-init - the life cycle of VMs described by <name>-qemu.cfg files.
 *
 * A front end: the action table, each action's options, one library
 * call per VM, and the printing.  What an action does to a VM is in
 * lifecycle.h; which VMs it names, in vmselect.h.
 */
#include <sys/ioctl.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "buf.h"
#include "check.h"
#include "cli.h"
#include "cmdline.h"
#include "console.h"
#include "create.h"
#include "diag.h"
#include "fleet.h"
#include "guest.h"
#include "jsonw.h"
#include "lifecycle.h"
#include "migrate.h"
#include "monconf.h"
#include "monitor.h"
#include "notify.h"
#include "parallel.h"
#include "netif.h"
#include "paths.h"
#include "proc.h"
#include "registry.h"
#include "relay.h"
#include "remote.h"
#include "report.h"
#include "restore.h"
#include "rundir.h"
#include "sshcmd.h"
#include "snapshot.h"
#include "state.h"
#include "suggest.h"
#include "systemd.h"
#include "table.h"
#include "vmconf.h"
#include "vmdisks.h"
#include "vminfo.h"
#include "vmselect.h"

#define START_ALL_MAX	8	/* how many VMs start -a launches at once */
#define START_WAIT_S	300	/* start -w without SECS */
#define UNIT_POLL_MS	500	/* a unit's state, asked that often */
#define UNIT_STATUS_MS	1000	/* STATUS= told at most that often */
#define NOTIFY_BARRIER_MS 10000	/* systemd reads what it was told */

/* What every action gets: the directories, opened once here. */
struct ctx {
	const struct action	*act;
	const char		*confdir;
	struct rundir		 run;
	struct monconf		 mc;
	struct stop_how		 how;		/* stop, restart; wait's -t */
	long long		 wait_s;	/* start -w: seconds, else -1 */
	int			 all;		/* -a, -A */
	int			 console;	/* start -c */
	int			 unit;		/* start --unit */
	int			 json;		/* -o json */
	int			 quiet;		/* list -q */
	int			 shell;		/* show -s */
	int			 purge;		/* remove --purge */
	int			 incremental;	/* backup -i */
	long long		 limit_mib;	/* backup -l, or 0 */
	char			**words;	/* what follows the VM */
	int			 nwords;
	int			 worst;		/* status: the LSB code */
	int			 copy_storage;	/* migrate --copy-storage */
	int			 incoming;	/* migrate --incoming */
	int			 outcome;	/* migrate --outcome */
	const char		*host;		/* migrate's */
	long long		 deadline;	/* wait: now_ms() */
	struct jsonw		 jw;		/* -o json: the document */
	struct table		 table;		/* list's */
	struct run_states	 known;		/* list, status: asked at once */
	struct remote_request	 fleet;		/* -H with several hosts */
	struct fleet_host	*hosts;		/* -o json: each host's end */
	size_t			 nhosts;
};

/* Which VMs an action takes on its command line. */
enum vm_args {
	ARGS_ANY,		/* none (every registered VM) or some */
	ARGS_SOME,		/* one or more */
	ARGS_ONE,
	ARGS_NONE,
	ARGS_ALL_OR_SOME,	/* -a (or -A) and none, or one or more */
	ARGS_OWN,		/* the action parses its command line */
	ARGS_VM_WORD,		/* one, and perhaps a word (a name) */
	ARGS_VM_AND_WORD,	/* one, and a word */
	ARGS_WORDS		/* one or two words, no VM */
};

#define NEED_MONCONF	1	/* monitor.conf */
#define NEED_RUNDIR	2	/* RUNDIR, opened for use */

/*
 * An action: its options and VMs, and either run, which does the whole
 * action, or each, called for every VM named (vmselect.h) with its
 * config loaded as load says.
 */
struct action {
	const char	*name;
	const char	*opts;		/* getopt's */
	enum vm_args	 args;
	int		(*run)(struct ctx *, int nargs, char **args);
	int		(*each)(struct vm_pick *, struct diag *, void *);
	enum vm_load	 load;
	int		 needs;		/* NEED_ */
	enum rundir_use	 use;
	const char	*usage;
	const char	*help;		/* each option, its default */
};

static int	act_check(struct ctx *, int, char **);
static int	act_create(struct ctx *, int, char **);
static int	act_ssh(struct ctx *, int, char **);
static int	remove_one(struct vm_pick *, struct diag *, void *);
static int	act_help(struct ctx *, int, char **);
static int	act_list(struct ctx *, int, char **);
static int	act_migrate(struct ctx *, int, char **);
static int	act_restore(struct ctx *, int, char **);
static int	act_start(struct ctx *, int, char **);
static int	act_status(struct ctx *, int, char **);
static int	act_stop(struct ctx *, int, char **);
static int	act_wait(struct ctx *, int, char **);
static int	fleet_show(struct ctx *, int, char **);
static int	backup_one(struct vm_pick *, struct diag *, void *);
static int	console_one(struct vm_pick *, struct diag *, void *);
static int	info_one(struct vm_pick *, struct diag *, void *);
static int	kill_one(struct vm_pick *, struct diag *, void *);
static int	machine_one(struct vm_pick *, struct diag *, void *);
static int	restart_one(struct vm_pick *, struct diag *, void *);
static int	show_one(struct vm_pick *, struct diag *, void *);
static int	snapshot_one(struct vm_pick *, struct diag *, void *);
static int	snapshots_one(struct vm_pick *, struct diag *, void *);

#define OUTPUT_HELP \
	"  -o, --output=F   text (the default) or json: one JSON document\n"
#define ACT	NEED_RUNDIR, RUNDIR_WRITE	/* acts on running VMs */
#define LOOK	NEED_RUNDIR, RUNDIR_READ	/* looks at them */
/* Holds a VM, running or not: its lock, made where RUNDIR is missing. */
#define HOLD	NEED_RUNDIR, RUNDIR_CREATE

static const struct action actions[] = {
	{ "start", "aAchUw::", ARGS_ALL_OR_SOME, act_start, NULL, LOAD_CONFIG,
	  NEED_MONCONF | NEED_RUNDIR, RUNDIR_CREATE,
	  "start [-cU] [-w [secs]] -a | -A | vm ...",
	  "  -a, --all        every registered VM with AUTOSTART=yes, each "
	  "after its BOOTDELAY\n"
	  "  -A, --autostart  the same\n"
	  "  -c, --console    then attach the terminal to its console (one "
	  "vm)\n"
	  "  -w, --wait[=S]   then wait up to S seconds (default 300) until "
	  "the guest is up:\n"
	  "                   its agent answers (AGENT=yes), or READY is in "
	  "its console log\n"
	  "  -U, --unit       as qemu-init@vm.service's main process: QEMU "
	  "becomes it once\n"
	  "                   the guest is up (under systemd, start runs "
	  "every vm as its unit)\n" },
	{ "stop", "aAfnt:h", ARGS_ALL_OR_SOME, act_stop, NULL, LOAD_NONE, ACT,
	  "stop [-fn] [-t secs] -a | -A | vm ...",
	  "  -t, --timeout=S  wait up to S seconds (default: the VM's "
	  "STOPDELAY, 90)\n"
	  "  -f, --force      then force it off: quit, SIGTERM, SIGKILL\n"
	  "  -n, --no-wait    press the power button and return\n"
	  "  -a, --all        every running VM, in parallel\n"
	  "  -A, --autostart  every running VM started with AUTOSTART=yes, "
	  "in parallel\n" },
	{ "restart", "ft:h", ARGS_SOME, NULL, restart_one, LOAD_CONFIG,
	  NEED_MONCONF | NEED_RUNDIR, RUNDIR_CREATE,
	  "restart [-f] [-t secs] vm ...",
	  "  -t, --timeout=S  as stop -t\n"
	  "  -f, --force      as stop -f\n" },
	{ "kill", "h", ARGS_SOME, NULL, kill_one, LOAD_NONE, ACT, "kill vm ...",
	  "  (no options: QMP quit at once, then SIGKILL; no ACPI)\n" },
	{ "wait", "t:h", ARGS_SOME, act_wait, NULL, LOAD_NONE, LOOK,
	  "wait [-t secs] vm ...",
	  "  -t, --timeout=S  give up after S seconds, exit 1 (default: no "
	  "limit)\n" },
	{ "pause", "h", ARGS_SOME, NULL, machine_one, LOAD_NONE, ACT,
	  "pause vm ...",
	  "  (QMP stop: the guest's CPUs halt until resume)\n" },
	{ "resume", "h", ARGS_SOME, NULL, machine_one, LOAD_NONE, ACT,
	  "resume vm ...",
	  "  (QMP cont: a paused guest runs again)\n" },
	{ "reset", "h", ARGS_SOME, NULL, machine_one, LOAD_NONE, ACT,
	  "reset vm ...",
	  "  (QMP system_reset: the reset button; no ACPI)\n" },
	{ "status", "o:h", ARGS_ANY, act_status, NULL, LOAD_LAZY, LOOK,
	  "status [-o json] [vm ...]",
	  OUTPUT_HELP
	  "  (no vm: every registered VM; exit 0 running, 1 dead, 3 stopped, "
	  "4 unknown)\n" },
	{ "list", "qo:h", ARGS_NONE, act_list, NULL, LOAD_LAZY, LOOK,
	  "list [-q | -o json]",
	  "  -q, --quiet      the shortnames only, one a line\n"
	  OUTPUT_HELP },
	{ "info", "o:h", ARGS_ONE, NULL, info_one, LOAD_CONFIG, LOOK,
	  "info [-o json] vm",
	  OUTPUT_HELP
	  "  (a running VM: what it was started with, not its config now)\n" },
	{ "console", "h", ARGS_ONE, NULL, console_one, LOAD_NONE, ACT,
	  "console vm",
	  "  (Ctrl-] leaves; one client at a time)\n" },
	{ "show", "sh", ARGS_ONE, NULL, show_one, LOAD_CONFIG,
	  NEED_MONCONF | NEED_RUNDIR, RUNDIR_READ,
	  "show [-s] vm",
	  "  -s, --shell      one line a shell can run, files named instead "
	  "of descriptors\n"
	  "  (the QEMU command line start would run; nothing is started)\n" },
	{ "check", "h", ARGS_ANY, act_check, NULL, LOAD_CONFIG, NEED_MONCONF,
	  RUNDIR_READ,
	  "check [vm ...]",
	  "  (no vm: the registry and every registered VM)\n" },
	{ "create", NULL, ARGS_OWN, act_create, NULL, LOAD_NONE,
	  NEED_MONCONF | NEED_RUNDIR, RUNDIR_CREATE,
	  "create name --image file | --from vm [options] [--start | -w [secs]]",
	  "  --image=FILE       a cloud image (qcow2 or raw), never written: "
	  "the disk is\n"
	  "                     a qcow2 overlay on it\n"
	  "  --image-format=F   its format (default: what qemu-img info "
	  "says)\n"
	  "  --from=VM          a copy of a stopped VM instead (disks, config, "
	  "new MACs,\n"
	  "                     a new cloud-init instance)\n"
	  "  --dir=DIR          its folder (default: " CREATE_DIR "/NAME)\n"
	  "  --size=SIZE        its disk, e.g. 20G (default: the image's)\n"
	  "  --ram=SIZE         RAM (default " CREATE_RAM ")\n"
	  "  --cpus=N           SMP\n"
	  "  --firmware=F       bios (default) or uefi\n"
	  "  --net=N            user (passt; the default when there is no "
	  "br0), bridge,\n"
	  "                     or bridge=BRIDGE\n"
	  "  --ssh-key=FILE     the public key for the guest (default: "
	  "~/.ssh/id_*.pub)\n"
	  "  --user=NAME        the user cloud-init makes (default "
	  CREATE_USER ")\n"
	  "  --ip=ADDR/PREFIX   a static address (a bridged NIC), "
	  "--gateway=ADDR\n"
	  "  --set=KEY=VALUE    any other config line (repeatable)\n"
	  "  --start, -w[SECS]  then start it (and wait until it is up)\n" },
	{ "remove", "Ph", ARGS_ONE, NULL, remove_one, LOAD_NONE,
	  NEED_RUNDIR, RUNDIR_WRITE,
	  "remove [--purge] vm",
	  "  --purge          also delete the files create made (and nothing "
	  "else)\n"
	  "  (refused while the VM runs)\n" },
	{ "ssh", NULL, ARGS_OWN, act_ssh, NULL, LOAD_NONE, NEED_RUNDIR,
	  RUNDIR_READ,
	  "ssh vm [-- command ...]",
	  "  (the system's ssh as the VM's SSH_USER with its SSH_KEY, against "
	  "a known-hosts\n"
	  "  file of the VM's own, filled from the host keys its console "
	  "showed)\n" },
	{ "snapshot", "h", ARGS_VM_WORD, NULL, snapshot_one, LOAD_CONFIG,
	  HOLD,
	  "snapshot vm [name]",
	  "  (every disk at once, and the memory of a running VM; the name "
	  "is the\n"
	  "  time by default)\n" },
	{ "snapshots", "o:h", ARGS_ONE, NULL, snapshots_one, LOAD_CONFIG, ACT,
	  "snapshots [-o json] vm",
	  OUTPUT_HELP },
	{ "revert", "h", ARGS_VM_AND_WORD, NULL, snapshot_one, LOAD_CONFIG,
	  HOLD,
	  "revert vm name",
	  "  (a running VM runs on from the snapshot; a stopped VM's disks "
	  "go back)\n" },
	{ "forget", "h", ARGS_VM_AND_WORD, NULL, snapshot_one, LOAD_CONFIG,
	  HOLD,
	  "forget vm name",
	  "  (the snapshot is deleted from every disk)\n" },
	{ "backup", "il:h", ARGS_VM_AND_WORD, NULL, backup_one, LOAD_CONFIG,
	  HOLD,
	  "backup [-i] [-l mib] vm dir",
	  "  -i, --incremental  only what changed since the last backup in "
	  "dir\n"
	  "  -l, --limit=MIB  read each disk at most MIB MiB a second\n"
	  "  (every disk at one moment, into dir; a progress line on a "
	  "terminal)\n" },
	{ "restore", "fh", ARGS_WORDS, act_restore, NULL, LOAD_NONE,
	  HOLD,
	  "restore [-f] dir [name]",
	  "  -f, --force      replace the files of an existing, stopped VM\n"
	  "  (dir's latest backup, or dir/NNNN.manifest; name: the backup's "
	  "VM)\n" },
	/* --incoming and --outcome: between qemu-inits (qemu-init(8)). */
	{ "migrate", "t:h", ARGS_SOME, act_migrate, NULL, LOAD_NONE,
	  NEED_MONCONF | NEED_RUNDIR, RUNDIR_CREATE,
	  "migrate [--copy-storage] [-t secs] vm [user@]host[:port]",
	  "      --copy-storage  copy every disk there first (else the disks "
	  "are shared:\n"
	  "                      the same paths on both hosts)\n"
	  "  -t, --timeout=S  give up after S seconds before the switch-over "
	  "(default 3600)\n"
	  "  (a live migration through ssh; the VM's config must exist there)"
	  "\n" },
	{ "help", "h", ARGS_ANY, act_help, NULL, LOAD_NONE, 0, RUNDIR_READ,
	  "help [action]",
	  "  (this text, or one action's)\n" },
	{ NULL, NULL, ARGS_ANY, NULL, NULL, LOAD_NONE, 0, RUNDIR_READ, NULL,
	  NULL }
};

/* Long options without a letter: past any char. */
enum {
	OPT_COPY_STORAGE = 256,
	OPT_INCOMING,
	OPT_OUTCOME
};

static const struct option longopts[] = {
	{ "all",	no_argument,		NULL,	'a' },
	{ "autostart",	no_argument,		NULL,	'A' },
	{ "console",	no_argument,		NULL,	'c' },
	{ "copy-storage", no_argument,		NULL,	OPT_COPY_STORAGE },
	{ "incoming",	no_argument,		NULL,	OPT_INCOMING },
	{ "outcome",	no_argument,		NULL,	OPT_OUTCOME },
	{ "force",	no_argument,		NULL,	'f' },
	{ "help",	no_argument,		NULL,	'h' },
	{ "incremental", no_argument,		NULL,	'i' },
	{ "limit",	required_argument,	NULL,	'l' },
	{ "no-wait",	no_argument,		NULL,	'n' },
	{ "output",	required_argument,	NULL,	'o' },
	{ "purge",	no_argument,		NULL,	'P' },
	{ "quiet",	no_argument,		NULL,	'q' },
	{ "shell",	no_argument,		NULL,	's' },
	{ "timeout",	required_argument,	NULL,	't' },
	{ "unit",	no_argument,		NULL,	'U' },
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

/* virsh's words for what qemu-init does under another name. */
static const struct {
	const char	*word;
	const char	*action;
} virsh_words[] = {
	{ "shutdown", "stop" }, { "destroy", "kill" }, { "reboot", "restart" },
	{ "suspend", "pause" }, { "dominfo", "info" }, { "domstate", "status" },
	{ "dumpxml", "show" }, { "domdisplay", "info" }
};

/*
 * What qemu-init offers for word, an action it does not have: the
 * action it was probably meant to be (a typo, or virsh's name), or how
 * to do it without one; NULL when nothing comes close.  Caller frees.
 */
static char *
action_hint(const char *word)
{
	const char *names[sizeof(actions) / sizeof(actions[0])];
	const char *confdir = path_confdir();
	size_t i, n = 0;
	char *s, *hint;

	for (i = 0; i < sizeof(virsh_words) / sizeof(virsh_words[0]); i++)
		if (strcmp(word, virsh_words[i].word) == 0)
			return xasprintf("did you mean '%s'?",
			    virsh_words[i].action);
	if (strcmp(word, "define") == 0 || strcmp(word, "launch") == 0)
		return xasprintf("did you mean 'create'? (or write "
		    "NAME-qemu.cfg and add 'NAME /path/to/NAME-qemu.cfg' to "
		    "%s/qemu-init.reg)", confdir);
	if (strcmp(word, "undefine") == 0 || strcmp(word, "delete") == 0)
		return xstrdup("did you mean 'remove'?");
	if (strcmp(word, "autostart") == 0)
		return xstrdup("set AUTOSTART=yes in the VM's config: "
		    "qemu-init.service starts it at boot");
	for (i = 0; actions[i].name != NULL; i++)
		names[n++] = actions[i].name;
	if ((s = suggest_word(word, names, n)) == NULL)
		return NULL;
	hint = xasprintf("did you mean '%s'?", s);
	free(s);
	return hint;
}

/*
 * One line for an action qemu-init does not have, the first of n words
 * (or the second, in the form "qemu-init vm action", when only it comes
 * close to an action): EX_USAGE.
 */
static int
unknown_action(int n, char **words)
{
	const char *word = words[0];
	char *hint = action_hint(word);

	if (hint == NULL && n > 1 && (hint = action_hint(words[1])) != NULL)
		word = words[1];
	if (hint != NULL)
		fprintf(stderr, "%s: unknown action '%s': %s\n", cli_prog,
		    word, hint);
	else
		fprintf(stderr, "%s: unknown action '%s' (%s -h lists the "
		    "actions)\n", cli_prog, word, cli_prog);
	free(hint);
	return EX_USAGE;
}

static void
usage(FILE *fp)
{
	const struct action *a;

	fprintf(fp, "usage: %s action [options] vm ...\n"
	    "       %s vm action [options]\n", cli_prog, cli_prog);
	for (a = actions; a->name != NULL; a++)
		fprintf(fp, "       %s %s\n", cli_prog, a->usage);
	fprintf(fp, "       %s -h | -V\n"
	    "       %s -H [user@]host[:port] [-H ...] action ...\n",
	    cli_prog, cli_prog);
}

static int
action_usage(const struct action *a)
{
	fprintf(stderr, "usage: %s %s\n", cli_prog, a->usage);
	return EX_USAGE;
}

/* Whether the long option without a letter, code, is the action's. */
static int
long_only_of(const struct action *a, int code)
{
	static const struct {
		int		 code;
		const char	*action;
	} owner[] = {
		{ OPT_COPY_STORAGE, "migrate" }, { OPT_INCOMING, "migrate" },
		{ OPT_OUTCOME, "migrate" }
	};
	size_t i;

	for (i = 0; i < sizeof(owner) / sizeof(owner[0]); i++)
		if (owner[i].code == code)
			return strcmp(owner[i].action, a->name) == 0;
	return 0;
}

/*
 * getopt_long for the action's options; the choices go to c.  0, or
 * EX_USAGE after a message that names the program (the caller then
 * shows the action's usage), or -1 after a message that says it all.
 */
static int
options(struct ctx *c, int argc, char **argv)
{
	const char *action = c->act->name, *opts = c->act->opts;
	int ch, li;

	optind = 1;
	opterr = 0;
	while ((li = -1, ch = getopt_long(argc, argv, opts, longopts,
	    &li)) != -1) {
		/* virsh's list --all: what list does anyway. */
		if (li >= 0 && ch == 'a' && c->act->run == act_list) {
			fprintf(stderr, "%s: list: unknown option --all: list "
			    "shows every registered VM, running or not\n",
			    cli_prog);
			return -1;
		}
		/* A long option of another action's. */
		if (li >= 0 && (ch >= 256 ? !long_only_of(c->act, ch) :
		    strchr(opts, ch) == NULL)) {
			fprintf(stderr, "%s: %s: unknown option --%s\n",
			    cli_prog, action, longopts[li].name);
			return EX_USAGE;
		}
		switch (ch) {
		case 'a':
			c->all = 1;
			break;
		case 'A':
			c->all = 1;
			c->how.autostart_only = 1;
			break;
		case 'c':
			c->console = 1;
			break;
		case 'U':
			c->unit = 1;
			break;
		case OPT_COPY_STORAGE:
			c->copy_storage = 1;
			break;
		case OPT_INCOMING:
			c->incoming = 1;
			break;
		case OPT_OUTCOME:
			c->outcome = 1;
			break;
		case 'o':
			if (strcmp(optarg, "json") != 0 &&
			    strcmp(optarg, "text") != 0) {
				fprintf(stderr, "%s: %s: -o %s: not text or "
				    "json\n", cli_prog, action, optarg);
				return EX_USAGE;
			}
			c->json = strcmp(optarg, "json") == 0;
			break;
		case 'i':
			c->incremental = 1;
			break;
		case 'l':
			if (cli_number("-l", optarg, 1, 1048576, "MiB/s",
			    &c->limit_mib) != 0)
				return EX_USAGE;
			break;
		case 'q':
			c->quiet = 1;
			break;
		case 'P':
			c->purge = 1;
			break;
		case 's':
			c->shell = 1;
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

/* show -s: the environment QEMU gets and its argv, as one shell line. */
static void
print_shell_line(const struct vm_config *vm, const struct strvec *av)
{
	struct strbuf sb;
	char *env;
	size_t i;

	sb_init(&sb);
	if (vm->nnics > 0) {
		env = xasprintf("%s=%s", NETIF_BRIDGE_ENV, vm->bridge);
		sb_add_shell_word(&sb, env, 1);
		sb_addc(&sb, ' ');
		free(env);
	}
	for (i = 0; i < av->n; i++) {
		if (i > 0)
			sb_addc(&sb, ' ');
		sb_add_shell_word(&sb, av->v[i], 1);
	}
	printf("%s\n", sb.s);
	sb_free(&sb);
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

	if (!p->loaded || vm_slot(&p->vm, &c->mc, &c->run, &slot, NULL, d) != 0)
		return pick_failed(d);
	if (vm_plan(&p->vm, &c->mc, c->confdir, &c->run, slot, 0, &ln,
	    d) == 0) {
		ln.by_path = c->shell;
		if (c->shell) {
			/* Where QEMU run by hand, as root, may write it. */
			free(ln.pidfile);
			ln.pidfile = rundir_path(&c->run, p->vm.name, RUN_PID);
		}
		sv_init(&av);
		qemu_cmdline(&p->vm, &c->mc, &ln, &av);
		if (c->shell)
			print_shell_line(&p->vm, &av);
		else
			for (i = 0; i < av.n; i++)
				printf("%s\n", av.v[i]);
		sv_free(&av);
		rc = 0;
	}
	plan_free(&ln);
	diag_flush(d, cli_prog);
	return rc == 0 ? cli_flush() : rc;
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
act_check(struct ctx *c, int nargs, char **args)
{
	struct checked k;
	struct diag d;
	size_t i;

	memset(&k, 0, sizeof(k));
	diag_init(&d);
	if (nargs == 0)
		(void)registry_exists(c->confdir, &d);
	(void)vm_each_named(c->confdir, args, nargs, LOAD_CONFIG, check_one,
	    &k, &d);
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

/*
 * Attaches the terminal to the serial console of the running VM name
 * until Ctrl-], the VM's end or a signal; the exit status.
 */
static int
attach_console(struct ctx *c, const char *name, struct diag *d)
{
	struct vm_state st;
	enum relay_end end;
	int fd, lock, tty, running;

	running = vm_probe(&c->run, name, &st) == VM_RUNNING;
	state_free(&st);
	if (!running) {
		diag_error(d, "'%s' is not running", name);
		diag_flush(d, cli_prog);
		return 1;
	}
	if ((fd = console_open(&c->run, name, &lock, d)) < 0) {
		diag_flush(d, cli_prog);
		return 1;
	}
	tty = isatty(STDIN_FILENO);
	if (tty)
		fprintf(stderr, "%s: attached to the console of '%s' (Ctrl-] "
		    "leaves)\r\n", cli_prog, name);
	end = relay_run(fd, RELAY_LINGER, d);
	close(fd);
	lock_release(lock);
	diag_flush(d, cli_prog);
	if (tty)
		fprintf(stderr, "\n%s: left the console of '%s'\n", cli_prog,
		    name);
	if (end == RELAY_SIGNALLED)
		return 128 + relay_signal();
	return end == RELAY_ERROR ? 1 : 0;
}

/*
 * start -w on a terminal: one line that the wait rewrites (qemu-init(8),
 * start -w), cut to the terminal's width, nothing in it that the guest
 * could use to move or recolour the terminal.
 */
struct live {
	const char	*name;
	char		*drawn;		/* what the line shows, or NULL */
};

/* The line shows text now (made harmless, cut to the width). */
static void
live_draw(struct live *l, const char *text, size_t len)
{
	struct log_tail clean;
	struct winsize ws;
	size_t cols = 80;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
		cols = ws.ws_col;
	log_tail_init(&clean);
	log_tail_feed(&clean, text, len);
	if (l->drawn != NULL && strncmp(l->drawn, log_tail_line(&clean),
	    cols - 1) == 0)
		return;
	free(l->drawn);
	l->drawn = xstrdup(log_tail_line(&clean));
	fprintf(stderr, "\r\033[K%.*s", (int)(cols - 1), l->drawn);
	(void)fflush(stderr);
}

/* The live line is wiped, if one was drawn. */
static void
live_end(struct live *l)
{
	if (l->drawn != NULL)
		fprintf(stderr, "\r\033[K");
	free(l->drawn);
	l->drawn = NULL;
}

static void
live_tick(const struct guest_progress *pg, void *arg)
{
	struct live *l = arg;
	struct strbuf sb;

	sb_init(&sb);
	sb_addf(&sb, "%s: %lld s, waiting for %s", l->name,
	    pg->elapsed_ms / 1000, pg->waits_for);
	if (pg->stalled != NULL)
		sb_addf(&sb, " (console empty; QEMU is not executing the "
		    "guest: %s)", pg->stalled);
	else if (pg->console && pg->last_line[0] != '\0')
		sb_addf(&sb, ": %s", pg->last_line);
	else if (pg->console)
		sb_adds(&sb, " (console empty so far)");
	live_draw(l, sb.s, sb.len);
	sb_free(&sb);
}

/* start -w: waits for the guest, on a terminal with a live line. */
static int
wait_up(struct ctx *c, const struct vm_config *vm, struct diag *d)
{
	struct live l = { vm->name, NULL };
	int tty = isatty(STDOUT_FILENO) && isatty(STDERR_FILENO), rc;

	rc = guest_wait_up(&c->run, vm, c->wait_s, tty ? live_tick : NULL,
	    &l, d);
	live_end(&l);
	return rc;
}

/* What start says of a VM that runs now, and under which unit. */
static void
say_started(struct ctx *c, const char *name, struct vm_state *st,
    const char *unit)
{
	char *where = monitor_where(&c->run, name, st);

	printf("%s: started%s%s, pid %ld, %s", name, unit != NULL ?
	    " as " : "", unit != NULL ? unit : "", (long)st->qemu.pid, where);
	free(where);
	if (st->vnc != NULL)
		printf(", vnc %s", st->vnc);
	printf("\n");
}

/* After a start: -w waits for the guest, -c attaches the console. */
static int
start_then(struct ctx *c, const struct vm_config *vm, struct diag *d)
{
	int rc;

	if (c->wait_s > 0) {
		(void)fflush(stdout);
		rc = wait_up(c, vm, d);
		diag_flush(d, cli_prog);
		if (rc != 0)
			return 1;
		printf("%s: up\n", vm->name);
	}
	if (cli_flush() != 0)
		return 1;
	return c->console ? attach_console(c, vm->name, d) : 0;
}

/* Starts one VM and says so; its exit status. */
static int
start_vm(struct ctx *c, const struct vm_config *vm, struct diag *d)
{
	struct vm_started vs;
	int rc;

	rc = vm_start(vm, &c->mc, c->confdir, &c->run, &vs, d);
	diag_flush(d, cli_prog);
	if (rc != 0)
		return 1;
	if (vs.already)
		printf("%s: already running, pid %ld\n", vm->name,
		    (long)vs.st.qemu.pid);
	else
		say_started(c, vm->name, &vs.st, NULL);
	state_free(&vs.st);
	return start_then(c, vm, d);
}

/*
 * Under systemd, start hands every VM to its unit (qemu-init(8),
 * SYSTEMD): when systemd runs the host, we are root, the directories
 * are the built-in ones (the units'), and this start is not the unit's
 * own (--unit).
 */
static int
as_units(const struct ctx *c)
{
	return !c->unit && geteuid() == 0 && path_builtin_dirs() &&
	    systemd_running();
}

/* The instance of a VM's unit: its shortname, else its file. */
static const char *
unit_instance(const struct vm_pick *p)
{
	return p->ref.shortname != NULL ? p->ref.shortname : p->ref.cfgpath;
}

/* systemctl ARG... UNIT; 0 when it succeeded, else 1 after why. */
static int
systemctl_on(const char *verb, const char *opt, const char *unit)
{
	char *args[] = { (char *)verb, (char *)opt, "--", (char *)unit, NULL };
	struct diag d;
	int status = 0;

	if (opt == NULL) {
		args[1] = "--";
		args[2] = (char *)unit;
		args[3] = NULL;
	}
	diag_init(&d);
	if (systemctl(args, NULL, &status, &d) != 0 || status != 0) {
		if (d.errors == 0)
			diag_error(&d, "systemctl %s %s failed (status %d)",
			    verb, unit, status);
		diag_flush(&d, cli_prog);
		return 1;
	}
	return 0;
}

/* Whether unit has no job and is inactive or failed: it gave up. */
static int
unit_gave_up(const char *unit)
{
	char *state, *job;
	int done;

	state = systemctl_show(unit, "ActiveState", NULL);
	job = systemctl_show(unit, "Job", NULL);
	done = state != NULL && job != NULL && (job[0] == '\0' ||
	    strcmp(job, "0") == 0) && (strcmp(state, "failed") == 0 ||
	    strcmp(state, "inactive") == 0);
	free(state);
	free(job);
	return done;
}

/*
 * The unit of a VM that does not run: started without waiting for its
 * job, then watched until its QEMU runs in it (what start waits for),
 * or the unit gives up, or the deadline.
 */
static int
unit_launch(struct ctx *c, const struct vm_config *vm, const char *unit,
    struct diag *d)
{
	long long deadline = now_ms() + QEMU_START_MS + START_WAIT_S * 1000LL;
	struct vm_state st;
	char *in;
	int rc = -1, ours;

	if (systemctl_on("start", "--no-block", unit) != 0)
		return 1;
	for (;;) {
		if (vm_probe(&c->run, vm->name, &st) == VM_RUNNING &&
		    st.recorded) {
			in = systemd_unit_of(st.qemu.pid);
			ours = in != NULL && strcmp(in, unit) == 0;
			free(in);
			if (ours) {
				say_started(c, vm->name, &st, unit);
				rc = 0;
			}
		}
		state_free(&st);
		if (rc == 0)
			return 0;
		if (unit_gave_up(unit)) {
			diag_error(d, "%s did not start '%s': see systemctl "
			    "status %s", unit, vm->name, unit);
			return 1;
		}
		if (now_ms() >= deadline) {
			diag_error(d, "%s has not started QEMU after %d s: see "
			    "systemctl status %s", unit, (QEMU_START_MS +
			    START_WAIT_S * 1000) / 1000, unit);
			return 1;
		}
		(void)usleep(UNIT_POLL_MS * 1000);
	}
}

/*
 * start of one VM under systemd: a VM that runs in a unit already is
 * left alone; one that runs elsewhere is adopted by its unit; any other
 * is started as its unit.  Then -w and -c as a plain start.
 */
static int
start_unit(struct ctx *c, const struct vm_config *vm, const char *instance,
    struct diag *d)
{
	struct vm_state st;
	char *unit, *in = NULL;
	int rc = 0;

	if ((unit = systemd_vm_unit(instance)) == NULL) {
		diag_error(d, "'%s' is too long for a unit name", instance);
		return pick_failed(d);
	}
	if (vm_probe(&c->run, vm->name, &st) == VM_RUNNING) {
		in = systemd_unit_of(st.qemu.pid);
		if (in != NULL && systemd_is_vm_unit(in))
			printf("%s: already running, pid %ld, as %s\n",
			    vm->name, (long)st.qemu.pid, in);
		else if ((rc = systemctl_on("start", NULL, unit)) == 0)
			printf("%s: already running, pid %ld: adopted by %s\n",
			    vm->name, (long)st.qemu.pid, unit);
	} else if ((rc = unit_launch(c, vm, unit, d)) != 0)
		diag_flush(d, cli_prog);
	state_free(&st);
	free(in);
	free(unit);
	return rc != 0 ? 1 : start_then(c, vm, d);
}

/* --unit: SIGTERM (systemctl stop while the guest comes up). */
static volatile sig_atomic_t unit_stop_asked;

static void
unit_on_sigterm(int sig)
{
	(void)sig;
	unit_stop_asked = 1;
}

/* What the unit's own start tells systemd while it waits. */
struct unit_wait {
	struct ctx	*c;
	const char	*name;
	const char	*socket;	/* $NOTIFY_SOCKET */
	long long	 told;		/* now_ms() of the last STATUS= */
};

/*
 * A stop asked of the unit before the guest was up: the VM stopped as
 * stop -f would (the button first), and this start ends there.
 */
static void
unit_stop_now(struct unit_wait *u, int status)
{
	struct stop_how how;
	struct diag d;

	memset(&how, 0, sizeof(how));
	how.timeout_s = -1;
	how.force = 1;
	diag_init(&d);
	(void)notify_send(u->socket, status == 0 ? "STOPPING=1\nSTATUS="
	    "stopping before the guest was up" : "STATUS=not up: stopping "
	    "it", NULL);
	printf("%s: %s: stopping it\n", u->name, status == 0 ?
	    "stop asked before the guest was up" : "not up");
	(void)fflush(stdout);
	(void)vm_stop(&u->c->run, u->name, &how, &d);
	diag_flush(&d, cli_prog);
	exit(status);
}

static void
unit_tick(const struct guest_progress *pg, void *arg)
{
	struct unit_wait *u = arg;
	char *text;

	if (unit_stop_asked)
		unit_stop_now(u, 0);
	if (now_ms() - u->told < UNIT_STATUS_MS)
		return;
	u->told = now_ms();
	text = xasprintf("STATUS=%lld s, waiting for %s", pg->elapsed_ms /
	    1000, pg->waits_for);
	(void)notify_send(u->socket, text, NULL);
	free(text);
}

/* Tells systemd that QEMU, pid, is the service now, and why. */
static int
unit_ready(const char *socket, pid_t pid, const char *why, struct diag *d)
{
	char *text;
	int rc;

	text = xasprintf("MAINPID=%ld\nREADY=1\nSTATUS=%s", (long)pid, why);
	rc = notify_send(socket, text, d);
	free(text);
	if (rc == 0)
		rc = notify_barrier(socket, NOTIFY_BARRIER_MS, d);
	return rc;
}

/* --unit: a VM that runs already becomes the unit's, unchanged. */
static int
unit_adopt(const char *socket, const char *unit, const char *name,
    struct vm_state *st, struct diag *d)
{
	char *in = systemd_unit_of(st->qemu.pid), *why;
	int rc;

	if (in != NULL && systemd_is_vm_unit(in) && strcmp(in, unit) != 0) {
		diag_error(d, "'%s' runs as %s, not as %s", name, in, unit);
		free(in);
		return 1;
	}
	rc = in != NULL && strcmp(in, unit) == 0 ? 0 :
	    systemd_adopt(st->qemu.pid, d);
	free(in);
	if (rc != 0)
		return 1;
	why = xasprintf("adopted: already running, pid %ld",
	    (long)st->qemu.pid);
	rc = unit_ready(socket, st->qemu.pid, why, d);
	free(why);
	if (rc != 0)
		return 1;
	printf("%s: already running, pid %ld: adopted by %s\n", name,
	    (long)st->qemu.pid, unit);
	return 0;
}

/*
 * --unit after systemd restarted the unit itself (QEMU was killed by a
 * signal): the VM starts again only when it crashed and ONCRASH=restart;
 * 0 start it, else 1 after why.
 */
static int
unit_may_restart(struct ctx *c, const struct vm_config *vm, const char *unit,
    const char *socket, struct diag *d)
{
	struct vm_state st;
	enum vm_run run;
	int again;

	switch (systemd_restarted(&c->run, vm->name, unit, d)) {
	case 0:
		return 0;
	case -1:
		return 1;
	}
	run = vm_probe(&c->run, vm->name, &st);
	state_free(&st);
	again = run == VM_DEAD && vm->oncrash_restart;
	if (again) {
		printf("%s: crashed: started again (ONCRASH=restart)\n",
		    vm->name);
		return 0;
	}
	diag_error(d, "%s: not started again: %s", vm->name, run == VM_DEAD ?
	    "it crashed, and ONCRASH is not restart" :
	    "its QEMU was stopped by hand");
	(void)notify_send(socket, run == VM_DEAD ? "STATUS=crashed; not "
	    "started again (ONCRASH=off)" : "STATUS=stopped by hand", NULL);
	return 1;
}

/*
 * start --unit: the main process of qemu-init@NAME.service (Type=notify).
 * It starts the VM, waits for the guest as start -w does, and hands the
 * service over to QEMU (MAINPID=, READY=1); a VM that runs already is
 * adopted as it is.
 */
static int
start_as_unit(struct ctx *c, const struct vm_config *vm, struct diag *d)
{
	struct unit_wait u;
	struct vm_started vs;
	struct vm_state st;
	const char *env = notify_socket();
	char *socket, *unit = NULL, *why;
	int rc = 1;

	if (env == NULL) {
		diag_error(d, "--unit: no $NOTIFY_SOCKET: this is the start "
		    "of qemu-init@.service (Type=notify), not one to run by "
		    "hand");
		return pick_failed(d);
	}
	socket = xstrdup(env);
	(void)unsetenv("NOTIFY_SOCKET");	/* not QEMU's, nor a hook's */
	(void)signal(SIGTERM, unit_on_sigterm);
	if ((unit = systemd_unit_of(getpid())) == NULL ||
	    !systemd_is_vm_unit(unit)) {
		diag_error(d, "--unit: not run as a qemu-init@ unit (in %s)",
		    unit != NULL ? unit : "no unit");
		goto out;
	}
	if (vm_probe(&c->run, vm->name, &st) == VM_RUNNING) {
		rc = unit_adopt(socket, unit, vm->name, &st, d);
		state_free(&st);
		goto out;
	}
	state_free(&st);
	if (unit_may_restart(c, vm, unit, socket, d) != 0)
		goto out;
	(void)notify_send(socket, "STATUS=starting QEMU", NULL);
	/* QEMU's parent a keeper of ours until it is handed over. */
	if (vm_start_kept(vm, &c->mc, c->confdir, &c->run, &vs, d) != 0)
		goto out;
	diag_flush(d, cli_prog);
	if (vs.already) {
		rc = unit_adopt(socket, unit, vm->name, &vs.st, d);
		state_free(&vs.st);
		goto out;
	}
	say_started(c, vm->name, &vs.st, NULL);
	(void)fflush(stdout);
	memset(&u, 0, sizeof(u));
	u.c = c;
	u.name = vm->name;
	u.socket = socket;
	if (unit_stop_asked)
		unit_stop_now(&u, 0);
	if ((vm->serial || vm->agent) && guest_wait_up(&c->run, vm,
	    START_WAIT_S, unit_tick, &u, d) != 0) {
		diag_flush(d, cli_prog);
		unit_stop_now(&u, 1);	/* not up: the unit failed */
	}
	if (unit_stop_asked)
		unit_stop_now(&u, 0);
	why = xasprintf("up, pid %ld%s", (long)vs.st.qemu.pid, vm->serial ||
	    vm->agent ? "" : " (SERIAL=no, no AGENT: not waited for)");
	/*
	 * QEMU becomes systemd's child (init's) before it is the main
	 * process: systemd sees its end then, as that of any service's.
	 */
	proc_kept_release(&vs.keeper);
	if (unit_ready(socket, vs.st.qemu.pid, why, d) == 0) {
		printf("%s: up\n", vm->name);
		rc = 0;
	}
	free(why);
	state_free(&vs.st);
out:
	diag_flush(d, cli_prog);
	free(unit);
	free(socket);
	return rc;
}

static int
start_one(struct vm_pick *p, struct diag *d, void *arg)
{
	struct ctx *c = arg;

	if (!p->loaded)
		return pick_failed(d);
	if (c->unit)
		return start_as_unit(c, &p->vm, d);
	if (as_units(c))
		return start_unit(c, &p->vm, unit_instance(p), d);
	return start_vm(c, &p->vm, d);
}

/* start -a: the AUTOSTART VMs, gathered in registry order. */
struct autostart {
	struct ctx	 *c;
	struct vm_config *vms;
	char		**instances;	/* each one's unit_instance */
	size_t		  n;
	size_t		 *order;	/* under systemd: by BOOTDELAY */
	size_t		 *group;	/* where each group starts in order */
};

static int
gather_autostart(struct vm_pick *p, struct diag *d, void *arg)
{
	struct autostart *a = arg;

	diag_flush(d, cli_prog);	/* its config warnings, or why not */
	if (!p->loaded)
		return 1;
	if (p->vm.autostart) {
		a->vms = xreallocarray(a->vms, a->n + 1, sizeof(*a->vms));
		a->instances = xreallocarray(a->instances, a->n + 1,
		    sizeof(*a->instances));
		a->instances[a->n] = xstrdup(unit_instance(p));
		a->vms[a->n++] = p->vm;
		memset(&p->vm, 0, sizeof(p->vm));	/* kept: ours now */
	}
	return 0;
}

static int
start_autostart(size_t i, void *arg)
{
	struct autostart *a = arg;
	struct diag d;

	diag_init(&d);
	return start_vm(a->c, &a->vms[i], &d);
}

/*
 * start -a under systemd, one group of VMs with the same BOOTDELAY: their
 * units in one systemctl start, so that systemd orders them by their
 * After= (web's After=qemu-init@db.service: web starts once db's guest
 * is up), and waits until each is up or failed; then each VM's outcome.
 */
static int
start_unit_group(size_t i, void *arg)
{
	struct autostart *a = arg;
	size_t k, n = 0, from = a->group[i], to = a->group[i + 1];
	char **args, **units, *in;
	struct vm_state st;
	struct diag d;
	int rc = 0, status = 0;

	units = xcalloc(to - from + 1, sizeof(*units));
	args = xcalloc(to - from + 3, sizeof(*args));
	args[0] = "start";
	args[1] = "--";
	for (k = from; k < to; k++)
		if ((units[k - from] = systemd_vm_unit(
		    a->instances[a->order[k]])) != NULL)
			args[2 + n++] = units[k - from];
	diag_init(&d);
	if (n > 0 && systemctl(args, NULL, &status, &d) != 0)
		rc = 1;
	diag_flush(&d, cli_prog);
	for (k = from; k < to; k++) {
		const char *name = a->vms[a->order[k]].name, *u = units[k - from];

		in = NULL;
		if (u == NULL)
			fprintf(stderr, "%s: '%s' is too long for a unit name\n",
			    cli_prog, a->instances[a->order[k]]);
		else if (vm_probe(&a->c->run, name, &st) == VM_RUNNING &&
		    (in = systemd_unit_of(st.qemu.pid)) != NULL &&
		    strcmp(in, u) == 0)
			printf("%s: running as %s, pid %ld\n", name, in,
			    (long)st.qemu.pid);
		else
			fprintf(stderr, "%s: %s did not start: see systemctl "
			    "status %s\n", cli_prog, u, u);
		if (u == NULL || in == NULL || strcmp(in, u) != 0)
			rc = 1;
		if (u != NULL)
			state_free(&st);
		free(in);
		free(units[k - from]);
	}
	free(units);
	free(args);
	return rc != 0 || status != 0 ? 1 : cli_flush();
}

/* The VMs of start -a by BOOTDELAY (registry order within), grouped. */
static size_t
group_by_bootdelay(struct autostart *a)
{
	size_t i, j, k, ngroups = 0;

	a->order = xcalloc(a->n + 1, sizeof(*a->order));
	a->group = xcalloc(a->n + 2, sizeof(*a->group));
	for (i = 0; i < a->n; i++)
		a->order[i] = i;
	for (i = 1; i < a->n; i++)	/* insertion sort: stable */
		for (j = i; j > 0 && a->vms[a->order[j - 1]].bootdelay >
		    a->vms[a->order[j]].bootdelay; j--) {
			k = a->order[j];
			a->order[j] = a->order[j - 1];
			a->order[j - 1] = k;
		}
	for (i = 0; i < a->n; i++)
		if (i == 0 || a->vms[a->order[i]].bootdelay !=
		    a->vms[a->order[i - 1]].bootdelay)
			a->group[ngroups++] = i;
	a->group[ngroups] = a->n;
	return ngroups;
}

/*
 * start -a: every AUTOSTART VM, START_ALL_MAX at once, each BOOTDELAY
 * seconds after start -a began; their outcomes in registry order.
 * Under systemd, as their units, a group of one BOOTDELAY at once.
 */
static int
start_all(struct ctx *c)
{
	struct autostart a = { c, NULL, NULL, 0, NULL, NULL };
	struct diag d;
	long long *at, t0 = now_ms();
	size_t i, n;
	int rc;

	diag_init(&d);
	rc = vm_each_named(c->confdir, NULL, 0, LOAD_CONFIG, gather_autostart,
	    &a, &d);
	if (diag_flush(&d, cli_prog) > 0 && rc == 0)
		rc = 1;
	at = xcalloc(a.n + 1, sizeof(*at));
	if (as_units(c)) {
		n = group_by_bootdelay(&a);
		for (i = 0; i < n; i++)
			at[i] = t0 + (long long)a.vms[a.order[a.group[i]]].
			    bootdelay * 1000;
		i = parallel_run(n, start_unit_group, &a, n, at);
	} else {
		for (i = 0; i < a.n; i++)
			at[i] = t0 + (long long)a.vms[i].bootdelay * 1000;
		i = parallel_run(a.n, start_autostart, &a, START_ALL_MAX, at);
	}
	if ((int)i > rc)
		rc = (int)i;
	for (i = 0; i < a.n; i++) {
		vmconf_free(&a.vms[i]);
		free(a.instances[i]);
	}
	free(a.vms);
	free(a.instances);
	free(a.order);
	free(a.group);
	free(at);
	return rc;
}

static int
act_start(struct ctx *c, int nargs, char **args)
{
	struct diag d;
	int rc;

	if (c->all)
		return start_all(c);
	diag_init(&d);
	rc = vm_each_named(c->confdir, args, nargs, LOAD_CONFIG, start_one,
	    c, &d);
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
	case STOP_SKIPPED:
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

/* stop -a: the VMs to stop, registered ones in registry order first. */
struct stopping {
	struct ctx	*c;
	struct strvec	 names;
};

static int
stop_nth(size_t i, void *arg)
{
	struct stopping *s = arg;

	return stop_name(s->c, s->names.v[i]);
}

/* Puts the registered VMs of names first, in registry order. */
static void
registry_order(const char *confdir, struct strvec *names)
{
	struct registry reg;
	struct strvec ordered;
	struct diag quiet;
	size_t i, j;

	diag_init(&quiet);
	(void)registry_load(&reg, confdir, &quiet);
	diag_clear(&quiet);
	sv_init(&ordered);
	for (i = 0; i < reg.n; i++)
		for (j = 0; j < names->n; j++)
			if (names->v[j][0] != '\0' &&
			    strcmp(names->v[j], reg.v[i].longname) == 0) {
				sv_push(&ordered, names->v[j]);
				names->v[j][0] = '\0';
			}
	for (j = 0; j < names->n; j++)
		if (names->v[j][0] != '\0')
			sv_push(&ordered, names->v[j]);
	registry_free(&reg);
	sv_free(names);
	*names = ordered;
}

/*
 * stop -a and -A: every running or starting VM, all at once (with -A,
 * vm_stop leaves those not started with AUTOSTART); their outcomes in
 * registry order.
 */
static int
stop_all(struct ctx *c)
{
	struct stopping s;
	struct diag d;
	int rc = 0, worst;

	s.c = c;
	sv_init(&s.names);
	diag_init(&d);
	if (vm_names_active(&c->run, &s.names, &d) != 0)
		rc = 1;
	diag_flush(&d, cli_prog);
	registry_order(c->confdir, &s.names);
	worst = parallel_run(s.names.n, stop_nth, &s, s.names.n, NULL);
	sv_free(&s.names);
	return worst != 0 ? 1 : rc;
}

static int
act_stop(struct ctx *c, int nargs, char **args)
{
	if (isatty(STDERR_FILENO))
		c->how.pressed = say_pressed;
	if (c->all)
		return stop_all(c);
	return vm_each_named(c->confdir, args, nargs, LOAD_NONE, stop_one, c,
	    NULL);
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
wait_one(struct vm_pick *p, struct diag *d, void *arg)
{
	struct ctx *c = arg;

	if (p->resolved != RESOLVE_OK)
		return pick_failed(d);
	diag_flush(d, cli_prog);
	if (!vm_wait_stopped(&c->run, p->ref.name, c->deadline)) {
		fprintf(stderr, "%s: '%s' is still running after %lld s\n",
		    cli_prog, p->ref.name, c->how.timeout_s);
		return 1;
	}
	printf("%s: stopped\n", p->ref.name);
	return cli_flush();
}

/* wait: one deadline for all the VMs named. */
static int
act_wait(struct ctx *c, int nargs, char **args)
{
	c->deadline = c->how.timeout_s < 0 ? LLONG_MAX :
	    now_ms() + c->how.timeout_s * 1000;
	return vm_each_named(c->confdir, args, nargs, LOAD_NONE, wait_one, c,
	    NULL);
}

/* ": 12.5 of 192.0 MiB": done of total, for the progress line. */
static void
add_of(struct strbuf *sb, const char *sep, long long done, long long total)
{
	sb_addf(sb, "%s%.1f of %.1f MiB", sep, (double)done / (1024 * 1024),
	    (double)total / (1024 * 1024));
}

/*
 * migrate on a terminal: "web: 3 s, sending RAM: 12.0 of 192.0 MiB at
 * 1.0 MiB/s, downtime expected 300 ms" (with the disks, copied first).
 */
static void
migrate_tick(const struct migrate_progress *pg, void *arg)
{
	struct live *l = arg;
	struct strbuf sb;
	int disks = strcmp(pg->phase, "copying disks") == 0;

	sb_init(&sb);
	sb_addf(&sb, "%s: %lld s, %s", l->name, pg->elapsed_ms / 1000,
	    pg->phase);
	if (disks && pg->disk_total > 0)
		add_of(&sb, ": ", pg->disk_done, pg->disk_total);
	if (!disks && pg->ram_total > 0)
		add_of(&sb, ": ", pg->ram_done, pg->ram_total);
	if (pg->rate > 0)
		sb_addf(&sb, " at %.1f MiB/s", (double)pg->rate /
		    (1024 * 1024));
	if (!disks && pg->disk_total > 0)
		add_of(&sb, ", disks ", pg->disk_done, pg->disk_total);
	if (pg->downtime_ms >= 0)
		sb_addf(&sb, ", downtime expected %lld ms", pg->downtime_ms);
	live_draw(l, sb.s, sb.len);
	sb_free(&sb);
}

static int
migrate_one(struct vm_pick *p, struct diag *d, void *arg)
{
	struct ctx *c = arg;
	struct migrate_how how;
	struct migrate_result res;
	struct live l = { p->arg, NULL };
	int rc;

	if (p->resolved != RESOLVE_OK)
		return pick_failed(d);
	diag_flush(d, cli_prog);
	memset(&how, 0, sizeof(how));
	how.host = c->host;
	how.copy_storage = c->copy_storage;
	how.timeout_s = c->how.timeout_s >= 0 ? c->how.timeout_s :
	    MIGRATE_TIMEOUT_S;
	if (isatty(STDERR_FILENO)) {
		how.progress = migrate_tick;
		how.arg = &l;
	}
	rc = migrate_vm(&c->run, p->ref.name, &how, &res, d);
	live_end(&l);
	diag_flush(d, cli_prog);
	if (rc != 0)
		return rc;
	printf("%s: migrated to %s in %.1f s, downtime %lld ms%s\n",
	    p->ref.name, c->host, (double)res.total_ms / 1000,
	    res.downtime_ms, res.paused ? " (paused there, as here)" : "");
	return cli_flush();
}

/* migrate --incoming: the receiving end; its stdout is the connection. */
static int
incoming_one(struct vm_pick *p, struct diag *d, void *arg)
{
	struct ctx *c = arg;
	struct migrate_how how;
	int rc;

	memset(&how, 0, sizeof(how));
	how.copy_storage = c->copy_storage;
	how.timeout_s = c->how.timeout_s >= 0 ? c->how.timeout_s :
	    MIGRATE_TIMEOUT_S;
	rc = migrate_incoming(p->loaded ? &p->vm : NULL, &c->mc, c->confdir,
	    &c->run, &how, d);
	diag_flush(d, cli_prog);
	return rc;
}

/* migrate --outcome: whether it runs here, once the receiving end chose. */
static int
outcome_one(struct vm_pick *p, struct diag *d, void *arg)
{
	struct ctx *c = arg;
	int runs;

	if (p->resolved != RESOLVE_OK)
		return pick_failed(d);
	runs = migrate_outcome(&c->run, p->ref.name, d);
	diag_flush(d, cli_prog);
	if (runs < 0)
		return 1;
	printf("%s\n", runs ? "running" : "stopped");
	return cli_flush();
}

/*
 * migrate VM HOST; between qemu-inits, migrate --incoming VM (through
 * ssh, from the source) and migrate --outcome VM.
 */
static int
act_migrate(struct ctx *c, int nargs, char **args)
{
	if (c->incoming && c->outcome)
		return action_usage(c->act);
	if (c->incoming || c->outcome) {
		if (nargs != 1)
			return action_usage(c->act);
		return vm_each_named(c->confdir, args, 1, c->incoming ?
		    LOAD_CONFIG : LOAD_NONE, c->incoming ? incoming_one :
		    outcome_one, c, NULL);
	}
	if (nargs != 2)
		return action_usage(c->act);
	c->host = args[1];
	return vm_each_named(c->confdir, args, 1, LOAD_NONE, migrate_one, c,
	    NULL);
}

/* pause, resume and reset. */
static int
machine_one(struct vm_pick *p, struct diag *d, void *arg)
{
	static const struct {
		const char		*action;
		enum vm_machine_op	 op;
		const char		*done;
	} ops[] = {
		{ "pause", MACHINE_PAUSE, "paused" },
		{ "resume", MACHINE_RESUME, "resumed" },
		{ "reset", MACHINE_RESET, "reset" }
	};
	struct ctx *c = arg;
	size_t i;

	if (p->resolved != RESOLVE_OK)
		return pick_failed(d);
	for (i = 0; strcmp(ops[i].action, c->act->name) != 0; i++)
		continue;
	if (vm_machine(&c->run, p->ref.name, ops[i].op, d) != 0) {
		diag_flush(d, cli_prog);
		return 1;
	}
	diag_flush(d, cli_prog);
	printf("%s: %s\n", p->ref.name, ops[i].done);
	return cli_flush();
}

/* "2026-12-07 13:30:12", local time (caller frees). */
static char *
local_time(long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[32];

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		return xasprintf("%lld", t);
	return xstrdup(s);
}

/* info's snapshot count and last backup. */
static void
report_keeping(struct report *r, const struct vm_info *in)
{
	const struct backup_record *b = &in->backup;
	char *when, *line;

	report_number(r, "snapshots", in->snapshots >= 0 ? in->snapshots :
	    REPORT_NONE, NULL);
	if (r->w != NULL) {
		if (!in->has_backup) {
			jsonw_null(r->w, "last_backup");
			return;
		}
		jsonw_object(r->w, "last_backup");
		jsonw_number(r->w, "time", b->time);
		jsonw_number(r->w, "backup", b->seq);
		jsonw_bool(r->w, "incremental", b->incremental);
		jsonw_string(r->w, "dir", b->dir);
		jsonw_end(r->w);
		return;
	}
	if (!in->has_backup) {
		report_string(r, "last_backup", NULL);
		return;
	}
	when = local_time(b->time);
	line = xasprintf("%s, backup %u (%s) in %s", when, b->seq,
	    b->incremental ? "incremental" : "full", b->dir);
	report_string(r, "last_backup", line);
	free(line);
	free(when);
}

/* info's facts beyond report_vm_members': the machine, disks and NICs. */
static void
report_machine(struct report *r, const struct vm_info *in)
{
	const struct vm_state *st = &in->st;
	int known = in->has_facts;
	char key[32], *line;
	size_t i;

	report_bool(r, "autostart", known && st->autostart >= 0 ?
	    st->autostart : -1);
	report_number(r, "stopdelay", known ? st->stopdelay : REPORT_NONE,
	    NULL);
	report_string(r, "accel", !known ? NULL : st->kvm ? "kvm" : "tcg");
	report_string(r, "ram", known ? st->ram : NULL);
	report_string(r, "smp", known ? st->smp : NULL);
	report_number(r, "uid", known && st->uid >= 0 ? st->uid :
	    REPORT_NONE, NULL);
	report_string(r, "serial_socket", in->serial);
	report_string(r, "bridge", known ? st->bridge : NULL);
	if (r->w != NULL) {
		jsonw_array(r->w, "disks");
		for (i = 0; known && i < st->ndisks; i++) {
			jsonw_object(r->w, NULL);
			jsonw_string(r->w, "path", st->disks[i].path);
			jsonw_string(r->w, "format", st->disks[i].format);
			jsonw_string(r->w, "backing", in->backing != NULL ?
			    in->backing[i] : NULL);
			jsonw_string(r->w, "data_file", in->data_file != NULL ?
			    in->data_file[i] : NULL);
			jsonw_end(r->w);
		}
		jsonw_end(r->w);
		jsonw_array(r->w, "cdroms");
		for (i = 0; known && i < st->ncdroms; i++)
			jsonw_string(r->w, NULL, st->cdroms[i]);
		jsonw_end(r->w);
		jsonw_array(r->w, "nics");
		for (i = 0; known && i < st->nnics; i++) {
			jsonw_object(r->w, NULL);
			jsonw_string(r->w, "model", st->nics[i].model);
			jsonw_string(r->w, "mac", st->nics[i].mac);
			jsonw_string(r->w, "tap", st->nics[i].tap);
			jsonw_string(r->w, "net", st->nics[i].user ? "user" :
			    "bridge");
			jsonw_string(r->w, "forwards", st->nics[i].fwd);
			jsonw_end(r->w);
		}
		jsonw_end(r->w);
		report_keeping(r, in);
		return;
	}
	for (i = 0; known && i < st->ndisks; i++) {
		(void)snprintf(key, sizeof(key), "disk%zu", i + 1);
		line = xasprintf("%s (%s)%s%s%s%s", st->disks[i].path,
		    st->disks[i].format != NULL ? st->disks[i].format : "-",
		    in->backing != NULL && in->backing[i] != NULL ?
		    ", backing file " : "", in->backing != NULL &&
		    in->backing[i] != NULL ? in->backing[i] : "",
		    in->data_file != NULL && in->data_file[i] != NULL ?
		    ", data file " : "", in->data_file != NULL &&
		    in->data_file[i] != NULL ? in->data_file[i] : "");
		report_string(r, key, line);
		free(line);
	}
	for (i = 0; known && i < st->ncdroms; i++) {
		(void)snprintf(key, sizeof(key), "cdrom%zu", i + 1);
		report_string(r, key, st->cdroms[i]);
	}
	for (i = 0; known && i < st->nnics; i++) {
		(void)snprintf(key, sizeof(key), "nic%zu", i + 1);
		line = st->nics[i].user ? xasprintf("%s %s user, forwards "
		    "%s", st->nics[i].model != NULL ? st->nics[i].model : "-",
		    st->nics[i].mac, st->nics[i].fwd != NULL &&
		    st->nics[i].fwd[0] != '\0' ? st->nics[i].fwd : "none") :
		    xasprintf("%s %s %s", st->nics[i].model != NULL ?
		    st->nics[i].model : "-", st->nics[i].mac,
		    st->nics[i].tap != NULL ? st->nics[i].tap : "-");
		report_string(r, key, line);
		free(line);
	}
	report_keeping(r, in);
}

/*
 * info: where a running guest answers ssh, as far as qemu-init knows
 * (sshcmd.h): "127.0.0.1:2222 (FWD1), 198.18.0.10:22 (ADDR1)".
 */
static void
report_addresses(struct report *r, const struct vm_config *vm,
    const struct vm_info *in, const struct rundir *rd)
{
	struct ssh_target *t;
	struct strbuf sb;
	size_t i, n;

	if (in->run != VM_RUNNING || !in->has_facts)
		return;
	ssh_targets(vm, &in->st, rd, &t, &n);
	sb_init(&sb);
	for (i = 0; i < n; i++)
		sb_addf(&sb, "%s%s:%u (%s)", i > 0 ? ", " : "", t[i].host,
		    t[i].port, t[i].how);
	report_string(r, "ssh_addresses", n > 0 ? sb.s : NULL);
	sb_free(&sb);
	ssh_targets_free(t, n);
}

/* -o json: the document, opened by a list of VMs, printed at its end. */
static void
json_begin(struct ctx *c)
{
	jsonw_init(&c->jw);
	jsonw_object(&c->jw, NULL);
	jsonw_array(&c->jw, "vms");
}

/* What the document has so far goes out: a VM at a time, not all kept. */
static void
json_flush(struct ctx *c)
{
	char *part = jsonw_take(&c->jw);

	fputs(part, stdout);
	free(part);
}

static int
json_print(struct ctx *c)
{
	char *doc = jsonw_detach(&c->jw);

	fputs(doc, stdout);
	free(doc);
	jsonw_free(&c->jw);
	return cli_flush();
}

/*
 * -H with several hosts: list and status ask each host for its JSON
 * document, and its VMs are shown as this host's are, a HOST column
 * first; a host that gave none is a row saying why.
 */
struct fleet_host {
	const char	*host;
	int		 status;
	char		*problem;
};

/* One host's VMs: rows of the table, or objects of the document. */
static void
fleet_one(const struct fleet_answer *a, void *arg)
{
	struct ctx *c = arg;
	struct report r = { &c->jw, NULL };
	struct fleet_host *h = &c->hosts[c->nhosts++];
	struct strbuf line;
	char *note;
	size_t i;

	h->host = a->host;
	h->status = a->status;
	h->problem = a->problem != NULL ? xstrdup(a->problem) : NULL;
	for (i = 0; c->json && i < a->n; i++) {
		jsonw_object(&c->jw, NULL);
		jsonw_string(&c->jw, "host", a->host);
		report_vm_members(&r, &a->vms[i]);
		jsonw_end(&c->jw);
		json_flush(c);
	}
	if (c->json)
		return;
	if (a->problem != NULL || a->n == 0) {
		table_add(&c->table, a->host);
		note = xasprintf("(%s)", a->problem != NULL ? a->problem :
		    "no VMs");
		table_note(&c->table, note);
		free(note);
	}
	for (i = 0; a->problem == NULL && i < a->n; i++) {
		table_add(&c->table, a->host);
		if (c->quiet)
			table_add(&c->table, a->vms[i].shortname);
		else if (c->act->run == act_status) {
			sb_init(&line);
			report_status_line(&line, &a->vms[i]);
			table_add(&c->table, line.s);
			sb_free(&line);
		} else
			report_list_row(&c->table, &a->vms[i]);
	}
}

/* The document's "hosts": how each host ended. */
static void
fleet_hosts_json(struct ctx *c)
{
	struct fleet_host *h;
	size_t i;

	jsonw_end(&c->jw);
	jsonw_array(&c->jw, "hosts");
	for (i = 0; i < c->nhosts; i++) {
		h = &c->hosts[i];
		jsonw_object(&c->jw, NULL);
		jsonw_string(&c->jw, "host", h->host);
		jsonw_bool(&c->jw, "answered", h->problem == NULL);
		jsonw_number(&c->jw, "exit", h->status);
		if (h->problem != NULL)
			jsonw_string(&c->jw, "error", h->problem);
		jsonw_end(&c->jw);
	}
}

static int
fleet_show(struct ctx *c, int nargs, char **args)
{
	struct strvec av;
	struct diag d;
	size_t i;
	int rc;

	sv_init(&av);
	sv_push(&av, c->act->name);
	sv_push(&av, "-o");
	sv_push(&av, "json");
	sv_push(&av, "--");
	for (i = 0; i < (size_t)nargs; i++)
		sv_push(&av, args[i]);
	c->hosts = xcalloc(c->fleet.n, sizeof(*c->hosts));
	if (c->json)
		json_begin(c);
	else {
		table_init(&c->table, c->quiet ? 2 : c->act->run == act_status ?
		    2 : 1 + REPORT_LIST_COLUMNS);
		table_add(&c->table, "HOST");
		if (c->quiet || c->act->run == act_status)
			table_add(&c->table, c->quiet ? "NAME" : "STATUS");
		for (i = 0; !c->quiet && c->act->run != act_status &&
		    i < REPORT_LIST_COLUMNS; i++)
			table_add(&c->table, report_list_head[i]);
	}
	diag_init(&d);
	rc = fleet_ask(&c->fleet, cli_prog, (int)av.n, av.v, fleet_one, c, &d);
	if (diag_flush(&d, cli_prog) > 0)
		rc = REMOTE_NO_ANSWER;
	if (c->json) {
		fleet_hosts_json(c);
		if (json_print(c) != 0 && rc == 0)
			rc = 1;
	} else {
		table_print(&c->table, stdout);
		table_free(&c->table);
		if (cli_flush() != 0 && rc == 0)
			rc = 1;
	}
	for (i = 0; i < c->nhosts; i++)
		free(c->hosts[i].problem);
	free(c->hosts);
	sv_free(&av);
	return rc;
}

static int
status_one(struct vm_pick *p, struct diag *d, void *arg)
{
	struct ctx *c = arg;
	struct report r = { &c->jw, NULL };
	struct report_vm v;
	struct vm_info in;
	struct strbuf line;
	const struct run_known *k;
	int resolved = p->resolved == RESOLVE_OK;

	diag_flush(d, cli_prog);
	memset(&in, 0, sizeof(in));
	in.uptime = -1;
	/* JSON says what a VM that does not run would run with. */
	k = resolved ? run_states_find(&c->known, p->ref.name) : NULL;
	if (resolved && c->json && (k == NULL || k->run == VM_STOPPED))
		(void)vm_pick_load(p);
	if (resolved)
		vm_info_get(&c->run, p->ref.name, p->loaded ? &p->vm : NULL,
		    &c->known, &in);
	report_vm_of(&v, resolved ? &p->ref : NULL, &in,
	    p->loaded ? p->vm.desc : NULL);
	v.vm = p->arg;
	v.lsb = !resolved ? 4 : in.run == VM_RUNNING ? 0 :
	    in.run == VM_DEAD ? 1 : 3;
	if (c->json) {
		jsonw_object(&c->jw, NULL);
		report_vm_members(&r, &v);
		jsonw_end(&c->jw);
		json_flush(c);
	} else if (resolved) {
		sb_init(&line);
		report_status_line(&line, &v);
		printf("%s\n", line.s);
		sb_free(&line);
	}
	/* Several VMs: 0 only when all run, else the first other. */
	if (c->worst == 0)
		c->worst = v.lsb;
	vm_info_free(&in);
	return 0;
}

static int
act_status(struct ctx *c, int nargs, char **args)
{
	struct diag d;
	int rc;

	if (c->fleet.n > 0)
		return fleet_show(c, nargs, args);
	if (c->json)
		json_begin(c);
	if (nargs != 1)
		vm_run_states(&c->run, &c->known);
	diag_init(&d);
	(void)vm_each_named(c->confdir, args, nargs, LOAD_NONE, status_one, c,
	    &d);
	run_states_free(&c->known);
	rc = diag_flush(&d, cli_prog) > 0 ? 1 : 0;
	if ((c->json ? json_print(c) : cli_flush()) != 0)
		return 1;
	/* Every registered VM: only a broken registry fails. */
	return nargs == 0 ? rc : c->worst;
}

static int
list_one(struct vm_pick *p, struct diag *d, void *arg)
{
	struct ctx *c = arg;
	struct report r = { &c->jw, NULL };
	struct report_vm v;
	struct vm_info in;
	const struct run_known *k;

	diag_flush(d, cli_prog);	/* the registry's; configs: check */
	if (c->quiet) {
		printf("%s\n", p->ref.shortname);
		return 0;
	}
	/* The table takes what a VM that runs was started with. */
	k = run_states_find(&c->known, p->ref.name);
	if (c->json || k == NULL || k->run == VM_STOPPED || !k->st.recorded)
		(void)vm_pick_load(p);
	vm_info_get(&c->run, p->ref.name, p->loaded ? &p->vm : NULL,
	    &c->known, &in);
	report_vm_of(&v, &p->ref, &in, p->loaded ? p->vm.desc : NULL);
	v.config_ok = p->loaded;
	if (c->json) {
		jsonw_object(&c->jw, NULL);
		report_vm_members(&r, &v);
		jsonw_end(&c->jw);
		json_flush(c);
	} else
		report_list_row(&c->table, &v);
	vm_info_free(&in);
	return 0;
}

/* list's table, its header row added. */
static void
list_table(struct table *t)
{
	size_t i;

	table_init(t, REPORT_LIST_COLUMNS);
	for (i = 0; i < REPORT_LIST_COLUMNS; i++)
		table_add(t, report_list_head[i]);
}

static int
act_list(struct ctx *c, int nargs, char **args)
{
	struct diag d;
	int rc;

	(void)nargs;
	(void)args;
	if (c->fleet.n > 0)
		return fleet_show(c, nargs, args);
	list_table(&c->table);
	if (c->json)
		json_begin(c);
	if (!c->quiet)
		vm_run_states(&c->run, &c->known);
	diag_init(&d);
	(void)vm_each_named(c->confdir, NULL, 0, c->quiet ? LOAD_NONE :
	    LOAD_LAZY, list_one, c, &d);
	run_states_free(&c->known);
	rc = diag_flush(&d, cli_prog) > 0 ? 1 : 0;
	if (!c->quiet && !c->json)
		table_print(&c->table, stdout);
	table_free(&c->table);
	if ((c->json ? json_print(c) : cli_flush()) != 0)
		return 1;
	return rc;
}

static int
info_one(struct vm_pick *p, struct diag *d, void *arg)
{
	struct ctx *c = arg;
	struct strbuf text;
	struct report r = { NULL, &text };
	struct report_vm v;
	struct vm_info in;
	int rc;

	if (p->resolved != RESOLVE_OK)
		return pick_failed(d);
	/* A config that does not load: said; a VM that runs is shown. */
	diag_flush(d, cli_prog);
	vm_info_get(&c->run, p->ref.name, p->loaded ? &p->vm : NULL, NULL,
	    &in);
	vm_info_images(&in);
	rc = in.run == VM_STOPPED && !p->loaded ? 1 : 0;
	sb_init(&text);
	if (c->json) {
		jsonw_init(&c->jw);
		r.w = &c->jw;
		jsonw_object(&c->jw, NULL);
	}
	report_vm_of(&v, &p->ref, &in, p->loaded ? p->vm.desc : NULL);
	report_vm_members(&r, &v);
	report_machine(&r, &in);
	report_addresses(&r, p->loaded ? &p->vm : NULL, &in, &c->run);
	vm_info_free(&in);
	if (text.len > 0)
		fputs(text.s, stdout);
	sb_free(&text);
	if ((c->json ? json_print(c) : cli_flush()) != 0)
		return 1;
	return rc;
}

static int
console_one(struct vm_pick *p, struct diag *d, void *arg)
{
	if (p->resolved != RESOLVE_OK)
		return pick_failed(d);
	return attach_console(arg, p->ref.name, d);
}

/* snapshot, revert and forget: one VM held, one change, said. */
static int
snapshot_one(struct vm_pick *p, struct diag *d, void *arg)
{
	struct ctx *c = arg;
	const struct vm_config *vm = p->loaded ? &p->vm : NULL;
	const char *action = c->act->name;
	unsigned long long memory = 0;
	struct vm_disks vd;
	struct strbuf size;
	char *name;
	int rc = -1;

	if (p->resolved != RESOLVE_OK)
		return pick_failed(d);
	name = c->nwords > 0 ? xstrdup(c->words[0]) : snapshot_default_name();
	if (snapshot_name_check(name, d) != 0) {
		free(name);
		return pick_failed(d);
	}
	if (vmdisks_hold(&c->run, p->ref.name, vm, &vd, d) == 0)
		rc = strcmp(action, "snapshot") == 0 ? snapshot_take(&vd, vm,
		    name, &memory, d) : strcmp(action, "revert") == 0 ?
		    snapshot_revert(&vd, vm, name, d) :
		    snapshot_forget(&vd, vm, name, d);
	sb_init(&size);
	sb_add_size(&size, memory);
	if (rc == 0 && strcmp(action, "snapshot") == 0)
		printf(vd.running ? "%s: snapshot '%s' taken, with its memory "
		    "(%s)\n" : "%s: snapshot '%s' taken (disks only: it is "
		    "stopped)\n", p->ref.name, name, size.s);
	else if (rc == 0 && strcmp(action, "revert") == 0)
		printf(vd.running ? "%s: back at snapshot '%s', running\n" :
		    "%s: disks back at snapshot '%s'\n", p->ref.name, name);
	else if (rc == 0)
		printf("%s: snapshot '%s' forgotten\n", p->ref.name, name);
	vmdisks_release(&vd);
	diag_flush(d, cli_prog);
	sb_free(&size);
	free(name);
	return rc == 0 ? cli_flush() : 1;
}

/* snapshots: a table, or the JSON document. */
static void
print_snapshots(struct ctx *c, const char *vm, int running,
    const struct snapshot_set *set)
{
	struct strbuf cell;
	struct table t;
	char *when;
	size_t i;

	if (c->json) {
		jsonw_init(&c->jw);
		jsonw_object(&c->jw, NULL);
		jsonw_string(&c->jw, "vm", vm);
		jsonw_bool(&c->jw, "running", running);
		jsonw_array(&c->jw, "snapshots");
	} else {
		table_init(&t, 4);
		table_add(&t, "NAME");
		table_add(&t, "TAKEN");
		table_add(&t, "MEMORY");
		table_add(&t, "DISKS");
	}
	for (i = 0; i < set->n; i++) {
		if (c->json) {
			jsonw_object(&c->jw, NULL);
			jsonw_string(&c->jw, "name", set->v[i].name);
			jsonw_number(&c->jw, "taken", set->v[i].date);
			jsonw_number(&c->jw, "memory",
			    (long long)set->v[i].memory);
			jsonw_number(&c->jw, "disks", (long long)set->v[i].disks);
			jsonw_bool(&c->jw, "whole",
			    set->v[i].disks == set->ndisks);
			jsonw_end(&c->jw);
			continue;
		}
		table_add(&t, set->v[i].name);
		when = local_time(set->v[i].date);
		table_add(&t, when);
		free(when);
		sb_init(&cell);
		if (set->v[i].memory > 0)
			sb_add_size(&cell, set->v[i].memory);
		table_add(&t, set->v[i].memory > 0 ? cell.s : "-");
		sb_reset(&cell);
		if (set->v[i].disks == set->ndisks)
			sb_adds(&cell, "all");
		else
			sb_addf(&cell, "%zu of %zu", set->v[i].disks,
			    set->ndisks);
		table_add(&t, cell.s);
		sb_free(&cell);
	}
	if (!c->json) {
		table_print(&t, stdout);
		table_free(&t);
	}
}

static int
snapshots_one(struct vm_pick *p, struct diag *d, void *arg)
{
	struct ctx *c = arg;
	struct snapshot_set set;
	struct vm_disks vd;

	if (p->resolved != RESOLVE_OK)
		return pick_failed(d);
	if (vmdisks_hold(&c->run, p->ref.name, p->loaded ? &p->vm : NULL, &vd,
	    d) != 0) {
		vmdisks_release(&vd);
		return pick_failed(d);
	}
	diag_flush(d, cli_prog);
	snapshot_list(&vd, &set);
	print_snapshots(c, p->ref.name, vd.running, &set);
	snapshot_set_free(&set);
	vmdisks_release(&vd);
	return (c->json ? json_print(c) : cli_flush()) != 0 ? 1 : 0;
}

/* backup's progress line on a terminal: bytes, rate, time left. */
static void
backup_tick(const struct backup_progress *pg, void *arg)
{
	struct live *l = arg;
	unsigned long long rate;
	struct strbuf sb;
	long long left;

	sb_init(&sb);
	sb_addf(&sb, "%s: backup ", l->name);
	sb_add_size(&sb, pg->done);
	sb_adds(&sb, " of ");
	sb_add_size(&sb, pg->total);
	if (pg->elapsed_ms >= 1000 && pg->done > 0) {
		rate = pg->done * 1000 / (unsigned long long)pg->elapsed_ms;
		sb_adds(&sb, ", ");
		sb_add_size(&sb, rate);
		sb_adds(&sb, "/s");
		left = rate > 0 ? (long long)((pg->total - (pg->done <
		    pg->total ? pg->done : pg->total)) / rate) : -1;
		if (left >= 0)
			sb_addf(&sb, ", %lld:%02lld left", left / 60,
			    left % 60);
	}
	live_draw(l, sb.s, sb.len);
	sb_free(&sb);
}

static int
backup_one(struct vm_pick *p, struct diag *d, void *arg)
{
	struct ctx *c = arg;
	struct live l = { p->ref.name, NULL };
	struct backup_how how = { c->incremental,
	    (unsigned long long)c->limit_mib << 20, NULL, &l };
	struct backup_done done;
	struct strbuf size;
	int rc;

	if (p->resolved != RESOLVE_OK)
		return pick_failed(d);
	if (isatty(STDERR_FILENO))
		how.progress = backup_tick;
	rc = backup_vm(&c->run, p->ref.name, p->loaded ? &p->vm : NULL,
	    c->words[0], &how, &done, d);
	live_end(&l);
	diag_flush(d, cli_prog);
	if (rc != 0)
		return 1;
	sb_init(&size);
	sb_add_size(&size, done.bytes);
	printf("%s: backup %u in %s (", p->ref.name, done.seq, done.dir);
	if (done.base != 0)
		printf("incremental on backup %u", done.base);
	else
		printf("full");
	printf(", %s%s)\n", size.s, !done.online ? ", stopped" :
	    done.frozen ? ", file systems frozen" : "");
	sb_free(&size);
	backup_done_free(&done);
	return cli_flush();
}

static int
act_restore(struct ctx *c, int nargs, char **args)
{
	struct restore_done done;
	struct diag d;

	diag_init(&d);
	if (restore_vm(c->confdir, &c->run, args[0], nargs > 1 ? args[1] :
	    NULL, c->how.force, &done, &d) != 0) {
		diag_flush(&d, cli_prog);
		return 1;
	}
	diag_flush(&d, cli_prog);
	printf("%s: restored from backup %u of %s%s%s\n", done.name, done.seq,
	    args[0], done.registered ? ", registered" : "", done.replaced ?
	    ", its files replaced" : "");
	restore_done_free(&done);
	return cli_flush();
}

static void
action_help(const struct action *a)
{
	printf("usage: %s %s\n%s", cli_prog, a->usage, a->help);
}

static int
act_help(struct ctx *c, int nargs, char **args)
{
	const struct action *a;

	if (nargs > 1)
		return action_usage(c->act);
	if (nargs == 1) {
		if ((a = find_action(args[0])) == NULL)
			return unknown_action(1, args);
		action_help(a);
	} else
		usage(stdout);
	return cli_flush();
}

/* create's own options: its long options are its own. */
static const struct option create_longopts[] = {
	{ "image",	  required_argument, NULL, 'i' },
	{ "image-format", required_argument, NULL, 'F' },
	{ "from",	  required_argument, NULL, 'f' },
	{ "dir",	  required_argument, NULL, 'd' },
	{ "size",	  required_argument, NULL, 's' },
	{ "ram",	  required_argument, NULL, 'm' },
	{ "cpus",	  required_argument, NULL, 'c' },
	{ "firmware",	  required_argument, NULL, 'b' },
	{ "net",	  required_argument, NULL, 'n' },
	{ "ssh-key",	  required_argument, NULL, 'k' },
	{ "user",	  required_argument, NULL, 'u' },
	{ "ip",		  required_argument, NULL, 'a' },
	{ "gateway",	  required_argument, NULL, 'g' },
	{ "set",	  required_argument, NULL, 'S' },
	{ "start",	  no_argument,	     NULL, 'r' },
	{ "wait",	  optional_argument, NULL, 'w' },
	{ NULL,		  0,		     NULL, 0 }
};

/* One option of create's into o (or c, for -w): 0, or EX_USAGE. */
static int
create_option(struct ctx *c, struct create_opts *o, int ch, int *start,
    int argc, char **argv)
{
	const char **field[] = {
		['i'] = &o->image, ['F'] = &o->image_format, ['f'] = &o->from,
		['d'] = &o->dir, ['s'] = &o->size, ['m'] = &o->ram,
		['c'] = &o->cpus, ['b'] = &o->firmware, ['n'] = &o->net,
		['k'] = &o->ssh_key, ['u'] = &o->user, ['a'] = &o->ip,
		['g'] = &o->gateway
	};

	if (ch == 'S') {
		o->sets = xreallocarray(o->sets, o->nsets + 1,
		    sizeof(*o->sets));
		o->sets[o->nsets++] = optarg;
	} else if (ch == 'r')
		*start = 1;
	else if (ch == 'w') {
		if (optarg == NULL && optind < argc && argv[optind][0] != '\0' &&
		    strspn(argv[optind], "0123456789") == strlen(argv[optind]))
			optarg = argv[optind++];
		c->wait_s = START_WAIT_S;
		*start = 1;
		if (optarg != NULL && cli_seconds("-w", optarg, 1, 86400,
		    &c->wait_s) != 0)
			return EX_USAGE;
	} else if (ch > 0 && ch < (int)(sizeof(field) / sizeof(field[0])) &&
	    field[ch] != NULL)
		*field[ch] = optarg;
	else {
		if (optopt != 0 && optopt < 128 && isprint(optopt))
			fprintf(stderr, "%s: create: unknown option -%c\n",
			    cli_prog, optopt);
		else
			fprintf(stderr, "%s: create: unknown option %s\n",
			    cli_prog, argv[optind - 1]);
		return EX_USAGE;
	}
	return 0;
}

/* create NAME --image FILE | --from VM [options]: then start, maybe. */
static int
act_create(struct ctx *c, int argc, char **argv)
{
	struct create_opts o;
	struct vm_config vm;
	struct diag d;
	char *cfgpath;
	int ch, rc, start = 0;

	memset(&o, 0, sizeof(o));
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "w::", create_longopts,
	    NULL)) != -1)
		if (create_option(c, &o, ch, &start, argc, argv) != 0) {
			free(o.sets);
			return action_usage(c->act);
		}
	if (argc - optind != 1 || (o.image == NULL) == (o.from == NULL)) {
		free(o.sets);
		return action_usage(c->act);
	}
	o.name = argv[optind];
	diag_init(&d);
	rc = create_vm(c->confdir, &c->mc, &c->run, &o, &cfgpath, &d);
	free(o.sets);
	diag_flush(&d, cli_prog);
	if (rc != 0)
		return 1;
	printf("%s: created, %s\n", o.name, cfgpath);
	if (!start) {
		free(cfgpath);
		return cli_flush();
	}
	rc = vmconf_load(&vm, cfgpath, o.name, &d);
	free(cfgpath);
	diag_flush(&d, cli_prog);
	if (rc == 0)
		rc = start_vm(c, &vm, &d);
	vmconf_free(&vm);
	return rc != 0 ? 1 : 0;
}

static int
remove_one(struct vm_pick *p, struct diag *d, void *arg)
{
	struct ctx *c = arg;

	diag_clear(d);
	if (create_remove(c->confdir, &c->run, p->arg, c->purge, d) != 0) {
		diag_flush(d, cli_prog);
		return 1;
	}
	diag_flush(d, cli_prog);
	printf("%s: removed%s\n", p->arg, c->purge ? ", and its files" : "");
	return cli_flush();
}

/* ssh VM [-- command ...]: the system's ssh, in our place. */
static int
act_ssh(struct ctx *c, int argc, char **argv)
{
	struct ssh_target *t = NULL;
	struct vm_config vm;
	struct vm_state st;
	struct strvec av;
	struct vm_ref ref;
	struct diag d;
	char *known, *prog;
	size_t n = 0;
	int strict, e, first = 1;

	if (argc >= 2 && strcmp(argv[1], "--") == 0)
		first = 2;
	if (argc <= first || argv[first][0] == '-' ||
	    (argc > first + 1 && strcmp(argv[first + 1], "--") != 0))
		return action_usage(c->act);
	diag_init(&d);
	if (vm_lookup(c->confdir, argv[first], &ref, &d) != RESOLVE_OK)
		return pick_failed(&d);
	if (vmconf_load(&vm, ref.cfgpath, ref.name, &d) != 0) {
		vm_ref_free(&ref);
		vmconf_free(&vm);
		return pick_failed(&d);
	}
	diag_flush(&d, cli_prog);
	if (vm_probe(&c->run, ref.name, &st) != VM_RUNNING)
		diag_error(&d, "'%s' is not running", ref.name);
	else {
		ssh_targets(&vm, &st, &c->run, &t, &n);
		if (n == 0)
			diag_error(&d, "no address known for '%s': give a NIC "
			    "NETx=user with a forward to port 22 (FWDx), or "
			    "its address (ADDRx)", ref.name);
	}
	state_free(&st);
	known = xasprintf("%s/%s-known_hosts", vm.dir, vm.name);
	strict = n > 0 && ssh_known_hosts_fill(&vm, &c->run, known, &d) >= 0 &&
	    access(known, F_OK) == 0;
	if (d.errors > 0 || n == 0) {
		diag_flush(&d, cli_prog);
		free(known);
		ssh_targets_free(t, n);
		vmconf_free(&vm);
		vm_ref_free(&ref);
		return 1;
	}
	sv_init(&av);
	ssh_argv(&vm, &t[0], known, strict, argv + first + 2,
	    argc > first + 1 ? argc - first - 2 : 0, &av);
	if ((e = proc_find_program(av.v[0], &prog)) == 0) {
		(void)fflush(stdout);
		execv(prog, av.v);
		e = errno;
	}
	fprintf(stderr, "%s: cannot run %s: %s\n", cli_prog, av.v[0],
	    strerror(e));
	return 1;
}

/* The directories and monitor.conf, as the action needs them. */
static int
setup(struct ctx *c)
{
	const struct action *a = c->act;
	struct diag d;
	int rc = 0;

	diag_init(&d);
	if ((a->needs & NEED_MONCONF) &&
	    monconf_load(&c->mc, c->confdir, &d) != 0)
		rc = 1;
	if (rc == 0 && (a->needs & NEED_RUNDIR) &&
	    rundir_open(&c->run, path_rundir(), a->use, &d) != 0)
		rc = 1;
	diag_flush(&d, cli_prog);
	return rc;
}

/*
 * The action's options and VMs, then what it needs (so a usage error is
 * said before anything about the folders), then the action.  For -H
 * with several hosts (fleet), nothing is opened here.
 */
static int
act(struct ctx *c, const struct action *a, struct remote_request *fleet,
    int argc, char **argv)
{
	int n;

	memset(c, 0, sizeof(*c));
	c->act = a;
	c->how.timeout_s = -1;
	c->wait_s = -1;
	c->run.fd = -1;
	c->confdir = path_confdir();
	if (fleet != NULL)
		c->fleet = *fleet;
	if (a->args == ARGS_OWN)
		return setup(c) != 0 ? 1 : a->run(c, argc, argv);
	if ((n = options(c, argc, argv)) != 0)
		return n < 0 ? EX_USAGE : action_usage(a);
	n = argc - optind;
	if ((a->args == ARGS_SOME && n == 0) || (a->args == ARGS_ONE &&
	    n != 1) || (a->args == ARGS_NONE && n != 0) ||
	    (a->args == ARGS_ALL_OR_SOME && (c->all ? n != 0 : n == 0)) ||
	    ((a->args == ARGS_VM_WORD || a->args == ARGS_WORDS) &&
	    (n < 1 || n > 2)) || (a->args == ARGS_VM_AND_WORD && n != 2) ||
	    (c->console && n != 1) || (c->quiet && c->json) ||
	    (c->unit && (n != 1 || c->all || c->console || c->wait_s > 0)))
		return action_usage(a);
	if (fleet == NULL && setup(c) != 0)
		return 1;
	if (a->run != NULL)
		return a->run(c, n, argv + optind);
	/* The VM, and the words after it. */
	if (a->args == ARGS_VM_WORD || a->args == ARGS_VM_AND_WORD) {
		c->words = argv + optind + 1;
		c->nwords = n - 1;
		n = 1;
	}
	return vm_each_named(c->confdir, argv + optind, n, a->load, a->each,
	    c, NULL);
}

/* -H with several hosts: list and status only. */
static int
fleet_main(const struct action *a, struct remote_request *fleet, int argc,
    char **argv)
{
	struct ctx c;
	int rc;

	if (a->run != act_list && a->run != act_status) {
		fprintf(stderr, "%s: %s\n", cli_prog, REMOTE_FLEET_ONLY);
		rc = EX_USAGE;
	} else
		rc = act(&c, a, fleet, argc - 1, argv + 1);
	remote_request_free(fleet);
	return rc;
}

int
main(int argc, char **argv)
{
	const struct action *a;
	struct remote_request fleet;
	struct ctx c;
	char *tmp;
	int i, rc;

	cli_init("qemu-init");
	memset(&fleet, 0, sizeof(fleet));
	rc = remote_main(&argc, &argv, &fleet);
	if (rc != REMOTE_LOCAL && rc != REMOTE_FLEET)
		return rc;	/* -H host: it ran there */
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
		/* The VM stays before the words that follow it. */
		if (argc > 3 && a->args != ARGS_VM_WORD &&
		    a->args != ARGS_VM_AND_WORD) {	/* the options first */
			for (i = 2; i < argc - 1; i++)
				argv[i] = argv[i + 1];
			argv[argc - 1] = tmp;
		}
	}
	if (a == NULL)
		return unknown_action(argc - 1, argv + 1);
	/* ACTION -h: that action's help, as a request, not an error. */
	for (i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			action_help(a);
			return cli_flush();
		}
	if (fleet.n > 0)
		return fleet_main(a, &fleet, argc, argv);
	rc = act(&c, a, NULL, argc - 1, argv + 1);
	rundir_close(&c.run);
	if (a->needs & NEED_MONCONF)
		monconf_free(&c.mc);
	return rc;
}
