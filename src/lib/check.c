/*
 * check.c - what check verifies beyond a config's syntax: the host, this
 * QEMU, and the VMs together.
 *
 * QEMU is asked what it knows rather than told by a list of ours: a
 * list would be wrong for the next QEMU and for every other target.  Its
 * answers are kept per binary for the whole check, so a hundred VMs cost
 * three runs of QEMU, not three hundred.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cfg.h"
#include "check.h"
#include "confine.h"
#include "fileread.h"
#include "firmware.h"
#include "hostprobe.h"
#include "image.h"
#include "netif.h"
#include "paths.h"
#include "proc.h"
#include "shwords.h"
#include "suggest.h"

/* What a QEMU binary is asked, as `TGTARCH OPTION help`. */
enum qemu_list { LIST_MACHINES, LIST_CPUS, LIST_DEVICES, NLISTS };

static const char *const list_option[NLISTS] = {
	"-machine", "-cpu", "-device"
};

/* One QEMU binary, as far as it has been asked. */
struct qemu_caps {
	char		*tgtarch;		/* as the configs name it */
	char		*path;			/* where PATH finds it */
	char		*broken;		/* why it is no QEMU, or NULL */
	int		 asked[NLISTS];
	char		*failed[NLISTS];	/* why a list is not known */
	struct strvec	 names[NLISTS];
	struct strvec	 kinds;			/* of names[LIST_DEVICES] */
};

struct checker {
	const char	*confdir;
	struct qemu_caps *qemus;
	size_t		 nqemus;
};

static void finding(struct diag *, enum diag_level, const struct vm_config *,
    const char *, const char *, ...) __attribute__((format(printf, 5, 6)));

/*
 * "FILE:LINE: text" about key of vm, or "FILE: text" when the file does
 * not set key (a default, or something missing).
 */
static void
finding(struct diag *d, enum diag_level level, const struct vm_config *vm,
    const char *key, const char *fmt, ...)
{
	unsigned line = key != NULL ? vmconf_key_line(vm, key) : 0;
	va_list ap;
	char *msg, *at;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	at = line != 0 ? xasprintf("%s:%u", vm->cfgpath, line) :
	    xstrdup(vm->cfgpath);
	if (level == DIAG_ERROR)
		diag_error(d, "%s: %s", at, msg);
	else if (level == DIAG_WARNING)
		diag_warn(d, "%s: %s", at, msg);
	else
		diag_note(d, "%s: %s", at, msg);
	free(at);
	free(msg);
}

/* The next line of *text (without its newline) in sb; 0 at the end. */
static int
next_line(const char **text, struct strbuf *sb)
{
	const char *p = *text, *end;

	if (*p == '\0')
		return 0;
	end = strchrnul(p, '\n');
	sb_reset(sb);
	sb_add(sb, p, (size_t)(end - p));
	*text = *end == '\n' ? end + 1 : end;
	return 1;
}

/* The n-th (from 0) blank-separated word of line, quotes removed. */
static char *
word(const char *line, int n)
{
	const char *p = line;
	size_t len;

	for (;;) {
		p += strspn(p, " \t");
		len = strcspn(p, " \t");
		if (len == 0)
			return NULL;
		if (n-- == 0)
			break;
		p += len;
	}
	if (len >= 2 && strchr("'\"", p[0]) != NULL && p[len - 1] == p[0]) {
		p++;
		len -= 2;
	}
	return len > 0 ? xstrndup(p, len) : NULL;
}

/* A heading such as "Network devices:" or "Supported machines are:". */
static int
heading(const char *line)
{
	size_t n = strlen(line);

	return n > 0 && line[n - 1] == ':' && line[0] != ' ';
}

static void
push_word(struct strvec *out, const char *line, int n)
{
	char *w = word(line, n);

	if (w != NULL)
		sv_push(out, w);
	free(w);
}

void
qemu_help_machines(const char *text, struct strvec *out)
{
	struct strbuf line;

	sb_init(&line);
	while (next_line(&text, &line))
		if (!heading(line.s))
			push_word(out, line.s, 0);
	sb_free(&line);
}

void
qemu_help_cpus(const char *text, struct strvec *out)
{
	struct strbuf line;
	int models = 0;

	sb_init(&line);
	while (next_line(&text, &line)) {
		/* After the models: "Recognized CPUID flags:" and the flags. */
		if (strncmp(line.s, "Recognized", 10) == 0 ||
		    (models > 0 && line.s[strspn(line.s, " \t")] == '\0'))
			break;
		if (heading(line.s))
			continue;
		push_word(out, line.s, 0);
		push_word(out, line.s, 1);
		models++;
	}
	sb_free(&line);
}

/* The text between the quotes after field in line ("name \"e1000\""). */
static char *
quoted_field(const char *line, const char *field)
{
	const char *p = strstr(line, field), *end;

	if (p == NULL || (p != line && p[-1] != ' '))
		return NULL;
	p += strlen(field);
	if ((end = strchr(p, '"')) == NULL || end == p)
		return NULL;
	return xstrndup(p, (size_t)(end - p));
}

