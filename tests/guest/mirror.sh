#!/bin/sh
# tests/guest/mirror.sh - prints the Debian mirror apt already uses on this
# machine for bookworm: deb822 .sources files first, then one-line
# sources.list entries.  Never a host of our own choosing.  Exit 1 after
# a message when apt's sources name none.
set -eu
mirror=
for f in /etc/apt/sources.list.d/*.sources; do
	[ -r "$f" ] || continue
	mirror=$(awk '
	function flush() {
		if (uris != "" && types ~ /(^| )deb( |$)/ &&
		    suites ~ /(^| )bookworm( |$)/ && found == "") {
			split(uris, u, " "); found = u[1]
		}
		uris = ""; suites = ""; types = ""
	}
	/^[ \t]*$/ { flush(); next }
	/^[ \t]*#/ { next }
	tolower($1) == "uris:" { $1 = ""; uris = $0; sub(/^ +/, "", uris) }
	tolower($1) == "suites:" { $1 = ""; suites = $0 " " }
	tolower($1) == "types:" { $1 = ""; types = $0 " " }
	END { flush(); print found }' "$f")
	[ -n "$mirror" ] && break
done
if [ -z "$mirror" ]; then
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		mirror=$(awk '$1 == "deb" {
			i = 2
			if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
			if ($(i + 1) == "bookworm") { print $i; exit }
		}' "$f")
		[ -n "$mirror" ] && break
	done
fi
[ -n "$mirror" ] || { echo "no bookworm mirror in apt's sources" >&2; exit 1; }
echo "$mirror"
