# SPDX-License-Identifier: GPL-2.0
"""One vocabulary for kernels: a KernelBuild names its directories, logs and guest by one rule,
and the matrix, the builder and the check all use it."""
import unittest
from pathlib import Path

from urtest import matrix
from urtest.builds import BASE, VARIANTS, KernelBuild
from urtest.kernel import Kernel
from urtest.settings import Settings


def settings():
    return Settings(cache=Path("/c"), out=Path("/o"), jobs=1, ksrc=None)


class KernelBuildTest(unittest.TestCase):
    def test_one_naming_rule(self):
        k = Kernel(settings())
        for kb, name, home in ((KernelBuild(), "x86_64-main", "/c"), (KernelBuild("debug"), "x86_64-debug", "/c"),
                               (KernelBuild("builtin", "aarch64"), "aarch64-builtin", "/c"),
                               (KernelBuild(base="trixie"), "trixie-x86_64-main", "/c/base-trixie")):
            with self.subTest(name):
                self.assertEqual(kb.name, name)
                self.assertEqual(k.build_dir(kb), Path(f"{home}/build-{name}"))
                self.assertEqual(k.log("build", kb), Path(f"/o/logs/build-{name}.log"))

    def test_revision_is_a_debian_revision_and_the_build_version(self):
        for kb, revision in ((KernelBuild("distro"), "distro"), (KernelBuild("no-user-root"), "no+user+root"),
                             (KernelBuild("distro", base="trixie"), "trixie+distro")):
            with self.subTest(revision):
                self.assertEqual(kb.revision, revision)
                # Debian's revision: [A-Za-z0-9+.~], what bindeb-pkg passes on as KBUILD_BUILD_VERSION.
                self.assertRegex(kb.revision, r"^[A-Za-z0-9][A-Za-z0-9+.~]*$")
                self.assertIn(f"KBUILD_BUILD_VERSION={revision}", Kernel(settings()).make(kb, "all"))

    def test_it_is_frozen_and_hashable(self):
        self.assertEqual({KernelBuild(): 1}[KernelBuild("main", "x86_64", BASE)], 1)
        with self.assertRaises(AttributeError):
            KernelBuild().variant = "debug"

    def test_unknown_or_impossible_builds_are_refused(self):
        for args in (("bogus",), ("main", "sparc"), ("debug", "aarch64"), ("distro", "riscv64"),
                     ("main", "x86_64", "sid"), ("builtin", "riscv64")):
            with self.subTest(args), self.assertRaises(ValueError):
                KernelBuild(*args)

    def test_which_guest_and_which_seed(self):
        self.assertEqual(KernelBuild("default-on").guest, KernelBuild())
        self.assertEqual(KernelBuild("builtin", "aarch64").guest, KernelBuild("main", "aarch64"))
        self.assertEqual(KernelBuild("debug").guest, KernelBuild("debug"))
        self.assertEqual([v for v in VARIANTS if KernelBuild(v).seeded],
                         ["default-on", "no-user-root", "builtin", "distro"])

    def test_fragments(self):
        main = KernelBuild().fragments("/g")
        self.assertEqual([f.name for f in main], ["config", "vm.config", "vm-x86_64.config"])
        self.assertEqual(KernelBuild("builtin").fragments("/g")[3:], [Path("/g/builtin.config")])
        self.assertEqual(KernelBuild("debug").fragments("/g")[3:], [main[1].parent / "debug.config"])
        for f in [f for v in VARIANTS for f in KernelBuild(v).fragments("/g") if not str(f).startswith("/g")]:
            self.assertTrue(Path(f).is_file(), f)

    def test_every_cell_names_a_build_and_check_debug_boots_the_debug_kernel(self):
        cells = matrix.load()
        self.assertTrue(all(c.build().variant == c.kernel for c in cells))
        self.assertEqual({c.build(debug=True) for c in cells if c.debug}, {KernelBuild("debug")})


if __name__ == "__main__":
    unittest.main()