void
qemu_help_devices(const char *text, struct strvec *names,
    struct strvec *kinds)
{
	struct strbuf line;
	char *kind = xstrdup(""), *name, *alias;

	sb_init(&line);
	while (next_line(&text, &line)) {
		if (heading(line.s)) {
			free(kind);
			kind = xstrndup(line.s, line.len - 1);
			continue;
		}
		if (strncmp(line.s, "name \"", 6) != 0 ||
		    (name = quoted_field(line.s, "name \"")) == NULL)
			continue;
		sv_push(names, name);
		sv_push(kinds, kind);
		if ((alias = quoted_field(line.s, "alias \"")) != NULL) {
			sv_push(names, alias);
			sv_push(kinds, kind);
		}
		free(name);
		free(alias);
	}
	free(kind);
	sb_free(&line);
}

int
addr_is_loopback(const char *addr)
{
	struct in6_addr a6;
	struct in_addr a4;
	size_t n = strlen(addr);
	char *bare;
	int rc = 0;

	if (strcmp(addr, "localhost") == 0)
		return 1;
	if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']')
		bare = xstrndup(addr + 1, n - 2);
	else
		bare = xstrdup(addr);
	if (inet_pton(AF_INET, bare, &a4) == 1)
		rc = (ntohl(a4.s_addr) >> 24) == 127;
	else if (inet_pton(AF_INET6, bare, &a6) == 1)
		rc = IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	free(bare);
	return rc;
}

/* 0 when path is an executable regular file, else an errno value. */
/* The first line of text, at most 200 bytes of it. */
static char *
first_line(const char *text)
{
	size_t n = strcspn(text, "\n");

	return xstrndup(text, n < 200 ? n : 200);
}

/* Runs `TGTARCH OPTION help` once and keeps the names it lists. */
static void
ask(struct qemu_caps *q, enum qemu_list k)
{
	char *argv[] = { q->path, (char *)list_option[k], "help", NULL };
	struct strbuf out, err;
	struct diag why;
	char *msg;
	int status;

	q->asked[k] = 1;
	sb_init(&out);
	sb_init(&err);
	diag_init(&why);
	if (proc_run(argv, NULL, &out, &err, &status, &why) != 0)
		q->failed[k] = xstrdup(diag_first_error(&why));
	else if (status != 0) {
		msg = first_line(err.s);
		q->failed[k] = xasprintf("'%s %s help' failed (exit status "
		    "%d)%s%s", q->tgtarch, list_option[k], status,
		    msg[0] != '\0' ? ": " : "", msg);
		free(msg);
	} else if (k == LIST_MACHINES)
		qemu_help_machines(out.s, &q->names[k]);
	else if (k == LIST_CPUS)
		qemu_help_cpus(out.s, &q->names[k]);
	else
		qemu_help_devices(out.s, &q->names[k], &q->kinds);
	diag_clear(&why);
	sb_free(&out);
	sb_free(&err);
}

/* The names of list k, or NULL with why in q->failed[k]. */
static const struct strvec *
qemu_list(struct qemu_caps *q, enum qemu_list k)
{
	if (!q->asked[k])
		ask(q, k);
	return q->failed[k] == NULL ? &q->names[k] : NULL;
}

/* Finds the binary and asks it for its machines: is it a QEMU? */
static void
probe(struct qemu_caps *q)
{
	const char *why;
	int e;

	if ((e = proc_find_program(q->tgtarch, &q->path)) != 0) {
		if (e == EACCES)
			why = "is not an executable file";
		else if (e != ENOENT)
			why = strerror(e);
		else if (strchr(q->tgtarch, '/') != NULL)
			why = "does not exist";
		else
			why = "is not in PATH (is QEMU for that target "
			    "installed?)";
		q->broken = xasprintf("TGTARCH '%s' %s", q->tgtarch, why);
	} else if (qemu_list(q, LIST_MACHINES) == NULL)
		q->broken = xasprintf("TGTARCH '%s' is not a QEMU: %s",
		    q->path, q->failed[LIST_MACHINES]);
	else if (q->names[LIST_MACHINES].n == 0)
		q->broken = xasprintf("TGTARCH '%s' is not a QEMU: '%s "
		    "-machine help' lists no machine types", q->path,
		    q->tgtarch);
}

static struct qemu_caps *
qemu_caps(struct checker *c, const char *tgtarch)
{
	struct qemu_caps *q;
	size_t i;

	for (i = 0; i < c->nqemus; i++)
		if (strcmp(c->qemus[i].tgtarch, tgtarch) == 0)
			return &c->qemus[i];
	c->qemus = xreallocarray(c->qemus, c->nqemus + 1, sizeof(*c->qemus));
	q = &c->qemus[c->nqemus++];
	memset(q, 0, sizeof(*q));
	q->tgtarch = xstrdup(tgtarch);
	for (i = 0; i < NLISTS; i++)
		sv_init(&q->names[i]);
	sv_init(&q->kinds);
	probe(q);
	return q;
}

