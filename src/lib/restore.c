/*
 * restore.c - a VM from a backup.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backupdir.h"
#include "buf.h"
#include "cfg.h"
#include "fileread.h"
#include "image.h"
#include "lifecycle.h"
#include "paths.h"
#include "qemuimg.h"
#include "registry.h"
#include "restore.h"
#include "rundir.h"

/* One restore under way. */
struct job {
	const char		*confdir;
	const struct rundir	*rd;
	struct backup_dir	 bd;
	const struct backup_manifest *m;
	char			*name;		/* the VM restored */
	int			 known;		/* it is registered */
	int			 copy;		/* under another name */
	char			*cfgpath;	/* where its config goes */
	char			**disks;	/* where each disk goes */
	int			 lock;
	int			 force;
};

/* The folder and backup that from names: 0, or -1 with why in d. */
static int
open_backup(struct job *j, const char *from, struct diag *d)
{
	const char *base = path_basename(from);
	size_t n = strlen(base), ml = strlen(BACKUP_MANIFEST);
	unsigned long seq = 0;
	char *dir;
	int rc;

	if (n > ml && strcmp(base + n - ml, BACKUP_MANIFEST) == 0 &&
	    strspn(base, "0123456789") == n - ml) {
		seq = strtoul(base, NULL, 10);
		dir = path_dirname(from);
	} else
		dir = xstrdup(from);
	rc = backupdir_open(&j->bd, dir, 0, NULL, d);
	free(dir);
	if (rc != 0)
		return -1;
	j->m = seq != 0 ? backupdir_find(&j->bd, (unsigned)seq) :
	    backupdir_last(&j->bd);
	if (j->m == NULL) {
		diag_error(d, seq != 0 ? "%s has no complete backup %lu" :
		    "%s has no complete backup", j->bd.path, seq);
		return -1;
	}
	return backupdir_chain_ok(&j->bd, j->m, d);
}

/* Where the VM's files go; whether it is registered. */
static int
destinations(struct job *j, const char *name, struct diag *d)
{
	struct vm_ref ref;
	char *dir;
	size_t i;

	j->name = xstrdup(name != NULL ? name : j->m->vm);
	j->disks = xcalloc(j->m->ndisks + 1, sizeof(*j->disks));
	if (strchr(j->name, '/') == NULL &&
	    vm_lookup(j->confdir, j->name, &ref, NULL) == RESOLVE_OK) {
		j->known = 1;
		if (strcmp(ref.name, j->m->vm) != 0) {
			diag_error(d, "'%s' is another VM than the backup's "
			    "('%s'): restore it under a new name", j->name,
			    j->m->vm);
			vm_ref_free(&ref);
			return -1;
		}
		free(j->name);
		j->name = xstrdup(ref.name);
		j->cfgpath = xstrdup(ref.cfgpath);
		vm_ref_free(&ref);
	} else if (strcmp(j->name, j->m->vm) == 0)
		j->cfgpath = xstrdup(j->m->cfgpath);
	else {
		j->copy = 1;
		dir = path_dirname(j->m->cfgpath);
		j->cfgpath = xasprintf("%s/%s" CFG_SUFFIX, dir, j->name);
		for (i = 0; i < j->m->ndisks; i++)
			j->disks[i] = xasprintf("%s/%s-disk%zu.%s", dir,
			    j->name, i + 1, j->m->disks[i].format);
		free(dir);
	}
	for (i = 0; !j->copy && i < j->m->ndisks; i++)
		j->disks[i] = xstrdup(j->m->disks[i].path);
	return j->known ? 0 : registry_check_new(j->confdir, j->name,
	    j->cfgpath, d);
}

