#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Derive the boot matrix's initramfs images from the guest's cpio archive.

Every compression the test kernel accepts; an uncompressed early archive followed by a
compressed main one, as microcode loading does; and damaged images: truncated, with a corrupt
cpio header, with a corrupt compressed stream, with garbage appended. The damage always lands
in /ballast, the last file of the archive, so that what comes before it (init, busybox, the
tests) unpacks and the guest can still report.
"""
import gzip
import random
import subprocess
import sys
from pathlib import Path

COMPRESSORS = {
    "none": None,
    "gzip": ["gzip", "-n", "-9"],
    "zstd": ["zstd", "-q", "-19", "-c"],
    "xz": ["xz", "--check=crc32", "-9", "-c"],
    "lz4": ["lz4", "-q", "-l", "-9", "-c"],
}


def compress(data, how):
    cmd = COMPRESSORS[how]
    return data if cmd is None else subprocess.run(cmd, input=data, check=True, capture_output=True).stdout


def newc_entry(name, data=b"", mode=0o100644, ino=900):
    """One cpio "newc" entry (what gen_init_cpio writes)."""
    name_b = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name_b), 0]
    hdr = b"070701" + b"".join(b"%08X" % f for f in fields)
    out = hdr + name_b
    out += b"\0" * (-len(out) % 4) + data
    return out + b"\0" * (-len(out) % 4)


def trailer():
    return newc_entry("TRAILER!!!", mode=0, ino=0)


def header_offset(cpio, name):
    """Offset of the newc header of the entry called `name`."""
    at = cpio.index(name.encode() + b"\0")
    return at - 110


def main():
    src, dest = Path(sys.argv[1]), Path(sys.argv[2])
    cpio = src.read_bytes()
    rnd = random.Random(6_12_117)
    images = {}
    for how in COMPRESSORS:
        images[f"initramfs-{how}.img"] = compress(cpio, how)
    early = newc_entry("early-marker", b"loaded from the early, uncompressed archive\n") + trailer()
    images["concat.img"] = early + images["initramfs-zstd.img"]

    ballast = header_offset(cpio, "ballast")
    images["truncated.img"] = cpio[: ballast + 110 + 4096 * 100]
    broken = bytearray(cpio)
    broken[ballast: ballast + 6] = b"07070X"
    images["corrupt-header.img"] = bytes(broken)
    gz = bytearray(images["initramfs-gzip.img"])
    for i in range(len(gz) - 2048, len(gz) - 1024, 97):
        gz[i] ^= 0xA5
    images["corrupt-stream.img"] = bytes(gz)
    images["garbage.img"] = images["initramfs-gzip.img"] + bytes(rnd.getrandbits(8) for _ in range(4096))
    for name, data in images.items():
        (dest / name).write_bytes(data)
    print(" ".join(f"{n} ({len(d) >> 10} KiB)" for n, d in images.items()))


if __name__ == "__main__":
    main()