static void
qemu_caps_free(struct qemu_caps *q)
{
	size_t i;

	free(q->tgtarch);
	free(q->path);
	free(q->broken);
	for (i = 0; i < NLISTS; i++) {
		free(q->failed[i]);
		sv_free(&q->names[i]);
	}
	sv_free(&q->kinds);
}

/*
 * Whether q lists name in list k: 1 yes (*at is its index); 0 no, and
 * an error about key says so; -1 the list could not be had, and a
 * warning about key says so.
 */
static int
qemu_knows(struct qemu_caps *q, enum qemu_list k, const char *name,
    size_t *at, const struct vm_config *vm, const char *key,
    struct diag *d)
{
	static const char *const what[NLISTS] = {
		"a machine type", "a CPU model", "a device"
	};
	const struct strvec *sv = qemu_list(q, k);
	char *close;
	size_t i;

	if (sv == NULL) {
		finding(d, DIAG_WARNING, vm, key, "cannot tell whether %s "
		    "knows %s '%s': %s", q->tgtarch, key, name, q->failed[k]);
		return -1;
	}
	for (i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], name) == 0) {
			*at = i;
			return 1;
		}
	/* The name QEMU lists that was probably meant, from its list. */
	if ((close = suggest_word(name, (const char *const *)sv->v,
	    sv->n)) != NULL)
		finding(d, DIAG_ERROR, vm, key, "%s '%s' is not %s that %s "
		    "knows: did you mean '%s'? (see: %s %s help)", key, name,
		    what[k], q->tgtarch, close, q->tgtarch, list_option[k]);
	else
		finding(d, DIAG_ERROR, vm, key, "%s '%s' is not %s that %s "
		    "knows (see: %s %s help)", key, name, what[k],
		    q->tgtarch, q->tgtarch, list_option[k]);
	free(close);
	return 0;
}

static void
check_nic_models(struct qemu_caps *q, const struct vm_config *vm,
    struct diag *d)
{
	char *key;
	size_t i, at;

	for (i = 0; i < vm->nnics; i++) {
		key = xasprintf("NIC%zu", i + 1);
		if (qemu_knows(q, LIST_DEVICES, vm->nics[i].model, &at, vm,
		    key, d) == 1 && strstr(q->kinds.v[at], "Network") == NULL)
			finding(d, DIAG_ERROR, vm, key, "%s '%s' is not a "
			    "network device: %s lists it under '%s'", key,
			    vm->nics[i].model, q->tgtarch, q->kinds.v[at]);
		free(key);
	}
}

/* TGTARCH is a QEMU that knows the NIC models, MACHINE and CPU. */
static void
check_qemu(struct checker *c, const struct vm_config *vm, struct diag *d)
{
	struct qemu_caps *q = qemu_caps(c, vm->tgtarch);
	size_t at;
	char *name;

	if (q->broken != NULL) {
		finding(d, DIAG_ERROR, vm, "TGTARCH", "%s", q->broken);
		return;
	}
	if (vm->machine != NULL && (name = machine_type_of(vm->machine)) != NULL) {
		(void)qemu_knows(q, LIST_MACHINES, name, &at, vm, "MACHINE", d);
		free(name);
	}
	if (vm->cpu != NULL) {
		name = xstrndup(vm->cpu, strcspn(vm->cpu, ","));
		(void)qemu_knows(q, LIST_CPUS, name, &at, vm, "CPU", d);
		free(name);
	}
	check_nic_models(q, vm, d);
}

int
check_bridge(const struct vm_config *vm, struct diag *d)
{
	const char *key = vmconf_key_line(vm, "BRIDGE_IFNAME") != 0 ?
	    "BRIDGE_IFNAME" : "NIC1";
	struct diag why;

	if (vm->nnics == 0)
		return 0;
	diag_init(&why);
	if (netif_is_bridge(vm->bridge, &why) == 1) {
		diag_clear(&why);
		return 0;
	}
	finding(d, DIAG_ERROR, vm, key, "%s: cannot attach the NICs of '%s': "
	    "%s%s", key, vm->name, diag_first_error(&why),
	    strcmp(key, "NIC1") == 0 ? " (the default: set BRIDGE_IFNAME)" :
	    "");
	diag_clear(&why);
	return -1;
}

/* The qemu-netif beside the running program, else the installed one. */
/* A QEMU option word, "--drive" taken as "-drive". */
static const char *
option(const char *w)
{
	return strncmp(w, "--", 2) == 0 && w[2] != '\0' ? w + 1 : w;
}

