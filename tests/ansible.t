#!/bin/bash
# ansible.t - the qemu_init_vm module and the playbook of contrib/ansible
# run by Debian's ansible against the private sshd of tests/sshd.sh:
# start one named VM (changed), again (not changed), stop it (changed),
# check mode (nothing happens), diff, the inventory's per-host list
# honoured, a VM not named untouched, no VM touched without a name or
# all=true, absent taking a VM out of the registry.
. "$(dirname "$0")/lib.sh"
test_require GUEST,ANSIBLE
monitor_conf
. "$TOP/tests/sshd.sh"
at_cleanup stop_sshd

test_expect_success 'a private sshd listens on 127.0.0.1' '
	start_sshd || { cat "$S/sshd.log"; false; }
' || test_bail "no sshd"

guest_vm web obey
guest_vm other obey
guest_vm spare obey

# Ansible's own files in $T only: its config, home, temp and control
# folders; the hosts are two names for the sshd, whose lists differ.
A=$T/ansible
mkdir -p "$A/home" "$A/tmp" "$A/cp"
cat > "$A/hosts.ini" <<EOF
[vmhosts]
h1 qemu_init_vms='["web"]'
h2 qemu_init_vms='[]'
h3

[vmhosts:vars]
ansible_host=127.0.0.1
ansible_port=$PORT
ansible_user=$ME
ansible_become=false
ansible_python_interpreter=/usr/bin/python3
EOF
cat > "$A/ansible.cfg" <<EOF
[defaults]
inventory = $A/hosts.ini
library = $TOP/contrib/ansible/library
local_tmp = $A/tmp
remote_tmp = $A/tmp
retry_files_enabled = False
nocows = True
interpreter_python = /usr/bin/python3
[ssh_connection]
ssh_args = -F $S/ssh_config
control_path_dir = $A/cp
pipelining = True
EOF
export ANSIBLE_CONFIG=$A/ansible.cfg ANSIBLE_HOME=$A/home HOME=$A/home
export ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1
PLAY=$TOP/contrib/ansible/qemu-init.yml

# recap HOST: HOST's counts in the last run's PLAY RECAP ("ok=2 changed=1 ...").
recap() {
	printf '%s\n' "$out" | sed -n "s/^$1 *: //p" | tr -s ' '
}
changed_of() { recap "$1" | sed -n 's/.*changed=\([0-9]*\).*/\1/p'; }
# state VM: running or stopped, as list says.
state() { qemu-init status "$1" >/dev/null 2>&1 && echo running || echo stopped; }

test_expect_success 'other runs, started by hand: nobody names it to Ansible' '
	run qemu-init start other && test_rc 0 && wait_ready other
'

test_expect_success 'the playbook without a state only reports: nothing changed; its report says what runs' <<'T'
	run ansible-playbook "$PLAY" &&
	test_rc 0 && test_eq "0 0" "$(changed_of h1) $(changed_of h2)" &&
	test_out_has '"other: running"'
T

test_expect_success "started: h1's web starts (changed)" '
	run ansible-playbook "$PLAY" -e qemu_init_state=started &&
	test_rc 0 && test_eq 1 "$(changed_of h1)" && test_eq running "$(state web)"
'
test_expect_success '...h2, whose list is empty, and h3, with none, change nothing' '
	test_eq "0 0" "$(changed_of h2) $(changed_of h3)"
'
test_expect_success 'started again: not changed' '
	wait_ready web &&
	run ansible-playbook "$PLAY" -e qemu_init_state=started &&
	test_rc 0 && test_eq 0 "$(changed_of h1)"
'

pid=$(state_pid web)
test_expect_success 'stopped in check mode: changed is said, with the diff, running to stopped' <<'T'
	run ansible-playbook "$PLAY" -e qemu_init_state=stopped --check --diff &&
	test_rc 0 && test_eq 1 "$(changed_of h1)" &&
	test_out_has '-    "state": "running"' && test_out_has '+    "state": "stopped"'
T
test_expect_success '...and nothing happens: web still runs, the same QEMU' '
	test_eq "running $pid" "$(state web) $(state_pid web)"
'

test_expect_success 'stopped: web stops (changed)' '
	run ansible-playbook "$PLAY" -e qemu_init_state=stopped &&
	test_rc 0 && test_eq 1 "$(changed_of h1)" && gone "$pid"
'
test_expect_success "...the inventory's per-host lists honoured: other, named by none, still runs" '
	test_eq running "$(state other)"
'
test_expect_success 'stopped again: not changed' '
	run ansible-playbook "$PLAY" -e qemu_init_state=stopped &&
	test_rc 0 && test_eq 0 "$(changed_of h1)"
'

# The module on its own, as a task would use it.
mod() { run ansible h1 -m qemu_init_vm -a "$1" "${@:2}"; }
test_expect_success 'the module with no name and no all=true fails, touching nothing' '
	mod "state=stopped" &&
	test "$rc" -ne 0 && test_out_has "give all=true" && test_eq running "$(state other)"
'
test_expect_success "name=web: started (state's default), changed, its info returned" <<'T'
	mod 'name=web' &&
	test_rc 0 && test_out_has '"changed": true' && test_out_has '"shortname": "web"'
T
test_expect_success 'an unknown VM fails the task' <<'T'
	wait_ready web &&
	mod 'name=nosuchvm state=started' &&
	test "$rc" -ne 0 && test_out_has "qemu-init knows no VM 'nosuchvm'"
T
test_expect_success 'all=true state=stopped in check mode: changed, nothing stopped' <<'T'
	mod 'all=true state=stopped' --check &&
	test_rc 0 && test_out_has '"changed": true' &&
	test_eq "running running" "$(state web) $(state other)"
T
test_expect_success 'all=true state=stopped: every running VM stops' '
	mod "all=true state=stopped" &&
	test_rc 0 && test_eq "stopped stopped" "$(state web) $(state other)"
'

test_expect_success 'absent in check mode: changed, the registry untouched' <<'T'
	mod 'name=spare state=absent' --check &&
	test_rc 0 && test_out_has '"changed": true' &&
	test_grep '^spare ' "$QEMU_INIT_CONFDIR/qemu-init.reg"
T
test_expect_success 'absent: its line taken out of the registry, the others kept' <<'T'
	mod 'name=spare state=absent' &&
	test_rc 0 &&
	test_grep ! '^spare ' "$QEMU_INIT_CONFDIR/qemu-init.reg" &&
	test_grep '^web ' "$QEMU_INIT_CONFDIR/qemu-init.reg"
T
test_expect_success 'absent again: not changed' <<'T'
	mod 'name=spare state=absent' &&
	test_rc 0 && test_out_has '"changed": false'
T
test_expect_success 'no QEMU is left' 'test -z "$(our_qemus)"'

test_done
