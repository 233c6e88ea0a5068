// SPDX-License-Identifier: GPL-2.0

//! user_root: run from the initramfs on an ordinary tmpfs or ramfs, where `pivot_root(2)` works.
//!
//! On a stock kernel the initramfs is unpacked into "rootfs", the first mount of the initial
//! mount namespace. It has no parent, so `pivot_root(2)` fails with `EINVAL` and it can never be
//! unmounted or freed. With user_root on, `init_mount_tree()` instead makes the empty, immutable
//! null root ([`null_root`]) mount 1 and this crate stacks a tmpfs named "user_root" on it as
//! mount 2, the root and working directory of PID 1 and every kernel thread. The unpacker then
//! fills the tmpfs as it would fill rootfs, and userspace can pivot away from it and detach it.
//! Where rootfs would be a ramfs (`root=` or `rootfstype=` without tmpfs on the command line),
//! the user root is a ramfs instead, so that what tells the two apart (IMA's policies, size
//! limits) sees the same file system as without user_root.
//!
//! The C side is a handful of hooks, see `include/linux/user_root.h`. Every hook runs at boot,
//! which is why they and what they call live in `.init.text`; the decisions to panic are C's.

use core::cell::UnsafeCell;
use kernel::{
    bindings, c_str,
    ffi::{c_char, c_int},
    fs::path::Path,
    prelude::*,
    types::ARef,
};

mod boot;
mod null_root;
mod param;

use boot::InitContext;
use param::{Applied, Setting};

const __LOG_PREFIX: &[u8] = b"user_root\0";

/// The kind of file system that the initramfs goes into: the kind rootfs would be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Tmpfs,
    Ramfs,
}

impl Kind {
    /// The registered name of the file system.
    fn fstype(self) -> &'static CStr {
        match self {
            Kind::Tmpfs => c_str!("tmpfs"),
            Kind::Ramfs => c_str!("ramfs"),
        }
    }

    /// Its `statfs()` magic.
    fn magic(self) -> u32 {
        match self {
            Kind::Tmpfs => bindings::TMPFS_MAGIC,
            Kind::Ramfs => bindings::RAMFS_MAGIC,
        }
    }
}

/// A value that only the boot CPU writes, in `start_kernel()`, before any other task or CPU runs.
///
/// The `__setup()` handlers and `init_mount_tree()` run there; later hooks only read.
struct EarlyBoot<T: Copy>(UnsafeCell<T>);

// SAFETY: every write happens before a second task or CPU exists (see `set`), and starting one
// orders those writes before all of its reads.
unsafe impl<T: Copy + Send> Sync for EarlyBoot<T> {}

impl<T: Copy> EarlyBoot<T> {
    const fn new(value: T) -> Self {
        Self(UnsafeCell::new(value))
    }

    fn get(&self) -> T {
        // SAFETY: writes only happen while nothing else runs (see `set`), so this read never
        // races with one.
        unsafe { *self.0.get() }
    }

    /// # Safety
    ///
    /// The caller runs in `start_kernel()` on the boot CPU, before any other task or CPU starts.
    unsafe fn set(&self, value: T) {
        // SAFETY: nothing else runs, per the contract, so nothing else reads or writes the cell.
        unsafe { *self.0.get() = value };
    }
}

/// The `user_root` setting: the Kconfig default, then each valid word of the command line.
static SETTING: EarlyBoot<Setting> =
    EarlyBoot::new(Setting::kconfig(cfg!(CONFIG_USER_ROOT_DEFAULT_ON)));

/// Whether this boot runs on the null root; set by [`user_root_null_mount`].
static ACTIVE: EarlyBoot<bool> = EarlyBoot::new(false);

/// What rootfs would be; set by [`user_root_rootfs_kind`] before the user root is mounted.
static ROOTFS_KIND: EarlyBoot<Kind> = EarlyBoot::new(Kind::Ramfs);