/* CUSTOMx options that may give a VM something to boot. */
static int
custom_may_boot(const struct vm_config *vm)
{
	static const char *const boots[] = {
		"-drive", "-blockdev", "-hda", "-hdb", "-hdc", "-hdd",
		"-cdrom", "-fda", "-fdb", "-sd", "-mtdblock", "-pflash",
		"-bios", "-kernel", "-device", "-nic", "-netdev", "-net",
		"-readconfig", "-incoming", NULL
	};
	size_t i, j;

	for (i = 0; i < vm->ncustom; i++)
		for (j = 0; boots[j] != NULL; j++)
			if (strcmp(option(vm->custom[i]), boots[j]) == 0)
				return 1;
	return 0;
}

static void
check_boot(const struct vm_config *vm, struct diag *d)
{
	if (vm->ndisks == 0 && vm->ncdroms == 0 && vm->kernel == NULL &&
	    !custom_may_boot(vm))
		finding(d, DIAG_WARNING, vm, NULL, "'%s' has nothing to boot: "
		    "no DSKx, CDRx or KERNEL (nor a drive or device in "
		    "CUSTOMx)", vm->name);
}

/* "user" or "type=user" first in a -nic/-netdev/-net value. */
static int
user_backend(const char *value)
{
	size_t n = strcspn(value, ",");

	return (n == 4 && strncmp(value, "user", 4) == 0) ||
	    (n == 9 && strncmp(value, "type=user", 9) == 0);
}

/*
 * The words of CUSTOM1, CUSTOM2, ... up to the first unset one, as
 * vmconf splits them, and for each the number x of its CUSTOMx.
 */
static void
custom_words(const struct vm_config *vm, struct strvec *words,
    size_t **from)
{
	const struct cfg_entry *e;
	size_t x, before;
	char *key, *err = NULL;

	*from = NULL;
	for (x = 1;; x++) {
		key = xasprintf("CUSTOM%zu", x);
		e = cfg_get(&vm->cfg, key);
		free(key);
		if (e == NULL || e->value[0] == '\0' ||
		    strcmp(e->value, "0") == 0)
			return;
		before = words->n;
		if (cfg_split_words(e->value, words, &err) != 0)
			free(err);	/* vmconf_load took it: cannot happen */
		*from = xreallocarray(*from, words->n + 1, sizeof(**from));
		while (before < words->n)
			(*from)[before++] = x;
	}
}

/*
 * With TCP monitors, a guest on user-mode networking reaches them all:
 * QEMU's slirp maps 10.0.2.2 to the host's loopback.
 */
static void
check_user_net(const struct vm_config *vm, const struct monconf *mc,
    struct diag *d)
{
	struct strvec words;
	const char *opt;
	size_t *from, i;
	char *key;

	if (mc->unix_monitors)
		return;
	sv_init(&words);
	custom_words(vm, &words, &from);
	for (i = 0; i + 1 < words.n; i++) {
		opt = option(words.v[i]);
		if ((strcmp(opt, "-nic") != 0 && strcmp(opt, "-netdev") != 0 &&
		    strcmp(opt, "-net") != 0) || !user_backend(words.v[i + 1]))
			continue;
		key = xasprintf("CUSTOM%zu", from[i]);
		finding(d, DIAG_WARNING, vm, key, "%s '%s %s' gives '%s' "
		    "user-mode networking while the monitors are on TCP: the "
		    "guest reaches the host's loopback at 10.0.2.2, and so every "
		    "VM's TCP monitor (set MONITOR=unix in monitor.conf, or use "
		    "NICx)", key, words.v[i], words.v[i + 1], vm->name);
		free(key);
	}
	free(from);
	sv_free(&words);
}

/*
 * How many drives the machine's IDE takes (the CD-ROMs too): four on
 * the PC's two IDE buses, six on q35's AHCI; 0 when we cannot tell (a
 * machine or target of which we know nothing).
 */
static size_t
ide_places(const struct vm_config *vm)
{
	const char *arch = firmware_arch(vm->tgtarch);
	char *type = vmconf_machine_type(vm);
	size_t n = 0;

	if (arch == NULL || (strcmp(arch, "x86_64") != 0 &&
	    strcmp(arch, "i386") != 0))
		n = 0;
	else if (type == NULL || strcmp(type, "pc") == 0 ||
	    strncmp(type, "pc-i440fx-", 10) == 0)
		n = 4;
	else if (strcmp(type, "q35") == 0 || strncmp(type, "pc-q35-", 7) == 0)
		n = 6;
	free(type);
	return n;
}

/* More disks and CD-ROMs on IDE than the machine has places for. */
static void
check_ide(const struct vm_config *vm, struct diag *d)
{
	size_t i, places = ide_places(vm), disks = 0, last = 0;
	char *key, *type;

	for (i = 0; i < vm->ndisks; i++)
		if (vm->disks[i].iface == DISKIF_IDE) {
			disks++;
			last = i;
		}
	if (places == 0 || disks + vm->ncdroms <= places)
		return;
	key = vm->ncdroms > 0 ? xasprintf("CDR%zu", vm->ncdroms) :
	    xasprintf("DSK%zu", last + 1);
	type = vmconf_machine_type(vm);
	finding(d, DIAG_ERROR, vm, key, "%zu disk%s and %zu CD-ROM%s on IDE, "
	    "but machine '%s' has %zu places there: QEMU would refuse to start "
	    "(put the disks on virtio: DISKIF=virtio)", disks,
	    disks == 1 ? "" : "s", vm->ncdroms, vm->ncdroms == 1 ? "" : "s",
	    type != NULL ? type : "pc", places);
	free(type);
	free(key);
}

