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

# mk_step DESCRIPTION TARGET: one TAP line for make TARGET.
mk_step() {
	if mk "$2"; then
		ok "$1"
	else
		not_ok "$1"
		diag "$(tail -20 "$T/make.out")"
	fi
}

# same DESCRIPTION SHIPPED INSTALLED: INSTALLED is a regular file with
# SHIPPED's bytes and mode MODE ($3).
same() {
	if [ -f "$3" ] && [ ! -L "$3" ] && cmp -s "$2" "$3" &&
	    [ "$(stat -c %a "$3")" = "$4" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "$3: $(ls -l "$3" 2>&1)"
	fi
}

# link_to DESCRIPTION LINK TARGET: LINK is a symbolic link to TARGET.
link_to() {
	if [ -L "$2" ] && [ "$(readlink "$2")" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "$2: $(ls -l "$2" 2>&1)"
	fi
}

# not COMMAND...: COMMAND fails.
not() {
	! "$@"
}

# files_left: every file (not folder) left under $D, one a line, sorted.
files_left() {
	(cd "$D" && find . -mindepth 1 ! -type d | sort)
}

# 1. make install: the programs, pages, units, completion and defaults.
mk_step "make install into a DESTDIR" install
for p in qemu-init qemu-cmd qemu-mon qemu-netif; do
	same "bin/$p is installed, mode 755" "$TOP/build/bin/$p" \
	    "$D/usr/bin/$p" 755
done
check "the installed qemu-init runs (-V)" \
    contains "$("$D/usr/bin/qemu-init" -V 2>&1)" "qemu-init "
npages=0
for page in "$TOP"/man/*.[1-9]; do
	npages=$((npages + 1))
	f=${page##*/}
	same "man page $f is in man${f##*.}" "$page" \
	    "$D/usr/share/man/man${f##*.}/$f" 644
done
check "man/ has the 7 pages" [ "$npages" -ge 7 ]
for f in monitor.conf qemu-init.reg example-qemu.cfg; do
	same "/etc/qemu/$f is the shipped one" "$TOP/etc/qemu/$f" \
	    "$D/etc/qemu/$f" 644
done
for l in qemu-brup qemu-brdown; do
	link_to "/etc/qemu/$l links to the installed qemu-netif" \
	    "$D/etc/qemu/$l" /usr/bin/qemu-netif
done
check "...which is there under DESTDIR" test -x "$D/usr/bin/qemu-netif"
check_shipped_config "$D" installed

U=$D/usr/lib/systemd/system
for u in qemu-init.service qemu-init@.service; do
	check "unit $u is installed, mode 644" \
	    test -f "$U/$u" -a "$(stat -c %a "$U/$u" 2>/dev/null)" = 644
	check "...with no placeholder left" not grep -q '@[A-Z]*@' "$U/$u"
	execs=$(grep '^Exec' "$U/$u" 2>/dev/null)
	if [ -n "$execs" ] &&
	    ! printf '%s\n' "$execs" | grep -vq '^Exec[A-Za-z]*=-\?/usr/bin/qemu-init '; then
		ok "...and runs the installed /usr/bin/qemu-init"
	else
		not_ok "...and runs the installed /usr/bin/qemu-init"
		diag "$execs"
	fi
done
check "qemu-init@.service starts and stops the instance %I" \
    grep -qx 'ExecStart=/usr/bin/qemu-init start --unit %I' "$U/qemu-init@.service"
check "...stopping it with -f" \
    grep -qx 'ExecStop=/usr/bin/qemu-init stop -f %I' "$U/qemu-init@.service"
check "qemu-init.service starts the AUTOSTART VMs" \
    grep -q 'qemu-init start --autostart$' "$U/qemu-init.service"
check "...and stops only those, forced off after STOPDELAY" \
    grep -qx 'ExecStop=/usr/bin/qemu-init stop --autostart --force' \
    "$U/qemu-init.service"

# systemd-analyze verify in a copy of the tree that also holds the
# host's units (for the targets ours depend on): there the units'
# /usr/bin/qemu-init is the installed one, and their man: links are
# looked up in the installed pages.
if command -v systemd-analyze >/dev/null; then
	V=$T/verify-root
	mkdir -p "$V"
	cp -a "$D/." "$V/"
	for sys in /usr/lib/systemd/system /lib/systemd/system; do
		[ -d "$sys" ] && break
	done
	cp -a "$sys/." "$V/usr/lib/systemd/system/"
	cp -a "$U/." "$V/usr/lib/systemd/system/"
	man=(--man=yes)
	command -v man >/dev/null || man=(--man=no)
	for u in qemu-init.service qemu-init@web.service; do
		run env MANPATH="$D/usr/share/man" systemd-analyze verify \
		    "${man[@]}" --root="$V" "/usr/lib/systemd/system/$u"
		if [ "$rc" -eq 0 ] && [ -z "$out$err" ]; then
			ok "systemd-analyze verify $u is clean"
		else
			not_ok "systemd-analyze verify $u is clean"
			show_run
		fi
	done
	rm -rf "$V"
else
	ok "systemd-analyze verify the units # skip no systemd-analyze"
fi

C=$D/usr/share/bash-completion/completions
same "the bash completion is installed" "$TOP/build/bash-completion/qemu-init" \
    "$C/qemu-init" 644
check "...with the registry in /etc/qemu" \
    grep -q 'QEMU_INIT_CONFDIR:-/etc/qemu}/qemu-init.reg' "$C/qemu-init"
for l in qemu-cmd qemu-mon; do
	link_to "...and is found for $l too" "$C/$l" qemu-init
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
	local got
	got=$(completion_of "${@:2}")
	if [ "$got" = "$1" ]; then
		ok "completion of '${*:2}' is '$1'"
	else
		not_ok "completion of '${*:2}' is '$1'"
		diag "got '$got'"
	fi
}
check_completion "start stop status" qemu-init st
check_completion "restart resume reset" qemu-init re
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
check_completion "restart resume reset" qemu-init help re
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
echo "MONPORT=40000 # mine" >> "$D/etc/qemu/monitor.conf"
cp "$D/etc/qemu/monitor.conf" "$T/monitor.conf.mine"
mk_step "make install again over the installed tree" install
check "...keeps the admin's monitor.conf" \
    cmp -s "$T/monitor.conf.mine" "$D/etc/qemu/monitor.conf"
