// SPDX-License-Identifier: GPL-2.0

//! user_root: run from the initramfs on an ordinary tmpfs, so that `pivot_root(2)` works.
//!
//! On a stock kernel the initramfs is unpacked into "rootfs", the first mount of the initial
//! mount namespace. It has no parent, so `pivot_root(2)` fails with `EINVAL` and it can never be
//! unmounted or freed. With user_root on, `init_mount_tree()` instead makes the empty, immutable
//! null root ([`null_root`]) mount 1 and this crate stacks a tmpfs named "user_root" on it as
//! mount 2, the root and working directory of PID 1 and every kernel thread. The unpacker then
//! fills the tmpfs as it would fill rootfs, and userspace can pivot away from it and detach it.
//!
//! The C side is a handful of hooks, see `include/linux/user_root.h`. Every hook runs at boot,
//! which is why they and what they call live in `.init.text`.

use core::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use kernel::{
    bindings, c_str,
    ffi::{c_char, c_int},
    fs::{boot, path::Path},
    prelude::*,
    str::{BStr, CStr},
};

mod null_root;
mod param;

use param::{Parsed, Request};

const __LOG_PREFIX: &[u8] = b"user_root\0";

/// `statfs()` magic of tmpfs (`TMPFS_MAGIC`).
const TMPFS_MAGIC: u32 = bindings::TMPFS_MAGIC;

/// The Kconfig default, which the command line overrides.
const DEFAULT_ON: bool = cfg!(CONFIG_USER_ROOT_DEFAULT_ON);

/// The last valid `user_root` request on the command line: `NO_REQUEST`, or a [`Request`].
static REQUEST: AtomicU8 = AtomicU8::new(NO_REQUEST);
const NO_REQUEST: u8 = 0;
const REQUEST_ON: u8 = 1;
const REQUEST_OFF: u8 = 2;

/// Whether this boot runs on the null root; set once, by [`user_root_null_mount`].
static ACTIVE: AtomicBool = AtomicBool::new(false);

fn on_off(on: bool) -> &'static str {
    if on {
        "on"
    } else {
        "off"
    }
}

fn request() -> Option<Request> {
    match REQUEST.load(Ordering::Relaxed) {
        REQUEST_ON => Some(Request::On),
        REQUEST_OFF => Some(Request::Off),
        _ => None,
    }
}

fn active() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

/// Handles a command-line word that starts with `user_root`; `rest` is what follows the prefix.
///
/// Returns 1 if the word was ours (also when its value was invalid: that is warned about and
/// the setting so far is kept), 0 to leave it to others.
///
/// # Safety
///
/// `rest` must point to a NUL-terminated string, and the call must come from `__setup()`, while
/// init memory (where this function lives) is still there.
#[no_mangle]
#[link_section = ".init.text"]
pub unsafe extern "C" fn user_root_parse_param(rest: *const c_char) -> c_int {
    // SAFETY: `__setup()` passes the NUL-terminated remainder of the word, per the contract.
    let rest = unsafe { CStr::from_char_ptr(rest) };
    match param::parse(rest.as_bytes()) {
        Parsed::Set(Request::On) => REQUEST.store(REQUEST_ON, Ordering::Relaxed),
        Parsed::Set(Request::Off) => REQUEST.store(REQUEST_OFF, Ordering::Relaxed),
        Parsed::Invalid(value) => {
            let (on, why) = match request() {
                Some(earlier) => (earlier == Request::On, "set earlier on the command line"),
                None => (DEFAULT_ON, "the Kconfig default"),
            };
            pr_warn!(
                "ignoring \"user_root={}\": expected 1/on/y or 0/off/n; user_root stays {} ({})\n",
                BStr::from_bytes(value),
                on_off(on),
                why
            )
        }
        Parsed::NotOurs => return 0,
    }
    1
}

/// Creates the null root if this boot uses user_root.
///
/// Returns null when user_root is off, or when the null root cannot be created (which is
/// reported): the caller then mounts the stock rootfs.
///
/// # Safety
///
/// Must be called from `init_mount_tree()`, once: this function lives in init memory.
#[no_mangle]
#[link_section = ".init.text"]
pub unsafe extern "C" fn user_root_null_mount() -> *mut bindings::vfsmount {
    if !param::decide(DEFAULT_ON, request()) {
        return core::ptr::null_mut();
    }
    match null_root::mount() {
        Ok(mnt) => {
            ACTIVE.store(true, Ordering::Relaxed);
            mnt.into_raw()
        }
        Err(err) => {
            pr_err!("cannot create the null root ({err:?}); booting on the stock rootfs\n");
            core::ptr::null_mut()
        }
    }
}