/* Whether path exists (not followed). */
static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Nothing is replaced but with force, and never a running VM. */
static int
may_write(struct job *j, struct diag *d)
{
	struct vm_state st;
	size_t i;
	int found;

	found = vm_hold(j->rd, j->name, &st, &j->lock, d);
	state_free(&st);
	if (found != 0) {
		if (found == 1)
			diag_error(d, "'%s' is running: stop it first",
			    j->name);
		return -1;
	}
	if (j->force)
		return 0;
	if (j->known) {
		diag_error(d, "'%s' exists: restore -f replaces its config "
		    "and disks with backup %u's", j->name, j->m->seq);
		return -1;
	}
	for (i = 0; i < j->m->ndisks; i++)
		if (exists(j->disks[i])) {
			diag_error(d, "%s exists: restore -f replaces it",
			    j->disks[i]);
			return -1;
		}
	if (exists(j->cfgpath)) {
		diag_error(d, "%s exists: restore -f replaces it", j->cfgpath);
		return -1;
	}
	return 0;
}

/*
 * Whether each image of disk i's chain, from backup m down to a full
 * one, is a qcow2 image whose header names only the image below it.
 */
static int
chain_as_made(struct job *j, size_t i, struct diag *d)
{
	const struct backup_manifest *m;
	struct image_info info;
	const char *why = NULL, *want;
	int fd, ok;

	for (m = j->m; m != NULL; m = m->base != 0 ?
	    backupdir_find(&j->bd, m->base) : NULL) {
		want = m->base != 0 ? backupdir_find(&j->bd,
		    m->base)->disks[i].file : NULL;
		fd = openat(j->bd.fd, m->disks[i].file, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC);
		ok = fd >= 0 && image_inspect(fd, &info, &why) == 0 &&
		    info.qcow2 && info.data_file == NULL && (want == NULL ?
		    info.backing == NULL : info.backing != NULL &&
		    strcmp(info.backing, want) == 0);
		if (fd >= 0) {
			image_info_free(&info);
			(void)close(fd);
		}
		if (!ok) {
			diag_error(d, "%s/%s is not the image qemu-init wrote "
			    "(%s): refused", j->bd.path, m->disks[i].file,
			    why != NULL ? why : "another header");
			return -1;
		}
	}
	return 0;
}

/* The folders on the way to path, made where missing (0755). */
static int
make_folders(const char *path, struct diag *d)
{
	char *dir = path_dirname(path);
	int rc = 0;

	if (!exists(dir)) {
		rc = make_folders(dir, d);
		if (rc == 0 && mkdir(dir, 0755) != 0 && errno != EEXIST) {
			diag_error(d, "cannot make folder %s: %s", dir,
			    strerror(errno));
			rc = -1;
		}
	}
	free(dir);
	return rc;
}

/* path + ".partial", made anew (mode): its name, or NULL. */
static char *
fresh_partial(const char *path, int mode, struct diag *d)
{
	char *tmp = xasprintf("%s" BACKUP_PARTIAL, path);
	int fd;

	if (make_folders(path, d) != 0 || !path_folders_trusted(path, d)) {
		free(tmp);
		return NULL;
	}
	(void)unlink(tmp);	/* a killed restore's: the VM's lock is ours */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd < 0 || fchmod(fd, (mode_t)mode) != 0) {
		diag_error(d, "cannot make %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			(void)close(fd);
		free(tmp);
		return NULL;
	}
	(void)close(fd);
	return tmp;
}

/* Disk i, whole, into its partial file. */
static int
restore_disk(struct job *j, size_t i, struct diag *d)
{
	const struct backup_disk *disk = &j->m->disks[i];
	char *tmp, *src;
	int rc;

	if ((tmp = fresh_partial(j->disks[i], 0600, d)) == NULL)
		return -1;
	src = backupdir_path(&j->bd, disk->file);
	rc = qimg_convert(src, "qcow2", tmp, disk->format, 0, NULL, d);
	free(src);
	free(tmp);
	return rc;
}

/* The backup's config; for a copy, its disks set to the copy's. */
static int
config_text(struct job *j, struct strbuf *text, struct diag *d)
{
	struct cfg cfg;
	char *path;
	size_t i;
	int rc;

	path = backupdir_path(&j->bd, j->m->config);
	rc = config_read(path, text, 0, d);
	if (rc == 0 && j->copy && cfg_parse(&cfg, path, text->s, text->len,
	    d) == 0) {
		if (cfg_get(&cfg, "MAC1") != NULL)
			diag_note(d, "'%s' has the MAC addresses of '%s' "
			    "(MAC1, ...): change them before both run",
			    j->name, j->m->vm);
		cfg_free(&cfg);
		sb_addf(text, "\n# Restored as %s from backup %u of '%s' "
		    "(qemu-init restore)\n", j->name, j->m->seq, j->m->vm);
		for (i = 0; i < j->m->ndisks; i++) {
			sb_addf(text, "DSK%zu=", i + 1);
			sb_add_shell_word(text, j->disks[i], 1);
			sb_addc(text, '\n');
		}
	} else if (rc == 0 && j->copy)
		rc = -1;
	free(path);
	return rc;
}

