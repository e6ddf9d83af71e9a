/*
 * paths.h - where the suite keeps its files (qemu-init(8) FILES): CONFDIR
 * and RUNDIR, each overridable from the environment, and the other hosts
 * it may act on (QEMU_INIT_HOST, QEMU_INIT_SSH, QEMU_INIT_HOST_TIMEOUT):
 * the one module that reads QEMU_INIT_* from the environment.  And path
 * arithmetic.
 */
#ifndef QI_PATHS_H
#define QI_PATHS_H

/* QEMU_INIT_CONFDIR, else the build-time default (/etc/qemu). */
const char *path_confdir(void);
/* QEMU_INIT_RUNDIR, else the build-time default (/run/qemu-init). */
const char *path_rundir(void);
/*
 * Whether both are the built-in ones (neither QEMU_INIT_CONFDIR nor
 * QEMU_INIT_RUNDIR set): those of the systemd units.
 */
int	path_builtin_dirs(void);
/* QEMU_INIT_HOST (the host to act on, as -H), or NULL when unset. */
const char *path_env_host(void);
/* QEMU_INIT_SSH (the ssh command to use), or NULL when unset. */
const char *path_env_ssh(void);
/* QEMU_INIT_HOST_TIMEOUT (seconds for each host), or NULL when unset. */
const char *path_env_host_timeout(void);
/* "dir/name"; caller frees. */
char	*path_join(const char *dir, const char *name);
/* The folder part of a path ("." when there is none); caller frees. */
char	*path_dirname(const char *);
/* The last component of a path (points into the argument). */
const char *path_basename(const char *);
/* path as is when absolute, else base/path; caller frees. */
char	*path_resolve(const char *base, const char *path);

#endif
