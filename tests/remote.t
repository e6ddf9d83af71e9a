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
test_require GUEST,SSHD,FISH,TMUX,PYTHON3
monitor_conf
. "$TOP/tests/sshd.sh"
at_cleanup stop_sshd

test_expect_success 'a private sshd listens on 127.0.0.1' '
	start_sshd || { cat "$S/sshd.log"; false; }
' || test_bail "no sshd"
test_expect_success 'setup: a port of 127.0.0.1 where connections are refused' 'dead_port'
H=$ME@127.0.0.1:$PORT
DEAD=$ME@127.0.0.1:$DEAD_PORT
FISH=qi-fish@127.0.0.1:$PORT

guest_vm web obey
guest_vm other obey

# --- one host: the command runs there ------------------------------------------
test_expect_success 'qemu-init -H host start web starts it there: the guest comes up, a QEMU of this test' '
	run qemu-init -H "$H" start web && test_rc 0 && test_out_has "web: started" &&
	wait_ready web && test -n "$(our_qemus)"
'

run qemu-init list
local_list=$out
test_expect_success 'list through ssh prints what list prints here' '
	run qemu-init -H "$H" list && test_rc 0 && test_out "$local_list"
'
test_expect_success '...and so does --host=host' '
	run qemu-init --host="$H" list && test_rc 0 && test_out "$local_list"
'
test_expect_success '...and QEMU_INIT_HOST' '
	run env QEMU_INIT_HOST="$H" qemu-init list && test_rc 0 && test_out "$local_list"
'
test_expect_success "-H '' is this host, whatever QEMU_INIT_HOST says" '
	run env QEMU_INIT_HOST="$DEAD" qemu-init -H "" list &&
	test_rc 0 && test_out "$local_list"
'

for vm in web other nosuchvm; do
	test_expect_success "status $vm through ssh: the exit status as here, the same line" <<'T'
		run qemu-init status $vm &&
		l_rc=$rc l_out=$out l_err=$err &&
		run qemu-init -H "$H" status $vm &&
		test_rc "$l_rc" && test_eq "${l_out%%up *}" "${out%%up *}" &&
		test_err "$l_err"
T
done

