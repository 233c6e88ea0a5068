#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The kernel crate's fs::sb owner rule, with the test modules of tools/testing/user_root/modules:
# a module's file system type holds the module while a superblock of the type exists.
echo "TAP version 13"
echo "1..4"
loaded() { grep -q "^$1 " /proc/modules; }
refs() { sed -n "s/^$1 [0-9]* \([0-9]*\) .*/\1/p" /proc/modules; }

insmod /modules/user_root_fs_released.ko && loaded user_root_fs_released &&
	echo "ok 1 a module mounts a file system of a type it owns, and drops the mount" ||
	echo "not ok 1 a module mounts a file system of a type it owns, and drops the mount"
rmmod user_root_fs_released && ! loaded user_root_fs_released &&
	echo "ok 2 with no superblock of its type left, the module unloads" ||
	echo "not ok 2 with no superblock of its type left, the module unloads"
insmod /modules/user_root_fs_pinned.ko && loaded user_root_fs_pinned &&
	echo "ok 3 a module mounts a file system of a type it owns, and keeps the mount" ||
	echo "not ok 3 a module mounts a file system of a type it owns, and keeps the mount"
out=$(rmmod user_root_fs_pinned 2>&1)
rc=$?
echo "# rmmod user_root_fs_pinned: exit $rc: $out; references: $(refs user_root_fs_pinned)"
[ $rc != 0 ] && loaded user_root_fs_pinned && [ "$(refs user_root_fs_pinned)" = 1 ] &&
	echo "ok 4 its live superblock holds the module: rmmod is refused" ||
	echo "not ok 4 its live superblock holds the module: rmmod is refused"
