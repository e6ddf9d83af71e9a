#!/bin/bash
# bad.t - the corpus of malformed configs and registries in tests/bad/:
# for each, 'check' and 'start' print the exact first error line of
# tests/bad/EXPECT, with FILE:LINE, and exit non-zero; and a start that
# fails leaves nothing behind: no QEMU, no state or pid file, no slot.
# The bombs (cases named *-bomb: a value, a file, a key, keys by the
# ten thousand) are refused within a bound of memory, which a loaded
# machine does not change (their speed is make bench's, not a test's).
. "$(dirname "$0")/lib.sh"
test_require PYTHON3
monitor_conf
BAD=$T/bad
RSS_BOUND=131072	# KiB: 128 MiB (the value bomb once took 4.2 GB)

test_expect_success 'setup: the corpus, and the cases too large to keep in git' <<'T'
	mkdir -p "$QEMU_INIT_RUNDIR" &&
	cp -R "$TOP/tests/bad" "$BAD" &&
	{ yes 'A=1' | head -n 262144; printf x; } > "$BAD/c52-size-bomb-qemu.cfg" &&
	{
		printf 'A=%s\n' "$(head -c 61440 /dev/zero | tr '\0' x)"
		for i in $(seq 200); do echo "B$i=\$A"; done
	} > "$BAD/c53-total-bomb-qemu.cfg" &&
	{ printf DSK; head -c 20000 /dev/zero | tr '\0' 1; echo =x; } \
	    > "$BAD/c61-key-bomb-qemu.cfg" &&
	seq -f 'DKS%029.0f=1' 29000 > "$BAD/c63-keys-bomb-qemu.cfg"
T

nothing_left() {
	test -z "$(our_qemus)" &&
	    test -z "$(find "$QEMU_INIT_RUNDIR" \( -name '*@state' -o \
	        -name '*@pid' \) -print)"
}

# first_line WANT: the first line of the last run's stderr is WANT.
first_line() {
	test_eq "$1" "${err%%$'\n'*}"
}

# bounded: the last run_peak stayed within RSS_BOUND (a bomb's).
bounded() {
	[ "$rss" -lt "$RSS_BOUND" ] && return 0
	echo "peak RSS $rss KiB, bound $RSS_BOUND KiB"
	return 1
}

n=0
while IFS=$'\t' read -r name want; do
	case $name in '#'*|'') continue ;; esac
	n=$((n + 1))
	if [ -e "$BAD/$name-qemu.cfg" ]; then
		dir=$T/vms/$name
		file=$dir/$name-qemu.cfg
		mkdir -p "$dir"
		cp "$BAD/$name-qemu.cfg" "$file"
		echo "$name $file" > "$QEMU_INIT_CONFDIR/qemu-init.reg"
		vm=$name
	else
		file=$QEMU_INIT_CONFDIR/qemu-init.reg
		dir=$QEMU_INIT_CONFDIR
		cp "$BAD/$name.reg" "$file"
		vm=web
	fi
	want=${want//FILE/$file}
	want="qemu-init: ${want//DIR/$dir}"
	case $name in
	*-bomb)
		runner=run_peak
		test_expect_success "$name: check of it, within $((RSS_BOUND / 1024)) MiB" '
			run_peak qemu-init check "$vm" && bounded
		' ;;
	*)
		runner=run
		run qemu-init check "$vm" ;;
	esac
	# A bad registry line is skipped: check of the whole registry says it.
	[ "$vm" = web ] && run qemu-init check
	test_expect_success "$name: check exits 1, its first line as EXPECT says" '
		test_rc 1 && first_line "$want"
	'
	case $want in
	"qemu-init: warning: "*)
		continue ;;	# a warning does not stop a start
	esac
	test_expect_success "$name: start exits 1, the same first line, nothing left (no QEMU, state, pid, slot)" '
		$runner qemu-init start "$vm" &&
		test_rc 1 && first_line "$want" && nothing_left &&
		{ [ $runner = run ] || bounded; }
	'
done < "$BAD/EXPECT"
test_expect_success "the corpus holds at least 40 cases ($n)" 'test "$n" -ge 40'
test_done
