# SPDX-License-Identifier: GPL-2.0
"""The soak's reading of a console: how many usermode helpers ran across PID 1's pivot."""
import unittest

from urtest import ktap, soak

REPORT = "# soak: 3 and 4 module requests until the switch; 2 helper(s) running across it"


class SoakTest(unittest.TestCase):
    def test_the_guest_report_gives_the_helpers_across_the_pivot(self):
        console = f"ok 1 pid1_pivot_root\n[    1.2] something\n{REPORT}\nok 3 old_root_memory_returned\n"
        self.assertEqual(soak.helpers_across_pivot(ktap.parse(console)), 2)

    def test_no_report_means_none(self):
        self.assertEqual(soak.helpers_across_pivot(ktap.parse("ok 1 pid1_pivot_root\n")), 0)

    def test_the_boot_requires_requests_from_both_loops(self):
        import re
        [pattern] = soak.boot("k", type("G", (), {"path": lambda self, i: i})(), 2, 0,
                              __import__("pathlib").Path("/tmp"), "tcg").expect_output
        self.assertTrue(re.search(pattern, REPORT))
        self.assertFalse(re.search(pattern, REPORT.replace("3 and", "0 and")))

    def test_a_soak_without_any_helper_across_the_pivot_fails(self):
        row = {"boots": 200, "failed": [], "helper_across_pivot": 0}
        self.assertEqual(soak.failed({"per_cpus": {2: row}}), 1)
        self.assertEqual(soak.failed({"per_cpus": {2: dict(row, helper_across_pivot=5)}}), 0)
