#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# With ima_policy=tcb: are the initramfs's executables measured? The tcb policy leaves out
# everything on TMPFS_MAGIC and measures RAMFS_MAGIC. Stock rootfs is a ramfs when root= is on
# the command line, else a tmpfs; the user_root file system is always a tmpfs.
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
list=/sys/kernel/security/ima/ascii_runtime_measurements
echo "TAP version 13"
echo "1..2"
if [ -r "$list" ]; then
	echo "ok 1 IMA is on and has a measurement list ($(wc -l < "$list") entries)"
else
	echo "not ok 1 IMA is on and has a measurement list"
fi
measured=no
grep -q " /init$" "$list" 2>/dev/null && measured=yes
# What the root file system of this boot is: user_root's tmpfs, or stock rootfs (ramfs with root=).
want=no
case " $(cat /proc/cmdline) " in
*" user_root "*) ;;
*" root="*) want=yes ;;
esac
echo "# /init measured: $measured (expected: $want; $(stat -f -c %T /) root)"
if [ "$measured" = "$want" ]; then
	echo "ok 2 the initramfs's /init is measured exactly when the initramfs is on a ramfs"
else
	echo "not ok 2 the initramfs's /init is measured exactly when the initramfs is on a ramfs"
fi
