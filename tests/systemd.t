#!/bin/bash
# systemd.t - qemu-init under a real systemd (issue 27): a Debian 12 root
# with systemd (tests/systemd/root.sh, cached), booted as a container
# with systemd as PID 1 (systemd-nspawn -b) through an overlay of the
# test's own (the cached root never changes), with the freshly built
# package (make deb) installed in it and the test guest in /opt/qinit.
# QEMU runs inside at this machine's own TCG speed.
#  - qemu-init.service enabled with two AUTOSTART VMs, web ordered
#    After=qemu-init@db.service: at boot both run, each as its unit whose
#    main process is its QEMU, and web started once db's guest was up;
#  - systemctl start of a VM in its unit: nothing done, same QEMU; of a
#    VM started outside systemd (from a login session): adopted at once,
#    same QEMU, now in the unit's cgroup;
#  - qemu-init start from a login shell: the VM runs as its unit, its
#    QEMU out of the login session;
#  - kill -9 of QEMU: with ONCRASH=restart running again, without it
#    failed and dead; a guest that powers itself off: inactive and
#    stopped, never started again; qemu-init status and systemctl
#    is-active agree at each of those steps;
#  - poweroff of the container with every kind of VM running: each
#    guest's console log shows its own clean power-off ("reboot: Power
#    down") before the container is gone;
#  - the package: units reloaded on upgrade (a changed unit takes
#    effect, the VMs run on), removal with a VM running stops it with its
#    power button, purge leaves no link, no /run/qemu-init, no user.
. "$(dirname "$0")/lib.sh"
need_guest
need_root "systemd.t boots a container (systemd-nspawn)"
for tool in systemd-nspawn nsenter debootstrap dpkg-buildpackage; do
	command -v "$tool" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
	command -v "$tool" >/dev/null 2>&1 ||
	    { echo "Bail out! $tool missing (tests/deps.sh installs it)"; exit 1; }
done
BASE=35800		# MONPORT; CTLPORT is BASE + 100

SDROOT=$("$TOP/tests/systemd/root.sh" 2>"$T/root.err")
check "a Debian 12 root with systemd (debootstrap, cached)" \
    test -n "$SDROOT" -a -x "$SDROOT/lib/systemd/systemd" ||
    { diag "$(cat "$T/root.err")"; done_testing; exit 1; }

# The package, as make deb builds it from HEAD (its unit tests are
# deb.t's: not run again here).
if DEB_BUILD_OPTIONS=nocheck make -C "$TOP" deb DEBDIR="$T/deb" \
    > "$T/deb.log" 2>&1; then
	DEB=$(echo "$T"/deb/qemu-init_*_amd64.deb)
fi
check "make deb builds the package" test -f "${DEB:-}" ||
    { diag "$(tail -20 "$T/deb.log")"; done_testing; exit 1; }

# --- the container ------------------------------------------------------------
CT=$T/ct			# overlay: lower the cached root, upper ours
NSPAWN=				# the systemd-nspawn we started
LEADER=				# the container's PID 1, as the host sees it
mkdir -p "$CT/upper" "$CT/work" "$CT/root"
mount -t overlay overlay -o "lowerdir=$SDROOT,upperdir=$CT/upper,workdir=$CT/work" \
    "$CT/root" || { echo "Bail out! cannot mount an overlay"; exit 1; }

# Ends a container still up (its PID 1 and so all in it), then the overlay.
ct_cleanup() {
	[ -n "$NSPAWN" ] && [ -z "$LEADER" ] && find_leader
	[ -n "$LEADER" ] && kill -KILL "$LEADER" 2>/dev/null
	[ -n "$NSPAWN" ] && wait_until 30 gone "$NSPAWN"
	[ -n "$NSPAWN" ] && kill -KILL "$NSPAWN" 2>/dev/null
	kill -KILL $TAILS 2>/dev/null
	umount "$CT/root" 2>/dev/null || umount -l "$CT/root" 2>/dev/null
	cleanup
}
trap ct_cleanup EXIT
TAILS=

