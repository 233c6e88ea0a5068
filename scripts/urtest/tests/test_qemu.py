# SPDX-License-Identifier: GPL-2.0
"""The verdict on a boot: what makes it fail besides a failed test."""
import unittest
from pathlib import Path

from urtest import ktap, protocol, qemu

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
        self.assertEqual([r.name for r in v.results if r.status == "fail"],
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

    def test_an_expected_panic_passes_only_alone(self):
        panic = r"Kernel panic - not syncing: Can't mount user_root for the initramfs: -ENOMEM"
        v = judge("panic.log", expect_panic=panic, expect_console=[r"fault injection: init_chdir fails"])
        self.assertTrue(v.ok, v.problems)
        # Unexpected, it fails the boot as any panic does.
        self.assertFalse(judge("panic.log").ok)
        # Another panic than the one expected fails it too.
        self.assertFalse(judge("panic.log", expect_panic=r"Kernel panic - not syncing: VFS").ok)
        # So does a kernel report beside the expected panic.
        log = (DATA / "panic.log").read_text().replace("Call Trace:", "BUG: KASAN: use-after-free")
        boot = qemu.Boot(name="t", kernel=Path("/dev/null"), log=Path("/dev/null"), expect_panic=panic)
        self.assertFalse(qemu.judge(boot, ktap.parse(log), False, 0, 1.0).ok)

    def test_an_expected_failure_must_fail(self):
        v = judge("pass.log", require=["global.mount_tree"], xfail=["global.mount_tree"])
        self.assertFalse(v.ok)
        self.assertIn("global.mount_tree (must fail here)", [r.name for r in v.results if r.status == "fail"])
        v = judge("fail.log", xfail=["global.mount_tree"])
        self.assertIn("global.mount_tree (fails, as it must here)",
                      [r.name for r in v.results if r.status == "pass"])

    def flooded(self, named, summary=True, user=0):
        """pass.log with the unpacker's lines of the hostile archive after "Unpacking initramfs":
        `named` names, the count of the rest, and `user` userspace lines that quote them."""
        lines = (DATA / "pass.log").read_text().splitlines()
        at = next(i for i, l in enumerate(lines) if l.endswith("] Unpacking initramfs..."))
        more = (f"[    0.900000] Initramfs unpacking: {protocol.UNCREATABLE - protocol.CREATE_NAMED} more names "
                "could not be created")
        flood = [f"[    0.72{i:04d}] Initramfs unpacking: cannot create missing/file-{i:05d}: -ENOENT"
                 for i in range(named)] + ([more] if summary else [])
        flood += ["# Initramfs unpacking: cannot create missing/file-00000: -ENOENT"] * user
        return "\n".join(lines[:at + 1] + flood + lines[at + 1:]) + "\n", at + 1

    def judge_flood(self, text):
        bounded = [(protocol.MESSAGES["create_named"], protocol.CREATE_NAMED)]
        boot = qemu.Boot(name="t", kernel=Path("/dev/null"), log=Path("/dev/null"), console_max=bounded,
                         expect_console=[protocol.MESSAGES["uncreatable_enoent"],
                                         protocol.MESSAGES["uncreatable_more"]])
        return qemu.judge(boot, ktap.parse(text), False, 0, 1.0)

    def test_a_bounded_kernel_message_passes_up_to_its_bound(self):
        text, _ = self.flooded(protocol.CREATE_NAMED, user=30)
        v = self.judge_flood(text)
        self.assertTrue(v.ok, [r for r in v.results if r.status == "fail"])
        self.assertIn(f"console shows /{protocol.MESSAGES['create_named']}/ at most {protocol.CREATE_NAMED} times",
                      [r.name for r in v.results if r.status == "pass"])

    def test_a_flood_of_a_bounded_kernel_message_fails_the_boot(self):
        for named in (protocol.CREATE_NAMED + 1, protocol.UNCREATABLE):
            with self.subTest(named=named):
                text, first = self.flooded(named, summary=False)
                v = self.judge_flood(text)
                self.assertFalse(v.ok)
                [failed] = [r for r in v.results if r.status == "fail" and " at most " in r.name]
                self.assertTrue(failed.name.endswith(f"at most {protocol.CREATE_NAMED} times (it did {named} times)"),
                                failed.name)
                # It points at the first line too many, for the explanation to show.
                self.assertEqual(failed.line, first + protocol.CREATE_NAMED)

    def test_the_count_of_the_rest_must_be_the_exact_one(self):
        text, _ = self.flooded(protocol.CREATE_NAMED)
        self.assertFalse(self.judge_flood(text.replace(f" {protocol.UNCREATABLE - protocol.CREATE_NAMED} more ",
                                                       f" {protocol.UNCREATABLE - protocol.CREATE_NAMED - 1} more ")).ok)
        self.assertFalse(self.judge_flood(self.flooded(protocol.CREATE_NAMED, summary=False)[0]).ok)

    def test_command_line_carries_console_and_panic_settings(self):
        cmd = qemu.command(qemu.Boot(name="t", kernel=Path("k"), log=Path("l"), cmdline=qemu.cmdline("x86_64", "user_root"),
                                     initrd=Path("i.img"), cpus=2))
        self.assertEqual(cmd[cmd.index("-append") + 1], "console=ttyS0 panic=-1 oops=panic user_root")
        self.assertEqual(cmd[cmd.index("-smp") + 1], "2")
        self.assertIn("-no-reboot", cmd)

    def test_an_arm64_boot_uses_the_virt_board_and_its_serial_port(self):
        cmd = qemu.command(qemu.Boot(name="t", kernel=Path("Image"), log=Path("l"), arch="aarch64",
                                     cmdline=qemu.cmdline("aarch64")))
        self.assertEqual(cmd[0], "qemu-system-aarch64")
        self.assertTrue(cmd[cmd.index("-M") + 1].startswith("virt,"))
        self.assertTrue(cmd[cmd.index("-append") + 1].startswith("console=ttyAMA0 "))

    def test_with_a_boot_loader_qemu_loads_no_kernel_itself(self):
        cmd = qemu.command(qemu.Boot(name="t", kernel=Path("Image"), log=Path("l"), arch="aarch64",
                                     initrd=Path("i.img"), disk=Path("boot.img"), bios=Path("u-boot.bin")))
        for option in ("-kernel", "-initrd", "-append"):
            self.assertNotIn(option, cmd)
        self.assertEqual(cmd[cmd.index("-bios") + 1], "u-boot.bin")
        self.assertIn("file=boot.img,format=raw,if=virtio,snapshot=on", cmd)

    def test_a_line_that_must_not_come_fails_the_boot_when_it_comes(self):
        self.assertTrue(judge("pass.log", reject_output=[r"^# Pivoting root file system failed"]).ok)
        v = judge("pass.log", reject_output=[r"user_root: guest up"])
        self.assertFalse(v.ok)
        [failed] = [r for r in v.results if r.status == "fail"]
        self.assertEqual(failed.name, "console never shows /user_root: guest up/")
        self.assertIn("user_root: guest up", v.report.lines[failed.line])

    def test_boot_loader_lines_are_matched_anywhere_in_the_console(self):
        self.assertTrue(judge("pass.log", expect_output=[r"user_root: guest up"]).ok)
        self.assertFalse(judge("pass.log", expect_output=[r"^U-Boot \d{4}"]).ok)


if __name__ == "__main__":
    unittest.main()
