#!/bin/bash
# rundir.t - the run directory and its neighbours (qemu-init(8) FILES
# and SECURITY CONSIDERATIONS): an attacker of another user racing names
# in RUNDIR gets nothing followed; RUNDIR is refused unless it is root's
# and only root's to write; every spelling of it finds the same VMs; no
# VM name collides with another file; the console log starts anew at
# each start; slots follow what a VM really listens on; a strict umask,
# an unreadable RUNDIR, show with RUNAS, a closed pipe after a terminal,
# and qemu-brdown on what is not a tap.
. "$(dirname "$0")/lib.sh"
test_require ROOT,GUEST,TMUX
BASE=$PORTBASE
monitor_conf
R=$QEMU_INIT_RUNDIR
NB=$(nobody_dir)
nqemu() { our_qemus | wc -l; }

guest_vm web obey

# --- 1. a hostile user racing names in RUNDIR ---------------------------------
# The victims: root's files outside RUNDIR, one for each name the attacker
# plants.  Their names, modes, owners and hashes must never change.
V=$T/victims
kinds="pid console.log console.log.1 serial state state.tmp lock console.lock control hmp qmp"
mkdir -p "$V"
for k in $kinds slot-0.lock; do
	printf 'victim %s\n' "$k" > "$V/$k"
