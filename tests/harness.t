#!/bin/bash
# harness.t - the harness itself (tests/lib.sh), as git's t0000-basic.sh
# tests git's: a test block's result is its body's last status, its
# output shown only when it fails; prerequisites skip with their reason,
# and under CI fail; the helpers of the older tests still work; a wait
# for a guest fails on lack of progress, not on time; and the port map
# gives each test file a range of its own.
. "$(dirname "$0")/lib.sh"

# sub NAME [ENV...]: runs the test script $T/sub/tests/NAME.t (written to
# stdin) with the harness, its TAP in $T/NAME.tap and its status in $rc.
mkdir -p "$T/sub/tests"
cp "$TOP/tests/lib.sh" "$TOP/tests/ports.sh" "$T/sub/tests/"
sub() {
	local name=$1
	shift
	{
		echo '. "$(dirname "$0")/lib.sh"'
		cat
	} > "$T/sub/tests/$name.t"
	env -u CI "$@" bash "$T/sub/tests/$name.t" > "$T/$name.tap" 2>"$T/$name.err"
	rc=$?
}
# tap_of NAME: the TAP lines of a sub-run, comments aside.
tap_of() {
	grep -v '^#' "$T/$1.tap"
}

sub results <<'EOF'
test_expect_success 'passes' 'true'
test_expect_success 'fails at its last command' 'true && false'
test_expect_success 'a failure before the last && fails it' 'false && true'
test_expect_success 'but the last command decides without &&' 'false; true'
test_expect_success 'a here-document body' <<'B'
	x="it's set" &&
	echo "quiet unless it fails"
B
test_expect_success 'what a body sets stays set' 'test "$x" = "it'"'"'s set"'
test_done
EOF
test_expect_success 'a test block passes or fails with its body'"'"'s last command' <<'T'
	test_rc 1 &&
	test_eq "ok 1 - passes
not ok 2 - fails at its last command
not ok 3 - a failure before the last && fails it
ok 4 - but the last command decides without &&
ok 5 - a here-document body
ok 6 - what a body sets stays set
1..6" "$(tap_of results)"
T
test_expect_success '...a passing body says nothing, a failing one is shown' <<'T'
	test_grep ! "quiet unless it fails" "$T/results.tap" &&
	test_grep "^# --- the test, exit 1:" "$T/results.tap" &&
	test_grep "^# true && false" "$T/results.tap"
T

sub asserts <<'EOF'
test_expect_success 'run keeps the status, stdout and stderr' '
	run sh -c "echo out; echo err >&2; exit 3" &&
	test_rc 3 && test_out out && test_err err
'
test_expect_success 'test_out compares the whole output' '
	run printf "a\nb\n" && test_out "a"
'
test_expect_success 'test_cmp shows the difference' '
	printf "one\ntwo\n" > "$T/want" && printf "one\nthree\n" > "$T/got" &&
	test_cmp "$T/want" "$T/got"
'
test_expect_success 'test_out_has finds a part' '
	run echo "web: started, pid 42" && test_out_has "started, pid"
'
test_done
EOF
test_expect_success 'run, test_rc, test_out and test_cmp' <<'T'
	test_eq "ok 1 - run keeps the status, stdout and stderr
not ok 2 - test_out compares the whole output
not ok 3 - test_cmp shows the difference
ok 4 - test_out_has finds a part
1..4" "$(tap_of asserts)"
T
test_expect_success '...each failure shows the difference' <<'T'
	test_grep "^# +b$" "$T/asserts.tap" &&
	test_grep "^# -two$" "$T/asserts.tap" &&
	test_grep "^# +three$" "$T/asserts.tap"
T

