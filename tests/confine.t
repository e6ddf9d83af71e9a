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
test_require ROOT,GUEST,QEMU_IMG
monitor_conf

# A folder like /etc: root's, nobody else may write it; and in it the
# victims, which only root may read.
R=$T/rootonly
mkdir -m 755 "$R"
victim() {	# victim NAME: a root-only file of random bytes
	head -c 65536 /dev/urandom > "$R/$1"
	chmod 600 "$R/$1"
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
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
	wait_for_log "$1" "$3=[0-9]" 60 >/dev/null && return 0
	# Typed before the guest's shell was there to read it: again.
	guest_type "$1" "$2; echo $3=\$?"
	wait_for_log "$1" "$3=[0-9]"
}
mark_rc() {	# mark_rc NAME MARK: the status typed printed
	sed -n "s/.*$2=\([0-9][0-9]*\).*/\1/p" "$(console_log "$1")" | tail -1
}

# --- QEMU's user, its sandbox ---------------------------------------------------
guest_vm plain obey
guest_vm other obey
test_expect_success 'two VMs without RUNAS start' '
	run env QINIT_SECRET=roots-own qemu-init start plain other && test_rc 0 &&
	test_out_has "other: started"
'
ppid=$(state_pid plain)
opid=$(state_pid other)
puid=$(status_field "$ppid" Uid)
ouid=$(status_field "$opid" Uid)
test_expect_success 'QEMU does not run as root' '
	echo "uid: $puid" && test -n "$puid" -a "$puid" != 0
'
test_expect_success "...nor as root's group, nor with root's other groups" <<'T'
	test "$(status_field "$ppid" Gid)" != 0 &&
	test -z "$(awk '$1 == "Groups:" { for (i = 2; i <= NF; i++) if ($i == 0) print }' /proc/$ppid/status)"
T
test_expect_success "each VM's QEMU has a uid of its own" '
	echo "both $puid" && test "$puid" != "$ouid"
'
test_expect_success "...from qemu-init's subordinate ids" <<'T'
	first=$(sed -n 's/^qemu-init:\([0-9]*\):.*/\1/p' /etc/subuid) &&
	test "$puid" -ge "$first" -a "$puid" -lt $((first + 65536))
T
test_expect_success '...as the state records it' 'test_eq "$puid" "$(state_of plain UID)"'
test_expect_success 'QEMU runs with no new privileges, under its seccomp filter, with no capabilities' '
	test_eq "1 2 0000000000000000" "$(status_field "$ppid" NoNewPrivs) $(status_field "$ppid" Seccomp) $(status_field "$ppid" CapEff)"
'
test_expect_success "...and none of root's environment but PATH and the like" '
	! grep -qz "^QINIT_SECRET=" "/proc/$ppid/environ" &&
	grep -qz "^PATH=" "/proc/$ppid/environ"
'
test_expect_success "QEMU cannot signal another VM's QEMU" '
	! setpriv --reuid="$puid" --regid="$puid" --clear-groups kill -0 "$opid"
'
test_expect_success "QEMU's command line has no -runas, no -daemonize" <<'T'
	! tr '\0' '\n' < "/proc/$ppid/cmdline" | grep -x -- '-runas\|-daemonize'
T

# --- kill -9 is dead, a guest's own power-off is stopped ------------------------
test_expect_success 'the guest is up' 'wait_ready plain'
test_expect_success 'kill -9 of its QEMU: status says dead, exit 1' '
	kill -KILL "$ppid" && wait_until 60 gone "$ppid" &&
	run qemu-init status plain && test_rc 1 && test_out_has "plain: dead"
'
test_expect_success 'start recovers it; the guest is up again' '
	run qemu-init start plain && test_rc 0 && test_out_has "plain: started" &&
	wait_ready plain
'
test_expect_success 'the guest powers itself off; status says stopped, exit 3' '
	guest_type plain "poweroff -f" && wait_off plain &&
	run qemu-init status plain && test_rc 3 && test_out "plain: stopped"
