#!/bin/bash
# deps.t - make demo's dependency step changes neither how a host boots
# nor what runs on it.  In a fresh Debian 12 root (tests/freshroot.sh),
# through an overlay in a mount namespace of the test's own (the root
# itself and this host are never changed), with apt configured as on
# this host:
#  - tests/deps.sh demo, then the guest's packages downloaded and
#    unpacked (tests/guest/fetch.sh) and the guest built from them
#    (tests/guest/build.sh): the guest is made, and no file is under
#    /boot, no service is enabled (no systemd .wants link, no sysvinit S
#    link) and none was started (invoke-rc.d and deb-systemd-invoke are
#    diverted to a log of what they would have started);
#  - tests/deps.sh sshd, the tests' sshd: there, and its ssh service
#    neither started nor enabled;
#  - and the same checks do fail after what deps.sh used to do, apt-get
#    install linux-image-cloud-amd64 openssh-server: a kernel in /boot,
#    ssh enabled and started.
. "$(dirname "$0")/lib.sh"
test_require ROOT,DEBOOTSTRAP

test_expect_success 'setup: a fresh Debian 12 root (debootstrap minbase, cached)' <<'T' ||
	FRESH=$("$TOP/tests/freshroot.sh" 2>"$T/freshroot.err")
	test -n "$FRESH" -a -x "$FRESH/usr/bin/apt-get" ||
	    { cat "$T/freshroot.err"; false; }
T
    test_bail "no fresh root"

# What a start of a service would have been: logged instead of done, as
# invoke-rc.d and deb-systemd-invoke, asking policy-rc.d as they do.
cat > "$T/would-start" <<'SH'
#!/bin/sh
# deps.t: invoke-rc.d [--opts] SERVICE ACTION, deb-systemd-invoke ACTION
# UNIT...: each start, logged as STARTED, or as refused by policy-rc.d.
log=/var/log/qinit-services.log
prog=${0##*/}
while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do shift; done
if [ "$prog" = invoke-rc.d ]; then set -- "$2" "$1"; fi
action=$1
shift
for unit; do
	case $action in
	start|restart|reload|force-reload|try-restart|reload-or-restart) ;;
	*) echo "$prog $action $unit" >> "$log"; continue ;;
	esac
	if [ -x /usr/sbin/policy-rc.d ]; then
		/usr/sbin/policy-rc.d "${unit%.service}" "$action"
		[ $? -eq 101 ] && { echo "refused $action $unit" >> "$log"; continue; }
	fi
	echo "STARTED $action $unit" >> "$log"
done
exit 0
SH

# The links that enable a service at boot under ROOT (systemd's .wants
# and .requires, sysvinit's S links), one a line, sorted.
enabled_links() {
	(cd "$1" && find etc/systemd/system etc/rc[0-6S].d \
	    \( -path '*.wants/*' -o -path '*.requires/*' -o -name 'S*' \) \
	    \( -type l -o -type f \) 2>/dev/null | sort)
}
enabled_links "$FRESH" > "$T/enabled.base"

# in_fresh NAME COMMAND: COMMAND (sh) as root in an overlay of the fresh
# root, in a mount namespace that ends with it.  What it leaves: NAME.rc,
# NAME.out, NAME.boot (files under /boot), NAME.enabled (enabling links),
# NAME.services (the would-be starts), NAME.guest (the guest it built).
in_fresh() {
	local d=$T/$1
	mkdir -p "$d/upper" "$d/work" "$d/root"
	cp "$T/would-start" "$d/would-start"
	mkdir -p "$d/upper/qi/tests/guest"
	cp "$TOP/tests/deps.sh" "$d/upper/qi/tests/"
	cp "$TOP"/tests/guest/fetch.sh "$TOP"/tests/guest/build.sh \
	    "$TOP"/tests/guest/init "$d/upper/qi/tests/guest/"
	unshare --mount --propagation private /bin/sh -eu -c '
		d=$1 fresh=$2 cmd=$3
		r=$d/root
		mount -t overlay qinit-fresh -o \
		    "lowerdir=$fresh,upperdir=$d/upper,workdir=$d/work" "$r"
		mount -t proc proc "$r/proc"
		mount -t tmpfs -o mode=755 dev "$r/dev"
		mknod -m 666 "$r/dev/null" c 1 3
		mknod -m 666 "$r/dev/zero" c 1 5
		mknod -m 666 "$r/dev/full" c 1 7
		mknod -m 666 "$r/dev/random" c 1 8
		mknod -m 666 "$r/dev/urandom" c 1 9
		mknod -m 666 "$r/dev/tty" c 5 0
		mkdir "$r/dev/pts"
		mount -t devpts -o newinstance,ptmxmode=0666 devpts "$r/dev/pts"
		ln -s pts/ptmx "$r/dev/ptmx"
		rm -rf "$r/etc/apt/sources.list" "$r/etc/apt/sources.list.d"
		cp -a /etc/apt/. "$r/etc/apt/"
		rm -f "$r/etc/resolv.conf"
		cp -L /etc/resolv.conf "$r/etc/resolv.conf"
		for prog in /usr/sbin/invoke-rc.d /usr/bin/deb-systemd-invoke; do
			chroot "$r" dpkg-divert --quiet --local --no-rename \
			    --divert "$prog.distrib" --add "$prog"
			cp "$d/would-start" "$r$prog"
			chmod 755 "$r$prog"
		done
		rc=0
		chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		    HOME=/root DEBIAN_FRONTEND=noninteractive /bin/sh -c "$cmd" \
		    > "$d.out" 2>&1 || rc=$?
		echo "$rc" > "$d.rc"
		(cd "$r/boot" && find . -mindepth 1 | sort) > "$d.boot"
		(cd "$r" && find etc/systemd/system etc/rc[0-6S].d \
		    \( -path "*.wants/*" -o -path "*.requires/*" -o -name "S*" \) \
		    \( -type l -o -type f \) 2>/dev/null | sort) > "$d.enabled"
		cat "$r/var/log/qinit-services.log" > "$d.services" 2>/dev/null ||
		    : > "$d.services"
		ls -l "$r/qi/build/guest" > "$d.guest" 2>/dev/null || : > "$d.guest"
		[ ! -x "$r/usr/sbin/sshd" ] || echo sshd >> "$d.guest"
	' sh "$d" "$FRESH" "$2" > "$d.err" 2>&1
}

