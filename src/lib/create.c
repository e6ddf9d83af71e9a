/*
 * create.c - create and remove.
 *
 * A create holds the registry's lock from choosing its folder, name and
 * forward port to the registry line that ends it, so that two creates
 * at once never take one name or one port, and both land.  Every file
 * it makes is remembered as it goes; on any failure they are removed
 * again, newest first, and the folder too when create made it.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "confine.h"
#include "create.h"
#include "fileread.h"
#include "filewrite.h"
#include "image.h"
#include "netif.h"
#include "nocloud.h"
#include "paths.h"
#include "registry.h"
#include "state.h"
#include "suggest.h"
#include "usernet.h"
#include "vmconf.h"

void
cfg_draft_init(struct cfg_draft *cd)
{
	sv_init(&cd->keys);
	sv_init(&cd->values);
	sv_init(&cd->comments);
}

void
cfg_draft_free(struct cfg_draft *cd)
{
	sv_free(&cd->keys);
	sv_free(&cd->values);
	sv_free(&cd->comments);
}

void
cfg_draft_set(struct cfg_draft *cd, const char *key, const char *value,
    const char *comment)
{
	size_t i;

	for (i = 0; i < cd->keys.n; i++)
		if (strcmp(cd->keys.v[i], key) == 0) {
			free(cd->values.v[i]);
			cd->values.v[i] = xstrdup(value);
			return;
		}
	sv_push(&cd->keys, key);
	sv_push(&cd->values, value);
	sv_push(&cd->comments, comment != NULL ? comment : "");
}

void
cfg_draft_unset(struct cfg_draft *cd, const char *key)
{
	size_t i;

	for (i = 0; i < cd->keys.n; i++)
		if (strcmp(cd->keys.v[i], key) == 0) {
			free(cd->keys.v[i]);
			free(cd->values.v[i]);
			free(cd->comments.v[i]);
			memmove(&cd->keys.v[i], &cd->keys.v[i + 1],
			    (cd->keys.n - i) * sizeof(char *));
			memmove(&cd->values.v[i], &cd->values.v[i + 1],
			    (cd->values.n - i) * sizeof(char *));
			memmove(&cd->comments.v[i], &cd->comments.v[i + 1],
			    (cd->comments.n - i) * sizeof(char *));
			cd->keys.n--;
			cd->values.n--;
			cd->comments.n--;
			return;
		}
}

const char *
cfg_draft_get(const struct cfg_draft *cd, const char *key)
{
	size_t i;

	for (i = 0; i < cd->keys.n; i++)
		if (strcmp(cd->keys.v[i], key) == 0)
			return cd->values.v[i];
	return NULL;
}

void
cfg_draft_text(const struct cfg_draft *cd, const char *header,
    struct strbuf *out)
{
	const char *p, *nl;
	size_t i;

	for (p = header; *p != '\0'; p = nl + (*nl != '\0')) {
		nl = p + strcspn(p, "\n");
		sb_addf(out, "# %.*s\n", (int)(nl - p), p);
	}
	for (i = 0; i < cd->keys.n; i++) {
		if (cd->comments.v[i][0] != '\0')
			sb_addf(out, "\n# %s\n", cd->comments.v[i]);
		sb_addf(out, "%s=", cd->keys.v[i]);
		sb_add_shell_word(out, cd->values.v[i], 1);
		sb_addc(out, '\n');
	}
}

/* What a create made so far, to undo. */
struct made {
	char		*dir;		/* the VM's folder */
	int		 made_dir;	/* create made it */
	struct strvec	 files;		/* absolute, in the order made */
	struct strvec	 listed;	/* names for <name>-create.list */
};

static void
made_file(struct made *m, const char *path)
{
	sv_push(&m->files, path);
	sv_pushf(&m->listed, "file %s", path_basename(path));
}

/* Undoes a create: its files newest first, then its folder. */
static void
made_undo(struct made *m)
{
	size_t i;

	for (i = m->files.n; i > 0; i--)
		(void)unlink(m->files.v[i - 1]);
	if (m->made_dir && m->dir != NULL)
		(void)rmdir(m->dir);
}

static void
made_free(struct made *m)
{
	free(m->dir);
	sv_free(&m->files);
	sv_free(&m->listed);
}

