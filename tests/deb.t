#!/bin/bash
# deb.t - the Debian package (debian/, make deb): built by dpkg-buildpackage
# from a clean clone of HEAD, with its unit tests and without them
# (nocheck), as a user other than root; clean under lintian; the tree,
# conffiles and dependencies it ships; and its programs, extracted with
# dpkg -x (never installed: only .ci/run installs it), checking the
# shipped example and running the test guest through start and stop.
. "$(dirname "$0")/lib.sh"

if ! command -v dpkg-buildpackage >/dev/null; then
	echo "1..0 # SKIP no dpkg-buildpackage (tests/deps.sh installs it)"
	exit 0
fi
need_guest
monitor_conf 33400 20

VERSION=$(sed -n 's/^VERSION *= *//p' "$TOP/Makefile")

# built DESCRIPTION LOG COMMAND...: one TAP line for a package build, the
# end of its log when it fails.
built() {
	local desc=$1 log=$2
	shift 2
	if "$@" > "$log" 2>&1; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "$(tail -25 "$log")"
	fi
}

# lacks TEXT PART: TEXT does not hold PART.
lacks() {
	! contains "$1" "$2"
}

# compiled_with LOG: every compile and link of the programs and of the
# unit tests in a build log has dpkg-buildflags' hardening flags and the
# project's own.
compiled_with() {
	local lines line flag
	lines=$(grep -E -- ' -o build/(obj/|bin/|unit )' "$1")
	[ -n "$lines" ] || return 1
	while IFS= read -r line; do
		for flag in -D_FORTIFY_SOURCE= -fstack-protector-strong \
		    -Wformat -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE \
		    -DQI_CONFDIR= -DQI_RUNDIR= -DQI_VERSION= -Isrc/lib; do
			contains "$line" " $flag" || { diag "no $flag in: $line"; return 1; }
		done
		case $line in
		*" -c "*) ;;
		*) contains "$line" " -Wl,-z,relro -Wl,-z,now" ||
		    { diag "no -z relro/now in: $line"; return 1; } ;;
		esac
	done <<< "$lines"
}

# overrides_explained DEBIAN: each tag in DEBIAN's lintian-overrides files
# follows a comment, its reason.
overrides_explained() {
	local f line prev
	for f in "$1"/*lintian-overrides "$1"/source/lintian-overrides; do
		[ -f "$f" ] || continue
		prev=
		while IFS= read -r line; do
			case $line in
			'' | '#'*) ;;
			*) case $prev in
				'#'*) ;;
				*) diag "$f: no reason for: $line"; return 1 ;;
			   esac ;;
			esac
			prev=$line
		done < "$f"
	done
}

# same_text DESCRIPTION WANT GOT: two texts are the same (a diff if not).
same_text() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "$(diff <(printf '%s\n' "$2") <(printf '%s\n' "$3"))"
	fi
}

# --- the build --------------------------------------------------------------
built "make deb builds the package from a clean clone of HEAD" "$T/deb.log" \
    make -C "$TOP" --no-print-directory deb DEBDIR="$T/deb"
DEB=$T/deb/qemu-init_${VERSION}_$(dpkg --print-architecture).deb
if [ -f "$DEB" ]; then
	ok "...as qemu-init_${VERSION}_<arch>.deb (the Makefile's VERSION)"
else
	not_ok "...as qemu-init_${VERSION}_<arch>.deb (the Makefile's VERSION)"
	diag "$(ls "$T/deb" 2>&1)"
	echo "Bail out! no package to test"
	exit 1
fi
check "...whose version is the Makefile's" \
    test "$(dpkg-deb -f "$DEB" Version 2>&1)" = "$VERSION"
check "...after dh_auto_test ran the unit tests, all passed" \
    grep -q '^[0-9]* passed, 0 failed$' "$T/deb.log"
check "...each compile and link with the hardening flags and the project's" \
    compiled_with "$T/deb.log"

# A build of the source package too (for lintian's checks of debian/),
# with DEB_BUILD_OPTIONS=nocheck, by nobody when the test runs as root: a
# build needs neither root nor QEMU.
NB=$T/nocheck
mkdir -p "$NB"
git clone -q "$TOP" "$NB/src" 2>/dev/null
builder=()
if [ "$(id -u)" -eq 0 ]; then
	chown -R nobody: "$NB"
	builder=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
built "dpkg-buildpackage (source and binary) as $([ ${#builder[@]} -gt 0 ] && echo nobody || id -un), nocheck" \
    "$NB/build.log" "${builder[@]}" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    HOME="$NB" DEB_BUILD_OPTIONS=nocheck \
    sh -c 'cd "$1" && exec dpkg-buildpackage -us -uc' sh "$NB/src"
check "...makes the source package and the binary one" \
    test -f "$NB/qemu-init_$VERSION.dsc" -a -f "$NB/${DEB##*/}"
check "...and skips the unit tests: none built, none run" \
    test ! -e "$NB/src/build/unit" -a -z "$(grep ' passed, ' "$NB/build.log")"

# --- lintian ----------------------------------------------------------------
run lintian --fail-on error,warning --show-overrides "$T/deb/"*.changes \
    "$NB/"*.changes
if [ "$rc" -eq 0 ] && ! grep -q '^[EW]: ' <<< "$out"; then
	ok "lintian on both builds: no error and no warning"
else
	not_ok "lintian on both builds: no error and no warning"
	show_run
fi
check "...and each lintian override has its reason beside it" \
    overrides_explained "$NB/src/debian"

