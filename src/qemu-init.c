/*
 * qemu-init - the life cycle of VMs described by <name>-qemu.cfg files.
 */
#include <sys/wait.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "argv.h"
#include "buf.h"
#include "cfg.h"
#include "diag.h"
#include "lifecycle.h"
#include "monitor.h"
#include "relay.h"
#include "monconf.h"
#include "paths.h"
#include "qmp.h"
#include "registry.h"
#include "sock.h"
#include "state.h"
#include "vmconf.h"

#define EX_USAGE	64
/* A line of list: the header and every VM. */
#define LIST_ROW	"%-12s %-16s %-10s %-8s %-7s %-7s %-15s %s\n"

static const char *prog = "qemu-init";

struct action {
	const char	*name;
	int		(*run)(int, char **);
	const char	*usage;
};

static int	act_check(int, char **);
static int	act_console(int, char **);
static int	act_kill(int, char **);
static int	act_list(int, char **);
static int	act_restart(int, char **);
static int	act_show(int, char **);
static int	act_start(int, char **);
static int	act_status(int, char **);
static int	act_stop(int, char **);

static const struct action actions[] = {
	{ "start",	act_start,	"start [-a] vm ..." },
	{ "stop",	act_stop,	"stop [-f] [-t secs] [-a] vm ..." },
	{ "restart",	act_restart,	"restart vm ..." },
	{ "kill",	act_kill,	"kill vm ..." },
	{ "status",	act_status,	"status [vm ...]" },
	{ "list",	act_list,	"list" },
	{ "console",	act_console,	"console vm" },
	{ "show",	act_show,	"show vm" },
	{ "check",	act_check,	"check [vm ...]" },
	{ NULL,		NULL,		NULL }
};

static void
usage(FILE *fp)
{
	const struct action *a;

	fprintf(fp, "usage: %s action [options] vm ...\n", prog);
	for (a = actions; a->name != NULL; a++)
		fprintf(fp, "       %s %s\n", prog, a->usage);
	fprintf(fp, "       %s -h | -V\n", prog);
}

static int
action_usage(const char *name)
{
	const struct action *a;

	for (a = actions; a->name != NULL; a++)
		if (strcmp(a->name, name) == 0)
			fprintf(stderr, "usage: %s %s\n", prog, a->usage);
	return EX_USAGE;
}

/* getopt for an action with no options but -h. */
static int
no_options(int argc, char **argv)
{
	int ch;

	optind = 1;
	while ((ch = getopt(argc, argv, "h")) != -1)
		return -1;
	(void)ch;
	return 0;
}

/* Resolves a VM argument and loads its config; 0 or an exit code. */
static int
load_vm(const char *arg, struct vm_ref *ref, struct vm_config *vm,
    struct diag *d)
{
	if (vm_lookup(arg, ref, d) != RESOLVE_OK)
		return 1;
	if (vmconf_load(vm, ref->cfgpath, ref->name, d) != 0) {
		vm_ref_free(ref);
		vmconf_free(vm);
		return 1;
	}
	return 0;
}

static int
act_show(int argc, char **argv)
{
	struct monitor_conf mc;
	struct vm_config vm;
	struct launch ln;
	struct strvec av;
	struct vm_ref ref;
	struct diag d;
	size_t i;
	int rc;

	if (no_options(argc, argv) != 0 || argc - optind != 1)
		return action_usage("show");
	diag_init(&d);
	if (monconf_load(&mc, path_confdir(), &d) != 0) {
		monconf_free(&mc);
		diag_flush(&d, prog);
		return 1;
	}
	rc = load_vm(argv[optind], &ref, &vm, &d);
	if (rc != 0) {
		monconf_free(&mc);
		diag_flush(&d, prog);
		return rc;
	}
	memset(&ln, 0, sizeof(ln));
	launch_ports(&ln, &mc, 0);
	ln.ipv6 = sock_has_ipv6_loopback();
	ln.kvm = vm.kvm == KVM_YES || (vm.kvm == KVM_AUTO && kvm_available());
	ln.run_with = vm.runas != NULL && qemu_has_run_with(vm.tgtarch);
	ln.confdir = path_confdir();
	ln.rundir = path_rundir();
	sv_init(&av);
	if (qemu_argv(&vm, &mc, &ln, &av, &d) == 0)
		for (i = 0; i < av.n; i++)
			printf("%s\n", av.v[i]);
	else
		rc = 1;
	sv_free(&av);
	vmconf_free(&vm);
	vm_ref_free(&ref);
	monconf_free(&mc);
	diag_flush(&d, prog);
	return rc;
}

