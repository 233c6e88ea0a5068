# SPDX-License-Identifier: GPL-2.0
"""The boot medium that U-Boot reads: a partition table it accepts, and the files of the boot."""
import shutil
import struct
import subprocess
import tempfile
import unittest
from pathlib import Path

from urtest import images


class BootDisk(unittest.TestCase):
    def test_the_partition_table_has_one_bootable_linux_partition(self):
        table = images.mbr(start=2048, sectors=4096)
        self.assertEqual(len(table), 512)
        self.assertEqual(table[510:], b"\x55\xaa")
        boot, ptype, start, sectors = table[446], table[450], *struct.unpack("<II", table[454:462])
        self.assertEqual((boot, ptype, start, sectors), (0x80, 0x83, 2048, 4096))
        self.assertEqual(table[462:510], bytes(48))  # no other partition

    @unittest.skipUnless(shutil.which("mkimage") and shutil.which("debugfs"), "needs u-boot-tools and e2fsprogs")
    def test_the_disk_holds_kernel_initramfs_and_a_script_that_boots_them(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            (tmp / "Image").write_bytes(b"kernel" * 1000)
            (tmp / "initrd").write_bytes(b"cpio" * 1000)
            with open(tmp / "log", "w") as log:
                disk = images.u_boot_disk(tmp / "boot.img", tmp / "Image", tmp / "initrd",
                                          "console=ttyAMA0 user_root", log)
            data = disk.read_bytes()
            start = struct.unpack("<I", data[454:458])[0] * 512
            part = tmp / "part.img"
            part.write_bytes(data[start:])
            listing = subprocess.run(["debugfs", "-R", "ls -p /", str(part)], capture_output=True,
                                     text=True).stdout
            for name in ("Image", "initrd.img", "boot.scr"):
                self.assertIn(f"/{name}/", listing)
            script = subprocess.run(["debugfs", "-R", "cat /boot.scr", str(part)], capture_output=True).stdout
            self.assertIn(b'setenv bootargs "console=ttyAMA0 user_root"', script)
            self.assertIn(b"booti ${kernel_addr_r} ${ramdisk_addr_r}:${filesize} ${fdtcontroladdr}", script)


if __name__ == "__main__":
    unittest.main()
