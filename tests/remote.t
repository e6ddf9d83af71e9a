#!/bin/bash
# remote.t - -H host through a real sshd (Debian's openssh-server) of the
# test's own on 127.0.0.1: start, list, status and stop there, qemu-cmd's
# output and exit statuses exactly as here, arguments with blanks, quotes
# and shell syntax arriving intact, qemu-mon and console in a terminal
# through ssh -t (Ctrl-] leaves, ~ is no escape), and the fleet view of
# list and status with a host that does not answer.
#
# The sshd and the ssh client use only files in the test's folder: its
# host key, the user key, authorized_keys, known_hosts and both configs.
# QEMU_INIT_SSH points the client at its config; sshd's SetEnv gives the
# remote side the test's PATH, CONFDIR and RUNDIR, so both sides see the
# same VMs.
. "$(dirname "$0")/lib.sh"
need_guest
monitor_conf 33000 20
TMUX_SOCK=qinit-remote-$$
S=$T/ssh
SSHD_PID=

[ -x /usr/sbin/sshd ] && command -v ssh >/dev/null ||
    { echo "Bail out! openssh-server or openssh-client missing: run make deps"; exit 1; }

# The sshd is ours to stop, by its pid, however the test ends.
remote_cleanup() {
	[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null
	cleanup
}
trap remote_cleanup EXIT

# free_port FROM: the first port from FROM up that nothing listens on.
free_port() {
	local p=$1
	while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do
		p=$((p + 1))
	done
	echo "$p"
}

PORT=$(free_port 33200)
DEAD_PORT=$(free_port $((PORT + 1)))	# nothing listens there
ME=$(id -un)
H=$ME@127.0.0.1:$PORT
DEAD=$ME@127.0.0.1:$DEAD_PORT

# in_own_run CMD...: execs CMD (so that in a background call its pid is
# $!, and a foreground one needs a subshell) with a private
# tmpfs on /run holding an empty /run/sshd.
in_own_run() {
	exec unshare -m --propagation private sh -c 'mount -t tmpfs -o mode=0755 \
	    qinit-run /run && mkdir -m 0755 /run/sshd && exec "$@"' sh "$@"
}

start_sshd() {
	local i=0
	mkdir -p "$S" || return 1
	ssh-keygen -q -t ed25519 -N '' -C qinit-host -f "$S/host_key" &&
	    ssh-keygen -q -t ed25519 -N '' -C qinit-user -f "$S/id" &&
	    cp "$S/id.pub" "$S/$ME.keys" || return 1
	cat > "$S/sshd_config" <<EOF
ListenAddress 127.0.0.1:$PORT
HostKey $S/host_key
PidFile $S/sshd.pid
AuthorizedKeysFile $S/%u.keys
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PrintMotd no
X11Forwarding no
AllowTcpForwarding no
SetEnv PATH=$BIN:/usr/sbin:/usr/bin:/sbin:/bin QEMU_INIT_CONFDIR=$QEMU_INIT_CONFDIR QEMU_INIT_RUNDIR=$QEMU_INIT_RUNDIR
EOF
	printf '[127.0.0.1]:%s %s\n' "$PORT" "$(cut -d' ' -f1,2 "$S/host_key.pub")" \
	    > "$S/known_hosts"
	cat > "$S/ssh_config" <<EOF
Host *
	UserKnownHostsFile $S/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	IdentityFile $S/id
	IdentitiesOnly yes
EOF
	# Debian's sshd needs its privilege separation folder /run/sshd: it
	# gets one in a /run of its own (a mount namespace), so that the test
	# touches nothing in the host's /run.
	(in_own_run /usr/sbin/sshd -t -f "$S/sshd_config") || return 1
	in_own_run /usr/sbin/sshd -D -e -f "$S/sshd_config" 2>"$S/sshd.log" &
	SSHD_PID=$!
	while ! (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do
		alive "$SSHD_PID" && [ $i -lt 100 ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
}
export QEMU_INIT_SSH="ssh -F $S/ssh_config"

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

# --- and stop it there --------------------------------------------------------------
pid=$(state_pid web)
run qemu-init -H "$H" stop web
expect_out "qemu-init -H host stop web stops it there" 0 "web: stopped"
check "...its QEMU is gone" gone "$pid"
run qemu-init -H "$H" status web
expect_out "...and status through ssh says stopped, exit 3" 3 "web: stopped"
check "no QEMU is left" test -z "$(our_qemus)"

done_testing
