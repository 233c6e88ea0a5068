# SPDX-License-Identifier: GPL-2.0
"""The patch series: apply it to a kernel tree, refresh its diffs, write it as patches.

The repository mirrors the kernel tree. A new kernel file lives at its kernel path; a change to
an existing kernel file is a diff at "<kernel path>.patch", or "<kernel path>.<topic>.patch"
when several patches change that file. The file `series` groups them into commits, in order;
each diff applies to the file as the patches before it left it.

The kernel tree is a git repository whose ref `base` is the pristine source. Applying writes only
the files whose content changes, so that a rebuild after editing one file is incremental.
"""
import hashlib
import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .settings import REPO

# What the series last wrote into the tree: how many patches, and a hash of each file's content,
# kept in the tree's .git directory.
STATE = "user_root-applied.json"
AUTHOR_PLACEHOLDER = b"@SERIES_AUTHOR@"
TRAILER = re.compile(r"^[A-Z][A-Za-z-]*: \S")


class SeriesError(Exception):
    pass


@dataclass
class Entry:
    """One patch of the series."""
    subject: str
    files: list = field(default_factory=list)  # repository paths
    body: str = ""

    def message(self, author):
        """The commit message, with the author's Signed-off-by after the body's trailers."""
        body = self.body.rstrip("\n")
        last = body.split("\n\n")[-1].splitlines() if body else []
        joiner = "\n" if last and all(TRAILER.match(l) for l in last) else "\n\n"
        return f"{self.subject}\n\n{body}{joiner}Signed-off-by: {author}\n"


def parse(text):
    """[Entry] from the text of a series file."""
    entries = []
    for line in text.splitlines():
        if line.startswith("== "):
            entries.append(Entry(line[3:].strip()))
        elif not entries:
            continue  # the preamble
        elif line.startswith("files:") and not entries[-1].body:
            entries[-1].files.extend(line[len("files:"):].split())
        else:
            entries[-1].body += line + "\n"
    for e in entries:
        e.body = e.body.strip("\n") + "\n"
    return entries


def load(root=REPO):
    entries = parse((root / "series").read_text())
    for e in entries:
        for f in e.files:
            if not (root / f).is_file():
                raise SeriesError(f"series: {e.subject}: no file {f}")
    return entries


def is_diff(repo_path):
    return repo_path.endswith(".patch")


def diff_target(diff_text):
    """The kernel path a diff changes, from its "+++ b/<path>" header."""
    for line in diff_text.splitlines():
        if line.startswith("+++ b/"):
            return line[len("+++ b/"):].split("\t")[0]
    raise SeriesError("a diff without a '+++ b/' header")


def kernel_path(root, repo_path):
    if not is_diff(repo_path):
        return repo_path
    path = diff_target((root / repo_path).read_text())
    if not repo_path.startswith(path + "."):
        raise SeriesError(f"{repo_path} changes {path}: name it {path}.patch or {path}.<topic>.patch")
    return path


def identity(env=os.environ):
    """"Name <email>" of the series' author: GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL, else git config."""
    res = subprocess.run(["git", "-C", str(REPO), "var", "GIT_AUTHOR_IDENT"], capture_output=True,
                         text=True, env={**env, "GIT_CONFIG_NOSYSTEM": "1"})
    match = re.match(r"^(.*?) <(.*?)> ", res.stdout)
    if res.returncode or not match or not match.group(1) or "@" not in match.group(2):
        raise SeriesError("no author for the series: set git config user.name and user.email, or "
                          "GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL")
    return f"{match.group(1)} <{match.group(2)}>"


def apply_diff(path, data, diff):
    """`data` (the content of kernel `path`) with `diff` applied."""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        res = subprocess.run(["git", "apply", "-p1", "-"], cwd=tmp, input=diff, capture_output=True)
        if res.returncode:
            raise SeriesError(f"a diff does not apply to {path}:\n{res.stderr.decode()}")
        return target.read_bytes()