/// Handles a command-line word that starts with `user_root`; `rest` is what follows the prefix.
///
/// Returns 1 if the word was ours (also when its value was invalid: that is reported and the
/// setting so far is kept), 0 to leave it to others.
///
/// # Safety
///
/// `rest` must point to a NUL-terminated string, and the caller must be the `__setup()` handler,
/// which runs in `start_kernel()` before any other task or CPU.
#[no_mangle]
#[link_section = ".init.text"]
pub unsafe extern "C" fn user_root_parse_param(rest: *const c_char) -> c_int {
    // SAFETY: `__setup()` passes the NUL-terminated remainder of the word, per the contract.
    let rest = unsafe { CStr::from_char_ptr(rest) };
    match SETTING.get().apply(rest.as_bytes()) {
        // SAFETY: in `start_kernel()`, before any other task or CPU, per the contract.
        Applied::Set(setting) => unsafe { SETTING.set(setting) },
        Applied::Ignored(ignored) => pr_warn!("{ignored}\n"),
        Applied::NotOurs => return 0,
    }
    1
}

/// Records whether rootfs would be a tmpfs (`tmpfs`) or a ramfs: the user root is the same.
///
/// # Safety
///
/// The caller must be `init_rootfs()`, which runs in `start_kernel()` before any other task or
/// CPU; this function lives in init memory.
#[no_mangle]
#[link_section = ".init.text"]
pub unsafe extern "C" fn user_root_rootfs_kind(tmpfs: bool) {
    let kind = if tmpfs { Kind::Tmpfs } else { Kind::Ramfs };
    // SAFETY: in `start_kernel()`, before any other task or CPU, per the contract.
    unsafe { ROOTFS_KIND.set(kind) };
}

/// Creates the null root if this boot uses user_root.
///
/// Returns null when user_root is off, or when the null root cannot be created (which is
/// reported): the caller then mounts the stock rootfs.
///
/// # Safety
///
/// The caller must be `init_mount_tree()`, which runs in `start_kernel()` before any other task
/// or CPU; this function lives in init memory.
#[no_mangle]
#[link_section = ".init.text"]
pub unsafe extern "C" fn user_root_null_mount() -> *mut bindings::vfsmount {
    if !SETTING.get().on {
        return core::ptr::null_mut();
    }
    // SAFETY: called from `init_mount_tree()`, and the token does not outlive this function.
    let init = unsafe { InitContext::new() };
    match init
        .injected_fault("creating the null root")
        .and_then(|()| null_root::mount())
    {
        Ok(mnt) => {
            // SAFETY: in `start_kernel()`, before any other task or CPU, per the contract.
            unsafe { ACTIVE.set(true) };
            ARef::into_raw(mnt).as_ptr().cast()
        }
        Err(err) => {
            pr_err!("cannot create the null root ({err:?}); booting on the stock rootfs\n");
            core::ptr::null_mut()
        }
    }
}

/// Stacks the file system the initramfs goes into on the null root (named "user_root"; a tmpfs,
/// or a ramfs where rootfs would be one) and makes it the root and working directory of the
/// current task and of every task that shares its `fs_struct`.
///
/// Called by `init_mount_tree()` once the null root is the root of the initial namespace, with
/// the `initramfs_options=` string (or null). Does nothing if user_root is off.
///
/// Returns 0, or a negative errno if it could not be mounted: the caller then panics, since
/// nothing can be unpacked into the null root.
///
/// # Safety
///
/// `options` must be null or point to a NUL-terminated string, and the caller must be
/// `init_mount_tree()`: this function and the helpers it calls live in init memory.
#[no_mangle]
#[link_section = ".init.text"]
pub unsafe extern "C" fn user_root_mount_initramfs(options: *const c_char) -> c_int {
    if !ACTIVE.get() {
        return 0;
    }
    // SAFETY: called from `init_mount_tree()`, and the token does not outlive this function.
    let init = unsafe { InitContext::new() };
    // SAFETY: `options` is null or NUL-terminated, per the contract.
    let options = (!options.is_null()).then(|| unsafe { CStr::from_char_ptr(options) });
    match mount_initramfs(&init, options, ROOTFS_KIND.get()) {
        Ok(()) => 0,
        Err(err) => err.to_errno(),
    }
}

