/*
 * sshcmd.h - qemu-init ssh (qemu-init(8)): where a VM's guest answers
 * ssh, and the system's ssh(1) run there with an argument vector, as the
 * VM's SSH_USER with its SSH_KEY (given with -i: ssh reads keys from
 * the passwd home, not $HOME), against a known-hosts file of the VM's
 * own, <dir>/<name>-known_hosts, never the admin's.  That file is
 * filled from the host keys cloud-init prints on the serial console
 * (RUNDIR/<name>@console.log) when it has none yet, so that the first
 * connection needs no prompt and is not blind; without them, the first
 * key ssh meets is kept there (trust on first use).
 */
#ifndef QI_SSHCMD_H
#define QI_SSHCMD_H

#include "buf.h"
#include "diag.h"
#include "rundir.h"
#include "state.h"
#include "vmconf.h"

#define SSHCMD_PROGRAM	"ssh"
#define SSHCMD_BEGIN	"-----BEGIN SSH HOST KEY KEYS-----"
#define SSHCMD_END	"-----END SSH HOST KEY KEYS-----"
#define SSHCMD_LOG_MAX	(8 * 1024 * 1024)	/* console log read, at most */
#define SSHCMD_AGENT_MS	3000	/* the guest agent's answer, waited for */

/* Where a guest answers ssh. */
struct ssh_target {
	char		*host;		/* "127.0.0.1", "198.18.0.10" */
	unsigned	 port;
	char		*how;		/* "FWD1", "ADDR1", "neighbour of br0" */
};

/*
 * The addresses known of a running VM (st: as its state records it;
 * vm: its config, for ADDRx), best first: a forward of a NETx=user
 * NIC to the guest's port 22, an ADDRx, then, with AGENT=yes and rd,
 * the IPv4 addresses the guest agent gives each bridged NIC's MAC
 * (agent_addresses: at most SSHCMD_AGENT_MS), then the bridge's
 * neighbour table (ip neigh) for that MAC.  Appended to *v (*n of
 * them; ssh_targets_free).
 */
void	ssh_targets(const struct vm_config *vm, const struct vm_state *st,
	    const struct rundir *rd, struct ssh_target **v, size_t *n);
void	ssh_targets_free(struct ssh_target *v, size_t n);

/*
 * The known-hosts lines (HostKeyAlias alias) of the last host key block
 * in len bytes of console log text: each "TYPE BASE64" line between
 * SSHCMD_BEGIN and SSHCMD_END, checked as a public key.  Appended to
 * out; how many.
 */
size_t	ssh_keys_from_console(const char *text, size_t len, const char *alias,
	    struct strbuf *out);

/*
 * Fills the VM's known-hosts file from its console log when the file
 * does not exist yet: 1 filled, 0 nothing to fill it with (or it
 * exists), -1 with why in d.
 */
int	ssh_known_hosts_fill(const struct vm_config *, const struct rundir *,
	    const char *known_hosts, struct diag *d);

/*
 * ssh's argument vector for the VM at t, running command (ncmd words;
 * none: a login shell), appended to av.  strict: the known-hosts file
 * holds the guest's keys (StrictHostKeyChecking=yes), else accept-new.
 */
void	ssh_argv(const struct vm_config *, const struct ssh_target *t,
	    const char *known_hosts, int strict, char **cmd, int ncmd,
	    struct strvec *av);

#endif
