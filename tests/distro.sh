# tests/distro.sh - the helpers of the tests of the Debian 12 guest of
# tests/guest/debian.sh (distro.t, distro-uefi.t, distro-agent.t):
# sourced after tests/lib.sh.  A Debian boot under TCG takes minutes,
# and many more on a loaded machine: every wait for it lasts as long as
# the guest makes progress (lib.sh's guest_wait), never a fixed time.
test_require GUEST,DEBIAN_GUEST,TMUX,QEMU_IMG

# deb_vm NAME [EXTRA-CONFIG-LINES [KERNEL-ARGS]]: a VM of the Debian
# guest on a disk of its own (a qcow2 overlay on the built image).
deb_vm() {
	local name=$1 dir="$T/vms/$1"

	mkdir -p "$dir" &&
	    qemu-img create -q -f qcow2 -F qcow2 -b "$DEB/disk.qcow2" \
		"$dir/disk.qcow2" &&
	    {
		"$TOP/tests/guest/debian-cfg.sh" "$DEB" "Debian 12 test guest" \
		    "${3:-}"
		printf '%s\n' "${2:-}"
	    } > "$dir/$name-qemu.cfg" &&
	    echo "$name $dir/$name-qemu.cfg" >> "$QEMU_INIT_CONFDIR/qemu-init.reg"
}

# login_and_ask NAME: logs in as root through qemu-init console in a
# terminal and asks systemd how the boot went (TEST ONLY password); each
# step waited for as long as the terminal or the console log moves.
login_and_ask() {
	PANE_VM=$1
	term_start "qemu-init console $1" 160 40 &&
	    wait_pane "attached to the console of '$1'" &&
	    keys Enter &&
	    wait_pane "login: *$" &&
	    keys root Enter &&
	    wait_pane "Password:" &&
	    keys qinit Enter &&
	    wait_pane "root@qinit-debian" &&
	    keys "systemctl is-system-running --wait; systemctl --failed --no-legend --plain | sed 's/^/FAILED: /'; echo DONE-\$((6*7))" Enter &&
	    wait_pane "^DONE-42"
	local rc=$?
	PANE_VM=
	return $rc
}

# system_state: what systemctl is-system-running said in the terminal.
system_state() {
	pane | grep -E -x "running|degraded|starting|maintenance|stopping"
}

leave_console() {
	keys C-]
	term_done
	term_stop
}

# clean_fs NAME: e2fsck -fn finds the VM's file system clean (the qcow2
# overlay and the image under it, converted to a raw file first).
clean_fs() {
	local dir="$T/vms/$1" rc=0

	qemu-img convert -O raw "$dir/disk.qcow2" "$dir/disk.raw" || return 1
	e2fsck -fn "$dir/disk.raw" > "$dir/fsck.out" 2>&1 ||
	    { cat "$dir/fsck.out"; rc=1; }
	rm -f "$dir/disk.raw"
	return $rc
}

# shut_down_cleanly NAME: the console log shows systemd's own power-off:
# systemd-shutdown's last words and the kernel's, which go through the
# kernel's log (systemd's status lines, such as its poweroff.target, it
# may drop on a loaded machine, whose emulated serial port is slow).
shut_down_cleanly() {
	local log
	log=$(console_log "$1")
	grep -q "All filesystems unmounted" "$log" &&
	    grep -q "reboot: Power down" "$log" && return 0
	echo "no clean systemd power-off in $log:"
	tail -8 "$log"
	return 1
}

# left_of NAME: the files of a VM's run in RUNDIR, but for its console
# logs and lock files, which stay by design.
left_of() {
	ls "$QEMU_INIT_RUNDIR" | grep "^$1@" |
	    grep -v -e "@console.log" -e "@lock$" -e "@console.lock$"
}

