/*
 * test_agent.c - the guest agent client against a fake qemu-ga in a
 * child process, on a socket bound in RUNDIR as start binds it: sync
 * past stale replies, ping, shutdown, freeze and thaw, the addresses of
 * a NIC, an agent that never answers, a VM without the channel.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "sock.h"
#include "unit.h"

/*
 * What a guest's agent says of its interfaces: the loopback, the NIC of
 * MAC 52:54:00:ab:34:56 with addresses good and bad, another NIC.
 */
#define INTERFACES "{\"return\": [" \
	"{\"name\": \"lo\", \"hardware-address\": \"00:00:00:00:00:00\", " \
	"\"ip-addresses\": [{\"ip-address-type\": \"ipv4\", " \
	"\"ip-address\": \"127.0.0.1\", \"prefix\": 8}]}, " \
	"{\"name\": \"eth0\", \"hardware-address\": \"52:54:00:ab:34:56\", " \
	"\"ip-addresses\": [" \
	"{\"ip-address-type\": \"ipv4\", \"ip-address\": \"198.18.0.10\"}, " \
	"{\"ip-address-type\": \"ipv6\", \"ip-address\": \"fe80::1\"}, " \
	"{\"ip-address-type\": \"ipv4\", \"ip-address\": \"127.0.0.2\"}, " \
	"{\"ip-address-type\": \"ipv4\", \"ip-address\": \"169.254.1.1\"}, " \
	"{\"ip-address-type\": \"ipv4\", \"ip-address\": \"224.0.0.1\"}, " \
	"{\"ip-address-type\": \"ipv4\", \"ip-address\": \"-o ProxyCommand=x\"}, " \
	"{\"ip-address-type\": \"ipv4\", \"ip-address\": \"198.18.0.11\"}]}, " \
	"{\"name\": \"eth1\", \"hardware-address\": \"52:54:00:ab:cd:ef\", " \
	"\"ip-addresses\": [{\"ip-address-type\": \"ipv4\", " \
	"\"ip-address\": \"198.19.0.1\"}]}]}\n"

static void
say(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		_exit(1);
}

/*
 * One client: first a reply left over from an earlier client and a
 * broken line, then answers by command; guest-shutdown is noted in
 * dir/shutdown.  silent: reads but never answers.
 */
static void __attribute__((noreturn))
serve(int l, const char *dir, int silent)
{
	char buf[4096], reply[256], *nl, *id, path[512];
	size_t len = 0;
	ssize_t n;
	int c, fd, frozen = 0;

next:
	if ((c = accept(l, NULL, NULL)) < 0)
		_exit(1);
	len = 0;
	if (!silent)
		say(c, "{\"return\": 7}\n{\"retu\n");
	for (;;) {
		while ((nl = memchr(buf, '\n', len)) == NULL) {
			if ((n = read(c, buf + len, sizeof(buf) - len - 1)) <= 0) {
				close(c);
				goto next;	/* a client each time */
			}
			len += (size_t)n;
		}
		*nl = '\0';
		if (silent)
			;
		else if ((id = strstr(buf, "\"id\":")) != NULL) {
			snprintf(reply, sizeof(reply), "{\"return\": %ld}\n",
			    strtol(id + 5, NULL, 10));
			say(c, reply);
		} else if (strstr(buf, "guest-ping"))
			say(c, "{\"return\": {}}\n");
		else if (strstr(buf, "guest-network-get-interfaces"))
			say(c, INTERFACES);
		else if (strstr(buf, "guest-fsfreeze-freeze") &&
		    frozen)
			say(c, "{\"error\": {\"class\": \"GenericError\", "
			    "\"desc\": \"Command guest-fsfreeze-freeze has "
			    "been disabled: the agent is in frozen state\"}}\n");
		else if (strstr(buf, "guest-fsfreeze-freeze")) {
			frozen = 1;
			say(c, "{\"return\": 2}\n");
		} else if (strstr(buf, "guest-fsfreeze-thaw")) {
			say(c, frozen ? "{\"return\": 2}\n" :
			    "{\"return\": 0}\n");
			frozen = 0;
		} else if (strstr(buf, "guest-fsfreeze-status"))
			say(c, frozen ? "{\"return\": \"frozen\"}\n" :
			    "{\"return\": \"thawed\"}\n");
		else if (strstr(buf, "guest-shutdown") &&
		    strstr(buf, "powerdown")) {
			snprintf(path, sizeof(path), "%s/shutdown", dir);
			if ((fd = open(path, O_WRONLY | O_CREAT, 0600)) >= 0)
				close(fd);
		}
		len -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, len);
	}
}

