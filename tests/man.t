#!/bin/bash
# man.t - the manual pages: clean under mandoc -Tlint, the keys that
# qemu-init.cfg(5) and monitor.conf(5) document are the keys the parsers
# know, and every program has a page that shows -h and -V.
. "$(dirname "$0")/lib.sh"

MAN=$TOP/man
command -v mandoc >/dev/null ||
    { echo "Bail out! mandoc missing: run make deps"; exit 1; }

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

# same_keys WHAT DOC PARSER: one TAP line for each direction.
same_keys() {
	local what=$1 doc=$2 parser=$3 missing extra dups
	if [ -z "$doc" ] || [ -z "$parser" ]; then
		not_ok "$what: keys found in the page and in the parser"
		diag "page: $doc" "parser: $parser"
		return
	fi
	dups=$(printf '%s\n' "$doc" | sort | uniq -d)
	extra=$(comm -23 <(printf '%s\n' "$doc" | sort -u) \
	    <(printf '%s\n' "$parser" | sort -u))
	missing=$(comm -13 <(printf '%s\n' "$doc" | sort -u) \
	    <(printf '%s\n' "$parser" | sort -u))
	empty "$what: every documented key is one the parser knows" \
	    "not in the parser:" "$extra"
	empty "$what: every key the parser knows is documented" \
	    "not documented:" "$missing"
	empty "$what: no key is documented twice" "documented twice:" "$dups"
}

# empty DESCRIPTION LABEL LINES: ok when LINES is empty, else not ok,
# and LABEL and LINES shown.
empty() {
	if [ -z "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "$2" "$3"
	fi
}

# 1. Every page is clean under mandoc -Tlint -W warning and is named as
# its file is.
npages=0
for page in "$MAN"/*.[1-9]; do
	[ -e "$page" ] || continue
	npages=$((npages + 1))
	file=${page##*/}
	run mandoc -Tlint -W warning "$page"
	if [ "$rc" -eq 0 ] && [ -z "$out$err" ]; then
		ok "$file: mandoc -Tlint -W warning is clean"
	else
		not_ok "$file: mandoc -Tlint -W warning is clean"
		show_run
	fi
	title=${file%.*}
	check "$file: .Dt is ${title^^} ${file##*.}" \
	    grep -qx "\.Dt ${title^^} ${file##*.}" "$page"
done
check "man/ holds the pages" [ "$npages" -ge 7 ]

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
	if [ -z "$page" ]; then
		not_ok "$prog has a manual page (man/$prog.1 or man/$prog.8)"
		continue
	fi
	ok "$prog has a manual page (${page##*/})"
	for opt in h V; do
		check "${page##*/} shows -$opt" \
		    grep -Eq "(^|[[:space:]])Fl $opt([[:space:]]|$)" "$page"
	done
done
check "src/ holds the programs" [ "$nprogs" -ge 4 ]

done_testing
