# SPDX-License-Identifier: GPL-2.0
"""Per-architecture data: how to build the kernel for it and how QEMU runs it."""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Arch:
    name: str                  # as `uname -m` says, and as cells name it
    make_arch: str             # ARCH= of the kernel build
    image: str                 # the boot image, relative to the build directory
    image_target: str          # its make target
    rust_target: str           # the Rust target triple of userspace programs
    qemu: str                  # the emulator
    machine: list = field(default_factory=list)   # QEMU arguments of the machine
    console: str = "ttyS0"     # the serial console's device name
    packages: tuple = ()       # Debian packages for the emulator and firmware


ARCHES = {
    "x86_64": Arch(
        name="x86_64", make_arch="x86_64", image="arch/x86/boot/bzImage", image_target="bzImage",
        rust_target="x86_64-unknown-linux-gnu", qemu="qemu-system-x86_64",
        machine=[], console="ttyS0", packages=("qemu-system-x86",)),
}


def get(name):
    try:
        return ARCHES[name]
    except KeyError:
        raise SystemExit(f"unknown architecture {name!r}; known: {', '.join(ARCHES)}") from None
