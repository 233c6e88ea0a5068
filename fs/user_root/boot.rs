// SPDX-License-Identifier: GPL-2.0

//! The boot-time path operations of `init/` (`init_mount()`, `init_chdir()`, ...), which act for
//! the current task with kernel privileges, resolve names from its root and working directory,
//! and live in init memory.
//!
//! They share one contract, that init memory is still there, and it is promised once, by creating
//! an [`InitContext`] token. This module is private to user_root and its functions live in
//! `.init.text` themselves, so nothing here is exported to modules or reachable after boot.
//!
//! C header: [`include/linux/init_syscalls.h`](srctree/include/linux/init_syscalls.h).

use core::{marker::PhantomData, ptr};
use kernel::{bindings, error::to_result, page::PAGE_SIZE, prelude::*};

/// `umount2()` flag: detach the mount now and clean up once it is no longer busy.
const MNT_DETACH: i32 = bindings::MNT_DETACH as i32;

/// Proof that the code holding it runs at boot, before init memory is freed.
///
/// It is neither `Send` nor `Sync`, so it cannot be kept in a `static` or handed to another task.
///
/// # Invariants
///
/// Init memory is not freed while a token exists.
pub(crate) struct InitContext(PhantomData<*mut ()>);

impl InitContext {
    /// Creates the token.
    ///
    /// # Safety
    ///
    /// The caller must be boot code that runs before `free_initmem()` (an `__init` function, or
    /// code only called from one), and must drop the token before it returns.
    #[inline(always)]
    pub(crate) unsafe fn new() -> Self {
        // INVARIANT: the caller guarantees that init memory stays while the token exists.
        Self(PhantomData)
    }

    /// Fails with `ENOMEM` if `fail_user_root=` says that the boot operation `op`, about to run,
    /// is to fail (`CONFIG_USER_ROOT_FAULT_INJECTION`); the failure is reported with `op`.
    #[link_section = ".init.text"]
    pub(crate) fn injected_fault(&self, op: &str) -> Result {
        #[cfg(CONFIG_USER_ROOT_FAULT_INJECTION)]
        {
            // SAFETY: by the type invariant init memory, where the function lives, is still there.
            if unsafe { bindings::user_root_should_fail() } {
                pr_warn!("fault injection: {op} fails with ENOMEM\n");
                return Err(ENOMEM);
            }
        }
        #[cfg(not(CONFIG_USER_ROOT_FAULT_INJECTION))]
        let _ = op;
        Ok(())
    }

    /// Mounts a new instance of `fstype`, named `source`, on `target`.
    ///
    /// `options` is the comma-separated option string of `mount(2)`. Options that do not fit in a
    /// page with their NUL are `EINVAL`, where `mount(2)` would cut them short.
    #[link_section = ".init.text"]
    pub(crate) fn mount_new(
        &self,
        source: &CStr,
        target: &CStr,
        fstype: &CStr,
        options: Option<&CStr>,
    ) -> Result {
        self.injected_fault("init_mount")?;
        // `init_mount()` takes the options as a whole page, like `mount(2)` copies them from
        // userspace: it terminates the page at its last byte and the file system parses it in
        // place.
        let mut page: KVec<u8>;
        let data = match options {
            None => ptr::null_mut(),
            Some(options) => {
                let bytes = options.as_bytes_with_nul();
                if bytes.len() > PAGE_SIZE {
                    return Err(EINVAL);
                }
                page = KVec::from_elem(0u8, PAGE_SIZE, GFP_KERNEL)?;
                page[..bytes.len()].copy_from_slice(bytes);
                page.as_mut_ptr().cast()
            }
        };
        // SAFETY: the strings are NUL-terminated; `data` is null or a NUL-terminated, page-sized
        // buffer that lives until the end of this function; by the type invariant init memory is
        // still there.
        to_result(unsafe {
            bindings::init_mount(
                source.as_char_ptr(),
                target.as_char_ptr(),
                fstype.as_char_ptr(),
                0,
                data,
            )
        })
    }

    /// Registers ramfs, which its initcall would do later, so that it can be mounted now.
    #[link_section = ".init.text"]
    pub(crate) fn register_ramfs(&self) -> Result {
        // SAFETY: by the type invariant init memory, where `init_ramfs_fs()` lives, is still there.
        to_result(unsafe { bindings::init_ramfs_fs() })
    }

    /// Detaches the mount whose root `name` resolves to (mounts stacked there are followed).
    #[link_section = ".init.text"]
    pub(crate) fn umount_detach(&self, name: &CStr) -> Result {
        self.injected_fault("init_umount")?;
        // SAFETY: `name` is NUL-terminated; by the type invariant init memory is still there.
        to_result(unsafe { bindings::init_umount(name.as_char_ptr(), MNT_DETACH) })
    }

    /// Changes the current working directory.
    #[link_section = ".init.text"]
    pub(crate) fn chdir(&self, name: &CStr) -> Result {
        self.injected_fault("init_chdir")?;
        // SAFETY: `name` is NUL-terminated; by the type invariant init memory is still there.
        to_result(unsafe { bindings::init_chdir(name.as_char_ptr()) })
    }

    /// Changes the current root directory.
    #[link_section = ".init.text"]
    pub(crate) fn chroot(&self, name: &CStr) -> Result {
        self.injected_fault("init_chroot")?;
        // SAFETY: `name` is NUL-terminated; by the type invariant init memory is still there.
        to_result(unsafe { bindings::init_chroot(name.as_char_ptr()) })
    }

    /// Makes `new_root` the root mount of the current mount namespace and attaches the old root
    /// mount at `put_old`, as `pivot_root(2)` does.
    #[link_section = ".init.text"]
    pub(crate) fn pivot_root(&self, new_root: &CStr, put_old: &CStr) -> Result {
        self.injected_fault("init_pivot_root")?;
        // SAFETY: both names are NUL-terminated; by the type invariant init memory is still there.
        to_result(unsafe {
            bindings::init_pivot_root(new_root.as_char_ptr(), put_old.as_char_ptr())
        })
    }
}
