#!/bin/bash
# remote.t - -H host through a real sshd (Debian's openssh-server) of the
# test's own on 127.0.0.1 (tests/sshd.sh): start, list, status and stop
# there, qemu-cmd's output and exit statuses exactly as here, arguments
# with blanks, quotes and shell syntax arriving intact also through a
# login shell that is fish, qemu-mon and console in a terminal through
# ssh -t (Ctrl-] leaves, ~ is no escape), the fleet view of list and
# status with a host that does not answer, and hostile or broken remotes
# (huge output, 100 000 columns, escape sequences, a slow drip, no
# qemu-init there), each ending within its bounds with one clear line,
# its peak RSS measured.
. "$(dirname "$0")/lib.sh"
need_guest
monitor_conf 33000 20
TMUX_SOCK=qinit-remote-$$
. "$TOP/tests/sshd.sh"

remote_cleanup() {
	stop_sshd
	cleanup
}
trap remote_cleanup EXIT

DEAD_PORT=$(free_port $((PORT + 1)))	# nothing listens there
H=$ME@127.0.0.1:$PORT
DEAD=$ME@127.0.0.1:$DEAD_PORT
FISH=qi-fish@127.0.0.1:$PORT

check "a private sshd listens on 127.0.0.1:$PORT" start_sshd ||
    diag "$(cat "$S/sshd.log" 2>/dev/null)"

guest_vm web obey
guest_vm other obey

# --- one host: the command runs there ------------------------------------------
run qemu-init -H "$H" start web
expect_out "qemu-init -H host start web starts it there" 0 "web: started"
check "...the guest comes up" wait_ready web
check "...and it is the QEMU of this test" test -n "$(our_qemus)"

run qemu-init list
local_list=$out
run qemu-init -H "$H" list
check "list through ssh prints what list prints here" \
    test "$rc" -eq 0 -a "$out" = "$local_list" || show_run
run qemu-init --host="$H" list
check "...and so does --host=host" test "$rc" -eq 0 -a "$out" = "$local_list"
run env QEMU_INIT_HOST="$H" qemu-init list
check "...and QEMU_INIT_HOST" test "$rc" -eq 0 -a "$out" = "$local_list"
run env QEMU_INIT_HOST="$DEAD" qemu-init -H '' list
check "-H '' is this host, whatever QEMU_INIT_HOST says" \
    test "$rc" -eq 0 -a "$out" = "$local_list" || show_run

for vm in web other nosuchvm; do
	run qemu-init status $vm
	l_rc=$rc l_out=$out
	run qemu-init -H "$H" status $vm
	check "status $vm through ssh: exit $l_rc as here, same line" \
	    test "$rc" = "$l_rc" -a "${out%%up *}" = "${l_out%%up *}" || show_run
done

