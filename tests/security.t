#!/bin/bash
# security.t - what is exposed to whom: monitors and VNC on loopback
# only, private sockets and logs, a run directory others cannot write,
# configs others could have written refused as root (StrictModes), and
# MONITOR=unix, which puts both monitors on 0600 sockets in RUNDIR.
. "$(dirname "$0")/lib.sh"
need_guest
if [ "$(id -u)" -ne 0 ]; then
	echo "Bail out! security.t checks root's StrictModes: run it as root"
	exit 1
fi
monitor_conf 32200 20
guest_vm web obey "VNC=yes"
cfg=$T/vms/web/web-qemu.cfg
reg=$QEMU_INIT_CONFDIR/qemu-init.reg

run qemu-init start web
expect_out "start web (TCP monitors, VNC)" 0 "web: started"
pid=$(state_pid web)
mon=$(sed -n 's/^MONPORT=//p' "$QEMU_INIT_RUNDIR/web@state")
ctl=$(sed -n 's/^CTLPORT=//p' "$QEMU_INIT_RUNDIR/web@state")
slot=$(sed -n 's/^SLOT=//p' "$QEMU_INIT_RUNDIR/web@state")
# Every TCP socket QEMU listens on, as "address:port".
listening() {
	ss -Hltnp | grep "pid=$1," | awk '{ print $4 }'
}
socks=$(listening "$pid")
check "QEMU listens on MONPORT, CTLPORT and the VNC port" \
    test "$(printf '%s\n' "$socks" | grep -Ec ":($mon|$ctl|$((5900 + slot)))\$")" -ge 3 ||
    diag "$socks"
check "...and only on loopback addresses" \
    test -z "$(printf '%s\n' "$socks" | grep -Ev '^(127\.0\.0\.1|\[::1\]):')" ||
    diag "$socks"
check "the run directory is not writable by group or others" \
    test "$(( $(stat -c '0%a' "$QEMU_INIT_RUNDIR") & 022 ))" -eq 0
check "the state file is root's and not writable by others" \
    test "$(stat -c '%U %a' "$QEMU_INIT_RUNDIR/web@state")" = "root 644"
check "the serial socket and the console log are 0600" \
    test "$(stat -c %a "$QEMU_INIT_RUNDIR/web@serial" \
        "$QEMU_INIT_RUNDIR/web@console.log" | sort -u)" = 600
run qemu-init stop -f -t 30 web
expect_out "stop web" 0 "web: stopped"

# --- StrictModes ----------------------------------------------------------
strict() {	# strict DESCRIPTION FILE CHANGE UNDO
	eval "$3"
	run qemu-init check web
	expect "$1: check refuses it" 1 "$2: "
	run qemu-init start web
	expect "$1: start refuses it" 1 "$2: "
	check "$1: ...nothing started" test -z "$(our_qemus)"
	eval "$4"
}
strict "a VM config writable by its group" "$cfg" \
    "chmod g+w '$cfg'" "chmod g-w '$cfg'"
check "...the message says what to do" \
    contains "$err" "writable by group or others: refused while running as root (chmod go-w $cfg)"
strict "a VM config writable by others" "$cfg" \
    "chmod o+w '$cfg'" "chmod o-w '$cfg'"
strict "a VM config owned by another user" "$cfg" \
    "chown nobody '$cfg'" "chown root '$cfg'"
check "...named by its uid" contains "$err" "owned by uid $(id -u nobody), not root"
strict "a registry writable by others" "$reg" \
    "chmod o+w '$reg'" "chmod o-w '$reg'"
strict "a monitor.conf writable by its group" \
    "$QEMU_INIT_CONFDIR/monitor.conf" \
    "chmod g+w '$QEMU_INIT_CONFDIR/monitor.conf'" \
    "chmod g-w '$QEMU_INIT_CONFDIR/monitor.conf'"
run qemu-init check web
expect_out "with the modes mended, check passes again" 0 "no problems"

# --- a run directory others can write ---------------------------------------
chmod o+w "$QEMU_INIT_RUNDIR"
run qemu-init start web
expect "a run directory writable by others is refused" 1 \
    "run directory $QEMU_INIT_RUNDIR is writable by its group or others"
check "...nothing started" test -z "$(our_qemus)"
chmod o-w "$QEMU_INIT_RUNDIR"

# --- MONITOR=unix ---------------------------------------------------------------
printf 'MONPORT=32200\nSLOTS=20\nMONITOR=unix\n' > "$QEMU_INIT_CONFDIR/monitor.conf"
run qemu-init show web
check "show puts the QMP monitor on RUNDIR/web@qmp" \
    contains "$out" "socket,id=qmp,fd=<$QEMU_INIT_RUNDIR/web@qmp>,server=on"
check "...and no monitor on TCP" test -z "$(printf '%s\n' "$out" | grep 'host=127')"
run qemu-init start web
expect_out "start with MONITOR=unix says where the monitors are" 0 \
    "monitor $QEMU_INIT_RUNDIR/web@hmp, control $QEMU_INIT_RUNDIR/web@qmp"
pid=$(state_pid web)
check "both monitor sockets are 0600" \
    test "$(stat -c %a "$QEMU_INIT_RUNDIR/web@hmp" \
        "$QEMU_INIT_RUNDIR/web@qmp" | sort -u)" = 600
slot=$(sed -n 's/^SLOT=//p' "$QEMU_INIT_RUNDIR/web@state")
check "QEMU listens on no TCP port but VNC's" \
    test "$(listening "$pid" | grep -vc ":$((5900 + slot))\$")" -eq 0 ||
    diag "$(listening "$pid")"
run qemu-cmd -c "info status" web
expect_out "qemu-cmd works over the unix socket" 0 "VM status: running"
run qemu-cmd -c "info name" web
check "...and the identity check too" test "$out" = web
printf 'info name\n' > "$T/in"
run qemu-mon web < "$T/in"
expect_out "qemu-mon works over the unix socket" 0 $'\nweb\r'
run qemu-init status web
expect_out "status shows the sockets" 0 "control $QEMU_INIT_RUNDIR/web@qmp"
run qemu-init list
check "list shows 'unix' for the ports" \
    test "$(printf '%s\n' "$out" | awk '$1 == "web" { print $5, $6 }')" = "unix unix"
run qemu-init stop -t 60 web
expect_out "stop works over the unix socket" 0 "web: stopped"
check "...and the sockets are gone" \
    test ! -e "$QEMU_INIT_RUNDIR/web@qmp" -a ! -e "$QEMU_INIT_RUNDIR/web@hmp"
printf 'MONITOR=pipe\n' > "$QEMU_INIT_CONFDIR/monitor.conf"
run qemu-init start web
expect "MONITOR must be tcp or unix" 1 "monitor.conf:1: MONITOR 'pipe' is not tcp or unix"

done_testing