/*
 * root=/dev/vdX or root=/dev/sdX in APPEND: the X-th (from a) disk the
 * guest sees with that name.  virtio-blk disks are vdX; IDE (through
 * libata) and SCSI disks are sdX.
 */
static void
check_root(const struct vm_config *vm, struct diag *d)
{
	const char *p, *want;
	size_t i, n = 0, letter;
	int virtio;

	if (vm->append == NULL)
		return;
	for (p = vm->append; (p = strstr(p, "root=/dev/")) != NULL; p++)
		if ((p == vm->append || p[-1] == ' ') &&
		    (strncmp(p + 10, "vd", 2) == 0 ||
		    strncmp(p + 10, "sd", 2) == 0) &&
		    p[12] >= 'a' && p[12] <= 'z')
			break;
	if (p == NULL)
		return;
	virtio = p[10] == 'v';
	letter = (size_t)(p[12] - 'a');
	for (i = 0; i < vm->ndisks; i++)
		if (virtio ? vm->disks[i].iface == DISKIF_VIRTIO :
		    vm->disks[i].iface == DISKIF_IDE ||
		    vm->disks[i].iface == DISKIF_SCSI)
			n++;
	if (letter < n)
		return;
	want = virtio ? "virtio (DISKIF=virtio)" : "IDE or SCSI (DISKIF=ide "
	    "or scsi)";
	if (n == 0)
		finding(d, DIAG_WARNING, vm, "APPEND", "APPEND has "
		    "root=/dev/%.3s, but no DSKx is on %s: the guest would not "
		    "find its root file system", p + 10, want);
	else
		finding(d, DIAG_WARNING, vm, "APPEND", "APPEND has "
		    "root=/dev/%.3s, but only %zu DSKx %s on %s: the guest "
		    "would not find its root file system", p + 10, n,
		    n == 1 ? "is" : "are", want);
}

/* CPU=host needs KVM: TCG cannot pass the host's CPU through. */
static void
check_cpu_host(const struct vm_config *vm, struct diag *d)
{
	if (vm->cpu == NULL || strncmp(vm->cpu, "host", 4) != 0 ||
	    (vm->cpu[4] != '\0' && vm->cpu[4] != ','))
		return;
	if (vm->kvm == KVM_NO)
		finding(d, DIAG_ERROR, vm, "CPU", "CPU=host needs KVM, but "
		    "KVM=no: QEMU would refuse to start (use CPU=max)");
	else if (vm->kvm == KVM_AUTO && !kvm_available())
		finding(d, DIAG_ERROR, vm, "CPU", "CPU=host needs KVM, which "
		    "this host does not have (/dev/kvm cannot be opened): QEMU "
		    "would refuse to start (use CPU=max)");
}

/* -snapshot in CUSTOMx is silently undone by the disks' snapshot=off. */
static void
check_custom_snapshot(const struct vm_config *vm, struct diag *d)
{
	struct strvec words;
	size_t *from, i;
	char *key;

	sv_init(&words);
	custom_words(vm, &words, &from);
	for (i = 0; i < words.n; i++) {
		if (strcmp(option(words.v[i]), "-snapshot") != 0)
			continue;
		key = xasprintf("CUSTOM%zu", from[i]);
		finding(d, DIAG_ERROR, vm, key, "%s: -snapshot does not make "
		    "the DSKx disks throwaway (each has snapshot=off): use "
		    "SNAPSHOT=yes", key);
		free(key);
	}
	free(from);
	sv_free(&words);
}

/* FIRMWARE=uefi: the descriptors have firmware for this VM. */
static void
check_firmware(const struct vm_config *vm, struct diag *d)
{
	struct firmware fw;

	if (vm->firmware != FIRMWARE_UEFI)
		return;
	(void)firmware_for(vm, &fw, d);
	firmware_free(&fw);
}

/*
 * The host's QEMU user (monitor.conf's RUNAS), when a VM runs as it:
 * it exists, and has subordinate ids, so that each VM gets a uid of its
 * own.
 */
