#!/bin/bash
# valgrind.t - the unit tests, and qemu-init show, check, status, list
# and info on good and bad configs, are clean under valgrind's memcheck:
# no invalid access, no use of uninitialised memory, no leak.
. "$(dirname "$0")/lib.sh"
test_require VALGRIND,UNIT
monitor_conf
VG="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99"

test_expect_success 'the unit tests are clean under valgrind' <<'T'
	run $VG "$TOP/build/unit" &&
	test_rc 0 || {
		printf '%s\n' "$out" | grep -v '^ok' | tail -5
		printf '%s\n' "$err" | head -20
		return 1
	}
T

test_expect_success 'setup: a full config and a bad one, registered' <<'T'
	mkdir -p "$T/vms/web" "$T/vms/bad" &&
	truncate -s 1M "$T/vms/web/disk.img" &&
	cat > "$T/vms/web/web-qemu.cfg" <<'CFG' &&
OS=linux
DESC="web server"
KVM=no
RAM=256M
DSK1=disk.img
NIC1=virtio-net-pci
MAC1=52:54:00:12:34:56
NIC2=e1000
CUSTOM1="-device virtio-rng-pci"
CFG
	printf 'RAM=$(echo 1G)\nDKS1=x\n' > "$T/vms/bad/bad-qemu.cfg" &&
	printf 'web %s\nbad %s\n' "$T/vms/web/web-qemu.cfg" \
	    "$T/vms/bad/bad-qemu.cfg" > "$QEMU_INIT_CONFDIR/qemu-init.reg" &&
	tap_scripts
T

# The good VM's NICs need br0 and the tap links to pass check: br0 is in
# a network namespace of the step's own (unshare: gone when it ends; /sys
# mounted anew, as `ip netns exec` does, so that sysfs shows it).
with_br0() {
	unshare -rnm sh -c 'mount -t sysfs sysfs /sys &&
	    ip link add br0 type bridge && exec "$@"' sh "$@"
}

vg() {	# vg DESCRIPTION EXPECTED-RC ARGS... (run by $WRAP when set)
	local desc=$1 want=$2
	shift 2
	vg_args=("$@")
	test_expect_success "$desc" '
		run ${WRAP:-} $VG "$BIN/qemu-init" "${vg_args[@]}" && test_rc '"$want"'
	'
}
vg "show of a full config is clean" 0 show web
WRAP=with_br0 vg "check of a good VM is clean" 0 check web
vg "check of a bad VM is clean (exit 1)" 1 check bad
vg "check of the whole registry is clean (exit 1)" 1 check
vg "show of a bad VM is clean (exit 1)" 1 show bad
vg "status of every VM is clean" 0 status
vg "list is clean" 0 list
vg "list -o json is clean" 0 list -o json
vg "status -o json is clean" 0 status -o json
vg "info is clean" 0 info web
vg "...and so is info -o json" 0 info -o json web
vg "info of a bad VM is clean (exit 1)" 1 info bad
vg "show -s is clean" 0 show -s web
vg "start of a bad VM is clean (exit 1)" 1 start bad

test_done