'

# --- a guest writes a qcow2 header onto its raw disk ------------------------
# hdr.qcow2 is a qcow2 header whose external data file is the victim: the
# guest sees it as raw bytes on its second disk (DISKFORMAT2=raw) and
# copies it onto its first.  Were the first disk ever opened as qcow2,
# QEMU would write the guest's data into the victim.
test_expect_success 'setup: a qcow2 header whose data file is a root-only victim' <<'T'
	victim data &&
	qemu-img create -q -f qcow2 -o "data_file=$R/data,data_file_raw=on" \
	    "$T/hdr.qcow2" 8M &&
	victim data &&
	datasum=$(sha "$R/data")
T
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
	test_expect_success "$fmt disk: the VM starts, the guest is up" '
		run qemu-init start $vm && test_rc 0 && test_out_has "$vm: started" &&
		wait_ready $vm
	'
	test_expect_success "$fmt disk: the guest copies the header onto its disk, and powers off" '
		typed $vm "dd if=/dev/vdb of=/dev/vda bs=65536 count=8 conv=fsync" DD &&
		guest_type $vm "poweroff -f" && wait_off $vm
	'
	if [ $fmt = probed ]; then
		test_expect_success "probed disk: QEMU refused the guest's qcow2 header; its first block is still zeros" '
			test "$(mark_rc $vm DD)" != 0 &&
			cmp -s -n 65536 "$T/vms/$vm/disk.img" /dev/zero
		'
	else
		test_expect_success "raw disk: the guest wrote its header (its disk, its data), which is on the disk now" '
			test_eq 0 "$(mark_rc $vm DD)" &&
			cmp -s -n 512 "$T/vms/$vm/disk.img" "$T/hdr.qcow2"
		'
	fi
	test_expect_success "$fmt disk: check says it opens nothing" '
		run qemu-init check $vm && test_lacks "$err" "$R/data"
	'
	test_expect_success "$fmt disk: it starts again; QEMU does not open the victim" '
		run qemu-init start $vm && test_rc 0 && test_out_has "$vm: started" &&
		! opens "$(state_pid $vm)" "$R/data"
	'
	test_expect_success "$fmt disk: the guest is up again, and writes to its disk" '
		wait_ready $vm &&
		typed $vm "dd if=/dev/urandom of=/dev/vda bs=4096 count=64 seek=16 conv=fsync" W &&
		test_eq 0 "$(mark_rc $vm W)"
	'
	test_expect_success "$fmt disk: stop; the victim is unchanged" '
		run_guest $vm qemu-init stop -t 3600 $vm && test_rc 0 &&
		test_out "$vm: stopped" && test_eq "$datasum" "$(sha "$R/data")"
	'
done

# --- an "ISO" that is a qcow2 image with a backing file -------------------------
guest_vm iso obey "CDR1=$T/evil.iso"
test_expect_success 'a VM with a qcow2 file as CDR1 starts' <<'T'
	victim base &&
	basesum=$(sha "$R/base") &&
	qemu-img create -q -f qcow2 -b "$R/base" -F raw "$T/evil.iso" 1M &&
	run qemu-init start iso && test_rc 0 && test_out_has "iso: started"
T
test_expect_success '...QEMU does not open the file its header names' '
	! opens "$(state_pid iso)" "$R/base"
'
test_expect_success '...the CD-ROM is raw' <<'T'
	run qemu-cmd -j '{"execute":"query-block"}' iso &&
	test_rc 0 && test_out_has '"format": "raw"'
T
test_expect_success '...the backing file is unchanged' '
	run qemu-init kill iso && test_rc 0 && test_eq "$basesum" "$(sha "$R/base")"
'