static void
check_host_user(const struct vm_config *vms, size_t n,
    const struct monconf *mc, const char *confdir, struct diag *d)
{
	const char *user = mc->runas != NULL ? mc->runas : CONFINE_USER;
	unsigned long fu, fg;
	struct passwd *pw;
	char *at, *hint;
	size_t i;

	for (i = 0; i < n && vms[i].runas != NULL; i++)
		;
	if (i == n || strcmp(user, "root") == 0)
		return;
	at = mc->runas_line != 0 ? xasprintf("%s/monitor.conf:%u", confdir,
	    mc->runas_line) : xasprintf("%s/monitor.conf", confdir);
	if ((pw = getpwnam(user)) == NULL) {
		hint = confine_useradd_hint(user);
		diag_error(d, "%s: QEMU's user '%s' does not exist, so no VM "
		    "without RUNAS can start: create it (%s), or set RUNAS in "
		    "each VM's config (RUNAS=root runs QEMU as root)", at,
		    user, hint);
		free(hint);
	} else if (subid_first(CONFINE_SUBUID, pw->pw_name, pw->pw_uid,
	    mc->slots, &fu, NULL) != 0 || subid_first(CONFINE_SUBGID,
	    pw->pw_name, pw->pw_uid, mc->slots, &fg, NULL) != 0)
		diag_warn(d, "%s: QEMU's user '%s' has no subordinate ids of "
		    "%u or more in %s and %s, so every VM's QEMU runs as uid "
		    "%ld and one could reach another's disks and memory "
		    "(usermod --add-subuids FIRST-LAST --add-subgids FIRST-LAST "
		    "%s, with a free range of 65536)", at, user,
		    mc->slots, CONFINE_SUBUID, CONFINE_SUBGID,
		    (long)pw->pw_uid, user);
	free(at);
}

/*
 * What an image's header makes QEMU open, one level after another: each
 * a note ("opens B (its backing file)"), an error where the name is no
 * plain file name or out of QEMU's user's reach.
 */
static void
check_image_chain(const struct vm_config *vm, size_t i,
    const struct qemu_user *u, struct diag *d)
{
	struct image_info info;
	struct diag why;
	const char *bad = NULL;
	char *key, *path, *next;
	int depth;

	/* Another format given: QEMU reads no qcow2 header there. */
	if (vm->disks[i].format != NULL &&
	    strcmp(vm->disks[i].format, "qcow2") != 0)
		return;
	key = xasprintf("DSK%zu", i + 1);
	path = xstrdup(vm->disks[i].path);
	for (depth = 0; depth < IMAGE_CHAIN_MAX; depth++) {
		diag_init(&why);
		if (image_inspect_path(path, &info, &why) != 0) {
			finding(d, DIAG_ERROR, vm, key, "%s: %s", key,
			    diag_first_error(&why));
			diag_clear(&why);
			image_info_free(&info);
			break;
		}
		diag_clear(&why);
		if (info.data_file != NULL) {
			if (!image_name_plain(info.data_file, &bad))
				finding(d, DIAG_ERROR, vm, key, "%s: %s names "
				    "the data file '%s', which %s: start "
				    "refuses it", key, path, info.data_file,
				    bad);
			else {
				next = image_name_resolve(path,
				    info.data_file);
				finding(d, DIAG_NOTE, vm, key, "%s: %s opens "
				    "%s (its data file), as QEMU's user", key,
				    path, next);
				diag_init(&why);
				if (!qemu_user_may_open(u, next, R_OK | W_OK,
				    &why))
					finding(d, DIAG_ERROR, vm, key, "%s: "
					    "%s", key, diag_first_error(&why));
				diag_clear(&why);
				free(next);
			}
		}
		if (info.backing == NULL) {
			image_info_free(&info);
			break;
		}
		if (!image_name_plain(info.backing, &bad)) {
			finding(d, DIAG_ERROR, vm, key, "%s: %s names the "
			    "backing file '%s', which %s: start refuses it",
			    key, path, info.backing, bad);
			image_info_free(&info);
			break;
		}
		next = image_name_resolve(path, info.backing);
		finding(d, DIAG_NOTE, vm, key, "%s: %s opens %s (its backing "
		    "file%s%s), as QEMU's user", key, path, next,
		    info.backing_format != NULL ? ", " : "",
		    info.backing_format != NULL ? info.backing_format : "");
		/* A backing file said to be raw, say, names nothing more. */
		if (info.backing_format != NULL &&
		    strcmp(info.backing_format, "qcow2") != 0)
			depth = IMAGE_CHAIN_MAX;
		image_info_free(&info);
		diag_init(&why);
		if (!qemu_user_may_open(u, next, R_OK, &why)) {
			finding(d, DIAG_ERROR, vm, key, "%s: %s", key,
			    diag_first_error(&why));
			diag_clear(&why);
			free(next);
			break;
		}
		diag_clear(&why);
		free(path);
		path = next;
	}
	free(path);
	free(key);
}

/* Root opens it for QEMU: no one else could have planted it. */
static void
check_planted(const struct vm_config *vm, const char *key, const char *path,
    struct diag *d)
{
	struct diag why;

	diag_init(&why);
	if (!path_folders_trusted(path, &why))
		finding(d, DIAG_ERROR, vm, key, "%s: %s", key,
		    diag_first_error(&why));
	diag_clear(&why);
}

