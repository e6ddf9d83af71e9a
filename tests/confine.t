#!/bin/bash
# confine.t - QEMU is never root's tool: a guest that writes a qcow2
# header onto its raw disk, an "ISO" that is a qcow2 image, a local user
# on the TCP monitors asking QEMU to run a program or to open and write
# root's files, a symlink planted where the UEFI variable store goes.
# None of them reaches a root-owned file (each victim is compared by
# hash, and by QEMU's open descriptors).  And what holds QEMU: its own
# uid, no new privileges, its seccomp filter; status that tells a crash
# from a power-off whatever QEMU runs as; every monitor wait within the
# caller's deadline; a state file that holds what the config's bounds
# allow; QEMU's missing user named by check with the command that makes
# it.
. "$(dirname "$0")/lib.sh"
need_guest
need_root "confine.t starts QEMU as root, which must then drop it"
monitor_conf 34400 20

# A folder like /etc: root's, nobody else may write it; and in it the
# victims, which only root may read.
R=$T/rootonly
mkdir -m 755 "$R"
victim() {	# victim NAME: a root-only file of random bytes
	head -c 65536 /dev/urandom > "$R/$1"
	chmod 600 "$R/$1"
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
not() { ! "$@"; }
# opens PID FILE: the process has FILE open (its /proc fd links).
opens() {
	local f
	for f in /proc/"$1"/fd/*; do
		[ "$(readlink "$f" 2>/dev/null)" = "$2" ] && return 0
	done
	return 1
}
# status_field PID FIELD: a line of /proc/PID/status, its first value.
status_field() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}
# typed NAME LINE MARK: LINE typed into NAME's shell, which then prints
# MARK with the status of LINE (MARK=0 when it worked).
typed() {
	guest_type "$1" "$2; echo $3=\$?"
	wait_for_log "$1" "$3=[0-9]" 60 && return 0
	# Typed before the guest's shell was there to read it: again.
	guest_type "$1" "$2; echo $3=\$?"
	wait_for_log "$1" "$3=[0-9]" 180
}
mark_rc() {	# mark_rc NAME MARK: the status typed printed
	sed -n "s/.*$2=\([0-9][0-9]*\).*/\1/p" \
	    "$QEMU_INIT_RUNDIR/$1@console.log" | tail -1
}

# --- QEMU's user, its sandbox ---------------------------------------------------
guest_vm plain obey
guest_vm other obey
run env QINIT_SECRET=roots-own qemu-init start plain other
expect_out "two VMs without RUNAS start" 0 "other: started"
ppid=$(state_pid plain)
opid=$(state_pid other)
puid=$(status_field "$ppid" Uid)
ouid=$(status_field "$opid" Uid)
check "QEMU does not run as root" test -n "$puid" -a "$puid" != 0 ||
    diag "uid: $puid"
check "...nor as root's group, nor with root's other groups" test \
    "$(status_field "$ppid" Gid)" != 0 -a -z "$(awk '$1 == "Groups:" { for (i = 2; i <= NF; i++) if ($i == 0) print }' /proc/$ppid/status)"
check "each VM's QEMU has a uid of its own" test "$puid" != "$ouid" ||
    diag "both $puid"
first=$(sed -n 's/^qemu-init:\([0-9]*\):.*/\1/p' /etc/subuid)
check "...from qemu-init's subordinate ids" \
    test "$puid" -ge "$first" -a "$puid" -lt $((first + 65536))
check "...as the state records it" test "$(state_of plain UID)" = "$puid"
check "QEMU runs with no new privileges" \
    test "$(status_field "$ppid" NoNewPrivs)" = 1
check "...under its seccomp filter" test "$(status_field "$ppid" Seccomp)" = 2
check "...with no capabilities" \
    test "$(status_field "$ppid" CapEff)" = 0000000000000000
check "...and none of root's environment but PATH and the like" \
    not grep -qz '^QINIT_SECRET=' "/proc/$ppid/environ"
check "...PATH among it" grep -qz '^PATH=' "/proc/$ppid/environ"
check "QEMU cannot signal another VM's QEMU" \
    not setpriv --reuid="$puid" --regid="$puid" --clear-groups kill -0 "$opid" 2>/dev/null
check "QEMU's command line has no -runas, no -daemonize" \
    not tr '\0' '\n' < "/proc/$ppid/cmdline" | grep -qx -- '-runas\|-daemonize'

# --- kill -9 is dead, a guest's own power-off is stopped ------------------------
check "the guest is up" wait_ready plain
kill -KILL "$ppid"
wait_until 30 gone "$ppid"
run qemu-init status plain
expect_out "kill -9 of its QEMU: status says dead, exit 1" 1 "plain: dead"
run qemu-init start plain
expect_out "start recovers it" 0 "plain: started"
ppid=$(state_pid plain)
check "...the guest is up again" wait_ready plain
guest_type plain "poweroff -f"
check "the guest powers itself off" wait_until 120 gone "$ppid"
run qemu-init status plain
expect_out "...status says stopped, exit 3" 3 "plain: stopped"

# --- a guest writes a qcow2 header onto its raw disk ------------------------
# hdr.qcow2 is a qcow2 header whose external data file is the victim: the
# guest sees it as raw bytes on its second disk (DISKFORMAT2=raw) and
# copies it onto its first.  Were the first disk ever opened as qcow2,
# QEMU would write the guest's data into the victim.
victim data
qemu-img create -q -f qcow2 -o "data_file=$R/data,data_file_raw=on" \
    "$T/hdr.qcow2" 8M
victim data
datasum=$(sha "$R/data")
for fmt in probed raw; do
	vm=g$fmt
	extra="DISKIF=virtio
DSK1=disk.img
DSK2=$T/hdr.qcow2
DISKFORMAT2=raw"
	[ $fmt = raw ] && extra="$extra
DISKFORMAT1=raw"
	guest_vm $vm obey "$extra"
	truncate -s 8M "$T/vms/$vm/disk.img"
	run qemu-init start $vm
	expect_out "$fmt disk: the VM starts" 0 "$vm: started"
	check "$fmt disk: the guest is up" wait_ready $vm
	typed $vm "dd if=/dev/vdb of=/dev/vda bs=65536 count=8 conv=fsync" DD
	guest_type $vm "poweroff -f"
	check "$fmt disk: the guest powers off" \
	    wait_until 120 gone "$(state_pid $vm)"
	if [ $fmt = probed ]; then
		check "probed disk: QEMU refused the guest's qcow2 header" \
		    test "$(mark_rc $vm DD)" != 0
		check "...its first block is still zeros" \
		    cmp -s -n 65536 "$T/vms/$vm/disk.img" /dev/zero
	else
		check "raw disk: the guest wrote its header (its disk, its data)" \
		    test "$(mark_rc $vm DD)" = 0
		check "...which is on the disk now" \
		    cmp -s -n 512 "$T/vms/$vm/disk.img" "$T/hdr.qcow2"
	fi
	run qemu-init check $vm
	check "$fmt disk: check says it opens nothing" \
	    not contains "$err" "$R/data" || show_run
	run qemu-init start $vm
	expect_out "$fmt disk: it starts again" 0 "$vm: started"
	pid=$(state_pid $vm)
	check "$fmt disk: QEMU does not open the victim" not opens "$pid" "$R/data"
	check "$fmt disk: the guest is up again" wait_ready $vm
	typed $vm "dd if=/dev/urandom of=/dev/vda bs=4096 count=64 seek=16 conv=fsync" W
	check "$fmt disk: the guest writes to its disk" test "$(mark_rc $vm W)" = 0
	run qemu-init stop $vm
	expect_out "$fmt disk: stop" 0 "$vm: stopped"
	check "$fmt disk: the victim is unchanged" test "$(sha "$R/data")" = "$datasum"
done

# --- an "ISO" that is a qcow2 image with a backing file -------------------------
victim base
basesum=$(sha "$R/base")
qemu-img create -q -f qcow2 -b "$R/base" -F raw "$T/evil.iso" 1M
guest_vm iso obey "CDR1=$T/evil.iso"
run qemu-init start iso
expect_out "a VM with a qcow2 file as CDR1 starts" 0 "iso: started"
check "...QEMU does not open the file its header names" \
    not opens "$(state_pid iso)" "$R/base"
run qemu-cmd -j '{"execute":"query-block"}' iso
check "...the CD-ROM is raw" contains "$out" '"format": "raw"' || show_run
run qemu-init kill iso
check "...the backing file is unchanged" test "$(sha "$R/base")" = "$basesum"

# --- check and info show what an image opens ------------------------------------
qemu-img create -q -f raw "$T/base.img" 8M
qemu-img create -q -f qcow2 -b "$T/base.img" -F raw "$T/layer.qcow2"
guest_vm layered obey "DSK1=$T/layer.qcow2
DISKFORMAT1=qcow2"
run qemu-init check layered
expect "check notes the backing file a qcow2 image opens (no problem)" 0 \
    "qemu-init: note: $T/vms/layered/layered-qemu.cfg:11: DSK1: $T/layer.qcow2 opens $T/base.img (its backing file, raw), as QEMU's user"
chmod 600 "$T/base.img"
run qemu-init check layered
expect "...and fails when QEMU's user could not read it" 1 \
    "DSK1: $T/base.img is not readable by QEMU's user"
chmod 644 "$T/base.img"
qemu-img create -q -f qcow2 -b "json:{\"driver\":\"file\",\"filename\":\"$R/base\"}" \
    -F raw -u "$T/json.qcow2" 8M
guest_vm jsonb obey "DSK1=$T/json.qcow2"
run qemu-init check jsonb
expect "a backing file named as json: is refused by check" 1 "which is not a file name"
run qemu-init start jsonb
expect "...and by start" 1 "its backing file 'json:"
check "...nothing started" test -z "$(state_pid jsonb)"

# --- a local user on the TCP monitors --------------------------------------------
# IN: a command prefix that runs in the VM's network namespace (or none).
IN=
nobody_cmd() {	# nobody_cmd VM OPTION ARG: nobody's qemu-cmd on CTLPORT
	run $IN setpriv --reuid=nobody --regid=nogroup --clear-groups env \
	    QEMU_INIT_CONFDIR="$QEMU_INIT_CONFDIR" \
	    QEMU_INIT_RUNDIR="$QEMU_INIT_RUNDIR" qemu-cmd "$2" "$3" "$1"
}
monitor_attacks() {	# monitor_attacks VM WHAT
	local pid secretsum
	run $IN qemu-init start "$1"
	expect_out "$2: starts" 0 "$1: started"
	pid=$(state_pid "$1")
	victim secret
	secretsum=$(sha "$R/secret")
	nobody_cmd "$1" -c "drive_add 0 if=none,id=stolen,file=$R/secret"
	check "$2: nobody's drive_add of a root-only file fails" \
	    contains "$out$err" "Permission denied" || show_run
	check "$2: ...QEMU has not opened it" not opens "$pid" "$R/secret"
	nobody_cmd "$1" -c "screendump $R/shot.ppm"
	check "$2: nobody's screendump into a root folder creates nothing" \
	    test ! -e "$R/shot.ppm" || show_run
	nobody_cmd "$1" -c "dump-guest-memory $R/secret"
	check "$2: nobody's dump-guest-memory over a root file changes nothing" \
	    test "$(sha "$R/secret")" = "$secretsum" || show_run
	nobody_cmd "$1" -j "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"exec:touch $R/pwned\"}}"
	check "$2: nobody's migrate to exec: ends the VM (its sandbox)" \
	    wait_until 30 gone "$pid"
	check "$2: ...and runs nothing" test ! -e "$R/pwned"
	run $IN qemu-init status "$1"
	expect_out "$2: ...status says dead" 1 "$1: dead"
	run $IN qemu-init stop "$1"
}
guest_vm tcpmon obey
monitor_attacks tcpmon "no NIC"

NETNS=qinit-confine$$
ip netns add "$NETNS" || { echo "Bail out! cannot create a netns"; exit 1; }
IN="ip netns exec $NETNS"
$IN ip link set lo up
$IN ip link add br0 type bridge
$IN ip addr add 198.18.0.1/24 dev br0
$IN ip link set br0 up
guest_vm nic obey "NIC1=virtio-net-pci" "qinit.ip=198.18.0.2/24"
run qemu-init show nic
check "a NIC's tap is handed to QEMU, no script" \
    contains "$out" "tap,id=net0,fd=<tap qi" || show_run
check "...QEMU is not to run one" not contains "$out" "script="
run $IN qemu-init start nic
expect_out "a VM with a NIC starts" 0 "nic: started"
pid=$(state_pid nic)
check "...its tap is on the bridge" \
    test "$($IN ip -o link show master br0 | grep -c ': qi[0-9]*n0')" -eq 1
check "...QEMU runs under its sandbox" test "$(status_field "$pid" Seccomp)" = 2
check "...the guest is up" wait_ready nic
check "...the host pings the guest" \
    wait_until 60 $IN ping -c 1 -W 1 198.18.0.2
run $IN qemu-init stop nic
expect_out "...and stops" 0 "nic: stopped"
check "...its tap is gone with its QEMU" \
    test "$($IN ip -o link show | grep -c ': qi[0-9]*n0')" -eq 0
monitor_attacks nic "with a NIC"
IN=

# --- the UEFI variable store ------------------------------------------------------
victim target
targetsum=$(sha "$R/target")
guest_vm uefi obey "FIRMWARE=uefi"
ln -s "$R/target" "$T/vms/uefi/uefi-qemu.vars"
run qemu-init start uefi
expect "a symlink planted where the variable store goes is refused" 1 \
    "the UEFI variable store $T/vms/uefi/uefi-qemu.vars is a symlink: refused"
check "...its target is unchanged" test "$(sha "$R/target")" = "$targetsum"
run qemu-init check uefi
expect "...check says so too" 1 "is not a regular file (a symlink?)"
rm "$T/vms/uefi/uefi-qemu.vars"
chmod g+w "$T/vms/uefi"
run qemu-init start uefi
expect "a config folder its group can write is refused, with the fix" 1 \
    "$T/vms/uefi: folder writable by group or others: refused while running as root (chmod go-w $T/vms/uefi)"
check "...no variable store made" test ! -e "$T/vms/uefi/uefi-qemu.vars"
chmod g-w "$T/vms/uefi"
run qemu-init start uefi
expect_out "with the folder mended, the UEFI VM starts" 0 "uefi: started"
check "...its variable store is a root-only file" \
    test "$(stat -c '%U %a %F' "$T/vms/uefi/uefi-qemu.vars")" = "root 600 regular file"
run qemu-init kill uefi

# --- a hung QEMU: every wait within the caller's deadline ------------------------
guest_vm hung obey
run qemu-init start hung
expect_out "a VM to hang starts" 0 "hung: started"
hpid=$(state_pid hung)
kill -STOP "$hpid"
# The monitor used to wait 10 s whatever -t said: 9 s bound that.
run timeout 9 qemu-init stop -t 2 hung
check "stop -t 2 of a hung QEMU gives up within its deadline" \
    test "$rc" = 1 || show_run
check "...and says why" contains "$err" "hung" || show_run
run timeout 9 qemu-init status hung
expect_out "status of a hung QEMU answers, within its own deadline" 0 \
    "hung: running"
run timeout 9 qemu-init list
check "list of a hung QEMU answers too" test "$rc" = 0 || show_run
kill -CONT "$hpid"
run qemu-init kill hung

# --- a state file as large as the config's bounds allow ----------------------------
long=$T/vms/big/$(printf 'd%.0s' $(seq 200))/$(printf 'e%.0s' $(seq 200))
long=$long/$(printf 'f%.0s' $(seq 200))/$(printf 'g%.0s' $(seq 200))
long=$long/$(printf 'h%.0s' $(seq 200))/$(printf 'i%.0s' $(seq 200))
mkdir -p "$long"
for i in 1 2 3 4; do truncate -s 1M "$long/disk$i-$(printf "'x%.0s" $(seq 100))"; done
desc=$(head -c 49152 /dev/zero | tr '\0' "'")
guest_vm big obey "DESC=\"$desc\"
DSK1=\"$long/disk1-$(printf "'x%.0s" $(seq 100))\"
DSK2=\"$long/disk2-$(printf "'x%.0s" $(seq 100))\"
DSK3=\"$long/disk3-$(printf "'x%.0s" $(seq 100))\"
DSK4=\"$long/disk4-$(printf "'x%.0s" $(seq 100))\""
run qemu-init start big
expect_out "a VM with a 48 KiB DESC of quotes and four long disk paths starts" 0 \
    "big: started"
check "...its state is larger than 64 KiB" \
    test "$(stat -c %s "$QEMU_INIT_RUNDIR/big@state")" -gt 65536
run qemu-init status big
expect_out "...and reads back: running, with its ports" 0 "big: running"
check "...not a start cut short" not contains "$out" "cut short"
run qemu-init kill big

# --- QEMU's user missing, RUNAS=root ---------------------------------------------
printf 'MONPORT=34400\nSLOTS=20\nRUNAS=qinit-no-such-user\n' \
    > "$QEMU_INIT_CONFDIR/monitor.conf"
guest_vm nouser obey
run qemu-init check nouser
expect "check names a missing QEMU user and the command that makes it" 1 \
    "monitor.conf:3: QEMU's user 'qinit-no-such-user' does not exist, so no VM without RUNAS can start: create it (useradd --system --user-group --home-dir /nonexistent --shell /usr/sbin/nologin qinit-no-such-user)"
run qemu-init start nouser
expect "...start refuses, with the same fix" 1 \
    "QEMU's user 'qinit-no-such-user' does not exist: create it (useradd --system"
check "...nothing started" test -z "$(state_pid nouser)"
guest_vm asroot obey "RUNAS=root"
run qemu-init start asroot
expect_out "RUNAS=root: the explicit opt-out starts" 0 "asroot: started"
check "...QEMU runs as root" test "$(status_field "$(state_pid asroot)" Uid)" = 0
check "...still under its seccomp filter" \
    test "$(status_field "$(state_pid asroot)" Seccomp)" = 2
run qemu-init info asroot
expect_out "...info says who QEMU runs as" 0 "runas"
run qemu-init kill asroot
monitor_conf 34400 20

done_testing
