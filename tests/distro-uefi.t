#!/bin/bash
# distro-uefi.t - the Debian 12 guest of tests/guest/debian.sh with UEFI
# (OVMF): a whole life (boot, login, systemd's verdict, a clean stop, a
# clean file system) with a variable store of the VM's own, made beside
# its config and written by the firmware; then start -w, which returns
# when the login prompt (READY) is in the console log, and a second
# boot that keeps the store.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/distro.sh"
monitor_conf

vars=$T/vms/uefi/uefi-qemu.vars
test_expect_success 'setup: a Debian VM with FIRMWARE=uefi, and the template of its store' <<'T'
	deb_vm uefi "FIRMWARE=uefi" &&
	run qemu-init show uefi &&
	# The template of that firmware, as its descriptor names it.
	code=$(printf '%s\n' "$out" | sed -n 's/^fd=<\(\/usr\/share\/[^>]*\)>,set=.*/\1/p' | head -1) &&
	template=$(grep -l -F "\"$code\"" /usr/share/qemu/firmware/*.json |
	    head -1 | xargs sed -n '/nvram-template/,/filename/s/.*"filename": *"\(.*\)".*/\1/p') &&
	test -r "$template"
T

boot_login_stop uefi UEFI

test_expect_success "the UEFI VM's variable store was made beside its config, 0600" '
	test_eq 600 "$(stat -c %a "$vars" 2>/dev/null)"
'
test_expect_success "...and the firmware wrote into it (it is the VM's own, not the template)" '
	! cmp -s "$vars" "$template"
'
inode=$(stat -c %i "$vars")
sum=$(sha256sum < "$vars")
test_expect_success 'start -w without an agent returns when READY (login:) is in the console log' '
	run_guest uefi qemu-init start -w 3600 uefi &&
	test_rc 0 && test_out_has "uefi: up" &&
	test_grep "login: " "$(console_log uefi)"
'
test_expect_success '...the second start kept the variable store (same file)' '
	test_eq "$inode" "$(stat -c %i "$vars")"
'
test_expect_success '...which stops cleanly again' '
	run_guest uefi qemu-init stop -t 3600 uefi &&
	test_rc 0 && test_out "uefi: stopped"
'
test_expect_success '...and what the firmware stored the first time is still there' '
	! cmp -s "$vars" "$template"
'
diag "variable store changed by the second boot: $(
    [ "$(sha256sum < "$vars")" = "$sum" ] && echo no || echo yes)"

test_expect_success 'no QEMU is left' 'test -z "$(our_qemus)"'
test_done
