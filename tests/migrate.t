#!/bin/bash
# migrate.t - a running VM moves to another host (qemu-init(8) migrate),
# between two "hosts" on this machine: A, the test's own CONFDIR and
# RUNDIR (MONPORT PORTBASE), and B, a CONFDIR and RUNDIR of its own
# (MONPORT PORTBASE + 200), each reached through the private sshd of
# tests/sshd.sh as a user whose sessions get that host's directories
# (qi-hosta, qi-hostb).  The test guest counts on its console
# (qinit.counter=1): after a migration the target's console log goes on
# from the number where the source's stopped, never from 1.
#  - shared storage: the VM moves with a disk both hosts name alike, the
#    QEMU here is gone, each host's status agrees; it moves back, driven
#    from B through -H;
#  - --copy-storage: a disk the guest keeps writing while it moves; its
#    checksum on B after a clean stop is what the guest wrote;
#  - faults: a target without the VM's config, a target where it runs
#    already, the target's QEMU killed mid-migration, the ssh connection
#    killed mid-way, the source's and the target's qemu-init killed
#    (SIGKILL) mid-way: each time the VM goes on running and counting
#    here, and nothing of it runs or is recorded there;
#  - the OCF resource agent passes ocf-tester with a test VM, and its
#    migrate_to and migrate_from move a VM from A to B.
. "$(dirname "$0")/lib.sh"
need_guest
monitor_conf
. "$TOP/tests/sshd.sh"

B=$T/b
mkdir -p "$B/etc" "$B/vms" "$T/disks" "$T/b-disks"
: > "$B/etc/qemu-init.reg"
printf 'MONPORT=%s\nSLOTS=20\n' $((PORTBASE + 200)) > "$B/etc/monitor.conf"
sshd_host qi-hosta "$QEMU_INIT_CONFDIR" "$QEMU_INIT_RUNDIR"
sshd_host qi-hostb "$B/etc" "$B/run"

# on_b CMD...: CMD as host B sees things.
on_b() {
	QEMU_INIT_CONFDIR=$B/etc QEMU_INIT_RUNDIR=$B/run "$@"
}

# b_qemu VM: the pid of B's QEMU of VM, if one runs (by its command line,
# as our_qemus finds A's).
b_qemu() {
	local p
	for p in /proc/[0-9]*; do
		tr '\0' ' ' 2>/dev/null < "$p/cmdline" |
		    grep -q -- "-pidfile $B/run/$1@qemu/pid" && echo "${p#/proc/}"
	done
}

migrate_cleanup() {
	local p
	for p in /proc/[0-9]*; do
		tr '\0' ' ' 2>/dev/null < "$p/cmdline" |
		    grep -q -- "-pidfile $B/run/" && kill -KILL "${p#/proc/}"
	done
	stop_sshd
	cleanup
}
trap migrate_cleanup EXIT

# counts LOG: the counter's values in a console log, one a line: whole
# lines only (the last one may be cut by the migration).
counts() {
	local line n
	while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in *"QINIT-COUNT "*) ;; *) continue ;; esac
		n=${line##*QINIT-COUNT }
		case $n in '' | *[!0-9]*) ;; *) echo "$n" ;; esac
	done < "$1"
}
last_count() { counts "$1" | tail -1; }

# counting_past LOG N: the guest counted past N.
counting_past() {
	local n
	n=$(last_count "$1")
	[ -n "$n" ] && [ "$n" -gt "$2" ]
}

# goes_on FROM TO: the counter of log TO starts right after where the
# one of log FROM stopped (a line cut at the switch-over may be lost),
# and TO's guest did not boot again.
goes_on() {
	local a b
	a=$(last_count "$1")
	b=$(counts "$2" | head -1)
	diag "counted up to $a there, from $b here"
	[ -n "$a" ] && [ -n "$b" ] && [ "$b" -gt "$a" ] &&
	    [ "$b" -le $((a + 2)) ] && ! grep -aq QINIT-GUEST-READY "$2"
}

# keeps_counting VM: VM's guest here counts on after what it has now.
keeps_counting() {
	local log=$QEMU_INIT_RUNDIR/$1@console.log n
	n=$(last_count "$log")
	wait_until 120 counting_past "$log" "${n:-0}"
}

# nothing_on_b VM: no QEMU of VM on B, no state of it there.
nothing_on_b() {
	wait_until 60 test -z "$(b_qemu "$1")" &&
	    wait_until 60 test ! -e "$B/run/$1@state"
}