check "...and says so" \
    grep -q "keeping the existing $D/etc/qemu/monitor.conf" "$T/make.out"
same "...while the unchanged qemu-init.reg is still the shipped one" \
    "$TOP/etc/qemu/qemu-init.reg" "$D/etc/qemu/qemu-init.reg" 644

# 4. make uninstall leaves only the admin's monitor.conf, and folders.
mk_step "make uninstall" uninstall
left=$(files_left)
if [ "$left" = ./etc/qemu/monitor.conf ]; then
	ok "uninstall leaves no file but the changed monitor.conf"
else
	not_ok "uninstall leaves no file but the changed monitor.conf"
	diag "left:" "$left"
fi
check "...which is still the admin's" \
    cmp -s "$T/monitor.conf.mine" "$D/etc/qemu/monitor.conf"
check "...and uninstall says it is kept" \
    grep -q "keeping $D/etc/qemu/monitor.conf" "$T/make.out"
# The folders left are those install made, and their parents; empty
# but for the one that holds monitor.conf (and its parents).
dirs=$(cd "$D" && find . -mindepth 1 -type d | sort | tr '\n' ' ')
want="./etc ./etc/qemu ./usr ./usr/bin ./usr/lib ./usr/lib/systemd \
./usr/lib/systemd/system ./usr/libexec ./usr/share ./usr/share/bash-completion \
./usr/share/bash-completion/completions ./usr/share/man ./usr/share/man/man1 \
./usr/share/man/man5 ./usr/share/man/man8 "
if [ "$dirs" = "$want" ]; then
	ok "the folders left are those install made"
else
	not_ok "the folders left are those install made"
	diag "left: $dirs"
fi

# 5. Once monitor.conf is the shipped one again, uninstall takes it and
# /etc/qemu too.
cp "$TOP/etc/qemu/monitor.conf" "$D/etc/qemu/monitor.conf"
mk_step "make uninstall with monitor.conf as shipped" uninstall
check "...leaves no file at all" test -z "$(files_left)"
check "...and no /etc/qemu" test ! -e "$D/etc/qemu"
mk_step "make uninstall of nothing succeeds" uninstall

done_testing
