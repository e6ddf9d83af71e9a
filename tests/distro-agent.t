#!/bin/bash
# distro-agent.t - the Debian 12 guest of tests/guest/debian.sh with its
# guest agent, on a throwaway disk (SNAPSHOT=yes): start -w returns when
# the agent answers, a guest that ignores the power button is still shut
# down cleanly through the agent, and the image is left byte for byte as
# it was.  And a guest that powers itself off ends its QEMU, whose run
# leaves nothing behind.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/distro.sh"
monitor_conf

test_expect_success 'setup: a Debian VM with an agent, on a throwaway disk, that ignores the power button' <<'T'
	deb_vm agent "AGENT=yes
SNAPSHOT=yes" "qinit.powerkey=ignore" &&
	before=$(sha256sum < "$T/vms/agent/disk.qcow2")
T
t0=$SECONDS
test_expect_success 'start -w returns when the guest agent answers' '
	run_guest agent qemu-init start -w 3600 agent &&
	test_rc 0 && test_out_has "agent: up"
'
# agent_answers NAME: NAME's guest agent, asked through its socket in
# RUNDIR, answers guest-sync with the id it was given (waiting at most
# 300 s: a bound on a hang).  Not systemd's "Started" line in the console
# log: on a loaded machine systemd may drop its status lines.
agent_answers() {
	perl -MIO::Socket::UNIX -e '
		my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "$ARGV[0]: $!\n";
		$s->autoflush(1);
		print $s qq({"execute": "guest-sync", "arguments": {"id": 4242}}\n);
		$SIG{ALRM} = sub { die "no answer\n" };
		alarm 300;
		while (my $l = <$s>) {
			print $l;
			exit 0 if $l =~ /"return": *4242\b/;
		}
		exit 1;' "$QEMU_INIT_RUNDIR/$1@agent"
}
test_expect_success '...and by then the guest is up: its agent answers' 'agent_answers agent'
test_expect_success 'a guest that ignores the power button is stopped through its agent' '
	run_guest agent qemu-init stop -t 3600 agent &&
	test_rc 0 && test_out "agent: stopped (by its guest agent)"
'
test_expect_success "...cleanly: systemd's own shutdown" 'shut_down_cleanly agent'
test_expect_success 'SNAPSHOT=yes left the image byte for byte as it was' '
	test_eq "$before" "$(sha256sum < "$T/vms/agent/disk.qcow2")"
'
diag "agent run: $((SECONDS - t0)) s from start to stopped"

# --- a guest that powers itself off --------------------------------------
guest_vm tiny obey
test_expect_success 'start the busybox guest; it gets ready' '
	run qemu-init start tiny && test_rc 0 && test_out_has "tiny: started" &&
	wait_ready tiny
'
test_expect_success 'a guest that powers itself off ends its QEMU' <<'T'
	pid=$(state_pid tiny) &&
	printf 'poweroff -f\n' > "$T/typed" &&
	run qemu-init console tiny < "$T/typed" &&
	wait_off tiny "$pid"
T
test_expect_success 'status then says stopped' '
	run qemu-init status tiny && test_rc 3 && test_out "tiny: stopped"
'
test_expect_success '...and has removed what the run left (state, pid file, sockets)' '
	test_eq "" "$(left_of tiny)"
'

test_expect_success 'no QEMU is left' 'test -z "$(our_qemus)"'
test_done
