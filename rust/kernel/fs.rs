// SPDX-License-Identifier: GPL-2.0

//! Kernel file systems.
//!
//! The minimal VFS surface needed by built-in Rust code that builds the boot mount tree: a file
//! system type with a single, kernel-internal superblock ([`sb`]), counted references to VFS
//! locations ([`path`]) and the boot-time path operations of `init/` ([`boot`]).
//!
//! C headers: [`include/linux/fs.h`](srctree/include/linux/fs.h),
//! [`include/linux/fs_context.h`](srctree/include/linux/fs_context.h),
//! [`include/linux/namei.h`](srctree/include/linux/namei.h) and
//! [`include/linux/init_syscalls.h`](srctree/include/linux/init_syscalls.h).

pub mod boot;
pub mod path;
pub mod sb;
