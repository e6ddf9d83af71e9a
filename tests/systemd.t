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
PATH=$PATH:/usr/sbin:/sbin
prereq NSPAWN "systemd-nspawn (systemd-container) and nsenter: make deps" \
    'has systemd-nspawn && has nsenter'
test_require ROOT,GUEST,NSPAWN,DEBOOTSTRAP,DPKG_BUILD
# The container has a network of its own (systemd-nspawn
# --private-network: only its loopback), so that its VMs' monitors never
# meet another's: a second make check's container boots the same four
# VMs on the same ports at the same time.  They take this file's range
# (tests/ports.sh), written into its /etc/qemu.
monitor_conf

test_expect_success 'setup: a Debian 12 root with systemd (debootstrap, cached)' '
	SDROOT=$("$TOP/tests/systemd/root.sh" 2>"$T/root.err") ||
	    { cat "$T/root.err"; false; } &&
	test -n "$SDROOT" && test -x "$SDROOT/lib/systemd/systemd"
' || test_bail "no Debian root with systemd"

# The package, as make deb builds it from HEAD (its unit tests are
# deb.t's: not run again here).
test_expect_success 'setup: make deb builds the package' '
	DEB_BUILD_OPTIONS=nocheck make -C "$TOP" deb DEBDIR="$T/deb" \
	    > "$T/deb.log" 2>&1 ||
	    { tail -20 "$T/deb.log"; false; } &&
	PKG=$(echo "$T"/deb/qemu-init_*_amd64.deb) &&
	test -f "$PKG"
' || test_bail "no package"

# --- the container ------------------------------------------------------------
CT=$T/ct			# overlay: lower the cached root, upper ours
NSPAWN=				# the systemd-nspawn we started
LEADER=				# the container's PID 1, as the host sees it
# Ends a container still up (its PID 1 and so all in it), then the overlay.
ct_cleanup() {
	[ -n "$NSPAWN" ] && [ -z "$LEADER" ] && find_leader
	[ -n "$LEADER" ] && kill -KILL "$LEADER" 2>/dev/null
	[ -n "$NSPAWN" ] && wait_until 30 gone "$NSPAWN"
	[ -n "$NSPAWN" ] && kill -KILL "$NSPAWN" 2>/dev/null
	kill -KILL $TAILS 2>/dev/null
	[ -z "$MOUNTED" ] || umount "$CT/root" 2>/dev/null ||
	    umount -l "$CT/root" 2>/dev/null
	[ -z "$CGROUPS" ] || wait_until 30 cgroups_gone
}

# The container's cgroups.  systemd-nspawn puts the container in
# "payload" under its own cgroup, and a second make check's container
# would be in the same one if both were in ours: the two systemds would
# share every unit's cgroup (qemu-init@hand.service of one is that of the
# other), and one's removal of it fails the other's start or stop
# (219/CGROUP) or kills the other's QEMU.  So each container has a
# cgroup of its own, qinit-sd-PID under ours in every hierarchy nspawn
# uses (cgroup v2, and name=systemd of v1 where the host has it).
CGROUPS=
ct_cgroups() {
	local line path mnt dir
	CGROUPS=
	while IFS= read -r line; do
		case $line in
		0::*)
			path=${line#0::}
			mnt=/sys/fs/cgroup
			[ "$(stat -fc %T "$mnt" 2>/dev/null)" = cgroup2fs ] ||
			    mnt=/sys/fs/cgroup/unified ;;
		*:name=systemd:*)
			path=${line#*:name=systemd:}
			mnt=/sys/fs/cgroup/systemd ;;
		*)
			continue ;;
		esac
		[ -f "$mnt/cgroup.procs" ] || continue
		dir=$mnt${path%/}/qinit-sd-$$
		mkdir -p "$dir" || return 1
		CGROUPS="$CGROUPS $dir"
	done < /proc/self/cgroup
	[ -n "$CGROUPS" ] || { echo "no cgroup hierarchy in /proc/self/cgroup"; return 1; }
}

# cgroups_gone: the container's cgroups removed, deepest first (once its
# last process has ended).
cgroups_gone() {
	local c
	for c in $CGROUPS; do
		[ ! -d "$c" ] && continue
		find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
		[ ! -d "$c" ] || return 1
	done
}

