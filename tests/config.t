#!/bin/bash
# config.t - configs, the registry, qemu-init show and check, bad input.
. "$(dirname "$0")/lib.sh"
monitor_conf 31000

vmdir=$T/vms/web
mkdir -p "$vmdir"
truncate -s 1M "$vmdir/disk,1.img"
cat > "$vmdir/web-qemu.cfg" <<'CFG'
# a small VM
export OS=linux
DESC="web server"
KVM=no
RAM=128M
BASE=.
DSK1="$BASE/disk,1.img"
VNC=no
CFG
echo "web $vmdir/web-qemu.cfg" > "$QEMU_INIT_CONFDIR/qemu-init.reg"

run qemu-init check
expect_out "check passes on a clean config with a helper key (BASE)" 0 \
    "1 VM checked: no problems"
check "and says nothing on stderr" test -z "$err"
echo 'UNUSED=$BASE' >> "$vmdir/web-qemu.cfg"
run qemu-init check web
expect "check warns about a key nothing uses, and fails" 1 \
    "qemu-init: warning: $vmdir/web-qemu.cfg:9: unknown key 'UNUSED'"
sed -i '/^UNUSED=/d' "$vmdir/web-qemu.cfg"

run qemu-init show web
expect "show exits 0" 0 ""
check "show hands QEMU the disk, its name's commas escaped" \
    contains "$out" "fd=<$vmdir/disk,,1.img>,set=2"
check "...as an fd set, with no format: QEMU probes it, never qemu-init" \
    contains "$out" "file=/dev/fdset/2,snapshot=off"
check "show puts the QMP monitor on slot 0 (MONPORT+100)" \
    contains "$out" "host=127.0.0.1,port=31100,server=on,wait=off,nodelay=on"
check "show turns KVM=no into -accel tcg" contains "$out" $'-accel\ntcg'
check "show takes nothing: no run dir made" [ ! -e "$QEMU_INIT_RUNDIR" ]

