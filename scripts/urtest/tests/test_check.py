# SPDX-License-Identifier: GPL-2.0
"""The kernel-side lints of `make check`, on synthetic build outputs; the comparison of lists
between boots (a cell's same_as), on recorded and synthetic consoles."""
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from urtest import check, distro, ktap, matrix, protocol, qemu
from urtest.builds import KernelBuild
from urtest.settings import Settings

DATA = Path(__file__).parent / "test_data"

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


PAIR = """
[[cell]]
name = "IMA, root= given, user_root"
image = "initramfs"
cmdline = "user_root root=/dev/vda ima_policy=tcb"
expect = "on"
same_as = "IMA, root= given, stock"
same_lists = ["ima-measured"]

[[cell]]
name = "IMA, root= given, stock"
image = "initramfs"
cmdline = "root=/dev/vda ima_policy=tcb"
expect = "off"
"""
RAMFS = ["/bin/busybox", "/init", "/vm/ima.sh"]


def ima_console(names, recorded="pass.log"):
    """A recorded console with the lines of scripts/guest/ima.sh put in after the guest's first
    lines, as init.sh runs it: `names` the measured files, or None for a guest that printed no
    list."""
    lines = (DATA / recorded).read_text(errors="replace").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("# fds 0-2 of /init")) + 1
    ima = ["TAP version 13\n", "1..3\n", "ok 1 IMA is on and has a measurement list (9 entries)\n"]
    if names is not None:
        ima.append(f"# list ima-measured ({len(names)}): {' '.join(names)}\n")
    ima += ["ok 2 the initramfs's files are measured exactly when the initramfs is on a ramfs\n",
            "ok 3 the initramfs is on a ramfs exactly when stock rootfs would be one\n"]
    return "".join(lines[:at] + ima + lines[at:])


def verdict_lists(console):
    """The lists of a boot's verdict, as make check keeps them."""
    boot = qemu.Boot(name="t", kernel=Path("/dev/null"), log=Path("/dev/null"))
    v = qemu.judge(boot, ktap.parse(console), False, 0, 1.0)
    return v.lists


class SameLists(unittest.TestCase):
    def setUp(self):
        self.cells = matrix.parse(PAIR)
        self.mine, self.twin = (c.name for c in self.cells)

    def compare(self, mine, theirs):
        lists = {}
        if mine is not False:
            lists[self.mine] = verdict_lists(ima_console(mine))
        if theirs is not False:
            lists[self.twin] = verdict_lists(ima_console(theirs))
        return check.same_lists(self.cells, lists)

    def test_the_same_list_passes(self):
        [(suite, name, status, detail)] = self.compare(RAMFS, RAMFS)
        self.assertEqual((suite, status), (f"boot: {self.mine}", "pass"))
        self.assertIn(f'as "{self.twin}"', name)
        self.assertIn("/init", detail)
        # Two empty lists (both tmpfs) are the same too.
        [(_s, _n, status, _d)] = self.compare([], [])
        self.assertEqual(status, "pass")

    def test_a_different_list_fails_and_shows_both(self):
        [(_s, _n, status, detail)] = self.compare(RAMFS[1:], RAMFS)
        self.assertEqual(status, "fail")
        self.assertIn("this boot: /init /vm/ima.sh", detail)
        self.assertIn(f"{self.twin}: /bin/busybox /init /vm/ima.sh", detail)
        self.assertIn("only there: /bin/busybox", detail)
        # The user_root boot measured nothing where stock measured the initramfs.
        [(_s, _n, status, detail)] = self.compare([], RAMFS)
        self.assertEqual(status, "fail")
        self.assertIn("this boot: (none)", detail)

    def test_a_boot_without_the_list_fails(self):
        [(_s, _n, status, detail)] = self.compare(None, RAMFS)
        self.assertEqual(status, "fail")
        self.assertIn(f"{self.mine} reported no ima-measured list", detail)
        [(_s, _n, status, detail)] = self.compare(RAMFS, False)
        self.assertEqual(status, "fail")
        self.assertIn("(it did not boot)", detail)

    @mock.patch("urtest.steps.say")
    def test_recorded_after_every_boot_whatever_the_order(self, _say):
        # Check.boots compares once all cells have booted, so boots that end in any order (in
        # parallel) are compared alike; check-debug boots its debug cells the same way.
        cells = matrix.parse(PAIR.replace('expect = "on"', 'expect = "on"\ndebug = true')
                             .replace('expect = "off"', 'expect = "off"\ndebug = true'))
        consoles = {cells[0].name: ima_console(RAMFS), cells[1].name: ima_console(RAMFS[:2])}
        for order in (cells, cells[::-1]):
            with tempfile.TemporaryDirectory() as tmp:
                c = check.Check.__new__(check.Check)
                c.results, c.lists = check.Results(Path(tmp, "results.tsv")), {}
                seen = []

                def boot_each(booted, c=c, order=order, seen=seen):
                    for cell in order:
                        if cell in booted:
                            seen.append(len(c.results.rows))
                            c.lists[cell.name] = verdict_lists(consoles[cell.name])

                c.boot_each = boot_each
                c.boots([x for x in cells if x.debug])   # as check-debug selects them
                self.assertEqual(seen, [0, 0])
                [row] = c.results.rows
                self.assertEqual((row[0], row[2]), (f"boot: {cells[0].name}", "fail"))
                self.assertFalse(c.results.ok())

    def test_the_matrix_compares_each_ima_user_root_cell_with_its_stock_twin(self):
        cells = {c.name: c for c in matrix.load()}
        pairs = {c.name: c.same_as for c in cells.values() if "ima-measured" in c.same_lists}
        self.assertEqual(pairs, {"IMA tcb policy, root= given, user_root": "IMA tcb policy, root= given, stock",
                                 "IMA tcb policy, user_root": "IMA tcb policy, stock"})
        for mine, twin in pairs.items():
            self.assertTrue(cells[mine].user_root() and not cells[twin].user_root())
            self.assertIn("ima_policy=tcb", cells[twin].cmdline.split())


