/*
 * vmconf.c - a VM's keys, their defaults and their checks.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "cfg.h"
#include "netif.h"
#include "paths.h"
#include "scalar.h"
#include "shwords.h"
#include "suggest.h"
#include "vmconf.h"

const char *const vmconf_keys[] = {
	"NAME", "OS", "DESC", "TGTARCH", "KVM", "RAM", "SMP", "CPU",
	"MACHINE", "KERNEL", "INITRD", "APPEND", "DSKx", "CDRx", "NICx",
	"MACx", "BRIDGE_IFNAME", "VNC", "SERIAL", "RUNAS", "STOPDELAY",
	"BOOTDELAY", "AUTOSTART", "PRECMD", "POSTCMD", "CUSTOMx", "DISKIF",
	"DISKIFx", "DISKCACHE", "DISKCACHEx", "DISKDISCARD", "DISKDISCARDx",
	"SNAPSHOT", "FIRMWARE", "AGENT", "READY", "DISKFORMAT", "DISKFORMATx",
	"SANDBOX", "ONCRASH", NULL
};

const char *const vmconf_disk_ifs[] = {
	[DISKIF_IDE] = "ide", [DISKIF_VIRTIO] = "virtio",
	[DISKIF_SCSI] = "scsi", [DISKIF_NVME] = "nvme", NULL
};

const char *const vmconf_disk_formats[] = {
	"raw", "qcow2", "qed", "vmdk", "vdi", "vhdx", "vpc", "parallels", NULL
};

/* DISKCACHE's values, QEMU's cache= modes. */
static const char *const cache_modes[] = {
	"none", "writeback", "writethrough", "directsync", "unsafe", NULL
};

static const char *const firmwares[] = {
	[FIRMWARE_BIOS] = "bios", [FIRMWARE_UEFI] = "uefi", NULL
};
static const char *const oncrashes[] = { "off", "restart", NULL };

/* Shared by every check: the file, the config and where errors go. */
struct loader {
	const struct cfg	*cfg;
	struct vm_config	*vm;
	struct diag		*d;
	int			 failed;
};

/* The number of a numbered key ("DSK12" -> 12), 0 if not one of base. */
static unsigned
key_number(const char *key, const char *base)
{
	size_t n = strlen(base);
	const char *p;
	unsigned v = 0;

	if (strncmp(key, base, n) != 0 || key[n] < '1' || key[n] > '9')
		return 0;
	for (p = key + n; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p) || v > 100000)
			return 0;
		v = v * 10 + (unsigned)(*p - '0');
	}
	return v;
}

int
vmconf_key_known(const char *key)
{
	size_t i, n;

	for (i = 0; vmconf_keys[i] != NULL; i++) {
		n = strlen(vmconf_keys[i]);
		if (vmconf_keys[i][n - 1] == 'x') {
			char *base = xstrndup(vmconf_keys[i], n - 1);
			unsigned num = key_number(key, base);

			free(base);
			if (num > 0)
				return 1;
		} else if (strcmp(key, vmconf_keys[i]) == 0)
			return 1;
	}
	return 0;
}

static void fail(struct loader *, const struct cfg_entry *, const char *,
    ...) __attribute__((format(printf, 3, 4)));

/* An error about a value names the line of its key. */
static void
fail(struct loader *l, const struct cfg_entry *e, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	diag_error(l->d, "%s:%u: %s", l->cfg->path, e->line, msg);
	free(msg);
	l->failed = 1;
}

/* The value of key, NULL when unset (absent, empty or "0"). */
static const struct cfg_entry *
get(const struct loader *l, const char *key)
{
	const struct cfg_entry *e = cfg_get(l->cfg, key);

	if (e == NULL || e->value[0] == '\0' || strcmp(e->value, "0") == 0)
		return NULL;
	return e;
}

static char *
get_string(const struct loader *l, const char *key, const char *fallback)
{
	const struct cfg_entry *e = get(l, key);

	if (e != NULL)
		return xstrdup(e->value);
	return fallback != NULL ? xstrdup(fallback) : NULL;
}

/* A value QEMU takes as one option argument: no blanks, no controls. */
static char *
get_word(struct loader *l, const char *key, const char *fallback)
{
	const struct cfg_entry *e = get(l, key);
	const char *p;

	if (e == NULL)
		return fallback != NULL ? xstrdup(fallback) : NULL;
	for (p = e->value; *p != '\0'; p++) {
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p)) {
			fail(l, e, "%s '%s' must not contain blanks", key,
			    e->value);
			return fallback != NULL ? xstrdup(fallback) : NULL;
		}
	}
	return xstrdup(e->value);
}

