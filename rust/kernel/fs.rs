// SPDX-License-Identifier: GPL-2.0

//! Kernel file systems.
//!
//! A minimal VFS surface for Rust code that makes file systems of its own: an unregistered,
//! in-memory file system type and its superblocks ([`sb`]), and counted references to VFS
//! locations ([`path`]).
//!
//! C headers: [`include/linux/fs.h`](srctree/include/linux/fs.h),
//! [`include/linux/fs_context.h`](srctree/include/linux/fs_context.h) and
//! [`include/linux/namei.h`](srctree/include/linux/namei.h).

pub mod path;
pub mod sb;