# qemu-cmd: stdout, stderr and exit status (0, 1, 2) exactly as here.
same_as_here() {	# same_as_here DESCRIPTION RC ARGS...
	local desc=$1 want=$2 l_rc l_out l_err
	shift 2
	run qemu-cmd "$@"
	l_rc=$rc l_out=$out l_err=$err
	run qemu-cmd -H "$H" "$@"
	if [ "$rc" = "$want" ] && [ "$rc" = "$l_rc" ] && [ "$out" = "$l_out" ] &&
	    [ "$err" = "$l_err" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "here: rc=$l_rc stdout: $l_out stderr: $l_err"
		show_run
	fi
}
same_as_here "qemu-cmd -H: info status, exit 0 as here" 0 \
    -c "info status" web
same_as_here "qemu-cmd -H: an unknown command, exit 1 as here" 1 \
    -c "no-such-command" web
same_as_here "qemu-cmd -H: a stopped VM, exit 2 as here" 2 \
    -c "info status" other
same_as_here "qemu-cmd -H: an unknown VM, exit 1 as here" 1 \
    -c "info name" nosuchvm
same_as_here "qemu-cmd -H: a usage error, exit 64 as here" 64 web extra

run qemu-cmd -H "$H" -c 'sendkey ctrl-alt-f1' web
expect "-c 'sendkey ctrl-alt-f1' arrives as one argument: exit 0" 0 ""
check "...nothing printed" test -z "$out$err"
run qemu-cmd -H "$H" -c "info name" web
check "-c \"info name\" answers 'web'" test "$rc" -eq 0 -a "$out" = web ||
    show_run
run qemu-cmd -H "$H" \
    -j '{"execute": "human-monitor-command", "arguments": {"command-line": "info name"}}' web
expect_out "-j with double quotes, braces and blanks arrives intact" 0 \
    '"return": "web'
hostile="info \$(touch $T/pwned) \`touch $T/pwned\` it's \"x\"; touch $T/pwned"
same_as_here "shell syntax in -c reaches QEMU as text: the same error as here" \
    1 -c "$hostile" web
check "...and no remote shell ran any of it" test ! -e "$T/pwned"
printf 'info name\ninfo status\n' > "$T/cmds"
run qemu-cmd -H "$H" web < "$T/cmds"
check "qemu-cmd -H with no -c reads the commands from stdin" \
    test "$rc" -eq 0 -a "$out" = $'web\nVM status: running' || show_run
run qemu-mon -H "$H" web < "$T/cmds"
expect_out "qemu-mon -H relays a piped stdin" 0 "VM status: running"

# --- a login shell that is not sh: fish ---------------------------------------
run qemu-init -H "$FISH" list
check "through fish, the remote user's login shell: list as here" \
    test "$rc" -eq 0 -a "$out" = "$local_list" || show_run
weird='web$(touch '$T'/pwned1)(touch '$T'/pwned2); touch '$T'/pwned3 `x` "q" '\''s'\'' *'
run qemu-init status "$weird"
l_rc=$rc l_err=$err
run qemu-init -H "$FISH" status "$weird"
check "...a VM name full of sh and fish syntax reaches qemu-init as one argument" \
    test "$rc" = "$l_rc" -a "$err" = "$l_err" || show_run
check "...and neither shell ran any of it" \
    test ! -e "$T/pwned1" -a ! -e "$T/pwned2" -a ! -e "$T/pwned3"
run qemu-cmd -H "$FISH" -c "info name" web
check "...qemu-cmd -c 'info name' through fish answers 'web'" \
    test "$rc" -eq 0 -a "$out" = web || show_run

run qemu-init -H "$DEAD" list
expect "a host nobody answers on: ssh's own exit status 255" 255 \
    "Connection refused"
run qemu-init -H "nobody@127.0.0.1:$PORT" list < /dev/null
expect "a user ssh cannot log in as: 255 at once, no question asked" 255 \
    "Permission denied"
run qemu-init -H -oProxyCommand=x list
expect "a host that would be an option to ssh is refused" 64 "bad host name"
run qemu-init list -H "$H"
expect "-H after the action is not ours: a usage error" 64 ""

# --- terminals through ssh -t ---------------------------------------------------
in_terminal qemu-init -H "$H" console web
check "qemu-init -H console: the remote side has a terminal (ssh -t)" \
    wait_pane "attached to the console of 'web'"
tmux -L "$TMUX_SOCK" send-keys Enter
tmux -L "$TMUX_SOCK" send-keys 'echo $((6*7))x' Enter
check "...what is typed reaches the guest and its answer shows" \
    wait_pane '^42x'
tmux -L "$TMUX_SOCK" send-keys Enter '~.' Enter
tmux -L "$TMUX_SOCK" send-keys 'echo $((5*5))t' Enter
check "...~. is no ssh escape: it reaches the guest, the session goes on" \
    wait_pane '^25t'
tmux -L "$TMUX_SOCK" send-keys C-]
check "...Ctrl-] leaves" terminal_left
check "...with exit 0" test "$(cat "$T/term.rc" 2>/dev/null)" = 0
check "...and the terminal modes restored" \
    cmp -s "$T/stty.before" "$T/stty.after"
tmux -L "$TMUX_SOCK" kill-server 2>/dev/null

in_terminal qemu-mon -H "$H" web
check "qemu-mon -H in a terminal shows the monitor prompt" wait_pane "(qemu)"
tmux -L "$TMUX_SOCK" send-keys "info status" Enter
check "...typed 'info status' is answered" wait_pane "VM status: running"
tmux -L "$TMUX_SOCK" send-keys C-]
check "...Ctrl-] leaves" terminal_left
check "...with exit 0 and the terminal restored" \
    test "$(cat "$T/term.rc" 2>/dev/null)" = 0 -a \
    "$(cat "$T/stty.before")" = "$(cat "$T/stty.after")"
tmux -L "$TMUX_SOCK" kill-server 2>/dev/null

# --- several hosts: the fleet view ------------------------------------------------
row_of() {	# row_of HOST: the line of $out that starts with HOST
	printf '%s\n' "$out" | grep "^$1 "
}
run qemu-init -H "$H" -H "$DEAD" list
check "list on two hosts: one table whose first column is HOST" \
    test "$(printf '%s\n' "$out" | head -1 | cut -d' ' -f1)" = HOST || show_run
