#!/bin/bash
# verbs-json.t - what scripts and habits expect of info, list and status
# (qemu-init(8)), with the real guest: info of a stopped and of a
# running VM, -o json for all three, read by python3's json module and
# compared with the text form; list's columns and -q; status naming the
# VM as it was typed; help and every action word reserved; and that
# editing a running VM's config changes nothing that info and list say
# about it.  (stop, wait, pause, resume, reset and stop -A:
# verbs-stop.t; start -c and start -w: verbs-start.t; show -s and tap
# names: verbs-show.t.)
. "$(dirname "$0")/lib.sh"
test_require GUEST,PYTHON3
monitor_conf

# The JSON documents, read by python3's json module: json_vs_text KIND
# JSON TEXT compares a document with the text form of the same action
# (KIND info, list or status), printing each difference.
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

with open(sys.argv[3], encoding="utf-8") as f:
    text = f.read()
check = {"info": info, "list": table, "status": status}[sys.argv[1]]
bad = list(check(load(sys.argv[2]), text))
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
json_vs_text() {
	python3 "$T/qi_json.py" "$@"
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
	python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$1" &&
	    return 0
	head -20 "$1"
	return 1
}

mkdir -p "$T/vms/webserver"
truncate -s 1M "$T/vms/webserver/disk one.img"
: > "$T/vms/webserver/boot.iso"
named_vm web webserver obey 'DESC="Web server"
DSK1="disk one.img"
CDR1=boot.iso'
guest_vm hand obey
named_vm a-very-very-long-shortname-for-list \
    and-an-even-longer-longname-for-the-columns-of-list obey
REG=$QEMU_INIT_CONFDIR/qemu-init.reg
nvms=$(wc -l < "$REG")

# --- help, and every action word reserved ----------------------------------
test_expect_success 'help lists every action' <<'T'
	run qemu-init help &&
	# The second word of each usage line but the init-script form's.
	actions=$(printf '%s\n' "$out" | sed -n 's/^ *qemu-init \([a-z]*\)\( .*\)*$/\1/p' |
	    grep -vx vm | sort -u | tr '\n' ' ') &&
	test_eq "backup check console create forget help info kill list migrate pause remove reset restart restore resume revert show snapshot snapshots ssh start status stop wait " \
	    "$actions"
T
test_expect_success 'help wait: its usage and options, as wait -h says them' <<'T'
	run qemu-init help wait && test_rc 0 && test_out_has "-t, --timeout=S" &&
	run qemu-init wait -h && test_rc 0 && test_out_has "usage: qemu-init wait [-t secs] vm"
T
test_expect_success 'help of an unknown action: exit 64' <<'T'
	run qemu-init help nosuch &&
	test_rc 64 &&
	test_err "qemu-init: unknown action 'nosuch' (qemu-init -h lists the actions)"
T
test_expect_success 'no action word can be a shortname' <<'T'
	mkdir -p "$T/reserved" &&
	for a in $actions; do
		echo "$a $T/vms/$a-qemu.cfg" > "$T/reserved/qemu-init.reg"
		QEMU_INIT_CONFDIR=$T/reserved qemu-init check > "$T/res.out" 2>&1
		grep -q "shortname '$a' is a qemu-init action" "$T/res.out" ||
		    { echo "$a: $(cat "$T/res.out")"; return 1; }
	done
T

# --- info of a stopped VM: its config -----------------------------------
test_expect_success 'info -o json of a stopped VM is one JSON document' '
	as_json "$T/i0.json" qemu-init info -o json web && test_rc 0 && parses "$T/i0.json"
'
test_expect_success '...state stopped, no pid, slot or ports' '
	test_eq "stopped null null null" \
	    "$(jget "$T/i0.json" state) $(jget "$T/i0.json" pid) $(jget "$T/i0.json" slot) $(jget "$T/i0.json" monport)"
'
test_expect_success '...its disk and format, ISO, RAM and STOPDELAY from the config' '
	test_eq "$T/vms/webserver/disk one.img|auto|$T/vms/webserver/boot.iso|192M|60" \
	    "$(jget "$T/i0.json" disks 0 path)|$(jget "$T/i0.json" disks 0 format)|$(jget "$T/i0.json" cdroms 0)|$(jget "$T/i0.json" ram)|$(jget "$T/i0.json" stopdelay)"
