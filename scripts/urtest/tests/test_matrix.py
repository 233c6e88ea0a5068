# SPDX-License-Identifier: GPL-2.0
"""The boot matrix: every cell of matrix.toml is valid, names are unique, and mistakes a newcomer
could make in a new cell are caught before anything boots."""
import re
import unittest

from urtest import matrix, protocol
from urtest.settings import REPO

GOOD = """
[[cell]]
name = "one"
image = "initramfs"
cmdline = "user_root"
expect = "on"
console = ["user_root_on"]
"""


class MatrixTest(unittest.TestCase):
    def test_the_matrix_is_valid(self):
        cells = matrix.load()
        self.assertGreaterEqual(len(cells), 44)
        self.assertEqual(len({c.name for c in cells}), len(cells))
        self.assertEqual(len({c.slug for c in cells}), len(cells))

    def test_every_console_message_is_a_valid_regex(self):
        for name, pattern in protocol.MESSAGES.items():
            re.compile(pattern)

    def test_command_line_carries_the_guest_variables(self):
        [cell] = matrix.parse(GOOD + 'files = ["/a", "/b"]\n')
        self.assertEqual(cell.full_cmdline(), "user_root UR_EXPECT=on UR_FILES=/a,/b")

    def test_fault_cells_say_what_the_guest_must_find(self):
        [kept] = matrix.parse(GOOD.replace('"user_root"', '"user_root fail_user_root=6,100,0,1"') +
                              "kept = true\ndebug = true\nrun_by = \"check-debug\"\n")
        self.assertEqual(kept.full_cmdline(), "user_root fail_user_root=6,100,0,1 UR_EXPECT=on UR_KEPT=1")
        self.assertIn("old_root_memory_kept", kept.required_results())
        self.assertNotIn("old_root_memory_returned", kept.required_results())
        [panic] = matrix.parse(GOOD.replace('"user_root"', '"user_root fail_user_root=3,100,0,1"') +
                               'panic = "user_root_mount"\ndebug = true\nrun_by = "check-debug"\n')
        self.assertEqual(panic.required_results(), [])
        # A null root that cannot be made leaves user_root on the stock rootfs.
        matrix.parse(GOOD.replace('"user_root"', '"user_root fail_user_root=1,100,0,1"')
                     .replace('expect = "on"', 'expect = "off"') + 'debug = true\nrun_by = "check-debug"\n')

    def test_mistakes_are_caught(self):
        cases = {
            "unknown keys": GOOD.replace('expect = "on"', 'expect = "on"\ncmd_line = "x"'),
            "unknown console message": GOOD.replace("user_root_on", "user_root_is_on"),
            "unknown image": GOOD.replace('"initramfs"', '"initramfs-bz2"'),
            "expect must be one of": GOOD.replace('expect = "on"', 'expect = "yes"'),
            "disagrees with the command line": GOOD.replace('cmdline = "user_root"', 'cmdline = ""'),
            "nothing to boot from": GOOD.replace('image = "initramfs"\n', ""),
            "two cells are named": GOOD + GOOD,
            "needs the disk": GOOD.replace('expect = "on"', 'expect = "disk-on"'),
            "unknown arch": GOOD.replace('expect = "on"', 'expect = "on"\narch = "sparc"'),
            "needs an architecture with Debian's U-Boot": GOOD + 'bootloader = "u-boot"\n',
            "an image and no disk": GOOD.replace('image = "initramfs"', 'disk = true') +
            'arch = "aarch64"\nbootloader = "u-boot"\n',
            "has no riscv64 port": GOOD + 'arch = "riscv64"\n',
            "run_by is one of check, check-arch, check-debug, check-distro": GOOD + 'run_by = "nightly"\n',
            "a cell that only check-debug boots is a debug cell": GOOD + 'run_by = "check-debug"\n',
            "fail_user_root= needs the debug kernel": GOOD.replace('"user_root"', '"user_root fail_user_root=3,100,0,1"'),
            "unknown panic": GOOD.replace('"user_root"', '"user_root fail_user_root=3,100,0,1"') +
            'panic = "oops"\ndebug = true\nrun_by = "check-debug"\n',
            "are for what a fault leaves": GOOD + "kept = true\n",
            "built for x86_64 only": GOOD + 'arch = "aarch64"\ndebug = true\n',
        }
        for why, text in cases.items():
            with self.subTest(why), self.assertRaisesRegex(matrix.MatrixError, why):
                matrix.parse(text)

    def test_a_cell_compared_with_another_boots_like_it_but_for_user_root(self):
        stock = GOOD.replace('"one"', '"two"').replace('cmdline = "user_root"', 'cmdline = ""') \
            .replace('expect = "on"', 'expect = "off"').replace('console = ["user_root_on"]\n', "")
        pair = GOOD + 'same_as = "two"\nsame_lists = ["ima-measured"]\n' + stock
        one, two = matrix.parse(pair)
        self.assertEqual((one.same_as, one.same_lists, two.same_as), ("two", ("ima-measured",), ""))
        self.assertIn('ima-measured as in "two"', matrix.markdown([one, two]))
        cases = {
            "same_as names no cell": pair.replace('same_as = "two"', 'same_as = "three"'),
            "same_as names another cell, and same_lists": GOOD + 'same_as = "two"\n' + stock,
            "same_as names another cell": GOOD + 'same_as = "one"\nsame_lists = ["ima-measured"]\n',
            "unknown list": pair.replace('["ima-measured"]', '["ima"]'),
            "differ in image": pair.replace('image = "initramfs"\ncmdline = ""', 'image = "initramfs-zstd"\ncmdline = ""'),
            "differ in cmdline": pair.replace('cmdline = ""', 'cmdline = "root=/dev/vda"'),
            # Both must boot in the same runs: a debug cell's twin is a debug cell too.
            "differ in debug": pair + "debug = true\n",
        }
        for why, text in cases.items():
            with self.subTest(why), self.assertRaisesRegex(matrix.MatrixError, why):
                matrix.parse(text)

    def test_console_max_bounds_a_message(self):
        [cell] = matrix.parse(GOOD + "console_max = {create_named = 10, create_more = 1}\n")
        self.assertEqual(cell.console_bounds(), [(protocol.MESSAGES["create_more"], 1),
                                                 (protocol.MESSAGES["create_named"], 10)])
        self.assertIn("create_named at most 10x", matrix.markdown([cell]))
        for why, text in {"unknown console message": "{created = 10}", "is not a count": "{create_named = -1}",
                          "is not a count ": '{create_named = "10"}', "is a table": '["create_named"]'}.items():
            with self.subTest(why), self.assertRaisesRegex(matrix.MatrixError, why.strip()):
                matrix.parse(GOOD + f"console_max = {text}\n")

    def test_the_hostile_archive_is_booted_on_both_with_its_count(self):
        cells = [c for c in matrix.load() if c.image == "uncreatable"]
        self.assertEqual(sorted(c.user_root() for c in cells), [False, True])
        for c in cells:
            self.assertIn(f"{protocol.UNCREATABLE:,} names", c.name)
            self.assertIn("uncreatable_more", c.console)
            self.assertIn(f" {protocol.UNCREATABLE - protocol.CREATE_NAMED} more names", protocol.MESSAGES["uncreatable_more"])
            self.assertEqual(dict(c.console_max), {"create_named": protocol.CREATE_NAMED})
            self.assertLessEqual(c.timeout, 120)

    def test_the_module_churn_runs_on_the_debug_kernel(self):
        [cell] = [c for c in matrix.load() if c.churn]
        self.assertTrue(cell.debug)
        self.assertGreaterEqual(cell.churn, 100)
        self.assertIn(f"{protocol.CHURN}={cell.churn}", cell.full_cmdline().split())
        self.assertLessEqual(set(protocol.REQUIRED["churn"]), set(cell.required_results()))
        # The guest script reports, under these names, what the cell requires, with a module
        # that the test modules' Kbuild builds.
        script = (REPO / "scripts/guest/churn.sh").read_text()
        for name in protocol.REQUIRED["churn"]:
            self.assertIn(f'ok "{name}"', script)
        self.assertIn("user_root_fs_churn.o", (REPO / "tools/testing/user_root/modules/Kbuild").read_text())
        self.assertIn("/vm/churn.sh", (REPO / "scripts/guest/init.sh").read_text())
        [plain] = matrix.parse(GOOD)
        self.assertNotIn(protocol.CHURN, plain.full_cmdline())
        self.assertFalse(set(protocol.REQUIRED["churn"]) & set(plain.required_results()))
        for why, text in {"is not a number of rounds": "churn = -1\n",
                          "is not a number of rounds ": "churn = true\n",
                          "runs in the test guest's init": 'churn = 10\n'}.items():
            cell = GOOD.replace('"initramfs"', '"kselftest"') if why.startswith("runs") else GOOD
            with self.subTest(why), self.assertRaisesRegex(matrix.MatrixError, why.strip()):
                matrix.parse(cell + text)

    def test_the_documented_table_is_current(self):
        doc = matrix.TABLE_DOC.read_text()
        self.assertEqual(matrix.doc_table(doc), matrix.markdown(matrix.load()),
                         f"{matrix.TABLE_DOC.relative_to(REPO)}: the matrix table is out of date: run `make matrix`")

    def test_markdown_has_a_row_per_cell(self):
        cells = matrix.load()
        table = matrix.markdown(cells).splitlines()
        self.assertEqual(len(table), len(cells) + 2)


    def test_a_debian_cell_names_its_release(self):
        debian = ('[[cell]]\nname = "d"\nkernel = "distro"\ndistro = "dracut"\nexpect = "on"\n'
                  'cmdline = "user_root"\n')
        [cell] = matrix.parse(debian + 'release = "trixie"\n')
        self.assertEqual(cell.release, "trixie")
        for bad in ("", 'release = "sid"\n'):
            with self.subTest(bad), self.assertRaisesRegex(matrix.MatrixError, "release = one of bookworm, trixie"):
                matrix.parse(debian + bad)
        with self.assertRaisesRegex(matrix.MatrixError, "a Debian boot has"):
            matrix.parse(GOOD + 'release = "trixie"\n')

    def test_every_debian_release_is_booted_by_some_target(self):
        cells = [c for c in matrix.load() if c.distro]
        self.assertEqual({c.release for c in cells}, set(matrix.distro.RELEASES))
        # Debian 13, the release that ships 6.12, in make check: both generators, on and off.
        self.assertEqual({(c.distro, c.user_root()) for c in cells if c.release == "trixie" and c.run_by == "check"},
                         {(g, on) for g in matrix.GENERATORS for on in (True, False)})


if __name__ == "__main__":
    unittest.main()