done
chmod 0644 "$V"/*
victims() { (cd "$V" && stat -c '%n %a %U %s' -- * && sha256sum -- *); }
victims > "$T/victims.before"
unchanged() {
	victims | diff "$T/victims.before" -
}

# The attacker: as nobody, swaps each of web's names in RUNDIR (and slot
# 0's lock) for a symlink to its victim, over and over; it logs each
# name it managed to plant.  With "once" it plants each name once.
cat > "$T/attacker.pl" <<'PERL'
use strict;
use warnings;
my ($R, $V, $log, $once, @kinds) = @ARGV;
my %planted;
for (;;) {
	for my $k (@kinds, 'slot-0.lock') {
		my $name = $k eq 'slot-0.lock' ? "$R/slot-0.lock" : "$R/web\@$k";
		unlink $name;
		next unless symlink("$V/$k", $name);
		next if $planted{$k}++;
		open(my $f, '>>', $log) or die "$log: $!\n";
		print $f "$k\n";
		close $f;
	}
	last if $once;
	select(undef, undef, undef, 0.002);
}
PERL
attack() {	# attack race|once
	as_nobody_bg perl "$T/attacker.pl" "$R" "$V" "$NB/planted" \
	    "$([ "$1" = once ] && echo 1 || echo 0)" $kinds
}
planted() { sort "$NB/planted" 2>/dev/null | tr '\n' ' '; }
all_planted=$(printf '%s\n' $kinds slot-0.lock | sort | tr '\n' ' ')
refused_rundir="qemu-init: run directory $R is writable by its group or others: chmod 0755 $R"

test_expect_success 'in a RUNDIR writable by its group, nobody (of that group) can plant every name' <<'T'
	mkdir -p "$R" && chgrp nogroup "$R" && chmod 0775 "$R" &&
	attack race &&
	apid=$! &&
	wait_until 60 eval 'test "$(planted)" = "$all_planted"' ||
	    { echo "planted: $(planted)"; false; }
T
test_expect_success 'start refuses a RUNDIR writable by its group, with the fix; starts nothing, changes no file outside RUNDIR' '
	run qemu-init start web &&
	test_rc 1 && test_out "" && test_err "$refused_rundir" &&
	test "$(nqemu)" -eq 0 && unchanged
'
test_expect_success 'stop -a refuses it too' '
	run qemu-init stop -a && test_rc 1 && test_err "$refused_rundir"
'
test_expect_success 'a sticky RUNDIR writable by others is refused too (no exception)' '
	chgrp root "$R" && chmod 1777 "$R" &&
	run qemu-init start web && test_rc 1 && test_err "$refused_rundir"
'
test_expect_success 'a RUNDIR owned by another user is refused, with the fix; nothing started, no file outside RUNDIR changed' <<'T'
	chmod 0755 "$R" && chown nobody "$R" &&
	run qemu-init start web &&
	test_rc 1 &&
	test_err "qemu-init: run directory $R is owned by uid $(id -u nobody), not by this user (uid 0): chown 0 $R, or set QEMU_INIT_RUNDIR to a folder of your own" &&
	test "$(nqemu)" -eq 0 && unchanged
T
kill "$apid"
wait_until 60 gone "$apid"

# The administrator mends RUNDIR as told; what the attacker planted
# before that is still there, and the attacker keeps trying.
test_expect_success '(the attacker leaves a symlink at every name)' <<'T'
	chown root "$R" && chgrp nogroup "$R" && chmod 0775 "$R" &&
	: > "$NB/planted" &&
	attack once &&
	wait_until 60 gone $! &&
	test_eq "$all_planted" "$(planted)"
T
test_expect_success 'in the mended RUNDIR, web starts among the planted names (locks made anew)' <<'T'
	chgrp root "$R" && chmod 0755 "$R" &&
	: > "$NB/planted" &&
	attack race &&
	apid=$! &&
	run qemu-init start web &&
	test_rc 0 && test_out_has "web: started"
T
test_expect_success "...following nothing, and a planted console log is not kept as the last run's" '
	unchanged && test ! -L "$R/web@console.log.1"
'
pid=$(state_pid web)
test_expect_success "...the guest boots (its console log is RUNDIR's own)" 'wait_ready web'
test_expect_success '...its console takes input' '
	guest_type web "echo RUN\$((1+1))ONE" && wait_for_log web RUN2ONE
'
test_expect_success '...no file outside RUNDIR changed, and the racing attacker planted nothing' '
	unchanged && { test ! -s "$NB/planted" || { echo "planted: $(planted)"; false; }; }
'
kill "$apid"
wait_until 60 gone "$apid"

# --- 2. every spelling of RUNDIR finds the same VM --------------------------------
ln -s "$R" "$T/alias"
for a in "$T/alias" "$T//run" "$T/run/../run/" run; do
	case $a in
	*alias) how="through a symlink" ;;
	*//*) how="with //" ;;
	*..*) how="with /../" ;;
	*) how="as a relative path" ;;
	esac
	test_expect_success "RUNDIR $how: status finds web running, start says it already runs" <<'T'
		cd "$T" &&
		run env QEMU_INIT_RUNDIR="$a" qemu-init status web &&
		test_eq "0:web: running, pid $pid" "$rc:$(printf '%s\n' "$out" | cut -d, -f1-2)" &&
		run env QEMU_INIT_RUNDIR="$a" qemu-init start web &&
		cd "$TOP" &&
		test_eq "0:web: already running, pid $pid" "$rc:$out"
T
	cd "$TOP"
done
test_expect_success '...and no second QEMU was started' 'test "$(nqemu)" -eq 1'

# --- 3. a closed pipe after a terminal ---------------------------------------------
# CMD | head -1 in a terminal: once head has left, the next output meets
# a closed pipe; the terminal must be as it was.
tty_head() {	# tty_head COMMAND-LINE TEXT-ONCE-ATTACHED
	term_start "$1 | head -1" 150 20 &&
	    wait_pane "$2" || return 1
	# Keys until the next output meets the closed pipe and it ends.
	local end=$((SECONDS + 300))
	while [ ! -s "$T/stty.after" ] && [ $SECONDS -lt $end ]; do
		keys Enter
		sleep 0.5
	done
	term_done
}
test_expect_success 'qemu-mon web | head -1 in a terminal ends once head has left, the terminal as it was' '
	tty_head "qemu-mon web" "QEMU .* monitor" && term_modes_kept
'
test_expect_success 'qemu-init console web | head -1 in a terminal ends too, the terminal as it was' '
	tty_head "qemu-init console web" "attached to the console of .web." &&
	term_modes_kept
'
term_stop

# --- 4. no VM name collides with another file ----------------------------------------
guest_vm slots obey
guest_vm web.console obey
test_expect_success "a VM named 'slots' starts while web runs, and one named 'web.console'; both boot" <<'T'
	run qemu-init start slots && test_rc 0 && test_out_has "slots: started" &&
	run qemu-init start web.console && test_rc 0 &&
	test_out_has "web.console: started" &&
	wait_ready slots && wait_ready web.console
T
# web's console is held by a client that stays attached.
held() {	# held FILE: someone holds a lock on RUNDIR/FILE
	local i
	i=$(stat -c %i "$R/$1" 2>/dev/null) && grep -q ":$i " /proc/locks
}
test_expect_success "(web's console is held by another client, and a second one is told so)" <<'T'
	mkfifo "$T/hold" &&
	{ sleep 600 > "$T/hold" & } &&
	holder=$! &&
	bg_started $holder &&
	{ qemu-init console web < "$T/hold" > /dev/null 2>&1 & } &&
	bg_started $! &&
	wait_until 60 held web@console.lock &&
	run qemu-init console web < /dev/null &&
	test_rc 1 && test_err_has "the console of 'web' is in use"
T
test_expect_success "...yet web.console's console is free and works, and so is slots'" <<'T'
	printf 'echo $((6*7))x\n' > "$T/typed" &&
	run qemu-init console web.console < "$T/typed" &&
	test_rc 0 && test_out_has 42x &&
	printf 'echo $((6*8))y\n' > "$T/typed" &&
	run qemu-init console slots < "$T/typed" &&
	test_rc 0 && test_out_has 48y
T
test_expect_success "each guest's output is in its own console log only" <<'T'
	grep -q "^42x" "$R/web.console@console.log" &&
	grep -q "^48y" "$R/slots@console.log" &&
	! grep -q "^42x\|^48y" "$R/web@console.log" &&
	! grep -q "^48y" "$R/web.console@console.log"
T
kill "$holder"
test_expect_success "stop (RUNDIR as 'run') stops all three: slots, web.console, web" <<'T'
	cd "$T" &&
	run env QEMU_INIT_RUNDIR=run qemu-init stop -t 3600 slots web.console web &&
	cd "$TOP" &&
	test_rc 0 && test_out "slots: stopped
web.console: stopped
web: stopped"
T
cd "$TOP"
test_expect_success '...no QEMU is left' 'test "$(nqemu)" -eq 0'

# --- 5. the console log starts anew at each start ------------------------------------
test_expect_success 'start web again' '
	run qemu-init start web && test_rc 0 && test_out_has "web: started"
'
test_expect_success 'its new console log has nothing of the last run, which is kept as web@console.log.1' '
	test_grep ! RUN2ONE "$R/web@console.log" &&
	test_grep "^RUN2ONE" "$R/web@console.log.1"
'
test_expect_success "...and the new run's boot is logged once" '
	wait_ready web && test "$(grep -c QINIT-GUEST-READY "$R/web@console.log")" -eq 1
'
test_expect_success '...kill it' '
	run qemu-init kill web && test_rc 0 && test_out "web: killed"
'

# --- 6. slots follow what the VM listens on ---------------------------------------------
# squat ADDRESS PORT...: another user's listener on each PORT.
squat() {
	local a=$1
	shift
	as_nobody_bg perl -MIO::Socket::IP -e '
		my $a = shift;
		my @s = map { IO::Socket::IP->new(LocalHost => $a,
		    LocalPort => $_, Listen => 5, ReuseAddr => 1) or
		    die "$a:$_: $!\n" } @ARGV;
		sleep 600;' "$a" "$@" 2>/dev/null
}
# (Another run of this file may hold them already: a listener all the
# same.)
test_expect_success "another user holds slot 0's MONPORT and CTLPORT" <<'T'
	squat 127.0.0.1 $BASE $((BASE + 100)) &&
	squatters=$! &&
	if ipv6_loopback; then
		squat ::1 $BASE $((BASE + 100)) && squatters="$squatters $!"
	fi &&
	wait_until 60 eval 'listening 127.0.0.1 $BASE && listening 127.0.0.1 $((BASE + 100))'
T
guest_vm sq obey
test_expect_success 'MONITOR=unix: start does not need those TCP ports, and takes slot 0' '
	monitor_conf "$BASE" 20 MONITOR=unix &&
	run qemu-init start sq && test_rc 0 && test_out_has "sq: started" &&
	test_eq 0 "$(state_of sq SLOT)"
'
test_expect_success '...kill it' '
	run qemu-init kill sq && test_rc 0 && test_out "sq: killed"
'
kill $squatters

# The VNC port of the slot a start would take (show says), held on ::1.
guest_vm vnc obey "VNC=yes"
monitor_conf "$BASE" 20 VNC_LISTEN=::1
test_expect_success IPV6 'another user holds [::1]:5900+N, where N is the VNC display of the slot a start would take, on VNC_LISTEN=::1' <<'T'
	run qemu-init show vnc &&
	held_slot=$(printf '%s\n' "$out" | sed -n 's/^\[::1\]:\([0-9]*\)$/\1/p') &&
	test -n "$held_slot" &&
	squat ::1 $((5900 + held_slot)) &&
	wait_until 60 listening '[::1]' $((5900 + held_slot))
T
test_expect_success IPV6 "VNC_LISTEN=::1: start vnc does not take that slot, whose VNC port is held on ::1" <<'T'
	run qemu-init start vnc &&
	test_rc 0 && test_out_has "vnc: started" &&
	slot=$(state_of vnc SLOT) &&
	test -n "$slot" && test "$slot" != "$held_slot"
T
test_expect_success IPV6 '...its QEMU listens on [::1]:5900+SLOT' '
	ss -Hltnp "sport = :$((5900 + slot))" | grep -q "\[::1\]:.*pid=$(state_pid vnc),"
'
test_expect_success IPV6 '...kill it' '
	run qemu-init kill vnc && test_rc 0 && test_out "vnc: killed"
'
monitor_conf

# --- 7. a strict umask, and an unreadable RUNDIR ------------------------------------------
U=$T/strict-run
guest_vm strict obey
test_expect_success 'start with umask 077 (RUNDIR made by it)' <<'T'
	run env QEMU_INIT_RUNDIR="$U" sh -c 'umask 077 && exec qemu-init start strict' &&
	test_rc 0 && test_out_has "strict: started"
T
test_expect_success '...RUNDIR is 0755 and the state 0644 all the same' '
	test_eq "755 644 " "$(stat -c %a "$U" "$U/strict@state" | tr "\n" " ")"
'
# The variable goes by the environment, not env(1): setpriv itself
# executes the program, so the clone may lie in a folder nobody cannot
# enter (mktemp -d).
test_expect_success "...so another user's status sees it running (exit 0)" '
	QEMU_INIT_RUNDIR="$U" run as_nobody "$BIN/qemu-init" status strict &&
	test_eq "0:strict: running" "$rc:$(printf "%s\n" "$out" | cut -d, -f1)"
'
test_expect_success '...kill it' '
	run env QEMU_INIT_RUNDIR="$U" qemu-init kill strict &&
	test_rc 0 && test_out "strict: killed"
'
test_expect_success 'stop -a in a RUNDIR it cannot read: exit 1, saying so' <<'T'
	N=$NB/run &&
	mkdir "$N" && chown nobody "$N" && chmod 0300 "$N" &&
	QEMU_INIT_RUNDIR="$N" run as_nobody "$BIN/qemu-init" stop -a &&
	test_rc 1 && test_err "qemu-init: cannot use run directory $N: Permission denied"
T

# --- 8. show starts nothing, not even TGTARCH --version ----------------------------------
cat > "$T/mark-qemu" <<SH
#!/bin/sh
touch "$T/marked"
exec qemu-system-x86_64 "\$@"
SH
chmod 755 "$T/mark-qemu"
guest_vm ras obey "RUNAS=nobody
TGTARCH=$T/mark-qemu"
test_expect_success 'show of a RUNAS VM prints its command line, and runs nothing (TGTARCH left no mark)' <<'T'
	run qemu-init show ras &&
	test_eq "0:$T/mark-qemu" "$rc:$(printf '%s\n' "$out" | head -1)" &&
	test ! -e "$T/marked"
T

# --- 9. qemu-brdown takes down only a tap ---------------------------------------------------
# d0: a dummy interface, or a veth where the kernel has no dummy driver.
test_expect_success "a network namespace of the test's own with an interface d0, up" <<'T'
	netns_add &&
	{ ip -n "$NETNS" link add d0 type dummy 2>/dev/null ||
	  ip -n "$NETNS" link add d0 type veth peer name d1; } &&
	ip -n "$NETNS" link set d0 up
T
test_expect_success 'qemu-brdown d0 (not a tap) refuses it, and d0 is still up' <<'T'
	run inns "$BIN/qemu-brdown" d0 &&
	test_rc 1 && test_err "qemu-netif: 'd0' is not a tap: refused" &&
	ip -n "$NETNS" -o link show d0 | grep -q "[<,]UP[,>]"
T

test_expect_success 'no QEMU of this test is left' 'test "$(nqemu)" -eq 0'
test_done
