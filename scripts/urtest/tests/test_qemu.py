# SPDX-License-Identifier: GPL-2.0
"""The verdict on a boot: what makes it fail besides a failed test."""
import unittest
from pathlib import Path

from urtest import ktap, qemu

DATA = Path(__file__).parent / "test_data"


def judge(log, **boot_args):
    boot = qemu.Boot(name="t", kernel=Path("/dev/null"), log=Path("/dev/null"), **boot_args)
    return qemu.judge(boot, ktap.parse((DATA / log).read_text(errors="replace")), False, 0, 1.0)


class Verdict(unittest.TestCase):
    def test_a_passing_boot_passes(self):
        v = judge("pass.log", require=["global.mount_tree"], expect_console=[r"user_root: initramfs on tmpfs"])
        self.assertTrue(v.ok, v.problems)

    def test_a_program_that_never_reported_fails_the_boot(self):
        v = judge("pass.log", require=["selftests: user_root: user_root_test"])
        self.assertFalse(v.ok)
        self.assertEqual([r["name"] for r in v.results if r["status"] == "fail"],
                         ["selftests: user_root: user_root_test (never reported)"])

    def test_a_missing_console_line_fails_the_boot(self):
        v = judge("pass.log", expect_console=[r"kdevtmpfs is the root now, and more"])
        self.assertFalse(v.ok)

    def test_a_userspace_line_is_not_a_kernel_message(self):
        # Only the guest printed this, so it is no kernel message.
        v = judge("pass.log", expect_console=[r"user_root: guest up"])
        self.assertFalse(v.ok)

    def test_kernel_reports_and_unfinished_guests_fail(self):
        v = judge("bug.log")
        self.assertFalse(v.ok)
        self.assertTrue(any("kernel error report" in p for p in v.problems))
        self.assertTrue(any("did not finish" in p for p in v.problems))

    def test_command_line_carries_console_and_panic_settings(self):
        cmd = qemu.command(qemu.Boot(name="t", kernel=Path("k"), log=Path("l"), cmdline="user_root",
                                     initrd=Path("i.img"), cpus=2))
        self.assertEqual(cmd[cmd.index("-append") + 1], "console=ttyS0 panic=-1 oops=panic user_root")
        self.assertEqual(cmd[cmd.index("-smp") + 1], "2")
        self.assertIn("-no-reboot", cmd)


if __name__ == "__main__":
    unittest.main()
