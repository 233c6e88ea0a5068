# SPDX-License-Identifier: GPL-2.0
"""Userspace of another architecture, from Debian's own packages.

The guest of an arm64 cell needs arm64 programs: busybox, runc, util-linux, and the shared
libraries they load. They are taken from the packages of the archive that apt on this machine
already uses (the architecture is added to dpkg, so `apt-get download pkg:arm64` works), and
unpacked with dpkg-deb into a sysroot in the cache: nothing of another architecture is installed.
"""
import re
import subprocess
from pathlib import Path

from . import deps, steps

LIB_DIRS = ("lib/{triplet}", "usr/lib/{triplet}", "lib", "usr/lib")
TRIPLETS = {"arm64": "aarch64-linux-gnu", "riscv64": "riscv64-linux-gnu", "amd64": "x86_64-linux-gnu"}


def ensure_architecture(debian_arch):
    """dpkg knows `debian_arch` as a foreign architecture, and apt has its package lists."""
    native = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip()
    if debian_arch == native:
        return
    foreign = subprocess.run(["dpkg", "--print-foreign-architectures"], capture_output=True,
                             text=True).stdout.split()
    if debian_arch not in foreign:
        steps.say(f"adding the {debian_arch} architecture to dpkg (its packages are downloaded, not installed)")
        deps.as_root(["dpkg", "--add-architecture", debian_arch])
        deps.as_root(["apt-get", "update", "-q"])


class Sysroot:
    """Packages of one architecture, unpacked into CACHE/sysroot-<arch>."""

    def __init__(self, cache, debian_arch):
        self.arch = debian_arch
        self.triplet = TRIPLETS[debian_arch]
        self.dir = Path(cache) / f"sysroot-{debian_arch}"
        self.debs = self.dir.with_name(self.dir.name + "-debs")

    def add(self, packages):
        """Downloads and unpacks the packages not unpacked yet."""
        ensure_architecture(self.arch)
        self.debs.mkdir(parents=True, exist_ok=True)
        for pkg in packages:
            stamp = self.debs / f"{pkg}.unpacked"
            if stamp.exists():
                continue
            before = set(self.debs.glob("*.deb"))
            res = subprocess.run(["apt-get", "download", "-q", f"{pkg}:{self.arch}"], cwd=self.debs,
                                 capture_output=True, text=True)
            got = set(self.debs.glob("*.deb")) - before
            if res.returncode or not got:
                raise steps.StepFailed(f"apt-get download {pkg}:{self.arch} failed: {res.stderr.strip()[-300:]}")
            for deb in got:
                subprocess.run(["dpkg-deb", "-x", str(deb), str(self.dir)], check=True)
                stamp.write_text(deb.name + "\n")
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