static int
get_bool(struct loader *l, const char *key, int fallback)
{
	const struct cfg_entry *e = cfg_get(l->cfg, key);
	int v;

	if (e == NULL || e->value[0] == '\0')
		return fallback;
	if (cfg_bool(e->value, &v) != 0) {
		fail(l, e, "%s '%s' is not yes or no", key, e->value);
		return fallback;
	}
	return v;
}

/*
 * One of choices (case matters, as in QEMU), by its index: e's value,
 * or fallback when e is NULL or the value is none of them (an error).
 */
static int
get_choice(struct loader *l, const struct cfg_entry *e,
    const char *const *choices, int fallback)
{
	struct strbuf list;
	int i;

	if (e == NULL)
		return fallback;
	for (i = 0; choices[i] != NULL; i++)
		if (strcmp(e->value, choices[i]) == 0)
			return i;
	sb_init(&list);
	for (i = 0; choices[i] != NULL; i++)
		sb_addf(&list, "%s%s", i == 0 ? "" : choices[i + 1] == NULL ?
		    " or " : ", ", choices[i]);
	fail(l, e, "%s '%s' is not %s", e->key, e->value, list.s);
	sb_free(&list);
	return fallback;
}

static unsigned
get_number(struct loader *l, const char *key, long long max,
    unsigned fallback)
{
	long long v = fallback;

	if (cfg_get_number(l->cfg, key, 0, max, &v, l->d) < 0)
		l->failed = 1;
	return (unsigned)v;
}

/* An existing regular file, relative to the config's folder. */
static char *
get_file(struct loader *l, const char *key, const struct cfg_entry *e)
{
	struct stat st;
	char *path;

	if (e == NULL && (e = get(l, key)) == NULL)
		return NULL;
	path = path_resolve(l->vm->dir, e->value);
	if (stat(path, &st) != 0) {
		fail(l, e, "%s: %s", path, strerror(errno));
	} else if (S_ISDIR(st.st_mode)) {
		fail(l, e, "%s: %s", path, "is a directory");
	} else if (access(path, R_OK) != 0) {
		fail(l, e, "%s: %s", path, strerror(errno));
	} else
		return path;
	free(path);
	return NULL;
}

/* How many of base1, base2, ... are set before the first gap. */
static size_t
count_numbered(struct loader *l, const char *base)
{
	size_t i, n = 0;
	unsigned num;
	char *key;

	for (;;) {
		key = xasprintf("%s%zu", base, n + 1);
		if (get(l, key) == NULL) {
			free(key);
			break;
		}
		if (n == VMCONF_ITEMS_MAX && strcmp(base, "CUSTOM") != 0) {
			fail(l, get(l, key), "%s: at most %d %sx keys", key,
			    VMCONF_ITEMS_MAX, base);
			free(key);
			break;
		}
		free(key);
		n++;
	}
	for (i = 0; i < l->cfg->n; i++) {
		num = key_number(l->cfg->v[i].key, base);
		if (num > n + 1 && get(l, l->cfg->v[i].key) != NULL)
			diag_warn(l->d, "%s:%u: %s is ignored: %s%zu is not "
			    "set", l->cfg->path, l->cfg->v[i].line,
			    l->cfg->v[i].key, base, n + 1);
	}
	return n;
}

static const struct cfg_entry *
get_numbered(const struct loader *l, const char *base, size_t i)
{
	char *key = xasprintf("%s%zu", base, i + 1);
	const struct cfg_entry *e = get(l, key);

	free(key);
	return e;
}

/* A per-item key (DISKIF3, MAC2) whose OWNERx is not set: said so. */
static void
warn_orphans(struct loader *l, const char *base, size_t n, const char *owner)
{
	const struct cfg_entry *e;
	size_t i;

	for (i = 0; i < l->cfg->n; i++) {
		e = &l->cfg->v[i];
		if (key_number(e->key, base) > n && get(l, e->key) != NULL)
			diag_warn(l->d, "%s:%u: %s is ignored: there is no "
			    "%s%u", l->cfg->path, e->line, e->key, owner,
			    key_number(e->key, base));
	}
}

