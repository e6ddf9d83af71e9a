# tests/sshd.sh - a private sshd (Debian's openssh-server) on 127.0.0.1
# for the tests of -H and Ansible (remote.t, ansible.t) and for make
# bench: sourced after tests/lib.sh, or with T, BIN, QEMU_INIT_CONFDIR
# and QEMU_INIT_RUNDIR set.
#
# Everything it uses is in $S: its host key, the user key, each user's
# authorized keys, known_hosts, both configs, and the passwd file that
# sshd and its sessions see in a mount namespace of their own (where a
# tmpfs on /run holds /run/sshd), so that nothing of the host's /etc or
# /run is touched.  That passwd has the host's users and the test's
# own, all uid 0 with homes in $S: qi-fish, whose login shell is fish,
# and qi-MODE users whose key runs "$S/remote MODE" whatever the command
# (a remote that answers with huge output, many columns, escape
# sequences, a slow drip, or that has no qemu-init on its PATH).
# QEMU_INIT_SSH points the client at its config; sshd's SetEnv gives the
# remote side the test's PATH, CONFDIR and RUNDIR, so both sides see the
# same VMs.  A "host" of its own (migrate.t) is a user registered by
# sshd_host before start_sshd: its sessions get that host's CONFDIR and
# RUNDIR, and the client's QEMU_INIT_SSH, to reach the other hosts.
S=$T/ssh
SSHD_PID=
ME=$(id -un)
SSH_MODES="huge cols esc drip noqi"
SSH_HOSTS=

# sshd_host USER CONFDIR RUNDIR: a user (uid 0) whose sessions are a host
# with these directories; before start_sshd.
sshd_host() {
	SSH_HOSTS="$SSH_HOSTS $1:$2:$3"
}

. "$(dirname "${BASH_SOURCE[0]}")/ports.sh"	# free_port

# in_own_run CMD...: execs CMD (so that in a background call its pid is
# $!, and a foreground one needs a subshell) in a mount namespace of its
# own: a tmpfs on /run holding an empty /run/sshd, and $S/passwd as
# /etc/passwd.
in_own_run() {
	exec unshare -m --propagation private sh -c 'mount -t tmpfs -o mode=0755 \
	    qinit-run /run && mkdir -m 0755 /run/sshd &&
	    mount --bind "$0/passwd" /etc/passwd && exec "$@"' "$S" "$@"
}

# The remote of the qi-MODE users: what a hostile or broken host sends.
write_remote() {
	cat > "$S/remote" <<'SH'
#!/bin/sh
# remote MODE: a hostile or broken remote (tests/sshd.sh)
greet() { printf '\036qemu-init -H 1\n'; }
case $1 in
huge)	# 16 MiB of short lines
	greet; yes 'a short line' | head -c 16777216 ;;
cols)	# one VM object of 100 000 members, one line of 100 000 columns
	greet
	python3 -c 'import json; vm = {"name": "wide", "state": "stopped"}
vm.update(("c%d" % i, i) for i in range(100000))
print(json.dumps({"vms": [vm]}))'
	echo "$(seq -s ' ' 1 100000)" >&2 ;;
esc)	# escape sequences, in the JSON, raw on stdout and on stderr
	greet
	printf '{"vms": [{"shortname": "e\\u001b]0;pwned\\u0007vil", "name": "x\\u009b2J", "state": "stopped", "description": "\\u001b[31mred"}]}\n'
	printf 'raw \033[2J\033]0;title\007 \233 end\n' >&2 ;;
drip)	# a byte now and then, for ever
	greet; while :; do printf x; sleep 0.2; done ;;
noqi)	# the command, by a shell whose PATH has no qemu-init
	PATH=/usr/bin:/bin exec /bin/sh -c "$SSH_ORIGINAL_COMMAND" ;;
esac
SH
	chmod 755 "$S/remote"
}

# start_sshd: the sshd, on a port of its own ($PORT, chosen anew when
# another program took it meanwhile), listening once this returns 0.
start_sshd() {
	local m try
	mkdir -p "$S" "$S/home" || return 1
	ssh-keygen -q -t ed25519 -N '' -C qinit-host -f "$S/host_key" &&
	    ssh-keygen -q -t ed25519 -N '' -C qinit-user -f "$S/id" &&
	    cp "$S/id.pub" "$S/$ME.keys" && cp "$S/id.pub" "$S/qi-fish.keys" ||
	    return 1
	write_remote
	cp /etc/passwd "$S/passwd" || return 1
	echo "qi-fish:x:0:0:qemu-init test:$S/home:$(command -v fish)" >> "$S/passwd"
	for m in $SSH_MODES; do
		echo "qi-$m:x:0:0:qemu-init test:$S/home:/bin/sh" >> "$S/passwd"
		printf 'command="%s %s" %s\n' "$S/remote" "$m" "$(cat "$S/id.pub")" \
		    > "$S/qi-$m.keys"
	done
	for h in $SSH_HOSTS; do
		echo "${h%%:*}:x:0:0:qemu-init test:$S/home:/bin/sh" >> "$S/passwd"
		cp "$S/id.pub" "$S/${h%%:*}.keys" || return 1
	done
	cat > "$S/ssh_config" <<CFG
Host *
	UserKnownHostsFile $S/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	IdentityFile $S/id
	IdentitiesOnly yes
CFG
	for try in 1 2 3 4 5; do
		[ "$try" -eq 1 ] || PORT=$(free_port)
		sshd_config
		(in_own_run /usr/sbin/sshd -t -f "$S/sshd_config") || return 1
		in_own_run /usr/sbin/sshd -D -e -f "$S/sshd_config" 2>"$S/sshd.log" &
		SSHD_PID=$!
		# Up when it listens there itself; another try if it died.
		while alive "$SSHD_PID"; do
			ss -Hltnp "sport = :$PORT" 2>/dev/null |
			    grep -q "pid=$SSHD_PID," && return 0
			sleep 0.1
		done
		wait "$SSHD_PID" 2>/dev/null
	done
	return 1
}

# sshd_config: sshd's config and the client's known host, for $PORT.
sshd_config() {
	cat > "$S/sshd_config" <<CFG
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
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
SetEnv PATH=$BIN:/usr/sbin:/usr/bin:/sbin:/bin QEMU_INIT_CONFDIR=$QEMU_INIT_CONFDIR QEMU_INIT_RUNDIR=$QEMU_INIT_RUNDIR
CFG
	for h in $SSH_HOSTS; do
		set -- $(echo "$h" | tr ':' ' ')
		printf 'Match User %s\n\tSetEnv PATH=%s QEMU_INIT_CONFDIR=%s QEMU_INIT_RUNDIR=%s "QEMU_INIT_SSH=%s"\n' \
		    "$1" "$BIN:/usr/sbin:/usr/bin:/sbin:/bin" "$2" "$3" \
		    "$QEMU_INIT_SSH" >> "$S/sshd_config"
	done
	printf '[127.0.0.1]:%s %s\n' "$PORT" "$(cut -d' ' -f1,2 "$S/host_key.pub")" \
	    > "$S/known_hosts"
}

# The sshd is ours to stop, by its pid.
stop_sshd() {
	[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null
	SSHD_PID=
}

if command -v test_require >/dev/null; then
	test_require SSHD
elif ! [ -x /usr/sbin/sshd ] || ! command -v ssh >/dev/null; then
	echo "sshd.sh: openssh-server or openssh-client missing: run make deps" >&2
	exit 1
fi
PORT=$(free_port)
export QEMU_INIT_SSH="ssh -F $S/ssh_config"