# qemu-cmd: stdout, stderr and exit status (0, 1, 2) exactly as here.
same_as_here() {	# same_as_here DESCRIPTION RC ARGS...
	local desc=$1
	sah_want=$2
	shift 2
	sah_args=("$@")
	test_expect_success "$desc" <<'T'
		run qemu-cmd "${sah_args[@]}" &&
		l_rc=$rc l_out=$out l_err=$err &&
		run qemu-cmd -H "$H" "${sah_args[@]}" &&
		test_rc "$sah_want" && test_rc "$l_rc" &&
		test_out "$l_out" && test_err "$l_err"
T
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

test_expect_success "-c 'sendkey ctrl-alt-f1' arrives as one argument: exit 0, nothing printed" '
	run qemu-cmd -H "$H" -c "sendkey ctrl-alt-f1" web &&
	test_rc 0 && test_eq "" "$out$err"
'
test_expect_success "-c \"info name\" answers 'web'" '
	run qemu-cmd -H "$H" -c "info name" web && test_rc 0 && test_out web
'
test_expect_success '-j with double quotes, braces and blanks arrives intact' <<'T'
	run qemu-cmd -H "$H" \
	    -j '{"execute": "human-monitor-command", "arguments": {"command-line": "info name"}}' web &&
	test_rc 0 && test_out_has '"return": "web'
T
hostile="info \$(touch $T/pwned) \`touch $T/pwned\` it's \"x\"; touch $T/pwned"
same_as_here "shell syntax in -c reaches QEMU as text: the same error as here" \
    1 -c "$hostile" web
test_expect_success '...and no remote shell ran any of it' 'test ! -e "$T/pwned"'
printf 'info name\ninfo status\n' > "$T/cmds"
test_expect_success 'qemu-cmd -H with no -c reads the commands from stdin' '
	run qemu-cmd -H "$H" web < "$T/cmds" &&
	test_rc 0 && test_out "web
VM status: running"
'
test_expect_success 'qemu-mon -H relays a piped stdin' '
	run qemu-mon -H "$H" web < "$T/cmds" &&
	test_rc 0 && test_out_has "VM status: running"
'

# --- a login shell that is not sh: fish ---------------------------------------
test_expect_success "through fish, the remote user's login shell: list as here" '
	run qemu-init -H "$FISH" list && test_rc 0 && test_out "$local_list"
'
weird='web$(touch '$T'/pwned1)(touch '$T'/pwned2); touch '$T'/pwned3 `x` "q" '\''s'\'' *'
test_expect_success '...a VM name full of sh and fish syntax reaches qemu-init as one argument' '
	run qemu-init status "$weird" &&
	l_rc=$rc l_err=$err &&
	run qemu-init -H "$FISH" status "$weird" &&
	test_rc "$l_rc" && test_err "$l_err"
'
test_expect_success '...and neither shell ran any of it' '
	test ! -e "$T/pwned1" -a ! -e "$T/pwned2" -a ! -e "$T/pwned3"
'
test_expect_success "...qemu-cmd -c 'info name' through fish answers 'web'" '
	run qemu-cmd -H "$FISH" -c "info name" web && test_rc 0 && test_out web
'

test_expect_success "a host nobody answers on: ssh's own exit status 255" '
	run qemu-init -H "$DEAD" list && test_rc 255 && test_err_has "Connection refused"
'
test_expect_success 'a user ssh cannot log in as: 255 at once, no question asked' '
	run qemu-init -H "nobody@127.0.0.1:$PORT" list < /dev/null &&
	test_rc 255 && test_err_has "Permission denied"
'
test_expect_success 'a host that would be an option to ssh is refused' '
	run qemu-init -H -oProxyCommand=x list && test_rc 64 && test_err_has "bad host name"
'
test_expect_success '-H after the action is not ours: a usage error' '
	run qemu-init list -H "$H" && test_rc 64
'

# --- terminals through ssh -t ---------------------------------------------------
test_expect_success 'qemu-init -H console: the remote side has a terminal (ssh -t)' '
	term_start "qemu-init -H $H console web" &&
	wait_pane "attached to the console of .web."
'
test_expect_success '...what is typed reaches the guest and its answer shows' '
	keys Enter && keys "echo \$((6*7))x" Enter && wait_pane "^42x"
'
test_expect_success '...~. is no ssh escape: it reaches the guest, the session goes on' '
	keys Enter "~." Enter && keys "echo \$((5*5))t" Enter && wait_pane "^25t"
'
test_expect_success '...Ctrl-] leaves, with exit 0, the terminal modes restored' '
	keys C-] && term_done && test_eq 0 "$(term_rc)" && term_modes_kept
'
test_expect_success 'qemu-mon -H in a terminal shows the monitor prompt' '
	term_start "qemu-mon -H $H web" && wait_pane "(qemu)"
'
test_expect_success "...typed 'info status' is answered" '
	keys "info status" Enter && wait_pane "VM status: running"
'
test_expect_success '...Ctrl-] leaves, with exit 0, the terminal restored' '
	keys C-] && term_done && test_eq 0 "$(term_rc)" && term_modes_kept
'
term_stop

# --- several hosts: the fleet view ------------------------------------------------
row_of() {	# row_of HOST: the line of $out that starts with HOST
	printf '%s\n' "$out" | grep "^$1 "
}
test_expect_success 'list on two hosts: one table whose first column is HOST, then the columns of list here' <<'T'
	run qemu-init -H "$H" -H "$DEAD" list &&
	test_eq "HOST $(printf '%s\n' "$local_list" | head -1 | tr -s ' ')" \
	    "$(printf '%s\n' "$out" | head -1 | tr -s ' ')"
T
test_expect_success '...the host that answered: its VM, running' '
	test_has "$(row_of "$H")" " web " && test_has "$(row_of "$H")" " running "
'
test_expect_success '...the host nobody answers on: a row saying so' '
	test_has "$(row_of "$DEAD")" "(no answer: ssh: connect to host 127.0.0.1 port $DEAD_PORT: Connection refused)"
'
test_expect_success '...exit status 255: a host did not answer' 'test_rc 255'

