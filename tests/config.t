#!/bin/bash
# config.t - configs, the registry, qemu-init show and check, bad input.
. "$(dirname "$0")/lib.sh"
monitor_conf

vmdir=$T/vms/web
reg=$QEMU_INIT_CONFDIR/qemu-init.reg
test_expect_success 'setup: a small VM whose disk has a comma in its name' <<'T'
	mkdir -p "$vmdir" &&
	truncate -s 1M "$vmdir/disk,1.img" &&
	cat > "$vmdir/web-qemu.cfg" <<'CFG' &&
# a small VM
export OS=linux
DESC="web server"
KVM=no
RAM=128M
BASE=.
DSK1="$BASE/disk,1.img"
VNC=no
CFG
	echo "web $vmdir/web-qemu.cfg" > "$reg"
T

test_expect_success 'check passes on a clean config with a helper key (BASE), silent on stderr' '
	run qemu-init check &&
	test_rc 0 && test_out "1 VM checked: no problems" && test_err ""
'
test_expect_success 'check warns about a key nothing uses, and fails' <<'T'
	echo 'UNUSED=$BASE' >> "$vmdir/web-qemu.cfg" &&
	run qemu-init check web &&
	sed -i '/^UNUSED=/d' "$vmdir/web-qemu.cfg" &&
	test_rc 1 &&
	test_err "qemu-init: warning: $vmdir/web-qemu.cfg:9: unknown key 'UNUSED'"
T

test_expect_success 'show exits 0' 'run qemu-init show web && test_rc 0'
cp "$T/out" "$T/show.web"
test_expect_success 'show hands QEMU the disk, its name'"'"'s commas escaped' '
	test_out_has "fd=<$vmdir/disk,,1.img>,set=2"
'
test_expect_success '...as an fd set, with no format: QEMU probes it, never qemu-init' '
	test_out_has "file=/dev/fdset/2,id=disk0,snapshot=off"
'
# Whichever slot a start would take now (another make check may hold
# some): the HMP monitor on a MONPORT of this range, QMP 100 above.
test_expect_success 'show puts the monitors on a slot of MONPORT: HMP at MONPORT+s, QMP 100 above' <<'T'
	hmp=$(sed -n 's/^socket,id=hmp4,host=127.0.0.1,port=\([0-9]*\),server=on,wait=off,nodelay=on,ipv4=on$/\1/p' "$T/show.web") &&
	qmp=$(sed -n 's/^socket,id=qmp4,host=127.0.0.1,port=\([0-9]*\),server=on,wait=off,nodelay=on,ipv4=on$/\1/p' "$T/show.web") &&
	test -n "$hmp" -a -n "$qmp" &&
	test "$hmp" -ge "$PORTBASE" -a "$hmp" -lt $((PORTBASE + 20)) &&
	test_eq $((hmp + 100)) "$qmp"
T
test_expect_success 'show turns KVM=no into -accel tcg' 'test_out_has "$(printf -- "-accel\ntcg")"'
test_expect_success 'show takes nothing: no run dir made' 'test ! -e "$QEMU_INIT_RUNDIR"'

# The command line show prints is one QEMU accepts, once the descriptors
# qemu-init opens for QEMU (shown as fd=<FILE>) are given as those files.
# QEMU runs in the foreground (qemu-init starts it so): it is up once it
# has written its pid file, or it failed when it exits first.  It runs in
# this test's network namespace: its monitors listen on the ports show
# printed, which another make check's config.t takes at the same time.
runnable() {	# runnable FILE NAME: QEMU runs show's lines (FILE), -S
	local argv
	mapfile -t argv < <("$TOP/tests/guest/runnable.sh" < "$1")
	mkdir -p "$QEMU_INIT_RUNDIR/$2@qemu"
	[ -n "$NETNS" ] || netns_add || return 1
	ip netns exec "$NETNS" "${argv[@]}" -S 2>"$T/qemu.err" &
	qpid=$!
	bg_started $qpid
	pidfile=$QEMU_INIT_RUNDIR/$2@qemu/pid
	wait_until 600 eval 'test -s "$pidfile" || gone $qpid'
	if test_eq "$qpid" "$(cat "$pidfile" 2>/dev/null)" && alive "$qpid"; then
		kill "$qpid"
		wait_until 60 gone "$qpid"
		return 0
	fi
	cat "$T/qemu.err"
	return 1
}
test_expect_success 'QEMU accepts the command line show prints (-S)' '
	runnable "$T/show.web" web && rm -rf "$QEMU_INIT_RUNDIR"
'

test_expect_success 'show of a missing file: exit 1, one line' <<'T'
	run qemu-init show /nonexistent/x-qemu.cfg &&
	test_rc 1 && test "$(echo "$err" | wc -l)" -eq 1
