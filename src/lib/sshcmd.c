/*
 * sshcmd.c - qemu-init ssh: addresses, known hosts, ssh's command line.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "fileread.h"
#include "filewrite.h"
#include "nocloud.h"
#include "proc.h"
#include "sock.h"
#include "sshcmd.h"
#include "usernet.h"

static void
add_target(struct ssh_target **v, size_t *n, const char *host, unsigned port,
    char *how)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[*n].host = xstrdup(host);
	(*v)[*n].port = port;
	(*v)[(*n)++].how = how;
}

/* The forward of fwd ("2222:22 8080:80") to the guest's port 22, or 0. */
static unsigned
forward_to_22(const char *fwd)
{
	struct vm_forward *f;
	const char *why;
	unsigned port = 0;
	size_t i, n;

	if (fwd == NULL || vmconf_forwards(fwd, &f, &n, &why) != 0)
		return 0;
	for (i = 0; i < n && port == 0; i++)
		if (f[i].guest == 22)
			port = f[i].host;
	free(f);
	return port;
}

/* The IPv4 neighbours of bridge with MAC mac, from ip neigh. */
static void
neighbours(const char *bridge, const char *mac, struct ssh_target **v,
    size_t *n)
{
	const char *ip = proc_find_ip(), *p, *nl;
	char *argv[] = { (char *)ip, "-4", "neigh", "show", "dev",
	    (char *)bridge, NULL };
	char *lower = xstrdup(mac), *line, *sp;
	struct strbuf out;
	int status;
	size_t i;

	for (i = 0; lower[i] != '\0'; i++)
		lower[i] = (char)tolower((unsigned char)lower[i]);
	sb_init(&out);
	if (ip != NULL && proc_run(argv, NULL, &out, NULL, &status, NULL) ==
	    0 && status == 0 && out.s != NULL)
		for (p = out.s; *p != '\0'; p = nl + (*nl != '\0')) {
			nl = p + strcspn(p, "\n");
			line = xstrndup(p, (size_t)(nl - p));
			sp = strstr(line, " lladdr ");
			if (sp != NULL && strncmp(sp + 8, lower,
			    strlen(lower)) == 0 && strstr(line, "FAILED") ==
			    NULL) {
				line[strcspn(line, " ")] = '\0';
				add_target(v, n, line, 22, xasprintf(
				    "neighbour of %s", bridge));
			}
			free(line);
		}
	sb_free(&out);
	free(lower);
}

/* What the guest's agent says the NIC with MAC mac has. */
static void
agent_targets(const struct rundir *rd, const char *name, const char *mac,
    struct ssh_target **v, size_t *n)
{
	struct strvec ips;
	struct diag quiet;
	size_t i;

	sv_init(&ips);
	diag_init(&quiet);
	if (agent_addresses(rd, name, mac, now_ms() + SSHCMD_AGENT_MS, &ips,
	    &quiet) == 0)
		for (i = 0; i < ips.n; i++)
			add_target(v, n, ips.v[i], 22, xstrdup("guest agent"));
	diag_clear(&quiet);
	sv_free(&ips);
}

void
ssh_targets(const struct vm_config *vm, const struct vm_state *st,
    const struct rundir *rd, struct ssh_target **v, size_t *n)
{
	unsigned port;
	size_t i;

	*v = NULL;
	*n = 0;
	for (i = 0; i < st->nnics; i++)
		if (st->nics[i].user &&
		    (port = forward_to_22(st->nics[i].fwd)) != 0)
			add_target(v, n, USERNET_LOOPBACK, port,
			    xasprintf("FWD%zu", i + 1));
	for (i = 0; vm != NULL && i < vm->nnics; i++)
		if (vm->nics[i].addr != NULL)
			add_target(v, n, vm->nics[i].addr, 22,
			    xasprintf("ADDR%zu", i + 1));
	for (i = 0; rd != NULL && st->agent && vm != NULL && i < st->nnics;
	    i++)
		if (!st->nics[i].user && st->nics[i].mac != NULL)
			agent_targets(rd, vm->name, st->nics[i].mac, v, n);
	for (i = 0; st->bridge != NULL && i < st->nnics; i++)
		if (!st->nics[i].user && st->nics[i].mac != NULL)
			neighbours(st->bridge, st->nics[i].mac, v, n);
}

