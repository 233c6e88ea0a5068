#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the soak (make soak): the PID 1 switch of root with its memory check
# (user_root_vm switch-root), while usermode helpers start. Two loops ask for a module for a
# character device no driver has, so that kworkers keep spawning the modprobe helper (here
# /sbin/soak-helper, which lingers a moment and logs its start and end to the kernel log) from
# the root of that instant. They end when they find themselves moved to the new root, which
# has no /sys.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo 5 > /proc/sys/kernel/printk
echo "# user_root: guest up: soak, $(nproc) CPUs"
echo /sbin/soak-helper > /proc/sys/kernel/modprobe
busybox mknod -m 666 /dev/null c 1 3
busybox mknod -m 600 /dev/kmsg c 1 11
# Major 240 is reserved for local use: opening the node asks for "char-major-240-<minor>".
busybox mknod /tmp/no-driver-0 c 240 0
busybox mknod /tmp/no-driver-1 c 240 1

storm() {
	n=0
	while [ -e /sys/kernel ]; do
		cat "$1" 2>/dev/null
		n=$((n + 1))
	done
	echo "# soak: $n module requests from $1 until the switch"
}
storm /tmp/no-driver-0 &
storm /tmp/no-driver-1 &
# Let the helpers get going before the switch starts.
sleep 1
exec /vm/user_root_vm switch-root
