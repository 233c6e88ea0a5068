# SPDX-License-Identifier: GPL-2.0
"""The kernel: a pristine tree, the series applied to it, and builds of its variants.

The test kernel is tinyconfig plus config fragments: the selftests' own `config`, the tooling's
VM options (scripts/config/vm.config) and the architecture's (scripts/config/vm-<arch>.config).
A variant adds fragments and builds in a directory of its own, seeded from the main build so
that only what its options touch is rebuilt.
"""
import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from . import arch as arches
from . import deps, series, steps
from .settings import DEBIAN_TARBALL, REPO, SELFTESTS, kmake_env, kmake_vars

CONFIG_DIR = REPO / "scripts/config"


@dataclass
class Variant:
    """A kernel configuration: tinyconfig plus fragments, built in its own directory."""
    name: str = ""                                    # "" is the main test kernel
    extra: list = field(default_factory=list)         # fragments beyond the main kernel's
    arch: str = "x86_64"

    def fragments(self):
        main = [SELFTESTS / "config", CONFIG_DIR / "vm.config", CONFIG_DIR / f"vm-{self.arch}.config"]
        return main + [Path(f) for f in self.extra]

    @property
    def label(self):
        return (self.name or "main") + ("" if self.arch == "x86_64" else f", {self.arch}")


def variant(name, arch="x86_64", extra=()):
    """A named variant; its fragment is scripts/config/<name>.config unless `extra` is given."""
    if not name:
        return Variant("", [], arch)
    return Variant(name, list(extra) or [CONFIG_DIR / f"{name}.config"], arch)


