/*
 * firmware.c - QEMU's firmware descriptors, read to find UEFI firmware.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "fileread.h"
#include "firmware.h"
#include "json.h"
#include "paths.h"

#define DESCRIPTOR_MAX	(256 * 1024)

/* Features whose firmware needs QEMU options we do not give. */
static const char *const unwanted[] = {
	"requires-smm", "secure-boot", "enrolled-keys", "amd-sev-es",
	"amd-sev-snp", "intel-tdx", NULL
};

const char *
firmware_arch(const char *tgtarch)
{
	const char *base = path_basename(tgtarch);

	if (strncmp(base, "qemu-system-", 12) != 0 || base[12] == '\0')
		return NULL;
	return base + 12;
}

/* Whether the array member key of o holds the string s. */
static int
has_string(const struct json *o, const char *key, const char *s)
{
	const struct json *a = json_get(o, key);
	size_t i;

	if (a == NULL || a->type != JSON_ARRAY)
		return 0;
	for (i = 0; i < a->n; i++)
		if (a->items[i].type == JSON_STRING &&
		    strcmp(a->items[i].text, s) == 0)
			return 1;
	return 0;
}

/* A machine type as the descriptors' globs name it. */
static char *
machine_versioned(const char *machine)
{
	if (strcmp(machine, "q35") == 0)
		return xstrdup("pc-q35-");
	if (strcmp(machine, "pc") == 0)
		return xstrdup("pc-i440fx-");
	return xstrdup(machine);
}

/* Whether a target of the descriptor is arch with a glob fitting machine. */
static int
fits_target(const struct json *targets, const char *arch, const char *machine)
{
	const struct json *t;
	char *m = machine_versioned(machine);
	size_t i, j;
	int fits = 0;

	for (i = 0; targets != NULL && targets->type == JSON_ARRAY &&
	    i < targets->n && !fits; i++) {
		t = &targets->items[i];
		if (json_get_string(t, "architecture") == NULL ||
		    strcmp(json_get_string(t, "architecture"), arch) != 0)
			continue;
		t = json_get(t, "machines");
		for (j = 0; t != NULL && t->type == JSON_ARRAY && j < t->n;
		    j++)
			if (t->items[j].type == JSON_STRING &&
			    fnmatch(t->items[j].text, m, 0) == 0)
				fits = 1;
	}
	free(m);
	return fits;
}

/* A mapping member {"filename": ..., "format": ...}: 0, or -1. */
static int
flash_file(const struct json *mapping, const char *key, char **file,
    char **format)
{
	const struct json *f = json_get(mapping, key);
	const char *name, *fmt;

	if (f == NULL || (name = json_get_string(f, "filename")) == NULL ||
	    name[0] != '/')
		return -1;
	fmt = json_get_string(f, "format");
	if (fmt == NULL)
		fmt = "raw";
	if (strcmp(fmt, "raw") != 0 && strcmp(fmt, "qcow2") != 0)
		return -1;
	*file = xstrdup(name);
	*format = xstrdup(fmt);
	return 0;
}

int
firmware_match(const char *text, size_t len, const char *arch,
    const char *machine, struct firmware *fw, const char **why)
{
	const struct json *mapping, *mode;
	struct json j;
	size_t i;
	int rc = 0;

	if (json_parse(&j, text, len, why) != 0)
		return -1;
	if (j.type != JSON_OBJECT ||
	    (mapping = json_get(&j, "mapping")) == NULL) {
		*why = "no \"mapping\" in it";
		rc = -1;
		goto out;
	}
	if (!has_string(&j, "interface-types", "uefi")) {
		*why = "not UEFI";
		goto out;
	}
	if (json_get_string(mapping, "device") == NULL ||
	    strcmp(json_get_string(mapping, "device"), "flash") != 0) {
		*why = "not on a flash device";
		goto out;
	}
	mode = json_get(mapping, "mode");
	if (mode != NULL && (mode->type != JSON_STRING ||
	    strcmp(mode->text, "split") != 0)) {
		*why = "not in split mode";
		goto out;
	}
	for (i = 0; unwanted[i] != NULL; i++)
		if (has_string(&j, "features", unwanted[i])) {
			*why = "needs secure boot, SMM or memory encryption";
			goto out;
		}
	if (!fits_target(json_get(&j, "targets"), arch, machine)) {
		*why = "for another architecture or machine";
		goto out;
	}
	memset(fw, 0, sizeof(*fw));
	if (flash_file(mapping, "executable", &fw->code,
	    &fw->code_format) != 0 || flash_file(mapping, "nvram-template",
	    &fw->vars, &fw->vars_format) != 0) {
		firmware_free(fw);
		*why = "no executable or nvram-template of a raw or qcow2 file";
		goto out;
	}
	rc = 1;
out:
	json_free(&j);
	return rc;
}

