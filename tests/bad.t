#!/bin/bash
# bad.t - the corpus of malformed configs and registries in tests/bad/:
# for each, 'check' and 'start' print the exact first error line of
# tests/bad/EXPECT, with FILE:LINE, and exit non-zero; and a start that
# fails leaves nothing behind: no QEMU, no state or pid file, no slot.
. "$(dirname "$0")/lib.sh"
monitor_conf 32000 20
BAD=$TOP/tests/bad
mkdir -p "$QEMU_INIT_RUNDIR"

nothing_left() {
	test -z "$(our_qemus)" &&
	    test -z "$(find "$QEMU_INIT_RUNDIR" \( -name '*@state' -o \
	        -name '*@pid' \) -print -quit)"
}

# first_line_is CASE WANT: the first line of stderr, placeholders filled.
first_line_is() {
	local got=${err%%$'\n'*}
	if [ "$got" = "$2" ]; then
		return 0
	fi
	diag "got:  $got" "want: $2"
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
	else
		file=$QEMU_INIT_CONFDIR/qemu-init.reg
		dir=$QEMU_INIT_CONFDIR
		cp "$BAD/$name.reg" "$file"
	fi
	want=${want//FILE/$file}
	want="qemu-init: ${want//DIR/$dir}"
	vm=$name
	[ -e "$BAD/$name.reg" ] && vm=web
	run qemu-init check "$vm"
	if [ -e "$BAD/$name.reg" ]; then
		run qemu-init check
	fi
	check "$name: check exits 1" test "$rc" -eq 1
	check "$name: check's first line" first_line_is "$name" "$want"
	case $want in
	"qemu-init: warning: "*)
		continue ;;	# a warning does not stop a start
	esac
	run qemu-init start "$vm"
	check "$name: start exits 1" test "$rc" -eq 1
	check "$name: start's first line" first_line_is "$name" "$want"
	check "$name: start left nothing (no QEMU, state, pid, slot)" \
	    nothing_left
done < "$BAD/EXPECT"
check "the corpus holds at least 40 cases ($n)" test "$n" -ge 40
done_testing
