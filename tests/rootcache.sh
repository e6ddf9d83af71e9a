# tests/rootcache.sh - sourced by the scripts that build a Debian root
# with debootstrap (tests/freshroot.sh, tests/systemd/root.sh): each
# root is kept in
#   /var/tmp/qemu-init-roots/KEY/root
# where KEY is the hash of the script that builds it, so a changed
# recipe builds a new root.  /var/tmp/qemu-init-roots must be root's own
# folder, writable by no one else (nobody can plant a root there for
# root to chroot into or boot).
#
# rootcache_open SCRIPT NAME: prints the cached root of SCRIPT (a file
# of tests/ or below) and exits when it is there; else sets $work (a new
# folder of its own, removed on exit) for the root to be built in as
# $work/root, and $mirror, the Debian mirror apt already uses.
# rootcache_keep: keeps $work as the cached root and prints it.

rootcache_tests=$(cd "$(dirname "$0")" && pwd)
while [ ! -f "$rootcache_tests/rootcache.sh" ]; do
	rootcache_tests=${rootcache_tests%/*}
done

rootcache_open() {
	rc_self=$1
	rc_name=$2
	rc_key=$(sha256sum "$rc_self" | cut -d' ' -f1)
	rc_top=/var/tmp/qemu-init-roots
	[ "$(id -u)" -eq 0 ] || rootcache_fail "debootstrap needs root"
	mkdir -p -m 0700 "$rc_top"
	[ -d "$rc_top" ] && [ ! -L "$rc_top" ] &&
	    [ "$(stat -c %u:%a "$rc_top")" = 0:700 ] ||
	    rootcache_fail "$rc_top is not root's own 0700 folder: remove it"
	rc_dir=$rc_top/$rc_key
	if [ -f "$rc_dir/done" ]; then
		echo "$rc_dir/root"
		exit 0
	fi
	command -v debootstrap >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
	command -v debootstrap >/dev/null 2>&1 ||
	    rootcache_fail "debootstrap missing (tests/deps.sh installs it)"
	mirror=$("$rootcache_tests/guest/mirror.sh") ||
	    rootcache_fail "no mirror to debootstrap from"
	work=$(mktemp -d "$rc_top/build.XXXXXX")
	trap 'rm -rf "$work"' EXIT
}

rootcache_fail() {
	echo "$rc_name: $*" >&2
	exit 1
}

rootcache_keep() {
	rm -rf "$work/root/var/cache/apt/archives/"*.deb \
	    "$work/root/var/lib/apt/lists/"*
	: > "$work/done"
	# Another run may have finished the same root meanwhile: keep the
	# first.
	if mv -T "$work" "$rc_dir" 2>/dev/null; then
		trap - EXIT
	fi
	[ -f "$rc_dir/done" ] || rootcache_fail "$rc_dir is incomplete"
	echo "$rc_dir/root"
}