/// Mounts a file system of `kind` with `options`, or if there are none or it rejects them, with
/// its defaults.
#[link_section = ".init.text"]
fn mount_initramfs(init: &InitContext, options: Option<&CStr>, kind: Kind) -> Result {
    let (source, target, fstype) = (c_str!("user_root"), c_str!("/"), kind.fstype());
    if kind == Kind::Ramfs {
        // The initcalls, which register ramfs, have not run yet.
        init.register_ramfs()?;
    }
    let mut with_options = false;
    if let Some(options) = options {
        match init.mount_new(source, target, fstype, Some(options)) {
            Ok(()) => with_options = true,
            Err(err) => pr_err!(
                "{fstype} rejected initramfs_options=\"{options}\" ({err:?}); using its defaults\n"
            ),
        }
    }
    if !with_options {
        init.mount_new(source, target, fstype, None)?;
    }
    // "/.." steps from the null root onto the mount stacked on it, as kdevtmpfs does.
    init.chdir(c_str!("/.."))?;
    init.chroot(c_str!("."))?;
    init.injected_fault("checking the new root")?;
    if Path::lookup(c_str!("/"))?.statfs_magic()? != u64::from(kind.magic()) {
        return Err(EINVAL);
    }
    let how = if with_options {
        "with initramfs_options"
    } else {
        "with default options"
    };
    pr_info!("initramfs on {fstype} \"user_root\" ({how}), mounted on the null root\n");
    Ok(())
}

/// Makes the mount at the current working directory the root, in place of the user root,
/// which is then detached: `pivot_root(".", ".")` and `umount2(".", MNT_DETACH)`.
///
/// `prepare_namespace()` uses it to switch to a kernel-mounted root (`root=`), and kdevtmpfs to
/// root itself on devtmpfs in its private mount namespace without keeping a copy of the user
/// root, which would pin the initramfs forever. `what` names the new root in messages.
///
/// Returns 0 once the root is switched. If the user root cannot be detached after that, which is
/// reported, it stays mounted over the new root and keeps the initramfs in memory, but the switch
/// stands: the caller goes on with the new root. Returns `-EOPNOTSUPP` if user_root is off, or
/// the error of a failed pivot, which is reported and changes nothing: in both cases the caller
/// switches root its stock way.
///
/// # Safety
///
/// `what` must point to a NUL-terminated string, and the caller must run before init memory is
/// freed: this function and the helpers it calls live there.
#[no_mangle]
#[link_section = ".init.text"]
pub unsafe extern "C" fn user_root_switch_root(what: *const c_char) -> c_int {
    if !ACTIVE.get() {
        // The kernel crate has no `Error` for it.
        return -(bindings::EOPNOTSUPP as c_int);
    }
    // SAFETY: before init memory is freed, per the contract, and the token does not outlive this
    // function.
    let init = unsafe { InitContext::new() };
    // SAFETY: `what` is NUL-terminated, per the contract.
    let what = unsafe { CStr::from_char_ptr(what) };
    let here = c_str!(".");
    if let Err(err) = init.pivot_root(here, here) {
        pr_err!("cannot pivot into {what} ({err:?}); it goes on top of the user root instead\n");
        return err.to_errno();
    }
    // The old root is now stacked on the new one, at ".".
    match init.umount_detach(here) {
        Ok(()) => pr_info!("{what} is the root now; the user root is detached\n"),
        Err(err) => pr_err!(
            "{what} is the root now, but the user root cannot be detached ({err:?}): it stays \
             mounted over it and keeps the initramfs in memory\n"
        ),
    }
    0
}