T
test_expect_success 'show of an unknown VM names the registry' <<'T'
	run qemu-init show nosuchvm &&
	test_rc 1 &&
	test_err "qemu-init: unknown VM 'nosuchvm' (not in $reg)"
T
test_expect_success 'show without a VM is a usage error (64)' '
	run qemu-init show && test_rc 64
'
test_expect_success 'an unknown action is a usage error (64), one line, no usage' <<'T'
	run qemu-init frobnicate web &&
	test_rc 64 &&
	test_err "qemu-init: unknown action 'frobnicate' (qemu-init -h lists the actions)"
T

# A usage error is said first, before anything about the folders (a
# RUNDIR whose parent is missing hid it).
nodir=$T/no/such/run
test_expect_success "start without a VM, RUNDIR's parent missing: the usage (64)" '
	run env QEMU_INIT_RUNDIR="$nodir" qemu-init start &&
	test_rc 64 && test_err "usage: qemu-init start [-cU] [-w [secs]] -a | -A | vm ..."
'
test_expect_success '...an unknown option too' '
	run env QEMU_INIT_RUNDIR="$nodir" qemu-init stop -x web &&
	test_rc 64 && test_err_has "qemu-init: stop: unknown option -x"
'
test_expect_success '...and start -c with -a' '
	run env QEMU_INIT_RUNDIR="$nodir" qemu-init start -c -a &&
	test_rc 64 && test_err_has "usage: qemu-init start"
'
test_expect_success '...and list -q -o json' '
	run env QEMU_INIT_RUNDIR="$nodir" qemu-init list -q -o json &&
	test_rc 64 && test_err_has "usage: qemu-init list"
'
test_expect_success 'a good command line then hears about RUNDIR' '
	run env QEMU_INIT_RUNDIR="$nodir" qemu-init start web &&
	test_rc 1 &&
	test_err "qemu-init: cannot create run directory $nodir: No such file or directory"
'

# says DESCRIPTION RC STDERR ARGS...: a test: qemu-init ARGS exits RC,
# and STDERR is all it says.
says() {
	says_rc=$2 says_err=$3
	says_args=("${@:4}")
	test_expect_success "$1" '
		run qemu-init "${says_args[@]}" && test_rc $says_rc && test_err "$says_err"
	'
}

# "Did you mean": a typo, and the words virsh's users type.
says 'a misspelt action: the one meant, one line' 64 \
    "qemu-init: unknown action 'strat': did you mean 'start'?" strat web
says "...also in the form 'qemu-init vm action'" 64 \
    "qemu-init: unknown action 'stauts': did you mean 'status'?" web stauts
for pair in shutdown:stop destroy:kill dominfo:info reboot:restart \
    suspend:pause domstate:status dumpxml:show; do
	says "virsh's ${pair%:*}: did you mean '${pair#*:}'?" 64 \
	    "qemu-init: unknown action '${pair%:*}': did you mean '${pair#*:}'?" \
	    "${pair%:*}" web
done
says "virsh's define: create, or how to add a VM by hand" 64 \
    "qemu-init: unknown action 'define': did you mean 'create'? (or write NAME-qemu.cfg and add 'NAME /path/to/NAME-qemu.cfg' to $reg)" \
    define web-qemu.cfg
says "virsh's undefine: remove" 64 \
    "qemu-init: unknown action 'undefine': did you mean 'remove'?" \
    undefine web
says "virsh's autostart: AUTOSTART=yes" 64 \
    "qemu-init: unknown action 'autostart': set AUTOSTART=yes in the VM's config: qemu-init.service starts it at boot" \
    autostart web
says "virsh's list --all: list shows them all anyway" 64 \
    "qemu-init: list: unknown option --all: list shows every registered VM, running or not" \
    list --all
says 'help of a misspelt action' 64 \
    "qemu-init: unknown action 'strat': did you mean 'start'?" help strat
says 'a misspelt VM: the registered name meant' 1 \
    "qemu-init: unknown VM 'wbe' (not in $reg): did you mean 'web'?" show wbe
says '...for status too (exit 4)' 4 \
    "qemu-init: unknown VM 'webb' (not in $reg): did you mean 'web'?" status webb
test_expect_success "init-script style 'qemu-init web show' works" '
	run qemu-init web show && test_rc 0 && test_cmp "$T/show.web" "$T/out"
'

