#!/bin/bash
# security.t - what is exposed to whom: monitors and VNC on loopback
# only, private sockets and logs, a run directory others cannot write,
# configs others could have written refused as root (StrictModes), and
# MONITOR=unix, which puts both monitors on 0600 sockets in RUNDIR.
. "$(dirname "$0")/lib.sh"
test_require ROOT,GUEST
monitor_conf
guest_vm web obey "VNC=yes"
cfg=$T/vms/web/web-qemu.cfg
reg=$QEMU_INIT_CONFDIR/qemu-init.reg
R=$QEMU_INIT_RUNDIR

# listening_of PID: every TCP socket PID listens on, as "address:port".
listening_of() {
	ss -Hltnp | grep "pid=$1," | awk '{ print $4 }'
}

test_expect_success 'start web (TCP monitors, VNC)' '
	run qemu-init start web && test_rc 0 && test_out_has "web: started"
'
pid=$(state_pid web)
mon=$(state_of web MONPORT)
ctl=$(state_of web CTLPORT)
slot=$(state_of web SLOT)
test_expect_success 'QEMU listens on MONPORT, CTLPORT and the VNC port, and only on loopback addresses' <<'T'
	socks=$(listening_of "$pid") &&
	echo "$socks" &&
	test "$(printf '%s\n' "$socks" | grep -Ec ":($mon|$ctl|$((5900 + slot)))\$")" -ge 3 &&
	test -z "$(printf '%s\n' "$socks" | grep -Ev '^(127\.0\.0\.1|\[::1\]):')"
T
test_expect_success 'the run directory is not writable by group or others' '
	test "$(( $(stat -c "0%a" "$R") & 022 ))" -eq 0
'
test_expect_success "the state file is root's and not writable by others" '
	test_eq "root 644" "$(stat -c "%U %a" "$R/web@state")"
'
test_expect_success 'the serial socket and the console log are 0600' '
	test_eq 600 "$(stat -c %a "$R/web@serial" "$R/web@console.log" | sort -u)"
'
test_expect_success 'stop web' '
	run_guest web qemu-init stop -f -t 3600 web && test_rc 0 && test_out "web: stopped"
'

# --- StrictModes ----------------------------------------------------------
strict() {	# strict DESCRIPTION FILE CHANGE UNDO
	strict_file=$2 strict_change=$3 strict_undo=$4
	test_expect_success "$1: check and start refuse it, nothing started" <<'T'
		eval "$strict_change" &&
		run qemu-init check web &&
		test_rc 1 && test_err_has "$strict_file: " &&
		run qemu-init start web &&
		test_rc 1 && test_err_has "$strict_file: " &&
		test -z "$(our_qemus)"
T
	eval "$strict_undo"
}
strict "a VM config writable by its group" "$cfg" \
    "chmod g+w '$cfg'" "chmod g-w '$cfg'"
test_expect_success '...the message says what to do' '
	test_err "qemu-init: $cfg: writable by group or others: refused while running as root (chmod go-w $cfg)"
'
strict "a VM config writable by others" "$cfg" \
    "chmod o+w '$cfg'" "chmod o-w '$cfg'"
strict "a VM config owned by another user" "$cfg" \
    "chown nobody '$cfg'" "chown root '$cfg'"
test_expect_success '...named by its uid' '
	test_err_has "owned by uid $(id -u nobody), not root"
'
strict "a registry writable by others" "$reg" \
    "chmod o+w '$reg'" "chmod o-w '$reg'"
strict "a monitor.conf writable by its group" \
    "$QEMU_INIT_CONFDIR/monitor.conf" \
    "chmod g+w '$QEMU_INIT_CONFDIR/monitor.conf'" \
    "chmod g-w '$QEMU_INIT_CONFDIR/monitor.conf'"
test_expect_success 'with the modes mended, check passes again' '
	run qemu-init check web && test_rc 0 && test_out "1 VM checked: no problems"
'

# --- a run directory others can write ---------------------------------------
test_expect_success 'a run directory writable by others is refused, nothing started' '
	chmod o+w "$R" &&
	run qemu-init start web &&
	chmod o-w "$R" &&
	test_rc 1 &&
	test_err "qemu-init: run directory $R is writable by its group or others: chmod 0755 $R" &&
	test -z "$(our_qemus)"
'

# --- MONITOR=unix ---------------------------------------------------------------
monitor_conf "$PORTBASE" 20 MONITOR=unix
test_expect_success 'show puts the QMP monitor on RUNDIR/web@qmp, and no monitor on TCP' <<'T'
	run qemu-init show web &&
	test_out_has "socket,id=qmp,fd=<$R/web@qmp>,server=on" &&
	test -z "$(printf '%s\n' "$out" | grep 'host=127')"
T
test_expect_success 'start with MONITOR=unix says where the monitors are' '
	run qemu-init start web && test_rc 0 &&
	test_out_has "monitor $R/web@hmp, control $R/web@qmp"
'
pid=$(state_pid web)
slot=$(state_of web SLOT)
test_expect_success 'both monitor sockets are 0600' '
	test_eq 600 "$(stat -c %a "$R/web@hmp" "$R/web@qmp" | sort -u)"
'
test_expect_success "QEMU listens on no TCP port but VNC's" '
	listening_of "$pid" &&
	test "$(listening_of "$pid" | grep -vc ":$((5900 + slot))\$")" -eq 0
'
test_expect_success 'qemu-cmd works over the unix socket, and the identity check too' '
	run qemu-cmd -c "info status" web && test_rc 0 && test_out "VM status: running" &&
	run qemu-cmd -c "info name" web && test_rc 0 && test_out web
'
test_expect_success 'qemu-mon works over the unix socket' <<'T'
	printf 'info name\n' > "$T/in" &&
	run qemu-mon web < "$T/in" && test_rc 0 && test_out_has $'\nweb\r'
T
test_expect_success 'status shows the sockets' '
	run qemu-init status web && test_rc 0 && test_out_has "control $R/web@qmp"
'
test_expect_success "list shows 'unix' for the ports" <<'T'
	run qemu-init list &&
	test_eq "unix unix" "$(printf '%s\n' "$out" | awk '$1 == "web" { print $5, $6 }')"
T
test_expect_success 'stop works over the unix socket, and the sockets are gone' '
	run_guest web qemu-init stop -t 3600 web && test_rc 0 && test_out "web: stopped" &&
	test ! -e "$R/web@qmp" -a ! -e "$R/web@hmp"
'
test_expect_success 'MONITOR must be tcp or unix' <<'T'
	printf 'MONITOR=pipe\n' > "$QEMU_INIT_CONFDIR/monitor.conf" &&
	run qemu-init start web &&
	test_rc 1 &&
	test_err_has "monitor.conf:1: MONITOR 'pipe' is not tcp or unix"
T

test_done