# in_cgroups: the container's PID 1 is in its own cgroups, in every
# hierarchy (cgroup v2's 0::, v1's name=systemd).
in_cgroups() {
	local lines
	lines=$(grep -E '^(0::|[0-9]+:name=systemd:)' "/proc/$LEADER/cgroup") &&
	    ! printf '%s\n' "$lines" | grep -v ":.*/qinit-sd-$$/" ||
	    { echo "PID 1 of the container is not in qinit-sd-$$:" \
	    "$(cat "/proc/$LEADER/cgroup")"; return 1; }
}
TAILS=
MOUNTED=
at_cleanup ct_cleanup
mkdir -p "$CT/upper" "$CT/work" "$CT/root"
test_expect_success 'setup: cgroups of its own for the container' 'ct_cgroups' ||
    test_bail "no cgroup for the container"
test_expect_success 'setup: an overlay of the cached root, for this test alone' '
	mount -t overlay overlay \
	    -o "lowerdir=$SDROOT,upperdir=$CT/upper,workdir=$CT/work" "$CT/root" &&
	MOUNTED=yes
' || test_bail "no overlay"

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
	(
		for c in $CGROUPS; do
			echo "$BASHPID" > "$c/cgroup.procs" || exit 125
		done
		exec systemd-nspawn -q -D "$CT/root" -M "qinit-sd-$$" \
		    --register=no --keep-unit --private-network -b \
		    --console=read-only
	) > "$T/boot$1.log" 2>&1 &
	NSPAWN=$!
	bg_started "$NSPAWN"
	wait_until 600 find_leader || { echo "$(tail -20 "$T/boot$1.log")"; return 1; }
	in_cgroups || return 1
	wait_until 600 test -S "/proc/$LEADER/root/run/systemd/private" ||
	    { echo "no systemd socket" "$(tail -20 "$T/boot$1.log")"; return 1; }
	state=$(timeout 1200 nsenter -t "$LEADER" -a systemctl is-system-running --wait)
	[ "$state" = running ] || [ "$state" = degraded ] ||
	    { echo "is-system-running: $state" "$(tail -20 "$T/boot$1.log")"; return 1; }
}

# poweroff_ct: systemctl poweroff inside; the container ends by itself.
poweroff_ct() {
	in_ct systemctl --no-block poweroff || return 1
	wait_until 1800 gone "$NSPAWN" || return 1
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
	[ "$a" = "$2" ] && [ "$s" = "$3" ] && return 0
	echo "$1: is-active $a, status $s (wanted $2, $3)"
	unit_seen "$1"
	return 1
}

# unit_seen NAME: what systemd saw of NAME's unit (its result, how its
# main process ended, its journal), for a test's failure.
unit_seen() {
	in_ct systemctl show -p Result -p ExecMainCode -p ExecMainStatus \
	    -p NRestarts "qemu-init@$1.service"
	in_ct journalctl -u "qemu-init@$1.service" -o short-monotonic \
	    --no-pager -n 40
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
	    { echo "no power-off in $1:" "$(tail -3 "$1" 2>/dev/null)"; return 1; }
}


# ct_wait NAME WHAT CMD...: waits until CMD succeeds while NAME's guest
# in the container makes progress: fails, saying WHAT it waited for,
# when its console log has not grown for $STALL seconds, or after
# $DEADLINE (lib.sh's bounds of a wait for a guest).
ct_wait() {
	local _w_vm=$1 _w_what=$2 _w_size _w_last=-1
	local _w_t0=$SECONDS _w_moved=$SECONDS
	shift 2
	while ! "$@"; do
		_w_size=$(stat -c %s "$(ct_log "$_w_vm")" 2>/dev/null || echo -1)
		if [ "$_w_size" != "$_w_last" ]; then
			_w_last=$_w_size
			_w_moved=$SECONDS
		fi
		if [ $((SECONDS - _w_moved)) -ge "$STALL" ] ||
		    [ $((SECONDS - _w_t0)) -ge "$DEADLINE" ]; then
			echo "$_w_vm: waited $((SECONDS - _w_t0)) s for $_w_what in vain;" \
			    "its console log's end:"
			tail -n 12 "$(ct_log "$_w_vm")" 2>&1 | tr -d '\r'
			return 1
		fi
		sleep 0.2
	done
}

# journal_has NAME TEXT: the journal of NAME's unit holds TEXT.
journal_has() {
	run in_ct journalctl -u "qemu-init@$1.service" -o cat --no-pager &&
	    test_has "$out" "$2"
}

