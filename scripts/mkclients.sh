#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Builds the clients initramfs: busybox, Debian's runc, unshare, pivot_root and switch_root
# with their libraries, and a busybox OCI bundle for runc.
#   mkclients.sh OUTDIR
set -euo pipefail
source "$(dirname "$0")/lib.sh"

dest=$(realpath -m "$1")
root=$dest/clients-root
rm -rf "$root" && mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,etc}
cp /bin/busybox "$root/bin/busybox"
for a in sh cat cp echo grep ls mkdir mount sed stat test umount reboot sync; do ln -s busybox "$root/bin/$a"; done
"$REPO/scripts/inst-with-libs.sh" "$root" runc unshare pivot_root switch_root
cp "$REPO/scripts/guest/clients.sh" "$root/init"
cp "$REPO/scripts/guest/newroot-init.sh" "$root/newroot-init.sh"
chmod 755 "$root/init" "$root/newroot-init.sh"

# The container: busybox, and the spec that `runc spec` writes, made to run without a terminal
# and without the mounts this small kernel does not have (mqueue, devpts).
bundle=$root/bundle
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/proc" "$bundle/rootfs/dev" "$bundle/rootfs/sys"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
ln -s busybox "$bundle/rootfs/bin/sh"
(cd "$bundle" && rm -f config.json && runc spec)
python3 - "$bundle/config.json" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
spec["process"]["terminal"] = False
spec["process"]["args"] = ["/bin/sh", "-c",
    "echo hello from a container; /bin/busybox head -n 1 /proc/self/mountinfo"]
spec["mounts"] = [m for m in spec["mounts"] if m["type"] not in ("mqueue", "devpts")]
spec["root"]["readonly"] = False
json.dump(spec, open(sys.argv[1], "w"), indent=1)
PY
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -n -1 > "$dest/clients.img"
say "clients: $dest/clients.img ($(du -k "$dest/clients.img" | cut -f1) KiB): runc $(runc --version | head -1 | cut -d' ' -f3), util-linux $(unshare --version | awk '{print $NF}')"