# Hostile configs: each is a one-line error naming FILE:LINE, exit 1.
mkdir -p "$T/bad"
bad() {
	local desc=$1 text=$2
	bad_want=$3
	printf '%b' "$text" > "$T/bad/bad-qemu.cfg"
	test_expect_success "bad config: $desc" '
		run qemu-init show "$T/bad/bad-qemu.cfg" &&
		test_rc 1 && test_err "qemu-init: $T/bad/$bad_want"
	'
}
bad "unterminated quote" 'OS=linux\nDESC="oops\n' "bad-qemu.cfg:2:6: unterminated double quote"
bad "command substitution" 'OS=$(reboot)\n' "bad-qemu.cfg:1:4: command substitution \$(...) is not allowed"
bad "backticks" 'OS=`reboot`\n' "bad-qemu.cfg:1:4: command substitution (\`...\`) is not allowed"
bad "a NUL byte" 'OS=li\0nux\n' "bad-qemu.cfg:1:6: NUL byte in file"
bad "a key with odd characters" 'DSK-1=x\n' "bad-qemu.cfg:1:4: invalid key (keys are made of [A-Za-z_][A-Za-z0-9_]*)"
bad "a command line" 'OS=linux\nrm -rf /\n' "bad-qemu.cfg:2:1: not an assignment (expected KEY=value)"
bad "an unknown variable" 'DSK1=$HOME/x\n' "bad-qemu.cfg:1:6: 'HOME' is not set earlier in this file (the environment is not expanded)"
bad "a missing disk" 'OS=x\nDSK1=nothere.img\n' "bad-qemu.cfg:2: $T/bad/nothere.img: No such file or directory"
bad "a directory as a disk" 'DSK1=/tmp\n' "bad-qemu.cfg:1: /tmp: is a directory"
bad "a comma in a NIC model" 'NIC1="e1000,id=x"\n' "bad-qemu.cfg:1: NIC1 'e1000,id=x' is not a QEMU device name (allowed: A-Z a-z 0-9 _ . -)"
long=$(head -c 61440 /dev/zero | tr '\0' x)
bad "a 60 KiB line ending in a backtick" "DESC=$long\`\n" "bad-qemu.cfg:1:61446: command substitution (\`...\`) is not allowed"
long=$(head -c 102400 /dev/zero | tr '\0' x)
bad "a 100 KiB value" "DESC=$long\n" "bad-qemu.cfg:1:1: value longer than 64 KiB (after expansion)"
test_expect_success 'a directory given as the config file' '
	run qemu-init show "$T" && test_rc 1 && test_err_has "is not a <name>-qemu.cfg file"
'
test_expect_success 'a directory named like a config file' '
	mkdir -p "$T/dir-qemu.cfg" &&
	run qemu-init show "$T/dir-qemu.cfg" &&
	test_rc 1 && test_err_has "dir-qemu.cfg: is a directory"
'

test_expect_success 'check reports a DSK3 after a gap, suggests DSK2 for DKS2, and fails' <<'T'
	printf 'DSK1=%s\nDSK3=%s\nDKS2=x\n' "$vmdir/disk,1.img" "$vmdir/disk,1.img" \
	    > "$T/bad/gap-qemu.cfg" &&
	run qemu-init check "$T/bad/gap-qemu.cfg" &&
	test_rc 1 &&
	test_err "qemu-init: warning: $T/bad/gap-qemu.cfg:3: unknown key 'DKS2' (did you mean 'DSK2'?)
qemu-init: warning: $T/bad/gap-qemu.cfg:2: DSK3 is ignored: DSK2 is not set"
T

# What start tolerates (qemu-init(8), check): a warning about something
# QEMU never sees, such as a malformed MAC1 with no NIC1.
nonic=$T/bad/nonic-qemu.cfg
test_expect_success 'start warns of a malformed MAC1 with no NIC1, one line, and starts the VM' <<'T'
	printf 'KVM=no\nVNC=no\nRAM=64M\nDSK1=%s\nMAC1=zz:zz\n' "$vmdir/disk,1.img" \
	    > "$nonic" &&
	run qemu-init start "$nonic" &&
	test_rc 0 &&
	test_err "qemu-init: warning: $nonic:5: MAC1 is ignored: there is no NIC1" &&
	test_out_has "nonic: started"
T
test_expect_success '...which kill ends' '
	run qemu-init kill "$nonic" && test_rc 0 && test_out "nonic: killed"
'
test_expect_success 'check fails on the same warning' '
	run qemu-init check "$nonic" &&
	test_rc 1 && test_err "qemu-init: warning: $nonic:5: MAC1 is ignored: there is no NIC1"
'