# --- check and info show what an image opens ------------------------------------
guest_vm layered obey "DSK1=$T/layer.qcow2
DISKFORMAT1=qcow2"
test_expect_success 'check notes the backing file a qcow2 image opens (no problem)' <<'T'
	qemu-img create -q -f raw "$T/base.img" 8M &&
	qemu-img create -q -f qcow2 -b "$T/base.img" -F raw "$T/layer.qcow2" &&
	run qemu-init check layered &&
	test_rc 0 &&
	test_err "qemu-init: note: $T/vms/layered/layered-qemu.cfg:11: DSK1: $T/layer.qcow2 opens $T/base.img (its backing file, raw), as QEMU's user"
T
test_expect_success "...and fails when QEMU's user could not read it" <<'T'
	chmod 600 "$T/base.img" &&
	run qemu-init check layered &&
	chmod 644 "$T/base.img" &&
	test_rc 1 && test_err_has "DSK1: $T/base.img is not readable by QEMU's user"
T
guest_vm jsonb obey "DSK1=$T/json.qcow2"
test_expect_success 'a backing file named as json: is refused by check' <<'T'
	qemu-img create -q -f qcow2 -b "json:{\"driver\":\"file\",\"filename\":\"$R/base\"}" \
	    -F raw -u "$T/json.qcow2" 8M &&
	run qemu-init check jsonb &&
	test_rc 1 && test_err_has "which is not a file name"
T
test_expect_success '...and by start; nothing started' <<'T'
	run qemu-init start jsonb &&
	test_rc 1 && test_err_has "its backing file 'json:" &&
	test -z "$(state_pid jsonb)"
T

# --- a local user on the TCP monitors --------------------------------------------
# IN: a command prefix that runs in the VM's network namespace (or none).
IN=
nobody_cmd() {	# nobody_cmd VM OPTION ARG: nobody's qemu-cmd on CTLPORT
	run $IN setpriv --reuid=nobody --regid=nogroup --clear-groups env \
	    QEMU_INIT_CONFDIR="$QEMU_INIT_CONFDIR" \
	    QEMU_INIT_RUNDIR="$QEMU_INIT_RUNDIR" qemu-cmd "$2" "$3" "$1"
}
monitor_attacks() {	# monitor_attacks VM WHAT
	ma_vm=$1
	test_expect_success "$2: starts" '
		run $IN qemu-init start "$ma_vm" && test_rc 0 &&
		test_out_has "$ma_vm: started" &&
		ma_pid=$(state_pid "$ma_vm") &&
		victim secret &&
		secretsum=$(sha "$R/secret")
	'
	test_expect_success "$2: nobody's drive_add of a root-only file fails; QEMU has not opened it" '
		nobody_cmd "$ma_vm" -c "drive_add 0 if=none,id=stolen,file=$R/secret" &&
		test_has "$out$err" "Permission denied" &&
		! opens "$ma_pid" "$R/secret"
	'
	test_expect_success "$2: nobody's screendump into a root folder creates nothing" '
		nobody_cmd "$ma_vm" -c "screendump $R/shot.ppm" &&
		test ! -e "$R/shot.ppm"
	'
	test_expect_success "$2: nobody's dump-guest-memory over a root file changes nothing" '
		nobody_cmd "$ma_vm" -c "dump-guest-memory $R/secret" &&
		test_eq "$secretsum" "$(sha "$R/secret")"
	'
	test_expect_success "$2: nobody's migrate to exec: ends the VM (its sandbox), and runs nothing" <<'T'
		nobody_cmd "$ma_vm" -j "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"exec:touch $R/pwned\"}}" &&
		wait_off "$ma_vm" "$ma_pid" &&
		test ! -e "$R/pwned"
T
	test_expect_success "$2: ...status says dead" '
		run $IN qemu-init status "$ma_vm" && test_rc 1 && test_out_has "$ma_vm: dead"
	'
	run $IN qemu-init stop "$ma_vm"
}
guest_vm tcpmon obey
monitor_attacks tcpmon "no NIC"

test_expect_success 'setup: a network namespace with a bridge' <<'T' ||
	netns_add && netns_bridge br0 198.18.0.1/24
