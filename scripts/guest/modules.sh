#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The kernel crate's fs::sb owner rule, with the test modules of tools/testing/user_root/modules:
# an instance of a module's file system type is refused until the module is live, and once made
# it holds the module for as long as the superblock exists.
echo "TAP version 13"
echo "1..4"
loaded() { grep -q "^$1 " /proc/modules; }
refs() { sed -n "s/^$1 [0-9]* \([0-9]*\) .*/\1/p" /proc/modules; }
logged() { dmesg | grep -q "$1: $2"; }
# ok CONDITION... -- NAME: one TAP line.
n=0
ok() {
	n=$((n + 1))
	name=$1
	shift
	if "$@"; then echo "ok $n $name"; else echo "not ok $n $name"; fi
}

insmod /modules/user_root_fs_idle.ko
ok "while a module initialises, an instance of its file system type is refused" \
	logged user_root_fs_idle "init: an instance of its type is refused (EBUSY)"
rmmod user_root_fs_idle
ok "a module with no superblock of its type unloads" eval '! loaded user_root_fs_idle'

insmod /modules/user_root_fs_pinned.ko
for i in 1 2 3 4 5 6 7 8 9 10; do
	logged user_root_fs_pinned "live: mounted" && break
	sleep 1
done
ok "once the module is live, it mounts an instance of its type" \
	logged user_root_fs_pinned "live: mounted an instance of its type, kept"
out=$(rmmod user_root_fs_pinned 2>&1)
rc=$?
echo "# rmmod user_root_fs_pinned: exit $rc: $out; references: $(refs user_root_fs_pinned)"
ok "its live superblock holds the module: rmmod is refused" \
	eval '[ $rc != 0 ] && loaded user_root_fs_pinned && [ "$(refs user_root_fs_pinned)" = 1 ]'
