// SPDX-License-Identifier: GPL-2.0

//! Counted references to locations in the VFS (`struct path`).
//!
//! C headers: [`include/linux/path.h`](srctree/include/linux/path.h),
//! [`include/linux/namei.h`](srctree/include/linux/namei.h) and
//! [`include/linux/statfs.h`](srctree/include/linux/statfs.h).

use crate::{bindings, error::to_result, prelude::*, str::CStr};
use core::mem::MaybeUninit;

/// A location in the VFS: a mount and a dentry on it.
///
/// # Invariants
///
/// `self.0` holds one reference on its mount and one on its dentry, dropped with `path_put`.
pub struct Path(bindings::path);

impl Path {
    /// Looks `name` up from the current task's root and working directory.
    ///
    /// Mounts stacked on a named component are followed, but `/` and `.` are taken as they are:
    /// looking up `/` yields the root of the current task even if something is mounted on it. A
    /// symbolic link in the last component is not followed.
    pub fn lookup(name: &CStr) -> Result<Self> {
        let mut path = MaybeUninit::<bindings::path>::uninit();
        // SAFETY: `name` is NUL-terminated and `path` is valid for writes.
        to_result(unsafe { bindings::kern_path(name.as_char_ptr(), 0, path.as_mut_ptr()) })?;
        // SAFETY: `kern_path` succeeded, so it initialised `path`.
        // INVARIANT: a successful `kern_path` returns with a reference on the mount and dentry.
        Ok(Self(unsafe { path.assume_init() }))
    }

    /// Returns the magic number that `statfs()` reports for the file system of this path.
    pub fn statfs_magic(&self) -> Result<u64> {
        let mut st = MaybeUninit::<bindings::kstatfs>::uninit();
        // SAFETY: `self.0` is a valid, counted path and `st` is valid for writes.
        to_result(unsafe { bindings::vfs_statfs(&self.0, st.as_mut_ptr()) })?;
        // SAFETY: `vfs_statfs` succeeded, so it filled in `st`.
        Ok(unsafe { st.assume_init() }.f_type as u64)
    }
}

impl Drop for Path {
    fn drop(&mut self) {
        // SAFETY: by the type invariant, `self.0` holds references that this drops exactly once.
        unsafe { bindings::path_put(&self.0) };
    }
}
