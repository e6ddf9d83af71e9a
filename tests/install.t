#!/bin/bash
# install.t - make install and make uninstall into a DESTDIR: the tree
# they make and remove, an admin's monitor.conf kept, the systemd units
# (checked by systemd-analyze verify when it is there) and the bash
# completion.
. "$(dirname "$0")/lib.sh"

D=$T/dest
VARS=(DESTDIR="$D" PREFIX=/usr SYSCONFDIR=/etc)

# mk TARGET: make TARGET with VARS, its output in $T/make.out.
mk() {
	make -C "$TOP" --no-print-directory "$1" "${VARS[@]}" \
	    > "$T/make.out" 2>&1
}

# same SHIPPED INSTALLED MODE: INSTALLED is a regular file with SHIPPED's
# bytes, mode MODE.
same() {
	[ -f "$2" ] && [ ! -L "$2" ] && cmp -s "$1" "$2" &&
	    [ "$(stat -c %a "$2")" = "$3" ] && return 0
	ls -l "$2" 2>&1
	return 1
}

# link_to LINK TARGET: LINK is a symbolic link to TARGET.
link_to() {
	[ -L "$1" ] && [ "$(readlink "$1")" = "$2" ] && return 0
	ls -l "$1" 2>&1
	return 1
}

# mk_ok TARGET: make TARGET succeeds (else the end of its output).
mk_ok() {
	mk "$1" && return 0
	tail -20 "$T/make.out"
	return 1
}

# files_left: every file (not folder) left under $D, one a line, sorted.
files_left() {
	(cd "$D" && find . -mindepth 1 ! -type d | sort)
}

# 1. make install: the programs, pages, units, completion and defaults.
test_expect_success 'make install into a DESTDIR' 'mk_ok install'
for p in qemu-init qemu-cmd qemu-mon qemu-netif; do
	test_expect_success "bin/$p is installed, mode 755" '
		same "$TOP/build/bin/$p" "$D/usr/bin/$p" 755
	'
done
test_expect_success 'the installed qemu-init runs (-V)' '
	test_has "$("$D/usr/bin/qemu-init" -V 2>&1)" "qemu-init "
'
npages=0
for page in "$TOP"/man/*.[1-9]; do
	npages=$((npages + 1))
	f=${page##*/}
	test_expect_success "man page $f is in man${f##*.}" '
		same "$page" "$D/usr/share/man/man${f##*.}/$f" 644
	'
done
test_expect_success "man/ has the 7 pages ($npages)" '[ "$npages" -ge 7 ]'
for f in monitor.conf qemu-init.reg example-qemu.cfg; do
	test_expect_success "/etc/qemu/$f is the shipped one" '
		same "$TOP/etc/qemu/$f" "$D/etc/qemu/$f" 644
	'
done
for l in qemu-brup qemu-brdown; do
	test_expect_success "/etc/qemu/$l links to the installed qemu-netif" '
		link_to "$D/etc/qemu/$l" /usr/bin/qemu-netif
	'
done
test_expect_success '...which is there under DESTDIR' 'test -x "$D/usr/bin/qemu-netif"'
check_shipped_config "$D" installed

U=$D/usr/lib/systemd/system
for u in qemu-init.service qemu-init@.service; do
	test_expect_success "unit $u is installed, mode 644" '
		test -f "$U/$u" && test_eq 644 "$(stat -c %a "$U/$u")"
	'
	test_expect_success '...with no placeholder left' 'test_grep ! "@[A-Z]*@" "$U/$u"'
	test_expect_success '...and runs the installed /usr/bin/qemu-init' <<'T'
		execs=$(grep '^Exec' "$U/$u") &&
		test -n "$execs" &&
		! printf '%s\n' "$execs" | grep -v '^Exec[A-Za-z]*=-\?/usr/bin/qemu-init '
T
done
test_expect_success 'qemu-init@.service starts and stops the instance %I, stopping it with -f' <<'T'
	test_grep '^ExecStart=/usr/bin/qemu-init start --unit %I$' "$U/qemu-init@.service" &&
	test_grep '^ExecStop=/usr/bin/qemu-init stop -f %I$' "$U/qemu-init@.service"
T
test_expect_success 'qemu-init.service starts the AUTOSTART VMs, and stops only those, forced off after STOPDELAY' <<'T'
	test_grep 'qemu-init start --autostart$' "$U/qemu-init.service" &&
	test_grep '^ExecStop=/usr/bin/qemu-init stop --autostart --force$' \
	    "$U/qemu-init.service"