/* KERNEL and INITRD: QEMU's user reads them through a descriptor. */
static void
check_boot_file(const struct vm_config *vm, const char *key, const char *path,
    const struct qemu_user *u, struct diag *d)
{
	struct stat st;
	char *who;

	if (path == NULL)
		return;
	check_planted(vm, key, path, d);
	if (stat(path, &st) != 0 || qemu_user_may(u, &st, R_OK))
		return;
	who = qemu_user_describe(u);
	finding(d, DIAG_ERROR, vm, key, "%s %s is not readable by QEMU's user "
	    "%s (mode %04o): chmod o+r %s", key, path, who,
	    (unsigned)(st.st_mode & 07777), path);
	free(who);
}

/* The UEFI variable store beside the config: nothing planted there. */
static void
check_vars(const struct vm_config *vm, struct diag *d)
{
	struct stat st;

	if (vm->firmware != FIRMWARE_UEFI || vm->uefi_vars == NULL)
		return;
	check_planted(vm, "FIRMWARE", vm->uefi_vars, d);
	if (lstat(vm->uefi_vars, &st) == 0 && !S_ISREG(st.st_mode))
		finding(d, DIAG_ERROR, vm, "FIRMWARE", "FIRMWARE=uefi: the "
		    "variable store %s is not a regular file (a symlink?): "
		    "start refuses it (remove it to have it made anew)",
		    vm->uefi_vars);
}

/*
 * The files of a VM as start opens them for QEMU, and what its images
 * make QEMU open by name as its own user.
 */
static void
check_files(const struct vm_config *vm, const struct monconf *mc,
    struct diag *d)
{
	struct qemu_user u;
	size_t i;
	char *key;

	/* Who it would be on any slot: the same others' bits for each. */
	if (qemu_user_for(vm->runas, mc->runas, 0, mc->slots, &u, NULL) != 0)
		memset(&u, 0, sizeof(u));	/* check_host_user says */
	check_boot_file(vm, "KERNEL", vm->kernel, &u, d);
	check_boot_file(vm, "INITRD", vm->initrd, &u, d);
	for (i = 0; i < vm->ndisks; i++) {
		key = xasprintf("DSK%zu", i + 1);
		check_planted(vm, key, vm->disks[i].path, d);
		free(key);
		check_image_chain(vm, i, &u, d);
	}
	for (i = 0; i < vm->ncdroms; i++) {
		key = xasprintf("CDR%zu", i + 1);
		check_planted(vm, key, vm->cdroms[i], d);
		free(key);
	}
	check_vars(vm, d);
	qemu_user_free(&u);
}

static void
check_vnc(const struct monconf *mc, const char *confdir,
    struct diag *d)
{
	char *path;

	if (addr_is_loopback(mc->vnc_listen))
		return;
	path = path_join(confdir, "monitor.conf");
	diag_warn(d, "%s:%u: VNC_LISTEN '%s' is beyond loopback: the VNC "
	    "displays have no password, so anyone who reaches this host there "
	    "can see and type on every VM with VNC=yes (keep 127.0.0.1 and "
	    "use an SSH tunnel)", path, mc->vnc_listen_line, mc->vnc_listen);
	free(path);
}

/* A NIC or a disk of one of the VMs checked together. */
struct use {
	const struct vm_config	*vm;
	size_t			 vmi;
	size_t			 i;		/* NICi+1 or DSKi+1 */
	int			 nic;		/* else a disk */
	int			 exists;	/* a disk's dev and ino are set */
	dev_t			 dev;
	ino_t			 ino;
};

/* NICs by MAC; disks by file when it exists, else by path. */
static int
compare_key(const struct use *a, const struct use *b)
{
	if (a->nic)
		return strcmp(a->vm->nics[a->i].mac, b->vm->nics[b->i].mac);
	if (a->exists != b->exists)
		return a->exists - b->exists;
	if (!a->exists)
		return strcmp(a->vm->disks[a->i].path, b->vm->disks[b->i].path);
	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	return a->ino < b->ino ? -1 : a->ino > b->ino;
}