cat > "$T/prereqs" <<'EOF'
prereq THERE "never missing" true
prereq NOWHERE "a thing no host has: apt-get install nothing" false
prereq --host HOSTLY "a fact of some hosts" false
test_expect_success THERE 'a test whose prerequisite holds runs' true
test_expect_success NOWHERE 'a missing prerequisite skips' false
test_expect_success !NOWHERE 'a negated one runs' true
test_expect_success HOSTLY,THERE 'a missing fact of the host skips' false
test_done
EOF
sub prereqs < "$T/prereqs"
test_expect_success 'a missing prerequisite skips its test, saying why' <<'T'
	test_rc 0 &&
	test_eq "ok 1 - a test whose prerequisite holds runs
ok 2 - a missing prerequisite skips # skip missing NOWHERE: a thing no host has: apt-get install nothing
ok 3 - a negated one runs
ok 4 - a missing fact of the host skips # skip missing HOSTLY: a fact of some hosts
1..4" "$(tap_of prereqs)"
T
sub prereqs CI=true < "$T/prereqs"
test_expect_success '...under CI that skip fails, but for a fact of the host' <<'T'
	test_rc 1 &&
	test_eq "ok 1 - a test whose prerequisite holds runs
not ok 2 - a missing prerequisite skips
ok 3 - a negated one runs
ok 4 - a missing fact of the host skips # skip missing HOSTLY: a fact of some hosts
1..4" "$(tap_of prereqs)" &&
	test_grep "^# CI must run this test, but it misses NOWHERE: a thing" \
	    "$T/prereqs.tap"
T

printf '%s\n' 'prereq NOWHERE "a thing no host has" false' \
    'test_require NOWHERE' 'test_expect_success "never run" false' \
    'test_done' > "$T/require"
sub require < "$T/require"
test_expect_success 'test_require skips a whole file, saying why' <<'T'
	test_rc 0 && test_eq "1..0 # SKIP missing NOWHERE: a thing no host has" \
	    "$(cat "$T/require.tap")"
T
sub require CI=1 < "$T/require"
test_expect_success '...and under CI fails it' <<'T'
	test_rc 1 && test_eq "not ok 1 - CI must run require.t, but it misses NOWHERE: a thing no host has
1..1" "$(cat "$T/require.tap")"
T

sub bail <<'EOF'
test_expect_success 'setup: that fails' false || test_bail "no setup"
test_expect_success 'never run' true
test_done
EOF
test_expect_success 'a setup that fails ends the file, without Bail out!' <<'T'
	test_rc 1 && test_eq "not ok 1 - setup: that fails
not ok 2 - the rest of bail.t cannot run: no setup
1..2" "$(tap_of bail)"
T

sub old <<'EOF'
check "check passes" true
check "check fails" false || diag "diagnosed"
run sh -c 'echo "it is here" >&2; exit 1'
expect "expect: status and a part of stderr" 1 "is here"
expect_line "expect_line: all of stderr" 1 "it is"
run echo out
expect_out "expect_out: a part of stdout" 0 ou
ok "ok"
not_ok "not_ok"
done_testing
EOF
test_expect_success 'the helpers of the older tests still work' <<'T'
	test_rc 1 && test_eq "ok 1 - check passes
not ok 2 - check fails
# diagnosed
ok 3 - expect: status and a part of stderr
not ok 4 - expect_line: all of stderr
# rc=1
# stdout: 
# stderr: it is here
# wanted on stderr: it is
ok 5 - expect_out: a part of stdout
ok 6 - ok
not ok 7 - not_ok
1..7" "$(cat "$T/old.tap")"
T

# A fake guest for the waits: a state naming a process of ours as its
# QEMU, and a console log the test writes.
mkdir -p "$QEMU_INIT_RUNDIR"
sleep 7200 &
fake=$!
bg_started $fake
echo "PID=$fake" > "$QEMU_INIT_RUNDIR/fake@state"
: > "$(console_log fake)"
# grows N: appends a line to the log at each call, succeeds at the Nth.
grows_n=0
grows() {
	grows_n=$((grows_n + 1))
	echo "line $grows_n" >> "$(console_log fake)"
	[ "$grows_n" -ge "$1" ]
}
test_expect_success 'guest_wait waits as long as the console log grows' '
	guest_wait -s 30 fake "line 10" grows 10
