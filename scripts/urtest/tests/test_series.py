# SPDX-License-Identifier: GPL-2.0
"""The series tool on a small synthetic tree: apply, prefixes, refresh, and a round trip of the
series to git format-patch files and back."""
import subprocess
import tempfile
import unittest
from pathlib import Path

from urtest import series

AUTHOR = "Ada Tester <ada@example.net>"
BASE = {"fs/a.c": "one\ntwo\nthree\nfour\nfive\n", "MAINTAINERS": "A\nB\n", "doc.txt": "x\n"}

SERIES = """# preamble, ignored

== fs: change a.c once
files: fs/a.c.first.patch

First change.

Fixes: 0123456789ab ("something")
Cc: stable@vger.kernel.org

== fs: add b.c, change a.c again
files: fs/b.c fs/a.c.second.patch MAINTAINERS.patch

Second change,
two paragraphs.

The second one.
"""

FIRST = """--- a/fs/a.c
+++ b/fs/a.c
@@ -1,3 +1,3 @@
 one
-two
+TWO
 three
"""
SECOND = """--- a/fs/a.c
+++ b/fs/a.c
@@ -3,3 +3,4 @@
 three
 four
 five
+six
"""
MAINTAINERS = """--- a/MAINTAINERS
+++ b/MAINTAINERS
@@ -1,2 +1,3 @@
 A
+M:	@SERIES_AUTHOR@
 B
"""