# sub_state NAME: the unit's SubState (dead, failed, running,
# auto-restart...).
sub_state() {
	in_ct systemctl show -p SubState --value "qemu-init@$1.service"
}

# --- 1. install, and two VMs at boot ------------------------------------------
mkdir -p "$CT/root/opt/qinit"
test_expect_success 'setup: the package and the test guest copied into the container' '
	cp "$PKG" "$CT/root/opt/qinit/" && cp -r "$GUEST" "$CT/root/opt/qinit/guest"
' || test_bail "nothing to install"
test_expect_success 'the container boots with systemd as its PID 1' 'boot_ct 1' ||
    test_bail "the container did not boot"
test_expect_success 'dpkg -i installs the freshly built package' '
	run in_ct dpkg -i "/opt/qinit/${PKG##*/}" &&
	test_rc 0 && test_out_has "Setting up qemu-init"
'
test_expect_success '...its postinst made the system user qemu-init' '
	test -n "$(in_ct getent passwd qemu-init)"
'
test_expect_success '...and systemd knows qemu-init@.service (Type=notify, Restart=on-abnormal)' '
	run in_ct systemctl show -p LoadState -p Type -p NotifyAccess -p Restart \
	    qemu-init@x.service &&
	test_eq "LoadState=loaded NotifyAccess=main Restart=on-abnormal Type=notify " \
	    "$(printf "%s\n" "$out" | sort | tr "\n" " ")"
'

test_expect_success 'setup: four VMs in the container, web ordered after db' <<'T'
	cp "$QEMU_INIT_CONFDIR/monitor.conf" "$CT/root/etc/qemu/monitor.conf" &&
	vm db "AUTOSTART=yes
ONCRASH=restart" &&
	vm web "AUTOSTART=yes" &&
	vm hand &&
	vm adopt &&
	# web after db: an admin's drop-in.
	mkdir -p "$CT/root/etc/systemd/system/qemu-init@web.service.d" &&
	printf '[Unit]\nAfter=qemu-init@db.service\n' \
	    > "$CT/root/etc/systemd/system/qemu-init@web.service.d/after-db.conf"
T
test_expect_success "the container's four VMs pass qemu-init check" '
	run in_ct qemu-init check &&
	test_rc 0 && test_out "4 VMs checked: no problems"
'
test_expect_success 'systemctl enable qemu-init.service' '
	run in_ct systemctl enable qemu-init.service && test_rc 0
'
test_expect_success 'the container powers off, and boots again' '
	poweroff_ct && boot_ct 2
' || test_bail "the container did not boot again"

test_expect_success 'qemu-init.service started: active' '
	test_eq active "$(is_active qemu-init.service)"
'
for n in db web; do
	test_expect_success "$n runs as qemu-init@$n.service, active" 'agree "$n" active 0'
	test_expect_success '...its main PID is its QEMU, whose guest is up' '
		pid=$(recorded_pid "$n") &&
		test -n "$pid" && test_eq "$pid" "$(main_pid "$n")" &&
		test_grep QINIT-GUEST-READY "$(ct_log "$n")"
	'
done
test_expect_success "web's unit started once db's guest was up (After=qemu-init@db.service)" '
	db_up=$(in_ct systemctl show -p ActiveEnterTimestampMonotonic --value qemu-init@db.service) &&
	web_go=$(in_ct systemctl show -p InactiveExitTimestampMonotonic --value qemu-init@web.service) &&
	echo "db active at $db_up, web started at $web_go" &&
	test "${db_up:-0}" -gt 0 && test "${web_go:-0}" -ge "$db_up"
'

# --- 2. adoption ----------------------------------------------------------------
test_expect_success 'systemctl start qemu-init@web while web runs in it: nothing done, the same QEMU runs' '
	web_pid=$(recorded_pid web) &&
	run in_ct systemctl start qemu-init@web.service &&
	test_rc 0 &&
	test_eq "$web_pid" "$(main_pid web)" &&
	test_eq "$web_pid" "$(recorded_pid web)" &&
	ct_alive "$web_pid"
'
test_expect_success 'a VM started outside systemd from a login shell (QEMU_INIT_CONFDIR set)' '
	run login_ct "QEMU_INIT_CONFDIR=/etc/qemu qemu-init start -w adopt" &&
	test_rc 0 && test_out_has "adopt: up"
