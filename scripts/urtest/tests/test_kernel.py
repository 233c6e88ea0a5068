# SPDX-License-Identifier: GPL-2.0
"""What decides that a kernel package is stale: the newest of the files it is made from."""
import os
import tempfile
import unittest
from pathlib import Path

from urtest import kernel


class NewestOutput(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.build = Path(self.dir.name)
        for i, name in enumerate([".config", "bzImage", "System.map", "fs/ext4/ext4.ko"]):
            path = self.build / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(name)
            os.utime(path, (100 + i, 100 + i))
        (self.build / "modules.order").write_text("fs/ext4/ext4.o\n")

    def tearDown(self):
        self.dir.cleanup()

    def test_a_module_rebuilt_last_counts(self):
        self.assertEqual(kernel.newest_output(self.build, self.build / "bzImage"), 103)

    def test_a_newer_image_counts(self):
        os.utime(self.build / "bzImage", (200, 200))
        self.assertEqual(kernel.newest_output(self.build, self.build / "bzImage"), 200)

    def test_a_missing_module_makes_every_package_stale(self):
        (self.build / "fs/ext4/ext4.ko").unlink()
        self.assertEqual(kernel.newest_output(self.build, self.build / "bzImage"), float("inf"))

    def test_without_modules_only_the_kernel_counts(self):
        (self.build / "modules.order").unlink()
        self.assertEqual(kernel.newest_output(self.build, self.build / "bzImage"), 102)


if __name__ == "__main__":
    unittest.main()
