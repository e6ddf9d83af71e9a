#!/bin/bash
# verbs.t - what scripts and habits expect (SPEC 4.1), with the real
# guest: info; -o json for list, status and info, read by python3's json
# module and compared with the text form; list's columns and -q; status
# naming the VM as it was typed; stop -n and wait; start -c; pause,
# resume and reset; long options, the init-script form and help; show
# -s; tap names; stop -A, the boot unit's way to stop only what it
# started; and that editing a running VM's config changes nothing that
# info, list and stop say or do about it.
. "$(dirname "$0")/lib.sh"
need_guest
command -v python3 >/dev/null ||
    { echo "Bail out! python3 missing: run make deps"; exit 1; }
monitor_conf 33600 20
TMUX_SOCK=qinit-verbs-$$

# named_vm SHORT LONG MODE [EXTRA-CONFIG-LINES]: the test guest as
# LONG-qemu.cfg, registered as SHORT (guest_vm's VMs have one name).
named_vm() {
	local dir="$T/vms/$2"

	mkdir -p "$dir"
	{
		"$TOP/tests/guest/cfg.sh" "$GUEST" "$2 ($3)" "$3"
		printf '%s\n' "${4:-}"
	} > "$dir/$2-qemu.cfg"
	echo "$1 $dir/$2-qemu.cfg" >> "$QEMU_INIT_CONFDIR/qemu-init.reg"
}

# The JSON documents, read by python3's json module: jget FILE PATH...
# prints the value at PATH (keys and indexes), null as "null";
# json_vs_text KIND JSON TEXT compares a document with the text form of
# the same action (KIND info, list or status), printing each difference.
cat > "$T/qi_json.py" <<'PY'
import json, sys, time

def text_of(v):
    if v is None:
        return "-"
    if v is True:
        return "yes"
    if v is False:
        return "no"
    return str(v)

def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)

def get(doc, path):
    for p in path:
        doc = doc[int(p)] if isinstance(doc, list) else doc[p]
    return "null" if doc is None else text_of(doc)

def info(doc, text):
    lines = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep or key in lines:
            yield "bad text line %r" % line
        lines[key] = value.strip()
    for key, v in doc.items():
        if isinstance(v, list):
            continue
        if key == "uptime":	# asked at another moment
            if (v is None) != (lines.get(key) == "-"):
                yield "uptime: %r vs %r" % (v, lines.get(key))
            continue
        want = text_of(v)
        if key == "started" and v is not None:
            want = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(v))
        if lines.get(key) != want:
            yield "%s: json %r, text %r" % (key, want, lines.get(key))
    items = [("disk%d" % i, "%s (%s)" % (d["path"], d["format"]))
             for i, d in enumerate(doc["disks"], 1)]
    items += [("cdrom%d" % i, c) for i, c in enumerate(doc["cdroms"], 1)]
    items += [("nic%d" % i, "%s %s %s" % (n["model"], n["mac"],
               text_of(n["tap"]))) for i, n in enumerate(doc["nics"], 1)]
    for key, want in items:
        if lines.get(key) != want:
            yield "%s: json %r, text %r" % (key, want, lines.get(key))
    for key in lines:
        if key not in doc and key not in dict(items):
            yield "%s: only in the text" % key

def table_row(vm):
    if vm["state"] != "running":
        state = vm["state"]
    elif " " in vm["qemu_state"]:
        state = "busy"
    else:
        state = vm["qemu_state"]
    unix = "unix" if vm["monitor"] == "unix" else None
    desc = vm["description"] or ""
    if not vm["config_ok"] and vm["state"] == "stopped":
        desc = "(config error: see qemu-init check)"
    with_ = [w for w, on in (("snapshot", vm["snapshot"]),
             ("agent", vm["agent"]), ("uefi", vm["firmware"] == "uefi"),
             ("kernel", vm["kernel"] is not None)) if on]
    if vm["runas"] not in (None, "qemu-init"):
        with_.append("as=" + vm["runas"])
    return [vm["shortname"], vm["name"], state, text_of(vm["pid"]),
            text_of(unix or vm["monport"]), text_of(unix or vm["ctlport"]),
            text_of(vm["vnc"]), ",".join(with_) or "-", desc]

