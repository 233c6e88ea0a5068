# SPDX-License-Identifier: GPL-2.0
"""Which Debian releases make debian-config checks, and how a .config is read."""
import unittest
from unittest import mock

from urtest import debian_config


class Releases(unittest.TestCase):
    def test_a_debian_12_machine_checks_its_own_and_debian_13(self):
        with mock.patch("urtest.archive.host_release", return_value="bookworm"):
            self.assertEqual(debian_config.releases(), [None, "trixie"])

    def test_a_debian_13_machine_checks_its_own_once(self):
        with mock.patch("urtest.archive.host_release", return_value="trixie"):
            self.assertEqual(debian_config.releases(), [None])

    def test_this_machines_release_is_named_by_its_code_name(self):
        with mock.patch("urtest.archive.host_release", return_value="bookworm"):
            self.assertEqual([debian_config.code_name(r) for r in debian_config.releases()], ["bookworm", "trixie"])


class Parse(unittest.TestCase):
    def test_set_and_unset_options(self):
        text = "CONFIG_RUST=y\n# CONFIG_MODVERSIONS is not set\nCONFIG_LOCALVERSION=\"\"\n# comment\n"
        self.assertEqual(debian_config.parse(text), {"RUST": "y", "MODVERSIONS": "n", "LOCALVERSION": '""'})


if __name__ == "__main__":
    unittest.main()
