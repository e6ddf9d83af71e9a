#!/bin/bash
# rundir.t - the run directory and its neighbours (SPEC 2.1 and 9, issue
# 14): an attacker of another user racing names in RUNDIR gets nothing
# followed; RUNDIR is refused unless it is root's and only root's to
# write; every spelling of it finds the same VMs; no VM name collides
# with another file; the console log starts anew at each start; slots
# follow what a VM really listens on; a strict umask, an unreadable
# RUNDIR, show with RUNAS, a closed pipe after a terminal, and
# qemu-brdown on what is not a tap.
. "$(dirname "$0")/lib.sh"
need_guest
need_root "rundir.t plays a hostile local user (nobody)"
BASE=35000
monitor_conf $BASE 20
TMUX_SOCK=qinit-rundir-$$
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
	victims | diff "$T/victims.before" - >"$T/victims.diff" && return 0
	diag "$(cat "$T/victims.diff")"
	return 1
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

mkdir -p "$R"
chgrp nogroup "$R"
chmod 0775 "$R"
attack race
apid=$!
check "in a RUNDIR writable by its group, nobody (of that group) can plant every name" \
    wait_until 30 eval 'test "$(planted)" = "$all_planted"' ||
    diag "planted: $(planted)"
run qemu-init start web
check "start refuses a RUNDIR writable by its group, with the fix" \
    test "$rc:$out:$err" = "1::qemu-init: run directory $R is writable by its group or others: chmod 0755 $R" ||
    show_run
check "...starts nothing" test "$(nqemu)" -eq 0
check "...and no file outside RUNDIR changed" unchanged
run qemu-init stop -a
check "stop -a refuses it too" \
    test "$rc:$err" = "1:qemu-init: run directory $R is writable by its group or others: chmod 0755 $R" ||
    show_run
chgrp root "$R"
chmod 1777 "$R"
run qemu-init start web
check "a sticky RUNDIR writable by others is refused too (no exception)" \
    test "$rc:$err" = "1:qemu-init: run directory $R is writable by its group or others: chmod 0755 $R" ||
    show_run
chmod 0755 "$R"
chown nobody "$R"
run qemu-init start web
check "a RUNDIR owned by another user is refused, with the fix" \
    test "$rc:$err" = "1:qemu-init: run directory $R is owned by uid $(id -u nobody), not by this user (uid 0): chown 0 $R, or set QEMU_INIT_RUNDIR to a folder of your own" ||
    show_run
check "...nothing started, no file outside RUNDIR changed" \
    eval 'test "$(nqemu)" -eq 0 && unchanged'
kill "$apid"
wait_until 10 gone "$apid"

# The administrator mends RUNDIR as told; what the attacker planted
# before that is still there, and the attacker keeps trying.
chown root "$R"
chgrp nogroup "$R"
chmod 0775 "$R"
: > "$NB/planted"
attack once
wait_until 30 gone $!
check "(the attacker leaves a symlink at every name)" \
    test "$(planted)" = "$all_planted"
chgrp root "$R"
chmod 0755 "$R"
: > "$NB/planted"
attack race
apid=$!
run qemu-init start web
expect_out "in the mended RUNDIR, web starts among the planted names (locks made anew)" 0 \
    "web: started"
check "...following nothing" unchanged
check "...and a planted console log is not kept as the last run's" \
    test ! -L "$R/web@console.log.1"
pid=$(state_pid web)
check "...the guest boots (its console log is RUNDIR's own)" wait_ready web
guest_type web 'echo RUN$((1+1))ONE'
check "...its console takes input" wait_for_log web RUN2ONE 30
check "...no file outside RUNDIR changed" unchanged
check "...and the racing attacker planted nothing" test ! -s "$NB/planted" ||
    diag "planted: $(planted)"
kill "$apid"
wait_until 10 gone "$apid"

# --- 2. every spelling of RUNDIR finds the same VM --------------------------------
ln -s "$R" "$T/alias"
for a in "$T/alias" "$T//run" "$T/run/../run/" run; do
	case $a in
	*alias) how="through a symlink" ;;
	*//*) how="with //" ;;
	*..*) how="with /../" ;;
	*) how="as a relative path" ;;
	esac
	cd "$T"
	run env QEMU_INIT_RUNDIR="$a" qemu-init status web
	check "RUNDIR $how: status finds web running" \
	    test "$rc:$(printf '%s\n' "$out" | cut -d, -f1-2)" = "0:web: running, pid $pid" ||
	    show_run
	run env QEMU_INIT_RUNDIR="$a" qemu-init start web
	check "...start says it already runs" \
	    test "$rc:$out" = "0:web: already running, pid $pid" || show_run
	cd "$TOP"
done
check "...and no second QEMU was started" test "$(nqemu)" -eq 1

