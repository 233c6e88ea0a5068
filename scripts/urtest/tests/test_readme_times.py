# SPDX-License-Identifier: GPL-2.0
"""The README's times per target: read from its table, and compared with a run."""
import unittest

from urtest import readme

TABLE = """| target | what it does | time (2 cores, empty cache) |
|---|---|---|
| `make check` | every test | 46 min |
| `make matrix` | the table | seconds |
| `make demo` | build, boot | 14 min |
"""


class Times(unittest.TestCase):
    def test_rows_are_read(self):
        self.assertEqual(readme.times(TABLE), {"check": 46 * 60, "matrix": 60, "demo": 14 * 60})

    def test_a_run_is_compared_with_its_row(self):
        ok, msg = readme.compare("check", 40 * 60, TABLE, cpus=2)
        self.assertTrue(ok)
        self.assertIn("46 min", msg)
        ok, msg = readme.compare("check", 46 * 60 * readme.SLACK + 1, TABLE, cpus=2)
        self.assertFalse(ok)
        self.assertIn("correct the README", msg)
        self.assertFalse(readme.compare("matrix", 200, TABLE, cpus=2)[0])
        # A target the table does not time is a gap in the README; another machine, no verdict.
        self.assertFalse(readme.compare("bogus", 1, TABLE, cpus=2)[0])
        self.assertIsNone(readme.compare("check", 10 ** 6, TABLE, cpus=8)[0])

    def test_the_readme_times_every_long_target(self):
        # The README's own table: make check and the other long runs have a row.
        have = readme.times()
        for target in ("check", "check-debug", "check-arch", "demo", "bench", "soak", "fuzz"):
            self.assertIn(target, have)


if __name__ == "__main__":
    unittest.main()