'
test_expect_success 'info in text says the same' <<'T'
	run qemu-init info web && test_rc 0 &&
	printf '%s\n' "$out" > "$T/i0.txt" &&
	json_vs_text info "$T/i0.json" "$T/i0.txt"
T

# --- start, info of a running VM -----------------------------------------
test_expect_success 'start web; the guest is ready' '
	run qemu-init start web && test_rc 0 && test_out_has "webserver: started" &&
	wait_ready webserver
'
pid=$(state_pid webserver)
test_expect_success 'info --output=json of a running VM parses' '
	as_json "$T/i1.json" qemu-init info --output=json web && test_rc 0 &&
	parses "$T/i1.json"
'
test_expect_success '...running, qemu running, its pid' '
	test_eq "running running $pid" \
	    "$(jget "$T/i1.json" state) $(jget "$T/i1.json" qemu_state) $(jget "$T/i1.json" pid)"
'
slot=$(jget "$T/i1.json" slot)
test_expect_success "...its slot's ports: MONPORT base+slot, CTLPORT +100" '
	test_eq "$((PORTBASE + slot)) $((PORTBASE + 100 + slot)) tcp" \
	    "$(jget "$T/i1.json" monport) $(jget "$T/i1.json" ctlport) $(jget "$T/i1.json" monitor)"
'
test_expect_success '...its serial socket, which is one; its console log' '
	test -S "$(jget "$T/i1.json" serial_socket)" &&
	test_eq "$QEMU_INIT_RUNDIR/webserver@console.log" "$(jget "$T/i1.json" console_log)"
'
test_expect_success '...numbers as numbers, booleans as booleans' <<'T'
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert all(isinstance(d[k], int) for k in ("pid", "slot", "started", "uptime", "stopdelay"))
assert all(isinstance(d[k], int) for k in ("uid",))
assert d["autostart"] is False and d["runas"] == "qemu-init" and d["vnc"] is None' "$T/i1.json"
T
test_expect_success 'info web in text: its pid, and what the JSON says' <<'T'
	run qemu-init info web && test_rc 0 &&
	test_out_has "pid:           $pid" &&
	printf '%s\n' "$out" > "$T/i1.txt" &&
	json_vs_text info "$T/i1.json" "$T/i1.txt"
T
test_expect_success VALGRIND 'info of a running VM (its state read back) is clean under valgrind' '
	run valgrind -q --leak-check=full --errors-for-leak-kinds=all \
	    --error-exitcode=99 "$BIN/qemu-init" info -o json web &&
	test_rc 0
'
test_expect_success 'info of an unknown VM: exit 1' <<'T'
	run qemu-init info nosuchvm &&
	test_rc 1 && test_err "qemu-init: unknown VM 'nosuchvm' (not in $REG)"
T
test_expect_success 'info takes one VM (64)' 'run qemu-init info web hand && test_rc 64'

# --- status: the name as typed, and its JSON ---------------------------------
test_expect_success 'status web names it web, as typed' '
	run qemu-init status web && test_rc 0 && test_out_has "web: running, pid $pid"
'
test_expect_success 'status webserver names it webserver' '
	run qemu-init status webserver && test_rc 0 &&
	test_out_has "webserver: running, pid $pid"
'
test_expect_success 'status of a path names the path' '
	run qemu-init status "$T/vms/webserver/webserver-qemu.cfg" && test_rc 0 &&
	test_out_has "$T/vms/webserver/webserver-qemu.cfg: running"
'
test_expect_success 'status -o json parses, and says what status says, VM by VM' <<'T'
	run qemu-init status &&
	printf '%s\n' "$out" > "$T/s.txt" &&
	as_json "$T/s.json" qemu-init status -o json &&
	parses "$T/s.json" &&
	json_vs_text status "$T/s.json" "$T/s.txt"
T
test_expect_success 'status -o json web nosuchvm: exit 4, as in text' '
	as_json "$T/s1.json" qemu-init status -o json web nosuchvm && test_rc 4
'
test_expect_success '...web running (lsb 0), nosuchvm unknown (lsb 4)' '
	test_eq "web 0 unknown 4 null" \
	    "$(jget "$T/s1.json" vms 0 vm) $(jget "$T/s1.json" vms 0 lsb) $(jget "$T/s1.json" vms 1 state) $(jget "$T/s1.json" vms 1 lsb) $(jget "$T/s1.json" vms 1 name)"
