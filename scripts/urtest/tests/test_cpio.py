# SPDX-License-Identifier: GPL-2.0
"""The cpio writer: its archives read back by GNU cpio and by the kernel's format rules."""
import stat
import subprocess
import tempfile
import unittest
from pathlib import Path

from urtest import cpio


def sample():
    w = cpio.Writer()
    w.dir("dev").node("dev/console", "c", 5, 1)
    w.dir("bin").file("bin/tool", b"#!/bin/sh\necho hi\n", 0o755).symlink("bin/sh", "tool")
    w.parents("a/b/c/file.txt").file("a/b/c/file.txt", b"x" * 5)   # 5 bytes: data needs padding
    w.dir("tmp", 0o1777)
    return w


class CpioTest(unittest.TestCase):
    def test_gnu_cpio_lists_what_was_written(self):
        data = sample().bytes()
        out = subprocess.run(["cpio", "-t", "-v", "--quiet"], input=data, capture_output=True, check=True).stdout
        listing = out.decode().splitlines()
        names = [line.split()[-1] if "->" not in line else line.split()[-3] for line in listing]
        self.assertEqual(names, ["dev", "dev/console", "bin", "bin/tool", "bin/sh", "a", "a/b", "a/b/c",
                                 "a/b/c/file.txt", "tmp"])
        self.assertTrue(listing[1].startswith("crw-------"))
        self.assertTrue(listing[3].startswith("-rwxr-xr-x"))
        self.assertIn("bin/sh -> tool", listing[4])
        self.assertTrue(listing[-1].startswith("drwxrwxrwt"))

    def test_gnu_cpio_extracts_the_content(self):
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["cpio", "-i", "-d", "--quiet", "--no-absolute-filenames"], cwd=tmp,
                           input=cpio.Writer().dir("d").file("d/f", b"payload\n").bytes(), check=True)
            self.assertEqual(Path(tmp, "d/f").read_bytes(), b"payload\n")

    def test_read_back_by_the_kernel_rules(self):
        [entries] = cpio.read(sample().bytes())
        by_name = {e.name: e for e in entries}
        self.assertEqual(by_name["a/b/c/file.txt"].data, b"xxxxx")
        self.assertEqual(stat.S_IFMT(by_name["dev/console"].mode), stat.S_IFCHR)
        self.assertEqual((by_name["dev/console"].rdevmajor, by_name["dev/console"].rdevminor), (5, 1))
        self.assertEqual(by_name["bin/sh"].data, b"tool")

    def test_every_header_and_body_is_four_byte_aligned(self):
        data = sample().bytes()
        self.assertEqual(len(data) % 4, 0)
        pos = 0
        while True:
            self.assertEqual(pos % 4, 0)
            self.assertEqual(data[pos:pos + 6], cpio.MAGIC)
            namesize = int(data[pos + 94:pos + 102], 16)
            size = int(data[pos + 54:pos + 62], 16)
            name = data[pos + 110:pos + 110 + namesize - 1]
            body = pos + 110 + namesize + (-(110 + namesize) % 4)
            self.assertEqual(body % 4, 0)
            pos = body + size + (-size % 4)
            if name == b"TRAILER!!!":
                break
        self.assertEqual(pos, len(data))

    def test_concatenated_archives_with_padding(self):
        one = cpio.Writer().file("a", b"1").bytes()
        two = cpio.Writer().file("b", b"2").bytes()
        archives = cpio.read(one + b"\0" * 512 + two)
        self.assertEqual([[e.name for e in a] for a in archives], [["a"], ["b"]])

    def test_what_the_kernel_refuses_is_refused(self):
        good = cpio.Writer().file("f", b"data").bytes()
        with self.assertRaisesRegex(cpio.FormatError, "no cpio magic"):
            cpio.read(b"070700" + good[6:])
        with self.assertRaisesRegex(cpio.FormatError, "truncated"):
            cpio.read(good[:114])   # in the middle of the body
        with self.assertRaisesRegex(cpio.FormatError, "truncated header"):
            cpio.read(good[:130])   # in the middle of the trailer's header
        bad_name = bytearray(good)
        bad_name[110 + 1] = ord("X")   # overwrite the name's NUL ("f\0")
        with self.assertRaisesRegex(cpio.FormatError, "NUL"):
            cpio.read(bytes(bad_name))
        huge = bytearray(good)
        huge[94:102] = b"%08X" % (cpio.PATH_MAX + 1)
        with self.assertRaisesRegex(cpio.FormatError, "name size"):
            cpio.read(bytes(huge))


if __name__ == "__main__":
    unittest.main()