'
test_expect_success '...runs in the login session' '
	apid=$(recorded_pid adopt) && test_has "$(cgroup_of "$apid")" "/session-"
'
test_expect_success 'systemctl start qemu-init@adopt adopts it at once' '
	run in_ct timeout 600 systemctl start qemu-init@adopt.service && test_rc 0
'
test_expect_success '...the unit is active, its main PID that same QEMU' '
	test_eq active "$(is_active qemu-init@adopt.service)" &&
	test_eq "$apid" "$(main_pid adopt)"
'
test_expect_success "...which left the login session for the unit's cgroup" '
	test_has "$(cgroup_of "$apid")" "/qemu-init@adopt.service"
'
test_expect_success '...and says so' '
	journal_has adopt "adopt: already running, pid $apid: adopted by qemu-init@adopt.service"
'

# --- 3. a start by hand ---------------------------------------------------------
test_expect_success 'qemu-init start from a login shell starts the VM as its unit' '
	run login_ct "qemu-init start hand" &&
	test_rc 0 && test_out_has "hand: started as qemu-init@hand.service, pid"
'
test_expect_success '...its QEMU runs in the unit, not in the login session' '
	hpid=$(recorded_pid hand) &&
	test_has "$(cgroup_of "$hpid")" "/qemu-init@hand.service"
'
test_expect_success '...and the unit becomes active once the guest is up' '
	ct_wait hand "its unit to be active" unit_is hand active
'
test_expect_success '...with QEMU as its main PID' 'test_eq "$hpid" "$(main_pid hand)"'
# Handed over as systemd's own child (start --unit's keeper let it go):
# systemd sees its end as any service's, not through a guess.
test_expect_success "...systemd's own child, which systemd does not call alien" '
	test_eq 1 "$(in_ct sed "s/.*) //" "/proc/$hpid/stat" | cut -d" " -f2)" &&
	run in_ct journalctl -u qemu-init@hand.service -o cat --no-pager &&
	test_lacks "$out" "not our child"
'
test_expect_success 'a second start says it runs as its unit' '
	run login_ct "qemu-init start hand" &&
	test_rc 0 &&
	test_out_has "hand: already running, pid $hpid, as qemu-init@hand.service"
'

# --- 4. crashes and power-offs ------------------------------------------------
test_expect_success 'db: active and running before the crash' 'agree db active 0'
# Running again: a new QEMU, the unit active (the guest up).
db_again() {
	local p
	p=$(recorded_pid db)
	[ -n "$p" ] && [ "$p" != "$db_pid" ] && unit_is db active
}
test_expect_success "kill -9 of db's QEMU (ONCRASH=restart): running again" '
	db_pid=$(recorded_pid db) &&
	test -n "$db_pid" &&
	in_ct kill -KILL "$db_pid" &&
	ct_wait db "a new QEMU, its unit active" db_again
'
test_expect_success '...active and running, agreed; its main PID the new QEMU' '
	agree db active 0 && test_eq "$(recorded_pid db)" "$(main_pid db)"
'
test_expect_success '...and the journal says why' '
	journal_has db "db: crashed: started again (ONCRASH=restart)"
'

# A unit whose service died is "activating" while systemd waits to
# start it again (SubState auto-restart): "failed" or "inactive" is
# systemd's last word.
test_expect_success "kill -9 of web's QEMU (ONCRASH off): the unit fails" '
	web_pid=$(recorded_pid web) &&
	test -n "$web_pid" &&
	in_ct kill -KILL "$web_pid" &&
	ct_wait web "its unit to fail" unit_is web failed
'
test_expect_success '...failed and dead, agreed, and not started again' '
	agree web failed 1 && test_eq failed "$(sub_state web)"
'
test_expect_success '...as the journal says' '
	journal_has web "not started again: it crashed, and ONCRASH is not restart"
'

# The guest powers itself off (poweroff typed on its console).
test_expect_success "hand's guest powers itself off: the unit goes inactive" '
	printf "poweroff -f\n" | in_ct qemu-init console hand >/dev/null 2>&1
	ct_wait hand "its unit to be inactive" unit_is hand inactive ||
	    { unit_seen hand; false; }
'
test_expect_success '...inactive and stopped, agreed, and never started again' '
	agree hand inactive 3 && test_eq dead "$(sub_state hand)" &&
	test_eq 0 "$(in_ct systemctl show -p NRestarts --value qemu-init@hand.service)"