'
test_expect_success '...and fails once it does not grow while its QEMU runs, saying so' <<'T'
	! STALL_CPU=0 guest_wait -s 1 fake "nothing" false > "$T/stalled" &&
	test_grep "fake: waited [0-9]* s for nothing in vain: no progress: its console log has not grown for [0-9]* s, while its QEMU used 0 s of CPU" "$T/stalled" &&
	test_grep "^#   line 10" "$T/stalled"
T
test_expect_success "...but a silent QEMU that gets no CPU (a loaded machine's) is waited for until the deadline" <<'T'
	! DEADLINE=3 guest_wait -s 1 fake "nothing" false > "$T/starved" &&
	test_grep "fake: waited [0-9]* s for nothing in vain: still not there after 3 s" "$T/starved"
T
kill "$fake"
test_expect_success '...or once its QEMU has exited' <<'T'
	wait_until 60 gone "$fake" &&
	! guest_wait -s 1 fake "more" false > "$T/exited" &&
	test_grep "for more in vain: its QEMU (pid $fake) has exited" "$T/exited"
T

# The port map: a range of 200 each, none in another's, nor in the
# defaults' (30320-30519), nor in 35000-37999 but for the files kept
# there; and no test file gives monitor_conf a port of another's range.
names=$(sed -n '/^port_base() {/,/^}/p' "$TOP/tests/ports.sh" |
    sed -n 's/^[[:space:]]*\([a-z][a-z0-9-]*\))[[:space:]]*echo \([0-9]*\).*/\1 \2/p')
test_expect_success 'the port map gives each test a range of 200 of its own' <<'T'
	bases=$(printf '%s\n' "$names" | sort -k2n) &&
	test -n "$bases" &&
	test "$(printf '%s\n' "$bases" | awk '{ print $2 }' | uniq -d)" = "" &&
	prev=0 &&
	while read -r n b; do
		test $((b - prev)) -ge 200 || { echo "$prev and $b"; return 1; }
		test "$b" -ge 30520 -o $((b + 200)) -le 30320 ||
		    { echo "$n $b: the defaults' range"; return 1; }
		case $n in
		create | snapshot | backup | systemd | migrate) ;;
		*)	test "$b" -ge 38000 -o $((b + 200)) -le 35000 ||
			    { echo "$n $b: 35000-37999 are other files'"; return 1; } ;;
		esac
		prev=$b
	done <<< "$bases"
T
test_expect_success '...and every test file that names a base keeps to its own' <<'T'
	# (install.t's MONPORT=40000 is an admin's edit in a DESTDIR: no VM.)
	for f in "$TOP"/tests/*.t "$TOP"/tests/demo.sh; do
		n=$(basename "$f"); n=${n%.*}
		[ "$n" = install ] && continue
		own=$(port_base "$n") || own=
		for b in $(sed -n -e 's/^[^#]*monitor_conf \([0-9][0-9]*\).*/\1/p' \
		    -e 's/^[^#]*MONPORT=\([0-9][0-9]*\).*/\1/p' "$f"); do
			test -n "$own" && test "$b" -ge "$own" -a "$b" -lt $((own + 200)) ||
			    { echo "$n: MONPORT $b is not in its range (${own:-none})"; return 1; }
		done
	done
T
test_expect_success '...and every test file that starts VMs has a range' <<'T'
	for f in "$TOP"/tests/*.t; do
		n=$(basename "$f" .t)
		grep -q '^[^#]*\(monitor_conf\|guest_vm\|deb_vm\|named_vm\)' "$f" || continue
		port_base "$n" >/dev/null || { echo "$n.t has no range in tests/ports.sh"; return 1; }
	done
T

test_done