# newly_enabled NAME: the enabling links that NAME's run added.
newly_enabled() {
	comm -13 "$T/enabled.base" "$T/$1.enabled"
}

# untouched NAME: nothing under /boot, nothing enabled, nothing started.
untouched() {
	[ ! -s "$T/$1.boot" ] && [ -z "$(newly_enabled "$1")" ] &&
	    ! grep -q '^STARTED' "$T/$1.services"
}

# what_changed NAME: the diagnosis of a run that was not untouched.
what_changed() {
	diag "exit $(cat "$T/$1.rc" 2>/dev/null): $(tail -5 "$T/$1.out" 2>/dev/null)" \
	    "$(cat "$T/$1.err")" \
	    "/boot: $(tr '\n' ' ' < "$T/$1.boot")" \
	    "enabled: $(newly_enabled "$1" | tr '\n' ' ')" \
	    "services: $(tr '\n' ' ' < "$T/$1.services")"
}

# --- make demo's dependency step ---------------------------------------------
in_fresh demo 'cd /qi && tests/deps.sh demo &&
    tests/guest/fetch.sh build/guest-pkgs &&
    tests/guest/build.sh build/guest build/guest-pkgs &&
    qemu-system-x86_64 --version && cc --version && make --version'
test_expect_success 'tests/deps.sh demo, then the guest fetched and built, in a fresh root' '
	test "$(cat "$T/demo.rc" 2>/dev/null)" = 0 || { what_changed demo; false; }
'
test_expect_success '...the guest is made from the unpacked packages' '
	test_grep " vmlinuz$" "$T/demo.guest" && test_grep " initrd.gz$" "$T/demo.guest"
'
test_expect_success '...and no file under /boot, no service enabled, none started' '
	untouched demo || { what_changed demo; false; }
'
test_expect_success '...no service was even asked to start' '
	test ! -s "$T/demo.services" || { cat "$T/demo.services"; false; }
'
test_expect_success '...and no openssh-server: the demo has no use for it' '
	test_grep ! "^sshd$" "$T/demo.guest"
'

# --- the tests' sshd ---------------------------------------------------------
in_fresh sshd 'cd /qi && tests/deps.sh sshd && test -x /usr/sbin/sshd &&
    ! test -e /usr/sbin/policy-rc.d'
test_expect_success "tests/deps.sh sshd: sshd is there, and deps.sh's policy-rc.d gone" '
	test "$(cat "$T/sshd.rc" 2>/dev/null)" = 0 || { what_changed sshd; false; }
'
# (Its dependency procps enables its boot script, which applies
# sysctl.conf once at boot: no daemon, and one of the tests' packages.)
test_expect_success '...no file under /boot, its ssh service neither enabled nor started' <<'T'
	[ ! -s "$T/sshd.boot" ] && ! newly_enabled sshd | grep -q ssh &&
	    ! grep -q "^STARTED" "$T/sshd.services" || { what_changed sshd; false; }
T
test_expect_success '...its start was asked for, and refused' '
	test_grep "^refused start ssh" "$T/sshd.services"
'

# --- the checks fail on what deps.sh used to do ------------------------------
in_fresh old 'apt-get update -q >/dev/null &&
    apt-get install -y -q --no-install-recommends linux-image-cloud-amd64 \
        openssh-server'
test_expect_success 'the old way (apt-get install linux-image-cloud-amd64 openssh-server) ran' '
	test -s "$T/old.out" || { what_changed old; false; }
'
test_expect_success '...and these checks see its kernel in /boot' '
	test_grep "^./vmlinuz-.*-cloud-amd64$" "$T/old.boot"
'
test_expect_success '...its ssh service enabled' '
	newly_enabled old | grep -q "ssh.service$" || { what_changed old; false; }
'
test_expect_success '...and started' 'test_grep "^STARTED start ssh" "$T/old.services"'
test_expect_success "...so the demo's step would fail them" '! untouched old'

test_done
