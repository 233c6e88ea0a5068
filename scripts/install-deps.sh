#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Installs what building and booting the patched kernel needs; skips what is present.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

PACKAGES=(
	linux-source-6.12                           # the default kernel source
	rustc-web rust-web-src rust-web-clippy      # rustc 1.96 with core's source, clippy-driver
	clang-19 lld-19 llvm-19 libclang-19-dev     # LLVM=-19 builds; libclang for bindgen
	flex bison bc libelf-dev libssl-dev cpio kmod make gcc libc6-dev git
	qemu-system-x86 busybox-static e2fsprogs    # the guest: emulator, userspace, ext4 image
	runc util-linux                             # real clients run inside the guest
	xz-utils zstd lz4 gzip                      # initramfs compressors
	python3 python3-docutils                    # runner, docs check
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing: ${missing[*]}"
	[ "$(id -u)" = 0 ] || die "need root to install packages: ${missing[*]}"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

bindgen="$HOME/.cargo/bin/bindgen"
if ! "$bindgen" --version 2>/dev/null | grep -q " $BINDGEN_VERSION\$"; then
	command -v cargo >/dev/null || die "cargo is needed to install bindgen-cli"
	say "installing bindgen-cli $BINDGEN_VERSION (cargo install --locked)"
	cargo install --quiet --locked bindgen-cli --version "$BINDGEN_VERSION"
fi
say "toolchain: $(/usr/bin/rustc --version), $("$bindgen" --version), $(clang-19 --version | head -1)"
