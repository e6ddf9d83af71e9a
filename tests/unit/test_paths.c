/* test_paths.c - CONFDIR, RUNDIR, the QEMU_INIT_* settings, path arithmetic */
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "unit.h"

/* Sets (value non-NULL) or unsets name; returns the old value (caller frees). */
static char *
env_swap(const char *name, const char *value)
{
	const char *old = getenv(name);
	char *saved = old != NULL ? strdup(old) : NULL;

	if (value != NULL)
		CHECK(setenv(name, value, 1) == 0);
	else
		CHECK(unsetenv(name) == 0);
	return saved;
}

static void
env_restore(const char *name, char *saved)
{
	if (saved != NULL)
		(void)setenv(name, saved, 1);
	else
		(void)unsetenv(name);
	free(saved);
}

TEST(paths_confdir_and_rundir_from_the_environment)
{
	char *c = env_swap("QEMU_INIT_CONFDIR", "/tmp/my conf");
	char *r = env_swap("QEMU_INIT_RUNDIR", "/tmp/my run");

	CHECK_STR(path_confdir(), "/tmp/my conf");
	CHECK_STR(path_rundir(), "/tmp/my run");
	/* Empty is unset: the built-in folders (qemu-init(8) ENVIRONMENT). */
	free(env_swap("QEMU_INIT_CONFDIR", ""));
	free(env_swap("QEMU_INIT_RUNDIR", ""));
	CHECK_STR(path_confdir(), QI_CONFDIR);
	CHECK_STR(path_rundir(), QI_RUNDIR);
	free(env_swap("QEMU_INIT_CONFDIR", NULL));
	free(env_swap("QEMU_INIT_RUNDIR", NULL));
	CHECK_STR(path_confdir(), QI_CONFDIR);
	CHECK_STR(path_rundir(), QI_RUNDIR);
	env_restore("QEMU_INIT_CONFDIR", c);
	env_restore("QEMU_INIT_RUNDIR", r);
}

TEST(paths_other_hosts_settings_empty_is_unset)
{
	const char *names[] = { "QEMU_INIT_HOST", "QEMU_INIT_SSH",
	    "QEMU_INIT_HOST_TIMEOUT" };
	const char *(*get[])(void) = { path_env_host, path_env_ssh,
	    path_env_host_timeout };
	char *saved;
	size_t i;

	for (i = 0; i < 3; i++) {
		saved = env_swap(names[i], "vm1 ssh -F x 30");
		CHECK_STR(get[i](), "vm1 ssh -F x 30");
		free(env_swap(names[i], ""));
		CHECK(get[i]() == NULL);
		free(env_swap(names[i], NULL));
		CHECK(get[i]() == NULL);
		env_restore(names[i], saved);
	}
	/* Each reads its own variable only. */
	saved = env_swap("QEMU_INIT_HOST", "vm1");
	free(env_swap("QEMU_INIT_SSH", NULL));
	CHECK_STR(path_env_host(), "vm1");
	CHECK(path_env_ssh() == NULL);
	env_restore("QEMU_INIT_HOST", saved);
}

TEST(paths_join_adds_one_slash)
{
	char *p;

	CHECK_STR(p = path_join("/etc/qemu", "qemu-init.reg"),
	    "/etc/qemu/qemu-init.reg");
	free(p);
	CHECK_STR(p = path_join("/etc/qemu/", "qemu-init.reg"),
	    "/etc/qemu/qemu-init.reg");
	free(p);
	CHECK_STR(p = path_join("/", "x"), "/x");
	free(p);
}

TEST(paths_dirname)
{
	const char *cases[][2] = {
		{ "/srv/vm/web-qemu.cfg", "/srv/vm" },
		{ "vm/web-qemu.cfg", "vm" },
		{ "web-qemu.cfg", "." },
		{ "/web-qemu.cfg", "/" },
		{ "/", "/" },
		{ "a/b/c", "a/b" },
	};
	char *p;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = path_dirname(cases[i][0]);
		CHECK_STR(p, cases[i][1]);
		free(p);
	}
}

TEST(paths_basename_points_into_its_argument)
{
	const char *p = "/usr/bin/qemu-system-x86_64";

	CHECK(path_basename(p) == p + 9);
	CHECK_STR(path_basename(p), "qemu-system-x86_64");
	CHECK_STR(path_basename("qemu-brup"), "qemu-brup");
	CHECK_STR(path_basename("/sbin/qemu-brdown"), "qemu-brdown");
	CHECK_STR(path_basename("dir/"), "");
}

TEST(paths_resolve_against_the_config_folder)
{
	char *p;

	/* An absolute path is taken as it is. */
	CHECK_STR(p = path_resolve("/srv/vm", "/images/web.img"),
	    "/images/web.img");
	free(p);
	/* A relative one is the config's folder's (qemu-init.cfg(5)). */
	CHECK_STR(p = path_resolve("/srv/vm", "web.img"), "/srv/vm/web.img");
	free(p);
	CHECK_STR(p = path_resolve("/srv/vm", "./web.img"), "/srv/vm/web.img");
	free(p);
	CHECK_STR(p = path_resolve("/srv/vm/", "././img/web.img"),
	    "/srv/vm/img/web.img");
	free(p);
	CHECK_STR(p = path_resolve("/srv/vm", "../web.img"),
	    "/srv/vm/../web.img");
	free(p);
	CHECK_STR(p = path_resolve(".", "web.img"), "./web.img");
	free(p);
}
