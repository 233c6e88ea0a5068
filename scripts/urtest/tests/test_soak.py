# SPDX-License-Identifier: GPL-2.0
"""The soak's reading of a console: which usermode helpers were alive across PID 1's pivot."""
import unittest

from urtest import soak

CONSOLE = """\
[    1.000000] soak-helper 101 started
[    1.300000] soak-helper 101 ended
[    1.400000] soak-helper 102 started
ok 1 pid1_pivot_root
[    1.700000] soak-helper 102 ended
[    1.800000] soak-helper 103 ended
"""


class SoakTest(unittest.TestCase):
    def test_only_a_helper_that_started_before_and_ended_after_counts(self):
        self.assertEqual(soak.helpers_across_pivot(CONSOLE), {"102"})

    def test_no_pivot_means_no_helper_across_it(self):
        self.assertEqual(soak.helpers_across_pivot(CONSOLE.replace("ok 1 pid1_pivot_root\n", "")), set())

    def test_a_soak_without_any_helper_across_the_pivot_fails(self):
        row = {"boots": 200, "failed": [], "helper_across_pivot": 0}
        self.assertEqual(soak.failed({"per_cpus": {2: row}}), 1)
        self.assertEqual(soak.failed({"per_cpus": {2: dict(row, helper_across_pivot=5)}}), 0)