def git(tree, *args, env=None, input=None, text=True):
    out = subprocess.run(["git", "-C", str(tree), *args], check=True, capture_output=True,
                         env={**os.environ, **(env or {})}, input=input, text=text)
    return out.stdout


class Series:
    """A series file and its files (under `root`), against a kernel tree with a `base` ref."""

    def __init__(self, tree, root=REPO, author=None):
        self.tree = Path(tree)
        self.root = Path(root)
        self.entries = load(self.root)
        self.author = author

    def pristine(self, path):
        """Pristine bytes of a kernel path, or None if the base has no such file."""
        res = subprocess.run(["git", "-C", str(self.tree), "cat-file", "blob", f"base:{path}"],
                             capture_output=True)
        return res.stdout if res.returncode == 0 else None

    def _author_bytes(self):
        return (self.author or identity()).encode()

    def content(self, repo_path):
        """A repository file as it goes into the kernel: the author in place of the placeholder."""
        data = (self.root / repo_path).read_bytes()
        return data.replace(AUTHOR_PLACEHOLDER, self._author_bytes()) if AUTHOR_PLACEHOLDER in data else data

    def states(self):
        """After each entry: {kernel path: (bytes, executable)} of every path changed so far."""
        current, result = {}, []
        for entry in self.entries:
            for repo_path in entry.files:
                path = kernel_path(self.root, repo_path)
                if is_diff(repo_path):
                    before = current[path][0] if path in current else self.pristine(path)
                    if before is None:
                        raise SeriesError(f"{repo_path}: {path} is not in the pristine tree")
                    current[path] = (apply_diff(path, before, self.content(repo_path)), False)
                else:
                    src = self.root / repo_path
                    current[path] = (self.content(repo_path), os.access(src, os.X_OK))
            result.append(dict(current))
        return result

    def applied(self):
        """(number of patches applied, {kernel path: sha256 of what was written}), as the last
        apply() left the tree; (0, {}) for a pristine tree."""
        state_file = self.tree / ".git" / STATE
        if not state_file.exists():
            return 0, {}
        state = json.loads(state_file.read_text())
        return state["upto"], state["files"]

    def edited(self):
        """Kernel paths whose content in the tree is not what the series last wrote there."""
        _upto, files = self.applied()
        out = []
        for path, digest in sorted(files.items()):
            target = self.tree / path
            now = hashlib.sha256(target.read_bytes()).hexdigest() if target.is_file() else None
            if now != digest:
                out.append(path)
        return out

    def apply(self, upto=None, force=False):
        """Writes the tree as the first `upto` entries (all by default) make it; returns the
        kernel paths whose content changed. Refuses to overwrite edits made in the tree since
        (run refresh first), unless `force`."""
        states = self.states()
        upto = len(states) if upto is None else upto
        want = states[upto - 1] if upto else {}
        edited = [] if force else self.edited()
        if edited:
            raise SeriesError("the kernel tree has edits the series does not have, in "
                              + ", ".join(edited[:5]) + ": run `make refresh` to keep them")
        _, old_files = self.applied()
        old = set(old_files)
        changed = []
        for path, (data, executable) in want.items():
            if write_if_changed(self.tree / path, data, executable):
                changed.append(path)
        for path in sorted(old - set(want)):  # not (or no longer) in the series: back to pristine
            base = self.pristine(path)
            if base is None:
                if (self.tree / path).exists():
                    (self.tree / path).unlink()
                    changed.append(path)
            elif write_if_changed(self.tree / path, base, False):
                changed.append(path)
        state_file = self.tree / ".git" / STATE
        state_file.write_text(json.dumps({"upto": upto, "files": {
            p: hashlib.sha256(data).hexdigest() for p, (data, _x) in sorted(want.items())}}, indent=1))
        return changed

    def refresh(self):
        """Takes the edits made in the kernel tree back into the repository: new files are copied,
        and the last diff of every changed file is rewritten. Returns the repository paths
        rewritten. The whole series must be applied: a prefix would empty the later diffs."""
        upto, _ = self.applied()
        if upto != len(self.entries):
            raise SeriesError(f"the tree has {upto} of the {len(self.entries)} patches applied: "
                              "apply the whole series (`make kernel`) before refreshing")
        diffs = {}  # kernel path -> [repo paths of its diffs, in order]
        rewritten = []
        author = self._author_bytes()
        for entry in self.entries:
            for repo_path in entry.files:
                if is_diff(repo_path):
                    diffs.setdefault(kernel_path(self.root, repo_path), []).append(repo_path)
                else:
                    now = (self.tree / repo_path).read_bytes().replace(author, AUTHOR_PLACEHOLDER)
                    if now != (self.root / repo_path).read_bytes():
                        (self.root / repo_path).write_bytes(now)
                        rewritten.append(repo_path)
        for path, repo_paths in diffs.items():
            before = self.pristine(path)
            for earlier in repo_paths[:-1]:
                before = apply_diff(path, before, self.content(earlier))
            now = (self.tree / path).read_bytes()
            last = self.root / repo_paths[-1]
            # A diff that still makes the file is kept as written (its hunk headers' function
            # context, which diff -u would not write again).
            if apply_diff(path, before, self.content(repo_paths[-1])) == now:
                continue
            text = unified_diff(path, before, now).replace(author, AUTHOR_PLACEHOLDER)
            if last.read_bytes() != text:
                last.write_bytes(text)
                rewritten.append(repo_paths[-1])
        # The tree is now what the series makes it: record that, so that apply() goes on.
        self.entries = load(self.root)
        self.apply(force=True)
        return rewritten

    def commit(self, date):
        """Commits the series on top of `base` without touching the work tree, one commit per
        entry; returns the commit ids. The branch `user_root` points at the last."""
        name, email = re.match(r"^(.*) <(.*)>$", self.author or identity()).groups()
        env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name,
               "GIT_COMMITTER_EMAIL": email, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        commits = []
        with tempfile.TemporaryDirectory() as tmp:
            env["GIT_INDEX_FILE"] = str(Path(tmp, "index"))
            git(self.tree, "read-tree", "base", env=env)
            parent = git(self.tree, "rev-parse", "base").strip()
            for entry, state in zip(self.entries, self.states()):
                for repo_path in entry.files:
                    path = kernel_path(self.root, repo_path)
                    data, executable = state[path]
                    blob = subprocess.run(["git", "-C", str(self.tree), "hash-object", "-w", "--stdin"],
                                          input=data, check=True, capture_output=True).stdout.decode().strip()
                    git(self.tree, "update-index", "--add", "--cacheinfo",
                        f"{'100755' if executable else '100644'},{blob},{path}", env=env)
                tree_id = git(self.tree, "write-tree", env=env).strip()
                parent = git(self.tree, "commit-tree", tree_id, "-p", parent,
                             input=entry.message(f"{name} <{email}>"), env=env).strip()
                commits.append(parent)
        git(self.tree, "update-ref", "refs/heads/user_root", commits[-1] if commits else "base")
        return commits

    def write_patches(self, out, date, cover_letter=None):
        """git format-patch files and a cover letter in `out`; returns the patch files."""
        out = Path(out)
        commits = self.commit(date)
        out.mkdir(parents=True, exist_ok=True)
        for old in out.glob("*.patch"):
            old.unlink()
        git(self.tree, "format-patch", "--quiet", "--cover-letter", "--base=base", "-o",
            str(out.resolve()), f"base..{commits[-1]}")
        cover = next(out.glob("0000-*.patch"))
        if cover_letter:
            title, _, blurb = cover_letter.partition("\n\n")
            text = cover.read_text().replace("*** SUBJECT HERE ***", title.strip())
            cover.write_text(text.replace("*** BLURB HERE ***", blurb.strip()))
        return sorted(p for p in out.glob("*.patch") if not p.name.startswith("0000-"))

    def verify(self, patches, date, worktree=None):
        """`git am` of the patches onto a checkout of base must give, commit by commit, the trees
        of the series. Returns the number of patches. The checkout is a temporary work tree, or
        `worktree`, a work tree of the kernel tree's repository that is reset to base for it
        (and left at the last patch): a caller that needs one anyway saves checking out
        another."""
        commits = self.commit(date)
        if worktree is not None:
            git(worktree, "checkout", "--quiet", "--force", "--detach", "base")
            git(worktree, "clean", "-fdxq")
            got = git_am_trees(worktree, patches)
        else:
            with tempfile.TemporaryDirectory(dir=self.tree.parent) as tmp:
                wt = Path(tmp, "am")
                git(self.tree, "worktree", "add", "--quiet", "--detach", str(wt), "base")
                try:
                    got = git_am_trees(wt, patches)
                finally:
                    git(self.tree, "worktree", "remove", "--force", str(wt))
        want = [git(self.tree, "rev-parse", f"{c}^{{tree}}").strip() for c in commits]
        if got != want:
            bad = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w), min(len(got), len(want)))
            raise SeriesError(f"git am of {len(patches)} patches differs from the series at patch "
                              f"{bad + 1} ({len(got)} commits, the series has {len(want)})")
        return len(patches)