struct nic_owner {
	const char	*vm;
	size_t		 nic;
	char		 mac[MAC_STRLEN];
};

static int
compare_mac(const void *a, const void *b)
{
	return strcmp(((const struct nic_owner *)a)->mac,
	    ((const struct nic_owner *)b)->mac);
}

/* Every MAC shared by two NICs among the loaded VMs. */
static void
check_macs(struct vm_config *vms, size_t n, struct diag *d)
{
	struct nic_owner *all = NULL;
	size_t i, j, count = 0;

	for (i = 0; i < n; i++) {
		all = xreallocarray(all, count + vms[i].nnics, sizeof(*all));
		for (j = 0; j < vms[i].nnics; j++) {
			all[count].vm = vms[i].name;
			all[count].nic = j + 1;
			memcpy(all[count].mac, vms[i].nics[j].mac, MAC_STRLEN);
			count++;
		}
	}
	if (count > 1)
		qsort(all, count, sizeof(*all), compare_mac);
	for (i = 1; i < count; i++)
		if (strcmp(all[i - 1].mac, all[i].mac) == 0)
			diag_error(d, "MAC %s is shared by NIC%zu of '%s' and "
			    "NIC%zu of '%s' (set MACx in one of them)",
			    all[i].mac, all[i - 1].nic, all[i - 1].vm,
			    all[i].nic, all[i].vm);
	free(all);
}

static int
act_check(int argc, char **argv)
{
	struct monitor_conf mc;
	struct registry reg;
	struct vm_config *vms;
	struct vm_ref ref;
	struct diag d;
	size_t i, n = 0, want;
	unsigned problems;

	if (no_options(argc, argv) != 0)
		return action_usage("check");
	diag_init(&d);
	monconf_load(&mc, path_confdir(), &d);
	monconf_free(&mc);
	registry_load(&reg, path_confdir(), &d);
	if (argc == optind && reg.absent != NULL)
		diag_error(&d, "%s", reg.absent);
	want = argc > optind ? (size_t)(argc - optind) : reg.n;
	vms = xcalloc(want, sizeof(*vms));
	for (i = 0; i < want; i++) {
		if (argc > optind) {
			if (vm_resolve(&reg, argv[optind + i], &ref, &d) != 0)
				continue;
		} else
			vm_ref_from_entry(&reg.v[i], &ref);
		if (vmconf_load(&vms[n], ref.cfgpath, ref.name, &d) == 0)
			n++;
		else
			vmconf_free(&vms[n]);
		vm_ref_free(&ref);
	}
	check_macs(vms, n, &d);
	problems = d.errors + d.warnings;
	diag_flush(&d, prog);
	if (problems == 0)
		printf("%zu VM%s checked: no problems\n", want,
		    want == 1 ? "" : "s");
	for (i = 0; i < n; i++)
		vmconf_free(&vms[i]);
	free(vms);
	registry_free(&reg);
	return problems == 0 ? 0 : 1;
}

/* ", vnc 127.0.0.1:3" when the VM has VNC. */
static void
print_vnc(const struct vm_config *vm, const struct monitor_conf *mc,
    unsigned slot)
{
	if (vm->vnc)
		printf(", vnc %s:%u", mc->vnc_listen, slot);
}

