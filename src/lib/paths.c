/*
 * paths.c - CONFDIR, RUNDIR and path arithmetic.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "paths.h"

#ifndef QI_CONFDIR
#define QI_CONFDIR "/etc/qemu"
#endif
#ifndef QI_RUNDIR
#define QI_RUNDIR "/run/qemu-init"
#endif

/* The variable's value, NULL when it is unset or empty. */
static const char *
env_set(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

static const char *
env_or(const char *name, const char *fallback)
{
	const char *v = env_set(name);

	return v != NULL ? v : fallback;
}

const char *
path_confdir(void)
{
	return env_or("QEMU_INIT_CONFDIR", QI_CONFDIR);
}

const char *
path_rundir(void)
{
	return env_or("QEMU_INIT_RUNDIR", QI_RUNDIR);
}

int
path_builtin_dirs(void)
{
	return env_set("QEMU_INIT_CONFDIR") == NULL &&
	    env_set("QEMU_INIT_RUNDIR") == NULL;
}

const char *
path_env_host(void)
{
	return env_or("QEMU_INIT_HOST", NULL);
}

const char *
path_env_ssh(void)
{
	return env_or("QEMU_INIT_SSH", NULL);
}

const char *
path_env_host_timeout(void)
{
	return env_or("QEMU_INIT_HOST_TIMEOUT", NULL);
}

char *
path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if (n > 0 && dir[n - 1] == '/')
		return xasprintf("%s%s", dir, name);
	return xasprintf("%s/%s", dir, name);
}

char *
path_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

const char *
path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

char *
path_resolve(const char *base, const char *path)
{
	if (path[0] == '/')
		return xstrdup(path);
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	return path_join(base, path);
}