# boot_login_stop NAME WHAT: one whole life of a Debian VM.
boot_login_stop() {
	blsvm=$1
	test_expect_success "start the Debian guest ($2)" '
		run qemu-init start "$blsvm" && test_rc 0 &&
		test_out_has "$blsvm: started"
	'
	test_expect_success '...the login prompt shows up in its console log' '
		wait_for_log "$blsvm" "login: "
	'
	test_expect_success '...root logs in through qemu-init console in a terminal' '
		login_and_ask "$blsvm"
	'
	test_expect_success '...and systemd says the system is running' '
		test_eq running "$(system_state)" ||
		    { pane | grep -E "FAILED|running|degraded"; false; }
	'
	leave_console
	test_expect_success "qemu-init stop powers it off through logind ($2)" '
		run_guest "$blsvm" qemu-init stop -t 3600 "$blsvm" &&
		test_rc 0 && test_out "$blsvm: stopped"
	'
	test_expect_success "...the console log shows systemd's clean shutdown" '
		shut_down_cleanly "$blsvm"
	'
	test_expect_success '...nothing of its run is left in RUNDIR (state, pid, sockets)' '
		test_eq "" "$(left_of "$blsvm")"
	'
	test_expect_success '...and fsck finds its file system clean' 'clean_fs "$blsvm"'
}

# DEB_SLOW: kernel arguments for deb_vm's third that let a guest wait
# for its devices as long as a loaded machine needs: systemd's 90 s for
# /dev/ttyS0 ran out at a load of 14, and without its serial getty the
# guest never offered a login.  (Debian 12's systemd 252 times device
# units out by its default start timeout, which this sets.)
DEB_SLOW="systemd.default_timeout_start_sec=1800"

# deb_login NAME: root logged in on NAME's serial console, through
# qemu-init console in a tmux session named NAME (on a server of the
# deb_ helpers' own, $DEB_SOCK, which term_start leaves be), for deb_run
# (TEST ONLY password).  A session of that name is replaced.  Each step
# waited for as long as the console log grows.
DEB_SOCK=qinit-deb-$TEST_NAME-$$
TMUX_SOCKS="$TMUX_SOCKS $DEB_SOCK"
deb_login() {
	tmux -L "$DEB_SOCK" kill-session -t "$1" 2>/dev/null
	tmux -L "$DEB_SOCK" new-session -d -s "$1" -x 160 -y 40 \
	    "qemu-init console $1; sleep 3600" || return 1
	wait_until 60 deb_attached "$1" || {
		echo "deb_login: qemu-init console $1 did not attach"
		return 1
	}
	# getty's prompt is up; an Enter gets a fresh one, which systemd's
	# status lines did not run into (they may have, on the first).
	wait_for_log "$1" "login: " || return 1
	deb_prompt "$1" Enter "login: " || return 1
	deb_prompt "$1" root "Password:" || return 1
	# Keys typed before the shell's prompt may be thrown away (login's
	# terminal set-up flushed "echo QI-IN-..." once, on a loaded
	# machine): the command waits for root's prompt.
	deb_prompt "$1" qinit ":~# " || return 1
	DEB_N=$((DEB_N + 1))
	deb_run "$1" "echo QI-IN-\$((1000+$DEB_N))" "QI-IN-$((1000 + DEB_N))"
}
DEB_N=0

# deb_prompt NAME WORD TEXT: WORD typed (and Enter) on NAME's console,
# then one more TEXT in its console log than there was.
deb_prompt() {
	local n
	n=$(grep -c -- "$3" "$(console_log "$1")")
	if [ "$2" = Enter ]; then deb_keys "$1" Enter; else deb_keys "$1" "$2" Enter; fi &&
	    guest_wait "$1" "another '$3' in its console log" deb_more "$1" "$3" "$n"
}
deb_more() {
	[ "$(grep -c -- "$2" "$(console_log "$1")")" -gt "$3" ]
}

deb_attached() {
	tmux -L "$DEB_SOCK" capture-pane -p -t "$1" 2>/dev/null |
	    grep -q "attached to the console"
}

# deb_keys NAME KEY...: keys typed into deb_login's session of NAME.
deb_keys() {
	local s=$1
	shift
	tmux -L "$DEB_SOCK" send-keys -t "$s" "$@"
}

# deb_run NAME CMD TOKEN: runs the shell command CMD as root on NAME's
# console (deb_login) and waits, as long as the guest makes progress,
# until TOKEN, which CMD prints and which its own text does not hold, is
# in NAME's console log.
deb_run() {
	deb_keys "$1" "$2" Enter &&
	    wait_for_log "$1" "$3"
}