# migrating VM: QEMU here reports its migration under way, 1 MB sent.
migrating() {
	local info kb
	info=$(qemu-cmd -c "info migrate" "$1" 2>/dev/null)
	contains "$info" "Migration status: active" || return 1
	kb=$(printf '%s\n' "$info" | sed -n 's/^transferred ram: \([0-9]*\) kbytes$/\1/p')
	[ "${kb:-0}" -gt 1000 ]
}

# b_vm NAME EXTRA: NAME registered on B too (its own config file).
b_vm() {
	T=$B QEMU_INIT_CONFDIR=$B/etc guest_vm "$1" obey "$2" qinit.counter=1
}

check "a private sshd listens on 127.0.0.1:$PORT" start_sshd ||
    diag "$(cat "$S/sshd.log" 2>/dev/null)"
HA=qi-hosta@127.0.0.1:$PORT
HB=qi-hostb@127.0.0.1:$PORT
# A slow link: what migrate sends goes at 1 MB/s, so that a fault comes
# while the state moves.
cat > "$T/slowssh" <<'SH'
#!/bin/sh
# tests/migrate.t: ssh, its input at 1 MB/s
pv -qL 1m | exec ssh "$@"
SH
chmod 755 "$T/slowssh"
SLOW="$T/slowssh -F $S/ssh_config"
command -v pv >/dev/null || { echo "Bail out! pv missing: run make deps"; exit 1; }

# The VMs: shared's disk is the same file for both hosts, copy's is a
# file of each host's, twice runs on both.
truncate -s 16M "$T/disks/shared.img" "$T/disks/copy.img" \
    "$T/b-disks/copy.img"
shared="DSK1=$T/disks/shared.img
DISKFORMAT=raw
DISKIF=virtio"
guest_vm shared obey "$shared" qinit.counter=1
echo "shared $T/vms/shared/shared-qemu.cfg" >> "$B/etc/qemu-init.reg"
guest_vm copy obey "DSK1=$T/disks/copy.img
DISKFORMAT=raw
DISKIF=virtio" qinit.counter=1
b_vm copy "DSK1=$T/b-disks/copy.img
DISKFORMAT=raw
DISKIF=virtio"
guest_vm nocfg obey "" qinit.counter=1
guest_vm twice obey "" qinit.counter=1
b_vm twice ""

# --- shared storage -------------------------------------------------------------
run qemu-init start shared
expect_out "shared starts on A" 0 "shared: started"
check "...and counts" wait_for_log shared "QINIT-COUNT 3"
a_pid=$(state_pid shared)
run qemu-init migrate shared "$HB"
expect_out "migrate shared to B: exit 0" 0 "shared: migrated to $HB in "
check "...A's QEMU is gone" wait_until 30 gone "$a_pid"
check "...and its state" test ! -e "$QEMU_INIT_RUNDIR/shared@state"
run qemu-init status shared
expect_out "...A's status says stopped (exit 3)" 3 "shared: stopped"
run on_b qemu-init status shared
expect_out "...B's says running (exit 0)" 0 "shared: running"
check "...B's QEMU runs" test -n "$(b_qemu shared)"
check "...recorded as the VM now, not an arrival" \
    eval '! grep -q INCOMING "$B/run/shared@state"'
run qemu-init -H "$HB" status shared
expect_out "...and so says B through -H" 0 "shared: running"
check "B's console goes on counting" \
    on_b wait_for_log shared "QINIT-COUNT" 120
check "...from where A's stopped, without a boot" \
    goes_on "$QEMU_INIT_RUNDIR/shared@console.log" "$B/run/shared@console.log"
check "...and counts on there" wait_until 120 counting_past \
    "$B/run/shared@console.log" "$(last_count "$B/run/shared@console.log")"

cp "$QEMU_INIT_RUNDIR/shared@console.log" "$T/a-first.log"
run qemu-init -H "$HB" migrate shared "$HA"
expect_out "back from B to A, driven on B through -H: exit 0" 0 \
    "shared: migrated to $HA"
run qemu-init status shared
expect_out "...A's status says running" 0 "shared: running"
check "...nothing of it is left on B" nothing_on_b shared
check "...A's console goes on from where B's stopped" \
    wait_for_log shared "QINIT-COUNT" 120 &&
    goes_on "$B/run/shared@console.log" "$QEMU_INIT_RUNDIR/shared@console.log"

# On a terminal, a live line on stderr says what moves (over the slow
# link, so that it is drawn more than once), and the end line is plain.
QEMU_INIT_SSH=$SLOW script -qec "qemu-init migrate shared $HB; echo rc=\$?" \
    /dev/null > "$T/tty.out" 2>&1
check "migrate on a terminal: exit 0" grep -q '^rc=0' "$T/tty.out" ||
    diag "$(tail -c 2000 "$T/tty.out")"
