# SPDX-License-Identifier: GPL-2.0
"""The toolchain: Debian packages and a pinned bindgen-cli, installed when missing."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from . import steps
from .settings import BINDGEN_VERSION

# Package groups; a command installs only the groups it needs.
PACKAGES = {
    "kernel": [
        "linux-source-6.12",                                # the default kernel source
        "rustc-web", "rust-web-src", "rust-web-clippy",     # rustc 1.96 with core's source, clippy
        "clang-19", "lld-19", "llvm-19", "libclang-19-dev", # LLVM=-19 builds; libclang for bindgen
        "flex", "bison", "bc", "libelf-dev", "libssl-dev", "cpio", "kmod", "make", "gcc",
        "libc6-dev", "git", "python3-docutils",
    ],
    "guest": [
        "qemu-system-x86", "busybox-static", "e2fsprogs",   # emulator, userspace, ext4 images
        "runc", "util-linux",                               # real clients inside the guest
        "rsync",                                            # kselftests' make install
        "xz-utils", "zstd", "lz4", "gzip",                  # initramfs compressors
    ],
    "tooling": ["u-boot-tools", "e2fsprogs"],              # the tooling's tests: a U-Boot disk
    "bench": ["python3-matplotlib"],
    # make bsp: GNU patch applies the Buildroot tree's patches as Buildroot does; a virtual
    # environment holds the pinned BitBake linter (PIP below)
    "bsp": ["patch", "python3-venv"],
    # make bindeb-pkg (the build dependencies its debian/control names), Debian's kernel config
    "deb": ["dpkg-dev", "debhelper"],
    "debian-config": ["linux-config-6.12", "dwarves"],
    "distro": ["mmdebstrap", "e2fsprogs", "qemu-system-x86"],  # the Debian image (distro.py)
    # arm64 guests: the emulator, U-Boot for QEMU's virt board and mkimage for its boot script,
    # a cross C compiler and C library, and Debian's Rust standard library for arm64 (Debian's
    # rustc cross-compiles with it: the rustup toolchain cannot fetch another target here).
    "guest-aarch64": ["qemu-system-arm", "u-boot-qemu", "u-boot-tools", "binutils",
                      "gcc-aarch64-linux-gnu", "libc6-dev-arm64-cross", "libstd-rust-web-dev:arm64"],
    # riscv64 guests (make check-arch): the emulator, Debian's OpenSBI, a cross C compiler and C
    # library; Debian 12 has no riscv64 port for anything more.
    "guest-riscv64": ["qemu-system-misc", "opensbi", "gcc-riscv64-linux-gnu", "libc6-dev-riscv64-cross"],
}

# Python tools from PyPI, pinned, by group; install_pip() puts a group in a virtual environment.
PIP = {
    # oelint-adv, the BitBake metadata linter, with the parser and release data its findings
    # depend on, and everything they pull in (pip freeze of that install), so that a new release
    # of a dependency cannot change the findings
    "bsp": ["oelint-adv==9.11.2", "oelint-parser==8.13.2", "oelint-data==1.5.26", "anytree==2.13.0",
            "argcomplete==3.7.2", "colorama==0.4.6", "deprecated==1.3.1", "regex==2026.9.29",
            "urllib3==2.8.0", "wrapt==2.5.2"],
}


def missing(packages):
    out = []
    for p in packages:
        res = subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True)
        if "install ok installed" not in res.stdout:
            out.append(p)
    return out


# Packages of another architecture that must be the very version of the host's: Multi-Arch:
# same, so a newer one would upgrade the host's rustc in the middle of a run.
SAME_VERSION_AS_HOST = ("libstd-rust-web-dev",)


def same_as_host(package):
    """`package`, pinned to the host's version of it where SAME_VERSION_AS_HOST says so."""
    name = package.split(":")[0]
    if ":" not in package or name not in SAME_VERSION_AS_HOST:
        return package
    native = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip()
    res = subprocess.run(["dpkg-query", "-W", "-f=${Version}", f"{name}:{native}"], capture_output=True, text=True)
    return f"{package}={res.stdout.strip()}" if res.returncode == 0 and res.stdout.strip() else package


def as_root(cmd):
    """Runs a package-manager command, which needs root."""
    if os.geteuid() != 0:
        steps.die(f"need root for: {' '.join(cmd)}")
    subprocess.run(cmd, check=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def ensure_architecture(debian_arch):
    """dpkg knows `debian_arch` as a foreign architecture, and apt has its package lists."""
    if debian_arch == native_architecture():
        return
    foreign = subprocess.run(["dpkg", "--print-foreign-architectures"], capture_output=True,
                             text=True).stdout.split()
    if debian_arch not in foreign:
        steps.say(f"adding the {debian_arch} architecture to dpkg (its packages are downloaded, not installed)")
        as_root(["dpkg", "--add-architecture", debian_arch])
        as_root(["apt-get", "update", "-q"])


def native_architecture():
    return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip()


def install(groups=("kernel", "guest")):
    """Installs what is missing, as root, with apt-get and cargo install --locked."""
    want = [p for g in groups for p in PACKAGES[g]]
    todo = missing(want)
    if todo:
        steps.say(f"installing: {' '.join(todo)}")
        for arch in sorted({p.split(":")[1] for p in todo if ":" in p}):
            ensure_architecture(arch)
        as_root(["apt-get", "update", "-q"])
        as_root(["apt-get", "install", "-y", "-q", "--no-install-recommends", *map(same_as_host, todo)])
    if "kernel" in groups:
        bindgen = Path.home() / ".cargo/bin/bindgen"
        version = subprocess.run([bindgen, "--version"], capture_output=True, text=True).stdout \
            if bindgen.exists() else ""
        if not version.strip().endswith(f" {BINDGEN_VERSION}"):
            if not shutil.which("cargo"):
                steps.die("cargo is needed to install bindgen-cli")
            steps.say(f"installing bindgen-cli {BINDGEN_VERSION} (cargo install --locked)")
            subprocess.run(["cargo", "install", "--quiet", "--locked", "bindgen-cli", "--version",
                            BINDGEN_VERSION], check=True)


def install_pip(group, venv):
    """Makes `venv` a virtual environment with the group's pinned PyPI packages (pip install
    when one is missing or at another version); returns its bin directory."""
    venv = Path(venv)
    python = venv / "bin/python"

    def canonical(requirement):  # pip freeze writes oelint_adv for oelint-adv
        return requirement.strip().lower().replace("_", "-")

    want = {canonical(p) for p in PIP[group]}
    if python.exists():
        have = subprocess.run([python, "-m", "pip", "freeze"], capture_output=True, text=True).stdout
        if want <= {canonical(line) for line in have.splitlines()}:
            return venv / "bin"
    steps.say(f"installing {' '.join(PIP[group])} (pip, in {venv})")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    *PIP[group]], check=True)
    return venv / "bin"
