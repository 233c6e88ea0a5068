# SPDX-License-Identifier: GPL-2.0
# The boot matrix of `make check`. A cell: NAME|KERNEL|INITRAMFS|DISK|COMMAND LINE|CONSOLE|MEMORY
#   KERNEL     main (the test kernel), default-on (CONFIG_USER_ROOT_DEFAULT_ON=y) or builtin
#              (the guest built in with CONFIG_INITRAMFS_SOURCE, plus /builtin-marker)
#   INITRAMFS  an image from out/guest (see scripts/mkimages.py; clients.img is made by
#              scripts/mkclients.sh), or empty for none
#   DISK       "disk" attaches the ext4 test disk as /dev/vda
#   CONSOLE    regexes (separated by ";;") that the console must show
#   MEMORY     guest memory, default 512M
# UR_EXPECT on the command line tells the guest's tests what the boot must look like:
# on/off for an initramfs root, disk-on/disk-off for a root the kernel mounted.
ON_MSG='initramfs on tmpfs "user_root"'
DISK_MSG='the kernel-mounted root is the root now'
UNPACK_FAIL='Initramfs unpacking failed'
ENOSPC='Initramfs unpacking: cannot write /ballast: -ENOSPC'
# The second CPU's idle thread was forked with a copy of PID 1's root: it must not pin the
# initramfs once PID 1 has switched root (the memory test of the first cell).
SMP_MSG='smp: Brought up 1 node, 2 CPUs'
BOOTS=(
	# The main cells: initramfs or kernel-mounted root, with and without user_root.
	"initramfs, user_root|main|initramfs.img||user_root initramfs_options=size=200m UR_EXPECT=on|$ON_MSG;;$SMP_MSG"
	"initramfs, stock|main|initramfs.img||initramfs_options=size=200m UR_EXPECT=off|"
	"root=/dev/vda, user_root|main||disk|user_root root=/dev/vda rw UR_EXPECT=disk-on|$DISK_MSG"
	"root=/dev/vda, stock|main||disk|root=/dev/vda rw UR_EXPECT=disk-off|"
	"root=/dev/vda init=/sbin/init, user_root|main||disk|user_root root=/dev/vda rw init=/sbin/init UR_EXPECT=disk-on|$DISK_MSG"
	"root= and an initramfs /init: initramfs wins, user_root|main|initramfs.img|disk|user_root root=/dev/vda UR_EXPECT=on|$ON_MSG"
	"root= and an initramfs /init: initramfs wins, stock|main|initramfs.img|disk|root=/dev/vda UR_EXPECT=off|"
	# Every compression, and archives in a row.
	"uncompressed, user_root|main|initramfs-none.img||user_root UR_EXPECT=on|$ON_MSG"
	"zstd, user_root|main|initramfs-zstd.img||user_root UR_EXPECT=on|$ON_MSG"
	"xz, user_root|main|initramfs-xz.img||user_root UR_EXPECT=on|$ON_MSG"
	"lz4, user_root|main|initramfs-lz4.img||user_root UR_EXPECT=on|$ON_MSG"
	"early cpio + zstd cpio, user_root|main|concat.img||user_root UR_FILES=/early-marker,/ballast UR_EXPECT=on|$ON_MSG"
	"early cpio + zstd cpio, stock|main|concat.img||UR_FILES=/early-marker,/ballast UR_EXPECT=off|"
	# Boot options around the initramfs.
	"rdinit=/sbin/init, user_root|main|initramfs.img||user_root rdinit=/sbin/init UR_EXPECT=on|$ON_MSG"
	"initramfs_async=0, user_root|main|initramfs.img||user_root initramfs_async=0 UR_EXPECT=on|$ON_MSG"
	"retain_initrd, user_root|main|initramfs.img||user_root retain_initrd UR_EXPECT=on|$ON_MSG"
	# noinitrd only stops an old-style initrd: the initramfs is still unpacked.
	"noinitrd, user_root|main|initramfs.img||user_root noinitrd UR_EXPECT=on|$ON_MSG"
	# CONFIG_USER_ROOT_DEFAULT_ON=y: on unless the command line says otherwise.
	"DEFAULT_ON kernel|default-on|initramfs.img||UR_EXPECT=on|$ON_MSG"
	"DEFAULT_ON kernel, user_root=0|default-on|initramfs.img||user_root=0 UR_EXPECT=off|"
	"DEFAULT_ON kernel, user_root=bogus|default-on|initramfs.img||user_root=bogus UR_EXPECT=on|ignoring \"user_root=bogus\": .* user_root stays on \\(the Kconfig default\\)"
	# An initramfs built into the kernel, alone and followed by one from the boot loader.
	"built-in initramfs, user_root|builtin|||user_root UR_FILES=/builtin-marker UR_EXPECT=on|$ON_MSG"
	"built-in initramfs, stock|builtin|||UR_FILES=/builtin-marker UR_EXPECT=off|"
	"built-in + boot loader initramfs, user_root|builtin|concat.img||user_root UR_FILES=/builtin-marker,/early-marker UR_EXPECT=on|$ON_MSG"
	"built-in + boot loader initramfs, stock|builtin|concat.img||UR_FILES=/builtin-marker,/early-marker UR_EXPECT=off|"
	# Bad input: a warning that names the value, and a system that boots.
	"user_root=bogus keeps the default|main|initramfs.img||user_root=bogus UR_EXPECT=off|ignoring \"user_root=bogus\": .* user_root stays off \\(the Kconfig default\\)"
	"user_root then user_root=bogus|main|initramfs.img||user_root user_root=bogus UR_EXPECT=on|user_root stays on \\(set earlier on the command line\\)"
	"user_root then user_root=0|main|initramfs.img||user_root user_root=0 UR_EXPECT=off|"
	"bad initramfs_options, user_root|main|initramfs.img||user_root initramfs_options=bogus=1 UR_EXPECT=on|tmpfs rejected initramfs_options=\"bogus=1\""
	# Real clients from Debian: util-linux unshare + pivot_root, runc, busybox and util-linux
	# switch_root. They fail on stock, for the reason stock has, and work with user_root.
	"clients, busybox switch_root, user_root|main|clients.img||user_root UR_SWITCH=busybox UR_EXPECT=on|$ON_MSG"
	"clients, busybox switch_root, stock|main|clients.img||UR_SWITCH=busybox UR_EXPECT=off|"
	"clients, util-linux switch_root, user_root|main|clients.img||user_root UR_SWITCH=util-linux UR_EXPECT=on|$ON_MSG"
	"clients, util-linux switch_root, stock|main|clients.img||UR_SWITCH=util-linux UR_EXPECT=off|"
	# Damaged or oversized initramfs: the same outcome as stock.
	"initramfs larger than size=, user_root|main|initramfs.img||user_root initramfs_options=size=8m UR_FILES=/init UR_EXPECT=on|$ENOSPC"
	"initramfs larger than size=, stock|main|initramfs.img||initramfs_options=size=8m UR_FILES=/init UR_EXPECT=off|$ENOSPC"
	# A truncated archive is accepted silently, on stock too.
	"truncated cpio, user_root|main|truncated.img||user_root UR_FILES=/init UR_EXPECT=on|$ON_MSG"
	"truncated cpio, stock|main|truncated.img||UR_FILES=/init UR_EXPECT=off|"
	"corrupt cpio header, user_root|main|corrupt-header.img||user_root UR_EXPECT=on|$UNPACK_FAIL"
	"corrupt cpio header, stock|main|corrupt-header.img||UR_EXPECT=off|$UNPACK_FAIL"
	"corrupt gzip stream, user_root|main|corrupt-stream.img||user_root UR_EXPECT=on|$UNPACK_FAIL"
	"corrupt gzip stream, stock|main|corrupt-stream.img||UR_EXPECT=off|$UNPACK_FAIL"
	"garbage after the archive, user_root|main|garbage.img||user_root UR_EXPECT=on|$UNPACK_FAIL"
	"garbage after the archive, stock|main|garbage.img||UR_EXPECT=off|$UNPACK_FAIL"
	# The default tmpfs size is half the RAM: the 48M initramfs does not fit either way.
	"96M RAM, 48M initramfs, user_root|main|initramfs-48m.img||user_root UR_FILES=/init UR_EXPECT=on|$ENOSPC|96M"
	"96M RAM, 48M initramfs, stock|main|initramfs-48m.img||UR_FILES=/init UR_EXPECT=off|$ENOSPC|96M"
)