check "...its live line shows the RAM sent and the rate" \
    grep -aq 'shared: [0-9]* s, sending RAM: [0-9.]* of [0-9.]* MiB at [0-9.]* MiB/s' "$T/tty.out"
check "...and says it moved" grep -aq "shared: migrated to $HB in " "$T/tty.out"
run on_b qemu-init migrate shared "$HA"
expect_out "...and back from B to A without a terminal: no live line" 0 \
    "shared: migrated to $HA"
check "...(nothing on stderr)" test -z "$err"

# --- copied storage ---------------------------------------------------------------
run qemu-init start copy
expect_out "copy starts on A" 0 "copy: started"
check "...its guest is up" wait_ready copy
# The guest writes its disk, then keeps writing blocks of it while it
# moves; on B it stops writing and says what its disk holds.
guest_type copy 'dd if=/dev/urandom of=/dev/vda bs=1M count=8 conv=fsync 2>/dev/null; echo WROTE-$((6*7))'
check "...the guest wrote its disk" wait_for_log copy WROTE-42
guest_type copy 'while :; do dd if=/dev/urandom of=/dev/vda bs=4k count=1 seek=$((RANDOM % 4096)) conv=notrunc,fsync 2>/dev/null; done &'
run qemu-init migrate --copy-storage copy "$HB"
expect_out "migrate --copy-storage copy to B, the guest writing: exit 0" 0 \
    "copy: migrated to $HB"
run on_b qemu-init status copy
expect_out "...B's status says running" 0 "copy: running"
run qemu-init status copy
expect_out "...A's says stopped" 3 "copy: stopped"
check "...B's console goes on from where A's stopped" \
    on_b wait_for_log copy "QINIT-COUNT" 120 &&
    goes_on "$QEMU_INIT_RUNDIR/copy@console.log" "$B/run/copy@console.log"
on_b guest_type copy 'kill %1; sync; echo 3 > /proc/sys/vm/drop_caches; echo SUM-$(sha256sum /dev/vda | cut -c1-64)'
check "...the guest there says what its disk holds" \
    on_b wait_for_log copy "SUM-[0-9a-f]\{64\}" 120
sum=$(tr -d '\r' < "$B/run/copy@console.log" | sed -n 's/^SUM-\([0-9a-f]\{64\}\)$/\1/p' | tail -1)
run on_b qemu-init stop copy
expect_out "...stopped cleanly there" 0 "copy: stopped"
check "...B's disk file holds what the guest wrote, to the byte" \
    test -n "$sum" -a "$(sha256sum < "$T/b-disks/copy.img" | cut -c1-64)" = "$sum"

# --- faults ----------------------------------------------------------------------------
run qemu-init migrate nocfg "$HB"
expect "a VM that does not run here: refused, exit 1" 1 "'nocfg' is not running"
run qemu-init start nocfg
check "nocfg runs here" test "$rc" -eq 0 && wait_for_log nocfg QINIT-COUNT
run qemu-init migrate nocfg -- "-oProxyCommand=touch $T/pwned"
expect "...to a 'host' that is an ssh option: refused here, exit 1" 1 \
    "-oProxyCommand=touch $T/pwned: bad host name"
check "...(no ssh ran it)" test ! -e "$T/pwned"
run qemu-init migrate nocfg "$HB"
expect "...to a target without its config: refused there, exit 1" 1 \
    "$HB: unknown VM 'nocfg'"
check "...it keeps running and counting here" keeps_counting nocfg
check "...and nothing of it runs there" nothing_on_b nocfg
qemu-init kill nocfg >/dev/null

run qemu-init start twice
run on_b qemu-init start twice
b_pid=$(b_qemu twice)
check "twice runs on A and on B" test -n "$b_pid" &&
    wait_for_log twice "QINIT-COUNT"
run qemu-init migrate twice "$HB"
expect "migrating it to B, where it runs already: refused, exit 1" 1 \
    "$HB: 'twice' already runs on this host"
check "...it keeps running and counting here" keeps_counting twice
check "...B's copy is untouched: the same QEMU" test "$(b_qemu twice)" = "$b_pid"
qemu-init kill twice >/dev/null
on_b qemu-init kill twice >/dev/null

# migrate_faulted DESC: migrate shared to B over the slow link in the
# background, until the fault (the caller's) is done, then its end.
start_slow() {
	QEMU_INIT_SSH=$SLOW qemu-init migrate shared "$HB" \
	    > "$T/mig.out" 2> "$T/mig.err" &
	mig=$!
	wait_until 120 migrating shared
}
end_slow() {
	wait "$mig"
	rc=$?
	out=$(cat "$T/mig.out")
	err=$(cat "$T/mig.err")
}