/* Whether the folder dir has no entries (or cannot be read: no). */
static int
folder_empty(const char *dir)
{
	struct dirent *e;
	DIR *dp;
	int empty = 1;

	if ((dp = opendir(dir)) == NULL)
		return 0;
	while (empty && (e = readdir(dp)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			empty = 0;
	(void)closedir(dp);
	return empty;
}

/* The folder of the VM: new, or existing and empty.  0, or -1. */
static int
make_folder(const struct create_opts *o, struct made *m, struct diag *d)
{
	struct stat st;
	char *probe;
	int trusted;

	m->dir = o->dir != NULL ? path_resolve(NULL, o->dir) :
	    path_join(CREATE_DIR, o->name);
	if (o->dir != NULL && o->dir[0] != '/') {
		char cwd[PATH_MAX];

		free(m->dir);
		if (getcwd(cwd, sizeof(cwd)) == NULL) {
			diag_error(d, "cannot tell the current folder: %s",
			    strerror(errno));
			return -1;
		}
		m->dir = path_join(cwd, o->dir);
	}
	if (o->dir == NULL && mkdir(CREATE_DIR, 0755) != 0 && errno != EEXIST) {
		diag_error(d, "cannot make %s: %s", CREATE_DIR,
		    strerror(errno));
		return -1;
	}
	if (mkdir(m->dir, 0755) == 0)
		m->made_dir = 1;
	else if (errno != EEXIST || lstat(m->dir, &st) != 0 ||
	    !S_ISDIR(st.st_mode)) {
		diag_error(d, "cannot make the folder %s: %s", m->dir,
		    strerror(errno == EEXIST ? ENOTDIR : errno));
		return -1;
	} else if (!folder_empty(m->dir)) {
		/* The admin's: kept by remove --purge. */
		diag_error(d, "%s is not empty: give --dir a new or empty "
		    "folder", m->dir);
		return -1;
	}
	/* As root, start refuses a folder others could change: said now. */
	probe = path_join(m->dir, "x");
	trusted = path_folders_trusted(probe, d);
	free(probe);
	return trusted ? 0 : -1;
}

/*
 * The public keys for the guest: the file given, else the caller's own
 * (~/.ssh/id_ed25519.pub, id_ecdsa.pub, id_rsa.pub of the passwd home).
 * 0 with the text in keys and the file in *file, or -1.
 */
static int
read_keys(const struct create_opts *o, struct strbuf *keys, char **file,
    struct diag *d)
{
	static const char *const mine[] = {
		"id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub", NULL
	};
	struct passwd *pw;
	const char *why;
	size_t i;
	int rc;

	*file = NULL;
	if (o->ssh_key != NULL)
		*file = path_resolve(NULL, o->ssh_key);
	else if ((pw = getpwuid(getuid())) != NULL) {
		for (i = 0; mine[i] != NULL && *file == NULL; i++) {
			char *dir = path_join(pw->pw_dir, ".ssh");

			*file = path_join(dir, mine[i]);
			free(dir);
			if (access(*file, R_OK) != 0) {
				free(*file);
				*file = NULL;
			}
		}
		if (*file == NULL) {
			diag_error(d, "no --ssh-key, and no public key in "
			    "%s/.ssh (make one: ssh-keygen -t ed25519)",
			    pw->pw_dir);
			return -1;
		}
	}
	if (*file == NULL) {
		diag_error(d, "no --ssh-key, and no home folder to look in");
		return -1;
	}
	if ((rc = file_read(*file, keys, 0, d)) != 0)
		return -1;
	if (keys->len > CREATE_KEYS_MAX || !nocloud_public_keys(keys->s != NULL ?
	    keys->s : "", keys->len, &why)) {
		diag_error(d, "--ssh-key %s is not a public key file: %s", *file,
		    keys->len > CREATE_KEYS_MAX ? "it is too large" : why);
		return -1;
	}
	return 0;
}

/* The private key beside FILE.pub, for SSH_KEY; NULL when none. */
static char *
private_key(const char *pub)
{
	size_t n = strlen(pub);
	char *key;

	if (n <= 4 || strcmp(pub + n - 4, ".pub") != 0)
		return NULL;
	key = xstrndup(pub, n - 4);
	if (access(key, F_OK) == 0)
		return key;
	free(key);
	return NULL;
}

/* A new instance id, so that cloud-init runs anew in a copy. */
static char *
instance_id(const char *name)
{
	unsigned char r[8];
	size_t i;
	char *id;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		for (i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)(getpid() >> (i % 4 * 8)) ^
			    (unsigned char)i;
	id = xasprintf("%s-%02x%02x%02x%02x%02x%02x%02x%02x", name, r[0], r[1],
	    r[2], r[3], r[4], r[5], r[6], r[7]);
	return id;
}

/* Whether a registered VM other than skip forwards host port. */
struct taken_ports {
	unsigned	*v;
	size_t		 n;
};

static void
registered_ports(const char *confdir, struct taken_ports *t)
{
	struct registry reg;
	struct vm_config vm;
	struct diag quiet;
	char *name;
	size_t i, j, k;

	memset(t, 0, sizeof(*t));
	diag_init(&quiet);
	(void)registry_load(&reg, confdir, &quiet);
	for (i = 0; i < reg.n; i++) {
		name = cfg_path_name(reg.v[i].path);
		if (name != NULL && vmconf_load(&vm, reg.v[i].path, name,
		    &quiet) == 0)
			for (j = 0; j < vm.nnics; j++)
				for (k = 0; k < vm.nics[j].nfwd; k++) {
					t->v = xreallocarray(t->v, t->n + 1,
					    sizeof(*t->v));
					t->v[t->n++] = vm.nics[j].fwd[k].host;
				}
		vmconf_free(&vm);
		free(name);
	}
	registry_free(&reg);
	diag_clear(&quiet);
}

/*
 * A loopback port for the guest's ssh: free now, forwarded by no
 * registered VM and none of also.  0 with it in *port, or -1.
 */
static int
free_port(const char *confdir, const unsigned *also, size_t nalso,
    unsigned *port, struct diag *d)
{
	struct taken_ports t;
	unsigned p;
	size_t i;

	registered_ports(confdir, &t);
	for (i = 0; i < nalso; i++) {
		t.v = xreallocarray(t.v, t.n + 1, sizeof(*t.v));
		t.v[t.n++] = also[i];
	}
	for (p = CREATE_PORT_FIRST; p < CREATE_PORT_FIRST + CREATE_PORT_SCAN;
	    p++) {
		for (i = 0; i < t.n && t.v[i] != p; i++)
			continue;
		if (i == t.n && usernet_port_free(p)) {
			free(t.v);
			*port = p;
			return 0;
		}
	}
	free(t.v);
	diag_error(d, "no free port on %s in %u-%u for the guest's ssh",
	    USERNET_LOOPBACK, CREATE_PORT_FIRST, CREATE_PORT_FIRST +
	    CREATE_PORT_SCAN - 1);
	return -1;
}

/* The network asked for: user, else bridge (of *bridge, or br0). */
static int
pick_net(const struct create_opts *o, int *user, const char **bridge,
    struct diag *d)
{
	struct diag quiet;

	*bridge = NULL;
	if (o->net == NULL) {
		diag_init(&quiet);
		*user = netif_is_bridge("br0", &quiet) != 1;
		diag_clear(&quiet);
	} else if (strcmp(o->net, "user") == 0)
		*user = 1;
	else if (strcmp(o->net, "bridge") == 0)
		*user = 0;
	else if (strncmp(o->net, "bridge=", 7) == 0 && o->net[7] != '\0') {
		*user = 0;
		*bridge = o->net + 7;
		if (!netif_name_valid(*bridge, d))
			return -1;
	} else {
		diag_error(d, "--net %s: not user, bridge or bridge=BRIDGE",
		    o->net);
		return -1;
	}
	if (*user && (o->ip != NULL || o->gateway != NULL)) {
		diag_error(d, "--ip and --gateway are for a bridged NIC: with "
		    "--net user, passt gives the guest its address");
		return -1;
	}
	return 0;
}

/* Each --set KEY=VALUE: a key qemu-init.cfg(5) knows, not NAME. */
static int
check_sets(const struct create_opts *o, struct diag *d)
{
	const char *eq;
	char *key, *hint;
	size_t i, n;

	for (i = 0; i < o->nsets; i++) {
		eq = strchr(o->sets[i], '=');
		key = eq != NULL ? xstrndup(o->sets[i], (size_t)(eq -
		    o->sets[i])) : xstrdup(o->sets[i]);
		if (eq == NULL || !cfg_key_valid(key) ||
		    strcmp(key, "NAME") == 0) {
			diag_error(d, "--set %s: not KEY=VALUE of a config key "
			    "(NAME is the VM's name)", o->sets[i]);
			free(key);
			return -1;
		}
		if (!vmconf_key_known(key)) {
			for (n = 0; vmconf_keys[n] != NULL; n++)
				continue;
			hint = suggest_word(key, vmconf_keys, n);
			diag_error(d, "--set %s: unknown key '%s'%s%s%s",
			    o->sets[i], key, hint != NULL ? " (did you mean '" :
			    "", hint != NULL ? hint : "", hint != NULL ? "'?)" :
			    "");
			free(hint);
			free(key);
			return -1;
		}
		free(key);
	}
	return 0;
}

/* The --set lines over what create chose. */
static void
apply_sets(const struct create_opts *o, struct cfg_draft *cd)
{
	const char *eq;
	char *key;
	size_t i;

	for (i = 0; i < o->nsets; i++) {
		eq = strchr(o->sets[i], '=');
		key = xstrndup(o->sets[i], (size_t)(eq - o->sets[i]));
		cfg_draft_set(cd, key, eq + 1, i == 0 ? "given with --set" :
		    NULL);
		free(key);
	}
}

/* The seed: its three files on a cidata volume at path. */
static int
write_seed(const char *path, const struct nocloud *nc, const char *user_data,
    struct made *m, struct diag *d)
{
	struct strbuf meta, user, net, img;
	struct seed_file f[3];
	const char *why;
	size_t n = 2;
	int rc = -1;

	sb_init(&meta);
	sb_init(&user);
	sb_init(&net);
	sb_init(&img);
	sb_adds(&net, "");
	nocloud_texts(nc, &meta, &user, &net);
	f[0] = (struct seed_file){ "meta-data", meta.s, meta.len };
	f[1] = (struct seed_file){ "user-data", user_data != NULL ? user_data :
	    user.s, user_data != NULL ? strlen(user_data) : user.len };
	if (net.len > 0)
		f[n++] = (struct seed_file){ "network-config", net.s, net.len };
	if (nocloud_iso(f, n, NOCLOUD_LABEL, &img, &why) != 0)
		diag_error(d, "cannot make the seed %s: %s", path, why);
	else if (file_write_new(path, img.s, img.len, d) == 0) {
		made_file(m, path);
		/* Listed as the seed: create --from makes a new one. */
		free(m->listed.v[m->listed.n - 1]);
		m->listed.v[m->listed.n - 1] = xasprintf("seed %s",
		    path_basename(path));
		rc = 0;
	}
	sb_free(&meta);
	sb_free(&user);
	sb_free(&net);
	sb_free(&img);
	return rc;
}

/* The base image: its format and size, readable by QEMU's user. */
static int
check_image(const struct create_opts *o, const struct monconf *mc,
    char **abs, struct image_base *b, unsigned long long *size,
    struct diag *d)
{
	struct qemu_user u;
	const char *why;
	int ok = 1;

	if ((*abs = realpath(o->image, NULL)) == NULL) {
		diag_error(d, "--image %s: %s", o->image, strerror(errno));
		return -1;
	}
	if (image_base_info(*abs, o->image_format, b, d) != 0)
		return -1;
	if (b->has_backing) {
		diag_error(d, "--image %s has a backing file of its own "
		    "(flatten it first: qemu-img convert)", *abs);
		return -1;
	}
	*size = b->size;
	if (o->size != NULL) {
		if (image_size_parse(o->size, size, &why) != 0) {
			diag_error(d, "--size %s: %s", o->size, why);
			return -1;
		}
		if (*size < b->size) {
			diag_error(d, "--size %s is smaller than the image "
			    "(%llu bytes): a disk can grow, not shrink",
			    o->size, b->size);
			return -1;
		}
	}
	/* QEMU opens the backing file by name, as its own user. */
	if (geteuid() == 0 && qemu_user_for(NULL, mc->runas, 0, mc->slots, &u,
	    d) == 0) {
		ok = qemu_user_may_open(&u, *abs, R_OK, d);
		qemu_user_free(&u);
		if (!ok)
			return -1;
	}
	return ok ? 0 : -1;
}

/* The config of a new VM from an image. */
static void
draft_from_image(const struct create_opts *o, struct cfg_draft *cd,
    const char *image, int user, const char *bridge, unsigned port,
    const char *sshkey)
{
	char *desc = xasprintf("from %s", path_basename(image)), *v;

	cfg_draft_set(cd, "NAME", o->name, NULL);
	cfg_draft_set(cd, "OS", "linux", NULL);
	cfg_draft_set(cd, "DESC", desc, NULL);
	cfg_draft_set(cd, "RAM", o->ram != NULL ? o->ram : CREATE_RAM,
	    "the machine");
	if (o->cpus != NULL)
		cfg_draft_set(cd, "SMP", o->cpus, NULL);
	if (o->firmware != NULL)
		cfg_draft_set(cd, "FIRMWARE", o->firmware, NULL);
	v = xasprintf("%s-disk.qcow2", o->name);
	cfg_draft_set(cd, "DSK1", v, "the disk: a qcow2 overlay on the image, "
	    "which is never written");
	free(v);
	cfg_draft_set(cd, "DISKFORMAT1", "qcow2", NULL);
	cfg_draft_set(cd, "DISKIF", "virtio", NULL);
	v = xasprintf("%s-seed.iso", o->name);
	cfg_draft_set(cd, "CDR1", v, "cloud-init's NoCloud seed (read-only): "
	    "the name, the user, the key");
	free(v);
	cfg_draft_set(cd, "NIC1", "virtio-net-pci", user ? "the network: "
	    "passt (user networking), ssh forwarded from the host's loopback" :
	    "the network: a tap on the bridge");
	if (user) {
		cfg_draft_set(cd, "NET1", "user", NULL);
		v = xasprintf("%u:22", port);
		cfg_draft_set(cd, "FWD1", v, NULL);
		free(v);
	} else if (bridge != NULL)
		cfg_draft_set(cd, "BRIDGE_IFNAME", bridge, NULL);
	if (!user && o->ip != NULL) {
		v = xstrndup(o->ip, strcspn(o->ip, "/"));
		cfg_draft_set(cd, "ADDR1", v, NULL);
		free(v);
	}
	cfg_draft_set(cd, "VNC", "no", "headless: the serial console "
	    "(qemu-init console) and ssh");
	cfg_draft_set(cd, "READY", CREATE_READY, "start -w: up once "
	    "cloud-init has said it finished (the host keys are on the "
	    "console before that at the first boot)");
	cfg_draft_set(cd, "SSH_USER", o->user != NULL ? o->user : CREATE_USER,
	    "qemu-init ssh: the user cloud-init made, and the key");
	if (sshkey != NULL)
		cfg_draft_set(cd, "SSH_KEY", sshkey, NULL);
	free(desc);
}

/*
 * The config written whole, checked as start would load it, and the
 * list of what create made beside it.
 */
static int
write_config(const char *name, struct cfg_draft *cd, struct made *m,
    const char *cfgpath, const char *what, struct diag *d)
{
	struct strbuf text;
	struct vm_config vm;
	struct diag why;
	char *header, *list;
	size_t i;
	int rc = -1;

	sb_init(&text);
	header = xasprintf("%s-qemu.cfg: made by qemu-init create %s.\n"
	    "qemu-init.cfg(5) says what each key means; qemu-init check %s "
	    "checks it.", name, what, name);
	cfg_draft_text(cd, header, &text);
	free(header);
	if (file_write_atomic(cfgpath, text.s, text.len, 0644, (uid_t)-1,
	    (gid_t)-1, d) != 0)
		goto out;
	made_file(m, cfgpath);
	diag_init(&why);
	if (vmconf_load(&vm, cfgpath, name, &why) != 0) {
		diag_error(d, "the config would not load: %s",
		    diag_first_error(&why));
		diag_clear(&why);
		vmconf_free(&vm);
		goto out;
	}
	diag_clear(&why);
	vmconf_free(&vm);
	/* The list names itself, and what a start and ssh may add. */
	sv_pushf(&m->listed, "file %s-qemu.vars", name);
	sv_pushf(&m->listed, "file %s-known_hosts", name);
	sv_pushf(&m->listed, "file %s%s", name, CREATE_LIST);
	sb_reset(&text);
	sb_addf(&text, "# what qemu-init create made for %s: qemu-init remove "
	    "--purge deletes these and nothing else\n", name);
	if (m->made_dir)
		sb_addf(&text, "folder %s\n", m->dir);
	for (i = 0; i < m->listed.n; i++)
		sb_addf(&text, "%s\n", m->listed.v[i]);
	list = xasprintf("%s/%s%s", m->dir, name, CREATE_LIST);
	if (file_write_new(list, text.s, text.len, d) == 0) {
		made_file(m, list);
		rc = 0;
	}
	free(list);
out:
	sb_free(&text);
	return rc;
}

/* The network-config's side of nc for a bridged NIC with --ip. */
static void
seed_address(const struct create_opts *o, const char *name,
    struct nocloud *nc, char *mac)
{
	mac_derive(name, "linux", 1, mac);
	nc->address = o->ip;
	nc->gateway = o->gateway;
	nc->mac = mac;
}

/* create from --image: the steps under the registry's lock. */
static int
create_from_image(const char *confdir, const struct monconf *mc,
    const struct create_opts *o, struct made *m, char **cfgpath,
    struct diag *d)
{
	struct image_base base;
	struct cfg_draft cd;
	struct strbuf keys;
	struct nocloud nc;
	unsigned long long size;
	unsigned port = 0;
	const char *bridge;
	char *image = NULL, *keyfile = NULL, *priv = NULL, *path, *iid;
	char *what, mac[MAC_STRLEN];
	int user, rc = -1;

	memset(&base, 0, sizeof(base));
	sb_init(&keys);
	cfg_draft_init(&cd);
	if (read_keys(o, &keys, &keyfile, d) != 0 ||
	    check_image(o, mc, &image, &base, &size, d) != 0 ||
	    pick_net(o, &user, &bridge, d) != 0 ||
	    (user && free_port(confdir, NULL, 0, &port, d) != 0) ||
	    make_folder(o, m, d) != 0)
		goto out;
	priv = private_key(keyfile);
	path = xasprintf("%s/%s-disk.qcow2", m->dir, o->name);
	rc = image_overlay(path, image, base.format, size, d);
	if (rc == 0)
		made_file(m, path);
	free(path);
	if (rc != 0)
		goto out;
	memset(&nc, 0, sizeof(nc));
	nc.instance_id = iid = instance_id(o->name);
	nc.hostname = o->name;
	nc.user = o->user != NULL ? o->user : CREATE_USER;
	nc.keys = keys.s;
	if (!user && o->ip != NULL)
		seed_address(o, o->name, &nc, mac);
	path = xasprintf("%s/%s-seed.iso", m->dir, o->name);
	rc = write_seed(path, &nc, NULL, m, d);
	free(path);
	free(iid);
	if (rc != 0)
		goto out;
	draft_from_image(o, &cd, image, user, bridge, port, priv);
	apply_sets(o, &cd);
	*cfgpath = xasprintf("%s/%s-qemu.cfg", m->dir, o->name);
	what = xasprintf("from %s (%s)", image, base.format);
	rc = write_config(o->name, &cd, m, *cfgpath, what, d);
	free(what);
out:
	cfg_draft_free(&cd);
	image_base_free(&base);
	sb_free(&keys);
	free(image);
	free(keyfile);
	free(priv);
	return rc;
}

/* What a VM's <name>-create.list says, read as a config is. */
struct made_list {
	char		*folder;	/* create made it; NULL */
	struct strvec	 files;		/* plain names in the VM's folder */
	char		*seed;		/* the seed among them; NULL */
};

static void
made_list_free(struct made_list *l)
{
	free(l->folder);
	free(l->seed);
	sv_free(&l->files);
}

/*
 * Reads dir/<name>-create.list: 0, 1 when there is none, -1 with why
 * in d.  Only plain names (no '/') are taken: the list names files of
 * the VM's folder and nothing else.
 */
static int
made_list_read(const char *dir, const char *name, struct made_list *l,
    struct diag *d)
{
	struct strbuf text;
	char *path, *line, *p, *nl;
	int rc;

	memset(l, 0, sizeof(*l));
	sv_init(&l->files);
	path = xasprintf("%s/%s%s", dir, name, CREATE_LIST);
	sb_init(&text);
	rc = config_read(path, &text, 1, d);
	for (p = text.s; rc == 0 && p != NULL && *p != '\0'; p = nl) {
		nl = p + strcspn(p, "\n");
		line = xstrndup(p, (size_t)(nl - p));
		if (*nl == '\n')
			nl++;
		if (strncmp(line, "folder /", 8) == 0 && l->folder == NULL)
			l->folder = xstrdup(line + 7);
		else if ((strncmp(line, "file ", 5) == 0 ||
		    strncmp(line, "seed ", 5) == 0) && line[5] != '\0' &&
		    strchr(line + 5, '/') == NULL &&
		    strcmp(line + 5, "..") != 0 && strcmp(line + 5, ".") != 0) {
			sv_push(&l->files, line + 5);
			if (line[0] == 's' && l->seed == NULL)
				l->seed = xstrdup(line + 5);
		}
		free(line);
	}
	sb_free(&text);
	free(path);
	return rc;
}

/* The file name of a copy: "<new>-rest" for "<old>-rest", else "<new>-x". */
static char *
copy_name(const char *base, const char *old, const char *new)
{
	size_t n = strlen(old);

	if (strncmp(base, old, n) == 0 && base[n] == '-')
		return xasprintf("%s%s", new, base + n);
	return xasprintf("%s-%s", new, base);
}

/* Keys a copy does not take from the VM it copies: MACx, ADDRx. */
static int
copy_drops(const char *key)
{
	static const char *const bases[] = { "MAC", "ADDR", NULL };
	size_t i, n;

	for (i = 0; bases[i] != NULL; i++) {
		n = strlen(bases[i]);
		if (strncmp(key, bases[i], n) == 0 && key[n] >= '1' &&
		    key[n] <= '9')
			return 1;
	}
	return 0;
}

/* NIC i's forwards, to the same guest ports from new host ports. */
static int
copy_forwards(const char *confdir, const struct vm_nic *nic, size_t i,
    struct cfg_draft *cd, struct diag *d)
{
	unsigned ports[VMCONF_FORWARDS_MAX];
	struct strbuf fwd;
	char key[32];
	size_t j;

	sb_init(&fwd);
	sb_adds(&fwd, "");
	for (j = 0; j < nic->nfwd; j++) {
		if (free_port(confdir, ports, j, &ports[j], d) != 0) {
			sb_free(&fwd);
			return -1;
		}
		sb_addf(&fwd, "%s%u:%u", j > 0 ? " " : "", ports[j],
		    nic->fwd[j].guest);
	}
	(void)snprintf(key, sizeof(key), "FWD%zu", i + 1);
	cfg_draft_set(cd, key, fwd.s, NULL);
	sb_free(&fwd);
	return 0;
}

/*
 * create --from with --net: the copy's first NIC on another network
 * (user with a new ssh forward, or a bridge), the rest as they were.
 */
static int
copy_net(const char *confdir, const struct create_opts *o,
    const struct vm_config *src, struct cfg_draft *cd, struct diag *d)
{
	const char *bridge;
	unsigned port;
	char *v;
	int user;

	if (src->nnics == 0) {
		diag_error(d, "--net: %s has no NIC to move", src->name);
		return -1;
	}
	if (pick_net(o, &user, &bridge, d) != 0)
		return -1;
	cfg_draft_unset(cd, "FWD1");
	cfg_draft_unset(cd, "NET1");
	if (user) {
		if (free_port(confdir, NULL, 0, &port, d) != 0)
			return -1;
		cfg_draft_set(cd, "NET1", "user", NULL);
		v = xasprintf("%u:22", port);
		cfg_draft_set(cd, "FWD1", v, NULL);
		free(v);
	} else if (bridge != NULL)
		cfg_draft_set(cd, "BRIDGE_IFNAME", bridge, NULL);
	return 0;
}

/*
 * create --from: the stopped VM's config and disks (sparse copies), a
 * new name and so new MACs, a new seed (new instance id and hostname,
 * the same user-data), new forward ports.
 */
static int
create_from_vm(const char *confdir, const struct rundir *rd,
    const struct create_opts *o, struct made *m, char **cfgpath,
    struct diag *d)
{
	struct vm_config src;
	struct made_list list;
	struct vm_state st;
	struct cfg_draft cd;
	struct strbuf img, user_data;
	struct vm_ref ref;
	struct nocloud nc;
	const struct cfg_entry *e;
	char *name, *path, *iid, *what, key[32], seedkey[32];
	char mac[MAC_STRLEN];
	const char *why;
	size_t i;
	int rc = -1, running;

	memset(&src, 0, sizeof(src));
	memset(&list, 0, sizeof(list));
	sv_init(&list.files);
	cfg_draft_init(&cd);
	sb_init(&img);
	sb_init(&user_data);
	if (vm_lookup(confdir, o->from, &ref, d) != RESOLVE_OK)
		goto out0;
	running = rd->fd >= 0 && vm_probe(rd, ref.name, &st) == VM_RUNNING;
	if (rd->fd >= 0)
		state_free(&st);
	if (running) {
		diag_error(d, "--from %s: it runs (stop it first: a copy of a "
		    "disk in use is not a disk)", o->from);
		goto out1;
	}
	if (vmconf_load(&src, ref.cfgpath, ref.name, d) != 0 ||
	    made_list_read(src.dir, src.name, &list, d) < 0 ||
	    make_folder(o, m, d) != 0)
		goto out;
	/* Its config, key by key, in order: what a copy takes anew is set
	 * again below, in its place; its MACs and addresses go. */
	seedkey[0] = '\0';
	for (i = 0; i < src.cfg.n; i++) {
		e = &src.cfg.v[i];
		if (e->used || copy_drops(e->key))
			continue;
		if (list.seed != NULL && strncmp(e->key, "CDR", 3) == 0 &&
		    strcmp(path_basename(e->value), list.seed) == 0)
			(void)snprintf(seedkey, sizeof(seedkey), "%s", e->key);
		cfg_draft_set(&cd, e->key, e->value, NULL);
	}
	cfg_draft_set(&cd, "NAME", o->name, NULL);
	for (i = 0; i < src.ndisks; i++) {
		name = copy_name(path_basename(src.disks[i].path), src.name,
		    o->name);
		path = path_join(m->dir, name);
		if (image_copy_sparse(src.disks[i].path, path, d) != 0) {
			free(name);
			free(path);
			goto out;
		}
		made_file(m, path);
		(void)snprintf(key, sizeof(key), "DSK%zu", i + 1);
		cfg_draft_set(&cd, key, name, i == 0 ? "its disks: copies of "
		    "those of the VM it was made from" : NULL);
		free(name);
		free(path);
	}
	if (o->net != NULL && copy_net(confdir, o, &src, &cd, d) != 0)
		goto out;
	for (i = 0; o->net == NULL && i < src.nnics; i++)
		if (src.nics[i].net == NET_USER && copy_forwards(confdir,
		    &src.nics[i], i, &cd, d) != 0)
			goto out;
	if (o->ip != NULL) {
		name = xstrndup(o->ip, strcspn(o->ip, "/"));
		cfg_draft_set(&cd, "ADDR1", name, NULL);
		free(name);
	}
	if (list.seed != NULL) {
		path = path_join(src.dir, list.seed);
		if (file_read(path, &img, 0, d) != 0 || nocloud_iso_read(img.s,
		    img.len, "user-data", &user_data, &why) != 0) {
			if (d->errors == 0)
				diag_error(d, "--from %s: its seed %s: %s",
				    o->from, path, why);
			free(path);
			goto out;
		}
		free(path);
		memset(&nc, 0, sizeof(nc));
		nc.instance_id = iid = instance_id(o->name);
		nc.hostname = o->name;
		nc.user = "";
		nc.keys = "";
		if (o->ip != NULL)
			seed_address(o, o->name, &nc, mac);
		name = xasprintf("%s-seed.iso", o->name);
		path = path_join(m->dir, name);
		rc = write_seed(path, &nc, user_data.s != NULL ? user_data.s :
		    "", m, d);
		free(path);
		free(iid);
		if (rc != 0) {
			free(name);
			goto out;
		}
		rc = -1;
		if (seedkey[0] == '\0') {
			for (i = 1; i < 100; i++) {
				(void)snprintf(seedkey, sizeof(seedkey),
				    "CDR%zu", i);
				if (cfg_draft_get(&cd, seedkey) == NULL)
					break;
			}
		}
		cfg_draft_set(&cd, seedkey, name, "a new cloud-init seed: a "
		    "new instance id and name, the same user-data");
		free(name);
	}
	apply_sets(o, &cd);
	*cfgpath = xasprintf("%s/%s-qemu.cfg", m->dir, o->name);
	what = xasprintf("as a copy of %s", src.name);
	rc = write_config(o->name, &cd, m, *cfgpath, what, d);
	free(what);
out:
	vmconf_free(&src);
out1:
	vm_ref_free(&ref);
out0:
	made_list_free(&list);
	cfg_draft_free(&cd);
	sb_free(&img);
	sb_free(&user_data);
	return rc;
}

int
create_vm(const char *confdir, const struct monconf *mc,
    const struct rundir *rd, const struct create_opts *o, char **cfgpath,
    struct diag *d)
{
	struct registry reg;
	struct vm_ref ref;
	struct diag quiet;
	struct made m;
	int lock, rc;

	*cfgpath = NULL;
	if (!registry_name_ok(o->name, d) || check_sets(o, d) != 0)
		return -1;
	if ((lock = registry_lock(confdir, d)) < 0)
		return -1;
	/* A name in use: said before anything is made. */
	diag_init(&quiet);
	(void)registry_load(&reg, confdir, &quiet);
	diag_clear(&quiet);
	rc = vm_resolve(&reg, o->name, &ref, &quiet);
	diag_clear(&quiet);
	registry_free(&reg);
	if (rc == RESOLVE_OK) {
		diag_error(d, "a VM named '%s' exists already (%s)", o->name,
		    ref.cfgpath);
		vm_ref_free(&ref);
		lock_release(lock);
		return -1;
	}
	memset(&m, 0, sizeof(m));
	sv_init(&m.files);
	sv_init(&m.listed);
	rc = o->from != NULL ?
	    create_from_vm(confdir, rd, o, &m, cfgpath, d) :
	    create_from_image(confdir, mc, o, &m, cfgpath, d);
	if (rc == 0)
		rc = registry_add(confdir, o->name, *cfgpath, d);
	if (rc != 0) {
		made_undo(&m);
		free(*cfgpath);
		*cfgpath = NULL;
	}
	made_free(&m);
	lock_release(lock);
	return rc;
}

/* remove --purge: what the list names, then the folder create made. */
static int
purge(const struct vm_config *vm, const struct made_list *l,
    const struct rundir *rd, struct diag *d)
{
	static const enum run_file left[] = {
		RUN_CONSOLE_LOG, RUN_CONSOLE_LOG_OLD, RUN_USERNET_LOG,
		RUN_CONSOLE_LOCK, RUN_LOCK
	};
	char *path;
	size_t i;
	int rc = 0;

	for (i = 0; i < l->files.n; i++) {
		path = path_join(vm->dir, l->files.v[i]);
		if (unlink(path) != 0 && errno != ENOENT) {
			diag_error(d, "cannot remove %s: %s", path,
			    strerror(errno));
			rc = -1;
		}
		free(path);
	}
	if (l->folder != NULL && strcmp(l->folder, vm->dir) == 0 &&
	    rmdir(vm->dir) != 0 && errno != ENOENT) {
		diag_warn(d, "kept %s: %s (create made only what it listed)",
		    vm->dir, errno == ENOTEMPTY || errno == EEXIST ?
		    "it holds other files" : strerror(errno));
	}
	for (i = 0; rd->fd >= 0 && i < sizeof(left) / sizeof(left[0]); i++)
		rundir_unlink(rd, vm->name, left[i]);
	return rc;
}

int
create_remove(const char *confdir, const struct rundir *rd, const char *name,
    int purge_files, struct diag *d)
{
	struct made_list list;
	struct vm_config vm;
	struct vm_state st;
	struct vm_ref ref;
	int vlock = -1, lock = -1, rc = -1, run;

	memset(&vm, 0, sizeof(vm));
	memset(&list, 0, sizeof(list));
	sv_init(&list.files);
	if (vm_lookup(confdir, name, &ref, d) != RESOLVE_OK)
		goto out0;
	if (ref.shortname == NULL) {
		diag_error(d, "%s is not registered: nothing to remove", name);
		goto out1;
	}
	/* No start of it meanwhile. */
	if (rd->fd >= 0 && lock_take(rd, ref.name, RUN_LOCK, 10000, &vlock,
	    d) != LOCK_TAKEN) {
		if (d->errors == 0)
			diag_error(d, "another qemu-init is acting on '%s'",
			    ref.name);
		goto out1;
	}
	run = rd->fd >= 0 ? vm_probe(rd, ref.name, &st) : VM_STOPPED;
	if (rd->fd >= 0)
		state_free(&st);
	if (run == VM_RUNNING) {
		diag_error(d, "'%s' is running: stop it first (qemu-init stop "
		    "%s)", ref.shortname, ref.shortname);
		goto out1;
	}
	if (purge_files) {
		vm.name = xstrdup(ref.name);
		vm.dir = path_dirname(ref.cfgpath);
		if (!path_folders_trusted(ref.cfgpath, d) ||
		    (rc = made_list_read(vm.dir, vm.name, &list, d)) != 0) {
			if (rc == 1)
				diag_error(d, "--purge: '%s' was not made by "
				    "create (no %s/%s%s): nothing removed",
				    ref.shortname, vm.dir, vm.name,
				    CREATE_LIST);
			rc = -1;
			goto out1;
		}
	}
	if ((lock = registry_lock(confdir, d)) < 0)
		goto out1;
	rc = registry_remove(confdir, ref.shortname, d);
	if (rc == 1) {
		diag_error(d, "'%s' is not in the registry", ref.shortname);
		rc = -1;
	}
	if (rc == 0 && purge_files)
		rc = purge(&vm, &list, rd, d);
	lock_release(lock);
out1:
	lock_release(vlock);
	vm_ref_free(&ref);
out0:
	free(vm.name);
	free(vm.dir);
	made_list_free(&list);
	return rc;
}
