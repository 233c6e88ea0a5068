#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of the benchmark guest. UR_BENCH says how to reach the final root:
#   user_root  build a new tmpfs root, pivot_root(".", ".") into it, detach the initramfs
#   stock      the same new root, but stock cannot pivot: switch_root (delete every file of
#              the initramfs, move the new root over it, chroot)
#   copy       the userspace workaround on stock: copy the whole initramfs into a fresh tmpfs,
#              then switch_root into that copy
# Every step is marked in the kernel log, so that the kernel's own timestamps time it.
export PATH=/bin
mount -t proc proc /proc
mount -t devtmpfs devtmpfs /dev
. /bench-mark.sh
mark init

mkdir -p /newroot
mount -t tmpfs final /newroot
mkdir -p /newroot/bin /newroot/dev /newroot/proc
cp /bin/busybox /newroot/bin/busybox
for a in sh mount sed sleep reboot stat; do ln -s busybox /newroot/bin/$a; done
cp /bench-final.sh /newroot/init
cp /bench-mark.sh /newroot/
if [ "$UR_BENCH" = copy ]; then
	for f in /*; do
		case $f in /proc|/dev|/sys|/newroot) ;; *) cp -a "$f" /newroot/ ;; esac
	done
	cp /bench-final.sh /newroot/init
fi
mount -t devtmpfs devtmpfs /newroot/dev
mark "new root ready"

if [ "$UR_BENCH" = user_root ]; then
	exec < /newroot/dev/console > /newroot/dev/console 2>&1
	cd /newroot
	pivot_root . . || { mark "pivot_root failed"; reboot -f; }
	umount -l .
	exec /bin/busybox chroot . /init
fi
umount /proc
umount /dev
exec switch_root /newroot /init