T

# systemd-analyze verify in a copy of the tree that also holds the
# host's units (for the targets ours depend on): there the units'
# /usr/bin/qemu-init is the installed one, and their man: links are
# looked up in the installed pages.
V=$T/verify-root
test_expect_success SYSTEMD_ANALYZE 'setup: a root with the installed tree and the host'"'"'s units' <<'T'
	mkdir -p "$V" &&
	cp -a "$D/." "$V/" &&
	for sys in /usr/lib/systemd/system /lib/systemd/system; do
		[ -d "$sys" ] && break
	done &&
	cp -a "$sys/." "$V/usr/lib/systemd/system/" &&
	cp -a "$U/." "$V/usr/lib/systemd/system/"
T
man=(--man=yes)
command -v man >/dev/null || man=(--man=no)
for u in qemu-init.service qemu-init@web.service; do
	test_expect_success SYSTEMD_ANALYZE "systemd-analyze verify $u is clean" '
		run env MANPATH="$D/usr/share/man" systemd-analyze verify \
		    "${man[@]}" --root="$V" "/usr/lib/systemd/system/$u" &&
		test_rc 0 && test_eq "" "$out$err"
	'
done
rm -rf "$V"

C=$D/usr/share/bash-completion/completions
test_expect_success 'the bash completion is installed, with the registry in /etc/qemu' <<'T'
	same "$TOP/build/bash-completion/qemu-init" "$C/qemu-init" 644 &&
	test_grep 'QEMU_INIT_CONFDIR:-/etc/qemu}/qemu-init.reg' "$C/qemu-init"
T
for l in qemu-cmd qemu-mon; do
	test_expect_success "...and is found for $l too" 'link_to "$C/$l" qemu-init'
done

# 2. The completion, sourced in bash: complete WORDS... prints what
# COMPREPLY holds for the last word, with the registry of $T/etc.
cat > "$QEMU_INIT_CONFDIR/qemu-init.reg" <<'REG'
# two VMs
web   /srv/vm/web/webserver-qemu.cfg
db    /srv/vm/db/db-qemu.cfg   # same short- and longname
REG
completion_of() {
	bash -c '. "$1" || exit 1; shift
	COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
	f=$(complete -p "$1" | sed "s/.* -F \([^ ]*\) .*/\1/")
	"$f" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
	echo "${COMPREPLY[*]}"' complete "$C/qemu-init" "$@" 2>&1
}
check_completion() {
	comp_want=$1
	shift
	comp_words=("$@")
	test_expect_success "completion of '$*' is '$comp_want'" '
		test_eq "$comp_want" "$(completion_of "${comp_words[@]}")"
	'
}
check_completion "start stop status" qemu-init st
check_completion "restart resume reset remove revert restore" qemu-init re
check_completion "db web webserver" qemu-init start ""
check_completion "web webserver" qemu-init status w
check_completion "-a -A -f -n -t -h" qemu-init stop -
check_completion "--all --autostart --force --no-wait --timeout --help" \
    qemu-init stop --