def git_am_trees(worktree, patches):
    """`git am` of the patches in a work tree at base; returns the tree of each commit made."""
    res = subprocess.run(["git", "-C", str(worktree), "-c", "user.name=urtest",
                          "-c", "user.email=urtest@localhost", "am", "--quiet",
                          *map(str, patches)], capture_output=True, text=True)
    if res.returncode:
        subprocess.run(["git", "-C", str(worktree), "am", "--abort"], capture_output=True)
        raise SeriesError(f"git am failed:\n{res.stdout}{res.stderr}")
    return git(worktree, "log", "--reverse", "--format=%T", "base..HEAD").split()


def write_if_changed(dest, data, executable):
    if dest.is_file() and dest.read_bytes() == data and os.access(dest, os.X_OK) == executable:
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".urtest-tmp")
    tmp.write_bytes(data)
    tmp.chmod(0o755 if executable else 0o644)
    tmp.replace(dest)  # a new inode: never writes through a hard link into another tree
    return True


def unified_diff(path, before, after):
    """A diff of kernel `path` from `before` to `after`, as the repository keeps them."""
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp, "a"), Path(tmp, "b")
        a.write_bytes(before)
        b.write_bytes(after)
        res = subprocess.run(["diff", "-u", "--label", f"a/{path}", "--label", f"b/{path}", str(a), str(b)],
                             capture_output=True)
        if res.returncode > 1:
            raise SeriesError(res.stderr.decode())
        return res.stdout


def read_patches(patches):
    """The series that a set of git format-patch files holds: [(subject, body, {path: bytes or
    None (deleted)}, {path: diff text})], to compare with the series they came from."""
    result = []
    for patch in patches:
        text = Path(patch).read_text()
        header, _, rest = text.partition("\n\n")
        subject = re.search(r"^Subject: (?:\[PATCH[^\]]*\] )?(.*(?:\n .*)*)", header, re.M).group(1)
        subject = re.sub(r"\n ", " ", subject)
        message, _, diff = rest.partition("\n---\n")
        body = re.sub(r"\n?Signed-off-by: .*\n?$", "", message.rstrip("\n")).strip("\n") + "\n"
        files = {m.group(1): None for m in re.finditer(r"^diff --git a/(\S+) b/", diff, re.M)}
        result.append((subject, body, list(files)))
    return result


def commit_date():
    """The date the patches carry: that of the repository's last commit, so they are reproducible."""
    res = subprocess.run(["git", "-C", str(REPO), "log", "-1", "--format=%aI"], capture_output=True, text=True)
    return res.stdout.strip() or "2026-01-01T00:00:00Z"