class Kernel:
    def __init__(self, settings):
        self.s = settings

    # --- the tree ----------------------------------------------------------------------------
    def prepare_tree(self):
        tree = self.s.tree
        if (tree / ".git").is_dir() and subprocess.run(
                ["git", "-C", str(tree), "rev-parse", "-q", "--verify", "base"],
                capture_output=True).returncode == 0:
            return
        steps.call("tree", f"pristine kernel tree in {tree}", self._make_tree)

    def _make_tree(self):
        tree = self.s.tree
        tmp = tree.with_name(tree.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.s.ksrc:
            if not (self.s.ksrc / "Makefile").is_file():
                raise steps.StepFailed(f"KSRC={self.s.ksrc} is not a kernel tree")
            shutil.copytree(self.s.ksrc, tmp, dirs_exist_ok=True, symlinks=True,
                            ignore=shutil.ignore_patterns(".git"))
        else:
            if not DEBIAN_TARBALL.is_file():
                raise steps.StepFailed(f"{DEBIAN_TARBALL} is missing: run `make deps`")
            subprocess.run(["tar", "-C", str(tmp), "--strip-components=1", "-xf", str(DEBIAN_TARBALL)],
                           check=True)
        ident = ["-c", "user.name=urtest", "-c", "user.email=urtest@localhost"]
        git = ["git", "-C", str(tmp)]
        subprocess.run(git + ["init", "-q"], check=True)
        subprocess.run(git + ["add", "-f", "-A"], check=True)  # -f: Debian's .gitignore ignores all
        subprocess.run(git + ident + ["commit", "-q", "--no-verify", "-m", "pristine source"], check=True)
        subprocess.run(git + ["branch", "-f", "base", "HEAD"], check=True)
        # An annotated tag at the version keeps setlocalversion from adding "+" or "-dirty".
        subprocess.run(git + ident + ["tag", "-a", "-m", "pristine", f"v{version_of(tmp)}"], check=True)
        tmp.rename(tree)

    def version(self):
        return version_of(self.s.tree)

    def series(self):
        return series.Series(self.s.tree)

    def apply(self, upto=None):
        """Applies the series (or its first `upto` patches); returns the changed kernel paths."""
        self.prepare_tree()
        v = self.version()
        if not v.startswith("6.12."):
            raise steps.StepFailed(f"the series is for 6.12.y, {self.s.tree} is {v}")
        return self.series().apply(upto)

    # --- configure and build -------------------------------------------------------------------
    def build_dir(self, v):
        return self.s.build_dir(v.name, v.arch)

    def make(self, v, *targets, build_dir=None, tree=None):
        a = arches.get(v.arch)
        return ["make", "-C", str(tree or self.s.tree), f"O={build_dir or self.build_dir(v)}",
                f"ARCH={a.make_arch}", *kmake_vars(), *targets]

    def _stamp(self, v):
        h = hashlib.sha1()
        for f in v.fragments():
            h.update(Path(f).read_bytes())
        h.update((self.s.tree / "Makefile").read_bytes())
        return h.hexdigest()

    def config_stale(self, v):
        stamp = self.build_dir(v) / ".urtest-config-stamp"
        return not (self.build_dir(v) / ".config").exists() or \
            not stamp.exists() or stamp.read_text() != self._stamp(v)

    def configure(self, log, v, strict=True):
        out = self.build_dir(v)
        out.mkdir(parents=True, exist_ok=True)
        run = dict(check=True, env=kmake_env(), stdout=log, stderr=subprocess.STDOUT)
        subprocess.run(self.make(v, "tinyconfig"), **run)
        subprocess.run([str(self.s.tree / "scripts/kconfig/merge_config.sh"), "-m", "-O", str(out),
                        str(out / ".config"), *map(str, v.fragments())], **run)
        subprocess.run(self.make(v, "olddefconfig"), **run)
        # Every option the fragments ask for (the last fragment to set one wins) must have
        # survived olddefconfig; with strict=False, only those the tree's Kconfig defines (a
        # prefix of the series lacks user_root's).
        missing = [line for line in wanted(v.fragments()) if not config_has(out / ".config", line)]
        if not strict:
            defined = kconfig_symbols(self.s.tree)
            missing = [line for line in missing if line.split("=")[0][len("CONFIG_"):] in defined]
        if missing:
            raise RuntimeError("not set after olddefconfig: " + " ".join(missing))
        (out / ".urtest-config-stamp").write_text(self._stamp(v))

    def seed(self, v, source):
        """Copies `source`'s build directory to v's, pointing the saved commands at the copy."""
        dest = self.build_dir(v)
        seed_build_dir(source, dest)

    def build(self, v, modules=True):
        """Configures (if needed) and builds variant `v`; returns the path of its boot image."""
        a = arches.get(v.arch)
        main = Variant("", [], v.arch)
        logs = self.s.logs
        suffix = ("-" + v.name if v.name else "") + ("" if v.arch == "x86_64" else f"-{v.arch}")
        # A variant is a copy of the main build with a few options more: seeded again whenever its
        # options or the main build changed, which costs seconds where building it in place
        # would rebuild everything the change touched once more.
        # The debug kernel's options (KASAN, lockdep) change every object: a copy would save
        # nothing, and would make each change of the main build a full rebuild of it.
        main_vmlinux = self.build_dir(main) / "vmlinux"
        seeded = self.build_dir(v) / ".urtest-seeded-from"
        if v.name and v.name != "debug" and main_vmlinux.exists() and (
                self.config_stale(v) or not seeded.exists()
                or seeded.read_text() != str(main_vmlinux.stat().st_mtime_ns)):
            steps.call("seed", f"{self.build_dir(v)} from {self.build_dir(main)}", self.seed, v,
                       self.build_dir(main))
            seeded.write_text(str(main_vmlinux.stat().st_mtime_ns))
        if self.config_stale(v):
            steps.logged("config", f"tinyconfig + {' + '.join(Path(f).name for f in v.fragments())}",
                         logs / f"config{suffix}.log", self.configure, v)
        targets = [a.image_target] + (["modules"] if modules and has_modules(self.build_dir(v)) else [])
        steps.run("build", f"linux {self.version()} + user_root ({v.label}) in {self.build_dir(v)}",
                  logs / f"build{suffix}.log", self.make(v, f"-j{self.s.jobs}", *targets), env=kmake_env())
        return self.build_dir(v) / a.image


    def deb(self, v):
        """The linux-image package of variant `v`, made by the kernel's own `make bindeb-pkg`
        (after building it); returns its path. dpkg-buildpackage puts the packages next to the
        build directory."""
        deps.install(("deb",))
        self.build(v)
        version = self.version()
        out = self.build_dir(v).parent
        for old in out.glob(f"linux-*_{version}-{v.name or 'main'}_*"):
            old.unlink()
        steps.run("deb", f"make bindeb-pkg ({v.label})", self.s.logs / f"deb-{v.name or 'main'}.log",
                  self.make(v, f"-j{self.s.jobs}", f"KDEB_PKGVERSION={version}-{v.name or 'main'}",
                            "bindeb-pkg"), env=kmake_env())
        found = sorted(out.glob(f"linux-image-{version}_{version}-{v.name or 'main'}_*.deb"))
        if not found:
            raise steps.StepFailed(f"bindeb-pkg made no linux-image package in {out}")
        return found[0]


def version_of(tree):
    fields = {}
    for line in (Path(tree) / "Makefile").read_text().splitlines()[:10]:
        key, _, value = line.partition("=")
        fields[key.strip()] = value.strip()
    return f"{fields['VERSION']}.{fields['PATCHLEVEL']}.{fields['SUBLEVEL']}"


def wanted(fragments):
    """The CONFIG_X=... lines the fragments ask for, the last one of each symbol winning."""
    last = {}
    for f in fragments:
        for line in Path(f).read_text().splitlines():
            m = re.match(r"^(CONFIG_\w+)=(.*)$", line) or re.match(r"^# (CONFIG_\w+) is not set$", line)
            if m:
                last[m.group(1)] = line if line.startswith("CONFIG_") else f"{m.group(1)}=n"
    return list(last.values())


def config_has(config, line):
    """Whether a .config sets what a fragment line asks (=n is "is not set", or absent)."""
    text = Path(config).read_text().splitlines()
    symbol, value = line.split("=", 1)
    if value == "n":
        return f"{symbol}=y" not in text and f"{symbol}=m" not in text
    return line in text


def kconfig_symbols(tree):
    """The symbols the Kconfig files of a tree define."""
    symbols = set()
    for root, _dirs, files in os.walk(tree):
        if "/.git" in root:
            continue
        for name in files:
            if name.startswith("Kconfig"):
                for m in re.finditer(r"^\s*(?:menu)?config\s+(\w+)", Path(root, name).read_text(errors="replace"), re.M):
                    symbols.add(m.group(1))
    return symbols


def has_modules(build_dir):
    config = Path(build_dir) / ".config"
    return config.exists() and "CONFIG_MODULES=y" in config.read_text().splitlines()


def seed_build_dir(source, dest):
    """A copy of a build directory is only reused if the saved commands still match: objtool's
    (tools/ build) and Rust's record absolute output paths, and a rebuilt objtool is newer than
    every object, which would then all be rebuilt. So the copied commands are pointed at the copy."""
    source, dest = Path(source), Path(dest)
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    subprocess.run(["cp", "-a", str(source), str(tmp)], check=True)
    old, new = str(source).encode(), str(dest).encode()
    pattern = re.compile(re.escape(old) + rb"(?=[^-A-Za-z0-9_.]|$)")
    for root, _dirs, files in os.walk(tmp):
        for name in files:
            if not (name.startswith(".") and name.endswith(".cmd")):
                continue
            path = Path(root, name)
            data = path.read_bytes()
            if old in data:
                stat = path.stat()
                path.write_bytes(pattern.sub(new, data))
                os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