# in_ct CMD...: CMD run inside the container as root, with a clean
# environment (none of this test's QEMU_INIT_* variables).
in_ct() {
	nsenter -t "$LEADER" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	    LANG=C.UTF-8 "$@"
}

# login_ct LINE: LINE run in a login shell of root's (su -l: a session of
# systemd-logind's, as an admin's ssh or console login is).
login_ct() {
	in_ct su -l root -c "$1"
}

# The container's PID 1 (a child of our systemd-nspawn, or of its own
# child): the process whose pid is 1 in its pid namespace, and systemd.
find_leader() {
	local p q
	for p in $(pgrep -P "$NSPAWN"); do
		for q in "$p" $(pgrep -P "$p"); do
			if [ "$(awk '/^NSpid:/ { print $NF }' "/proc/$q/status" 2>/dev/null)" = 1 ] &&
			    [ "$(cat "/proc/$q/comm" 2>/dev/null)" = systemd ]; then
				LEADER=$q
				return 0
			fi
		done
	done
	return 1
}

# boot_ct N: boots the container (the N-th boot), systemd as its PID 1;
# returns once its boot is done (running or degraded).
boot_ct() {
	local state
	systemd-nspawn -q -D "$CT/root" -M "qinit-sd-$$" --register=no \
	    --keep-unit -b --console=read-only > "$T/boot$1.log" 2>&1 &
	NSPAWN=$!
	bg_started "$NSPAWN"
	wait_until 120 find_leader || { diag "$(tail -20 "$T/boot$1.log")"; return 1; }
	wait_until 120 test -S "/proc/$LEADER/root/run/systemd/private" ||
	    { diag "no systemd socket" "$(tail -20 "$T/boot$1.log")"; return 1; }
	state=$(timeout 300 nsenter -t "$LEADER" -a systemctl is-system-running --wait)
	[ "$state" = running ] || [ "$state" = degraded ] ||
	    { diag "is-system-running: $state" "$(tail -20 "$T/boot$1.log")"; return 1; }
}

# poweroff_ct: systemctl poweroff inside; the container ends by itself.
poweroff_ct() {
	in_ct systemctl --no-block poweroff || return 1
	wait_until 600 gone "$NSPAWN" || return 1
	LEADER=
	NSPAWN=
}

# is_active UNIT: what systemctl is-active says of it.
is_active() {
	in_ct systemctl is-active "$1" 2>/dev/null
}

# unit_is NAME STATE: systemctl is-active says STATE of NAME's unit.
unit_is() {
	[ "$(is_active "qemu-init@$1.service")" = "$2" ]
}

# status_rc NAME: qemu-init status's exit code for it.
status_rc() {
	in_ct qemu-init status "$1" >/dev/null 2>&1
	echo $?
}

# agree NAME ACTIVE CODE: systemctl is-active says ACTIVE of NAME's unit
# and qemu-init status exits CODE, both asked now.
agree() {
	local a s
	a=$(is_active "qemu-init@$1.service")
	s=$(status_rc "$1")
	[ "$a" = "$2" ] && [ "$s" = "$3" ] ||
	    { diag "$1: is-active $a, status $s (wanted $2, $3)"; return 1; }
}

# main_pid NAME: the unit's main PID, as the container sees it.
main_pid() {
	in_ct systemctl show -p MainPID --value "qemu-init@$1.service"
}

# ct_run: the container's /run/qemu-init, seen from the host.
ct_run() {
	echo "/proc/$LEADER/root/run/qemu-init"
}

# recorded_pid NAME: QEMU's pid as qemu-init recorded it (the container's
# pid).
recorded_pid() {
	sed -n 's/^PID=//p' "$(ct_run)/$1@state" 2>/dev/null
}

# ct_alive PID: that process of the container runs.
ct_alive() {
	in_ct kill -0 "$1" 2>/dev/null
}

