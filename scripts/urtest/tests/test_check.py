# SPDX-License-Identifier: GPL-2.0
"""The kernel-side lints of `make check`, on synthetic build outputs."""
import tempfile
import unittest
from pathlib import Path

from urtest import check

SYSTEM_MAP = """ffffffff81000000 T _stext
ffffffff81001000 T mntget
ffffffff83000000 T _sinittext
ffffffff83000100 T init_mount
ffffffff83000200 t user_root_boot_helper
ffffffff83100000 T _einittext
"""


class InitExports(unittest.TestCase):
    def check(self, symvers):
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "System.map").write_text(SYSTEM_MAP)
            Path(tmp, "Module.symvers").write_text(symvers)
            return check.init_exports(tmp)

    def test_an_exported_init_symbol_is_found(self):
        bad, n = self.check("0x00000000\tmntget\tvmlinux\tEXPORT_SYMBOL\t\n"
                            "0x00000000\tuser_root_boot_helper\tvmlinux\tEXPORT_SYMBOL_GPL\t\n")
        self.assertEqual((bad, n), (["user_root_boot_helper"], 2))

    def test_text_exports_are_fine(self):
        self.assertEqual(self.check("0x00000000\tmntget\tvmlinux\tEXPORT_SYMBOL\t\n"), ([], 1))


class RustWarnings(unittest.TestCase):
    LOG = """  CLIPPY L rust/kernel.o
warning: unused variable: `x`
   --> /src/rust/kernel/fs/sb.rs:10:9
warning: this is someone else's
   --> /src/rust/kernel/sync.rs:1:1
  CLIPPY     fs/user_root/user_root.o
warning: redundant clone
  --> /src/fs/user_root/user_root.rs:5:5
"""

    def test_ours_only_and_remembered_for_the_kernel_crate(self):
        with tempfile.TemporaryDirectory() as tmp:
            found = check.rust_warnings(self.LOG, tmp, "sources-1")
            self.assertEqual(len(found), 2)
            self.assertTrue(all("fs/" in w for w in found))
            # Next build: the kernel crate is not recompiled, its warning is still reported.
            again = check.rust_warnings("  CLIPPY     fs/user_root/user_root.o\n", tmp, "sources-1")
            self.assertEqual(len(again), 1)
            self.assertIn("sb.rs", again[0])
            # Other sources, not compiled in this build: the warnings are unknown, which fails.
            unknown = check.rust_warnings("  CLIPPY     fs/user_root/user_root.o\n", tmp, "sources-2")
            self.assertIn("warnings are unknown", unknown[0])


if __name__ == "__main__":
    unittest.main()