# The command line show prints is one QEMU accepts, once the descriptors
# qemu-init opens for QEMU (shown as fd=<FILE>) are given as those files.
# QEMU runs in the foreground (qemu-init starts it so): it is up once it
# has written its pid file, or it failed when it exits first.
runnable() {	# runnable FILE NAME: QEMU runs show's lines (FILE), -S
	local i=0 argv
	mapfile -t argv < <("$TOP/tests/guest/runnable.sh" < "$1")
	mkdir -p "$QEMU_INIT_RUNDIR/$2@qemu"
	"${argv[@]}" -S 2>"$T/qemu.err" &
	qpid=$!
	bg_started $qpid
	while [ ! -s "$QEMU_INIT_RUNDIR/$2@qemu/pid" ] && ! gone $qpid &&
	    [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$QEMU_INIT_RUNDIR/$2@qemu/pid" ] &&
	    [ "$(cat "$QEMU_INIT_RUNDIR/$2@qemu/pid")" = "$qpid" ]
}
runnable "$T/out" web
check "QEMU accepts the command line show prints (-S)" alive "$qpid" ||
    diag "$(cat "$T/qemu.err")"
kill "$qpid" 2>/dev/null
wait_until 30 gone "$qpid"
rm -rf "$QEMU_INIT_RUNDIR"

run qemu-init show /nonexistent/x-qemu.cfg
check "show of a missing file: exit 1, one line" \
    test $rc -eq 1 -a "$(echo "$err" | wc -l)" -eq 1
run qemu-init show nosuchvm
expect "show of an unknown VM names the registry" 1 "qemu-init: unknown VM 'nosuchvm' (not in $QEMU_INIT_CONFDIR/qemu-init.reg)"
run qemu-init show
check "show without a VM is a usage error (64)" [ $rc -eq 64 ]
run qemu-init frobnicate web
expect_line "an unknown action is a usage error (64), one line, no usage" 64 \
    "qemu-init: unknown action 'frobnicate' (qemu-init -h lists the actions)"

# A usage error is said first, before anything about the folders (a
# RUNDIR whose parent is missing hid it).
nodir=$T/no/such/run
run env QEMU_INIT_RUNDIR="$nodir" qemu-init start
expect_line "start without a VM, RUNDIR's parent missing: the usage (64)" 64 \
    "usage: qemu-init start [-cU] [-w [secs]] -a | -A | vm ..."
run env QEMU_INIT_RUNDIR="$nodir" qemu-init stop -x web
expect "...an unknown option too" 64 "qemu-init: stop: unknown option -x"
run env QEMU_INIT_RUNDIR="$nodir" qemu-init start -c -a
expect "...and start -c with -a" 64 "usage: qemu-init start"
run env QEMU_INIT_RUNDIR="$nodir" qemu-init list -q -o json
expect "...and list -q -o json" 64 "usage: qemu-init list"
run env QEMU_INIT_RUNDIR="$nodir" qemu-init start web
expect_line "a good command line then hears about RUNDIR" 1 \
    "qemu-init: cannot create run directory $nodir: No such file or directory"

# "Did you mean": a typo, and the words virsh's users type.
run qemu-init strat web
expect_line "a misspelt action: the one meant, one line" 64 \
    "qemu-init: unknown action 'strat': did you mean 'start'?"
run qemu-init web stauts
expect_line "...also in the form 'qemu-init vm action'" 64 \
    "qemu-init: unknown action 'stauts': did you mean 'status'?"
for pair in shutdown:stop destroy:kill dominfo:info reboot:restart \
    suspend:pause domstate:status dumpxml:show; do
	run qemu-init "${pair%:*}" web
	expect_line "virsh's ${pair%:*}: did you mean '${pair#*:}'?" 64 \
	    "qemu-init: unknown action '${pair%:*}': did you mean '${pair#*:}'?"
done
run qemu-init define web-qemu.cfg
expect_line "virsh's define: how to add a VM without create" 64 \
    "qemu-init: unknown action 'define': no 'create' yet: write NAME-qemu.cfg (qemu-init.cfg(5)) and add the line 'NAME /path/to/NAME-qemu.cfg' to $QEMU_INIT_CONFDIR/qemu-init.reg"
run qemu-init undefine web
expect_line "virsh's undefine: how to remove a VM without remove" 64 \
    "qemu-init: unknown action 'undefine': no 'remove' yet: delete the VM's line from $QEMU_INIT_CONFDIR/qemu-init.reg (its files stay)"
run qemu-init autostart web
expect_line "virsh's autostart: AUTOSTART=yes" 64 \
    "qemu-init: unknown action 'autostart': set AUTOSTART=yes in the VM's config: qemu-init.service starts it at boot"
run qemu-init list --all
expect_line "virsh's list --all: list shows them all anyway" 64 \
    "qemu-init: list: unknown option --all: list shows every registered VM, running or not"
run qemu-init help strat
expect_line "help of a misspelt action" 64 \
    "qemu-init: unknown action 'strat': did you mean 'start'?"
run qemu-init show wbe
expect_line "a misspelt VM: the registered name meant" 1 \
    "qemu-init: unknown VM 'wbe' (not in $QEMU_INIT_CONFDIR/qemu-init.reg): did you mean 'web'?"
run qemu-init status webb
expect_line "...for status too (exit 4)" 4 \
    "qemu-init: unknown VM 'webb' (not in $QEMU_INIT_CONFDIR/qemu-init.reg): did you mean 'web'?"
run qemu-init web show
check "init-script style 'qemu-init web show' works" [ $rc -eq 0 ]

# Hostile configs: each is a one-line error naming FILE:LINE, exit 1.
bad() {
	local desc=$1 text=$2 want=$3
	local f="$T/bad/bad-qemu.cfg"
	mkdir -p "$T/bad"
	printf '%b' "$text" > "$f"
	run qemu-init show "$f"
	if [ $rc -eq 1 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] &&
	    contains "$err" "$want"; then
		ok "bad config: $desc"
	else
		not_ok "bad config: $desc"
		show_run
	fi
}
bad "unterminated quote" 'OS=linux\nDESC="oops\n' "bad-qemu.cfg:2:6: unterminated double quote"
bad "command substitution" 'OS=$(reboot)\n' "bad-qemu.cfg:1:4: command substitution \$(...) is not allowed"
bad "backticks" 'OS=`reboot`\n' "bad-qemu.cfg:1:4: command substitution (\`...\`) is not allowed"
bad "a NUL byte" 'OS=li\0nux\n' "bad-qemu.cfg:1:6: NUL byte in file"
bad "a key with odd characters" 'DSK-1=x\n' "bad-qemu.cfg:1:4: invalid key"
bad "a command line" 'OS=linux\nrm -rf /\n' "bad-qemu.cfg:2:1: not an assignment"
bad "an unknown variable" 'DSK1=$HOME/x\n' "bad-qemu.cfg:1:6: 'HOME' is not set earlier in this file"
bad "a missing disk" 'OS=x\nDSK1=nothere.img\n' "bad-qemu.cfg:2: $T/bad/nothere.img: No such file or directory"
bad "a directory as a disk" 'DSK1=/tmp\n' "bad-qemu.cfg:1: /tmp: is a directory"
bad "a comma in a NIC model" 'NIC1="e1000,id=x"\n' "bad-qemu.cfg:1: NIC1 'e1000,id=x' is not a QEMU device name"
long=$(head -c 61440 /dev/zero | tr '\0' x)
bad "a 60 KiB line ending in a backtick" "DESC=$long\`\n" "bad-qemu.cfg:1:61446: command substitution"
long=$(head -c 102400 /dev/zero | tr '\0' x)
bad "a 100 KiB value" "DESC=$long\n" "bad-qemu.cfg:1:1: value longer than 64 KiB (after expansion)"
run qemu-init show "$T"
expect "a directory given as the config file" 1 "is not a <name>-qemu.cfg file"
mkdir -p "$T/dir-qemu.cfg"
run qemu-init show "$T/dir-qemu.cfg"
expect "a directory named like a config file" 1 "dir-qemu.cfg: is a directory"

# check: a gap in numbered keys, a misspelt key, a MAC collision.
printf 'DSK1=%s\nDSK3=%s\nDKS2=x\n' "$vmdir/disk,1.img" "$vmdir/disk,1.img" \
    > "$T/bad/gap-qemu.cfg"
run qemu-init check "$T/bad/gap-qemu.cfg"
expect "check reports a DSK3 after a gap and fails" 1 "gap-qemu.cfg:2: DSK3 is ignored: DSK2 is not set"
check "check suggests DSK2 for DKS2" \
    contains "$err" "gap-qemu.cfg:3: unknown key 'DKS2' (did you mean 'DSK2'?)"

# What start tolerates (qemu-init(8), check): a warning about something
# QEMU never sees, such as a malformed MAC1 with no NIC1.
printf 'KVM=no\nVNC=no\nRAM=64M\nDSK1=%s\nMAC1=zz:zz\n' "$vmdir/disk,1.img" \
    > "$T/bad/nonic-qemu.cfg"
run qemu-init start "$T/bad/nonic-qemu.cfg"
expect_line "start warns of a malformed MAC1 with no NIC1, one line" 0 \
    "qemu-init: warning: $T/bad/nonic-qemu.cfg:5: MAC1 is ignored: there is no NIC1"
check "...and starts the VM" contains "$out" "nonic: started"
run qemu-init kill "$T/bad/nonic-qemu.cfg"
expect_out "...which kill ends" 0 "nonic: killed"
run qemu-init check "$T/bad/nonic-qemu.cfg"
expect_line "check fails on the same warning" 1 \
    "qemu-init: warning: $T/bad/nonic-qemu.cfg:5: MAC1 is ignored: there is no NIC1"

mkdir -p "$T/vms/a" "$T/vms/b"
printf 'NIC1=e1000\n' > "$T/vms/a/a-qemu.cfg"
printf 'NIC1=e1000\nMAC1=DE:AD:BE:EF:BA:D1\n' > "$T/vms/b/b-qemu.cfg"
mac=$(qemu-init show "$T/vms/a/a-qemu.cfg" | sed -n 's/.*mac=//p')
sed -i "s/DE:AD:BE:EF:BA:D1/$mac/" "$T/vms/b/b-qemu.cfg"
printf 'a %s\nb %s\n' "$T/vms/a/a-qemu.cfg" "$T/vms/b/b-qemu.cfg" \
    >> "$QEMU_INIT_CONFDIR/qemu-init.reg"
run qemu-init check
expect "check finds a MAC shared by two VMs" 1 "MAC $mac is shared by NIC1 of 'a' and NIC1 of 'b'"

printf 'web %s\nweb %s\nstop %s\n' "$vmdir/web-qemu.cfg" \
    "$T/vms/a/a-qemu.cfg" "$T/vms/b/b-qemu.cfg" \
    > "$QEMU_INIT_CONFDIR/qemu-init.reg"
run qemu-init check
expect "check reports a duplicate shortname" 1 "qemu-init.reg:2: duplicate name 'web' (also on line 1)"
check "check reports a shortname that is an action" \
    contains "$err" "qemu-init.reg:3: shortname 'stop' is a qemu-init action"
run qemu-init show web
expect_out "...and 'show web' still serves the first web" 0 \
    "$vmdir/disk,,1.img"

# One bad registry line no longer fails every VM (issue 14): it is
# reported, skipped, and the rest is served; check still fails on it.
reg=$QEMU_INIT_CONFDIR/qemu-init.reg
printf 'web %s\nbroken\n' "$vmdir/web-qemu.cfg" > "$reg"
run qemu-init show web
expect "show works beside a bad registry line, and warns of it" 0 \
    "qemu-init: warning: $reg:2: expected '<shortname> <path>'"
run qemu-init check
expect "check fails on the bad registry line" 1 \
    "qemu-init: warning: $reg:2: expected '<shortname> <path>'"
printf 'web %s\r\n' "$vmdir/web-qemu.cfg" > "$reg"
run qemu-init check
expect "a CRLF registry says so, without a raw CR" 1 \
    "$reg:1: carriage return (DOS line ending): convert the file with dos2unix"
check "...and no message holds a CR" \
    test -z "$(printf '%s' "$err" | tr -dc '\r')"

# check web-qemu.cfg in the file's own folder checks that file (issue 15).
echo "web $vmdir/web-qemu.cfg" > "$reg"
cd "$vmdir" && run qemu-init check web-qemu.cfg
cd "$TOP" || exit 1
expect_out "check web-qemu.cfg in its folder checks that file" 0 \
    "1 VM checked: no problems"

# A registry or CONFDIR that does not exist is said to (issue 15).
rm "$reg"
run qemu-init status web
expect "status without a registry says it does not exist (exit 4)" 4 \
    "qemu-init: unknown VM 'web': $reg does not exist (set QEMU_INIT_CONFDIR to the folder that holds qemu-init.reg)"
run qemu-init check
expect "check without a registry fails and says why" 1 \
    "qemu-init: $reg does not exist (set QEMU_INIT_CONFDIR"
check "...instead of 'no problems'" test -z "$out"
QEMU_INIT_CONFDIR=$T/nowhere run qemu-init show web
expect "a CONFDIR that does not exist is named" 1 \
    "qemu-init: unknown VM 'web': $T/nowhere does not exist (set QEMU_INIT_CONFDIR"
echo "web $vmdir/web-qemu.cfg" > "$reg"

# The shipped sample config.
cp "$TOP/etc/qemu/example-qemu.cfg" "$T/example-qemu.cfg"
run qemu-init show "$T/example-qemu.cfg"
expect "show works on the shipped example-qemu.cfg" 0 ""
runnable "$T/out" example
check "QEMU accepts the example's command line (-S)" alive "$qpid" ||
    diag "$(cat "$T/qemu.err")"
kill "$qpid" 2>/dev/null
wait_until 30 gone "$qpid"

run qemu-init stop -h
expect_out "ACTION -h prints that action's usage on stdout, exit 0" 0 \
    "usage: qemu-init stop [-fn] [-t secs] -a | -A | vm ..."
run qemu-init start -x web
expect "an unknown option is a usage error (64)" 64 "usage: qemu-init start"
check "...its usage said once" test "$(grep -c '^usage:' "$T/err")" -eq 1 ||
    show_run

done_testing