# cgroup_of PID: its cgroup in systemd's hierarchy, in the container.
cgroup_of() {
	in_ct sed -n 's/^[0-9]*:name=systemd://p; s/^0:://p' "/proc/$1/cgroup" |
	    head -1
}

# ct_log NAME: NAME's console log inside the container.
ct_log() {
	echo "$(ct_run)/$1@console.log"
}

# keep_log NAME: a copy of NAME's console log as it grows, kept by a
# reader on the host (tail -f follows the open file), so that what the
# guest wrote before the container went away is still there after.
keep_log() {
	tail -n +1 -f "$(ct_log "$1")" > "$T/kept-$1.log" 2>/dev/null &
	TAILS="$TAILS $!"
	bg_started $!
}

# vm NAME [LINES]: the test guest as a VM of the container, registered,
# READY its ready line, a monitor port range of this test's.
vm() {
	local dir=$CT/root/srv/vm/$1
	mkdir -p "$dir"
	{
		"$TOP/tests/guest/cfg.sh" /opt/qinit/guest "test guest $1"
		echo "READY=QINIT-GUEST-READY"
		printf '%s\n' "${2:-}"
	} > "$dir/$1-qemu.cfg"
	echo "$1 /srv/vm/$1/$1-qemu.cfg" >> "$CT/root/etc/qemu/qemu-init.reg"
}

# powered_off FILE: the guest's own clean power-off is in that log.
powered_off() {
	grep -q "reboot: Power down" "$1" ||
	    { diag "no power-off in $1:" "$(tail -3 "$1" 2>/dev/null)"; return 1; }
}

# --- 1. install, and two VMs at boot ------------------------------------------
mkdir -p "$CT/root/opt/qinit"
cp "$DEB" "$CT/root/opt/qinit/" && cp -r "$GUEST" "$CT/root/opt/qinit/guest"
check "the container boots with systemd as its PID 1" boot_ct 1 ||
    { done_testing; exit 1; }
run in_ct dpkg -i "/opt/qinit/${DEB##*/}"
expect_out "dpkg -i installs the freshly built package" 0 "Setting up qemu-init"
check "...its postinst made the system user qemu-init" \
    test -n "$(in_ct getent passwd qemu-init)"
run in_ct systemctl show -p LoadState -p Type -p NotifyAccess -p Restart \
    qemu-init@x.service
check "...and systemd knows qemu-init@.service (Type=notify, Restart=on-abnormal)" \
    test "$(printf '%s\n' "$out" | sort | tr '\n' ' ')" = \
    "LoadState=loaded NotifyAccess=main Restart=on-abnormal Type=notify " ||
    diag "$out"

printf 'MONPORT=%s\nSLOTS=20\n' "$BASE" > "$CT/root/etc/qemu/monitor.conf"
vm db "AUTOSTART=yes
ONCRASH=restart"
vm web "AUTOSTART=yes"
vm hand
vm adopt
# web after db: an admin's drop-in.
mkdir -p "$CT/root/etc/systemd/system/qemu-init@web.service.d"
printf '[Unit]\nAfter=qemu-init@db.service\n' \
    > "$CT/root/etc/systemd/system/qemu-init@web.service.d/after-db.conf"
run in_ct qemu-init check
expect_out "the container's four VMs pass qemu-init check" 0 "4 VMs checked: no problems"
run in_ct systemctl enable qemu-init.service
expect "systemctl enable qemu-init.service" 0 ""
check "the container powers off" poweroff_ct
check "...and boots again" boot_ct 2 || { done_testing; exit 1; }

check "qemu-init.service started: active" test "$(is_active qemu-init.service)" = active
for n in db web; do
	check "$n runs as qemu-init@$n.service, active" agree "$n" active 0
	pid=$(recorded_pid "$n")
	check "...its main PID is its QEMU" test -n "$pid" -a "$(main_pid "$n")" = "$pid"
	check "...whose guest is up" grep -q QINIT-GUEST-READY "$(ct_log "$n")"
