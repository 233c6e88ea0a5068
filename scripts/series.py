#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Apply the user_root series to a kernel tree, refresh its diffs, write it as patches.

The repository mirrors the kernel tree: a new kernel file lives at its kernel path, a change to
an existing kernel file lives next to where the file would be, as "<kernel path>.patch" (a diff
against the pristine tree). The file `series` groups them into commits.

The kernel tree is a git repository whose ref `base` is the pristine source. Applying writes
only the files whose content changes, so a rebuild after editing one file is incremental.
"""
import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STATE = "user_root-applied"  # list of applied paths, kept in the tree's .git directory
IDENTITY = ("user_root developers", "user_root@example.org")


def git(tree, *args, env=None, input=None, text=True):
    out = subprocess.run(["git", "-C", str(tree), *args], check=True, capture_output=True,
                         env={**os.environ, **(env or {})}, input=input, text=text)
    return out.stdout


def parse_series():
    """Returns [(subject, [repo paths], body)] from the file `series`."""
    entries = []
    for line in (REPO / "series").read_text().splitlines():
        if line.startswith("== "):
            entries.append([line[3:].strip(), [], []])
        elif not entries:
            continue  # preamble
        elif line.startswith("files:") and not entries[-1][2]:
            entries[-1][1].extend(line[6:].split())
        else:
            entries[-1][2].append(line)
    result = []
    for subject, files, body in entries:
        for f in files:
            if not (REPO / f).is_file():
                sys.exit(f"series: {subject}: no file {f}")
        result.append((subject, files, "\n".join(body).strip() + "\n"))
    return result


def kernel_path(repo_path):
    return repo_path[:-len(".patch")] if repo_path.endswith(".patch") else repo_path


def pristine(tree, path):
    """Pristine bytes of a kernel path, or None if the base has no such file."""
    try:
        return subprocess.run(["git", "-C", str(tree), "cat-file", "blob", f"base:{path}"],
                              check=True, capture_output=True).stdout
    except subprocess.CalledProcessError:
        return None


def desired(tree, repo_path):
    """(kernel path, bytes, executable) that the series wants in the tree."""
    src = REPO / repo_path
    path = kernel_path(repo_path)
    if not repo_path.endswith(".patch"):
        return path, src.read_bytes(), os.access(src, os.X_OK)
    base = pristine(tree, path)
    if base is None:
        sys.exit(f"{repo_path}: {path} is not in the pristine tree")
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base)
        res = subprocess.run(["git", "apply", "--unidiff-zero", "-p1", str(src)], cwd=tmp,
                             capture_output=True, text=True)
        if res.returncode:
            sys.exit(f"{repo_path} does not apply to {path}:\n{res.stderr}")
        return path, target.read_bytes(), False


def write_if_changed(dest, data, executable):
    if dest.is_file() and dest.read_bytes() == data:
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".user_root-tmp")
    tmp.write_bytes(data)
    tmp.chmod(0o755 if executable else 0o644)
    tmp.replace(dest)  # a new inode: never writes through a hard link into another tree
    return True


def cmd_apply(args):
    tree = Path(args.tree)
    state = tree / ".git" / STATE
    old = set(state.read_text().split()) if state.exists() else set()
    new, changed = set(), []
    for _subject, files, _body in parse_series():
        for repo_path in files:
            path, data, executable = desired(tree, repo_path)
            new.add(path)
            if write_if_changed(tree / path, data, executable):
                changed.append(path)
    for path in sorted(old - new):  # dropped from the series: back to pristine
        base = pristine(tree, path)
        if base is None:
            (tree / path).unlink(missing_ok=True)
        else:
            write_if_changed(tree / path, base, False)
        changed.append(path)
    state.write_text("\n".join(sorted(new)) + "\n")
    print(f"series: {len(new)} files, {len(changed)} changed" +
          ("".join(f"\n  {p}" for p in changed) if changed and len(changed) < 20 else ""))


def cmd_refresh(args):
    """Regenerates every <path>.patch from the edited kernel tree."""
    tree = Path(args.tree)
    for _subject, files, _body in parse_series():
        for repo_path in files:
            if not repo_path.endswith(".patch"):
                continue
            path = kernel_path(repo_path)
            diff = subprocess.run(["git", "-C", str(tree), "diff", "--no-color", "base", "--", path],
                                  check=True, capture_output=True, text=True).stdout
            lines = [l for l in diff.splitlines(True) if not l.startswith(("diff --git", "index "))]
            text = "".join(lines)
            if (REPO / repo_path).read_text() != text:
                (REPO / repo_path).write_text(text)
                print(f"refreshed {repo_path}")


def build_commits(tree):
    """Commits the series on top of `base` without touching the work tree; returns the tip."""
    name, email = IDENTITY
    env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
           "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email,
           "GIT_AUTHOR_DATE": "2026-11-29T00:00:00Z", "GIT_COMMITTER_DATE": "2026-11-29T00:00:00Z"}
    with tempfile.TemporaryDirectory() as tmp:
        env["GIT_INDEX_FILE"] = str(Path(tmp, "index"))
        git(tree, "read-tree", "base", env=env)
        parent = git(tree, "rev-parse", "base").strip()
        for subject, files, body in parse_series():
            for repo_path in files:
                path, data, executable = desired(tree, repo_path)
                blob = subprocess.run(["git", "-C", str(tree), "hash-object", "-w", "--stdin"],
                                      input=data, check=True, capture_output=True).stdout.decode().strip()
                git(tree, "update-index", "--add", "--cacheinfo",
                    f"{'100755' if executable else '100644'},{blob},{path}", env=env)
            tree_id = git(tree, "write-tree", env=env).strip()
            message = f"{subject}\n\n{body}\nSigned-off-by: {name} <{email}>\n"
            parent = git(tree, "commit-tree", tree_id, "-p", parent, input=message, env=env).strip()
    git(tree, "update-ref", "refs/heads/user_root", parent)
    return parent


def cmd_patches(args):
    tree, out = Path(args.tree), Path(args.out)
    tip = build_commits(tree)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.patch"):
        old.unlink()
    git(tree, "format-patch", "--quiet", "--cover-letter", "--base=base", "-o", str(out.resolve()),
        f"base..{tip}")
    cover = next(out.glob("0000-*.patch"))
    text = cover.read_text()
    intro = (REPO / "Documentation" / "cover-letter.txt").read_text()
    title, _, blurb = intro.partition("\n\n")
    text = text.replace("*** SUBJECT HERE ***", title.strip()).replace("*** BLURB HERE ***", blurb.strip())
    cover.write_text(text)
    print(f"patches: {len(list(out.glob('*.patch'))) - 1} patches and a cover letter in {out}")


def cmd_verify(args):
    """git am the written patches onto a fresh checkout of base; the result must be the tree
    that `apply` produces (the tree that is built and booted)."""
    tree, out = Path(args.tree), Path(args.out)
    patches = sorted(p for p in out.glob("*.patch") if not p.name.startswith("0000-"))
    tip = build_commits(tree)
    with tempfile.TemporaryDirectory(dir=tree.parent) as tmp:
        wt = Path(tmp, "am")
        git(tree, "worktree", "add", "--quiet", "--detach", str(wt), "base")
        try:
            res = subprocess.run(["git", "-C", str(wt), "-c", f"user.name={IDENTITY[0]}",
                                  "-c", f"user.email={IDENTITY[1]}", "am", "--quiet",
                                  *map(str, patches)], capture_output=True, text=True)
            if res.returncode:
                sys.exit(f"git am failed:\n{res.stdout}{res.stderr}")
            got = git(wt, "rev-parse", "HEAD^{tree}").strip()
        finally:
            git(tree, "worktree", "remove", "--force", str(wt))
    want = git(tree, "rev-parse", f"{tip}^{{tree}}").strip()
    if got != want:
        sys.exit(f"git am of {len(patches)} patches gives tree {got}, the series gives {want}")
    print(f"verify: {len(patches)} patches apply with git am onto base and give the built tree")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("apply", "refresh", "patches", "verify"):
        p = sub.add_parser(name)
        p.add_argument("--tree", required=True, help="kernel git tree with ref 'base'")
        if name in ("patches", "verify"):
            p.add_argument("--out", required=True, help="directory of the patch files")
    args = ap.parse_args()
    globals()[f"cmd_{args.cmd}"](args)


if __name__ == "__main__":
    main()
