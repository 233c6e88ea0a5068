# SPDX-License-Identifier: GPL-2.0
"""The boot medium that U-Boot reads: a partition table it accepts, and the files of the boot."""
import shutil
import stat
import struct
import subprocess
import tempfile
import unittest
from pathlib import Path

from urtest import cpio, images, protocol


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


class Uncreatable(unittest.TestCase):
    """The image "uncreatable": the count its cells expect is the archive's own."""

    def archive(self):
        # A stand-in for the guest (busybox and the test programs are not on the host): what
        # Guest.base() adds before the names, the kernel's default archive's names among them.
        w = cpio.Writer()
        w.dir("dev").node("dev/console", "c", 5, 1)
        for d in ("proc", "sys", "bin", "sbin", "tmp"):
            w.dir(d)
        w.file("init", b"#!/bin/sh\n", 0o755).symlink("sbin/init", "/init").file("ballast", bytes(4096))
        return images.add_uncreatable(w, protocol.UNCREATABLE).bytes()

    def test_exactly_the_names_in_the_missing_directory_cannot_be_created(self):
        data = self.archive()
        [entries] = cpio.read(data)  # a valid archive, read back as the kernel would
        missing = [e for e in entries if e.name.startswith("missing/")]
        self.assertEqual(len(missing), protocol.UNCREATABLE)
        self.assertNotIn("missing", {e.name for e in entries})
        self.assertEqual(images.uncreatable(entries), protocol.UNCREATABLE)
        # Every kind of name the unpacker creates: files, directories, symlinks, nodes.
        self.assertEqual({stat.S_IFMT(e.mode) for e in missing},
                         {stat.S_IFREG, stat.S_IFDIR, stat.S_IFLNK, stat.S_IFCHR})
        # The names are the same each time, and so is the archive.
        self.assertEqual(data, self.archive())

    def test_a_name_that_is_there_already_is_not_counted(self):
        w = cpio.Writer().dir("dev").node("dev/console", "c", 5, 1).dir("root")  # the kernel's own, again
        w.dir("a").file("a/b", b"").file("a/b", b"")
        self.assertEqual(images.uncreatable(w.entries), 0)
        w.file("a/c/d", b"").dir("a/c").file("a/c/d", b"")
        self.assertEqual(images.uncreatable(w.entries), 1)

    def test_the_console_expects_the_rest_after_the_named_ones(self):
        line = (f"Initramfs unpacking: {protocol.UNCREATABLE - protocol.CREATE_NAMED} more names could not "
                "be created")
        self.assertRegex(line, protocol.MESSAGES["uncreatable_more"])
        self.assertNotRegex(line.replace(" more", "0 more"), protocol.MESSAGES["uncreatable_more"])
        self.assertRegex("Initramfs unpacking: cannot create missing/dir-00001: -ENOENT",
                         protocol.MESSAGES["uncreatable_enoent"])


if __name__ == "__main__":
    unittest.main()
