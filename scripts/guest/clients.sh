#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the clients guest: Debian's own programs on the initramfs root, each expected to
# work with user_root and, where stock 6.12 makes them fail, to fail without it.
# UR_EXPECT=on|off; UR_SWITCH=busybox|util-linux picks the switch_root that ends the boot.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /sys/fs/cgroup /run /mnt/a /mnt/b /newroot
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t tmpfs run /run
echo 5 > /proc/sys/kernel/printk
echo "# user_root: guest up: UR_EXPECT=$UR_EXPECT UR_SWITCH=$UR_SWITCH (clients)"

n=0
# check NAME STOCK COMMAND...: the command must succeed with user_root. On stock it must too if
# STOCK is "works"; otherwise STOCK is a regex that the output of its failure must match, so
# that it fails for the reason stock 6.12 has, not for another.
check() {
	name=$1 stock=$2
	shift 2
	n=$((n + 1))
	out=$("$@" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/# /'
	if [ "$UR_EXPECT" = on ] || [ "$stock" = works ]; then
		[ $rc = 0 ] && verdict=ok || verdict="not ok"
		want="success"
	else
		{ [ $rc != 0 ] && echo "$out" | grep -qE "$stock"; } && verdict=ok || verdict="not ok"
		want="failure showing /$stock/"
	fi
	echo "$verdict $n $name (exit $rc, expected $want)"
}

echo "TAP version 13"
echo "1..4"

# util-linux: a private mount namespace, then pivot_root NEW NEW/old and detach the old root.
check "unshare --mount + pivot_root new old" "pivot_root: .*Invalid argument" \
	unshare --mount --propagation private /bin/sh -c '
	mount -t tmpfs new /mnt/a && mkdir /mnt/a/old && cp /bin/busybox /mnt/a/ && cd /mnt/a &&
	pivot_root . old && /busybox umount -l /old && test "$(/busybox ls -A /old)" = ""'

# The switch systemd makes: pivot_root(".", ".") and a lazy unmount of what is left on top.
check "unshare --mount + pivot_root . . + umount -l ." "pivot_root: .*Invalid argument" \
	unshare --mount --propagation private /bin/sh -c '
	mount -t tmpfs new /mnt/b && cp /bin/busybox /mnt/b/ && cd /mnt/b &&
	pivot_root . . && /busybox umount -l . && /busybox test ! -e /init'

# runc, without --no-pivot: it pivot_roots into the container's root.
container() {
	runc --root /run/runc run --bundle /bundle ur-test < /dev/null > /tmp/runc.out 2>&1
	rc=$?
	cat /tmp/runc.out
	[ $rc = 0 ] && grep -q "hello from a container" /tmp/runc.out
}
check "runc run, without --no-pivot" "pivot_root .*invalid argument" container

# Last, as PID 1: switch_root into a new tmpfs; /init there reports test 4 and restarts.
mount -t tmpfs newroot /newroot
mkdir /newroot/proc /newroot/dev /newroot/sys /newroot/run
cp /bin/busybox /newroot/busybox
cp /newroot-init.sh /newroot/init
case $UR_SWITCH in
util-linux) exec /usr/sbin/switch_root /newroot /init ;;
*) exec /bin/busybox switch_root /newroot /init ;;
esac
