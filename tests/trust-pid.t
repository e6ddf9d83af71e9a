#!/bin/bash
# trust-pid.t - the trust boundary (qemu-init(8) SECURITY
# CONSIDERATIONS), as a crashed QEMU leaves it: a process of another
# user with the crashed QEMU's recycled pid and an imitated command line
# is never taken for the VM (by status, list, qemu-cmd, stop, kill, stop
# -a), with a state or only a pid file; and the life cycle holds where
# it used to give up: RUNAS, whose guest powers itself off, a start cut
# short (no state file), no RUNDIR yet.  (A guest's reach:
# trust-guest.t; stop against idle clients and fakes: trust-stop.t.)
. "$(dirname "$0")/lib.sh"
test_require ROOT,GUEST
monitor_conf
R=$QEMU_INIT_RUNDIR
NB=$(nobody_dir)

# list_state NAME: the STATE and PID columns of NAME in qemu-init list.
list_state() {
	qemu-init list | awk -v vm="$1" '$1 == vm { print $3, $4 }'
}

guest_vm web obey
guest_vm usernet obey
guest_vm runas obey "RUNAS=nobody"

# --- a recycled pid with an imitated command line ----------------------
# usernet's QEMU crashes; its pid goes to another user's process whose
# command line has every word of a QEMU of ours, and which answers as
# usernet on usernet's CTLPORT.
test_expect_success 'start usernet' '
	run qemu-init start usernet && test_rc 0 && test_out_has "usernet: started"
'
qpid=$(state_pid usernet)
qstart=$(state_of usernet PIDSTART)
uctl=$(state_of usernet CTLPORT)
test_expect_success "usernet's QEMU crashes (SIGKILL)" '
	kill -KILL "$qpid" && wait_until 60 gone "$qpid"
'
test_expect_success "another user's impostor runs, listening on usernet's CTLPORT" <<'T'
	fakeqmp_script &&
	as_nobody_bg perl "$T/fakeqmp.pl" "tcp:$uctl" usernet "$NB/impostor.log" \
	    answer -name usernet -pidfile "$R/usernet@pid" -daemonize &&
	imp=$! &&
	wait_until 60 listening 127.0.0.1 "$uctl"
T
test_expect_success '...with the words of a QEMU of ours in its command line' <<'T'
	tr "\0" " " < /proc/$imp/cmdline | grep -q -- "-name usernet -pidfile $R/usernet@pid"
T
# The state as the crash left it, but naming the impostor's pid.
test_expect_success "...and its state names the impostor's pid with the crashed QEMU's start" <<'T'
	sed "s/^PID=.*/PID=$imp/" "$R/usernet@state" > "$T/usernet.state" &&
	test_eq "$qstart" "$(sed -n 's/^PIDSTART=//p' "$T/usernet.state")"
T
plant() {
	cp "$T/usernet.state" "$R/usernet@state"
	echo "$imp" > "$R/usernet@pid"
}
plant
test_expect_success 'status does not take it for the VM: dead (exit 1)' '
	run qemu-init status usernet &&
	test_rc 1 &&
	test_out "usernet: dead (pid $imp gone, state left): QEMU crashed; its console log is $R/usernet@console.log, and start recovers it"
'
test_expect_success '...nor does list' 'test_eq "dead -" "$(list_state usernet)"'
test_expect_success '...qemu-cmd sends it nothing: exit 2' <<'T'
	run qemu-cmd -c "info status" usernet &&
	test_rc 2 && test_err "qemu-cmd: 'usernet' is not running"
T
test_expect_success 'stop -f does not signal it: not running, exit 0; it still runs' '
	run qemu-init stop -f -t 5 usernet &&
	test_rc 0 && test_out "usernet: not running" && alive "$imp"
'
plant
test_expect_success 'kill does not signal it: not running, exit 0; it still runs' '
	run qemu-init kill usernet &&
	test_rc 0 && test_out "usernet: not running" && alive "$imp"
'
plant
test_expect_success 'stop -a -f does not signal it: nothing to stop, exit 0; it still runs' '
	run qemu-init stop -a -f -t 5 &&
	test_rc 0 && test_eq "" "$out$err" && alive "$imp"
'