# --- 3. a closed pipe after a terminal ---------------------------------------------
# CMD | head -1 in a terminal: once head has left, the next output meets
# a closed pipe; the terminal must be as it was.
tty_head() {	# tty_head NAME COMMAND-LINE TEXT-ONCE-ATTACHED
	rm -f "$T/$1.before" "$T/$1.after"
	# A server of its own: one being killed may still take a session.
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	TMUX_SOCK=qinit-rundir-$$-$1
	tmux -L "$TMUX_SOCK" new-session -d -x 150 -y 20 \
	    "stty -g > $T/$1.before; $2 | head -1; stty -g > $T/$1.after; sleep 600"
	wait_pane "$3" 30 || return 1
	# Keys until the next output meets the closed pipe and it ends.
	local i=0
	while [ ! -s "$T/$1.after" ] && [ $i -lt 40 ]; do
		tmux -L "$TMUX_SOCK" send-keys Enter
		sleep 0.5
		i=$((i + 1))
	done
	[ -s "$T/$1.after" ]
}
check "qemu-mon web | head -1 in a terminal ends once head has left" \
    tty_head mon "qemu-mon web" "QEMU .* monitor"
check "...and leaves the terminal as it was" cmp -s "$T/mon.before" "$T/mon.after"
check "qemu-init console web | head -1 in a terminal ends too" \
    tty_head con "qemu-init console web" "attached to the console of 'web'"
check "...and leaves the terminal as it was" cmp -s "$T/con.before" "$T/con.after"
tmux -L "$TMUX_SOCK" kill-server 2>/dev/null

# --- 4. no VM name collides with another file ----------------------------------------
guest_vm slots obey
guest_vm web.console obey
run qemu-init start slots
expect_out "a VM named 'slots' starts while web runs" 0 "slots: started"
run qemu-init start web.console
expect_out "a VM named 'web.console' starts too" 0 "web.console: started"
check "...both guests boot" eval 'wait_ready slots && wait_ready web.console'
# web's console is held by a client that stays attached.
mkfifo "$T/hold"
sleep 600 > "$T/hold" &
bg_started $!
holder=$!
qemu-init console web < "$T/hold" > /dev/null 2>&1 &
bg_started $!
held() {	# held FILE: someone holds a lock on RUNDIR/FILE
	local i
	i=$(stat -c %i "$R/$1" 2>/dev/null) && grep -q ":$i " /proc/locks
}
check "(web's console is held by another client)" \
    wait_until 10 held web@console.lock
run qemu-init console web < /dev/null
expect "(...a second client is told so)" 1 "the console of 'web' is in use"
printf 'echo $((6*7))x\n' > "$T/typed"
run qemu-init console web.console < "$T/typed"
expect_out "...yet web.console's console is free and works" 0 "42x"
printf 'echo $((6*8))y\n' > "$T/typed"
run qemu-init console slots < "$T/typed"
expect_out "...and so is slots'" 0 "48y"
check "each guest's output is in its own console log only" \
    eval 'grep -q "^42x" "$R/web.console@console.log" &&
        grep -q "^48y" "$R/slots@console.log" &&
        ! grep -q "^42x\|^48y" "$R/web@console.log" &&
        ! grep -q "^48y" "$R/web.console@console.log"'
kill "$holder"
cd "$T"
run env QEMU_INIT_RUNDIR=run qemu-init stop -t 120 slots web.console web
cd "$TOP"
check "stop (RUNDIR as 'run') stops all three: slots, web.console, web" \
    test "$rc:$out" = "0:slots: stopped
web.console: stopped
web: stopped" || show_run
check "...no QEMU is left" test "$(nqemu)" -eq 0

# --- 5. the console log starts anew at each start ------------------------------------
run qemu-init start web
expect_out "start web again" 0 "web: started"
check "its new console log has nothing of the last run" \
    eval '! grep -q RUN2ONE "$R/web@console.log"'
check "...which is kept as web@console.log.1" \
    grep -q '^RUN2ONE' "$R/web@console.log.1"
check "...and the new run's boot is logged once" \
    eval 'wait_ready web && test "$(grep -c QINIT-GUEST-READY "$R/web@console.log")" -eq 1'
run qemu-init kill web
expect_out "...kill it" 0 "web: killed"

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
		sleep 600;' "$a" "$@"
}
listening() {	# listening ADDRESS PORT
	ss -Hltn "sport = :$2" | awk '{ print $4 }' | grep -qx "$1:$2"
}
squat 127.0.0.1 $BASE $((BASE + 100))
squatters=$!
if ipv6_loopback; then
	squat ::1 $BASE $((BASE + 100))
	squatters="$squatters $!"
fi
check "another user holds slot 0's MONPORT and CTLPORT" \
    wait_until 10 eval 'listening 127.0.0.1 $BASE && listening 127.0.0.1 $((BASE + 100))'