fleet_list=$out
test_expect_success '-H @hosts reads CONFDIR/hosts: the same table' <<'T'
	cat > "$QEMU_INIT_CONFDIR/hosts" <<EOF &&
# the test's hosts
$H
$DEAD	# nothing listens here
EOF
	run qemu-init -H @hosts list &&
	test_rc 255 && test_out "$fleet_list"
T
test_expect_success "status on every host: a HOST column and each host's line" '
	run qemu-init -H @hosts status web &&
	test_has "$(row_of "$H")" "web: running" &&
	test_has "$(row_of "$DEAD")" "(no answer:"
'
test_expect_success '...QEMU_INIT_HOST=@hosts too' '
	run env QEMU_INIT_HOST=@hosts qemu-init status web &&
	test_has "$(row_of "$H")" "web: running"
'
test_expect_success 'two hosts that answer: exit 0, a row each' '
	run qemu-init -H "$H" -H "$H" list &&
	test_rc 0 && test "$(printf "%s\n" "$out" | grep -c " web ")" -eq 2
'
test_expect_success 'start on several hosts is refused' '
	run qemu-init -H @hosts start web &&
	test_rc 64 && test_err_has "only qemu-init list and status"
'
test_expect_success '...and qemu-cmd on several hosts' '
	run qemu-cmd -H "$H" -H "$H" -c "info name" web &&
	test_rc 64 && test_err_has "only qemu-init list and status"
'
test_expect_success 'a bad line in a host list: FILE:LINE' <<'T'
	printf "%s\n" "$H" "-bad" > "$T/badhosts" &&
	run qemu-init -H "@$T/badhosts" list &&
	test_rc 1 && test_err_has "$T/badhosts:2: bad host '-bad'"
T

test_expect_success 'list -o json on two hosts: one JSON document, a host each' '
	run qemu-init -H "$H" -H "$DEAD" list -o json &&
	test_out_has "\"host\": \"$H\"" && test_out_has "\"host\": \"$DEAD\""
'
test_expect_success '...the one that did not answer says so' <<'T'
	test_out_has $'"answered": false,\n      "exit": 255,\n      "error": "no answer: ssh: connect'
T
test_expect_success '...the VMs of the one that did, each with its host first' <<'T'
	test_out_has "\"host\": \"$H\","$'\n'"      \"shortname\": \"web\""
T
test_expect_success 'list -q on two hosts: a HOST and a NAME column' <<'T'
	run qemu-init -H "$H" -H "$DEAD" list -q &&
	test_eq "HOST NAME" "$(printf '%s\n' "$out" | head -1 | tr -s ' ')" &&
	test_eq "$H web"$'\n'"$H other" "$(row_of "$H" | tr -s ' ')"
T
test_expect_success 'status -o json on two hosts: the exit status of the first, 4; each VM as its host says it' <<'T'
	run qemu-init -H "$H" -H "$DEAD" status -o json web nosuchvm &&
	test_rc 4 &&
	test_out_has "\"host\": \"$H\","$'\n'"      \"vm\": \"nosuchvm\""
T

# --- hostile or broken remotes ------------------------------------------------------
# Each ends with one clear line, within a bound of memory (run_peak: the
# greatest peak RSS of qemu-init and its ssh), which load does not move.
RSS_BOUND=65536	# KiB: 64 MiB (qemu-init(8) Other hosts: bounds)
lines() { [ -z "$1" ] && echo 0 || printf '%s\n' "$1" | wc -l; }
remote() { echo "qi-$1@127.0.0.1:$PORT"; }
bounded() {
	echo "peak RSS $rss KiB"
	[ "$rss" -lt "$RSS_BOUND" ]
}

test_expect_success 'a remote sending 16 MiB of short lines: cut at 4 MiB, exit 255, one clear line, in bounded memory' <<'T'
	run_peak qemu-init -H "$(remote huge)" list &&
	test_rc 255 && test "$(stat -c %s "$T/out")" -eq 4194304 &&
	test_err "qemu-init: $(remote huge): an answer longer than 4194304 bytes: cut, ssh killed" &&
	bounded
T
test_expect_success '...among several hosts: a row saying so, the other host'"'"'s VMs as usual, in bounded memory' <<'T'
	run_peak qemu-init -H "$H" -H "$(remote huge)" list &&
	test_rc 255 &&
	test_has "$(row_of "$(remote huge)")" "(an answer longer than 4194304 bytes)" &&
	test_has "$(row_of "$H")" " web " &&
	bounded