# No state at all: only a pid file naming it.  Older than the process it
# names (the pid was recycled after QEMU wrote it), and then newer, but
# with nobody on usernet's control socket.
rm -f "$R/usernet@state"
qemu_started=$(sed -n 's/^STARTED=//p' "$T/usernet.state")
plant_pidfile() {	# plant_pidfile old|new
	echo "$imp" > "$R/usernet@pid"
	[ "$1" = new ] || touch -d "@$qemu_started" "$R/usernet@pid"
}
pidfile_only() {	# pidfile_only old|new WHAT
	pf_age=$1
	test_expect_success "a pid file $2: status says stopped" '
		plant_pidfile $pf_age &&
		run qemu-init status usernet && test_rc 3 && test_out "usernet: stopped"
	'
	test_expect_success '...qemu-cmd sends it nothing: exit 2' <<'T'
		run qemu-cmd -c "info status" usernet &&
		test_rc 2 && test_err "qemu-cmd: 'usernet' is not running"
T
	test_expect_success '...stop -a -f does not signal it' '
		run qemu-init stop -a -f -t 5 && test_rc 0 && test_out ""
	'
	test_expect_success '...nor does kill; it still runs' '
		plant_pidfile $pf_age &&
		run qemu-init kill usernet &&
		test_rc 0 && test_out "usernet: not running" && alive "$imp"
	'
}
pidfile_only old "older than the process it names"
pidfile_only new "newer than that process, but nobody on the control socket"
test_expect_success 'the impostor was never even connected to' '
	test ! -s "$NB/impostor.log" || { cat "$NB/impostor.log"; false; }
'
test_expect_success 'start boots a new QEMU for usernet' '
	run qemu-init start usernet && npid=$(state_pid usernet) &&
	test_rc 0 && test_out_has "usernet: started, pid $npid" && test "$npid" != "$imp"
'
test_expect_success '...which kill ends; the impostor still runs' '
	run qemu-init kill usernet && test_rc 0 && test_out "usernet: killed" &&
	alive "$imp"
'
kill "$imp"

# --- RUNAS: a guest that powers itself off is stopped, not dead -----------
test_expect_success 'start a VM with RUNAS=nobody; its QEMU runs as nobody' '
	run qemu-init start runas && test_rc 0 && test_out_has "runas: started" &&
	pid=$(state_pid runas) &&
	test_eq nobody "$(ps -o user= -p "$pid" 2>/dev/null)"
'
test_expect_success 'its guest powers itself off' '
	wait_ready runas && guest_type runas "poweroff -f" && wait_off runas "$pid"
'
test_expect_success '...status says stopped (exit 3), not dead' '
	run qemu-init status runas && test_rc 3 && test_out "runas: stopped"
'

# --- a QEMU whose start was cut short (no state file) ---------------------
test_expect_success 'start web again' '
	run qemu-init start web && test_rc 0 && test_out_has "web: started" &&
	wait_ready web
'
pid=$(state_pid web)
test_expect_success 'with its state file gone, status still finds it (exit 0)' '
	rm "$R/web@state" &&
	run qemu-init status web &&
	test_rc 0 &&
	test_out "web: running, pid $pid, its start was cut short (ports unknown: qemu-init restart web)"
'
test_expect_success '...and list shows it running' 'test_eq "running $pid" "$(list_state web)"'
test_expect_success 'stop -a -f (the shutdown path) stops it: exit 0; QEMU is gone' '
	run_guest web qemu-init stop -a -f -t 3600 &&
	test_rc 0 && test_out "web: stopped" && gone "$pid"
'

# --- no RUNDIR yet (right after boot) ---------------------------------------
L=$T/later
test_expect_success 'stop before RUNDIR exists: not running, exit 0' '
	run env QEMU_INIT_RUNDIR="$L" qemu-init stop web &&
	test_rc 0 && test_out "web: not running" && test_err ""
'
test_expect_success 'kill before RUNDIR exists: not running, exit 0' '
	run env QEMU_INIT_RUNDIR="$L" qemu-init kill web &&
	test_rc 0 && test_out "web: not running" && test_err ""
'
test_expect_success 'stop -a before RUNDIR exists: nothing, exit 0; none of them made RUNDIR' '
	run env QEMU_INIT_RUNDIR="$L" qemu-init stop -a &&
	test_rc 0 && test_eq "" "$out$err" && test ! -e "$L"
'
test_expect_success 'restart before RUNDIR exists starts the VM' <<'T'
	run env QEMU_INIT_RUNDIR="$L" qemu-init restart web &&
	lpid=$(sed -n 's/^PID=//p' "$L/web@state") &&
	test_rc 0 &&
	test_eq "web: not running" "$(printf '%s\n' "$out" | sed -n 1p)" &&
	test_eq "web: started, pid $lpid" "$(printf '%s\n' "$out" | sed -n 2p | cut -d, -f1-2)"
T
test_expect_success '...and made RUNDIR 0755' 'test_eq 755 "$(stat -c %a "$L")"'
test_expect_success '...kill ends it' '
	run env QEMU_INIT_RUNDIR="$L" qemu-init kill web &&
	test_rc 0 && test_out "web: killed"
'

test_expect_success 'no QEMU of this test is left' 'test -z "$(all_qemus)"'
test_done