/* By key, then in the order of the VMs and their keys: stable output. */
static int
compare_use(const void *pa, const void *pb)
{
	const struct use *a = pa, *b = pb;
	int c = compare_key(a, b);

	if (c != 0)
		return c;
	if (a->vmi != b->vmi)
		return a->vmi < b->vmi ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

/* b has the MAC of a. */
static void
report_mac(const struct use *a, const struct use *b, struct diag *d)
{
	char *key = xasprintf("MAC%zu", b->i + 1);

	/* MACx when the file sets it, else NICx, whose MAC is derived. */
	if (vmconf_key_line(b->vm, key) == 0) {
		free(key);
		key = xasprintf("NIC%zu", b->i + 1);
	}
	finding(d, DIAG_ERROR, b->vm, key, "MAC %s is shared by NIC%zu of '%s' "
	    "and NIC%zu of '%s' (set MACx in one of them)",
	    b->vm->nics[b->i].mac, a->i + 1, a->vm->name, b->i + 1,
	    b->vm->name);
	free(key);
}

/* b has the image of a. */
static void
report_image(const struct use *a, const struct use *b, struct diag *d)
{
	char *key = xasprintf("DSK%zu", b->i + 1);

	if (a->vm == b->vm)
		finding(d, DIAG_ERROR, b->vm, key, "%s '%s' is the image of "
		    "DSK%zu too: QEMU locks an image for one user, so '%s' "
		    "cannot start", key, b->vm->disks[b->i].path, a->i + 1,
		    b->vm->name);
	else if (a->vm->snapshot || b->vm->snapshot)
		finding(d, DIAG_ERROR, b->vm, key, "%s '%s' is DSK%zu of '%s' "
		    "too: QEMU locks an image for one user, so only one of "
		    "them can run (both can when both have SNAPSHOT=yes: '%s' "
		    "has not)", key, b->vm->disks[b->i].path, a->i + 1,
		    a->vm->name, a->vm->snapshot ? b->vm->name : a->vm->name);
	else
		finding(d, DIAG_ERROR, b->vm, key, "%s '%s' is DSK%zu of '%s' "
		    "too: QEMU locks an image for one user, so only one of "
		    "them can run", key, b->vm->disks[b->i].path, a->i + 1,
		    a->vm->name);
	free(key);
}

/*
 * Whether two uses of one key keep each other from running: a MAC
 * always does; an image unless both VMs only read it (SNAPSHOT=yes
 * writes to a temporary overlay, and QEMU lets any number of readers
 * share an image that nobody writes to).
 */
static int
uses_clash(const struct use *a, const struct use *b)
{
	return a->nic || !a->vm->snapshot || !b->vm->snapshot;
}

/*
 * Sorts the uses and reports each that shares its key with an earlier
 * one it clashes with.
 */
static void
report_shared(struct use *u, size_t n, struct diag *d)
{
	size_t i, j, k, first = 0;

	if (n > 1)
		qsort(u, n, sizeof(*u), compare_use);
	for (i = 1; i < n; i++) {
		if (compare_key(&u[first], &u[i]) != 0) {
			first = i;
			continue;
		}
		/*
		 * Of the earlier ones it clashes with, the nearest of the
		 * same VM says the most, else the first.
		 */
		for (j = n, k = i; k-- > first;) {
			if (!uses_clash(&u[k], &u[i]))
				continue;
			j = k;
			if (u[k].vm == u[i].vm)
				break;
		}
		if (j == n)
			continue;
		if (u[i].nic)
			report_mac(&u[j], &u[i], d);
		else
			report_image(&u[j], &u[i], d);
	}
}

/* No MAC on two NICs, no image in two DSKx, among all the VMs. */
static void
check_together(const struct vm_config *vms, size_t n, struct diag *d)
{
	struct use *nics = NULL, *disks = NULL;
	size_t v, i, nn = 0, nd = 0;
	struct stat st;

	for (v = 0; v < n; v++) {
		nics = xreallocarray(nics, nn + vms[v].nnics + 1,
		    sizeof(*nics));
		for (i = 0; i < vms[v].nnics; i++)
			nics[nn++] = (struct use){ &vms[v], v, i, 1, 0, 0, 0 };
		disks = xreallocarray(disks, nd + vms[v].ndisks + 1,
		    sizeof(*disks));
		for (i = 0; i < vms[v].ndisks; i++) {
			disks[nd] = (struct use){ &vms[v], v, i, 0, 0, 0, 0 };
			if (stat(vms[v].disks[i].path, &st) == 0) {
				disks[nd].exists = 1;
				disks[nd].dev = st.st_dev;
				disks[nd].ino = st.st_ino;
			}
			nd++;
		}
	}
	report_shared(disks, nd, d);
	report_shared(nics, nn, d);
	free(nics);
	free(disks);
}

void
check_all(const struct vm_config *vms, size_t n,
    const struct monconf *mc, const char *confdir, struct diag *d)
{
	struct checker c;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.confdir = confdir;
	check_vnc(mc, confdir, d);
	check_host_user(vms, n, mc, confdir, d);
	for (i = 0; i < n; i++) {
		check_qemu(&c, &vms[i], d);
		(void)check_bridge(&vms[i], d);
		check_files(&vms[i], mc, d);
		check_boot(&vms[i], d);
		check_user_net(&vms[i], mc, d);
		check_ide(&vms[i], d);
		check_root(&vms[i], d);
		check_cpu_host(&vms[i], d);
		check_custom_snapshot(&vms[i], d);
		check_firmware(&vms[i], d);
	}
	check_together(vms, n, d);
	for (i = 0; i < c.nqemus; i++)
		qemu_caps_free(&c.qemus[i]);
	free(c.qemus);
}
