#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Builds the guest: the selftests, a busybox initramfs and an ext4 disk with the same content.
#   mkguest.sh OUTDIR [COMPRESSOR]     COMPRESSOR: gzip (default), zstd, xz, lz4, none
set -euo pipefail
source "$(dirname "$0")/lib.sh"

dest=$(realpath -m "$1")
compress=${2:-gzip}
mkdir -p "$dest"
sel=$OUT/selftests
gen_init_cpio=$BUILD/usr/gen_init_cpio
[ -x "$gen_init_cpio" ] || die "$gen_init_cpio is missing: build the kernel first"

build_selftests() {
	mkdir -p "$sel"
	make -C "$TREE/tools/testing/selftests/user_root" OUTPUT="$sel" CARGO="${CARGO:-cargo}" \
		"$sel/user_root_test" "$sel/user_root_rs"
}
step selftests "user_root selftests (C and Rust, static)" "$OUT/logs/selftests-build.log" build_selftests

# 16 MiB that the initramfs holds, so that freeing it is measurable.
BALLAST_MIB=16
ballast=$OUT/ballast.bin
[ "$(stat -c %s "$ballast" 2>/dev/null)" = $((BALLAST_MIB << 20)) ] ||
	head -c $((BALLAST_MIB << 20)) /dev/zero > "$ballast"

APPLETS="cat chroot cp df echo grep ls mkdir mount reboot sed sleep stat switch_root tr umount uname"
list=$dest/initramfs.list
{
	echo "dir /dev 0755 0 0"
	echo "nod /dev/console 0600 0 0 c 5 1"
	for d in proc sys bin sbin selftests newroot; do echo "dir /$d 0755 0 0"; done
	echo "dir /tmp 1777 0 0"
	echo "file /bin/busybox /bin/busybox 0755 0 0"
	echo "slink /bin/sh busybox 0777 0 0"
	for a in $APPLETS; do echo "slink /bin/$a busybox 0777 0 0"; done
	echo "file /init $REPO/scripts/guest/init.sh 0755 0 0"
	echo "slink /sbin/init /init 0777 0 0"
	echo "file /selftests/user_root_test $sel/user_root_test 0755 0 0"
	echo "file /selftests/user_root_rs $sel/user_root_rs 0755 0 0"
	echo "file /ballast $ballast 0644 0 0"
} > "$list"

cpio=$dest/initramfs.cpio
"$gen_init_cpio" "$list" > "$cpio"
# Every compression, a concatenated early + main archive, and damaged images.
step images "initramfs images for the boot matrix" "$OUT/logs/images.log" \
	python3 "$REPO/scripts/mkimages.py" "$cpio" "$dest"
cp "$dest/initramfs-$compress.img" "$dest/initramfs.img"

# A 48 MiB initramfs for the low-memory boots.
big_ballast=$OUT/ballast-42m.bin
[ "$(stat -c %s "$big_ballast" 2>/dev/null)" = $((42 << 20)) ] || head -c $((42 << 20)) /dev/zero > "$big_ballast"
sed "s|^file /ballast .*|file /ballast $big_ballast 0644 0 0|" "$list" > "$dest/initramfs-48m.list"
"$gen_init_cpio" "$dest/initramfs-48m.list" | gzip -n -1 > "$dest/initramfs-48m.img"

# The same guest built into the kernel (CONFIG_INITRAMFS_SOURCE), with a marker file.
echo "built into the kernel" > "$dest/builtin-marker"
{ cat "$list"; echo "file /builtin-marker $dest/builtin-marker 0644 0 0"; } > "$dest/builtin.list"
echo "CONFIG_INITRAMFS_SOURCE=\"$dest/builtin.list\"" > "$dest/builtin.config"

# The same userspace on an ext4 disk, for root=/dev/vda (the kernel mounts it itself).
disk_tree=$dest/disk-root
rm -rf "$disk_tree" && mkdir -p "$disk_tree"
(cd "$disk_tree" && cpio -idm --quiet < "$cpio" 2>/dev/null) || true
rm -f "$disk_tree/ballast" "$disk_tree/init" "$disk_tree/sbin/init"
rm -rf "$disk_tree/dev"/* 
cp "$REPO/scripts/guest/init.sh" "$disk_tree/sbin/init"
mke2fs -q -t ext4 -F -E root_owner=0:0 -d "$disk_tree" "$dest/disk.img" 64M > /dev/null
say "guest: $dest/initramfs.img ($compress, $(du -k "$dest/initramfs.img" | cut -f1) KiB), $dest/disk.img"