check "...then the columns of list here" \
    test "$(printf '%s\n' "$out" | head -1 | tr -s ' ')" = \
    "HOST $(printf '%s\n' "$local_list" | head -1 | tr -s ' ')"
check "...the host that answered: its VM, running" \
    contains "$(row_of "$H")" " web " && contains "$(row_of "$H")" " running "
check "...the host nobody answers on: a row saying so" \
    contains "$(row_of "$DEAD")" "(no answer: ssh: connect to host 127.0.0.1 port $DEAD_PORT: Connection refused)"
check "...exit status 255: a host did not answer" test "$rc" -eq 255

cat > "$QEMU_INIT_CONFDIR/hosts" <<EOF
# the test's hosts
$H
$DEAD	# nothing listens here
EOF
fleet_list=$out
run qemu-init -H @hosts list
check "-H @hosts reads CONFDIR/hosts: the same table" \
    test "$rc" -eq 255 -a "$out" = "$fleet_list" || show_run
run qemu-init -H @hosts status web
check "status on every host: a HOST column and each host's line" \
    contains "$(row_of "$H")" "web: running" &&
    contains "$(row_of "$DEAD")" "(no answer:" || show_run
run env QEMU_INIT_HOST=@hosts qemu-init status web
check "...QEMU_INIT_HOST=@hosts too" contains "$(row_of "$H")" "web: running"
run qemu-init -H "$H" -H "$H" list
check "two hosts that answer: exit 0, a row each" \
    test "$rc" -eq 0 -a "$(printf '%s\n' "$out" | grep -c " web ")" -eq 2 ||
    show_run
run qemu-init -H @hosts start web
expect "start on several hosts is refused" 64 "only qemu-init list and status"
run qemu-cmd -H "$H" -H "$H" -c "info name" web
expect "...and qemu-cmd on several hosts" 64 "only qemu-init list and status"
printf '%s\n' "$H" "-bad" > "$T/badhosts"
run qemu-init -H "@$T/badhosts" list
expect "a bad line in a host list: FILE:LINE" 1 "$T/badhosts:2: bad host '-bad'"

run qemu-init -H "$H" -H "$DEAD" list -o json
check "list -o json on two hosts: one JSON document, a host each" \
    contains "$out" "\"host\": \"$H\"" && contains "$out" "\"host\": \"$DEAD\"" ||
    show_run
check "...the one that did not answer says so" \
    contains "$out" $'"answered": false,\n      "exit": 255,\n      "error": "no answer: ssh: connect'
check "...the VMs of the one that did, each with its host first" \
    contains "$out" "\"host\": \"$H\","$'\n'"      \"shortname\": \"web\"" ||
    show_run
run qemu-init -H "$H" -H "$DEAD" list -q
check "list -q on two hosts: a HOST and a NAME column" \
    test "$(printf '%s\n' "$out" | head -1 | tr -s ' ')" = "HOST NAME" -a \
    "$(row_of "$H" | tr -s ' ')" = "$H web"$'\n'"$H other" || show_run
run qemu-init -H "$H" -H "$DEAD" status -o json web nosuchvm
check "status -o json on two hosts: the exit status of the first, 4" \
    test "$rc" -eq 4 || show_run
check "...each VM as its host's status says it" \
    contains "$out" "\"host\": \"$H\","$'\n'"      \"vm\": \"nosuchvm\""