def git(cwd, *args):
    return subprocess.run(["git", "-C", str(cwd), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                          check=True, capture_output=True, text=True).stdout


class SeriesTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        root = Path(self.tmp.name)
        self.tree, self.repo = root / "tree", root / "repo"
        for path, text in BASE.items():
            (self.tree / path).parent.mkdir(parents=True, exist_ok=True)
            (self.tree / path).write_text(text)
        git(self.tree, "init", "-q")
        git(self.tree, "add", "-A")
        git(self.tree, "commit", "-q", "-m", "base")
        git(self.tree, "branch", "base")
        files = {"series": SERIES, "fs/a.c.first.patch": FIRST, "fs/a.c.second.patch": SECOND,
                 "fs/b.c": "new file\n", "MAINTAINERS.patch": MAINTAINERS}
        for path, text in files.items():
            (self.repo / path).parent.mkdir(parents=True, exist_ok=True)
            (self.repo / path).write_text(text)
        self.s = series.Series(self.tree, self.repo, author=AUTHOR)

    def tearDown(self):
        self.tmp.cleanup()

    def test_parse(self):
        self.assertEqual([e.subject for e in self.s.entries],
                         ["fs: change a.c once", "fs: add b.c, change a.c again"])
        self.assertEqual(self.s.entries[1].files, ["fs/b.c", "fs/a.c.second.patch", "MAINTAINERS.patch"])
        self.assertTrue(self.s.entries[0].body.startswith("First change.\n"))

    def test_trailers_join_the_sign_off(self):
        msg = self.s.entries[0].message(AUTHOR)
        self.assertIn("Cc: stable@vger.kernel.org\nSigned-off-by: Ada Tester <ada@example.net>\n", msg)
        msg = self.s.entries[1].message(AUTHOR)
        self.assertIn("The second one.\n\nSigned-off-by: ", msg)

    def test_diffs_of_one_file_apply_in_order(self):
        states = self.s.states()
        self.assertEqual(states[0]["fs/a.c"][0], b"one\nTWO\nthree\nfour\nfive\n")
        self.assertEqual(states[1]["fs/a.c"][0], b"one\nTWO\nthree\nfour\nfive\nsix\n")
        self.assertEqual(states[1]["MAINTAINERS"][0], f"A\nM:\t{AUTHOR}\nB\n".encode())
        self.assertNotIn("fs/b.c", states[0])

    def test_apply_prefix_then_all_then_prefix(self):
        self.s.apply(1)
        self.assertEqual((self.tree / "fs/a.c").read_text(), "one\nTWO\nthree\nfour\nfive\n")
        self.assertFalse((self.tree / "fs/b.c").exists())
        changed = self.s.apply()
        self.assertEqual(sorted(changed), ["MAINTAINERS", "fs/a.c", "fs/b.c"])
        self.assertEqual(self.s.apply(), [])  # nothing to do: nothing rewritten
        self.s.apply(1)
        self.assertFalse((self.tree / "fs/b.c").exists())
        self.assertEqual((self.tree / "MAINTAINERS").read_text(), BASE["MAINTAINERS"])

    def test_refresh_rewrites_the_last_diff_only(self):
        self.s.apply()
        (self.tree / "fs/a.c").write_text("one\nTWO\nthree\nfour\nfive\nsix\nseven\n")
        self.assertEqual(self.s.refresh(), ["fs/a.c.second.patch"])
        self.assertEqual((self.repo / "fs/a.c.first.patch").read_text(), FIRST)
        self.assertIn("+seven", (self.repo / "fs/a.c.second.patch").read_text())
        # The author goes back to the placeholder, and an unchanged file is not rewritten.
        self.assertIn("@SERIES_AUTHOR@", (self.repo / "MAINTAINERS.patch").read_text())
        self.assertEqual(self.s.refresh(), [])
        self.assertEqual(series.Series(self.tree, self.repo, AUTHOR).states()[-1]["fs/a.c"][0],
                         b"one\nTWO\nthree\nfour\nfive\nsix\nseven\n")

    def test_refresh_keeps_a_diff_that_still_makes_its_file(self):
        # Hunk headers with function context, as git writes them in a kernel tree.
        written = MAINTAINERS.replace("@@ -1,2 +1,3 @@", "@@ -1,2 +1,3 @@ some context")
        (self.repo / "MAINTAINERS.patch").write_text(written)
        self.s = series.Series(self.tree, self.repo, author=AUTHOR)
        self.s.apply()
        (self.tree / "fs/a.c").write_text("one\nTWO\nthree\nfour\nfive\nsix\nseven\n")
        self.assertEqual(self.s.refresh(), ["fs/a.c.second.patch"])
        self.assertEqual((self.repo / "MAINTAINERS.patch").read_text(), written)

    def test_refresh_refuses_a_prefix(self):
        self.s.apply(1)
        with self.assertRaisesRegex(series.SeriesError, "1 of the 2 patches"):
            self.s.refresh()
        self.assertEqual((self.repo / "fs/a.c.second.patch").read_text(), SECOND)

    def test_apply_keeps_edits_made_in_the_tree(self):
        self.s.apply()
        (self.tree / "fs/b.c").write_text("edited in the tree\n")
        with self.assertRaisesRegex(series.SeriesError, "fs/b.c.*make refresh"):
            self.s.apply(1)
        self.assertEqual((self.tree / "fs/b.c").read_text(), "edited in the tree\n")
        # refresh takes the new file back, and apply goes on.
        self.assertEqual(self.s.refresh(), ["fs/b.c"])
        self.assertEqual((self.repo / "fs/b.c").read_text(), "edited in the tree\n")
        self.s.apply(1)
        self.assertFalse((self.tree / "fs/b.c").exists())

    def test_round_trip_through_format_patch(self):
        out = Path(self.tmp.name, "patches")
        patches = self.s.write_patches(out, "2026-01-01T00:00:00Z", "Title\n\nBlurb.\n")
        self.assertEqual(len(patches), 2)
        back = series.read_patches(patches)
        for (subject, body, files), entry in zip(back, self.s.entries):
            self.assertEqual(subject, entry.subject)
            self.assertEqual(body, entry.body)
            self.assertEqual(sorted(files), sorted(series.kernel_path(self.repo, f) for f in entry.files))
        self.assertIn(f"From: {AUTHOR}", patches[0].read_text())
        self.assertIn("Subject: [PATCH 0/2] Title", next(out.glob("0000-*")).read_text())
        self.assertEqual(self.s.verify(patches, "2026-01-01T00:00:00Z"), 2)

    def test_verify_catches_a_patch_that_differs(self):
        out = Path(self.tmp.name, "patches")
        patches = self.s.write_patches(out, "2026-01-01T00:00:00Z")
        text = patches[0].read_text().replace("+TWO", "+Two")
        patches[0].write_text(text)
        with self.assertRaisesRegex(series.SeriesError, "at patch 1"):
            self.s.verify(patches, "2026-01-01T00:00:00Z")

    def test_verify_in_a_given_work_tree_resets_it_first(self):
        out = Path(self.tmp.name, "patches")
        date = "2026-01-01T00:00:00Z"
        patches = self.s.write_patches(out, date)
        wt = Path(self.tmp.name, "wt")
        git(self.tree, "worktree", "add", "--quiet", "--detach", str(wt), "base")
        (wt / "fs/a.c").write_text("dirty\n")
        (wt / "stray.txt").write_text("left by an earlier step\n")
        self.assertEqual(self.s.verify(patches, date, worktree=wt), 2)
        self.assertFalse((wt / "stray.txt").exists())
        self.assertEqual((wt / "fs/b.c").read_text(), "new file\n")  # left at the last patch
        broken = [patches[0], patches[0]]  # the second git am fails: the session is aborted
        with self.assertRaises(series.SeriesError):
            self.s.verify(broken, date, worktree=wt)
        self.assertEqual(self.s.verify(patches, date, worktree=wt), 2)

    def test_misnamed_diff_is_refused(self):
        (self.repo / "fs/c.c.patch").write_text(FIRST)
        with self.assertRaisesRegex(series.SeriesError, "changes fs/a.c"):
            series.kernel_path(self.repo, "fs/c.c.patch")


if __name__ == "__main__":
    unittest.main()
