#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# With ima_policy=tcb: which of the initramfs's files IMA measured. The tcb policy leaves out
# everything on TMPFS_MAGIC and measures RAMFS_MAGIC. Stock rootfs is a ramfs when root= or
# rootfstype= is on the command line and rootfstype= does not name tmpfs, else a tmpfs; the user
# root is a ramfs or a tmpfs by the same rule. init.sh runs this first, before anything that
# differs between stock and user_root, so that the same files are measured on both.
#
# The list goes to the console as "# list ima-measured (N): /a /b ...", sorted; the host
# compares it with that of the cell's stock twin (the matrix's same_as).
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
list=/sys/kernel/security/ima/ascii_runtime_measurements
echo "TAP version 13"
echo "1..3"
if [ -r "$list" ]; then
	echo "ok 1 IMA is on and has a measurement list ($(wc -l < "$list") entries)"
else
	echo "not ok 1 IMA is on and has a measurement list"
fi

# The measured files that are the initramfs's: on the root file system now. A line is the PCR,
# the template hash, the template's name, the file's hash, then its name (and, with some
# templates, more fields).
rootdev=$(stat -c %d /)
names=$(
	[ -r "$list" ] && while read -r _pcr _thash _template _fhash name _rest; do
		case "$name" in /*) ;; *) continue ;; esac
		[ -e "$name" ] && [ "$(stat -c %d "$name")" = "$rootdev" ] && echo "$name"
	done < "$list" | busybox sort -u
)
set -f
set -- $names
set +f
echo "# list ima-measured ($#): $*"

magic=$(stat -f -c %t /)
kind=$(stat -f -c %T /)
case "$magic" in
858458f6) ramfs=yes ;;
*) ramfs=no ;;
esac
measured=$#
has_init=no
for f; do [ "$f" = /init ] && has_init=yes; done
echo "# / is $kind (magic 0x$magic); $measured initramfs files measured, /init among them: $has_init"
if [ "$ramfs" = yes ] && [ "$has_init" = yes ] && [ "$measured" -gt 1 ]; then
	echo "ok 2 the initramfs's files are measured exactly when the initramfs is on a ramfs"
elif [ "$ramfs" = no ] && [ "$measured" = 0 ]; then
	echo "ok 2 the initramfs's files are measured exactly when the initramfs is on a ramfs"
else
	echo "not ok 2 the initramfs's files are measured exactly when the initramfs is on a ramfs"
fi

# Stock's rule (init_rootfs() in init/do_mounts.c): a tmpfs when neither root= nor rootfstype=
# is given, or when rootfstype= names tmpfs; else a ramfs.
root=no
fstype=
for word in $(cat /proc/cmdline); do
	case "$word" in
	root=*) root=yes ;;
	rootfstype=*) fstype=${word#rootfstype=} ;;
	esac
done
want=yes
case "$root:$fstype" in
no:) want=no ;;
*:*tmpfs*) want=no ;;
esac
echo "# root= given: $root; rootfstype=$fstype; a ramfs expected: $want"
if [ "$ramfs" = "$want" ]; then
	echo "ok 3 the initramfs is on a ramfs exactly when stock rootfs would be one"
else
	echo "not ok 3 the initramfs is on a ramfs exactly when stock rootfs would be one"
fi