# --- hostile or broken remotes ------------------------------------------------------
# peak COMMAND...: runs it as run does, and its peak RSS (the greatest of
# qemu-init's and its ssh's, from wait4) in KiB in $rss.
cat > "$T/peak.py" <<'PY'
import resource, subprocess, sys
with open(sys.argv[1], "wb") as o, open(sys.argv[2], "wb") as e:
    rc = subprocess.call(sys.argv[3:], stdout=o, stderr=e)
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
RSS_BOUND=65536	# KiB: 64 MiB (qemu-init(8) Other hosts: bounds)
peak() {
	local r
	r=$(python3 "$T/peak.py" "$T/out" "$T/err" "$@")
	rc=${r% *} rss=${r#* }
	out=$(cat "$T/out")
	err=$(cat "$T/err")
	diag "$* : exit $rc, peak RSS $rss KiB"
}
lines() { [ -z "$1" ] && echo 0 || printf '%s\n' "$1" | wc -l; }
remote() { echo "qi-$1@127.0.0.1:$PORT"; }

peak qemu-init -H "$(remote huge)" list
check "a remote sending 16 MiB of short lines: cut at 4 MiB, exit 255" \
    test "$rc" -eq 255 -a "$(stat -c %s "$T/out")" -eq 4194304 || show_run
check "...one clear line says so" test "$(lines "$err")" -eq 1 -a \
    "$err" = "qemu-init: $(remote huge): an answer longer than 4194304 bytes: cut, ssh killed"
check "...in bounded memory ($rss KiB < $RSS_BOUND KiB)" test "$rss" -lt "$RSS_BOUND"
peak qemu-init -H "$H" -H "$(remote huge)" list
check "...among several hosts: a row saying so, the other host's VMs as usual" \
    test "$rc" -eq 255 && contains "$(row_of "$(remote huge)")" \
    "(an answer longer than 4194304 bytes)" &&
    contains "$(row_of "$H")" " web " || show_run
check "...in bounded memory ($rss KiB < $RSS_BOUND KiB)" test "$rss" -lt "$RSS_BOUND"

peak qemu-init -H "$H" -H "$(remote cols)" list
check "a VM of 100 000 members: its row, exit 0" \
    test "$rc" -eq 0 && contains "$(row_of "$(remote cols)")" " wide " || show_run
check "...and its stderr line of 100 000 columns shown as one line" \
    test "$(lines "$err")" -eq 1 && contains "$err" "$(remote cols): 1 2 3 "
check "...in bounded memory ($rss KiB < $RSS_BOUND KiB)" test "$rss" -lt "$RSS_BOUND"
peak qemu-init -H "$(remote cols)" list
check "...one host: the answer passes through as it is" \
    test "$rc" -eq 0 && contains "$out" '"c99999": 99999' || show_run

no_controls() {	# no_controls FILE: no byte a terminal acts on but \n
	! LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177\233]')" "$1"
}
peak qemu-init -H "$(remote esc)" list
check "escape sequences from one host: none reaches the terminal" \
    no_controls "$T/out" && no_controls "$T/err" || show_run
check "...they are shown escaped" contains "$err" 'raw \x1b[2J\x1b]0;title\x07 \x9b end'
peak qemu-init -H "$H" -H "$(remote esc)" list
check "...nor from several hosts: the table and stderr are only text" \
    no_controls "$T/out" && no_controls "$T/err" &&
    contains "$(row_of "$(remote esc)")" 'e\x1b]0;pwned\x07vil' || show_run
peak qemu-init -H "$H" -H "$(remote esc)" list -o json
check "...and the JSON document escapes them" no_controls "$T/out" &&
    contains "$out" '"shortname": "e\u001b]0;pwned\u0007vil"' || show_run

export QEMU_INIT_HOST_TIMEOUT=3
peak qemu-init -H "$(remote drip)" list
check "a remote that drips a byte at a time: killed at its deadline, exit 255" \
    test "$rc" -eq 255 -a "$(lines "$err")" -eq 1 -a \
    "$err" = "qemu-init: $(remote drip): no whole answer in 3 s: ssh killed (QEMU_INIT_HOST_TIMEOUT)" ||
    show_run
peak qemu-init -H "$H" -H "$(remote drip)" list
check "...among several hosts: a row saying so" test "$rc" -eq 255 &&
    contains "$(row_of "$(remote drip)")" "(no whole answer in 3 s)" || show_run
unset QEMU_INIT_HOST_TIMEOUT
run env QEMU_INIT_HOST_TIMEOUT=3s qemu-init -H "$H" list
expect "...QEMU_INIT_HOST_TIMEOUT must be seconds" 64 "QEMU_INIT_HOST_TIMEOUT=3s: not a number"

peak qemu-init -H "$(remote noqi)" list
check "no qemu-init in the remote PATH: exit 127 and one clear line" \
    test "$rc" -eq 127 -a "$(lines "$err")" -eq 1 && contains "$err" \
    "qemu-init: $(remote noqi): no qemu-init answered there: none in the remote PATH" ||
    show_run
check "...that quotes the remote shell's own words" contains "$err" "qemu-init: not found)"
peak qemu-init -H "$H" -H "$(remote noqi)" list
check "...among several hosts: a row saying so, exit 127" test "$rc" -eq 127 &&
    contains "$(row_of "$(remote noqi)")" "(no qemu-init answered: " || show_run

# --- and stop it there --------------------------------------------------------------
pid=$(state_pid web)
run qemu-init -H "$H" stop web
expect_out "qemu-init -H host stop web stops it there" 0 "web: stopped"
check "...its QEMU is gone" gone "$pid"
run qemu-init -H "$H" status web
expect_out "...and status through ssh says stopped, exit 3" 3 "web: stopped"
check "no QEMU is left" test -z "$(our_qemus)"

done_testing
