#!/.fuzz/busybox sh
# SPDX-License-Identifier: GPL-2.0
# /init of a fuzzing case (scripts/urtest/fuzz.py): reports the tree the kernel unpacked from the
# mutated archive, as one hash, then restarts. The harness (this script, /.fuzz) is left out.
bb=/.fuzz/busybox
cd /
# Warnings and worse still reach the console; chatter such as a late input device would
# break into the report's lines. No /proc here: busybox dmesg sets the level by syscall.
$bb dmesg -n 5
# One line per entry: path, type, mode, owner, size, and the content or link target's hash.
$bb find . -xdev ! -path . ! -path ./init ! -path './.fuzz' ! -path './.fuzz/*' |
while read -r path; do
	if [ -L "$path" ]; then
		what="link:$($bb readlink "$path" | $bb sha256sum | $bb cut -c1-16)"
	elif [ -f "$path" ]; then
		# Its first MiB: all the unpacker writes comes from an archive of a few KiB, and the
		# rest of a file whose header claims up to 4 GiB is a hole (its size is in the line).
		what="data:$($bb head -c 1048576 "$path" | $bb sha256sum | $bb cut -c1-16)"
	else
		what=-
	fi
	echo "$($bb stat -c '%n %F %a %u:%g %s' "$path") $what"
done | $bb sort > /.fuzz/tree
echo "# fuzz: tree $($bb sha256sum < /.fuzz/tree | $bb cut -c1-64) $($bb wc -l < /.fuzz/tree) entries"
$bb sed 's/^/# fuzz: /' /.fuzz/tree
echo "# user_root: guest done"
$bb reboot -f