/* A RUNDIR under dir with web@agent listened on by a fake; its pid. */
static pid_t
fake(const char *dir, struct rundir *rd, int silent)
{
	struct diag d;
	char sub[512];
	pid_t pid;
	int l;

	diag_init(&d);
	snprintf(sub, sizeof(sub), "%s/run", dir);
	CHECK(rundir_open(rd, sub, RUNDIR_CREATE, &d) == 0);
	l = rundir_bind(rd, "web", RUN_AGENT, &d);
	CHECK(l >= 0 && listen(l, 4) == 0);
	diag_clear(&d);
	if ((pid = fork()) == 0)
		serve(l, dir, silent);
	close(l);
	return pid;
}

static void
reap(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

TEST(agent_ping_and_shutdown_past_stale_replies)
{
	const char *dir = unit_tmpdir();
	struct rundir rd;
	struct diag d;
	pid_t pid;

	diag_init(&d);
	pid = fake(dir, &rd, 0);
	CHECK(agent_ping(&rd, "web", now_ms() + 5000, NULL, NULL, &d) == 0);
	CHECK(d.n == 0);
	reap(pid);
	rundir_close(&rd);
	pid = fake(dir, &rd, 0);
	CHECK(agent_shutdown(&rd, "web", now_ms() + 5000, &d) == 0);
	/* The fake notes it once it has read the request. */
	for (int i = 0; i < 100 && unit_reads(dir, "shutdown") == NULL; i++)
		usleep(20000);
	CHECK(unit_reads(dir, "shutdown") != NULL);
	reap(pid);
	rundir_close(&rd);
	diag_clear(&d);
}

static void
count_tick(void *arg)
{
	++*(int *)arg;
}

TEST(agent_silent_times_out_at_the_deadline)
{
	const char *dir = unit_tmpdir();
	struct rundir rd;
	struct diag d;
	long long t0;
	pid_t pid;
	int ticks;

	diag_init(&d);
	pid = fake(dir, &rd, 1);
	t0 = now_ms();
	CHECK(agent_ping(&rd, "web", t0 + 300, NULL, NULL, &d) == -1);
	CHECK(now_ms() - t0 < 2000);
	CHECK(strstr(diag_first_error(&d), "qemu-ga") != NULL);
	reap(pid);
	diag_clear(&d);
	/* A tick meanwhile (start -w's live line), the same one deadline. */
	rundir_close(&rd);
	pid = fake(dir, &rd, 1);
	ticks = 0;
	t0 = now_ms();
	CHECK(agent_ping(&rd, "web", t0 + 2000, count_tick, &ticks, &d) == -1);
	CHECK(ticks >= 1);
	CHECK(strstr(diag_first_error(&d), "qemu-ga") != NULL);
	reap(pid);
	diag_clear(&d);
	/* No one listens any more: at once, and said so. */
	t0 = now_ms();
	CHECK(agent_ping(&rd, "web", t0 + 5000, NULL, NULL, &d) == -1);
	CHECK(now_ms() - t0 < 1000);
	CHECK(strstr(diag_first_error(&d), "no guest agent channel") != NULL);
	rundir_close(&rd);
	diag_clear(&d);
}

TEST(agent_addresses_of_one_nic_and_only_usable_ones)
{
	const char *dir = unit_tmpdir();
	struct strvec ips;
	struct rundir rd;
	struct diag d;
	pid_t pid;

	diag_init(&d);
	sv_init(&ips);
	pid = fake(dir, &rd, 0);
	/* The MAC in capitals, as the state records it. */
	CHECK(agent_addresses(&rd, "web", "52:54:00:AB:34:56", now_ms() + 5000,
	    &ips, &d) == 0);
	CHECK(d.n == 0);
	CHECK(ips.n == 2);
	CHECK(ips.n == 2 && strcmp(ips.v[0], "198.18.0.10") == 0 &&
	    strcmp(ips.v[1], "198.18.0.11") == 0);
	reap(pid);
	rundir_close(&rd);
	sv_free(&ips);
	/* A silent agent: -1 by the deadline, nothing added. */
	sv_init(&ips);
	pid = fake(dir, &rd, 1);
	CHECK(agent_addresses(&rd, "web", "52:54:00:12:34:56", now_ms() + 300,
	    &ips, &d) == -1);
	CHECK(ips.n == 0);
	reap(pid);
	rundir_close(&rd);
	sv_free(&ips);
	diag_clear(&d);
}

TEST(agent_freezes_and_thaws)
{
	const char *dir = unit_tmpdir();
	struct rundir rd;
	struct diag d;
	pid_t pid;

	diag_init(&d);
	pid = fake(dir, &rd, 0);
	CHECK(agent_fsfreeze_status(&rd, "web", now_ms() + 5000, &d) == 0);
	CHECK(agent_fsfreeze(&rd, "web", 1, now_ms() + 5000, &d) == 2);
	CHECK(agent_fsfreeze_status(&rd, "web", now_ms() + 5000, &d) == 1);
	CHECK(d.n == 0);
	/* The guest's own refusal, in its words. */
	CHECK(agent_fsfreeze(&rd, "web", 1, now_ms() + 5000, &d) == -1);
	CHECK(strstr(diag_first_error(&d), "the guest agent of 'web': "
	    "Command guest-fsfreeze-freeze has been disabled") != NULL);
	diag_clear(&d);
	CHECK(agent_fsfreeze(&rd, "web", 0, now_ms() + 5000, &d) == 2);
	CHECK(agent_fsfreeze_status(&rd, "web", now_ms() + 5000, &d) == 0);
	CHECK(d.n == 0);
	reap(pid);
	rundir_close(&rd);
	diag_clear(&d);
}

TEST(agent_guard_thaws_when_its_parent_is_gone)
{
	const char *dir = unit_tmpdir();
	struct agent_guard g;
	struct rundir rd;
	struct diag d;
	int status;
	pid_t pid;

	diag_init(&d);
	pid = fake(dir, &rd, 0);
	CHECK(agent_thaw_guard(&rd, "web", &g) == 0);
	CHECK(agent_fsfreeze(&rd, "web", 1, now_ms() + 5000, &d) == 2);
	/* As if we were killed: the guard's pipe closes unsaid. */
	close(g.fd);
	CHECK(waitpid(g.pid, &status, 0) == g.pid);
	CHECK(agent_fsfreeze_status(&rd, "web", now_ms() + 5000, &d) == 0);
	/* Told it thawed, a guard does nothing. */
	CHECK(agent_fsfreeze(&rd, "web", 1, now_ms() + 5000, &d) == 2);
	CHECK(agent_thaw_guard(&rd, "web", &g) == 0);
	agent_thaw_guard_end(&g);
	CHECK(g.fd == -1);
	CHECK(agent_fsfreeze_status(&rd, "web", now_ms() + 5000, &d) == 1);
	CHECK(d.n == 0);
	reap(pid);
	rundir_close(&rd);
	diag_clear(&d);
}
