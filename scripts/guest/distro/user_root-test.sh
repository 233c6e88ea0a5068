#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The boot test of the user_root Debian image, run by user_root-test.service once multi-user.target
# is up: TAP 13 on the console, the end marker, then power off (QEMU exits on an ACPI power-off).
#
# From /proc/cmdline: `user_root` (on or not; the last user_root word wins, as in the kernel) and
# UR_GENERATOR=initramfs-tools|dracut, the initramfs that switched to this root (none: the kernel
# mounted it itself). What each way to the root leaves, with mount 1 the namespace root (the
# stock rootfs, or the null root) and mount 2 the user root on a user_root kernel (a ramfs, as
# root= on the command line makes stock rootfs a ramfs):
#
#   kernel-mounted root (no initramfs): / is ext4 on mount 1. On stock it is moved over rootfs;
#     with user_root the kernel pivots into it and detaches the user root.
#   dracut (systemd's switch-root): / is ext4 on mount 1. On stock pivot_root fails and systemd
#     moves the root over rootfs; with user_root the pivot works and the user root is detached.
#   initramfs-tools (klibc run-init: delete the initramfs's files, move the new root over /,
#     chroot; it never pivots): / is ext4 on mount 1 (rootfs) on stock, and on mount 2 (the
#     emptied user root, which stays mounted below it) with user_root.
#
# In no case may a mount of "user_root" be visible: detached, or below the root.
exec >/dev/console 2>&1
export PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C

user_root=off
generator=none
for word in $(cat /proc/cmdline); do
	case $(echo "$word" | tr A-Z a-z) in
	user_root | user_root=1 | user_root=y | user_root=yes | user_root=on | user_root=true) user_root=on ;;
	user_root=0 | user_root=n | user_root=no | user_root=off | user_root=false) user_root=off ;;
	ur_generator=*) generator=${word#*=} ;;
	esac
done

n=0
# result OK NAME: a TAP line; OK is 0 for a pass.
result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; fi
}
# comment: the standard input as TAP comments.
comment() {
	sed 's/^/# /'
}

echo "# user_root: guest up: user_root=$user_root generator=$generator (distro)"
# The boot's other jobs first, so that the units are in their final state (this unit is the
# only one left when the boot is done).
i=0
while [ $i -lt 300 ] && systemctl list-jobs --no-legend --plain 2>/dev/null | grep -v user_root-test | grep -q .; do
	sleep 0.5
	i=$((i + 1))
done
echo "# the boot is done after $(cut -d" " -f1 /proc/uptime) s"

echo "TAP version 13"
echo "1..6"

# 1. The mount tree.
if [ "$generator" = initramfs-tools ] && [ $user_root = on ]; then
	parent=2 what="the emptied user root (klibc run-init moves the root over it)"
elif [ $user_root = on ]; then
	parent=1 what="the null root (the user root is detached)"
else
	parent=1 what="rootfs"
fi
comment < /proc/self/mountinfo
# Field 5 is the mount point; after the "-" come the type and the source. The last "/" is on top.
root_line=$(awk '$5 == "/"' /proc/self/mountinfo | tail -n 1)
root_parent=$(echo "$root_line" | cut -d' ' -f2)
root_type=$(echo "$root_line" | sed 's/.* - //' | cut -d' ' -f1)
user_root_lines=$(sed -n '/ - [^ ]* user_root /p' /proc/self/mountinfo | wc -l)
echo "# / is $root_type on mount $root_parent; expected ext4 on mount $parent, $what;" \
	"$user_root_lines mount(s) of user_root visible, expected 0"
[ "$root_type" = ext4 ] && [ "$root_parent" = "$parent" ] && [ "$user_root_lines" = 0 ]
result $? "mount_tree"

# 2. The initramfs's memory: its ballast must not be held. Shmem counts tmpfs pages; with root=
# on the command line stock rootfs and the user root are a ramfs, whose pages are Unevictable
# instead: both are shown, and their sum is what is compared.
echo 1 > /proc/sys/vm/stat_refresh 2>/dev/null
ballast_kib=$(($(stat -c %s /usr/local/share/user_root/ballast) / 1024))
limit_kib=$((ballast_kib / 2))
shmem=$(sed -n 's/^Shmem: *\([0-9]*\) kB/\1/p' /proc/meminfo)
unevictable=$(sed -n 's/^Unevictable: *\([0-9]*\) kB/\1/p' /proc/meminfo)
grep -E '^(MemTotal|MemFree|MemAvailable|Shmem|Unevictable|Mlocked):' /proc/meminfo | comment
df -k /run /dev/shm /tmp 2>/dev/null | comment
echo "# Shmem $shmem kB + Unevictable $unevictable kB; the ballast is $ballast_kib kB;" \
	"held would be at least that, free is below $limit_kib kB"
