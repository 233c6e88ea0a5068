# SPDX-License-Identifier: GPL-2.0
"""urtest: build, boot and test the user_root series for Linux 6.12.

Run it as `python3 scripts/urtest.py <command>` (or through `make`); `--help` lists the commands.
Each module has one job: settings (where things are), steps (logging), deps (the toolchain),
series (the patch series), kernel (configure and build), cpio and images (guest images), qemu
(machines and boots), ktap (reading a console), protocol (what guest and host say to each
other), matrix (the boot matrix), check, demo and bench.
"""