/* The config, into its partial file. */
static int
write_config(struct job *j, struct diag *d)
{
	struct strbuf text;
	char *tmp;
	FILE *fp;
	int rc = -1;

	sb_init(&text);
	if (config_text(j, &text, d) == 0 &&
	    (tmp = fresh_partial(j->cfgpath, 0644, d)) != NULL) {
		if ((fp = fopen(tmp, "w")) != NULL &&
		    fwrite(text.s, 1, text.len, fp) == text.len &&
		    fflush(fp) == 0 && fsync(fileno(fp)) == 0)
			rc = 0;
		if ((fp == NULL || fclose(fp) != 0) || rc != 0) {
			diag_error(d, "cannot write %s: %s", tmp,
			    strerror(errno));
			rc = -1;
		}
		free(tmp);
	}
	sb_free(&text);
	return rc;
}

/* path + ".partial" renamed to path (0), or removed (failed). */
static int
settle(const char *path, int failed, struct diag *d)
{
	char *tmp = xasprintf("%s" BACKUP_PARTIAL, path);
	int rc = 0;

	if (failed)
		(void)unlink(tmp);
	else if (rename(tmp, path) != 0) {
		diag_error(d, "cannot rename %s: %s", tmp, strerror(errno));
		(void)unlink(tmp);
		rc = -1;
	}
	free(tmp);
	return rc;
}

/* The files, written and put in place; the VM registered. */
static int
write_files(struct job *j, struct restore_done *done, struct diag *d)
{
	size_t i;
	int lock, rc = 0;

	for (i = 0; rc == 0 && i < j->m->ndisks; i++)
		rc = chain_as_made(j, i, d);
	for (i = 0; rc == 0 && i < j->m->ndisks; i++)
		rc = restore_disk(j, i, d);
	if (rc == 0)
		rc = write_config(j, d);
	for (i = 0; i < j->m->ndisks; i++)
		if (settle(j->disks[i], rc != 0, d) != 0)
			rc = -1;
	if (settle(j->cfgpath, rc != 0, d) != 0)
		rc = -1;
	if (rc == 0 && !j->known) {
		/* The registry's lock, as create and remove take it. */
		if ((lock = registry_lock(j->confdir, d)) < 0)
			rc = -1;
		else {
			rc = registry_add(j->confdir, j->name, j->cfgpath, d);
			lock_release(lock);
		}
		done->registered = rc == 0;
	}
	return rc;
}

int
restore_vm(const char *confdir, const struct rundir *rd, const char *from,
    const char *name, int force, struct restore_done *done, struct diag *d)
{
	struct job j;
	size_t i;
	int rc = -1;

	memset(done, 0, sizeof(*done));
	memset(&j, 0, sizeof(j));
	j.confdir = confdir;
	j.rd = rd;
	j.force = force;
	j.lock = -1;
	if (open_backup(&j, from, d) == 0 && destinations(&j, name, d) == 0 &&
	    may_write(&j, d) == 0 && write_files(&j, done, d) == 0) {
		done->name = xstrdup(j.name);
		done->cfgpath = xstrdup(j.cfgpath);
		done->seq = j.m->seq;
		done->replaced = j.known;
		rc = 0;
	}
	lock_release(j.lock);
	for (i = 0; j.disks != NULL && j.m != NULL && i < j.m->ndisks; i++)
		free(j.disks[i]);
	free(j.disks);
	free(j.name);
	free(j.cfgpath);
	backupdir_close(&j.bd);
	return rc;
}

void
restore_done_free(struct restore_done *done)
{
	free(done->name);
	free(done->cfgpath);
	memset(done, 0, sizeof(*done));
}