def table(doc, text):
    rows = [line.split(None, 8) for line in text.splitlines()]
    if rows[0] != ["NAME", "LONGNAME", "STATE", "PID", "MONPORT",
                   "CTLPORT", "VNC", "WITH", "DESCRIPTION"]:
        yield "header %r" % rows[0]
    rows = [r + [""] * (9 - len(r)) for r in rows[1:]]
    if len(rows) != len(doc["vms"]):
        yield "%d rows, %d VMs" % (len(rows), len(doc["vms"]))
    for row, vm in zip(rows, doc["vms"]):
        if row != table_row(vm):
            yield "text %r, json %r" % (row, table_row(vm))

def status(doc, text):
    lines = text.splitlines()
    if len(lines) != len(doc["vms"]):
        yield "%d lines, %d VMs" % (len(lines), len(doc["vms"]))
    for line, vm in zip(lines, doc["vms"]):
        head = "%s: %s" % (vm["vm"], vm["state"])
        if vm["state"] == "running":
            head += ", pid %d, up " % vm["pid"]
        if not line.startswith(head):
            yield "text %r does not begin %r" % (line, head)
        if vm["monport"] is not None and ", monitor %d, control %d" % (
                vm["monport"], vm["ctlport"]) not in line:
            yield "text %r lacks the ports of %r" % (line, vm)
        qs = vm["qemu_state"]
        if vm["state"] == "running" and (qs != "running") != (
                ", qemu %s" % qs in line):
            yield "text %r and qemu_state %r" % (line, qs)

if sys.argv[1] == "get":
    print(get(load(sys.argv[2]), sys.argv[3:]))
    sys.exit(0)
with open(sys.argv[3], encoding="utf-8") as f:
    text = f.read()