/*
 * Reads a small regular file whole: a FIFO or a device among the
 * descriptors is never opened.  0, or -1 (errno).
 */
static int
read_file(const char *path, struct strbuf *sb)
{
	char buf[4096];
	ssize_t n;
	int fd;

	if ((fd = file_open_regular(path, O_RDONLY, NULL)) < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0 &&
	    sb->len + (size_t)n <= DESCRIPTOR_MAX)
		sb_add(sb, buf, (size_t)n);
	(void)close(fd);
	if (n != 0) {
		errno = n < 0 ? errno : EFBIG;
		return -1;
	}
	return 0;
}

/* The descriptors of dirs: names, and the path each stands for. */
static void
list_descriptors(const char *dirs, struct strvec *names, struct strvec *paths)
{
	const char *p, *end;
	struct dirent *de;
	struct strvec here;
	size_t i, j, len;
	char *dir;
	DIR *dp;

	for (p = dirs;; p = end + 1) {
		end = strchrnul(p, ':');
		dir = xstrndup(p, (size_t)(end - p));
		sv_init(&here);
		if (dir[0] != '\0' && (dp = opendir(dir)) != NULL) {
			while ((de = readdir(dp)) != NULL) {
				len = strlen(de->d_name);
				if (len > 5 && strcmp(de->d_name + len - 5,
				    ".json") == 0)
					sv_push(&here, de->d_name);
			}
			(void)closedir(dp);
		}
		/* A name an earlier folder has is replaced there. */
		for (i = 0; i < here.n; i++) {
			for (j = 0; j < names->n; j++)
				if (strcmp(names->v[j], here.v[i]) == 0)
					break;
			if (j < names->n)
				continue;
			sv_push(names, here.v[i]);
			sv_push(paths, "");
			free(paths->v[paths->n - 1]);
			paths->v[paths->n - 1] = path_join(dir, here.v[i]);
		}
		sv_free(&here);
		free(dir);
		if (*end == '\0')
			break;
	}
}

static int
by_name(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;

	return strcmp(*x, *y);
}

int
firmware_find(const char *dirs, const char *arch, const char *machine,
    struct firmware *fw, struct diag *d)
{
	struct strvec names, paths;
	struct strbuf sb;
	const char *why;
	char **order;
	size_t i, j, tried = 0;
	int rc = -1;

	memset(fw, 0, sizeof(*fw));
	sv_init(&names);
	sv_init(&paths);
	list_descriptors(dirs, &names, &paths);
	/* By name; each name keeps its path ("name\0path" sorts as name). */
	order = xcalloc(names.n + 1, sizeof(*order));
	for (i = 0; i < names.n; i++)
		order[i] = xasprintf("%s%c%s", names.v[i], '\0', paths.v[i]);
	qsort(order, names.n, sizeof(*order), by_name);
	for (i = 0; i < names.n && rc != 0; i++) {
		const char *path = order[i] + strlen(order[i]) + 1;

		sb_init(&sb);
		if (read_file(path, &sb) == 0 && sb.len > 0) {
			tried++;
			if (firmware_match(sb.s, sb.len, arch, machine, fw,
			    &why) == 1) {
				fw->descriptor = xstrdup(path);
				rc = 0;
			}
		}
		sb_free(&sb);
	}
	for (j = 0; j < names.n; j++)
		free(order[j]);
	free(order);
	sv_free(&names);
	sv_free(&paths);
	if (rc == 0)
		return 0;
	if (tried == 0)
		diag_error(d, "no UEFI firmware is installed: no firmware "
		    "descriptor in %s (install Debian's ovmf for x86_64, "
		    "qemu-efi-aarch64 for aarch64)", dirs);
	else
		diag_error(d, "none of the %zu firmware descriptors in %s is "
		    "UEFI for %s on machine '%s' without secure boot or SMM",
		    tried, dirs, arch, machine);
	return -1;
}