class CellBoot(unittest.TestCase):
    """Every cell, a Debian one included, boots through check.cell_boot, which takes the whole
    command line from the cell (matrix.Cell.kernel_cmdline) and nowhere else."""
    CELLS = matrix.parse("""
[[cell]]
name = "initramfs, user_root"
image = "initramfs"
cmdline = "user_root"
expect = "on"
debug = true

[[cell]]
name = "Debian, dracut, user_root"
kernel = "distro"
release = "trixie"
distro = "dracut"
memory = "1G"
cmdline = "user_root"
expect = "on"
""")

    def kernels(self):
        guest = mock.Mock(dir=Path("/g"), path=lambda image: Path(f"/g/{image}.img"))
        system = distro.System(version="6.12.0", kernel=Path("/d/vmlinuz"), disk=Path("/d/disk.img"),
                               initrds={"dracut": Path("/d/dracut.img")})
        return mock.Mock(images={KernelBuild(): Path("/k/bzImage"), KernelBuild("debug"): Path("/k/debug"),
                                 KernelBuild("distro"): Path("/k/distro")},
                         guests={KernelBuild(): guest, KernelBuild("debug"): guest}, systems={"trixie": system})

    def boot(self, cell, debug=False):
        s = Settings(cache=Path("/c"), out=Path("/o"), jobs=1, ksrc=None, accel="tcg")
        return check.cell_boot(cell, self.kernels(), Path("/o/boot/x.log"), s, debug)

    def test_the_command_line_is_the_cells_whole_one(self):
        plain, debian = self.CELLS
        for cell, debug in ((plain, False), (plain, True), (debian, False)):
            with self.subTest(cell.name, debug=debug):
                b = self.boot(cell, debug)
                self.assertEqual(b.cmdline, cell.kernel_cmdline(debug))
                cmd = qemu.command(b)
                self.assertEqual(cmd[cmd.index("-append") + 1], cell.kernel_cmdline(debug))
        self.assertEqual(plain.kernel_cmdline(), "console=ttyS0 panic=-1 oops=panic user_root UR_EXPECT=on")
        self.assertIn(" acpi=noirq ", plain.kernel_cmdline(debug=True))

    def test_the_debug_run_boots_the_debug_kernel(self):
        plain, _ = self.CELLS
        self.assertEqual(self.boot(plain).kernel, Path("/k/bzImage"))
        self.assertEqual(self.boot(plain, debug=True).kernel, Path("/k/debug"))
        self.assertEqual(self.boot(plain, debug=True).timeout, 4 * plain.timeout)

    def test_a_debian_cell_boots_the_installed_kernel_and_its_initramfs(self):
        _, debian = self.CELLS
        b = self.boot(debian)
        self.assertEqual((b.kernel, b.initrd, b.disk, b.memory),
                         (Path("/d/vmlinuz"), Path("/d/dracut.img"), Path("/d/disk.img"), "1G"))
        self.assertEqual(b.cmdline, f"console=ttyS0 panic=-1 oops=panic user_root root=UUID={distro.ROOT_UUID} "
                                    "ro UR_GENERATOR=dracut")
        self.assertEqual(b.require, protocol.REQUIRED["distro"])

    def test_a_debian_cell_without_its_system_or_initramfs_is_refused(self):
        _, debian = self.CELLS
        s = Settings(cache=Path("/c"), out=Path("/o"), jobs=1, ksrc=None, accel="tcg")
        kernels = self.kernels()
        kernels.systems = {"bookworm": kernels.systems["trixie"]}   # another release's only
        with self.assertRaises(check.steps.StepFailed):
            check.cell_boot(debian, kernels, Path("/o/boot/x.log"), s)
        kernels = self.kernels()
        kernels.systems = {"trixie": distro.System(version="", kernel=None, disk=Path("/d/disk.img"))}
        s = Settings(cache=Path("/c"), out=Path("/o"), jobs=1, ksrc=None, accel="tcg")
        with self.assertRaises(check.steps.StepFailed):
            check.cell_boot(debian, kernels, Path("/o/boot/x.log"), s)