/*
 * The interface, cache mode and discard of a disk as the entries of
 * DISKIF, DISKCACHE and DISKDISCARD (or of their x forms) set them,
 * over what disk holds.
 */
static void
disk_options(struct loader *l, const struct cfg_entry *iface,
    const struct cfg_entry *cache, const struct cfg_entry *discard,
    const struct cfg_entry *format, struct vm_disk *disk)
{
	int b, i;

	disk->iface = get_choice(l, iface, vmconf_disk_ifs, disk->iface);
	if (format != NULL &&
	    (i = get_choice(l, format, vmconf_disk_formats, -1)) >= 0)
		disk->format = vmconf_disk_formats[i];
	if (cache != NULL)
		disk->cache = cache_modes[get_choice(l, cache, cache_modes, 1)];
	if (discard != NULL && cfg_bool(discard->value, &b) != 0)
		fail(l, discard, "%s '%s' is not yes or no", discard->key,
		    discard->value);
	else if (discard != NULL)
		disk->discard = b;
}

static void
load_disks(struct loader *l)
{
	struct vm_config *vm = l->vm;
	size_t i, n;
	char *path;

	struct vm_disk every;

	/* DISKIF, DISKCACHE, DISKDISCARD, then each disk's own. */
	memset(&every, 0, sizeof(every));
	disk_options(l, get(l, "DISKIF"), get(l, "DISKCACHE"),
	    get(l, "DISKDISCARD"), get(l, "DISKFORMAT"), &every);
	n = count_numbered(l, "DSK");
	vm->disks = xcalloc(n, sizeof(*vm->disks));
	for (i = 0; i < n; i++) {
		path = get_file(l, NULL, get_numbered(l, "DSK", i));
		if (path == NULL)
			continue;
		vm->disks[vm->ndisks] = every;
		vm->disks[vm->ndisks].path = path;
		disk_options(l, get_numbered(l, "DISKIF", i),
		    get_numbered(l, "DISKCACHE", i),
		    get_numbered(l, "DISKDISCARD", i),
		    get_numbered(l, "DISKFORMAT", i), &vm->disks[vm->ndisks]);
		vm->ndisks++;
	}
	warn_orphans(l, "DISKIF", n, "DSK");
	warn_orphans(l, "DISKCACHE", n, "DSK");
	warn_orphans(l, "DISKDISCARD", n, "DSK");
	warn_orphans(l, "DISKFORMAT", n, "DSK");
	n = count_numbered(l, "CDR");
	vm->cdroms = xcalloc(n, sizeof(*vm->cdroms));
	for (i = 0; i < n; i++) {
		path = get_file(l, NULL, get_numbered(l, "CDR", i));
		if (path != NULL)
			vm->cdroms[vm->ncdroms++] = path;
	}
}

static int
nic_model_valid(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("_.-", *s) == NULL)
			return 0;
	return 1;
}

static void
load_nics(struct loader *l)
{
	struct vm_config *vm = l->vm;
	const struct cfg_entry *e, *m;
	const char *why;
	size_t i, n;

	n = count_numbered(l, "NIC");
	vm->nics = xcalloc(n, sizeof(*vm->nics));
	for (i = 0; i < n; i++) {
		e = get_numbered(l, "NIC", i);
		if (!nic_model_valid(e->value)) {
			fail(l, e, "%s '%s' is not a QEMU device name "
			    "(allowed: A-Z a-z 0-9 _ . -)", e->key, e->value);
			continue;
		}
		if (strlen(e->value) > VMCONF_WORD_MAX) {
			fail(l, e, "%s is longer than a QEMU device name (at "
			    "most %d characters)", e->key, VMCONF_WORD_MAX);
			continue;
		}
		vm->nics[vm->nnics].model = xstrdup(e->value);
		mac_derive(vm->name, vm->os, (unsigned)i + 1,
		    vm->nics[vm->nnics].mac);
		m = get_numbered(l, "MAC", i);
		if (m != NULL && mac_parse(m->value, vm->nics[vm->nnics].mac,
		    &why) != 0)
			fail(l, m, "%s '%s' is not a MAC address: %s", m->key,
			    m->value, why);
		vm->nnics++;
	}
	warn_orphans(l, "MAC", n, "NIC");
}

