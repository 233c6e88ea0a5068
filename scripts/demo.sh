#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: from nothing to a booted user_root kernel whose PID 1 pivots away from its
# initramfs, next to the same kernel without user_root, where pivot_root fails.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

"$REPO/scripts/install-deps.sh"
KERNEL=$("$REPO/scripts/kernel.sh")
"$REPO/scripts/mkguest.sh" "$OUT/guest"
step patches "patch series to $OUT/patches" "$OUT/logs/patches.log" \
	python3 "$REPO/scripts/series.py" patches --tree "$TREE" --out "$OUT/patches"

boot() {  # NAME APPEND
	python3 "$REPO/scripts/qemu_run.py" --name "$1" --kernel "$KERNEL" \
		--initrd "$OUT/guest/initramfs.img" --append "UR_DEMO=1 $2" --log "$OUT/demo/$1.log" \
		--cache "$CACHE" || true
	# What the guest printed, without the kernel's own messages.
	sed -n '/^# user_root: guest up/,$p' "$OUT/demo/$1.log" | grep -E '^(#|ok|not ok)' | sed 's/^/    /'
}
say ""
say "=== booting with user_root on the command line"
boot user_root "user_root UR_EXPECT=on"
say ""
say "=== the same kernel and initramfs, without user_root"
boot stock "UR_EXPECT=off"

on=$OUT/demo/user_root.log
stock=$OUT/demo/stock.log
root_line=$(grep -m1 '^# mountinfo: .* / / ' "$on" | sed 's/^# mountinfo: //')
stock_line=$(grep -m1 '^# mountinfo: .* / / ' "$stock" | sed 's/^# mountinfo: //')
pivot=$(grep -m1 '^# PID 1: pivot_root' "$on" | sed 's/^# PID 1: //')
freed=$(grep -m1 -A1 '^# Shmem' "$on" | sed 's/^# *//' | tr '\n' ' ')
stock_pivot=$(grep -m1 '^# PID 1: pivot_root' "$stock" | sed 's/^# PID 1: //')
cat <<MSG

Verdict: Linux $(kernel_version) booted with user_root shows its root as
    $root_line
that is, / is mount 2, a tmpfs named user_root, whose parent is mount 1, the immutable null
root. PID 1 built a new root and $pivot; after detaching the
initramfs, $freed(it came back).
The same kernel without user_root shows
    $stock_line
and there $stock_pivot, as on stock 6.12.
Kernel image: $KERNEL
Patch series: $OUT/patches/ (git am onto a pristine 6.12.y tree)
Console logs: $OUT/demo/
MSG