class KernelsOrder(unittest.TestCase):
    """check.Kernels builds each kernel and guest once, after what it depends on, and a failed
    build is not tried again by what depends on it."""

    def kernels(self, fail=()):
        built = []
        k = mock.Mock()
        k.build.side_effect = lambda kb: (built.append(("image", kb)), Path(f"/k/{kb.name}"))[1] \
            if ("image", kb) not in fail else (_ for _ in ()).throw(check.steps.StepFailed(f"{kb} broke"))

        class Guest:
            def __init__(self, s, k, kb):
                self.kb, self.arch = kb, mock.Mock(debian_port=True)

            def build(self):
                if ("guest", self.kb) in fail:
                    raise check.steps.StepFailed(f"guest of {self.kb} broke")
                built.append(("guest", self.kb))

        s = Settings(cache=Path("/c"), out=Path("/o"), jobs=1, ksrc=None)
        with mock.patch.object(check.images, "Guest", Guest), mock.patch.object(check.deps, "install"):
            kernels = check.Kernels(s, k)
            return kernels, built, Guest

    def build_all(self, fail=()):
        kernels, built, guest_class = self.kernels(fail)
        failures = []
        with mock.patch.object(check.images, "Guest", guest_class), mock.patch.object(check.deps, "install"):
            for kb in sorted([KernelBuild("builtin"), KernelBuild("default-on"), KernelBuild(),
                              KernelBuild("main", "aarch64"), KernelBuild("builtin", "aarch64")],
                             key=check.build_order):
                try:
                    kernels.image(kb)
                    kernels.guest(kb)
                except check.steps.StepFailed as err:
                    failures.append((kb, str(err)))
        return built, failures

    def test_dependencies_first_and_each_once(self):
        built, failures = self.build_all()
        self.assertEqual(failures, [])
        self.assertEqual(built, [("image", KernelBuild()), ("guest", KernelBuild()), ("image", KernelBuild("builtin")),
                                 ("image", KernelBuild("default-on")), ("image", KernelBuild("main", "aarch64")),
                                 ("guest", KernelBuild("main", "aarch64")),
                                 ("image", KernelBuild("builtin", "aarch64"))])

    def test_a_failed_guest_is_not_built_again_and_its_dependents_are_skipped(self):
        built, failures = self.build_all(fail={("guest", KernelBuild())})
        self.assertEqual(built.count(("image", KernelBuild())), 1)
        self.assertNotIn(("image", KernelBuild("builtin")), built)      # needs the guest's archive
        self.assertIn(("image", KernelBuild("default-on")), built)      # needs the main image only
        self.assertIn(("image", KernelBuild("builtin", "aarch64")), built)
        self.assertEqual([str(kb) for kb, _ in failures], ["main, x86_64", "builtin, x86_64", "default-on, x86_64"])
        self.assertIn("skipped", dict(failures)[KernelBuild("builtin")])


if __name__ == "__main__":
    unittest.main()
