#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the soak (make soak): the PID 1 switch of root with its memory check
# (user_root_vm switch-root), while usermode helpers start. Two loops ask for a module for a
# character device no driver has, so that kworkers keep spawning the modprobe helper (here
# /sbin/soak-helper, which lingers a moment) from the root of that instant. The loops end when
# they find themselves moved to the new root, which has no /sys, and leave their count there;
# a reporter waits for the helpers that were running across the switch and prints the counts.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo 5 > /proc/sys/kernel/printk
echo "# user_root: guest up: soak, $(nproc) CPUs"
echo /sbin/soak-helper > /proc/sys/kernel/modprobe
busybox mknod -m 666 /dev/null c 1 3
# Major 240 is reserved for local use: opening the node asks for "char-major-240-<minor>".
busybox mknod /tmp/no-driver-0 c 240 0
busybox mknod /tmp/no-driver-1 c 240 1

# Only shell builtins once the root has moved: the new root has no busybox. `read -t` on the
# console, which gets no input, is the builtin sleep.
storm() {
	n=0
	while [ -e /sys/kernel ]; do
		cat "/tmp/no-driver-$1" 2>/dev/null
		# A request counts if it was made, and returned, before the switch.
		[ -e /sys/kernel ] && n=$((n + 1))
	done
	echo "$n" > "/soak-loop-$1"
}
report() {
	while [ -e /sys/kernel ]; do
		read -t 0.05 _ < /dev/console
	done
	# A loop leaves its count once its last request returned, which waits for its helper; the
	# old root stays pinned while this runs, so it gives up after 3 s, short of the memory
	# check's 5 s, and then prints "?", which fails the boot.
	loop0= loop1= tries=0
	while { [ -z "$loop0" ] || [ -z "$loop1" ]; } && [ $tries -lt 30 ]; do
		read -t 0.1 _ < /dev/console
		read -r loop0 < /soak-loop-0
		read -r loop1 < /soak-loop-1
		tries=$((tries + 1))
	done 2>/dev/null
	helpers=0
	for f in /helper-across-*; do
		[ -e "$f" ] && helpers=$((helpers + 1))
	done
	echo "# soak: ${loop0:-?} and ${loop1:-?} module requests until the switch;" \
		"$helpers helper(s) running across it"
}
storm 0 &
storm 1 &
report &
# Let the loops get a few requests done before the switch starts.
sleep 2
exec /vm/user_root_vm switch-root