test_expect_success 'check finds a MAC shared by two VMs' <<'T'
	mkdir -p "$T/vms/a" "$T/vms/b" &&
	printf 'NIC1=e1000\n' > "$T/vms/a/a-qemu.cfg" &&
	mac=$(qemu-init show "$T/vms/a/a-qemu.cfg" | sed -n 's/.*mac=//p') &&
	test -n "$mac" &&
	printf 'NIC1=e1000\nMAC1=%s\n' "$mac" > "$T/vms/b/b-qemu.cfg" &&
	printf 'a %s\nb %s\n' "$T/vms/a/a-qemu.cfg" "$T/vms/b/b-qemu.cfg" >> "$reg" &&
	run qemu-init check &&
	test_rc 1 &&
	test_err_has "MAC $mac is shared by NIC1 of 'a' and NIC1 of 'b'"
T

test_expect_success 'check reports a duplicate shortname, and a shortname that is an action' <<'T'
	printf 'web %s\nweb %s\nstop %s\n' "$vmdir/web-qemu.cfg" \
	    "$T/vms/a/a-qemu.cfg" "$T/vms/b/b-qemu.cfg" > "$reg" &&
	run qemu-init check &&
	test_rc 1 &&
	test_err_has "qemu-init.reg:2: duplicate name 'web' (also on line 1)" &&
	test_err_has "qemu-init.reg:3: shortname 'stop' is a qemu-init action"
T
test_expect_success "...and 'show web' still serves the first web" '
	run qemu-init show web && test_rc 0 && test_out_has "$vmdir/disk,,1.img"
'

# One bad registry line no longer fails every VM: it is reported,
# skipped, and the rest is served; check still fails on it.
test_expect_success 'show works beside a bad registry line, and warns of it' <<'T'
	printf 'web %s\nbroken\n' "$vmdir/web-qemu.cfg" > "$reg" &&
	run qemu-init show web &&
	test_rc 0 &&
	test_err "qemu-init: warning: $reg:2: expected '<shortname> <path>'"
T
test_expect_success 'check fails on the bad registry line' <<'T'
	run qemu-init check &&
	test_rc 1 && test_err_has "qemu-init: warning: $reg:2: expected '<shortname> <path>'"
T
test_expect_success 'a CRLF registry says so, without a raw CR' <<'T'
	printf 'web %s\r\n' "$vmdir/web-qemu.cfg" > "$reg" &&
	run qemu-init check &&
	test_rc 1 &&
	test_err_has "$reg:1: carriage return (DOS line ending): convert the file with dos2unix" &&
	test -z "$(printf '%s' "$err" | tr -dc '\r')"
T

test_expect_success 'check web-qemu.cfg in its folder checks that file' <<'T'
	echo "web $vmdir/web-qemu.cfg" > "$reg" &&
	(cd "$vmdir" && qemu-init check web-qemu.cfg) > "$T/out" 2>&1 &&
	test_eq "1 VM checked: no problems" "$(cat "$T/out")"
T

# A registry or CONFDIR that does not exist is said to.
test_expect_success 'status without a registry says it does not exist (exit 4)' <<'T'
	rm "$reg" &&
	run qemu-init status web &&
	test_rc 4 &&
	test_err "qemu-init: unknown VM 'web': $reg does not exist (set QEMU_INIT_CONFDIR to the folder that holds qemu-init.reg)"
T
test_expect_success "check without a registry fails and says why, instead of 'no problems'" '
	run qemu-init check &&
	test_rc 1 && test_err_has "qemu-init: $reg does not exist (set QEMU_INIT_CONFDIR" &&
	test_out ""
'
test_expect_success 'a CONFDIR that does not exist is named' <<'T'
	run env QEMU_INIT_CONFDIR="$T/nowhere" qemu-init show web &&
	test_rc 1 &&
	test_err_has "qemu-init: unknown VM 'web': $T/nowhere does not exist (set QEMU_INIT_CONFDIR"
T
echo "web $vmdir/web-qemu.cfg" > "$reg"

test_expect_success 'show works on the shipped example-qemu.cfg' '
	cp "$TOP/etc/qemu/example-qemu.cfg" "$T/example-qemu.cfg" &&
	run qemu-init show "$T/example-qemu.cfg" && test_rc 0
'
test_expect_success "QEMU accepts the example's command line (-S)" '
	runnable "$T/out" example
'

test_expect_success "ACTION -h prints that action's usage on stdout, exit 0" '
	run qemu-init stop -h &&
	test_rc 0 && test_out_has "usage: qemu-init stop [-fn] [-t secs] -a | -A | vm ..."
'
test_expect_success 'an unknown option is a usage error (64), its usage said once' <<'T'
	run qemu-init start -x web &&
	test_rc 64 && test_err_has "usage: qemu-init start" &&
	test "$(grep -c '^usage:' "$T/err")" -eq 1
T

test_done
