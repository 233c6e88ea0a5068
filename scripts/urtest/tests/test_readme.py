# SPDX-License-Identifier: GPL-2.0
"""The README is what a new user follows: it stays short, every make target and repository path
it names exists, its Targets table has one row per documented make target, and it carries no
history (no commit ids, no dates). The documents it points to name only paths that exist."""
import re
import unittest

from urtest.settings import REPO

README = REPO / "README.md"
# The documents the README sends its readers to; their links and paths are checked too.
LINKED_DOCS = [REPO / "tools/testing/user_root/README.md", REPO / "scripts/bsp/README.md",
               REPO / "benchmarks/README.md"]
MAX_LINES = 200  # the README must be shorter than this

# Kernel make targets the README may name when it talks about a kernel tree.
KERNEL_TARGETS = {"olddefconfig", "prepare", "bindeb-pkg", "defconfig", "tinyconfig", "modules",
                  "rustavailable"}

# The Targets table: this header, then one row per make target that has a "## " help comment.
TARGETS_HEADER = "| target | what it does | time (2 cores, empty cache) |"
# A row: the target, what it does, and its time, a whole number of minutes or "seconds".
TARGET_ROW = re.compile(r"^\| `make (?P<target>[a-z][a-z-]*)` \| (?P<what>.+?) \| "
                        r"(?:(?P<minutes>\d+) min|seconds) \|$")

# A Makefile target with a help comment, as `make help` finds it.
HELP_TARGET = re.compile(r"^([a-z][a-z-]*):.*## ", re.M)

# A commit id: 7 to 40 hex digits with at least one digit and one letter (so neither a number
# nor an English word such as "decade" or "added").
COMMIT_ID = re.compile(r"(?<![\w./-])(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}(?![\w/-])")
DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")

# Endings of the repository's files, for backticked names without a "/".
FILE_ENDINGS = (".md", ".rst", ".txt", ".py", ".toml", ".config", ".patch", ".rs", ".c", ".h",
                ".sh", ".json", ".png", ".cfg", ".lock", ".mk")


def fenced_blocks_removed(text):
    return re.sub(r"^```.*?^```[^\n]*$", "", text, flags=re.M | re.S)


def code_words(text):
    """The words of the code of a Markdown text: its inline code spans and fenced blocks."""
    for span in re.findall(r"`([^`\n]+)`", fenced_blocks_removed(text)):
        yield from span.split()
    for block in re.findall(r"^```[^\n]*\n(.*?)^```", text, re.M | re.S):
        yield from block.split()


def link_targets(text):
    """The targets of the Markdown links and images of a text, URLs and mail addresses left out."""
    for target in re.findall(r"\]\(([^)\s]+)\)", fenced_blocks_removed(text)):
        if not re.match(r"^[a-z][a-z0-9+.-]*:", target):
            yield target


def repo_path(word):
    """The repository path a word of code names, or None where it does not look like one:
    it contains a "/" or ends like a file of the repository, its first component is in the
    top directory, and it is neither absolute, nor under out/, nor a pattern or an assignment."""
    word = word.lstrip("'\"(").rstrip("'\"),;:.")
    word = word[2:] if word.startswith("./") else word
    if not word or word == "out" or word.startswith(("/", "out/", "../", "~", "-")) or \
            re.search(r"[<>*$=@?{}\[\]|]", word):
        return None
    if "/" not in word and not word.endswith(FILE_ENDINGS):
        return None
    if not (REPO / word.split("/")[0]).exists():
        return None
    return word