int
firmware_for(const struct vm_config *vm, struct firmware *fw,
    struct diag *d)
{
	const char *arch = firmware_arch(vm->tgtarch);
	char *machine, *at;
	struct diag why;
	int rc = -1;

	memset(fw, 0, sizeof(*fw));
	at = xasprintf("%s:%u", vm->cfgpath, vmconf_key_line(vm, "FIRMWARE"));
	if (arch == NULL) {
		diag_error(d, "%s: FIRMWARE=uefi: cannot tell the architecture "
		    "of TGTARCH '%s' (not qemu-system-ARCH)", at, vm->tgtarch);
		free(at);
		return -1;
	}
	/* No MACHINE: q35, as the command line has it then. */
	machine = vmconf_machine_type(vm);
	diag_init(&why);
	if (firmware_find(FIRMWARE_DIRS, arch, machine != NULL ? machine :
	    "q35", fw, &why) == 0)
		rc = 0;
	else
		diag_error(d, "%s: FIRMWARE=uefi: %s", at,
		    diag_first_error(&why));
	diag_clear(&why);
	free(machine);
	free(at);
	return rc;
}

void
firmware_free(struct firmware *fw)
{
	free(fw->descriptor);
	free(fw->code);
	free(fw->code_format);
	free(fw->vars);
	free(fw->vars_format);
	memset(fw, 0, sizeof(*fw));
}

/* Copies the template into the new store out; 0, or an errno. */
static int
copy_template(const struct firmware *fw, int out)
{
	char buf[65536];
	ssize_t n, w;
	int in, e = 0;

	if ((in = file_open_regular(fw->vars, O_RDONLY, NULL)) < 0)
		return errno;
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			e = errno;
			break;
		}
		if ((w = write(out, buf, (size_t)n)) != n) {
			e = w < 0 ? errno : EIO;
			break;
		}
	}
	(void)close(in);
	if (e == 0 && fsync(out) != 0)
		e = errno;
	return e;
}

/* A store that exists: ours, a regular file, not a name followed. */
static int
open_existing(const char *path, struct diag *d)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
	    O_NOCTTY);
	if (fd < 0) {
		if (errno == ELOOP)
			diag_error(d, "the UEFI variable store %s is a symlink: "
			    "refused (remove it to have it made anew)", path);
		else if (errno != ENOENT)
			diag_error(d, "cannot open the UEFI variable store %s: "
			    "%s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		diag_error(d, "the UEFI variable store %s is not a regular "
		    "file: refused (remove it to have it made anew)", path);
		(void)close(fd);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		diag_error(d, "the UEFI variable store %s is owned by uid "
		    "%ld: refused (chown %ld %s)", path, (long)st.st_uid,
		    (long)geteuid(), path);
		(void)close(fd);
		return -1;
	}
	return fd;
}

int
firmware_open_vars(const struct firmware *fw, const char *path,
    struct diag *d)
{
	struct diag why;
	int fd, e;

	/* Its folder, as the config's: no one else may plant a name there. */
	diag_init(&why);
	if (!path_folders_trusted(path, &why)) {
		diag_error(d, "cannot use the UEFI variable store %s: %s", path,
		    diag_first_error(&why));
		diag_clear(&why);
		return -1;
	}
	diag_clear(&why);
	if ((fd = open_existing(path, d)) >= 0 || errno != ENOENT)
		return fd;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		diag_error(d, "cannot make the UEFI variable store %s: %s",
		    path, errno == EEXIST ? "made meanwhile by another" :
		    strerror(errno));
		return -1;
	}
	if ((e = copy_template(fw, fd)) != 0) {
		(void)close(fd);
		(void)unlink(path);
		diag_error(d, "cannot make the UEFI variable store %s from %s: "
		    "%s", path, fw->vars, strerror(e));
		return -1;
	}
	return fd;
}
