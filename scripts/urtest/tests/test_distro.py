# SPDX-License-Identifier: GPL-2.0
"""The Debian image's pure parts: the cache keys, the releases, and the guest test's agreement
with the host."""
import os
import re
import subprocess
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from urtest import distro, protocol
from urtest.settings import Settings

from urtest.tests.test_archive import DEB822


class Keys(unittest.TestCase):
    def test_cache_key_is_stable_and_sensitive(self):
        k = distro.cache_key("1", ["a", "b"], "c")
        self.assertEqual(k, distro.cache_key("1", ["a", "b"], "c"))
        self.assertNotEqual(k, distro.cache_key("1", ["b", "a"], "c"))
        self.assertNotEqual(k, distro.cache_key("1", ["a", "b", "c"]))
        self.assertRegex(k, r"^[0-9a-f]{16}$")

    def test_file_digest_follows_content_name_and_mode_not_location(self):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            for root in (a, b):
                Path(root, "etc").mkdir()
                Path(root, "etc/hook").write_text("#!/bin/sh\n")
            da = distro.file_digest(Path(a).rglob("*"), Path(a))
            self.assertEqual(da, distro.file_digest(Path(b).rglob("*"), Path(b)))
            Path(b, "etc/hook").chmod(0o755)
            db = distro.file_digest(Path(b).rglob("*"), Path(b))
            self.assertNotEqual(da, db)
            Path(b, "etc/hook").write_text("#!/bin/sh\ntrue\n")
            self.assertNotEqual(db, distro.file_digest(Path(b).rglob("*"), Path(b)))

    def test_base_key_follows_packages_sources_and_overlay(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            (tmp / "apt/sources.list.d").mkdir(parents=True)
            (tmp / "apt/sources.list.d/debian.sources").write_text(DEB822)
            overlay = tmp / "rootfs"
            (overlay / "etc").mkdir(parents=True)
            (overlay / "etc/x.conf").write_text("x=1\n")
            s = Settings(cache=tmp / "cache", out=tmp / "out", jobs=1, ksrc=None)
            with mock.patch.object(distro, "OVERLAY", overlay):
                d = distro.Distro(s, "bookworm", tmp / "apt")
                key = d.base_key()
                self.assertEqual(key, distro.Distro(s, "bookworm", tmp / "apt").base_key())
                with mock.patch.object(distro, "PACKAGES", distro.PACKAGES + ["strace"]):
                    self.assertNotEqual(key, d.base_key())
                (overlay / "etc/x.conf").write_text("x=2\n")
                self.assertNotEqual(key, d.base_key())
                (overlay / "etc/x.conf").write_text("x=1\n")
                (tmp / "apt/sources.list.d/debian.sources").write_text(DEB822.replace("contrib", "non-free"))
                self.assertNotEqual(key, distro.Distro(s, "bookworm", tmp / "apt").base_key())

    def test_ballast_is_incompressible_and_reproducible(self):
        small = distro.ballast(1 << 16)
        self.assertEqual(small, distro.ballast(1 << 16))
        self.assertGreater(len(__import__("zlib").compress(small)), len(small) * 99 // 100)
        self.assertEqual(distro.BALLAST_MIB, 32)


class Guest(unittest.TestCase):
    SCRIPT = distro.GUEST / "user_root-test.sh"

    def test_script_is_valid_sh(self):
        res = subprocess.run(["sh", "-n", str(self.SCRIPT)], capture_output=True, text=True)
        self.assertEqual(res.returncode, 0, res.stderr)

    def test_script_reports_what_the_host_requires(self):
        text = self.SCRIPT.read_text()
        names = re.findall(r'^result \$\? "(\w+)"$', text, re.M)
        self.assertEqual(names, protocol.REQUIRED["distro"])
        self.assertIn(f'echo "1..{len(names)}"', text)
        self.assertIn(f'echo "{protocol.DONE}"', text)
        self.assertIn(distro.GENERATOR_VAR.lower() + "=*", text)
        self.assertIn("/" + distro.BALLAST, text)

    def test_unit_runs_the_script_after_multi_user(self):
        unit = (distro.GUEST / "user_root-test.service").read_text()
        self.assertIn(f"ExecStart=/{distro.TEST_FILES[self.SCRIPT][0]}", unit)
        self.assertIn("After=multi-user.target", unit)
        self.assertIn("WantedBy=multi-user.target", unit)
        self.assertTrue(distro.TEST_WANTS.startswith("etc/systemd/system/multi-user.target.wants/"))

    def test_initramfs_configuration_carries_drivers_and_ballast(self):
        hook = distro.OVERLAY / "etc/initramfs-tools/hooks/user_root-ballast"
        self.assertTrue(os.access(hook, os.X_OK), "initramfs-tools runs only executable hooks")
        self.assertIn("/" + distro.BALLAST, hook.read_text())
        modules = (distro.OVERLAY / "etc/initramfs-tools/modules").read_text().split()
        self.assertTrue({"virtio_blk", "virtio_pci", "ext4"} <= set(modules))
        dracut = (distro.OVERLAY / "etc/dracut.conf.d/user_root-test.conf").read_text()
        self.assertIn("/" + distro.BALLAST, dracut)
        self.assertRegex(dracut, r'add_drivers\+=" [^"]*virtio_blk[^"]*ext4')
        self.assertIn('add_dracutmodules+=" systemd "', dracut)


if __name__ == "__main__":
    unittest.main()
