#!/bin/sh
# tests/guest/cfg.sh GUESTDIR DESC [MODE [KERNEL-ARGS]] - prints the lines
# of a <name>-qemu.cfg that boots the test guest built into GUESTDIR (TCG,
# no VNC): one description of it for the tests, the demo and the bench.
# MODE is obey (powers off on the ACPI button, the default) or ignore.
set -eu
guest=${1:?usage: cfg.sh GUESTDIR DESC [MODE [KERNEL-ARGS]]}
cat <<CFG
# the test guest of tests/guest/
OS=linux
DESC="$2"
KVM=no
RAM=192M
KERNEL=$guest/vmlinuz
INITRD=$guest/initrd.gz
APPEND="console=ttyS0 quiet panic=-1 qinit.mode=${3:-obey} ${4:-}"
VNC=no
STOPDELAY=60
CFG