T
    test_bail "no network namespace"
IN="ip netns exec $NETNS"
guest_vm nic obey "NIC1=virtio-net-pci" "qinit.ip=198.18.0.2/24"
test_expect_success "a NIC's tap is handed to QEMU, no script: QEMU is not to run one" '
	run qemu-init show nic &&
	test_out_has "tap,id=net0,fd=<tap qi" && test_lacks "$out" "script="
'
test_expect_success 'a VM with a NIC starts; its tap is on the bridge' <<'T'
	run $IN qemu-init start nic && test_rc 0 && test_out_has "nic: started" &&
	test "$($IN ip -o link show master br0 | grep -c ': qi[0-9]*n0')" -eq 1
T
test_expect_success '...QEMU runs under its sandbox' '
	test_eq 2 "$(status_field "$(state_pid nic)" Seccomp)"
'
test_expect_success '...the guest is up, and the host pings it' '
	wait_ready nic &&
	guest_wait nic "an answer from 198.18.0.2" $IN ping -c 1 -W 1 198.18.0.2
'
test_expect_success '...and stops; its tap is gone with its QEMU' <<'T'
	run_guest nic $IN qemu-init stop -t 3600 nic &&
	test_rc 0 && test_out "nic: stopped" &&
	test "$($IN ip -o link show | grep -c ': qi[0-9]*n0')" -eq 0
T
monitor_attacks nic "with a NIC"
IN=

# --- the UEFI variable store ------------------------------------------------------
guest_vm uefi obey "FIRMWARE=uefi"
vars=$T/vms/uefi/uefi-qemu.vars
test_expect_success 'a symlink planted where the variable store goes is refused; its target unchanged' <<'T'
	victim target &&
	targetsum=$(sha "$R/target") &&
	ln -s "$R/target" "$vars" &&
	run qemu-init start uefi &&
	test_rc 1 &&
	test_err_has "the UEFI variable store $vars is a symlink: refused" &&
	test_eq "$targetsum" "$(sha "$R/target")"
T
test_expect_success '...check says so too' '
	run qemu-init check uefi &&
	test_rc 1 && test_err_has "is not a regular file (a symlink?)"
'
test_expect_success 'a config folder its group can write is refused, with the fix; no variable store made' <<'T'
	rm "$vars" &&
	chmod g+w "$T/vms/uefi" &&
	run qemu-init start uefi &&
	chmod g-w "$T/vms/uefi" &&
	test_rc 1 &&
	test_err_has "$T/vms/uefi: folder writable by group or others: refused while running as root (chmod go-w $T/vms/uefi)" &&
	test ! -e "$vars"
T
test_expect_success "with the folder mended, the UEFI VM starts; its variable store is a root-only file" <<'T'
	run qemu-init start uefi &&
	test_rc 0 && test_out_has "uefi: started" &&
	test_eq "root 600 regular file" "$(stat -c '%U %a %F' "$vars")"
T
run qemu-init kill uefi

# --- a hung QEMU: every wait within the caller's deadline ------------------------
# The monitor used to wait its own 10 s whatever -t said.  No seconds
# are timed here (timeout 300 is only a bound on a hang): a QEMU stopped
# by SIGSTOP never greets, and stop -t 2 gives up on it as on a busy
# monitor; one whose monitor greets and then hangs (a fake: a real QEMU
# cannot be stopped between the two) is said not to have answered in
# 2000 ms, the deadline -t gave, where the old wait said 10000 ms.
guest_vm hung obey
test_expect_success 'a VM to hang starts, and hangs (SIGSTOP)' '
	run qemu-init start hung && test_rc 0 && test_out_has "hung: started" &&
	hpid=$(state_pid hung) && kill -STOP "$hpid"
'
test_expect_success 'stop -t 2 of a hung QEMU gives up, exit 1, saying why, and leaves it be' <<'T'
	run timeout 300 qemu-init stop -t 2 hung &&
	test_rc 1 &&
	test_err "qemu-init: monitor of 'hung' is busy (another client is connected)" &&
	alive "$hpid"
