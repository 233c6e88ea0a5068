// SPDX-License-Identifier: GPL-2.0

//! Boot-time path operations, the `init_*()` helpers that `init/` uses in place of system calls.
//!
//! They act on behalf of the current task with kernel privileges, resolve names from its root and
//! working directory, and live in init memory. Every function here is therefore `unsafe` to call
//! after boot, and is itself placed in `.init.text`: code that calls them must be in `.init.text`
//! too, or be called only from it.
//!
//! C header: [`include/linux/init_syscalls.h`](srctree/include/linux/init_syscalls.h).

use crate::{bindings, error::to_result, page::PAGE_SIZE, prelude::*, str::CStr};
use core::ptr;

/// `umount2()` flag: detach the mount now and clean up once it is no longer busy.
pub const MNT_DETACH: i32 = bindings::MNT_DETACH as i32;

/// Mounts a new instance of `fstype`, named `source`, on `target`.
///
/// `options` is the comma-separated option string of `mount(2)`. Options that do not fit
/// in a page with their NUL are `EINVAL`, where `mount(2)` would cut them short.
///
/// # Safety
///
/// Must be called before init memory is freed.
#[link_section = ".init.text"]
pub unsafe fn mount_new(
    source: &CStr,
    target: &CStr,
    fstype: &CStr,
    options: Option<&CStr>,
) -> Result {
    // `init_mount()` takes the options as a whole page, like `mount(2)` copies them from
    // userspace: it terminates the page at its last byte and the file system parses it in place.
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
    // buffer that lives until the end of this function; the caller guarantees init memory is
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

/// Unmounts the mount whose root `name` resolves to (mounts stacked there are followed).
///
/// # Safety
///
/// Must be called before init memory is freed.
#[link_section = ".init.text"]
pub unsafe fn umount(name: &CStr, flags: i32) -> Result {
    // SAFETY: `name` is NUL-terminated; the caller guarantees init memory is still there.
    to_result(unsafe { bindings::init_umount(name.as_char_ptr(), flags) })
}

/// Changes the current working directory.
///
/// # Safety
///
/// Must be called before init memory is freed.
#[link_section = ".init.text"]
pub unsafe fn chdir(name: &CStr) -> Result {
    // SAFETY: `name` is NUL-terminated; the caller guarantees init memory is still there.
    to_result(unsafe { bindings::init_chdir(name.as_char_ptr()) })
}

/// Changes the current root directory.
///
/// # Safety
///
/// Must be called before init memory is freed.
#[link_section = ".init.text"]
pub unsafe fn chroot(name: &CStr) -> Result {
    // SAFETY: `name` is NUL-terminated; the caller guarantees init memory is still there.
    to_result(unsafe { bindings::init_chroot(name.as_char_ptr()) })
}

/// Makes `new_root` the root mount of the current mount namespace and attaches the old root
/// mount at `put_old`, as `pivot_root(2)` does.
///
/// # Safety
///
/// Must be called before init memory is freed.
#[link_section = ".init.text"]
pub unsafe fn pivot_root(new_root: &CStr, put_old: &CStr) -> Result {
    // SAFETY: both names are NUL-terminated; the caller guarantees init memory is still there.
    to_result(unsafe { bindings::init_pivot_root(new_root.as_char_ptr(), put_old.as_char_ptr()) })
}
