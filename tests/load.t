#!/bin/bash
# load.t - many at once: 10 VMs started by 10 parallel qemu-init
# processes come up on 10 distinct slots; 10 parallel starts of one VM
# give exactly one QEMU; stop -a stops them all, in parallel.  Its range
# has 40 slots: another make check may run this file beside it.
. "$(dirname "$0")/lib.sh"
test_require GUEST
monitor_conf "$PORTBASE" 40

for i in 0 1 2 3 4 5 6 7 8 9; do
	guest_vm "l$i" obey
done
guest_vm same obey

test_expect_success '10 parallel starts of 10 VMs all succeed' <<'T'
	for i in 0 1 2 3 4 5 6 7 8 9; do
		qemu-init start "l$i" > "$T/start-l$i.out" 2>&1 &
	done
	wait
	cat "$T"/start-l*.out > "$T/all.out"
	cat "$T/all.out"
	test "$(grep -c ': started, pid' "$T/all.out")" -eq 10
T
test_expect_success '...on 10 distinct monitor ports' '
	test "$(sed -n "s/.*monitor \([0-9]*\),.*/\1/p" "$T/all.out" |
	    sort -u | wc -l)" -eq 10
'
test_expect_success '...with 10 QEMUs' 'test "$(our_qemus | wc -l)" -eq 10'

test_expect_success '10 parallel starts of one VM all exit 0' <<'T'
	for i in 0 1 2 3 4 5 6 7 8 9; do
		qemu-init start same > "$T/same-$i.out" 2>&1 &
	done
	wait
	cat "$T"/same-*.out > "$T/same.out"
	cat "$T/same.out"
	test "$(grep -c '^same: ' "$T/same.out")" -eq 10
T
test_expect_success '...one of them starts it, the others find it running' <<'T'
	test "$(grep -c '^same: started' "$T/same.out")" -eq 1 &&
	test "$(grep -c '^same: already running' "$T/same.out")" -eq 9
T
test_expect_success '...and there is exactly one QEMU for it' <<'T'
	test "$(for p in $(our_qemus); do
		tr '\0' '\n' < "/proc/$p/cmdline" | grep -x same; done | wc -l)" -eq 1
T

# Each guest up before the stop: a guest still booting may not hear the
# button yet, and how long 11 guests take to boot is the machine's load.
test_expect_success 'all 11 guests come up' <<'T'
	for v in l0 l1 l2 l3 l4 l5 l6 l7 l8 l9 same; do
		wait_ready "$v" || return 1
	done
T
test_expect_success 'stop -a stops all 11, each saying stopped' <<'T'
	run qemu-init stop -a -t 600 &&
	test_rc 0 &&
	test "$(printf '%s\n' "$out" | grep -c ': stopped$')" -eq 11
T
test_expect_success '...no QEMU is left' 'test -z "$(our_qemus)"'
test_expect_success '...and list shows all stopped' '
	run qemu-init list &&
	test "$(printf "%s\n" "$out" | grep -c " stopped ")" -eq 11
'

test_done
