#!/bin/bash
# load.t - many at once: 10 VMs started by 10 parallel qemu-init
# processes come up on 10 distinct slots; 10 parallel starts of one VM
# give exactly one QEMU; stop -a stops them all, in parallel.
. "$(dirname "$0")/lib.sh"
need_guest
monitor_conf 32600 20

for i in 0 1 2 3 4 5 6 7 8 9; do
	guest_vm "l$i" obey
done
guest_vm same obey

for i in 0 1 2 3 4 5 6 7 8 9; do
	qemu-init start "l$i" > "$T/start-l$i.out" 2>&1 &
done
wait
cat "$T"/start-l*.out > "$T/all.out"
check "10 parallel starts of 10 VMs all succeed" \
    test "$(grep -c ': started, pid' "$T/all.out")" -eq 10 ||
    diag "$(cat "$T/all.out")"
check "...on 10 distinct monitor ports" test "$(sed -n \
    's/.*monitor \([0-9]*\),.*/\1/p' "$T/all.out" | sort -u | wc -l)" -eq 10
check "...with 10 QEMUs" test "$(our_qemus | wc -l)" -eq 10

for i in 0 1 2 3 4 5 6 7 8 9; do
	qemu-init start same > "$T/same-$i.out" 2>&1 &
done
wait
cat "$T"/same-*.out > "$T/same.out"
check "10 parallel starts of one VM all exit 0 ..." \
    test "$(grep -c '^same: ' "$T/same.out")" -eq 10 ||
    diag "$(cat "$T/same.out")"
check "...one of them starts it" \
    test "$(grep -c '^same: started' "$T/same.out")" -eq 1
check "...the others find it running" \
    test "$(grep -c '^same: already running' "$T/same.out")" -eq 9
check "...and there is exactly one QEMU for it" test "$(for p in $(our_qemus); do
	tr '\0' '\n' < "/proc/$p/cmdline" | grep -x same; done | wc -l)" -eq 1

run qemu-init stop -a
expect_out "stop -a stops all 11" 0 "same: stopped"
check "...every one of them says stopped" \
    test "$(printf '%s\n' "$out" | grep -c ': stopped$')" -eq 11 ||
    diag "$out" "$err"
check "...no QEMU is left" test -z "$(our_qemus)"
run qemu-init list
check "...and list shows all stopped" \
    test "$(printf '%s\n' "$out" | grep -c ' stopped ')" -eq 11

done_testing