static int
start_one(const struct vm_config *vm, const struct monitor_conf *mc)
{
	struct vm_started vs;
	struct diag d;
	char *where;
	int rc;

	diag_init(&d);
	rc = vm_start(vm, mc, &vs, &d);
	diag_flush(&d, prog);
	if (rc != 0)
		return 1;
	if (vs.already)
		printf("%s: already running, pid %ld\n", vm->name,
		    (long)vs.st.pid);
	else {
		where = monitor_where(vm->name, &vs.st);
		printf("%s: started, pid %ld, %s", vm->name, (long)vs.st.pid,
		    where);
		free(where);
		print_vnc(vm, mc, vs.st.slot);
		printf("\n");
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

/* Loads monitor.conf, reporting errors; 0 or 1. */
static int
load_monconf(struct monitor_conf *mc)
{
	struct diag d;

	diag_init(&d);
	if (monconf_load(mc, path_confdir(), &d) != 0) {
		monconf_free(mc);
		diag_flush(&d, prog);
		return 1;
	}
	diag_flush(&d, prog);
	return 0;
}

/* start -a: every registered VM with AUTOSTART=yes, after BOOTDELAY. */
static int
start_auto(const struct monitor_conf *mc)
{
	struct registry reg;
	struct vm_config vm;
	struct diag d;
	size_t i;
	int rc = 0;

	diag_init(&d);
	if (registry_load(&reg, path_confdir(), &d) != 0)
		rc = 1;
	diag_flush(&d, prog);
	for (i = 0; i < reg.n; i++) {
		if (vmconf_load(&vm, reg.v[i].path, reg.v[i].longname,
		    &d) != 0) {
			rc = 1;
			diag_flush(&d, prog);
			vmconf_free(&vm);
			continue;
		}
		diag_clear(&d);
		if (vm.autostart) {
			if (vm.bootdelay > 0)
				sleep(vm.bootdelay);
			rc |= start_one(&vm, mc);
		}
		vmconf_free(&vm);
	}
	registry_free(&reg);
	return rc;
}

/* Loads each VM named in argv[first..] and hands it to fn; 0 or 1. */
static int
each_vm(int first, int argc, char **argv, const struct monitor_conf *mc,
    int (*fn)(const struct vm_config *, const struct monitor_conf *))
{
	struct vm_config vm;
	struct vm_ref ref;
	struct diag d;
	int rc = 0, i;

	for (i = first; i < argc; i++) {
		diag_init(&d);
		if (load_vm(argv[i], &ref, &vm, &d) != 0) {
			diag_flush(&d, prog);
			rc = 1;
			continue;
		}
		diag_flush(&d, prog);
		rc |= fn(&vm, mc);
		vmconf_free(&vm);
		vm_ref_free(&ref);
	}
	return rc;
}

static int
act_start(int argc, char **argv)
{
	struct monitor_conf mc;
	int ch, all = 0, rc;

	optind = 1;
	while ((ch = getopt(argc, argv, "ah")) != -1) {
		if (ch != 'a')
			return action_usage("start");
		all = 1;
	}
	if ((all && optind != argc) || (!all && optind == argc))
		return action_usage("start");
	if (load_monconf(&mc) != 0)
		return 1;
	if (all)
		rc = start_auto(&mc);
	else
		rc = each_vm(optind, argc, argv, &mc, start_one);
	monconf_free(&mc);
	return rc;
}

/* STOPDELAY of a VM's config, the default when it cannot be read. */
static unsigned
stop_delay(const char *cfgpath, const char *name)
{
	struct vm_config vm;
	struct diag quiet;
	unsigned delay = 90;

	memset(&vm, 0, sizeof(vm));
	diag_init(&quiet);
	if (cfgpath != NULL && cfgpath[0] != '\0' &&
	    vmconf_load(&vm, cfgpath, name, &quiet) == 0)
		delay = vm.stopdelay;
	vmconf_free(&vm);
	diag_clear(&quiet);
	return delay;
}

/* timeout < 0: the VM's STOPDELAY. */
static int
stop_one(const char *name, const char *cfgpath, long long timeout, int force)
{
	struct diag d;
	unsigned secs;
	int rc;

	secs = timeout >= 0 ? (unsigned)timeout : stop_delay(cfgpath, name);
	diag_init(&d);
	rc = vm_stop(name, secs, force, &d);
	diag_flush(&d, prog);
	switch (rc) {
	case STOP_DONE:
		printf("%s: stopped\n", name);
		break;
	case STOP_FORCED:
		printf("%s: stopped (forced)\n", name);
		break;
	case STOP_NOT_RUNNING:
		printf("%s: not running\n", name);
		break;
	default:
		return 1;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

struct running {
	char	**names;
	char	**cfgs;
	size_t	  n;
};

static void
collect_running(const char *name, const struct vm_state *st, void *arg)
{
	struct running *r = arg;

	r->names = xreallocarray(r->names, r->n + 1, sizeof(*r->names));
	r->cfgs = xreallocarray(r->cfgs, r->n + 1, sizeof(*r->cfgs));
	r->names[r->n] = xstrdup(name);
	r->cfgs[r->n] = xstrdup(st->cfgpath);
	r->n++;
}

/* stop -a: every running VM, each in a process of its own. */
static int
stop_all(long long timeout, int force)
{
	struct running r = { NULL, NULL, 0 };
	size_t i;
	pid_t pid;
	int status, rc = 0;

	state_scan(path_rundir(), collect_running, &r);
	fflush(stdout);
	for (i = 0; i < r.n; i++) {
		if ((pid = fork()) == -1) {
			fprintf(stderr, "%s: cannot stop '%s': fork: %s\n",
			    prog, r.names[i], strerror(errno));
			rc = 1;
		} else if (pid == 0)
			_exit(stop_one(r.names[i], r.cfgs[i], timeout, force));
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			rc = 1;
	for (i = 0; i < r.n; i++) {
		free(r.names[i]);
		free(r.cfgs[i]);
	}
	free(r.names);
	free(r.cfgs);
	return rc;
}

static int
act_stop(int argc, char **argv)
{
	struct vm_ref ref;
	struct diag d;
	long long timeout = -1;
	const char *why;
	int ch, all = 0, force = 0, rc = 0, i;

	optind = 1;
	while ((ch = getopt(argc, argv, "aft:h")) != -1) {
		switch (ch) {
		case 'a':
			all = 1;
			break;
		case 'f':
			force = 1;
			break;
		case 't':
			if (cfg_number(optarg, 0, 86400, &timeout, &why) != 0) {
				fprintf(stderr, "%s: -t %s: %s (0 to 86400 "
				    "seconds)\n", prog, optarg, why);
				return EX_USAGE;
			}
			break;
		default:
			return action_usage("stop");
		}
	}
	if ((all && optind != argc) || (!all && optind == argc))
		return action_usage("stop");
	if (all)
		return stop_all(timeout, force);
	for (i = optind; i < argc; i++) {
		diag_init(&d);
		if (vm_lookup(argv[i], &ref, &d) != RESOLVE_OK) {
			diag_flush(&d, prog);
			rc = 1;
			continue;
		}
		rc |= stop_one(ref.name, ref.cfgpath, timeout, force);
		vm_ref_free(&ref);
	}
	return rc;
}

static int
restart_one(const struct vm_config *vm, const struct monitor_conf *mc)
{
	if (stop_one(vm->name, vm->cfgpath, vm->stopdelay, 0) != 0)
		return 1;
	return start_one(vm, mc);
}

static int
act_restart(int argc, char **argv)
{
	struct monitor_conf mc;
	int rc;

	if (no_options(argc, argv) != 0 || optind == argc)
		return action_usage("restart");
	if (load_monconf(&mc) != 0)
		return 1;
	rc = each_vm(optind, argc, argv, &mc, restart_one);
	monconf_free(&mc);
	return rc;
}

static int
act_kill(int argc, char **argv)
{
	struct vm_ref ref;
	struct diag d;
	int rc = 0, i, k;

	if (no_options(argc, argv) != 0 || optind == argc)
		return action_usage("kill");
	for (i = optind; i < argc; i++) {
		diag_init(&d);
		if (vm_lookup(argv[i], &ref, &d) != RESOLVE_OK) {
			diag_flush(&d, prog);
			rc = 1;
			continue;
		}
		k = vm_kill(ref.name, &d);
		diag_flush(&d, prog);
		if (k == STOP_KILLED)
			printf("%s: killed\n", ref.name);
		else if (k == STOP_NOT_RUNNING)
			printf("%s: not running\n", ref.name);
		else
			rc = 1;
		vm_ref_free(&ref);
	}
	return rc;
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

/* QEMU's own run state ("running", "paused", ...), or why not known. */
static char *
qemu_run_state(const char *name, const struct vm_state *st)
{
	struct diag d;
	struct qmp q;
	char *status = NULL;

	if (!monitor_known(st))
		return xstrdup("monitor unknown");
	diag_init(&d);
	if (monitor_qmp_open(&q, name, st, MONITOR_TIMEOUT_MS, &d) == QMP_OK)
		(void)qmp_query(&q, "query-status", "status", &status, &d);
	qmp_close(&q);
	if (status == NULL)
		status = d.n > 0 && strstr(d.msgs[0].text, "busy") != NULL ?
		    xstrdup("monitor busy") : xstrdup("monitor not answering");
	diag_clear(&d);
	return status;
}

/* One status line; the LSB code of that VM. */
static int
status_one(const char *name)
{
	struct vm_state st;
	char *up, *qs, *where;
	int rc;

	switch (vm_probe(path_rundir(), name, &st)) {
	case VM_RUNNING:
		up = uptime(st.started);
		qs = qemu_run_state(name, &st);
		where = monitor_where(name, &st);
		printf("%s: running, pid %ld, up %s, %s", name, (long)st.pid,
		    up, where);
		free(where);
		if (strcmp(qs, "running") != 0)
			printf(", qemu %s", qs);
		printf("\n");
		free(up);
		free(qs);
		rc = 0;
		break;
	case VM_DEAD:
		if (st.pid > 0)
			printf("%s: dead (pid %ld gone, state left)\n", name,
			    (long)st.pid);
		else
			printf("%s: dead (state file unreadable)\n", name);
		rc = 1;
		break;
	default:
		printf("%s: stopped\n", name);
		rc = 3;
		break;
	}
	state_free(&st);
	return rc;
}

static int
act_status(int argc, char **argv)
{
	struct registry reg;
	struct vm_ref ref;
	struct diag d;
	size_t i;
	int rc = 0, one, lsb;

	if (no_options(argc, argv) != 0)
		return action_usage("status");
	diag_init(&d);
	if (optind == argc) {
		if (registry_load(&reg, path_confdir(), &d) != 0)
			rc = 1;
		diag_flush(&d, prog);
		for (i = 0; i < reg.n; i++)
			(void)status_one(reg.v[i].longname);
		registry_free(&reg);
		return rc;
	}
	for (one = optind; one < argc; one++) {
		if (vm_lookup(argv[one], &ref, &d) != RESOLVE_OK) {
			diag_flush(&d, prog);
			lsb = 4;
		} else {
			lsb = status_one(ref.name);
			vm_ref_free(&ref);
		}
		/* Several VMs: 0 only when all run, else the first other. */
		if (rc == 0)
			rc = lsb;
	}
	return rc;
}

static void
list_row(const struct reg_entry *e, const struct monitor_conf *mc)
{
	struct vm_config vm;
	struct vm_state st;
	struct diag quiet;
	char *state = NULL, pid[16] = "-", mon[16] = "-", ctl[16] = "-";
	char vnc[64] = "-";
	const char *desc = "";
	int loaded;

	diag_init(&quiet);
	loaded = vmconf_load(&vm, e->path, e->longname, &quiet) == 0;
	if (loaded)
		desc = vm.desc != NULL ? vm.desc : "";
	else
		desc = "(config error: see qemu-init check)";
	switch (vm_probe(path_rundir(), e->longname, &st)) {
	case VM_RUNNING:
		state = qemu_run_state(e->longname, &st);
		snprintf(pid, sizeof(pid), "%ld", (long)st.pid);
		if (st.unix_monitors) {
			snprintf(mon, sizeof(mon), "unix");
			snprintf(ctl, sizeof(ctl), "unix");
		} else if (st.monport != 0) {
			snprintf(mon, sizeof(mon), "%u", st.monport);
			snprintf(ctl, sizeof(ctl), "%u", st.ctlport);
		}
		if (monitor_known(&st) && loaded && vm.vnc &&
		    strlen(mc->vnc_listen) < 48)
			snprintf(vnc, sizeof(vnc), "%s:%u", mc->vnc_listen,
			    st.slot);
		break;
	case VM_DEAD:
		state = xstrdup("dead");
		break;
	default:
		state = xstrdup("stopped");
		break;
	}
	printf(LIST_ROW, e->shortname,
	    e->longname, strchr(state, ' ') != NULL ? "busy" : state, pid,
	    mon, ctl, vnc, desc);
	free(state);
	state_free(&st);
	vmconf_free(&vm);
	diag_clear(&quiet);
}

static int
act_list(int argc, char **argv)
{
	struct monitor_conf mc;
	struct registry reg;
	struct diag d;
	size_t i;
	int rc = 0;

	if (no_options(argc, argv) != 0 || optind != argc)
		return action_usage("list");
	if (load_monconf(&mc) != 0)
		return 1;
	diag_init(&d);
	if (registry_load(&reg, path_confdir(), &d) != 0)
		rc = 1;
	diag_flush(&d, prog);
	printf(LIST_ROW, "NAME",
	    "LONGNAME", "STATE", "PID", "MONPORT", "CTLPORT", "VNC",
	    "DESCRIPTION");
	for (i = 0; i < reg.n; i++)
		list_row(&reg.v[i], &mc);
	registry_free(&reg);
	monconf_free(&mc);
	return rc;
}

static int
act_console(int argc, char **argv)
{
	struct vm_state st;
	struct vm_ref ref;
	struct diag d;
	enum relay_end end;
	int fd, lock, tty;

	if (no_options(argc, argv) != 0 || argc - optind != 1)
		return action_usage("console");
	diag_init(&d);
	if (monitor_locate(argv[optind], &ref, &st, &d) != MONITOR_OK) {
		diag_flush(&d, prog);
		return 1;
	}
	state_free(&st);
	if ((fd = console_open(ref.name, &lock, &d)) < 0) {
		diag_flush(&d, prog);
		vm_ref_free(&ref);
		return 1;
	}
	tty = isatty(STDIN_FILENO);
	if (tty)
		fprintf(stderr, "%s: attached to the console of '%s' (Ctrl-] "
		    "leaves)\r\n", prog, ref.name);
	end = relay_run(fd, RELAY_LINGER, &d);
	close(fd);
	lock_release(lock);
	diag_flush(&d, prog);
	if (tty)
		fprintf(stderr, "\n%s: left the console of '%s'\n", prog,
		    ref.name);
	vm_ref_free(&ref);
	if (end == RELAY_SIGNALLED)
		return 128 + relay_signal();
	return end == RELAY_ERROR ? 1 : 0;
}

static const struct action *
find_action(const char *name)
{
	const struct action *a;

	for (a = actions; a->name != NULL; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

int
main(int argc, char **argv)
{
	const struct action *a;
	char *tmp;
	int i;

	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("%s %s\n", prog, QI_VERSION);
		return 0;
	}
	a = find_action(argv[1]);
	/* Init-script style: qemu-init <vm> ACTION. */
	if (a == NULL && argc == 3 && (a = find_action(argv[2])) != NULL) {
		tmp = argv[1];
		argv[1] = argv[2];
		argv[2] = tmp;
	}
	if (a == NULL) {
		fprintf(stderr, "%s: unknown action '%s'\n", prog, argv[1]);
		usage(stderr);
		return EX_USAGE;
	}
	/* ACTION -h: that action's usage, as a request, not an error. */
	for (i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			printf("usage: %s %s\n", prog, a->usage);
			return fflush(stdout) == 0 ? 0 : 1;
		}
	return a->run(argc - 1, argv + 1);
}