T

test_expect_success 'a VM of 100 000 members: its row, exit 0; its stderr line of 100 000 columns shown as one line; in bounded memory' <<'T'
	run_peak qemu-init -H "$H" -H "$(remote cols)" list &&
	test_rc 0 && test_has "$(row_of "$(remote cols)")" " wide " &&
	test "$(lines "$err")" -eq 1 && test_err_has "$(remote cols): 1 2 3 " &&
	bounded
T
test_expect_success '...one host: the answer passes through as it is' <<'T'
	run_peak qemu-init -H "$(remote cols)" list &&
	test_rc 0 && test_out_has '"c99999": 99999'
T

no_controls() {	# no_controls FILE: no byte a terminal acts on but \n
	! LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177\233]')" "$1"
}
test_expect_success 'escape sequences from one host: none reaches the terminal; they are shown escaped' <<'T'
	run_peak qemu-init -H "$(remote esc)" list &&
	no_controls "$T/out" && no_controls "$T/err" &&
	test_err_has 'raw \x1b[2J\x1b]0;title\x07 \x9b end'
T
test_expect_success '...nor from several hosts: the table and stderr are only text' <<'T'
	run_peak qemu-init -H "$H" -H "$(remote esc)" list &&
	no_controls "$T/out" && no_controls "$T/err" &&
	test_has "$(row_of "$(remote esc)")" 'e\x1b]0;pwned\x07vil'
T
test_expect_success '...and the JSON document escapes them' <<'T'
	run_peak qemu-init -H "$H" -H "$(remote esc)" list -o json &&
	no_controls "$T/out" &&
	test_out_has '"shortname": "e\u001b]0;pwned\u0007vil"'
T

test_expect_success 'a remote that drips a byte at a time: killed at its deadline, exit 255, one line' <<'T'
	QEMU_INIT_HOST_TIMEOUT=3 run_peak qemu-init -H "$(remote drip)" list &&
	test_rc 255 &&
	test_err "qemu-init: $(remote drip): no whole answer in 3 s: ssh killed (QEMU_INIT_HOST_TIMEOUT)"
T
test_expect_success '...among several hosts: a row saying so' <<'T'
	QEMU_INIT_HOST_TIMEOUT=3 run_peak qemu-init -H "$H" -H "$(remote drip)" list &&
	test_rc 255 && test_has "$(row_of "$(remote drip)")" "(no whole answer in 3 s)"
T
test_expect_success '...QEMU_INIT_HOST_TIMEOUT must be seconds' '
	run env QEMU_INIT_HOST_TIMEOUT=3s qemu-init -H "$H" list &&
	test_rc 64 && test_err_has "QEMU_INIT_HOST_TIMEOUT=3s: not a number"
'

test_expect_success 'no qemu-init in the remote PATH: exit 127 and one clear line, that quotes the remote shell'"'"'s own words' <<'T'
	run_peak qemu-init -H "$(remote noqi)" list &&
	test_rc 127 && test "$(lines "$err")" -eq 1 &&
	test_err_has "qemu-init: $(remote noqi): no qemu-init answered there: none in the remote PATH" &&
	test_err_has "qemu-init: not found)"
T
test_expect_success '...among several hosts: a row saying so, exit 127' <<'T'
	run_peak qemu-init -H "$H" -H "$(remote noqi)" list &&
	test_rc 127 && test_has "$(row_of "$(remote noqi)")" "(no qemu-init answered: "
T

# --- and stop it there --------------------------------------------------------------
pid=$(state_pid web)
test_expect_success 'qemu-init -H host stop web stops it there; its QEMU is gone' '
	run_guest web qemu-init -H "$H" stop -t 3600 web &&
	test_rc 0 && test_out "web: stopped" && gone "$pid"
'
test_expect_success '...and status through ssh says stopped, exit 3' '
	run qemu-init -H "$H" status web && test_rc 3 && test_out "web: stopped"
'
test_expect_success 'no QEMU is left' 'test -z "$(our_qemus)"'

test_done
