# SPDX-License-Identifier: GPL-2.0
"""The benchmark's reading of a console, for the archive of names that cannot be created: the
unpacker's lines that the console showed, and the times of a boot whose console showed no
kernel message (loglevel=3), read from the kernel log the guest prints instead."""
import fnmatch
import unittest

from urtest import bench, bench_report, protocol

MARKS = ("init", "new root ready", "final root", "settled")


def kernel_log(unpack_at=0.5):
    """The kernel's lines of a benchmark boot, with the unpacker's messages of the hostile archive."""
    lines = [f"[    {unpack_at:.6f}] Unpacking initramfs..."]
    for i in range(protocol.CREATE_NAMED):
        lines.append(f"[    {unpack_at + 0.001 * i:.6f}] Initramfs unpacking: cannot create "
                     f"missing/file-{4 * i:05d}: -ENOENT")
    lines.append(f"[    {unpack_at + 0.1:.6f}] Initramfs unpacking: "
                 f"{protocol.UNCREATABLE - protocol.CREATE_NAMED} more names could not be created")
    lines.append(f"[    {unpack_at + 0.2:.6f}] Freeing initrd memory: 8000K")
    lines.append(f"[    {unpack_at + 0.3:.6f}] Run /init as init process")
    for i, mark in enumerate(MARKS):
        lines.append(f"[    {unpack_at + 0.4 + 0.1 * i:.6f}] user_root-bench: {mark} memfree=1000 shmem=10 "
                     "pcpkib=5 rootkib=8")
    return lines


def console(quiet=False, unpack_at=0.5):
    if not quiet:
        return "\n".join(["Linux version ...", *kernel_log(unpack_at), protocol.DONE]) + "\n"
    # loglevel=3: nothing of the kernel's reached the console; the guest prints the kernel log.
    return "\n".join([bench.KERNEL_LOG, *kernel_log(unpack_at), protocol.DONE]) + "\n"


class UnpackerLines(unittest.TestCase):
    def test_the_console_shows_the_named_names_and_the_count(self):
        fig = bench.parse(console())
        self.assertEqual(fig["unpacker_console_lines"], protocol.CREATE_NAMED + 1)
        self.assertEqual(fig["unpacker_console_named"], protocol.CREATE_NAMED)
        self.assertEqual(fig["unpacker_log_more"], protocol.UNCREATABLE - protocol.CREATE_NAMED)
        self.assertEqual(fig["unpacker_log_named"] + fig["unpacker_log_more"], protocol.UNCREATABLE)
        lines = [l for l in console().splitlines() if "Initramfs unpacking:" in l]
        self.assertEqual(fig["unpacker_console_bytes"], sum(len(l) + 2 for l in lines))
        self.assertAlmostEqual(fig["unpack_s"], 0.2)

    def test_a_quiet_console_shows_none_but_the_boot_is_timed_from_the_kernel_log(self):
        fig = bench.parse(console(quiet=True))
        self.assertEqual((fig["unpacker_console_lines"], fig["unpacker_console_bytes"]), (0, 0))
        self.assertEqual(fig["unpacker_log_lines"], protocol.CREATE_NAMED + 1)
        self.assertEqual(fig["unpacker_log_more"], protocol.UNCREATABLE - protocol.CREATE_NAMED)
        self.assertAlmostEqual(fig["unpack_s"], 0.2)
        self.assertAlmostEqual(fig["to_init_s"], 0.8)

    def test_the_boots(self):
        boots = dict(bench.uncreatable_boots())
        self.assertEqual(sorted(boots), sorted(f"uncreatable-{c}" for c in bench.UNCREATABLE_CONFIGS))
        for name, append in boots.items():
            self.assertIn("initramfs_async=0", append.split())
            self.assertEqual("user_root" in append.split(), name == "uncreatable-user_root")
            self.assertEqual("loglevel=3" in append.split(), name == "uncreatable-stock_quiet")
            # --reparse takes the other workloads' logs by this pattern: not these.
            self.assertFalse(fnmatch.fnmatch(f"{name}.log", "*-*-*-*-*.log"))

    def test_the_report_has_a_row_per_boot_and_the_ratios(self):
        figures = {f"uncreatable-{c}": bench.parse(console(c == "stock_quiet", 0.5 if c != "user_root" else 0.6))
                   for c in bench.UNCREATABLE_CONFIGS}
        md = "\n".join(bench_report.uncreatable_md(bench.uncreatable_results(figures, 9000)))
        for c in bench.UNCREATABLE_CONFIGS:
            self.assertIn(f"| {bench_report.LABEL[c]} |", md)
        self.assertIn(f"| 10 + {protocol.UNCREATABLE - protocol.CREATE_NAMED:,} |", md)
        self.assertIn("user_root vs stock: unpack ratio 1.0000, /init ratio 1.1250", md)
        self.assertIn("(stock, loglevel=3): unpack +0.0000 s", md)


if __name__ == "__main__":
    unittest.main()
