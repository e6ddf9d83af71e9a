#!/bin/bash
# deb.t - the Debian package (debian/, make deb): built by dpkg-buildpackage
# from a clean clone of HEAD, with its unit tests and without them
# (nocheck), as a user other than root; clean under lintian; the tree,
# conffiles and dependencies it ships; and its programs, extracted with
# dpkg -x (never installed: only .ci/run installs it), checking the
# shipped example and running the test guest through start and stop.
. "$(dirname "$0")/lib.sh"

test_require DPKG_BUILD,GUEST
monitor_conf

VERSION=$(sed -n 's/^VERSION *= *//p' "$TOP/Makefile")

# built LOG COMMAND...: a package build succeeds, else the end of its
# log.
built() {
	local log=$1
	shift
	"$@" > "$log" 2>&1 && return 0
	tail -25 "$log"
	return 1
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
			contains "$line" " $flag" || { echo "no $flag in: $line"; return 1; }
		done
		case $line in
		*" -c "*) ;;
		*) contains "$line" " -Wl,-z,relro -Wl,-z,now" ||
		    { echo "no -z relro/now in: $line"; return 1; } ;;
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
				*) echo "$f: no reason for: $line"; return 1 ;;
			   esac ;;
			esac
			prev=$line
		done < "$f"
	done
}

# --- the build --------------------------------------------------------------
PKG=$T/deb/qemu-init_${VERSION}_$(dpkg --print-architecture).deb
test_expect_success 'make deb builds the package from a clean clone of HEAD' '
	built "$T/deb.log" make -C "$TOP" --no-print-directory deb DEBDIR="$T/deb"
'
test_expect_success "...as qemu-init_${VERSION}_<arch>.deb (the Makefile's VERSION)" '
	test -f "$PKG" || { ls "$T/deb"; false; }
' || test_bail "no package to test"
test_expect_success "...whose version is the Makefile's" '
	test_eq "$VERSION" "$(dpkg-deb -f "$PKG" Version 2>&1)"
'
test_expect_success '...after dh_auto_test ran the unit tests, all passed' '
	test_grep "^[0-9]* passed, 0 failed$" "$T/deb.log"
'
test_expect_success "...each compile and link with the hardening flags and the project's" '
	compiled_with "$T/deb.log"
'

