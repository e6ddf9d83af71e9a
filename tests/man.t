#!/bin/bash
# man.t - the manual pages: clean under mandoc -Tlint, the keys that
# qemu-init.cfg(5) and monitor.conf(5) document are the keys the parsers
# know, and every program has a page that shows -h and -V.
. "$(dirname "$0")/lib.sh"

test_require MANDOC
MAN=$TOP/man

# The string literals of a NULL-terminated array `NAME[] = { ... };` in a
# C file, one a line.
c_array_strings() {
	sed -n "/[^a-z_]$2\[\] = {/,/};/p" "$1" | grep -o '"[^"]*"' |
	    tr -d '"'
}

# doc_keys FILE FIRST: the keys a page lists as `.It Ic KEY` (`.It Ic DSK Ns Ar x` for the
# numbered key DSKx), from line FIRST (a regular expression) on, up to
# the next .Ss or .Sh.  Any other `.It Ic` line comes out as it is, and
# so fails the comparison.
doc_keys() {
	sed -n "/$2/,\$p" "$1" | sed -n '2,${/^\.S[sh] /q;p;}' |
	    sed -n -e 's/^\.It Ic \([A-Za-z0-9_]*\) Ns Ar x$/\1x/p' \
	    -e 't' -e 's/^\.It Ic \([A-Za-z0-9_]*\)$/\1/p' -e 't' \
	    -e '/^\.It Ic /p'
}

# same_keys WHAT DOC PARSER: the keys a page documents (DOC) are those
# the parser knows (PARSER), each once.
same_keys() {
	keys_doc=$2 keys_parser=$3
	test_expect_success "$1: keys found in the page and in the parser" '
		test -n "$keys_doc" && test -n "$keys_parser"
	'
	test_expect_success "$1: every documented key is one the parser knows, and every key it knows is documented" '
		test_eq "$(printf "%s\n" "$keys_parser" | sort -u)" \
		    "$(printf "%s\n" "$keys_doc" | sort -u)"
	'
	test_expect_success "$1: no key is documented twice" '
		test_eq "" "$(printf "%s\n" "$keys_doc" | sort | uniq -d)"
	'
}

# 1. Every page is clean under mandoc -Tlint -W warning and is named as
# its file is.
npages=0
for page in "$MAN"/*.[1-9]; do
	[ -e "$page" ] || continue
	npages=$((npages + 1))
	file=${page##*/}
	title=${file%.*}
	test_expect_success "$file: mandoc -Tlint -W warning is clean" '
		run mandoc -Tlint -W warning "$page" && test_rc 0 && test_eq "" "$out$err"
	'
	test_expect_success "$file: .Dt is ${title^^} ${file##*.}" '
		test_grep "^\.Dt ${title^^} ${file##*.}\$" "$page"
	'
done
test_expect_success "man/ holds the pages ($npages)" '[ "$npages" -ge 7 ]'

# 2. qemu-init.cfg(5) documents exactly the keys of vmconf_keys[];
# monitor.conf(5) those of monconf_keys[].
same_keys "qemu-init.cfg(5)" \
    "$(doc_keys "$MAN/qemu-init.cfg.5" '^\.Ss Keys$')" \
    "$(c_array_strings "$TOP/src/lib/vmconf.c" vmconf_keys)"
same_keys "monitor.conf(5)" \
    "$(doc_keys "$MAN/monitor.conf.5" '^\.Sh DESCRIPTION$')" \
    "$(c_array_strings "$TOP/src/lib/monconf.c" monconf_keys)"

# 3. Every program (src/<program>.c) has a page, in section 1 or 8,
# that shows its -h and -V options.
nprogs=0
for src in "$TOP"/src/*.c; do
	[ -e "$src" ] || continue
	nprogs=$((nprogs + 1))
	prog=${src##*/}
	prog=${prog%.c}
	page=
	for s in 1 8; do
		[ -f "$MAN/$prog.$s" ] && page=$MAN/$prog.$s
	done
	test_expect_success "$prog has a manual page (man/$prog.1 or man/$prog.8), which shows -h and -V" '
		test -n "$page" &&
		grep -Eq "(^|[[:space:]])Fl h([[:space:]]|\$)" "$page" &&
		grep -Eq "(^|[[:space:]])Fl V([[:space:]]|\$)" "$page"
	'
done
test_expect_success "src/ holds the programs ($nprogs)" '[ "$nprogs" -ge 4 ]'

test_done
