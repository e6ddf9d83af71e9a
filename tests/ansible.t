#!/bin/bash
# ansible.t - the qemu_init_vm module and the playbook of contrib/ansible
# run by Debian's ansible against the private sshd of tests/sshd.sh:
# start one named VM (changed), again (not changed), stop it (changed),
# check mode (nothing happens), diff, the inventory's per-host list
# honoured, a VM not named untouched, no VM touched without a name or
# all=true, absent taking a VM out of the registry.
. "$(dirname "$0")/lib.sh"
need_guest
monitor_conf 34000 20
SSHD_PORT_FROM=34200
. "$TOP/tests/sshd.sh"

command -v ansible-playbook >/dev/null ||
    { echo "Bail out! ansible missing: run make deps"; exit 1; }

ansible_cleanup() {
	stop_sshd
	cleanup
}
trap ansible_cleanup EXIT

check "a private sshd listens on 127.0.0.1:$PORT" start_sshd ||
    diag "$(cat "$S/sshd.log" 2>/dev/null)"

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

run qemu-init start other
check "other runs, started by hand: nobody names it to Ansible" \
    test "$rc" -eq 0 && wait_ready other

run ansible-playbook "$PLAY"
check "the playbook without a state only reports: nothing changed" \
    test "$rc" -eq 0 -a "$(changed_of h1)" = 0 -a "$(changed_of h2)" = 0 ||
    show_run
check "...its report says what runs" contains "$out" '"other: running"'

run ansible-playbook "$PLAY" -e qemu_init_state=started
check "started: h1's web starts (changed)" \
    test "$rc" -eq 0 -a "$(changed_of h1)" = 1 -a "$(state web)" = running ||
    show_run
check "...h2, whose list is empty, and h3, with none, change nothing" \
    test "$(changed_of h2)" = 0 -a "$(changed_of h3)" = 0
wait_ready web
run ansible-playbook "$PLAY" -e qemu_init_state=started
check "started again: not changed" \
    test "$rc" -eq 0 -a "$(changed_of h1)" = 0 || show_run

pid=$(state_pid web)
run ansible-playbook "$PLAY" -e qemu_init_state=stopped --check --diff
check "stopped in check mode: changed is said..." \
    test "$rc" -eq 0 -a "$(changed_of h1)" = 1 || show_run
check "...with the diff, running to stopped" \
    contains "$out" '-    "state": "running"' && contains "$out" '+    "state": "stopped"' ||
    show_run
check "...and nothing happens: web still runs, the same QEMU" \
    test "$(state web)" = running -a "$(state_pid web)" = "$pid"

run ansible-playbook "$PLAY" -e qemu_init_state=stopped
check "stopped: web stops (changed)" \
    test "$rc" -eq 0 -a "$(changed_of h1)" = 1 && gone "$pid" || show_run
check "...the inventory's per-host lists honoured: other, named by none, still runs" \
    test "$(state other)" = running
run ansible-playbook "$PLAY" -e qemu_init_state=stopped
check "stopped again: not changed" test "$rc" -eq 0 -a "$(changed_of h1)" = 0

# The module on its own, as a task would use it.
mod() { run ansible h1 -m qemu_init_vm -a "$1" "${@:2}"; }
mod 'state=stopped'
check "the module with no name and no all=true fails, touching nothing" \
    test "$rc" -ne 0 && contains "$out" "give all=true" &&
    test "$(state other)" = running || show_run
mod 'name=web'
check "name=web: started (state's default), changed, its info returned" \
    test "$rc" -eq 0 && contains "$out" '"changed": true' &&
    contains "$out" '"shortname": "web"' || show_run
wait_ready web
mod 'name=nosuchvm state=started'
check "an unknown VM fails the task" test "$rc" -ne 0 &&
    contains "$out" "qemu-init knows no VM 'nosuchvm'" || show_run
mod 'all=true state=stopped' --check
check "all=true state=stopped in check mode: changed, nothing stopped" \
    test "$rc" -eq 0 && contains "$out" '"changed": true' &&
    test "$(state web)" = running -a "$(state other)" = running || show_run
mod 'all=true state=stopped'
check "all=true state=stopped: every running VM stops" \
    test "$rc" -eq 0 -a "$(state web)" = stopped -a "$(state other)" = stopped ||
    show_run

mod 'name=spare state=absent' --check
check "absent in check mode: changed, the registry untouched" \
    test "$rc" -eq 0 && contains "$out" '"changed": true' &&
    grep -q '^spare ' "$QEMU_INIT_CONFDIR/qemu-init.reg" || show_run
mod 'name=spare state=absent'
check "absent: its line taken out of the registry, the others kept" \
    test "$rc" -eq 0 && ! grep -q '^spare ' "$QEMU_INIT_CONFDIR/qemu-init.reg" &&
    grep -q '^web ' "$QEMU_INIT_CONFDIR/qemu-init.reg" || show_run
mod 'name=spare state=absent'
check "absent again: not changed" test "$rc" -eq 0 &&
    contains "$out" '"changed": false' || show_run
check "no QEMU is left" test -z "$(our_qemus)"

done_testing