# A build of the source package too (for lintian's checks of debian/),
# with DEB_BUILD_OPTIONS=nocheck, by nobody when the test runs as root: a
# build needs neither root nor QEMU.
NB=$T/nocheck
builder=()
[ "$(id -u)" -eq 0 ] && builder=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
test_expect_success "dpkg-buildpackage (source and binary) as $([ ${#builder[@]} -gt 0 ] && echo nobody || id -un), nocheck" <<'T'
	mkdir -p "$NB" &&
	git clone -q "$TOP" "$NB/src" &&
	{ [ ${#builder[@]} -eq 0 ] || chown -R nobody: "$NB"; } &&
	built "$NB/build.log" "${builder[@]}" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	    HOME="$NB" DEB_BUILD_OPTIONS=nocheck \
	    sh -c 'cd "$1" && exec dpkg-buildpackage -us -uc' sh "$NB/src"
T
test_expect_success '...makes the source package and the binary one' '
	test -f "$NB/qemu-init_$VERSION.dsc" -a -f "$NB/${PKG##*/}"
'
test_expect_success '...and skips the unit tests: none built, none run' '
	test ! -e "$NB/src/build/unit" && test_grep ! " passed, " "$NB/build.log"
'

# --- lintian ----------------------------------------------------------------
test_expect_success 'lintian on both builds: no error and no warning' <<'T'
	run lintian --fail-on error,warning --show-overrides "$T/deb/"*.changes \
	    "$NB/"*.changes &&
	test_rc 0 && ! grep '^[EW]: ' <<< "$out"
T
test_expect_success '...and each lintian override has its reason beside it' '
	overrides_explained "$NB/src/debian"
'

# --- what the package holds ---------------------------------------------------
# The tree: each entry's mode, owner, path and link target.
tree=$(dpkg-deb -c "$PKG" | awk '{
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
	    "$x ./usr/bin/qemu-netif" "$d ./usr/libexec/" \
	    "$d ./usr/libexec/qemu-init/" "$x ./usr/libexec/qemu-init/sysuser" \
	    "$d ./usr/share/" \
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
test_expect_success 'dpkg-deb -c lists the expected tree' 'test_eq "$want" "$tree"'
test_expect_success '...with the 7 manual pages' '
	test "$(printf "%s\n" "$tree" | grep -c "/man/man[158]/.*\.gz$")" -eq 7
'
test_expect_success 'the three files in /etc/qemu are conffiles' '
	test_eq "$(printf "%s\n" /etc/qemu/example-qemu.cfg /etc/qemu/monitor.conf \
	    /etc/qemu/qemu-init.reg)" "$(dpkg-deb -I "$PKG" conffiles 2>&1)"
'
depends=$(dpkg-deb -f "$PKG" Depends)
test_expect_success 'it depends on iproute2, and on qemu-system-x86 or another qemu-system-*' '
	test_has "$depends" "iproute2" && test_has "$depends" "qemu-system-x86 | qemu-system-"
'
# Their commands: the scripts without their comments.
scripts=$(for s in preinst postinst prerm postrm; do
	dpkg-deb -I "$PKG" "$s" 2>/dev/null
done | grep -v '^[[:space:]]*#')
test_expect_success 'no maintainer script starts or restarts a unit' '
	test_eq "" "$(printf "%s\n" "$scripts" | grep deb-systemd-invoke | grep -v " stop ")"
'
test_expect_success '...nor runs systemctl but for daemon-reload' '
	test_eq "" "$(printf "%s\n" "$scripts" | grep systemctl | grep -v daemon-reload)"
'
for s in postinst postrm; do
	test_expect_success "the $s reloads the units" '
		test_has "$(dpkg-deb -I "$PKG" "$s")" "systemctl --system daemon-reload"
	'
done
prerm=$(dpkg-deb -I "$PKG" prerm)
test_expect_success 'the prerm stops the VMs on removal only, with their button (stop -f): through their units, and any outside a unit' '
	test_has "$prerm" "remove)" &&
	test_has "$prerm" "deb-systemd-invoke stop qemu-init.service" &&
	test_has "$prerm" "qemu-init stop --all --force"
'

# --- the programs, extracted ------------------------------------------------
R=$T/root
test_expect_success 'dpkg -x extracts the package' 'dpkg -x "$PKG" "$R"'
for p in qemu-init qemu-cmd qemu-mon qemu-netif; do
	test_expect_success "the packaged $p -V says $VERSION" '
		run "$R/usr/bin/$p" -V && test_rc 0 && test_out "$p $VERSION"
	'
done
test_expect_success 'the packaged units run /usr/bin/qemu-init' '
	test_grep "^ExecStart=/usr/bin/qemu-init start --unit %I$" \
	    "$R/lib/systemd/system/qemu-init@.service"
'
check_shipped_config "$R" packaged

# The test guest, driven by the packaged programs alone.
PATH=$R/usr/bin:$PATH
guest_vm demo obey
test_expect_success 'the packaged qemu-init starts the test guest, whose QEMU runs' '
	run qemu-init start demo && test_rc 0 && test_out_has "demo: started" &&
	pid=$(state_pid demo) && alive "$pid"
'
test_expect_success '...and boots' 'wait_ready demo'
test_expect_success 'the packaged qemu-cmd asks its status' '
	run qemu-cmd -c "info status" demo && test_rc 0 && test_out "VM status: running"
'
test_expect_success 'the packaged qemu-init stops it through ACPI, and QEMU is gone' '
	run_guest demo qemu-init stop -t 3600 demo &&
	test_rc 0 && test_out "demo: stopped" && gone "$pid"
'

test_done