/// Stacks the user_root tmpfs on the null root and makes it the root and working directory of
/// the current task and of every task that shares its `fs_struct`.
///
/// Called by `init_mount_tree()` once the null root is the root of the initial namespace, with
/// the `initramfs_options=` string (or null). Does nothing if user_root is off.
///
/// # Safety
///
/// `options` must be null or point to a NUL-terminated string, and the caller must be
/// `init_mount_tree()`: this function and the helpers it calls live in init memory.
#[no_mangle]
#[link_section = ".init.text"]
pub unsafe extern "C" fn user_root_mount_tmpfs(options: *const c_char) {
    if !active() {
        return;
    }
    // SAFETY: `options` is null or NUL-terminated, per the contract.
    let options = (!options.is_null()).then(|| unsafe { CStr::from_char_ptr(options) });
    // SAFETY: called from `init_mount_tree()`, at boot, per the contract.
    if let Err(err) = unsafe { mount_tmpfs(options) } {
        // SAFETY: the format string is NUL-terminated and takes one `int`.
        unsafe {
            bindings::panic(
                c_str!("user_root: cannot mount the user root tmpfs (error %d)\n").as_char_ptr(),
                err.to_errno(),
            )
        }
    }
}

/// # Safety
///
/// Must be called at boot, see [`boot`].
#[link_section = ".init.text"]
unsafe fn mount_tmpfs(options: Option<&CStr>) -> Result {
    let (source, target, fstype) = (c_str!("user_root"), c_str!("/"), c_str!("tmpfs"));
    let mut with_options = false;
    if let Some(options) = options {
        // SAFETY: at boot, per this function's contract.
        match unsafe { boot::mount_new(source, target, fstype, Some(options)) } {
            Ok(()) => with_options = true,
            Err(err) => pr_err!(
                "tmpfs rejected initramfs_options=\"{options}\" ({err:?}); using its defaults\n"
            ),
        }
    }
    if !with_options {
        // SAFETY: at boot, per this function's contract.
        unsafe { boot::mount_new(source, target, fstype, None) }?;
    }
    // "/.." steps from the null root onto the mount stacked on it, as kdevtmpfs does.
    // SAFETY: at boot, per this function's contract.
    unsafe { boot::chdir(c_str!("/..")) }?;
    // SAFETY: at boot, per this function's contract.
    unsafe { boot::chroot(c_str!(".")) }?;
    if Path::lookup(c_str!("/"))?.statfs_magic()? != i64::from(TMPFS_MAGIC) {
        return Err(EINVAL);
    }
    let how = if with_options {
        "with initramfs_options"
    } else {
        "with default options"
    };
    pr_info!("initramfs on tmpfs \"user_root\" ({how}), mounted on the null root\n");
    Ok(())
}

/// Makes the mount at the current working directory the root, in place of the user root,
/// which is then detached: `pivot_root(".", ".")` and `umount2(".", MNT_DETACH)`.
///
/// `prepare_namespace()` uses it to switch to a kernel-mounted root (`root=`), and kdevtmpfs to
/// root itself on devtmpfs in its private mount namespace without keeping a copy of the user
/// root, which would pin the initramfs forever. `what` names the new root in messages.
///
/// Returns false if user_root is off or the pivot failed (which is reported): the caller then
/// falls back to its stock way of changing root.
///
/// # Safety
///
/// `what` must point to a NUL-terminated string, and the caller must run before init memory is
/// freed: this function and the helpers it calls live there.
#[no_mangle]
#[link_section = ".init.text"]
pub unsafe extern "C" fn user_root_switch_root(what: *const c_char) -> bool {
    if !active() {
        return false;
    }
    // SAFETY: `what` is NUL-terminated, per the contract.
    let what = unsafe { CStr::from_char_ptr(what) };
    let here = c_str!(".");
    // SAFETY: at boot, per the contract.
    if let Err(err) = unsafe { boot::pivot_root(here, here) } {
        pr_err!("cannot pivot into {what} ({err:?}); leaving the user root under it\n");
        return false;
    }
    // The old root is now stacked on the new one, at ".".
    // SAFETY: at boot, per the contract.
    match unsafe { boot::umount(here, boot::MNT_DETACH) } {
        Ok(()) => pr_info!("{what} is the root now; the user root is detached\n"),
        Err(err) => pr_err!("cannot detach the user root from {what} ({err:?})\n"),
    }
    true
}