guest_vm sq obey
printf 'MONPORT=%s\nSLOTS=20\nMONITOR=unix\n' $BASE > "$QEMU_INIT_CONFDIR/monitor.conf"
run qemu-init start sq
expect_out "MONITOR=unix: start does not need those TCP ports" 0 "sq: started"
check "...and takes slot 0" test "$(state_of sq SLOT)" = 0
run qemu-init kill sq
expect_out "...kill it" 0 "sq: killed"
kill $squatters

monitor_conf $BASE 20
if ipv6_loopback; then
	printf 'VNC_LISTEN=::1\n' >> "$QEMU_INIT_CONFDIR/monitor.conf"
	guest_vm vnc obey "VNC=yes"
	squat ::1 5900
	check "another user holds [::1]:5900, slot 0's VNC port on VNC_LISTEN=::1" \
	    wait_until 10 listening '\[::1\]' 5900
	run qemu-init start vnc
	expect_out "VNC_LISTEN=::1: start vnc" 0 "vnc: started"
	slot=$(state_of vnc SLOT)
	check "...does not take slot 0, whose VNC port is held on ::1" \
	    test -n "$slot" -a "$slot" != 0
	check "...its QEMU listens on [::1]:5900+SLOT" \
	    eval 'ss -Hltnp "sport = :$((5900 + slot))" | grep -q "\[::1\]:.*pid=$(state_pid vnc),"'
	run qemu-init kill vnc
	expect_out "...kill it" 0 "vnc: killed"
	monitor_conf $BASE 20
else
	ok "VNC_LISTEN=::1 takes another slot # SKIP the host has no IPv6 loopback"
fi

# --- 7. a strict umask, and an unreadable RUNDIR ------------------------------------------
U=$T/strict-run
guest_vm strict obey
run env QEMU_INIT_RUNDIR="$U" sh -c 'umask 077 && exec qemu-init start strict'
bg_started "$(sed -n 's/^PID=//p' "$U/strict@state" 2>/dev/null)"
expect_out "start with umask 077 (RUNDIR made by it)" 0 "strict: started"
check "...RUNDIR is 0755 and the state 0644 all the same" \
    test "$(stat -c %a "$U" "$U/strict@state" | tr '\n' ' ')" = "755 644 "
# The variable goes by the environment, not env(1): setpriv itself
# executes the program, so the clone may lie in a folder nobody cannot
# enter (mktemp -d).
QEMU_INIT_RUNDIR="$U" run as_nobody "$BIN/qemu-init" status strict
check "...so another user's status sees it running (exit 0)" \
    test "$rc:$(printf '%s\n' "$out" | cut -d, -f1)" = "0:strict: running" ||
    show_run
run env QEMU_INIT_RUNDIR="$U" qemu-init kill strict
expect_out "...kill it" 0 "strict: killed"

N=$NB/run
mkdir "$N"
chown nobody "$N"
chmod 0300 "$N"
QEMU_INIT_RUNDIR="$N" run as_nobody "$BIN/qemu-init" stop -a
check "stop -a in a RUNDIR it cannot read: exit 1, saying so" \
    test "$rc:$err" = "1:qemu-init: cannot use run directory $N: Permission denied" ||
    show_run

# --- 8. show starts nothing, not even TGTARCH --version ----------------------------------
cat > "$T/mark-qemu" <<SH
#!/bin/sh
touch "$T/marked"
exec qemu-system-x86_64 "\$@"
SH
chmod 755 "$T/mark-qemu"
guest_vm ras obey "RUNAS=nobody
TGTARCH=$T/mark-qemu"
run qemu-init show ras
check "show of a RUNAS VM prints its command line" \
    test "$rc:$(printf '%s\n' "$out" | head -1)" = "0:$T/mark-qemu" || show_run
check "...and runs nothing (TGTARCH left no mark)" test ! -e "$T/marked"

# --- 9. qemu-brdown takes down only a tap ---------------------------------------------------
# d0: a dummy interface, or a veth where the kernel has no dummy driver.
NETNS=qinit-rundir-$$
check "a network namespace of the test's own with an interface d0, up" \
    eval 'ip netns add "$NETNS" &&
        { ip -n "$NETNS" link add d0 type dummy 2>/dev/null ||
          ip -n "$NETNS" link add d0 type veth peer name d1; } &&
        ip -n "$NETNS" link set d0 up'
run ip netns exec "$NETNS" "$BIN/qemu-brdown" d0
check "qemu-brdown d0 (not a tap) refuses it" \
    test "$rc:$err" = "1:qemu-netif: 'd0' is not a tap: refused" || show_run
check "...and d0 is still up" \
    eval 'ip -n "$NETNS" -o link show d0 | grep -q "[<,]UP[,>]"'

check "no QEMU of this test is left" test "$(nqemu)" -eq 0
done_testing