static void
load_custom(struct loader *l)
{
	struct vm_config *vm = l->vm;
	const struct cfg_entry *e;
	struct strvec words;
	size_t i, j, n;
	char *err = NULL;

	n = count_numbered(l, "CUSTOM");
	sv_init(&words);
	for (i = 0; i < n; i++) {
		e = get_numbered(l, "CUSTOM", i);
		if (cfg_split_words(e->value, &words, &err) != 0) {
			fail(l, e, "%s: %s", e->key, err);
			free(err);
			err = NULL;
		}
	}
	vm->custom = xcalloc(words.n + 1, sizeof(*vm->custom));
	for (j = 0; j < words.n; j++)
		vm->custom[j] = xstrdup(words.v[j]);
	vm->ncustom = words.n;
	sv_free(&words);
}

static int
vm_name_valid(const char *s)
{
	if (*s == '\0' || *s == '.' || *s == '-')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("._-+", *s) == NULL)
			return 0;
	return 1;
}

static void
load_identity(struct loader *l, const char *name)
{
	const struct cfg_entry *e = get(l, "NAME");
	struct vm_config *vm = l->vm;

	vm->name = xstrdup(name);
	if (!vm_name_valid(name)) {
		diag_error(l->d, "%s: VM name '%s' must be made of A-Z a-z "
		    "0-9 . _ - + (from the file name)", l->cfg->path, name);
		l->failed = 1;
	}
	if (e != NULL && strcmp(e->value, name) != 0)
		fail(l, e, "NAME '%s' differs from the file's name '%s'",
		    e->value, name);
	vm->os = get_string(l, "OS", "");
	vm->desc = get_string(l, "DESC", "");
	vm->tgtarch = get_word(l, "TGTARCH", "qemu-system-x86_64");
}

static void
load_machine(struct loader *l)
{
	struct vm_config *vm = l->vm;
	const struct cfg_entry *e = cfg_get(l->cfg, "KVM");
	long long smp = 0;
	int b;

	vm->kvm = KVM_AUTO;
	if (e != NULL && e->value[0] != '\0' &&
	    strcasecmp(e->value, "auto") != 0) {
		if (cfg_bool(e->value, &b) != 0)
			fail(l, e, "KVM '%s' is not auto, yes or no",
			    e->value);
		else
			vm->kvm = b ? KVM_YES : KVM_NO;
	}
	vm->ram = get_word(l, "RAM", "1G");
	e = get(l, "RAM");
	if (e != NULL) {
		size_t n = strspn(e->value, "0123456789");

		if (n == 0 || n > 20 || (e->value[n] != '\0' &&
		    (strchr("KMGTkmgt", e->value[n]) == NULL ||
		    e->value[n + 1] != '\0')))
			fail(l, e, "RAM '%s' is not a size like 512M or 2G",
			    e->value);
	}
	if (cfg_get_number(l->cfg, "SMP", 1, VMCONF_SMP_MAX, &smp, l->d) < 0)
		l->failed = 1;
	else if (smp > 0)
		vm->smp = xasprintf("%lld", smp);
	vm->cpu = get_word(l, "CPU", NULL);
	vm->machine = get_word(l, "MACHINE", NULL);
	vm->kernel = get_file(l, "KERNEL", NULL);
	vm->initrd = get_file(l, "INITRD", NULL);
	vm->append = get_string(l, "APPEND", NULL);
	if (vm->kernel == NULL && (e = get(l, "INITRD")) != NULL &&
	    get(l, "KERNEL") == NULL)
		fail(l, e, "INITRD is set but KERNEL is not");
}

static void
load_runtime(struct loader *l)
{
	struct vm_config *vm = l->vm;
	const struct cfg_entry *e;

	vm->bridge = get_word(l, "BRIDGE_IFNAME", "br0");
	e = get(l, "BRIDGE_IFNAME");
	vm->bridge_line = e != NULL ? e->line : 0;
	if (e != NULL) {
		struct diag why;

		diag_init(&why);
		if (!netif_name_valid(e->value, &why))
			fail(l, e, "BRIDGE_IFNAME: %s", diag_first_error(&why));
		diag_clear(&why);
	}
	vm->vnc = get_bool(l, "VNC", 1);
	vm->serial = get_bool(l, "SERIAL", 1);
	vm->autostart = get_bool(l, "AUTOSTART", 0);
	vm->runas = get_word(l, "RUNAS", NULL);
	if (vm->runas != NULL && getpwnam(vm->runas) == NULL)
		fail(l, get(l, "RUNAS"), "RUNAS: no such user '%s' (RUNAS=root "
		    "runs QEMU as root)", vm->runas);
	vm->stopdelay = get_number(l, "STOPDELAY", 86400, VMCONF_STOPDELAY);
	vm->bootdelay = get_number(l, "BOOTDELAY", 3600, 0);
	vm->precmd = get_string(l, "PRECMD", NULL);
	vm->postcmd = get_string(l, "POSTCMD", NULL);
}