'
test_expect_success 'status --output json of a stopped VM: exit 3' '
	as_json "$T/s2.json" qemu-init status --output json hand && test_rc 3 &&
	test_eq stopped "$(jget "$T/s2.json" vms 0 state)"
'
test_expect_success 'an option of another action is refused (64)' '
	run qemu-init status --force web &&
	test_rc 64 && test_err_has "status: unknown option --force"
'
test_expect_success '-o takes text or json only' '
	run qemu-init status -o yaml web &&
	test_rc 64 && test_err_has "-o yaml: not text or json"
'

# --- list: columns sized to the data, -q, -o json -----------------------------
columns_align() {
	local col line at
	for col in LONGNAME STATE PID MONPORT CTLPORT VNC WITH DESCRIPTION; do
		at=$(head -1 "$T/l.txt" | grep -bo "$col" | head -1 | cut -d: -f1)
		while IFS= read -r line; do
			# each column starts after a blank, with a non-blank
			[ "${line:at-1:1}" = " " ] && [ "${line:at:1}" != " " ] ||
			    { echo "$col at $at: $line"; return 1; }
		done < "$T/l.txt"
	done
}
test_expect_success 'list: a line per registered VM and a header, no line ending in a blank' <<'T'
	run qemu-init list && test_rc 0 &&
	printf '%s\n' "$out" > "$T/l.txt" &&
	test_eq "NAME" "$(head -1 "$T/l.txt" | cut -d' ' -f1)" &&
	test "$(wc -l < "$T/l.txt")" -eq $((nvms + 1)) &&
	test "$(grep -c ' $' "$T/l.txt")" -eq 0
T
test_expect_success '...every column starts at the same place, even after a long name' \
    columns_align
test_expect_success "...the running web's row: its pid and ports" '
	test_grep "^web \+webserver \+running \+$pid \+$((PORTBASE + slot)) \+$((PORTBASE + 100 + slot)) \+- \+kernel \+Web server$" "$T/l.txt"
'
test_expect_success 'list -o json parses, and says what the table says, row by row' '
	as_json "$T/l.json" qemu-init list -o json && parses "$T/l.json" &&
	json_vs_text list "$T/l.json" "$T/l.txt"
'
test_expect_success 'list -q: the shortnames, in registry order; as list --quiet' <<'T'
	run qemu-init list -q && test_rc 0 &&
	test_out "$(awk '{ print $1 }' "$REG")" &&
	run qemu-init list --quiet && test_rc 0 &&
	test_out "$(awk '{ print $1 }' "$REG")"
T
test_expect_success 'list -q -o json is a usage error' '
	run qemu-init list -q -o json && test_rc 64
'

# --- a running VM's facts are what it was started with ------------------------
test_expect_success "editing a running VM's config (NIC, VNC, STOPDELAY...) changes nothing info says" <<'T'
	grep -v '^pid:\|^uptime:\|^qemu_state:' "$T/i1.txt" > "$T/before.txt" &&
	cat >> "$T/vms/webserver/webserver-qemu.cfg" <<'CFG' &&
DESC="edited"
RAM=256M
VNC=yes
NIC1=e1000
STOPDELAY=5
AUTOSTART=yes
CFG
	run qemu-init info web && test_rc 0 &&
	printf '%s\n' "$out" | grep -v '^pid:\|^uptime:\|^qemu_state:' > "$T/after.txt" &&
	test_cmp "$T/before.txt" "$T/after.txt"
T
test_expect_success '...nor its JSON: no NIC, no VNC, STOPDELAY 60, RAM 192M' '
	as_json "$T/i2.json" qemu-init info -o json web &&
	test_eq "[]|null|60|192M" \
	    "$(jget "$T/i2.json" nics)|$(jget "$T/i2.json" vnc)|$(jget "$T/i2.json" stopdelay)|$(jget "$T/i2.json" ram)"
'
test_expect_success '...nor what list says of it (VNC, description)' <<'T'
	run qemu-init list &&
	test_eq "$(grep '^web ' "$T/l.txt")" "$(printf '%s\n' "$out" | grep '^web ')"
T

test_expect_success 'kill web; no QEMU is left' '
	run qemu-init kill web && test_rc 0 && test -z "$(our_qemus)"
'
test_done
