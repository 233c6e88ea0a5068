# SPDX-License-Identifier: GPL-2.0
"""The Debian image's pure parts: apt's sources in both formats, which of them are Debian's, the
cache keys, the command line and the boot, and the guest test's agreement with the host."""
import os
import re
import subprocess
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from urtest import distro, protocol
from urtest.settings import Settings

KEY = "/usr/share/keyrings/debian-archive-keyring.gpg"
DEB822 = f"""Types: deb
# a comment inside the paragraph
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: {KEY}

Types: deb
URIs: http://mirror.example/debian-security
suites: bookworm-security
Components: main contrib
signed-by: {KEY}

Types: deb deb-src
Enabled: no
URIs: http://mirror.example/debian
Suites: trixie
Components: main
"""
ONE_LINE = f"""# the machine's archive
deb [signed-by={KEY} arch=amd64,i386] http://mirror.example/debian bookworm main contrib
deb-src http://mirror.example/debian bookworm main
deb http://mirror.example/debian-security bookworm-security main  # trailing comment
"""
OTHERS = """Types: deb
URIs: https://vendor.example/node_20.x
Suites: nodistro
Components: main
Signed-By: /usr/share/keyrings/vendor.gpg
"""


class Sources(unittest.TestCase):
    def test_deb822_paragraphs_comments_and_disabled_ones(self):
        s = distro.parse_deb822(DEB822)
        self.assertEqual(len(s), 2)
        self.assertEqual(s[0].suites, ("bookworm", "bookworm-updates"))
        self.assertEqual(s[0].option("signed-by"), KEY)
        self.assertEqual(s[1].components, ("main", "contrib"))
        self.assertEqual(s[1].uris, ("http://mirror.example/debian-security",))

    def test_deb822_continuation_lines(self):
        text = "Types: deb\nURIs: http://a.example/debian\n  http://b.example/debian\nSuites: bookworm\nComponents: main\n"
        [s] = distro.parse_deb822(text)
        self.assertEqual(s.uris, ("http://a.example/debian", "http://b.example/debian"))

    def test_one_line_format_with_options(self):
        s = distro.parse_one_line(ONE_LINE)
        self.assertEqual([x.types for x in s], [("deb",), ("deb-src",), ("deb",)])
        self.assertEqual(s[0].option("signed-by"), KEY)
        self.assertEqual(s[0].option("architectures"), "amd64 i386")
        self.assertEqual(s[0].components, ("main", "contrib"))
        self.assertEqual(s[2].suites, ("bookworm-security",))
        self.assertEqual(s[2].components, ("main",))

    def test_deb822_output_reads_back(self):
        for source in distro.parse_deb822(DEB822) + distro.parse_one_line(ONE_LINE):
            self.assertEqual(distro.parse_deb822(source.deb822()), [source])

    def test_an_embedded_key_stays_one_field(self):
        text = ("Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm\nComponents: main\n"
                "Signed-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n mQINBF\n -----END PGP PUBLIC KEY BLOCK-----\n")
        [s] = distro.parse_deb822(text)
        self.assertEqual(s.option("signed-by").splitlines()[1:3], ["-----BEGIN PGP PUBLIC KEY BLOCK-----", "."])
        self.assertEqual(distro.parse_deb822(s.deb822()), [s])

    def test_only_list_and_sources_files_are_read(self):
        with tempfile.TemporaryDirectory() as tmp:
            apt = Path(tmp)
            (apt / "sources.list.d").mkdir()
            (apt / "sources.list").write_text("deb http://mirror.example/debian bookworm main\n")
            (apt / "sources.list.d/debian.sources").write_text(DEB822)
            (apt / "sources.list.d/vendor.sources.disabled-by-farm").write_text(OTHERS)
            (apt / "sources.list.d/cloud.list.disabled-by-farm").write_text("deb https://x.example/apt cloud main\n")
            (apt / "sources.list.d/old.list.save").write_text("deb http://x.example/debian sid main\n")
            (apt / "sources.list.d/vendor.sources").write_text(OTHERS)
            sources = distro.read_sources(apt)
            self.assertEqual(len(sources), 4)
            self.assertEqual(sources[0].suites, ("bookworm",))   # sources.list comes first
            debian = distro.debian_sources(sources)
            self.assertEqual([s.suites for s in debian],
                             [("bookworm",), ("bookworm", "bookworm-updates"), ("bookworm-security",)])

    def test_a_missing_sources_list_is_fine(self):
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "sources.list.d").mkdir()
            (Path(tmp) / "sources.list.d/debian.sources").write_text(DEB822)
            self.assertEqual(len(distro.read_sources(tmp)), 2)

    def test_debian_archives_only(self):
        sources = distro.parse_deb822(OTHERS) + distro.parse_one_line(
            "deb https://vendor.example/apt cloud-sdk-bookworm main\n"
            "deb-src http://mirror.example/debian bookworm main\n"
            "deb [signed-by=/usr/share/keyrings/vendor.gpg] http://vendor.example/debian bookworm main\n"
            "deb http://mirror.example/debian bookworm-backports main\n"
            "deb http://mirror.example/debian sid main\n")
        [kept] = distro.debian_sources(sources)
        self.assertEqual(kept.suites, ("bookworm-backports",))
        with self.assertRaises(distro.steps.StepFailed):
            distro.debian_sources(distro.parse_deb822(OTHERS))

    def test_other_suites_of_a_paragraph_are_dropped(self):
        [s] = distro.parse_deb822("Types: deb deb-src\nURIs: http://mirror.example/debian\n"
                                  "Suites: bookworm trixie\nComponents: main\n")
        [kept] = distro.debian_sources([s])
        self.assertEqual((kept.types, kept.suites), (("deb",), ("bookworm",)))

    def test_this_machines_sources_are_usable(self):
        if not Path("/etc/apt").is_dir():
            self.skipTest("no apt here")
        try:
            sources = distro.debian_sources(distro.read_sources())
        except distro.steps.StepFailed as err:
            self.skipTest(str(err))
        self.assertTrue(all(s.types == ("deb",) for s in sources))


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
                d = distro.Distro(s, tmp / "apt")
                key = d.base_key()
                self.assertEqual(key, distro.Distro(s, tmp / "apt").base_key())
                with mock.patch.object(distro, "PACKAGES", distro.PACKAGES + ["strace"]):
                    self.assertNotEqual(key, d.base_key())
                (overlay / "etc/x.conf").write_text("x=2\n")
                self.assertNotEqual(key, d.base_key())
                (overlay / "etc/x.conf").write_text("x=1\n")
                (tmp / "apt/sources.list.d/debian.sources").write_text(DEB822.replace("contrib", "non-free"))
                self.assertNotEqual(key, distro.Distro(s, tmp / "apt").base_key())

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
