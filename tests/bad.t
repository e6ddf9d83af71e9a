#!/bin/bash
# bad.t - the corpus of malformed configs and registries in tests/bad/:
# for each, 'check' and 'start' print the exact first error line of
# tests/bad/EXPECT, with FILE:LINE, and exit non-zero; and a start that
# fails leaves nothing behind: no QEMU, no state or pid file, no slot.
. "$(dirname "$0")/lib.sh"
monitor_conf 32000 20
BAD=$T/bad
mkdir -p "$QEMU_INIT_RUNDIR"

# The corpus, and the cases too large to keep in git, made here.
cp -R "$TOP/tests/bad" "$BAD"
{ yes 'A=1' | head -n 262144; printf x; } > "$BAD/c52-size-bomb-qemu.cfg"
{
	printf 'A=%s\n' "$(head -c 61440 /dev/zero | tr '\0' x)"
	for i in $(seq 200); do echo "B$i=\$A"; done
} > "$BAD/c53-total-bomb-qemu.cfg"
{ printf DSK; head -c 20000 /dev/zero | tr '\0' 1; echo =x; } \
    > "$BAD/c61-key-bomb-qemu.cfg"
seq -f 'DKS%029.0f=1' 29000 > "$BAD/c63-keys-bomb-qemu.cfg"

nothing_left() {
	test -z "$(our_qemus)" &&
	    test -z "$(find "$QEMU_INIT_RUNDIR" \( -name '*@state' -o \
	        -name '*@pid' \) -print -quit)"
}

# faster_than SECS START: less than SECS seconds have passed since
# START, an $EPOCHREALTIME.
faster_than() {
	local now=$EPOCHREALTIME
	local us=$(( ${now/[.,]/} - ${2/[.,]/} ))
	[ "$us" -lt $(($1 * 1000000)) ] || { diag "took $us us"; return 1; }
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
	started=$EPOCHREALTIME
	run qemu-init check "$vm"
	case $name in *-bomb)
		check "$name: check fails in under a second" \
		    faster_than 1 "$started" ;;
	esac
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