'
# Seen while two containers shared one cgroup (see ct_cgroups): systemd
# could not start a unit's process in a cgroup the other had removed.
test_expect_success '...and systemd put every process in its cgroup (no 219/CGROUP)' '
	run in_ct journalctl --no-pager -o cat &&
	! printf "%s\n" "$out" | grep -i -e "attach to cgroup" -e "status=219"
'

# --- 5. poweroff with VMs of every kind running ---------------------------------
test_expect_success 'web started again by systemctl start' '
	run in_ct systemctl start qemu-init@web.service && test_rc 0
'
test_expect_success 'hand started again from a login shell' '
	run login_ct "qemu-init start -w hand" && test_rc 0 && test_out_has "hand: up"
'
for n in db web adopt hand; do
	test_expect_success "$n runs before the poweroff" 'agree "$n" active 0 && keep_log "$n"'
done
test_expect_success 'poweroff of the container ends it' 'poweroff_ct'
for n in db web adopt hand; do
	test_expect_success "$n's guest powered itself off through its button before the container was gone" '
		powered_off "$T/kept-$n.log"
	'
done
kill -KILL $TAILS 2>/dev/null
TAILS=

# --- 6. upgrade, remove, purge --------------------------------------------------
# The upgrade: the same package, a later version, one unit changed.
U=$T/upgrade
test_expect_success 'setup: an upgrade package with a changed qemu-init@.service' <<'T'
	dpkg-deb -R "$PKG" "$U" &&
	sed -i 's/^Version: .*/&+upgrade/' "$U/DEBIAN/control" &&
	sed -i 's/^Description=.*/& (upgraded)/' "$U/lib/systemd/system/qemu-init@.service" &&
	dpkg-deb -b "$U" "$CT/root/opt/qinit/upgrade.deb" >/dev/null &&
	test -f "$CT/root/opt/qinit/upgrade.deb"
T
test_expect_success 'the container boots again' 'boot_ct 3' ||
    test_bail "the container did not boot a third time"
test_expect_success 'systemctl enable --now qemu-init@hand: hand and the AUTOSTART VMs run' '
	run in_ct systemctl enable --now qemu-init@hand.service &&
	test_rc 0 && agree hand active 0 && agree db active 0
'
test_expect_success 'dpkg -i of the upgrade' '
	db_pid=$(recorded_pid db) &&
	run in_ct dpkg -i /opt/qinit/upgrade.deb &&
	test_rc 0 && test_out_has "Setting up qemu-init"
'
test_expect_success '...the changed unit took effect (daemon-reload): nothing waits for one' '
	run in_ct systemctl show -p Description,NeedDaemonReload qemu-init@hand.service &&
	test_has "$out" "(upgraded)" && test_has "$out" "NeedDaemonReload=no"
'
test_expect_success '...and the VMs run on, untouched' '
	test_eq "$db_pid" "$(recorded_pid db)" &&
	test_eq active "$(is_active qemu-init@db.service)"
'

test_expect_success 'dpkg -r with VMs running' '
	keep_log db && keep_log hand &&
	run in_ct dpkg -r qemu-init && test_rc 0
'
test_expect_success '...stopped db and hand with their power button' '
	powered_off "$T/kept-db.log" && powered_off "$T/kept-hand.log"
'
test_expect_success '...no QEMU is left' '
	test_eq "" "$(in_ct pgrep -f qemu-system-x86_64)"
'
test_expect_success '...and no unit of qemu-init is left active or failed' '
	run in_ct systemctl list-units --plain --no-legend \
	    --state=active,activating,deactivating,failed "qemu-init*" &&
	test_eq "" "$out"
'

test_expect_success 'dpkg -P' 'run in_ct dpkg -P qemu-init && test_rc 0'
test_expect_success '...leaves no link to a qemu-init unit' '
	run in_ct find /etc/systemd/system -name "qemu-init*" -type l &&
	test_eq "" "$out"
'
test_expect_success '...nothing in /run/qemu-init' 'in_ct test ! -e /run/qemu-init'
test_expect_success '...no user qemu-init, and no subordinate ids of it' '
	test_eq "" "$(in_ct getent passwd qemu-init)" &&
	test_eq "" "$(in_ct grep -h "^qemu-init:" /etc/subuid /etc/subgid)"
'
test_expect_success 'the container powers off' 'poweroff_ct'

test_done