T
test_expect_success 'status of a hung QEMU answers, within its own deadline' '
	run timeout 300 qemu-init status hung && test_rc 0 && test_out_has "hung: running"
'
test_expect_success 'list of a hung QEMU answers too' '
	run timeout 300 qemu-init list && test_rc 0 && test_out_has " hung "
'
kill -CONT "$hpid"
run qemu-init kill hung
guest_vm mute obey
test_expect_success 'stop -t 2 of a QEMU whose monitor greets, then hangs: no answer in 2000 ms, the deadline -t gave' <<'T'
	fake_qemu mute greet &&
	run timeout 300 qemu-init stop -t 2 mute &&
	test_rc 1 &&
	test_err "qemu-init: monitor of 'mute' did not answer in 2000 ms"
T
run qemu-init kill mute

# --- a state file as large as the config's bounds allow ----------------------------
long=$T/vms/big/$(printf 'd%.0s' $(seq 200))/$(printf 'e%.0s' $(seq 200))
long=$long/$(printf 'f%.0s' $(seq 200))/$(printf 'g%.0s' $(seq 200))
long=$long/$(printf 'h%.0s' $(seq 200))/$(printf 'i%.0s' $(seq 200))
quotes=$(printf "'x%.0s" $(seq 100))
mkdir -p "$long"
for i in 1 2 3 4; do truncate -s 1M "$long/disk$i-$quotes"; done
desc=$(head -c 49152 /dev/zero | tr '\0' "'")
guest_vm big obey "DESC=\"$desc\"
DSK1=\"$long/disk1-$quotes\"
DSK2=\"$long/disk2-$quotes\"
DSK3=\"$long/disk3-$quotes\"
DSK4=\"$long/disk4-$quotes\""
test_expect_success 'a VM with a 48 KiB DESC of quotes and four long disk paths starts' '
	run qemu-init start big && test_rc 0 && test_out_has "big: started"
'
test_expect_success '...its state is larger than 64 KiB' '
	test "$(stat -c %s "$QEMU_INIT_RUNDIR/big@state")" -gt 65536
'
test_expect_success '...and reads back: running, with its ports, not a start cut short' '
	run qemu-init status big && test_rc 0 && test_out_has "big: running" &&
	test_lacks "$out" "cut short"
'
run qemu-init kill big

# --- QEMU's user missing, RUNAS=root ---------------------------------------------
monitor_conf "$PORTBASE" 20 RUNAS=qinit-no-such-user
guest_vm nouser obey
test_expect_success 'check names a missing QEMU user and the command that makes it' <<'T'
	run qemu-init check nouser &&
	test_rc 1 &&
	test_err_has "monitor.conf:3: QEMU's user 'qinit-no-such-user' does not exist, so no VM without RUNAS can start: create it (useradd --system --user-group --home-dir /nonexistent --shell /usr/sbin/nologin qinit-no-such-user)"
T
test_expect_success '...start refuses, with the same fix; nothing started' <<'T'
	run qemu-init start nouser &&
	test_rc 1 &&
	test_err_has "QEMU's user 'qinit-no-such-user' does not exist: create it (useradd --system" &&
	test -z "$(state_pid nouser)"
T
guest_vm asroot obey "RUNAS=root"
test_expect_success 'RUNAS=root: the explicit opt-out starts; QEMU runs as root, still under its seccomp filter' <<'T'
	run qemu-init start asroot && test_rc 0 && test_out_has "asroot: started" &&
	test_eq "0 2" "$(status_field "$(state_pid asroot)" Uid) $(status_field "$(state_pid asroot)" Seccomp)"
T
test_expect_success '...info says who QEMU runs as' '
	run qemu-init info asroot && test_rc 0 && test_out_has "runas"
'
run qemu-init kill asroot
monitor_conf

test_done
