# SPDX-License-Identifier: GPL-2.0
"""Debian's archive as apt here reaches it: apt's sources in both formats, which of them are
Debian's, and the same archives for another release."""
import subprocess
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from urtest import archive

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
        s = archive.parse_deb822(DEB822)
        self.assertEqual(len(s), 2)
        self.assertEqual(s[0].suites, ("bookworm", "bookworm-updates"))
        self.assertEqual(s[0].option("signed-by"), KEY)
        self.assertEqual(s[1].components, ("main", "contrib"))
        self.assertEqual(s[1].uris, ("http://mirror.example/debian-security",))

    def test_deb822_continuation_lines(self):
        text = "Types: deb\nURIs: http://a.example/debian\n  http://b.example/debian\nSuites: bookworm\nComponents: main\n"
        [s] = archive.parse_deb822(text)
        self.assertEqual(s.uris, ("http://a.example/debian", "http://b.example/debian"))

    def test_one_line_format_with_options(self):
        s = archive.parse_one_line(ONE_LINE)
        self.assertEqual([x.types for x in s], [("deb",), ("deb-src",), ("deb",)])
        self.assertEqual(s[0].option("signed-by"), KEY)
        self.assertEqual(s[0].option("architectures"), "amd64 i386")
        self.assertEqual(s[0].components, ("main", "contrib"))
        self.assertEqual(s[2].suites, ("bookworm-security",))
        self.assertEqual(s[2].components, ("main",))

    def test_deb822_output_reads_back(self):
        for source in archive.parse_deb822(DEB822) + archive.parse_one_line(ONE_LINE):
            self.assertEqual(archive.parse_deb822(source.deb822()), [source])

    def test_an_embedded_key_stays_one_field(self):
        text = ("Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm\nComponents: main\n"
                "Signed-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n mQINBF\n -----END PGP PUBLIC KEY BLOCK-----\n")
        [s] = archive.parse_deb822(text)
        self.assertEqual(s.option("signed-by").splitlines()[1:3], ["-----BEGIN PGP PUBLIC KEY BLOCK-----", "."])
        self.assertEqual(archive.parse_deb822(s.deb822()), [s])

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
            sources = archive.read_sources(apt)
            self.assertEqual(len(sources), 4)
            self.assertEqual(sources[0].suites, ("bookworm",))   # sources.list comes first
            debian = archive.debian_sources(sources, "bookworm")
            self.assertEqual([s.suites for s in debian],
                             [("bookworm",), ("bookworm", "bookworm-updates"), ("bookworm-security",)])

    def test_a_missing_sources_list_is_fine(self):
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "sources.list.d").mkdir()
            (Path(tmp) / "sources.list.d/debian.sources").write_text(DEB822)
            self.assertEqual(len(archive.read_sources(tmp)), 2)

    def test_debian_archives_only(self):
        sources = archive.parse_deb822(OTHERS) + archive.parse_one_line(
            "deb https://vendor.example/apt cloud-sdk-bookworm main\n"
            "deb-src http://mirror.example/debian bookworm main\n"
            "deb [signed-by=/usr/share/keyrings/vendor.gpg] http://vendor.example/debian bookworm main\n"
            "deb http://mirror.example/debian bookworm-backports main\n"
            "deb http://mirror.example/debian sid main\n")
        [kept] = archive.debian_sources(sources, "bookworm")
        self.assertEqual(kept.suites, ("bookworm-backports",))
        with self.assertRaises(archive.steps.StepFailed):
            archive.debian_sources(archive.parse_deb822(OTHERS), "bookworm")

    def test_other_suites_of_a_paragraph_are_dropped(self):
        [s] = archive.parse_deb822("Types: deb deb-src\nURIs: http://mirror.example/debian\n"
                                  "Suites: bookworm trixie\nComponents: main\n")
        [kept] = archive.debian_sources([s], "bookworm")
        self.assertEqual((kept.types, kept.suites), (("deb",), ("bookworm",)))

    def test_this_machines_sources_are_usable(self):
        if not Path("/etc/apt").is_dir():
            self.skipTest("no apt here")
        try:
            sources = archive.debian_sources(archive.read_sources(), archive.host_release())
        except archive.steps.StepFailed as err:
            self.skipTest(str(err))
        self.assertTrue(all(s.types == ("deb",) for s in sources))

    def test_another_release_is_served_by_the_same_archives(self):
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "sources.list.d").mkdir()
            (Path(tmp) / "sources.list.d/debian.sources").write_text(DEB822)
            trixie = archive.release_sources("trixie", tmp, host="bookworm")
            self.assertEqual([(s.uris, s.suites) for s in trixie],
                             [(("http://mirror.example/debian",), ("trixie", "trixie-updates")),
                              (("http://mirror.example/debian-security",), ("trixie-security",))])
            self.assertEqual(trixie[0].option("signed-by"), KEY)
            with self.assertRaises(archive.steps.StepFailed):
                archive.release_sources("trixie", tmp, host="jessie")

    def test_the_host_release_is_read_from_os_release(self):
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "os-release").write_text('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_CODENAME=bookworm\n')
            self.assertEqual(archive.host_release(Path(tmp, "os-release")), "bookworm")
            Path(tmp, "os-release").write_text('NAME="Other"\n')
            with self.assertRaises(archive.steps.StepFailed):
                archive.host_release(Path(tmp, "os-release"))


if __name__ == "__main__":
    unittest.main()


class Updates(unittest.TestCase):
    def test_one_archive_per_release_in_a_run(self):
        self.assertIs(archive.of(Path("/c"), "trixie"), archive.of(Path("/c"), "trixie"))
        self.assertIsNot(archive.of(Path("/c"), "trixie"), archive.of(Path("/c"), "bookworm"))

    def test_an_unreachable_archive_is_tried_once(self):
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "sources.list.d").mkdir()
            (Path(tmp) / "sources.list.d/debian.sources").write_text(DEB822)
            a = archive.Archive(Path(tmp) / "cache", "trixie", apt_dir=tmp)
            failed = subprocess.CompletedProcess([], 100, "", "E: Failed to fetch http://mirror.example/debian")
            with mock.patch("urtest.archive.subprocess.run", return_value=failed) as run:
                for _ in range(2):
                    with self.assertRaisesRegex(archive.steps.StepFailed, "Failed to fetch"):
                        a.update()
            self.assertEqual(run.call_count, 1)

