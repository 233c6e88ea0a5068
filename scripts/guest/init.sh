#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the test guest (/init in the initramfs, /sbin/init on the test disk).
# The tests find out what the root is themselves; UR_EXPECT (from the kernel command line) is the
# boot matrix's assertion of it. UR_DEMO=1 narrates instead of testing. Each program prints TAP.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# Warnings and worse stay on the console for the host to catch; chatter does not.
echo 5 > /proc/sys/kernel/printk
cd /

echo "# user_root: guest up: UR_EXPECT=$UR_EXPECT, kernel $(uname -r)"
echo "# cmdline: $(cat /proc/cmdline)"
sed 's/^/# mountinfo: /' /proc/self/mountinfo
echo "# fds 0-2 of /init: $(stat -L -c %t:%T /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2 | tr '\n' ' ')(5:1 is /dev/console)"
# IMA first: what it measured must not depend on the tests below, which differ between stock
# and user_root (scripts/guest/ima.sh).
case " $(cat /proc/cmdline) " in *" ima_policy="*) /vm/ima.sh ;; esac

if [ -x /kselftest/run_kselftest.sh ]; then
	# The installed kselftests, run as a user would run them by hand: no variable from us.
	env -i PATH=/bin:/sbin /kselftest/run_kselftest.sh
	echo "# user_root: guest done"
	reboot -f
fi

if [ "$UR_DEMO" != 1 ]; then
	/selftests/user_root_test
	/selftests/user_root_rs
	/vm/user_root_vm initial-namespace --i-am-in-a-vm
	/vm/modules.sh
	# UR_CHURN=N (a cell's churn): the same owner rule under N rounds of load, mount, unload.
	[ -z "$UR_CHURN" ] || /vm/churn.sh "$UR_CHURN"
fi

# UR_FILES=/a,/b: files that this boot's initramfs must have put in the root.
if [ -n "$UR_FILES" ]; then
	set -- $(echo "$UR_FILES" | tr ',' ' ')
	echo "TAP version 13"
	echo "1..$#"
	n=0
	for f; do
		n=$((n + 1))
		if [ -e "$f" ]; then echo "ok $n $f is in the root"; else echo "not ok $n $f is in the root"; fi
	done
fi

# pivot_root(2) with busybox in a private mount namespace, into a new tmpfs, whatever the tests
# above made of the root (a root with something left mounted over it, too): it works unless
# the root is a stock initramfs, where it fails.
pivot=$(busybox unshare -m sh -c 'mount -t tmpfs pivot /newroot && cd /newroot &&
	busybox pivot_root . . && echo pivoted' 2>&1)
echo "TAP version 13"
echo "1..1"
case "$UR_EXPECT:$pivot" in
off:*pivoted*) echo "not ok 1 busybox_pivot_root_private_ns # it worked on a stock rootfs" ;;
off:*"Invalid argument"*) echo "ok 1 busybox_pivot_root_private_ns # EINVAL on a stock rootfs" ;;
*pivoted*) echo "ok 1 busybox_pivot_root_private_ns" ;;
*) echo "not ok 1 busybox_pivot_root_private_ns # $pivot" ;;
esac

case "$UR_EXPECT" in
disk-*)
	echo "# user_root: guest done"
	reboot -f
	;;
esac
# Switch the whole system to a new root as PID 1; this restarts the machine when done.
exec /vm/user_root_vm switch-root
