# SPDX-License-Identifier: GPL-2.0
# The boot matrix of `make check`. A cell: NAME|INITRAMFS|DISK|COMMAND LINE|CONSOLE|MEMORY
#   INITRAMFS  an image from out/guest (see scripts/mkimages.py), or empty for none
#   DISK       "disk" attaches the ext4 test disk as /dev/vda
#   CONSOLE    regexes (separated by ";;") that the console must show
#   MEMORY     guest memory, default 512M
# UR_EXPECT on the command line tells the guest's tests what the boot must look like:
# on/off for an initramfs root, disk-on/disk-off for a root the kernel mounted.
ON_MSG='initramfs on tmpfs "user_root"'
DISK_MSG='the kernel-mounted root is the root now'
UNPACK_FAIL='Initramfs unpacking failed'
ENOSPC='Initramfs unpacking: cannot write /ballast: -ENOSPC'
BOOTS=(
	# The main cells: initramfs or kernel-mounted root, with and without user_root.
	"initramfs, user_root|initramfs.img||user_root initramfs_options=size=200m UR_EXPECT=on|$ON_MSG"
	"initramfs, stock|initramfs.img||initramfs_options=size=200m UR_EXPECT=off|"
	"root=/dev/vda, user_root||disk|user_root root=/dev/vda rw UR_EXPECT=disk-on|$DISK_MSG"
	"root=/dev/vda, stock||disk|root=/dev/vda rw UR_EXPECT=disk-off|"
	"root=/dev/vda init=/sbin/init, user_root||disk|user_root root=/dev/vda rw init=/sbin/init UR_EXPECT=disk-on|$DISK_MSG"
	"root= and an initramfs /init: initramfs wins, user_root|initramfs.img|disk|user_root root=/dev/vda UR_EXPECT=on|$ON_MSG"
	"root= and an initramfs /init: initramfs wins, stock|initramfs.img|disk|root=/dev/vda UR_EXPECT=off|"
	# Every compression, and archives in a row.
	"uncompressed, user_root|initramfs-none.img||user_root UR_EXPECT=on|$ON_MSG"
	"zstd, user_root|initramfs-zstd.img||user_root UR_EXPECT=on|$ON_MSG"
	"xz, user_root|initramfs-xz.img||user_root UR_EXPECT=on|$ON_MSG"
	"lz4, user_root|initramfs-lz4.img||user_root UR_EXPECT=on|$ON_MSG"
	"early cpio + zstd cpio, user_root|concat.img||user_root UR_FILES=/early-marker,/ballast UR_EXPECT=on|$ON_MSG"
	"early cpio + zstd cpio, stock|concat.img||UR_FILES=/early-marker,/ballast UR_EXPECT=off|"
	# Boot options around the initramfs.
	"rdinit=/sbin/init, user_root|initramfs.img||user_root rdinit=/sbin/init UR_EXPECT=on|$ON_MSG"
	"initramfs_async=0, user_root|initramfs.img||user_root initramfs_async=0 UR_EXPECT=on|$ON_MSG"
	"retain_initrd, user_root|initramfs.img||user_root retain_initrd UR_EXPECT=on|$ON_MSG"
	# noinitrd only stops an old-style initrd: the initramfs is still unpacked.
	"noinitrd, user_root|initramfs.img||user_root noinitrd UR_EXPECT=on|$ON_MSG"
	# Bad input: a warning that names the value, and a system that boots.
	"user_root=bogus keeps the default|initramfs.img||user_root=bogus UR_EXPECT=off|ignoring \"user_root=bogus\""
	"user_root then user_root=0|initramfs.img||user_root user_root=0 UR_EXPECT=off|"
	"bad initramfs_options, user_root|initramfs.img||user_root initramfs_options=bogus=1 UR_EXPECT=on|tmpfs rejected initramfs_options=\"bogus=1\""
	# Damaged or oversized initramfs: the same outcome as stock.
	"initramfs larger than size=, user_root|initramfs.img||user_root initramfs_options=size=8m UR_FILES=/init UR_EXPECT=on|$ENOSPC"
	"initramfs larger than size=, stock|initramfs.img||initramfs_options=size=8m UR_FILES=/init UR_EXPECT=off|$ENOSPC"
	# A truncated archive is accepted silently, on stock too.
	"truncated cpio, user_root|truncated.img||user_root UR_FILES=/init UR_EXPECT=on|$ON_MSG"
	"truncated cpio, stock|truncated.img||UR_FILES=/init UR_EXPECT=off|"
	"corrupt cpio header, user_root|corrupt-header.img||user_root UR_EXPECT=on|$UNPACK_FAIL"
	"corrupt cpio header, stock|corrupt-header.img||UR_EXPECT=off|$UNPACK_FAIL"
	"corrupt gzip stream, user_root|corrupt-stream.img||user_root UR_EXPECT=on|$UNPACK_FAIL"
	"corrupt gzip stream, stock|corrupt-stream.img||UR_EXPECT=off|$UNPACK_FAIL"
	"garbage after the archive, user_root|garbage.img||user_root UR_EXPECT=on|$UNPACK_FAIL"
	"garbage after the archive, stock|garbage.img||UR_EXPECT=off|$UNPACK_FAIL"
	# The default tmpfs size is half the RAM: the 48M initramfs does not fit either way.
	"96M RAM, 48M initramfs, user_root|initramfs-48m.img||user_root UR_FILES=/init UR_EXPECT=on|$ENOSPC|96M"
	"96M RAM, 48M initramfs, stock|initramfs-48m.img||UR_FILES=/init UR_EXPECT=off|$ENOSPC|96M"
)