done
db_up=$(in_ct systemctl show -p ActiveEnterTimestampMonotonic --value qemu-init@db.service)
web_go=$(in_ct systemctl show -p InactiveExitTimestampMonotonic --value qemu-init@web.service)
check "web's unit started once db's guest was up (After=qemu-init@db.service)" \
    test "${web_go:-0}" -ge "${db_up:-1}" -a "${db_up:-0}" -gt 0 ||
    diag "db active at $db_up, web started at $web_go"

# --- 2. adoption ----------------------------------------------------------------
web_pid=$(recorded_pid web)
run in_ct systemctl start qemu-init@web.service
check "systemctl start qemu-init@web while web runs in it: nothing done" \
    test "$rc" -eq 0 -a "$(main_pid web)" = "$web_pid" -a "$(recorded_pid web)" = "$web_pid"
check "...the same QEMU runs" ct_alive "$web_pid"

run login_ct "QEMU_INIT_CONFDIR=/etc/qemu qemu-init start -w adopt"
expect_out "a VM started outside systemd from a login shell (QEMU_INIT_CONFDIR set)" 0 "adopt: up"
apid=$(recorded_pid adopt)
check "...runs in the login session" contains "$(cgroup_of "$apid")" "/session-"
run in_ct timeout 60 systemctl start qemu-init@adopt.service
expect "systemctl start qemu-init@adopt adopts it at once" 0 ""
check "...the unit is active, its main PID that same QEMU" \
    test "$(is_active qemu-init@adopt.service)" = active -a "$(main_pid adopt)" = "$apid"
check "...which left the login session for the unit's cgroup" \
    contains "$(cgroup_of "$apid")" "/qemu-init@adopt.service"
run in_ct journalctl -u qemu-init@adopt.service -o cat --no-pager
check "...and says so" contains "$out" "adopt: already running, pid $apid: adopted by qemu-init@adopt.service"

# --- 3. a start by hand ---------------------------------------------------------
run login_ct "qemu-init start hand"
expect_out "qemu-init start from a login shell starts the VM as its unit" 0 \
    "hand: started as qemu-init@hand.service, pid"
hpid=$(recorded_pid hand)
check "...its QEMU runs in the unit, not in the login session" \
    contains "$(cgroup_of "$hpid")" "/qemu-init@hand.service"
check "...and the unit becomes active once the guest is up" \
    wait_until 300 unit_is hand active
check "...with QEMU as its main PID" test "$(main_pid hand)" = "$hpid"
run login_ct "qemu-init start hand"
expect_out "a second start says it runs as its unit" 0 \
    "hand: already running, pid $hpid, as qemu-init@hand.service"

# --- 4. crashes and power-offs ------------------------------------------------
check "db: active and running before the crash" agree db active 0
db_pid=$(recorded_pid db)
in_ct kill -KILL "$db_pid"
# Running again: a new QEMU, the unit active (the guest up).
db_again() {
	local p
	p=$(recorded_pid db)
	[ -n "$p" ] && [ "$p" != "$db_pid" ] && unit_is db active
}
check "kill -9 of db's QEMU (ONCRASH=restart): running again" wait_until 300 db_again
check "...active and running, agreed" agree db active 0
check "...its main PID the new QEMU" test "$(main_pid db)" = "$(recorded_pid db)"
run in_ct journalctl -u qemu-init@db.service -o cat --no-pager
check "...and the journal says why" contains "$out" "db: crashed: started again (ONCRASH=restart)"

web_pid=$(recorded_pid web)
in_ct kill -KILL "$web_pid"
check "kill -9 of web's QEMU (ONCRASH off): the unit fails" \
    wait_until 120 unit_is web failed
check "...failed and dead, agreed" agree web failed 1
sleep 3		# RestartSec=2: another restart would have begun by now
check "...and it is not started again: still failed and dead" agree web failed 1
run in_ct journalctl -u qemu-init@web.service -o cat --no-pager
check "...as the journal says" contains "$out" "not started again: it crashed, and ONCRASH is not restart"