[ $((shmem + unevictable)) -lt $limit_kib ]
result $? "initramfs_memory_freed"

# 3. No failed unit.
failed=$(systemctl --failed --no-legend --plain 2>&1)
if [ -n "$failed" ]; then
	echo "$failed" | comment
	for unit in $(echo "$failed" | cut -d' ' -f1); do
		journalctl -b -u "$unit" --no-pager -n 15 -o short-monotonic 2>&1 | comment
	done
else
	echo "# systemctl --failed: none"
fi
# Warnings of this boot too: they show what the kernel lacks that the system would use.
journalctl -b -p warning --no-pager -n 80 -o short-monotonic 2>&1 | grep -v -e '^-- ' | comment
[ -z "$failed" ]
result $? "no_failed_units"

# What systemd (PID 1, in the initramfs and after it) logged about switching root (with
# systemd.log_level=debug, whether it pivoted or fell back to moving the mounts), and the
# warnings it logged at all: the host compares this list with the stock boot's (same_as in the
# matrix), one word per message, numbers as N.
echo "# systemd $(systemctl --version | sed -n '1s/^systemd \([^ ]*\).*/\1/p'), its messages about the switch:"
journalctl -b _PID=1 -o cat --no-pager 2>&1 | grep -E 'Switching root|[Pp]ivoting|moving mounts|old root' | comment
# No list at all if journalctl fails: the comparison then fails, as a list nobody reported.
if warnings=$(journalctl -b _PID=1 -p warning -o cat --no-pager); then
	set -f
	set -- $(echo "$warnings" | sed -e 's/[0-9][0-9]*/N/g' -e 's/[[:space:]][[:space:]]*/_/g' | sort -u)
	set +f
	echo "# list systemd-warnings ($#): $*"
fi

# A busybox root for the containers.
container_root() {
	mkdir -p "$1/bin" "$1/etc" "$1/usr/lib" "$1/proc" "$1/sys" "$1/dev" "$1/tmp"
	cp /bin/busybox "$1/bin/busybox"
	printf 'ID=busybox\nNAME="busybox"\n' > "$1/usr/lib/os-release"
	ln -sf ../usr/lib/os-release "$1/etc/os-release"
}

# 4. systemd-nspawn: a new mount namespace, pivot_root into the container's root.
machine=/var/lib/machines/ur-busybox
container_root $machine
out=$(systemd-nspawn --quiet --register=no --console=pipe -D $machine /bin/busybox echo hello from nspawn 2>&1 < /dev/null)
rc=$?
echo "$out" | comment
[ $rc = 0 ] && echo "$out" | grep -q "hello from nspawn"
result $? "nspawn_container"

# 5. runc: the bundle `runc spec` writes, without a terminal, running busybox.
bundle=/var/lib/user_root-test/bundle
rm -rf $bundle
mkdir -p $bundle
container_root $bundle/rootfs
(cd $bundle && runc spec) 2>&1 | comment
sed -i -e 's/"terminal": true/"terminal": false/' \
	-e 's|^\([[:space:]]*\)"sh"$|\1"/bin/busybox", "echo", "hello from runc"|' $bundle/config.json
out=$(runc --root /run/runc run --bundle $bundle ur-test 2>&1 < /dev/null)
rc=$?
echo "$out" | comment
[ $rc = 0 ] && echo "$out" | grep -q "hello from runc"
result $? "runc_container"

# 6. The kselftests, installed as `make install` puts them and run by their runner, as a user
# runs them on any system: they find out for themselves what this root is.
out=$(env -i PATH="$PATH" /usr/local/lib/user_root-kselftest/run_kselftest.sh 2>&1)
echo "$out" | comment
echo "$out" | grep -q "^ok 1 selftests: user_root: user_root_test" &&
	echo "$out" | grep -q "^ok 2 selftests: user_root: user_root_rs" &&
	! echo "$out" | grep -q "^not ok"
result $? "kselftests"

echo "# user_root: guest done"
systemctl --no-block poweroff