def slug(heading):
    """The anchor GitHub gives a Markdown heading."""
    text = re.sub(r"[`*]|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip()).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(text):
    """The anchors of the headings of a Markdown text."""
    text = fenced_blocks_removed(text)
    return {slug(h) for h in re.findall(r"^#{1,6} +(.+?)\s*#*$", text, re.M)}


def missing_paths(doc, text=None):
    """The links and backticked repository paths of a document (its text: `text`, else the
    file's) that name nothing: a link is relative to the document, and its #anchor must be a
    heading of the Markdown file it names; a backticked path is relative to the top of the
    repository."""
    text = doc.read_text() if text is None else text
    missing = []
    for target in link_targets(text):
        path, _, anchor = target.partition("#")
        where = (doc.parent / path).resolve() if path else None
        if where is not None and not where.exists():
            missing.append(target)
        elif anchor and (where is None or where.suffix == ".md") and \
                anchor not in anchors(text if where is None else where.read_text()):
            missing.append(target)
    for word in code_words(text):
        path = repo_path(word)
        if path is not None and not (REPO / path).exists():
            missing.append(path)
    return missing


def makefile_help_targets():
    return HELP_TARGET.findall((REPO / "Makefile").read_text())


def targets_rows(text):
    """The rows of the README's Targets table, as lines (the header and separator left out)."""
    lines = text.splitlines()
    start = lines.index(TARGETS_HEADER)
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


class ReadmeTest(unittest.TestCase):
    def setUp(self):
        self.readme = README.read_text()

    def test_no_placeholder_is_left(self):
        self.assertEqual(re.findall(r"@[A-Z0-9_]+@", self.readme), [])

    def test_it_is_short(self):
        self.assertLess(len(self.readme.splitlines()), MAX_LINES)

    def test_every_make_target_it_names_exists(self):
        makefile = (REPO / "Makefile").read_text()
        targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
        # In inline code and in fenced blocks: `make demo`, `make fuzz N=100`, "make check  # ..."
        spans = re.findall(r"`([^`\n]+)`", fenced_blocks_removed(self.readme))
        blocks = re.findall(r"^```[^\n]*\n(.*?)^```", self.readme, re.M | re.S)
        named = {m for text in spans + blocks for m in re.findall(r"(?<![\w-])make ([a-z][a-z-]*)", text)}
        self.assertEqual(named - targets - KERNEL_TARGETS, set())

    def test_every_path_it_names_exists(self):
        self.assertEqual(missing_paths(README), [])

    def test_the_documents_it_points_to_name_only_paths_that_exist(self):
        for doc in LINKED_DOCS:
            with self.subTest(doc=str(doc.relative_to(REPO))):
                self.assertTrue(doc.is_file())
                self.assertEqual(missing_paths(doc), [])

    def test_the_targets_table_has_a_row_per_documented_target(self):
        rows = targets_rows(self.readme)
        for row in rows:
            self.assertRegex(row, TARGET_ROW)
        listed = [TARGET_ROW.match(row).group("target") for row in rows]
        self.assertEqual(sorted(listed), sorted(set(listed)), "a target has more than one row")
        self.assertEqual(set(listed), set(makefile_help_targets()))

    def test_no_commit_id_and_no_date(self):
        self.assertEqual(COMMIT_ID.findall(self.readme), [])
        self.assertEqual(DATE.findall(self.readme), [])


class CheckerTest(unittest.TestCase):
    """The checks above catch what they are for, and nothing else."""

    def test_commit_ids_but_not_words_or_numbers(self):
        text = "at cda3379, 1da177e4c3f4 and f73fe44; not 1000000, decade, added, 0x4E554C4C, 6.12.118"
        self.assertEqual(COMMIT_ID.findall(text), ["cda3379", "1da177e4c3f4", "f73fe44"])
        self.assertEqual(DATE.findall("measured on 2026-12-05, 6.12.118"), ["2026-12-05"])

    def test_which_words_are_repository_paths(self):
        self.assertEqual(repo_path("scripts/config/user-root.config"), "scripts/config/user-root.config")
        self.assertEqual(repo_path("scripts/bsp/"), "scripts/bsp/")
        self.assertEqual(repo_path(".ci/run"), ".ci/run")
        self.assertEqual(repo_path("(scripts/guest/churn.sh),"), "scripts/guest/churn.sh")
        self.assertEqual(repo_path("Documentation/renamed.rst"), "Documentation/renamed.rst")
        for word in ("./out", "../linux", "user_root=0/1", "6.12.y", "out/patches/", "out/boot/<cell>.log", "/proc/self/mountinfo",
                     "KSRC=/path/to/linux", "scripts/guest/bench-*.sh", "user_root.rst", "runc/crun",
                     "tmpfs/ramfs", "$(OUT)/bsp"):
            with self.subTest(word=word):
                self.assertIsNone(repo_path(word))

    def test_a_renamed_file_is_caught(self):
        doc = REPO / "scripts/bsp/NOTES.md"   # where the text would be; it need not exist
        text = ("See [the fragment](../config/user-root.config), [gone](../config/renamed.config), "
                "[here](#here), [not here](#there), [targets](../../README.md#targets), "
                "[bad anchor](../../README.md#no-such-section), `scripts/urtest/settings.py`, "
                "`scripts/urtest/gone.py`, `Documentation/filesystems/user_root.rst`, `user_root=0/1`."
                "\n\n## Here\n")
        self.assertEqual(missing_paths(doc, text), ["../config/renamed.config", "#there",
                                                    "../../README.md#no-such-section",
                                                    "scripts/urtest/gone.py"])

    def test_targets_rows(self):
        self.assertTrue(TARGET_ROW.match("| `make check` | run every test | 46 min |"))
        self.assertTrue(TARGET_ROW.match("| `make clean` | remove `out/` | seconds |"))
        self.assertFalse(TARGET_ROW.match("| `make check` | run every test | about 46 min |"))
        self.assertFalse(TARGET_ROW.match("| `make check` | run every test | 45.8 min |"))

    def test_slugs(self):
        self.assertEqual(slug("Fault injection and the soak of the switch"),
                         "fault-injection-and-the-soak-of-the-switch")
        self.assertEqual(slug("checkpatch's accepted findings"), "checkpatchs-accepted-findings")
        self.assertEqual(slug("`make check-debug`"), "make-check-debug")
        self.assertEqual(slug("riscv64: `make check-arch`"), "riscv64-make-check-arch")
        self.assertEqual(slug("user_root on [arm64](x.md)"), "user_root-on-arm64")


if __name__ == "__main__":
    unittest.main()
