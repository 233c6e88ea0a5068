# SPDX-License-Identifier: GPL-2.0
"""Which kernel: one frozen description of a kernel build, and the one rule that names its
build directory, its logs and the guest whose modules are built against it.

The matrix (a cell's `kernel` is a variant), the builder (kernel.Kernel), the guest images and
the check all speak of kernels as KernelBuild(variant, arch, base).
"""
from dataclasses import dataclass
from pathlib import Path

from . import arch as arches
from .settings import BASE, REPO, SELFTESTS

CONFIG_DIR = REPO / "scripts/config"

# The trees the series is applied to, by name: BASE is this run's, Debian's linux-source-6.12 of
# this machine or the 6.12.y tree that KSRC= names (settings.Settings.tree); the others are the
# linux-source-6.12 of a Debian release, from its archive (kernel.Kernel makes the tree).
BASES = {BASE: "this machine's linux-source-6.12 (or KSRC=)",
         "trixie": "Debian 13's linux-source-6.12"}

# Every variant, and the fragments it adds to the main kernel's (tinyconfig + the selftests'
# config + the VM's options). "builtin" adds the guest's own archive (builtin.config, which the
# guest writes: see KernelBuild.fragments).
VARIANTS = {
    "main": (),
    "default-on": (CONFIG_DIR / "default-on.config",),
    "no-user-root": (CONFIG_DIR / "no-user-root.config",),
    "builtin": (),
    "distro": (CONFIG_DIR / "distro.config",),
    "debug": (CONFIG_DIR / "debug.config",),
}
# Variants that are built for the x86_64 machine only (the Debian system, KASAN + lockdep, and
# the Kconfig variants; arm64 and riscv64 boot the main and the built-in kernels).
X86_ONLY = ("default-on", "no-user-root", "distro", "debug")


@dataclass(frozen=True)
class KernelBuild:
    """A kernel configuration of one architecture, built from one base tree in a directory of
    its own."""
    variant: str = "main"
    arch: str = "x86_64"
    base: str = BASE

    def __post_init__(self):
        if self.variant not in VARIANTS:
            raise ValueError(f"unknown kernel variant {self.variant!r}; one of {', '.join(VARIANTS)}")
        if self.arch not in arches.ARCHES:
            raise ValueError(f"unknown architecture {self.arch!r}; one of {', '.join(arches.ARCHES)}")
        if self.base not in BASES:
            raise ValueError(f"unknown base {self.base!r}; one of {', '.join(BASES)}")
        if self.variant in X86_ONLY and self.arch != "x86_64":
            raise ValueError(f"the {self.variant} kernel is built for x86_64 only")
        if self.variant == "builtin" and not arches.get(self.arch).debian_port:
            raise ValueError(f"no built-in guest for {self.arch}: its C-only guest is no archive to build in")

    @property
    def name(self):
        """The one name of its build directory (build-NAME), logs (STEP-NAME.log) and guest."""
        return ("" if self.base == BASE else f"{self.base}-") + f"{self.arch}-{self.variant}"

    def __str__(self):
        return f"{self.variant}, {self.arch}" + ("" if self.base == BASE else f", {self.base}")

    @property
    def revision(self):
        """Its build version (uname -v: "#distro SMP ...") and the Debian revision of its package
        (6.12.118-distro): the same word, or bindeb-pkg's build and a plain one would each
        relink the other's vmlinux."""
        return "+".join(([] if self.base == BASE else [self.base]) + self.variant.split("-"))

    @property
    def main(self):
        """The main kernel of the same architecture and base."""
        return KernelBuild("main", self.arch, self.base)

    @property
    def seeded(self):
        """Whether its build directory starts as a copy of the main build's. A variant is the
        main kernel with a few options more, so a copy rebuilds only what they touch. The debug
        kernel's options (KASAN, lockdep) change every object: a copy would save nothing."""
        return self.variant not in ("main", "debug")

    @property
    def guest(self):
        """The build whose guest (and test modules) this kernel boots: the debug kernel has its
        own (its struct module differs), the other variants load the main kernel's modules."""
        return self if self.variant in ("main", "debug") else self.main

    def fragments(self, guest_dir):
        """The configuration fragments, in merge order; `guest_dir` is where the guest of
        self.guest writes builtin.config."""
        main = [SELFTESTS / "config", CONFIG_DIR / "vm.config", CONFIG_DIR / f"vm-{self.arch}.config"]
        extra = [Path(guest_dir) / "builtin.config"] if self.variant == "builtin" else VARIANTS[self.variant]
        return main + list(extra)
