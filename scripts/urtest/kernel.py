# SPDX-License-Identifier: GPL-2.0
"""The kernel: a pristine tree, the series applied to it, and its builds (builds.KernelBuild).

The test kernel is tinyconfig plus config fragments: the selftests' own `config`, the tooling's
VM options (scripts/config/vm.config) and the architecture's (scripts/config/vm-<arch>.config).
A variant adds fragments and builds in a directory of its own, seeded from the main build so
that only what its options touch is rebuilt.
"""
import hashlib
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

from . import arch as arches
from . import archive, deps, series, steps
from .settings import BASE, DEBIAN_TARBALL, kmake_env, kmake_vars


class Kernel:
    """The series on one base tree (builds.BASES), and the builds of that tree."""

    def __init__(self, settings, base=BASE):
        self.s = settings
        self.base = base
        self.tree = settings.base_home(base) / "src"

    # --- the tree ----------------------------------------------------------------------------
    def prepare_tree(self):
        tree = self.tree
        if (tree / ".git").is_dir() and subprocess.run(
                ["git", "-C", str(tree), "rev-parse", "-q", "--verify", "base"],
                capture_output=True).returncode == 0 and not self._newer_source():
            return
        steps.call("tree", f"pristine kernel tree in {tree}", self._make_tree)

    def _newer_source(self):
        """Whether a Debian release's archive has another linux-source-6.12 than the tree was
        made from (a stable update): the tree is made again. Without the archive it stays."""
        if self.base == BASE:
            return False
        try:
            version = archive.of(self.s.cache, self.base).candidate("linux-source-6.12")
        except steps.StepFailed as err:
            steps.say(f"[tree] keeping {self.source()}: {err}")
            return False
        return f"_{version}_" not in self.source()

    def source_version(self):
        """The Debian version of a release's base tree's package (None for this run's tree)."""
        m = re.match(r"^linux-source-6\.12_([^_]+)_", self.source()) if self.base != BASE else None
        return m.group(1).replace("%3a", ":") if m else None

    def _make_tree(self):
        tree = self.tree
        tmp = tree.with_name(tree.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(tree, ignore_errors=True)   # an older source's tree
        tmp.mkdir(parents=True)
        if self.base != BASE:
            release = self.base
            deb = archive.of(self.s.cache, release).download("linux-source-6.12")
            steps.say(f"[tree] {deb.name}, from Debian {release}'s archive")
            (tmp.parent / "source.txt").write_text(deb.name + "\n")   # which package the tree is
            tarball = tmp / "linux-source.tar.xz"
            with open(tarball, "wb") as out:
                subprocess.run(f"dpkg-deb --fsys-tarfile {shlex.quote(str(deb))} | "
                               "tar -xO --wildcards './usr/src/linux-source-6.12.tar.*'", shell=True,
                               check=True, stdout=out)
            subprocess.run(["tar", "-C", str(tmp), "--strip-components=1", "-xf", str(tarball)], check=True)
            tarball.unlink()
        elif self.s.ksrc:
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

    def source(self):
        """What the tree was made from: the package of a Debian release's base, or the tree."""
        made_from = self.tree.parent / "source.txt"
        return made_from.read_text().strip() if self.base != BASE and made_from.exists() else str(
            self.s.ksrc or DEBIAN_TARBALL)

    def version(self):
        return version_of(self.tree)

    def series(self):
        return series.Series(self.tree)

    def apply(self, upto=None):
        """Applies the series (or its first `upto` patches); returns the changed kernel paths."""
        self.prepare_tree()
        v = self.version()
        if not v.startswith("6.12."):
            raise steps.StepFailed(f"the series is for 6.12.y, {self.tree} is {v}")
        return self.series().apply(upto)

    # --- configure and build -------------------------------------------------------------------
    def build_dir(self, kb):
        return self.s.build_dir(kb.name, kb.base)

    def log(self, step, kb):
        """The log of a step (config, build, deb, ...) for a kernel build."""
        return self.s.logs / f"{step}-{kb.name}.log"

    def fragments(self, kb):
        return kb.fragments(self.s.guest_dir(kb.guest.name))

    def make(self, kb, *targets, build_dir=None, tree=None):
        a = arches.get(kb.arch)
        return ["make", "-C", str(tree or self.tree), f"O={build_dir or self.build_dir(kb)}",
                f"ARCH={a.make_arch}", *kmake_vars(), f"KBUILD_BUILD_VERSION={kb.revision}", *targets]

    def _stamp(self, kb):
        h = hashlib.sha1()
        for f in self.fragments(kb):
            h.update(Path(f).read_bytes())
        h.update((self.tree / "Makefile").read_bytes())
        return h.hexdigest()

    def config_stale(self, kb):
        stamp = self.build_dir(kb) / ".urtest-config-stamp"
        return not (self.build_dir(kb) / ".config").exists() or \
            not stamp.exists() or stamp.read_text() != self._stamp(kb)

    def configure(self, log, kb, strict=True):
        out = self.build_dir(kb)
        out.mkdir(parents=True, exist_ok=True)
        fragments = self.fragments(kb)
        run = dict(check=True, env=kmake_env(), stdout=log, stderr=subprocess.STDOUT)
        subprocess.run(self.make(kb, "tinyconfig"), **run)
        subprocess.run([str(self.tree / "scripts/kconfig/merge_config.sh"), "-m", "-O", str(out),
                        str(out / ".config"), *map(str, fragments)], **run)
        subprocess.run(self.make(kb, "olddefconfig"), **run)
        # Every option the fragments ask for (the last fragment to set one wins) must have
        # survived olddefconfig; with strict=False, only those the tree's Kconfig defines (a
        # prefix of the series lacks user_root's).
        missing = [line for line in wanted(fragments) if not config_has(out / ".config", line)]
        if not strict:
            defined = kconfig_symbols(self.tree)
            missing = [line for line in missing if line.split("=")[0][len("CONFIG_"):] in defined]
        if missing:
            raise RuntimeError("not set after olddefconfig: " + " ".join(missing))
        (out / ".urtest-config-stamp").write_text(self._stamp(kb))

    def build(self, kb, modules=True):
        """Configures (if needed) and builds `kb`; returns the path of its boot image."""
        a = arches.get(kb.arch)
        # A variant is a copy of the main build with a few options more: seeded again whenever its
        # options or the main build changed, which costs seconds where building it in place
        # would rebuild everything the change touched once more.
        main_vmlinux = self.build_dir(kb.main) / "vmlinux"
        seeded = self.build_dir(kb) / ".urtest-seeded-from"
        if kb.seeded and main_vmlinux.exists() and (
                self.config_stale(kb) or not seeded.exists()
                or seeded.read_text() != str(main_vmlinux.stat().st_mtime_ns)):
            steps.call("seed", f"{self.build_dir(kb)} from {self.build_dir(kb.main)}", seed_build_dir,
                       self.build_dir(kb.main), self.build_dir(kb))
            seeded.write_text(str(main_vmlinux.stat().st_mtime_ns))
        if self.config_stale(kb):
            steps.logged("config", f"tinyconfig + {' + '.join(Path(f).name for f in self.fragments(kb))}",
                         self.log("config", kb), self.configure, kb)
        targets = [a.image_target] + (["modules"] if modules and has_modules(self.build_dir(kb)) else [])
        steps.run("build", f"linux {self.version()} + user_root ({kb}) in {self.build_dir(kb)}",
                  self.log("build", kb), self.make(kb, f"-j{self.s.jobs}", *targets), env=kmake_env())
        return self.build_dir(kb) / a.image

    def deb(self, kb):
        """The linux-image package of `kb`, made by the kernel's own `make bindeb-pkg` (after
        building it); returns its path. dpkg-buildpackage puts the packages next to the build
        directory."""
        deps.install(("deb",))
        image = self.build(kb)
        pkgversion = f"{self.version()}-{kb.revision}"   # told apart by its variant (and base)
        out = self.build_dir(kb).parent
        made = sorted(out.glob(f"linux-image-*_{pkgversion}_*.deb"))
        if made and made[0].stat().st_mtime >= newest_output(self.build_dir(kb), image):
            steps.say(f"[deb] {made[0].name} is newer than what it packages: kept")
            return made[0]
        for old in out.glob(f"linux-*_{pkgversion}_*"):
            old.unlink()
        steps.run("deb", f"make bindeb-pkg ({kb})", self.log("deb", kb),
                  self.make(kb, f"-j{self.s.jobs}", f"KDEB_PKGVERSION={pkgversion}", "bindeb-pkg"),
                  env=kmake_env())
        found = sorted(out.glob(f"linux-image-*_{pkgversion}_*.deb"))
        if not found:
            raise steps.StepFailed(f"bindeb-pkg made no linux-image package in {out}")
        return found[0]


def newest_output(build, image):
    """The modification time of the newest file a linux-image package is made from: the
    configuration, the kernel image, System.map and the modules (modules.order names them)."""
    files = [build / ".config", image, build / "System.map"]
    order = build / "modules.order"
    if order.exists():
        files += [build / Path(line).with_suffix(".ko") for line in order.read_text().split()]
    return max(f.stat().st_mtime if f.exists() else float("inf") for f in files)


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