check_completion "" qemu-init stop -t ""
check_completion "" qemu-init wait --timeout ""
check_completion "-a -A -c -w -h" qemu-init start -
check_completion "webserver" qemu-init show webs
check_completion "-s -h" qemu-init show -
check_completion "" qemu-init list ""
check_completion "-o -q -h" qemu-init list -
check_completion "text json" qemu-init list -o ""
check_completion "json" qemu-init info --output j
check_completion "web webserver" qemu-init info w
check_completion "web webserver" qemu-init pause we
check_completion "restart resume reset remove revert restore" qemu-init help re
check_completion "--net" qemu-init create web --ne
check_completion "user bridge bridge=" qemu-init create web --net ""
check_completion "bios uefi" qemu-init create web --firmware ""
check_completion "web webserver" qemu-init create w2 --from w
check_completion "" qemu-init create ""
check_completion "--purge --help" qemu-init remove --
check_completion "web webserver" qemu-init ssh w
check_completion "" qemu-init ssh web ""
# The init-script form: a VM first, then its action, then options.
check_completion "wait web webserver" qemu-init w
check_completion "db" qemu-init d
check_completion "start stop status" qemu-init web st
check_completion "-a -A -f -n -t -h" qemu-init web stop -
check_completion "" qemu-init web stop ""
check_completion "db" qemu-cmd -c "info status" d
check_completion "" qemu-cmd -c ""
check_completion "web webserver" qemu-mon we
mkdir -p "$T/vms/web"
touch "$T/vms/web/web-qemu.cfg" "$T/vms/web/web.img"
check_completion "$T/vms/web/web-qemu.cfg" qemu-init show "$T/vms/web/"
# backup: options, a VM, then its folder; restore: a folder or manifest.
check_completion "snapshot snapshots" qemu-init snap
check_completion "-o -h" qemu-init snapshots -
check_completion "--incremental --limit --help" qemu-init backup --
check_completion "" qemu-init backup -l ""
check_completion "web webserver" qemu-init backup -i w
check_completion "$T/vms/web" qemu-init backup -l 5 web "$T/vms/w"
check_completion "" qemu-init backup web "$T/vms/w" ""
touch "$T/vms/web/0001.manifest"
check_completion "-f -h" qemu-init restore -
check_completion "$T/vms/web/0001.manifest" qemu-init restore -f "$T/vms/web/0"
# -H first, its hosts from CONFDIR/hosts; then as without it.
printf '# the lab\nvm1\nroot@vm2:2222   # the other\n' > "$QEMU_INIT_CONFDIR/hosts"
check_completion "-h --help -V --version -H --host" qemu-init -
check_completion "@hosts vm1 root@vm2:2222" qemu-init -H ""
check_completion "root@vm2:2222" qemu-init -H vm1 -H r
check_completion "start stop status" qemu-init -H vm1 st
check_completion "web webserver" qemu-init -H vm1 -H @hosts status w
check_completion "start stop status" qemu-init -H vm1 web st
check_completion "" qemu-init -H vm1 web stop ""
check_completion "-c -j -t -h -V -H" qemu-cmd -
check_completion "-c -j -t -h -V" qemu-cmd -c x -
check_completion "@hosts vm1 root@vm2:2222" qemu-mon -H ""
check_completion "db" qemu-mon -H vm1 d

# 3. An admin's monitor.conf survives a second install.
test_expect_success 'make install again over the installed tree' <<'T'
	echo "MONPORT=40000 # mine" >> "$D/etc/qemu/monitor.conf" &&
	cp "$D/etc/qemu/monitor.conf" "$T/monitor.conf.mine" &&
	mk_ok install
T
test_expect_success "...keeps the admin's monitor.conf, and says so" '
	cmp -s "$T/monitor.conf.mine" "$D/etc/qemu/monitor.conf" &&
	test_grep "keeping the existing $D/etc/qemu/monitor.conf" "$T/make.out"
'
test_expect_success '...while the unchanged qemu-init.reg is still the shipped one' '
	same "$TOP/etc/qemu/qemu-init.reg" "$D/etc/qemu/qemu-init.reg" 644
'

# 4. make uninstall leaves only the admin's monitor.conf, and folders.
test_expect_success 'make uninstall' 'mk_ok uninstall'
test_expect_success 'uninstall leaves no file but the changed monitor.conf' '
	test_eq ./etc/qemu/monitor.conf "$(files_left)"
'
test_expect_success "...which is still the admin's, and uninstall says it is kept" '
	cmp -s "$T/monitor.conf.mine" "$D/etc/qemu/monitor.conf" &&
	test_grep "keeping $D/etc/qemu/monitor.conf" "$T/make.out"
'
# The folders left are those install made, and their parents; empty
# but for the one that holds monitor.conf (and its parents).
test_expect_success 'the folders left are those install made' <<'T'
	test_eq "./etc ./etc/qemu ./usr ./usr/bin ./usr/lib ./usr/lib/systemd \
./usr/lib/systemd/system ./usr/libexec ./usr/share ./usr/share/bash-completion \
./usr/share/bash-completion/completions ./usr/share/man ./usr/share/man/man1 \
./usr/share/man/man5 ./usr/share/man/man8 " \
	    "$(cd "$D" && find . -mindepth 1 -type d | sort | tr '\n' ' ')"
T

# 5. Once monitor.conf is the shipped one again, uninstall takes it and
# /etc/qemu too.
test_expect_success 'make uninstall with monitor.conf as shipped' '
	cp "$TOP/etc/qemu/monitor.conf" "$D/etc/qemu/monitor.conf" &&
	mk_ok uninstall
'
test_expect_success '...leaves no file at all, and no /etc/qemu' '
	test_eq "" "$(files_left)" && test ! -e "$D/etc/qemu"
'
test_expect_success 'make uninstall of nothing succeeds' 'mk_ok uninstall'

test_done