# --- what the package holds ---------------------------------------------------
# The tree: each entry's mode, owner, path and link target.
tree=$(dpkg-deb -c "$DEB" | awk '{
	printf "%s %s", $1, $2
	for (i = 6; i <= NF; i++) printf " %s", $i
	print ""
}' | sort)
d='drwxr-xr-x root/root' f='-rw-r--r-- root/root' x='-rwxr-xr-x root/root'
l='lrwxrwxrwx root/root'
want=$(
	printf '%s\n' "$d ./" "$d ./etc/" "$d ./etc/qemu/" \
	    "$f ./etc/qemu/example-qemu.cfg" "$f ./etc/qemu/monitor.conf" \
	    "$f ./etc/qemu/qemu-init.reg" \
	    "$l ./etc/qemu/qemu-brup -> /usr/bin/qemu-netif" \
	    "$l ./etc/qemu/qemu-brdown -> /usr/bin/qemu-netif" \
	    "$d ./lib/" "$d ./lib/systemd/" "$d ./lib/systemd/system/" \
	    "$f ./lib/systemd/system/qemu-init.service" \
	    "$f ./lib/systemd/system/qemu-init@.service" \
	    "$d ./usr/" "$d ./usr/bin/" "$x ./usr/bin/qemu-cmd" \
	    "$x ./usr/bin/qemu-init" "$x ./usr/bin/qemu-mon" \
	    "$x ./usr/bin/qemu-netif" "$d ./usr/share/" \
	    "$d ./usr/share/bash-completion/" \
	    "$d ./usr/share/bash-completion/completions/" \
	    "$f ./usr/share/bash-completion/completions/qemu-init" \
	    "$l ./usr/share/bash-completion/completions/qemu-cmd -> qemu-init" \
	    "$l ./usr/share/bash-completion/completions/qemu-mon -> qemu-init" \
	    "$d ./usr/share/doc/" "$d ./usr/share/doc/qemu-init/" \
	    "$f ./usr/share/doc/qemu-init/changelog.gz" \
	    "$f ./usr/share/doc/qemu-init/copyright" "$d ./usr/share/man/"
	for page in "$NB"/src/man/*.[1-9]; do
		s=${page##*.}
		echo "$d ./usr/share/man/man$s/"
		echo "$f ./usr/share/man/man$s/${page##*/}.gz"
	done
)
want=$(printf '%s\n' "$want" | sort -u)
same_text "dpkg-deb -c lists the expected tree" "$want" "$tree"
check "...with the 7 manual pages" \
    test "$(printf '%s\n' "$tree" | grep -c '/man/man[158]/.*\.gz$')" -eq 7
same_text "the three files in /etc/qemu are conffiles" \
    "$(printf '%s\n' /etc/qemu/example-qemu.cfg /etc/qemu/monitor.conf \
    /etc/qemu/qemu-init.reg)" "$(dpkg-deb -I "$DEB" conffiles 2>&1)"
depends=$(dpkg-deb -f "$DEB" Depends)
check "it depends on iproute2" contains "$depends" "iproute2"
check "...and on qemu-system-x86 or another qemu-system-*" \
    contains "$depends" "qemu-system-x86 | qemu-system-"
scripts=$(for s in preinst postinst prerm postrm; do
	dpkg-deb -I "$DEB" "$s" 2>/dev/null
done)
check "no maintainer script starts or restarts a unit" \
    test -z "$(printf '%s\n' "$scripts" | grep deb-systemd-invoke | grep -v ' stop ')"
check "...nor runs systemctl but for daemon-reload" \
    test -z "$(printf '%s\n' "$scripts" | grep systemctl | grep -v daemon-reload)"
for s in postinst postrm; do
	check "the $s reloads the units" \
	    contains "$(dpkg-deb -I "$DEB" "$s")" "systemctl --system daemon-reload"
done
prerm=$(dpkg-deb -I "$DEB" prerm)
check "the prerm stops the VMs on removal only, with their button (stop -f)" \
    contains "$prerm" "remove)" && check "...through their units" \
    contains "$prerm" "deb-systemd-invoke stop qemu-init.service" &&
    check "...and any outside a unit" contains "$prerm" "qemu-init stop --all --force"

# --- the programs, extracted ------------------------------------------------
R=$T/root
check "dpkg -x extracts the package" dpkg -x "$DEB" "$R"
for p in qemu-init qemu-cmd qemu-mon qemu-netif; do
	run "$R/usr/bin/$p" -V
	expect_out "the packaged $p -V says $VERSION" 0 "$p $VERSION"
done
check "the packaged units run /usr/bin/qemu-init" \
    grep -qx 'ExecStart=/usr/bin/qemu-init start --unit %I' \
    "$R/lib/systemd/system/qemu-init@.service"
check_shipped_config "$R" packaged

# The test guest, driven by the packaged programs alone.
PATH=$R/usr/bin:$PATH
guest_vm demo obey
run qemu-init start demo
expect_out "the packaged qemu-init starts the test guest" 0 "demo: started"
pid=$(state_pid demo)
check "...whose QEMU runs" alive "$pid"
check "...and boots" wait_ready demo
run qemu-cmd -c "info status" demo
expect_out "the packaged qemu-cmd asks its status" 0 "running"
run qemu-init stop demo
expect_out "the packaged qemu-init stops it through ACPI" 0 "demo: stopped"
check "...and QEMU is gone" gone "$pid"

done_testing
