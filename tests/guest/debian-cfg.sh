#!/bin/sh
# tests/guest/debian-cfg.sh GUESTDIR DESC [KERNEL-ARGS] - prints the lines
# of a <name>-qemu.cfg that boots the Debian guest built into GUESTDIR by
# debian.sh (TCG, no VNC) from DSK1=disk.qcow2 in the config's folder,
# on virtio: one description of it for distro.t and the bench.
set -eu
guest=${1:?usage: debian-cfg.sh GUESTDIR DESC [KERNEL-ARGS]}
cat <<CFG
# the Debian test guest of tests/guest/debian.sh
OS=linux
DESC="$2"
KVM=no
RAM=512M
KERNEL=$guest/vmlinuz
INITRD=$guest/initrd.img
APPEND="console=ttyS0 root=/dev/vda rw ${3:-}"
DSK1=disk.qcow2
DISKIF=virtio
VNC=no
CFG