/* The variable store of a UEFI VM: <dir>/<name>-qemu.vars. */
static char *
uefi_vars_path(const char *cfgpath)
{
	size_t n = strlen(cfgpath);

	if (n > 4 && strcmp(cfgpath + n - 4, ".cfg") == 0)
		return xasprintf("%.*s.vars", (int)(n - 4), cfgpath);
	return xasprintf("%s.vars", cfgpath);
}

static void
load_boot(struct loader *l)
{
	struct vm_config *vm = l->vm;

	vm->snapshot = get_bool(l, "SNAPSHOT", 0);
	vm->sandbox = get_bool(l, "SANDBOX", 1);
	vm->firmware = get_choice(l, get(l, "FIRMWARE"), firmwares,
	    FIRMWARE_BIOS);
	if (vm->firmware == FIRMWARE_UEFI)
		vm->uefi_vars = uefi_vars_path(vm->cfgpath);
	vm->agent = get_bool(l, "AGENT", 0);
	vm->ready = get_string(l, "READY", VMCONF_READY);
	vm->oncrash_restart = get_choice(l, get(l, "ONCRASH"), oncrashes, 0);
}

int
vmconf_load(struct vm_config *vm, const char *cfgpath, const char *name,
    struct diag *d)
{
	struct loader l;

	memset(vm, 0, sizeof(*vm));
	vm->cfgpath = xstrdup(cfgpath);
	vm->dir = path_dirname(cfgpath);
	if (cfg_load(&vm->cfg, cfgpath, 0, d) != 0)
		return -1;
	l.cfg = &vm->cfg;
	l.vm = vm;
	l.d = d;
	l.failed = 0;
	cfg_warn_unknown(&vm->cfg, vmconf_key_known, vmconf_keys, d);
	load_identity(&l, name);
	load_machine(&l);
	load_disks(&l);
	load_nics(&l);
	load_runtime(&l);
	load_boot(&l);
	load_custom(&l);
	return l.failed ? -1 : 0;
}

char *
machine_type_of(const char *value)
{
	const char *p = value;
	size_t n;

	for (;; p += n + 1) {
		n = strcspn(p, ",");
		if (strncmp(p, "type=", 5) == 0)
			return xstrndup(p + 5, n - 5);
		if (p == value && memchr(p, '=', n) == NULL)
			return xstrndup(p, n);
		if (p[n] == '\0')
			return NULL;
	}
}

char *
vmconf_machine_type(const struct vm_config *vm)
{
	if (vm->machine != NULL)
		return machine_type_of(vm->machine);
	return vm->firmware == FIRMWARE_UEFI ? xstrdup("q35") : NULL;
}

unsigned
vmconf_key_line(const struct vm_config *vm, const char *key)
{
	const struct cfg_entry *e = cfg_get(&vm->cfg, key);

	return e != NULL ? e->line : 0;
}

void
vmconf_free(struct vm_config *vm)
{
	size_t i;

	free(vm->cfgpath);
	free(vm->dir);
	free(vm->name);
	free(vm->os);
	free(vm->desc);
	free(vm->tgtarch);
	free(vm->ram);
	free(vm->smp);
	free(vm->cpu);
	free(vm->machine);
	free(vm->kernel);
	free(vm->initrd);
	free(vm->append);
	for (i = 0; i < vm->ndisks; i++)
		free(vm->disks[i].path);
	free(vm->disks);
	for (i = 0; i < vm->ncdroms; i++)
		free(vm->cdroms[i]);
	free(vm->cdroms);
	for (i = 0; i < vm->nnics; i++)
		free(vm->nics[i].model);
	free(vm->nics);
	free(vm->bridge);
	free(vm->runas);
	free(vm->precmd);
	free(vm->postcmd);
	free(vm->uefi_vars);
	free(vm->ready);
	for (i = 0; i < vm->ncustom; i++)
		free(vm->custom[i]);
	free(vm->custom);
	cfg_free(&vm->cfg);
	memset(vm, 0, sizeof(*vm));
}
