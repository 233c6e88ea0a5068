# SPDX-License-Identifier: GPL-2.0
"""The README is what a new user follows: no figure in it is left as a placeholder, and every
make target it names exists."""
import re
import unittest

from urtest.settings import REPO


class ReadmeTest(unittest.TestCase):
    def setUp(self):
        self.readme = (REPO / "README.md").read_text()

    def test_no_placeholder_is_left(self):
        self.assertEqual(re.findall(r"@[A-Z0-9_]+@", self.readme), [])

    def test_every_make_target_it_names_exists(self):
        makefile = (REPO / "Makefile").read_text()
        targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
        named = set(re.findall(r"`make ([a-z][a-z-]*)", self.readme))
        kernel_targets = {"olddefconfig", "prepare", "bindeb-pkg", "defconfig", "tinyconfig", "modules"}
        self.assertEqual(named - targets - kernel_targets, set())


if __name__ == "__main__":
    unittest.main()
