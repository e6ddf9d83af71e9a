#!/bin/bash
# runnable.sh: the command line `qemu-init show` prints (stdin, one
# argument a line) as QEMU can run it by itself (stdout, the same form):
# the descriptors qemu-init opens for QEMU, shown as fd=<FILE>, become
# the files they stand for (path=FILE; the console log given by -add-fd
# and /dev/fdset/1 becomes logfile=FILE).  Used by config.t and the bench.
set -u
args=()
log=
while IFS= read -r a; do
	if [ "$a" = -add-fd ]; then
		IFS= read -r a
		log=${a#fd=<}
		log=${log%%>*}
		continue
	fi
	args+=("$a")
done
for a in "${args[@]}"; do
	a=${a//logfile=\/dev\/fdset\/1/logfile=$log}
	printf '%s\n' "$a" | sed 's/fd=<\([^>]*\)>/path=\1/g'
done
