#!/bin/bash
# runswith.t - what a VM runs with is shown: list's WITH column, and the
# members runas, snapshot, agent, firmware and kernel of list, status
# and info -o json, for a running VM (what it was started with) and a
# stopped one (what its config says, its description included).
. "$(dirname "$0")/lib.sh"
need_guest
need_root "runswith.t starts QEMU as root"
monitor_conf

guest_vm plain obey
guest_vm throwaway obey "SNAPSHOT=yes
AGENT=yes
RUNAS=root"
# JSON member of the VM of a document: jm FILE VM KEY.
jm() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
vms = d["vms"] if "vms" in d else [d]
v = [x for x in vms if x.get("shortname") == sys.argv[2]][0]
x = v[sys.argv[3]]
print("null" if x is None else str(x).lower() if isinstance(x, bool) else x)
' "$@"
}
# with VM: the WITH column of VM in list's table.
with() {
	qemu-init list | awk -v vm="$1" '
	    NR == 1 { for (i = 1; i <= NF; i++) if ($i == "WITH") c = i }
	    $1 == vm { print $c }'
}

run qemu-init list
expect_out "list has a WITH column" 0 "WITH"
check "a stopped VM's WITH: what its config says" \
    test "$(with throwaway)" = "snapshot,agent,kernel,as=root" ||
    diag "$(qemu-init list)"
check "...and - for nothing beyond the usual but its kernel" \
    test "$(with plain)" = "kernel"
run qemu-init status -o json plain throwaway
printf '%s\n' "$out" > "$T/s.json"
check "status -o json of a stopped VM has its config's description" \
    test "$(jm "$T/s.json" plain description)" = "test guest (obey)"
check "...and what it would run with" test \
    "$(jm "$T/s.json" throwaway snapshot) $(jm "$T/s.json" throwaway agent) $(jm "$T/s.json" throwaway runas) $(jm "$T/s.json" throwaway firmware)" = \
    "true true root bios"
check "...the host's QEMU user is null: the config does not say" \
    test "$(jm "$T/s.json" plain runas)" = null

run qemu-init start plain throwaway
expect_out "both start" 0 "throwaway: started"
run qemu-init info -o json plain
printf '%s\n' "$out" > "$T/i.json"
check "info of a running VM: QEMU's user and its uid" test \
    "$(jm "$T/i.json" plain runas) $(jm "$T/i.json" plain uid)" = \
    "qemu-init $(state_of plain UID)"
check "...no snapshot, no agent, BIOS, its kernel" test \
    "$(jm "$T/i.json" plain snapshot) $(jm "$T/i.json" plain agent) $(jm "$T/i.json" plain firmware) $(jm "$T/i.json" plain kernel)" = \
    "false false bios $GUEST/vmlinuz"
run qemu-init info throwaway
expect_out "info in text: runas root" 0 "runas:         root"
check "...snapshot yes" contains "$out" "snapshot:      yes"
check "a running VM's WITH is what it was started with" \
    test "$(with throwaway)" = "snapshot,agent,kernel,as=root"
# Its config changed meanwhile: the running VM still says its start's.
sed -i '/^SNAPSHOT=/d' "$T/vms/throwaway/throwaway-qemu.cfg"
check "...not what its config says now" \
    test "$(with throwaway)" = "snapshot,agent,kernel,as=root"
run qemu-init kill plain throwaway
check "...and once stopped, what its config says" \
    test "$(with throwaway)" = "agent,kernel,as=root"

done_testing