check = {"info": info, "list": table, "status": status}[sys.argv[1]]
bad = list(check(load(sys.argv[2]), text))
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
jget() { python3 "$T/qi_json.py" get "$@"; }
json_vs_text() {
	python3 "$T/qi_json.py" "$@" > "$T/cmp.out" 2>&1 && return 0
	diag "$(cat "$T/cmp.out")"
	return 1
}
# as_json FILE CMD...: runs CMD (into $out, $rc...) and keeps its stdout.
as_json() {
	local f=$1
	shift
	run "$@"
	printf '%s\n' "$out" > "$f"
}
# parses FILE: it is one JSON document.
parses() {
	python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$1" \
	    2>"$T/parse.err" && return 0
	diag "$(cat "$T/parse.err")" "$(head -20 "$1")"
	return 1
}
# markers NAME: how many times the guest has reached its ready marker.
markers() {
	grep -c QINIT-GUEST-READY "$QEMU_INIT_RUNDIR/$1@console.log" \
	    2>/dev/null
}
# wait_markers NAME N: the guest got ready N times (a bound on a hang).
wait_markers() {
	local i=0
	while [ "$(markers "$1")" -lt "$2" ] && [ $i -lt 1800 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(markers "$1")" -ge "$2" ] || diag "$(markers "$1") markers"
}

mkdir -p "$T/vms/webserver"
truncate -s 1M "$T/vms/webserver/disk one.img"
: > "$T/vms/webserver/boot.iso"
named_vm web webserver obey 'DESC="Web server"
DSK1="disk one.img"
CDR1=boot.iso'
guest_vm ign ignore 'STOPDELAY=3'
guest_vm auto obey 'AUTOSTART=yes'
guest_vm hand obey
guest_vm con obey
named_vm a-very-very-long-shortname-for-list \
    and-an-even-longer-longname-for-the-columns-of-list obey

# --- help, and every action word reserved ----------------------------------
run qemu-init help
# The second word of each usage line but the init-script form's.
actions=$(printf '%s\n' "$out" | sed -n 's/^ *qemu-init \([a-z]*\)\( .*\)*$/\1/p' |
    grep -vx vm | sort -u | tr '\n' ' ')
check "help lists every action" test "$actions" = \
    "check console help info kill list pause reset restart resume show start status stop wait " ||
    diag "$actions"
run qemu-init help wait
expect_out "help wait: its usage and options" 0 "-t, --timeout=S"
run qemu-init wait -h
expect_out "...as wait -h does" 0 "usage: qemu-init wait [-t secs] vm"
run qemu-init help nosuch
expect_line "help of an unknown action: exit 64" 64 \
    "qemu-init: unknown action 'nosuch' (qemu-init -h lists the actions)"
reserved_ok=yes
mkdir -p "$T/reserved"
for a in $actions; do
	echo "$a $T/vms/$a-qemu.cfg" > "$T/reserved/qemu-init.reg"
	QEMU_INIT_CONFDIR=$T/reserved qemu-init check > "$T/res.out" 2>&1
	grep -q "shortname '$a' is a qemu-init action" "$T/res.out" ||
	    { reserved_ok=no; diag "$a: $(cat "$T/res.out")"; }
done
check "no action word can be a shortname" test "$reserved_ok" = yes

# --- info of a stopped VM: its config -----------------------------------
as_json "$T/i0.json" qemu-init info -o json web
check "info -o json of a stopped VM is one JSON document" parses "$T/i0.json"
check "...state stopped, no pid, slot or ports" test \
    "$(jget "$T/i0.json" state) $(jget "$T/i0.json" pid) $(jget "$T/i0.json" slot) $(jget "$T/i0.json" monport)" = \
    "stopped null null null"
check "...its disk and format, ISO, RAM and STOPDELAY from the config" test \
    "$(jget "$T/i0.json" disks 0 path)|$(jget "$T/i0.json" disks 0 format)|$(jget "$T/i0.json" cdroms 0)|$(jget "$T/i0.json" ram)|$(jget "$T/i0.json" stopdelay)" = \
    "$T/vms/webserver/disk one.img|auto|$T/vms/webserver/boot.iso|192M|60"
run qemu-init info web
printf '%s\n' "$out" > "$T/i0.txt"
check "info in text says the same" json_vs_text info "$T/i0.json" "$T/i0.txt"

# --- start, info of a running VM -----------------------------------------
run qemu-init start web
expect_out "start web" 0 "webserver: started"
check "the guest is ready" wait_ready webserver
pid=$(state_pid webserver)
as_json "$T/i1.json" qemu-init info --output=json web
check "info --output=json of a running VM parses" parses "$T/i1.json"
check "...running, qemu running, its pid" test \
    "$(jget "$T/i1.json" state) $(jget "$T/i1.json" qemu_state) $(jget "$T/i1.json" pid)" = \
    "running running $pid"
slot=$(jget "$T/i1.json" slot)
check "...its slot's ports: MONPORT base+slot, CTLPORT +100" test \
    "$(jget "$T/i1.json" monport) $(jget "$T/i1.json" ctlport) $(jget "$T/i1.json" monitor)" = \
    "$((33600 + slot)) $((33700 + slot)) tcp"
check "...its serial socket, which is one" \
    test -S "$(jget "$T/i1.json" serial_socket)"
check "...its console log" test \
    "$(jget "$T/i1.json" console_log)" = "$QEMU_INIT_RUNDIR/webserver@console.log"
check "...numbers as numbers, booleans as booleans" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert all(isinstance(d[k], int) for k in ("pid", "slot", "started", "uptime", "stopdelay"))
assert all(isinstance(d[k], int) for k in ("uid",))
assert d["autostart"] is False and d["runas"] == "qemu-init" and d["vnc"] is None' "$T/i1.json"
run qemu-init info web
printf '%s\n' "$out" > "$T/i1.txt"
expect_out "info web in text" 0 "pid:           $pid"
check "...says what the JSON says" json_vs_text info "$T/i1.json" "$T/i1.txt"
if command -v valgrind >/dev/null; then
	run valgrind -q --leak-check=full --errors-for-leak-kinds=all \
	    --error-exitcode=99 "$BIN/qemu-init" info -o json web
	check "info of a running VM (its state read back) is clean under valgrind" \
	    test "$rc" -eq 0 || show_run
else
	not_ok "info of a running VM is clean under valgrind: no valgrind (make deps)"
fi
run qemu-init info nosuchvm
expect "info of an unknown VM: exit 1" 1 "unknown VM 'nosuchvm'"
run qemu-init info web hand
check "info takes one VM (64)" test "$rc" -eq 64

# --- status: the name as typed, and its JSON ---------------------------------
run qemu-init status web
expect_out "status web names it web, as typed" 0 "web: running, pid $pid"
run qemu-init status webserver
expect_out "status webserver names it webserver" 0 "webserver: running, pid $pid"
run qemu-init status "$T/vms/webserver/webserver-qemu.cfg"
expect_out "status of a path names the path" 0 \
    "$T/vms/webserver/webserver-qemu.cfg: running"
run qemu-init status
printf '%s\n' "$out" > "$T/s.txt"
as_json "$T/s.json" qemu-init status -o json
check "status -o json parses" parses "$T/s.json"
check "...and says what status says, VM by VM" \
    json_vs_text status "$T/s.json" "$T/s.txt"
as_json "$T/s1.json" qemu-init status -o json web nosuchvm
check "status -o json web nosuchvm: exit 4, as in text" test "$rc" -eq 4 ||
    show_run
check "...web running (lsb 0), nosuchvm unknown (lsb 4)" test \
    "$(jget "$T/s1.json" vms 0 vm) $(jget "$T/s1.json" vms 0 lsb) $(jget "$T/s1.json" vms 1 state) $(jget "$T/s1.json" vms 1 lsb) $(jget "$T/s1.json" vms 1 name)" = \
    "web 0 unknown 4 null"
as_json "$T/s2.json" qemu-init status --output json ign
check "status --output json of a stopped VM: exit 3" test "$rc" -eq 3
run qemu-init status --force web
expect "an option of another action is refused (64)" 64 \
    "status: unknown option --force"
run qemu-init status -o yaml web
expect "-o takes text or json only" 64 "-o yaml: not text or json"

# --- list: columns sized to the data, -q, -o json -----------------------------
run qemu-init list
printf '%s\n' "$out" > "$T/l.txt"
expect_out "list" 0 "NAME"
check "list has a line per registered VM and a header" \
    test "$(wc -l < "$T/l.txt")" -eq 7
check "...no line ends in a blank" test "$(grep -c ' $' "$T/l.txt")" -eq 0
columns_align() {
	local col line
	for col in LONGNAME STATE PID MONPORT CTLPORT VNC WITH DESCRIPTION; do
		at=$(head -1 "$T/l.txt" | grep -bo "$col" | head -1 | cut -d: -f1)
		while IFS= read -r line; do
			# each column starts after a blank, with a non-blank
			[ "${line:at-1:1}" = " " ] && [ "${line:at:1}" != " " ] ||
			    { diag "$col at $at: $line"; return 1; }
		done < "$T/l.txt"
	done
}
check "...every column starts at the same place, even after a long name" \
    columns_align
check "...the running web's row: its pid and ports" \
    grep -Eq "^web +webserver +running +$pid +$((33600 + slot)) +$((33700 + slot)) +- +kernel +Web server$" "$T/l.txt"
as_json "$T/l.json" qemu-init list -o json
check "list -o json parses" parses "$T/l.json"
check "...and says what the table says, row by row" \
    json_vs_text list "$T/l.json" "$T/l.txt"
run qemu-init list -q
check "list -q: the shortnames, in registry order" test "$out" = \
    "$(awk '{ print $1 }' "$QEMU_INIT_CONFDIR/qemu-init.reg")"
run qemu-init list --quiet
check "...as list --quiet" test "$rc" -eq 0 -a "$(printf '%s\n' "$out" | wc -l)" -eq 6
run qemu-init list -q -o json
check "list -q -o json is a usage error" test "$rc" -eq 64

# --- a running VM's facts are what it was started with ------------------------
grep -v '^pid:\|^uptime:\|^qemu_state:' "$T/i1.txt" > "$T/before.txt"
row_before=$(grep '^web ' "$T/l.txt")
cat >> "$T/vms/webserver/webserver-qemu.cfg" <<'CFG'
DESC="edited"
RAM=256M
VNC=yes
NIC1=e1000
STOPDELAY=5
AUTOSTART=yes
CFG
run qemu-init info web
printf '%s\n' "$out" | grep -v '^pid:\|^uptime:\|^qemu_state:' > "$T/after.txt"
check "editing a running VM's config (NIC, VNC, STOPDELAY...) changes nothing info says" \
    cmp -s "$T/before.txt" "$T/after.txt" || diag "$(diff "$T/before.txt" "$T/after.txt")"
as_json "$T/i2.json" qemu-init info -o json web
check "...nor its JSON: no NIC, no VNC, STOPDELAY 60, RAM 192M" test \
    "$(jget "$T/i2.json" nics)|$(jget "$T/i2.json" vnc)|$(jget "$T/i2.json" stopdelay)|$(jget "$T/i2.json" ram)" = \
    "[]|null|60|192M"
run qemu-init list
check "...nor what list says of it (VNC, description)" \
    test "$(printf '%s\n' "$out" | grep '^web ')" = "$row_before"

run qemu-init start ign
expect_out "start ign (STOPDELAY=3, ignores the power button)" 0 "ign: started"
wait_ready ign >/dev/null
ipid=$(state_pid ign)
echo 'STOPDELAY=60' >> "$T/vms/ign/ign-qemu.cfg"
script -qec "qemu-init stop ign" /dev/null > "$T/tty.out" 2>&1
check "stop waits the recorded STOPDELAY (3 s), not the edited one (60)" \
    grep -q "'ign' is still running after 3 s" "$T/tty.out" ||
    diag "$(cat "$T/tty.out")"
check "...and on a terminal says what it waits for" \
    grep -q "qemu-init: ign: power button pressed, waiting up to 3 s" "$T/tty.out"
run qemu-init stop ign -t 2
silent_wait() { [ "$rc" -eq 1 ] && ! contains "$err" "waiting up to"; }
check "...which it does not say when stderr is no terminal" silent_wait ||
    show_run

# --- stop -n, wait ----------------------------------------------------------
run qemu-init stop -n ign
expect_out "stop -n presses the button and returns 0" 0 "ign: power button pressed"
check "...without waiting: the ignoring guest still runs" alive "$ipid"
run qemu-init wait -t 2 ign
expect "wait -t 2 for a VM that does not stop: exit 1" 1 \
    "'ign' is still running after 2 s"
check "...and leaves it running" alive "$ipid"
run qemu-init wait --timeout=0 ign hand
expect "wait --timeout=0: at once, still running" 1 "'ign' is still running after 0 s"
run qemu-init ign stop --timeout 2 --force
expect_out "init-script form with long options: qemu-init ign stop --timeout 2 --force" \
    0 "ign: stopped (forced)"
check "...QEMU is gone" gone "$ipid"
run qemu-init wait hand
expect_out "wait for a VM that does not run returns at once" 0 "hand: stopped"

run qemu-init start hand
wait_ready hand >/dev/null
hpid=$(state_pid hand)
run qemu-init hand stop --no-wait
expect_out "qemu-init hand stop --no-wait" 0 "hand: power button pressed"
run qemu-init wait -t 120 hand
expect_out "wait returns once the guest powered off" 0 "hand: stopped"
check "...its QEMU is gone" gone "$hpid"

# --- pause, resume, reset ----------------------------------------------------
run qemu-init pause web
expect_out "pause web" 0 "webserver: paused"
run qemu-cmd -c "info status" web
expect_out "...QEMU says the VM is paused" 0 "VM status: paused"
run qemu-init status web
expect_out "...status shows it" 0 ", qemu paused"
run qemu-init webserver info --output json
printf '%s\n' "$out" > "$T/i3.json"
check "...info (init-script form) says qemu_state paused" \
    test "$(jget "$T/i3.json" qemu_state)" = paused
run qemu-init list
check "...list's STATE says paused" \
    test "$(printf '%s\n' "$out" | awk '$1 == "web" { print $3 }')" = paused
run qemu-init resume web
expect_out "resume web" 0 "webserver: resumed"
run qemu-cmd -c "info status" web
expect_out "...QEMU runs it again" 0 "VM status: running"
n=$(markers webserver)
run qemu-init reset web
expect_out "reset web" 0 "webserver: reset"
check "...the guest boots again (its ready marker once more)" \
    wait_markers webserver $((n + 1))
check "...in the same QEMU" test "$(state_pid webserver)" = "$pid"
run qemu-init pause hand
expect "pause of a VM that does not run: exit 1" 1 "'hand' is not running"
run qemu-init resume
check "resume without a VM is a usage error" test "$rc" -eq 64

# --- start -c -------------------------------------------------------------
tmux -L "$TMUX_SOCK" new-session -d -x 150 -y 40 \
    "qemu-init start -c con; echo \$? > $T/con.rc; sleep 600"
check "start -c starts the VM" wait_pane "con: started, pid" 60
check "...then attaches its console" wait_pane "attached to the console of 'con'"
check "...where the guest's boot shows" wait_pane "QINIT-GUEST-READY" 180
tmux -L "$TMUX_SOCK" send-keys Enter
tmux -L "$TMUX_SOCK" send-keys 'echo $((6*7))x' Enter
check "...and what is typed reaches the guest" wait_pane '^42x'
tmux -L "$TMUX_SOCK" send-keys C-]
i=0
while [ ! -s "$T/con.rc" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "...Ctrl-] leaves, exit 0, the VM still running" \
    test "$(cat "$T/con.rc" 2>/dev/null)" = 0 -a -n "$(state_pid con)"
tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
printf 'echo $((8*9))z\n' > "$T/typed"
run qemu-init start --console con < "$T/typed"
expect_out "start --console of a running VM attaches to it" 0 "72z"
run qemu-init start -c con hand
check "start -c takes one VM (64)" test "$rc" -eq 64
run qemu-init start -c -a
check "...not -a (64)" test "$rc" -eq 64

# --- show -s ---------------------------------------------------------------
run qemu-init show hand
printf '%s\n' "$out" > "$T/show.txt"
run qemu-init show -s hand
line=$out
check "show -s prints one line" test "$rc" -eq 0 -a "$(printf '%s\n' "$line" | wc -l)" -eq 1
eval "words=($line)"
# show's arguments with each descriptor as the file it stands for
# (runnable.sh), but for where QEMU run by hand writes its pid, that it
# daemonizes, and the sandbox that lets it.
by_design() { grep -v -x -- '-daemonize\|on,obsolete=.*\|.*@pid\|.*@qemu/pid'; }
check "...of shell words that read back as show's arguments, files named" test \
    "$(printf '%s\n' "${words[@]}" | by_design)" = \
    "$("$TOP/tests/guest/runnable.sh" < "$T/show.txt" | by_design)"
check "...the sockets and log named, not handed over" \
    contains "$line" "path=$QEMU_INIT_RUNDIR/hand@control,server=on"
bash -c "$line -S" 2>"$T/qemu.err"
spid=$(cat "$QEMU_INIT_RUNDIR/hand@pid" 2>/dev/null)
check "...that a shell runs as a QEMU" alive "$spid" || diag "$(cat "$T/qemu.err")"
check "...with the guest's console log where start keeps it" \
    test -e "$QEMU_INIT_RUNDIR/hand@console.log"
[ -n "$spid" ] && kill "$spid" 2>/dev/null
i=0
while [ -n "$spid" ] && ! gone "$spid" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
rm -f "$QEMU_INIT_RUNDIR"/hand@*

# --- stop -A: only what was started with AUTOSTART=yes ----------------------
run qemu-init start --autostart
expect_out "start --autostart starts the AUTOSTART VM" 0 "auto: started"
check "...and starts no other" \
    test "$(printf '%s\n' "$out" | grep -c ': started')" -eq 1
wait_ready auto >/dev/null
run qemu-init start hand
echo 'AUTOSTART=yes' >> "$T/vms/hand/hand-qemu.cfg"
echo 'AUTOSTART=no' >> "$T/vms/auto/auto-qemu.cfg"
apid=$(state_pid auto)
# con's state as a qemu-init before AUTOSTART was recorded wrote it.
sed -i '/^AUTOSTART=/d' "$QEMU_INIT_RUNDIR/con@state"
cpid=$(state_pid con)
run qemu-init stop --autostart --force
expect_out "stop --autostart stops the VM started with AUTOSTART=yes" 0 "auto: stopped"
check "...even though its config says AUTOSTART=no now" gone "$apid"
check "...and a VM whose state does not say (an older start)" gone "$cpid"
check "...and says nothing of the others (in parallel: in any order)" \
    test "$(printf '%s\n' "$out" | sort)" = "$(printf 'auto: stopped\ncon: stopped')"
check "...which run on: started by hand (AUTOSTART=yes only since)" \
    alive "$(state_pid hand)"
check "...and web (its config says AUTOSTART=yes since its start)" \
    alive "$pid"
run qemu-init stop -A
expect_out "stop -A with none to stop: exit 0, nothing said" 0 ""
check "...really nothing" test -z "$out"

# --- taps: named after the slot and the NIC, in a netns of our own ------------
if [ "$(id -u)" -ne 0 ]; then
	ok "tap names # skip needs root (network namespaces, taps)"
elif ! ip netns add "qinit-verbs$$"; then
	not_ok "a network namespace for the tap steps"
else
	NETNS=qinit-verbs$$
	inns() { ip netns exec "$NETNS" "$@"; }
	inns ip link set lo up
	inns ip link add br0 type bridge
	inns ip link set br0 up
	ln -s "$BIN/qemu-netif" "$QEMU_INIT_CONFDIR/qemu-brup"
	ln -s "$BIN/qemu-netif" "$QEMU_INIT_CONFDIR/qemu-brdown"
	guest_vm n1 obey 'NIC1=virtio-net-pci
NIC2=e1000'
	guest_vm n2 obey 'NIC1=virtio-net-pci'
	run inns qemu-init show n1
	want=$(printf '%s\n' "$out" | sed -n 's/^tap,id=net0,fd=<tap \([^ ]*\) .*/\1/p')
	check "show names NIC1's tap qi<slot>n0 (the slot a start would take)" \
	    grep -qx 'qi[0-9]*n0' <<< "$want" || show_run
	# That name taken by another interface: start skips that slot.
	inns ip link add "$want" type bridge
	run inns qemu-init start n1
	expect_out "start n1 with two NICs on br0" 0 "n1: started"
	as_json "$T/n1.json" qemu-init info -o json n1
	s=$(jget "$T/n1.json" slot)
	check "...on another slot than the one whose tap name was taken" \
	    test "qi${s}n0" != "$want"
	check "...info shows its taps: qi<slot>n0, qi<slot>n1" test \
	    "$(jget "$T/n1.json" nics 0 tap) $(jget "$T/n1.json" nics 1 tap)" = \
	    "qi${s}n0 qi${s}n1"
	check "...the bridge and the NIC models" test \
	    "$(jget "$T/n1.json" bridge) $(jget "$T/n1.json" nics 0 model) $(jget "$T/n1.json" nics 1 model)" = \
	    "br0 virtio-net-pci e1000"
	check "...and ip link shows those taps on br0" test \
	    "$(inns ip -o link show master br0 | awk -F': ' '{ print $2 }' | sort | tr '\n' ' ')" = \
	    "qi${s}n0 qi${s}n1 "
	run qemu-init info n1
	expect_out "...as info in text does" 0 \
	    "nic1:          virtio-net-pci $(jget "$T/n1.json" nics 0 mac) qi${s}n0"
	inns ip link del "$want"
	mac1=$(jget "$T/n1.json" nics 0 mac)
	echo 'MAC1=02:00:00:00:00:01' >> "$T/vms/n1/n1-qemu.cfg"
	echo "MAC1=$mac1" >> "$T/vms/n2/n2-qemu.cfg"
	run inns qemu-init start n2
	expect "a running VM's recorded MAC is in use, whatever its config says now" \
	    1 "MAC $mac1 of NIC1 is in use by NIC1 of running VM 'n1'"
	echo 'MAC1=02:00:00:00:00:01' >> "$T/vms/n2/n2-qemu.cfg"
	run inns qemu-init start n2
	expect_out "...and the MAC its config has now is not" 0 "n2: started"
	run inns qemu-init stop n1 n2
	expect_out "stop n1 and n2" 0 "n2: stopped"
	check "...no tap is left on br0" \
	    test -z "$(inns ip -o link show master br0)"
fi

# --- start -w ----------------------------------------------------------------
# In a script it stays quiet: the two lines of data, nothing on stderr.
guest_vm upw obey 'READY=QINIT-GUEST-READY'
run qemu-init start -w 300 upw
check "start -w in a script: started, then up, and nothing on stderr" eval \
    'test $rc -eq 0 && test -z "$err" &&
    test "$(printf "%s\n" "$out" | sed -n "2p")" = "upw: up"' || show_run
# Not up in time: the VM still runs, and the message says how to look
# at it or stop it.
guest_vm never obey 'READY=NEVER-SEEN'
run qemu-init start -w 5 never
expect_line "start -w: not up in time, still running, what to do now (exit 1)" 1 \
    "qemu-init: 'never' is not up after 5 s: no 'NEVER-SEEN' in its console log; it still runs: watch it with 'qemu-init console never', stop it with 'qemu-init stop never'"
run qemu-init status never
expect_out "...and it does still run" 0 "never: running"
# A guest that never gets to write to its console, while QEMU does not
# execute it (-S holds it before its first instruction): said, and with
# KVM=auto, KVM=no named as the likely fix.
guest_vm held obey 'CUSTOM1=-S'
run qemu-init start -w 6 held
expect_line "start -w: an empty console and QEMU not executing, said (KVM=no)" 1 \
    "qemu-init: 'held' is not up after 6 s: its console log is empty and QEMU is not executing the guest (state: prelaunch); it still runs: watch it with 'qemu-init console held', stop it with 'qemu-init stop held'"
run qemu-init kill held
sed -i 's/^KVM=no$/KVM=auto/' "$T/vms/held/held-qemu.cfg"
run qemu-init start -w 6 held
expect_line "...and with KVM=auto, KVM=no named as the likely fix" 1 \
    "qemu-init: 'held' is not up after 6 s: its console log is empty and QEMU is not executing the guest (state: prelaunch), as with a /dev/kvm that opens but does not work: try KVM=no; it still runs: watch it with 'qemu-init console held', stop it with 'qemu-init stop held'"
run qemu-init kill held
# On a terminal: a live line, with the console's last line made harmless
# (a guest's escape sequences neither clear the screen nor colour it).
tmux -L "$TMUX_SOCK" new-session -d -x 150 -y 40 \
    "qemu-init start -w 300 never; echo \$? > $T/live.rc; sleep 600"
check "start -w on a terminal: a live line, the time and what it waits for" \
    wait_pane "never: [0-9]* s, waiting for 'NEVER-SEEN' in its console log" 30
guest_type never "printf 'LIVE\\033[2J\\033[1;31m-RED\\033[0m-\\a\\t%s\\n' \$((6*7)); sleep 600"
check "...and the console's last line, escapes dropped, a tab a blank" \
    wait_pane "never: [0-9]* s, waiting for 'NEVER-SEEN' in its console log: LIVE-RED- 42$" 60
check "...the guest's clear-screen never reached the terminal" \
    wait_pane "never: already running"
run qemu-init kill never
expect_out "...kill ends the VM" 0 "never: killed"
check "...and the wait with it, exit 1, its line replaced by why" eval \
    'wait_pane "never. stopped before .NEVER-SEEN. showed up" &&
    test "$(cat "$T/live.rc" 2>/dev/null)" = 1' || diag "$(pane)"
tmux -L "$TMUX_SOCK" kill-server 2>/dev/null

# --- the end ----------------------------------------------------------------
run qemu-init stop -a -f
expect_out "stop -a -f stops the rest" 0 "webserver: stopped"
check "no QEMU is left" test -z "$(our_qemus)"

done_testing
