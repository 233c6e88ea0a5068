# SPDX-License-Identifier: GPL-2.0
# The boots that `make check` runs: NAME|KIND|COMMAND LINE|CONSOLE REGEX (optional).
# KIND: initramfs (bootloader-supplied initramfs), disk (root=/dev/vda, no initramfs /init).
# UR_EXPECT tells the guest's tests what this boot must look like.
BOOTS=(
	"initramfs, user_root|initramfs|user_root initramfs_options=size=200m UR_EXPECT=on|initramfs on tmpfs \"user_root\""
	"initramfs, stock|initramfs|initramfs_options=size=200m UR_EXPECT=off|"
	"root=/dev/vda, user_root|disk|user_root root=/dev/vda rw UR_EXPECT=disk-on|the kernel-mounted root is the root now"
	"root=/dev/vda, stock|disk|root=/dev/vda rw UR_EXPECT=disk-off|"
	"user_root=bogus keeps the default|initramfs|user_root=bogus UR_EXPECT=off|ignoring \"user_root=bogus\""
	"user_root then user_root=0|initramfs|user_root user_root=0 UR_EXPECT=off|"
	"bad initramfs_options|initramfs|user_root initramfs_options=bogus=1 UR_EXPECT=on|tmpfs rejected initramfs_options=\"bogus=1\""
)