# The guest powers itself off (poweroff typed on its console).
printf 'poweroff -f\n' | in_ct qemu-init console hand >/dev/null 2>&1
check "hand's guest powers itself off: the unit goes inactive" \
    wait_until 120 unit_is hand inactive
check "...inactive and stopped, agreed" agree hand inactive 3
sleep 3		# RestartSec=2: a restart would have begun by now
check "...and it is not started again" agree hand inactive 3

# --- 5. poweroff with VMs of every kind running ---------------------------------
run in_ct systemctl start qemu-init@web.service
expect "web started again by systemctl start" 0 ""
run login_ct "qemu-init start -w hand"
expect_out "hand started again from a login shell" 0 "hand: up"
for n in db web adopt hand; do
	check "$n runs before the poweroff" agree "$n" active 0
	keep_log "$n"
done
check "poweroff of the container ends it" poweroff_ct
for n in db web adopt hand; do
	check "$n's guest powered itself off through its button before the container was gone" \
	    powered_off "$T/kept-$n.log"
done
kill -KILL $TAILS 2>/dev/null
TAILS=

# --- 6. upgrade, remove, purge --------------------------------------------------
# The upgrade: the same package, a later version, one unit changed.
U=$T/upgrade
dpkg-deb -R "$DEB" "$U" &&
    sed -i 's/^Version: .*/&+upgrade/' "$U/DEBIAN/control" &&
    sed -i 's/^Description=.*/& (upgraded)/' "$U/lib/systemd/system/qemu-init@.service" &&
    dpkg-deb -b "$U" "$CT/root/opt/qinit/upgrade.deb" >/dev/null
check "an upgrade package with a changed qemu-init@.service" test -f "$CT/root/opt/qinit/upgrade.deb"
check "the container boots again" boot_ct 3 || { done_testing; exit 1; }
run in_ct systemctl enable --now qemu-init@hand.service
expect "systemctl enable --now qemu-init@hand" 0 ""
check "...hand and the AUTOSTART VMs run" agree hand active 0
db_pid=$(recorded_pid db)
run in_ct dpkg -i /opt/qinit/upgrade.deb
expect_out "dpkg -i of the upgrade" 0 "Setting up qemu-init"
run in_ct systemctl show -p Description,NeedDaemonReload qemu-init@hand.service
check "...the changed unit took effect (daemon-reload)" \
    contains "$out" "(upgraded)" && check "...nothing waits for a daemon-reload" contains "$out" "NeedDaemonReload=no"
check "...and the VMs run on, untouched" \
    test "$(recorded_pid db)" = "$db_pid" -a "$(is_active qemu-init@db.service)" = active

keep_log db
keep_log hand
run in_ct dpkg -r qemu-init
expect "dpkg -r with VMs running" 0 ""
check "...stopped db with its power button" powered_off "$T/kept-db.log"
check "...and hand" powered_off "$T/kept-hand.log"
check "...no QEMU is left" test -z "$(in_ct pgrep -f qemu-system-x86_64)"
run in_ct systemctl list-units --plain --no-legend \
    --state=active,activating,deactivating,failed 'qemu-init*'
check "...and no unit of qemu-init is left active or failed" test -z "$out" ||
    diag "$out"

run in_ct dpkg -P qemu-init
expect "dpkg -P" 0 ""
run in_ct find /etc/systemd/system -name 'qemu-init*' -type l
check "...leaves no link to a qemu-init unit" test -z "$out" || diag "$out"
check "...nothing in /run/qemu-init" in_ct test ! -e /run/qemu-init
check "...no user qemu-init" test -z "$(in_ct getent passwd qemu-init)"
check "...and no subordinate ids of it" \
    test -z "$(in_ct grep -h '^qemu-init:' /etc/subuid /etc/subgid)"
check "the container powers off" poweroff_ct

done_testing
