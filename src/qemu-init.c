/*
 * qemu-init - the life cycle of VMs described by <name>-qemu.cfg files.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "argv.h"
#include "buf.h"
#include "cfg.h"
#include "diag.h"
#include "monconf.h"
#include "paths.h"
#include "registry.h"
#include "vmconf.h"

#define EX_USAGE	64

static const char *prog = "qemu-init";

struct action {
	const char	*name;
	int		(*run)(int, char **);
	const char	*usage;
};

static int	act_check(int, char **);
static int	act_show(int, char **);

static const struct action actions[] = {
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

/* Prints what d holds; returns the number of errors. */
static unsigned
report(struct diag *d)
{
	unsigned errors = d->errors;

	diag_print(d, prog, stderr);
	diag_clear(d);
	return errors;
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
		report(&d);
		return 1;
	}
	rc = load_vm(argv[optind], &ref, &vm, &d);
	if (rc != 0) {
		monconf_free(&mc);
		report(&d);
		return rc;
	}
	memset(&ln, 0, sizeof(ln));
	launch_ports(&ln, &mc, 0);
	ln.ipv6 = 0;	/* TODO: loopback_has_ipv6() once sock.c lands */
	ln.kvm = vm.kvm == KVM_YES || (vm.kvm == KVM_AUTO && kvm_available());
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
	report(&d);
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
	report(&d);
	if (problems == 0)
		printf("%zu VM%s checked: no problems\n", want,
		    want == 1 ? "" : "s");
	for (i = 0; i < n; i++)
		vmconf_free(&vms[i]);
	free(vms);
	registry_free(&reg);
	return problems == 0 ? 0 : 1;
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
	return a->run(argc - 1, argv + 1);
}
