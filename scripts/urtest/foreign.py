# SPDX-License-Identifier: GPL-2.0
"""Userspace of another architecture, from Debian's own packages.

The guest of an arm64 cell needs arm64 programs: busybox, runc, util-linux, and the shared
libraries they load. They are taken from the packages of the archive that apt on this machine
already uses (the architecture is added to dpkg, so `apt-get download pkg:arm64` works), and
unpacked with dpkg-deb into a sysroot in the cache rather than installed. (The one arm64 package
that is installed is Debian's Rust standard library, with its dependencies: see deps.py.)
"""
import re
import shutil
import subprocess
from pathlib import Path

from . import archive, deps, steps

LIB_DIRS = ("lib/{triplet}", "usr/lib/{triplet}", "lib", "usr/lib")
TRIPLETS = {"arm64": "aarch64-linux-gnu", "riscv64": "riscv64-linux-gnu", "amd64": "x86_64-linux-gnu"}


class Sysroot:
    """Packages of one architecture, unpacked into CACHE/sysroot-<arch>; or, from host(), this
    machine's own root, whose programs a guest of its architecture takes as they are."""

    def __init__(self, cache, debian_arch, directory=None):
        self.arch = debian_arch
        self.triplet = TRIPLETS[debian_arch]
        self.dir = Path(directory or Path(cache) / f"sysroot-{debian_arch}")
        self.debs = None if directory else self.dir.with_name(self.dir.name + "-debs")

    @classmethod
    def host(cls):
        return cls(None, deps.native_architecture(), "/")

    def candidate(self, pkg):
        """The version of `pkg` that apt would download now."""
        version = archive.candidate(f"{pkg}:{self.arch}")
        if version is None:
            raise steps.StepFailed(f"apt knows no {pkg}:{self.arch} (is {self.arch} added to dpkg?)")
        return version

    def add(self, packages):
        """Downloads and unpacks the packages whose current version is not unpacked yet. The
        stamp names the version and is written last, so an interrupted run unpacks again; a new
        version in the archive (a security update) starts the sysroot afresh."""
        if self.debs is None:
            raise ValueError("the host's root is not unpacked from packages")
        deps.ensure_architecture(self.arch)
        self.debs.mkdir(parents=True, exist_ok=True)
        for pkg in packages:
            stamp = self.debs / f"{pkg}.unpacked"
            version = self.candidate(pkg)
            if stamp.exists() and stamp.read_text().strip() == version:
                continue
            if stamp.exists():  # an older version: no file of it may linger
                shutil.rmtree(self.dir, ignore_errors=True)
                for old in self.debs.glob("*.unpacked"):
                    old.unlink()
                return self.add(packages)
            for old in self.debs.glob(f"{pkg}_*.deb"):  # what an interrupted run left
                old.unlink()
            res = subprocess.run(["apt-get", "download", "-q", f"{pkg}:{self.arch}={version}"],
                                 cwd=self.debs, capture_output=True, text=True)
            debs = sorted(self.debs.glob(f"{pkg}_*.deb"))
            if res.returncode or not debs:
                raise steps.StepFailed(f"apt-get download {pkg}:{self.arch}={version} failed: "
                                       f"{res.stderr.strip()[-300:]}")
            subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(self.dir)], check=True)
            stamp.write_text(version + "\n")
        return self

    def program(self, name):
        for d in ("usr/bin", "usr/sbin", "bin", "sbin"):
            path = self.dir / d / name
            if path.exists():
                return path
        raise steps.StepFailed(f"{name} is in none of the unpacked {self.arch} packages")

    def find_library(self, soname):
        for d in LIB_DIRS:
            path = self.dir / d.format(triplet=self.triplet) / soname
            if path.exists():
                return path
        return None

    def with_libs(self, programs):
        """[(path in the guest, file on the host)] for the programs (by name), the libraries they
        load (by their DT_NEEDED entries, recursively) and the dynamic loader, at the paths the
        guest's loader looks in."""
        out, seen = [], set()

        def visit(guest_path, host_path):
            if guest_path in seen:
                return
            seen.add(guest_path)
            out.append((guest_path, host_path.resolve()))
            dyn = subprocess.run(["readelf", "-d", "-l", "-W", str(host_path)], capture_output=True,
                                 text=True).stdout
            loader = re.search(r"Requesting program interpreter: (/[^\]]+)\]", dyn)
            if loader:
                path = self.dir / loader.group(1).lstrip("/")
                if not path.exists():
                    raise steps.StepFailed(f"{host_path.name}: its loader {loader.group(1)} is not unpacked")
                visit(loader.group(1).lstrip("/"), path)
            for soname in re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dyn):
                lib = self.find_library(soname)
                if lib is None:
                    raise steps.StepFailed(f"{host_path.name} needs {soname}: add its {self.arch} package")
                visit(f"lib/{self.triplet}/{soname}", lib)

        for name in programs:
            prog = self.program(name)
            # At its merged-/usr path, where a Debian system (and the guest's scripts) find it.
            where = str(prog.relative_to(self.dir))
            visit(where if where.startswith("usr/") else "usr/" + where, prog)
        return out