void
ssh_targets_free(struct ssh_target *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].host);
		free(v[i].how);
	}
	free(v);
}

size_t
ssh_keys_from_console(const char *text, size_t len, const char *alias,
    struct strbuf *out)
{
	const char *p = text, *end = text + len, *nl, *why;
	struct strbuf block;
	size_t n = 0, keys = 0, k;
	int in = 0;
	char *line;

	sb_init(&block);
	for (; p < end; p = nl + (nl < end)) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		k = (size_t)(nl - p);
		while (k > 0 && (p[k - 1] == '\r' || p[k - 1] == ' '))
			k--;
		line = xstrndup(p, k);
		if (strstr(line, SSHCMD_BEGIN) != NULL) {
			in = 1;
			sb_reset(&block);
			n = 0;
		} else if (in && strstr(line, SSHCMD_END) != NULL) {
			in = 0;
			keys = n;
			sb_reset(out);
			if (block.len > 0)
				sb_add(out, block.s, block.len);
		} else if (in && nocloud_public_keys(line, strlen(line),
		    &why)) {
			/* "TYPE BASE64 root@host": the first two words. */
			line[strcspn(line, " ")] = ' ';
			k = strcspn(line, " ");
			k += 1 + strcspn(line + k + 1, " ");
			sb_addf(&block, "%s %.*s\n", alias, (int)k, line);
			n++;
		}
		free(line);
	}
	sb_free(&block);
	return keys;
}

int
ssh_known_hosts_fill(const struct vm_config *vm, const struct rundir *rd,
    const char *known_hosts, struct diag *d)
{
	struct strbuf log, lines;
	struct stat st;
	char *alias, *path;
	size_t n;
	int rc = 0;

	if (lstat(known_hosts, &st) == 0 || rd->fd < 0)
		return 0;
	sb_init(&log);
	sb_init(&lines);
	path = rundir_path(rd, vm->name, RUN_CONSOLE_LOG);
	alias = xasprintf("qemu-init-%s", vm->name);
	/* Read within its bound, from RUNDIR only (rundir.h). */
	{
		char buf[65536];
		ssize_t r;
		int fd = rundir_openat(rd, vm->name, RUN_CONSOLE_LOG,
		    O_RDONLY, 0);

		while (fd >= 0 && log.len < SSHCMD_LOG_MAX &&
		    (r = read(fd, buf, sizeof(buf))) > 0)
			sb_add(&log, buf, (size_t)r);
		if (fd >= 0)
			(void)close(fd);
	}
	n = log.len > 0 ? ssh_keys_from_console(log.s, log.len, alias,
	    &lines) : 0;
	if (n > 0) {
		rc = file_write_atomic(known_hosts, lines.s, lines.len, 0644,
		    (uid_t)-1, (gid_t)-1, d) == 0 ? 1 : -1;
	}
	free(alias);
	free(path);
	sb_free(&log);
	sb_free(&lines);
	return rc;
}

void
ssh_argv(const struct vm_config *vm, const struct ssh_target *t,
    const char *known_hosts, int strict, char **cmd, int ncmd,
    struct strvec *av)
{
	int i;

	sv_push(av, SSHCMD_PROGRAM);
	if (vm->ssh_key != NULL) {
		sv_push(av, "-i");
		sv_push(av, vm->ssh_key);
		sv_push(av, "-o");
		sv_push(av, "IdentitiesOnly=yes");
	}
	sv_push(av, "-o");
	sv_pushf(av, "UserKnownHostsFile=%s", known_hosts);
	sv_push(av, "-o");
	sv_push(av, "GlobalKnownHostsFile=/dev/null");
	sv_push(av, "-o");
	sv_pushf(av, "HostKeyAlias=qemu-init-%s", vm->name);
	sv_push(av, "-o");
	sv_pushf(av, "StrictHostKeyChecking=%s", strict ? "yes" :
	    "accept-new");
	sv_push(av, "-o");
	sv_push(av, "CheckHostIP=no");
	sv_push(av, "-p");
	sv_pushf(av, "%u", t->port);
	if (vm->ssh_user != NULL) {
		sv_push(av, "-l");
		sv_push(av, vm->ssh_user);
	}
	sv_push(av, t->host);
	if (ncmd > 0)
		sv_push(av, "--");
	for (i = 0; i < ncmd; i++)
		sv_push(av, cmd[i]);
}
