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
    debian: str = "amd64"      # Debian's name of the architecture, for its packages
    cross: str = ""            # CROSS_COMPILE= of userspace C programs ("" when native)
    cross_packages: tuple = () # Debian packages that cross-compile its userspace
    u_boot: str = ""           # Debian's U-Boot for QEMU's board (package u-boot-qemu), if any
    debian_port: bool = True   # whether Debian 12 has the architecture: its busybox, runc, Rust std


ARCHES = {
    "x86_64": Arch(
        name="x86_64", make_arch="x86_64", image="arch/x86/boot/bzImage", image_target="bzImage",
        rust_target="x86_64-unknown-linux-gnu", qemu="qemu-system-x86_64",
        machine=[], console="ttyS0", packages=("qemu-system-x86",)),
    # QEMU's virt board as an arm64 BSP sees it: PL011 serial, GICv3, PSCI, virtio over PCI and
    # MMIO, and a device tree. cortex-a72: "max" emulates pointer authentication, slowly.
    "aarch64": Arch(
        name="aarch64", make_arch="arm64", image="arch/arm64/boot/Image", image_target="Image",
        rust_target="aarch64-unknown-linux-gnu", qemu="qemu-system-aarch64",
        machine=["-M", "virt,gic-version=3", "-cpu", "cortex-a72"], console="ttyAMA0",
        packages=("qemu-system-arm",), debian="arm64", cross="aarch64-linux-gnu-",
        cross_packages=("gcc-aarch64-linux-gnu", "libc6-dev-arm64-cross", "libstd-rust-web-dev:arm64"),
        u_boot="/usr/lib/u-boot/qemu_arm64/u-boot.bin"),
    # QEMU's riscv64 virt board with Debian's OpenSBI as the firmware. Debian 12 has no riscv64
    # port, so its guest is C only (the kselftest and a minimal init, cross-compiled).
    "riscv64": Arch(
        name="riscv64", make_arch="riscv", image="arch/riscv/boot/Image", image_target="Image",
        rust_target="riscv64gc-unknown-linux-gnu", qemu="qemu-system-riscv64",
        machine=["-M", "virt", "-bios", "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"],
        console="ttyS0", packages=("qemu-system-misc", "opensbi"), debian="riscv64",
        cross="riscv64-linux-gnu-", cross_packages=("gcc-riscv64-linux-gnu", "libc6-dev-riscv64-cross"),
        debian_port=False),
}


def get(name):
    try:
        return ARCHES[name]
    except KeyError:
        raise SystemExit(f"unknown architecture {name!r}; known: {', '.join(ARCHES)}") from None