check "the target's QEMU killed mid-migration:" start_slow
bq=$(b_qemu shared)
check "...(it runs on B, waiting)" test -n "$bq" &&
    grep -q INCOMING=yes "$B/run/shared@state"
kill -KILL "$bq"
end_slow
expect "...migrate fails, exit 1" 1 ""
check "...the VM keeps running and counting here" keeps_counting shared
run qemu-init status shared
expect_out "...status here says running" 0 "shared: running"
check "...nothing of it is left on B" nothing_on_b shared

check "the ssh connection killed mid-way:" start_slow
sshpid=
for w in $(pgrep -P "$mig"); do
	sshpid="$sshpid $(pgrep -P "$w" -x ssh)"
done
check "...(migrate's ssh runs)" test -n "${sshpid// }"
kill -KILL $sshpid
end_slow
expect "...migrate fails, exit 1" 1 ""
check "...the VM keeps running and counting here" keeps_counting shared
check "...nothing of it is left on B" nothing_on_b shared

check "migrate killed (SIGKILL) mid-way:" start_slow
kill -KILL "$mig"
wait "$mig" 2>/dev/null
check "...its guardian stops QEMU's migration" \
    wait_until 120 eval '! qemu-cmd -c "info migrate" shared | grep -q "status: active"'
check "...the VM keeps running and counting here" keeps_counting shared
check "...nothing of it is left on B" nothing_on_b shared
check "...the guardian says so" wait_until 60 grep -q "the VM stays here" "$T/mig.err"

# The receiving end on B: the qemu-init whose sessions are B's.
receiver() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(cat "$p/comm" 2>/dev/null)" = qemu-init ] &&
		    tr '\0' '\n' < "$p/environ" 2>/dev/null |
		    grep -qx "QEMU_INIT_RUNDIR=$B/run" && echo "${p#/proc/}"
	done
}
check "the target's qemu-init killed (SIGKILL) mid-way:" start_slow
rpid=$(receiver)
check "...(it runs on B)" test -n "$rpid"
kill -KILL $rpid
end_slow
expect "...migrate fails, exit 1" 1 ""
check "...the VM keeps running and counting here" keeps_counting shared
check "...nothing of it is left on B" nothing_on_b shared
run qemu-init status shared
expect_out "...and status here says running" 0 "shared: running"
run on_b qemu-init status shared
expect_out "...B's says stopped" 3 "shared: stopped"

# --- the OCF resource agent -------------------------------------------------------------
AGENT=$TOP/contrib/ocf/qemu-init
qemu-init kill shared >/dev/null
guest_vm ocf obey "" qinit.counter=1
export OCF_ROOT=/usr/lib/ocf
run ocf-tester -n qinit-ocf -o vm=ocf "$AGENT"
if [ "$rc" -eq 0 ] && contains "$out" "passed all tests"; then
	ok "ocf-tester: the agent passes with a test VM"
else
	not_ok "ocf-tester: the agent passes with a test VM"
	show_run
fi
run qemu-init status ocf
expect_out "...which it left stopped" 3 "ocf: stopped"

# migrate_to, with Pacemaker's names: node "nodeb" is B (ssh_config).
printf 'Host nodeb\n\tHostName 127.0.0.1\n\tPort %s\n\tUser qi-hostb\n' \
    "$PORT" >> "$S/ssh_config"
b_vm ocf ""
agent() {	# agent ACTION: the agent's action on this host, vm=ocf
	OCF_RESKEY_vm=ocf OCF_RESKEY_CRM_meta_timeout=300000 \
	    OCF_RESKEY_CRM_meta_migrate_target=nodeb "$AGENT" "$1"
}
run agent start
check "the agent starts ocf here" test "$rc" -eq 0 &&
    wait_for_log ocf "QINIT-COUNT"
run agent migrate_to
check "...migrate_to moves it to node nodeb (B)" test "$rc" -eq 0 || show_run
run on_b agent migrate_from
check "...migrate_from there says it arrived" test "$rc" -eq 0 || show_run
run agent monitor
check "...monitor here says not running (7)" test "$rc" -eq 7
run on_b agent monitor
check "...monitor there says running (0)" test "$rc" -eq 0
run on_b agent stop
check "...stop there stops it (0)" test "$rc" -eq 0 &&
    nothing_on_b ocf
run env OCF_RESKEY_vm=nosuchvm OCF_RESKEY_CRM_meta_interval=0 "$AGENT" monitor
check "a probe of a VM this node does not know: not running (7)" \
    test "$rc" -eq 7

check "no QEMU is left here" test -z "$(our_qemus)"
done_testing
