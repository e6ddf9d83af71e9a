#!/bin/bash
# runnable.sh: the command line `qemu-init show` prints (stdin, one
# argument a line) as QEMU can run it by itself (stdout, the same form):
# the descriptors qemu-init opens for QEMU, shown as fd=<FILE>, become
# the files they stand for: a socket's fd=<FILE> becomes path=FILE, an
# fd set of -add-fd (its /dev/fdset/N) and /dev/fd/<FILE> the file
# itself.  Taps (fd=<tap ...>) cannot be named: a VM with NICs is not
# runnable this way.  Used by config.t and the bench.
set -u
args=()
declare -A set_file
while IFS= read -r a; do
	if [ "$a" = -add-fd ]; then
		IFS= read -r a
		f=${a#fd=<}
		f=${f%%>*}
		n=${a##*,set=}
		n=${n%%,*}
		[ -n "${set_file[$n]:-}" ] || set_file[$n]=$f
		continue
	fi
	args+=("$a")
done
for a in "${args[@]}"; do
	for n in "${!set_file[@]}"; do
		a=${a//\/dev\/fdset\/$n,/${set_file[$n]},}
		[ "$a" = "/dev/fdset/$n" ] && a=${set_file[$n]}
		case $a in *"/dev/fdset/$n") a=${a%/dev/fdset/$n}${set_file[$n]} ;; esac
	done
	a=${a//\/dev\/fd\/</<}
	case $a in "<"*">") a=${a#<}; a=${a%>} ;; esac
	printf '%s\n' "$a" | sed 's/fd=<\([^>]*\)>/path=\1/g'
done
