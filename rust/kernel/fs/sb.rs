// SPDX-License-Identifier: GPL-2.0

//! File system types whose superblocks are filled in by Rust.
//!
//! This covers kernel-internal, in-memory file systems: the type is not registered (so userspace
//! cannot mount it by name), instances are created with [`Type::kern_mount`], and each instance
//! gets an anonymous device and uses `simple_statfs`.
//!
//! C headers: [`include/linux/fs.h`](srctree/include/linux/fs.h) and
//! [`include/linux/fs_context.h`](srctree/include/linux/fs_context.h).

use crate::{
    bindings,
    error::{from_err_ptr, from_result},
    prelude::*,
    str::CStr,
    types::Opaque,
};
use core::{marker::PhantomData, ptr::NonNull};

/// Superblock flags (`SB_*`) that a file system may ask for.
///
/// Only the flags below can be built, not the ones the VFS keeps for itself (`SB_BORN`,
/// `SB_ACTIVE`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flags(u32);

impl Flags {
    /// No flags.
    pub const NONE: Self = Self(0);
    /// `mount(2)` refuses the file system, also as the source of a bind mount.
    pub const NOUSER: Self = Self(bindings::SB_NOUSER as u32);

    /// Both `self` and `other`.
    pub const fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

/// Internal superblock flags (`SB_I_*`) that a file system may ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IFlags(u32);

impl IFlags {
    /// No flags.
    pub const NONE: Self = Self(0);
    /// Executables on the file system are never run.
    pub const NOEXEC: Self = Self(bindings::SB_I_NOEXEC);
    /// Device nodes on the file system are never opened.
    pub const NODEV: Self = Self(bindings::SB_I_NODEV);

    /// Both `self` and `other`.
    pub const fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

/// A file system implemented in Rust.
pub trait FileSystem {
    /// The type name, shown in `/proc/self/mountinfo`.
    const NAME: &'static CStr;

    /// Flags set on every superblock.
    const SB_FLAGS: Flags = Flags::NONE;

    /// Internal flags set on every superblock.
    const SB_IFLAGS: IFlags = IFlags::NONE;

    /// Fills in a new superblock; it must at least give it a root with [`SuperBlock::set_root`],
    /// or the mount fails with `EINVAL`.
    fn fill_super(sb: &mut SuperBlock) -> Result;
}

/// The `struct file_system_type` of `T`, meant to be a `static`.
///
/// # Invariants
///
/// `inner` is a valid `file_system_type` whose callbacks are those of `T`.
pub struct Type<T: FileSystem> {
    inner: Opaque<bindings::file_system_type>,
    _fs: PhantomData<T>,
}

// SAFETY: Rust never accesses `inner` after construction; the VFS serialises its own updates to
// the type's list of superblocks under `sb_lock`.
unsafe impl<T: FileSystem> Sync for Type<T> {}

impl<T: FileSystem> Default for Type<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: FileSystem> Type<T> {
    const CONTEXT_OPS: bindings::fs_context_operations = bindings::fs_context_operations {
        get_tree: Some(Self::get_tree_callback),
        // SAFETY: all-zeroes is a valid `fs_context_operations`: every other callback is absent.
        ..unsafe { core::mem::zeroed() }
    };

    /// Creates the type.
    pub const fn new() -> Self {
        // INVARIANT: the callbacks below are those of `T`.
        Self {
            inner: Opaque::new(bindings::file_system_type {
                name: T::NAME.as_char_ptr(),
                init_fs_context: Some(Self::init_fs_context_callback),
                kill_sb: Some(bindings::kill_anon_super),
                // SAFETY: all-zeroes is a valid `file_system_type`: no flags, no owner, empty
                // lists and absent callbacks.
                ..unsafe { core::mem::zeroed() }
            }),
            _fs: PhantomData,
        }
    }

    /// Creates a new instance that is not attached to any mount namespace.
    pub fn kern_mount(&'static self, source: &CStr) -> Result<VfsMount> {
        // SAFETY: `inner` is a valid type that lives forever and `source` is NUL-terminated.
        let mnt = from_err_ptr(unsafe {
            bindings::vfs_kern_mount(
                self.inner.get(),
                0,
                source.as_char_ptr(),
                core::ptr::null_mut(),
            )
        })?;
        // INVARIANT: `vfs_kern_mount` returns a counted, non-null mount on success.
        NonNull::new(mnt).map(VfsMount).ok_or(EINVAL)
    }

    /// # Safety
    ///
    /// `fc` must be a valid file system context that the caller owns for the duration of the call.
    unsafe extern "C" fn init_fs_context_callback(
        fc: *mut bindings::fs_context,
    ) -> crate::ffi::c_int {
        // SAFETY: the VFS hands a valid context to `init_fs_context` and owns it during the call.
        let fc = unsafe { &mut *fc };
        fc.ops = &Self::CONTEXT_OPS;
        fc.sb_flags |= T::SB_FLAGS.0;
        fc.s_iflags |= T::SB_IFLAGS.0;
        0
    }

    /// # Safety
    ///
    /// `fc` must be a valid file system context set up by `init_fs_context_callback`.
    unsafe extern "C" fn get_tree_callback(fc: *mut bindings::fs_context) -> crate::ffi::c_int {
        // SAFETY: `fc` is valid per this function's contract; `get_tree_nodev` calls the fill
        // callback with a new, locked superblock.
        unsafe { bindings::get_tree_nodev(fc, Some(Self::fill_super_callback)) }
    }

    /// # Safety
    ///
    /// `sb` must be a new superblock that the caller holds `s_umount` of for writing and has not
    /// yet marked `SB_BORN`.
    unsafe extern "C" fn fill_super_callback(
        sb: *mut bindings::super_block,
        _fc: *mut bindings::fs_context,
    ) -> crate::ffi::c_int {
        from_result(|| {
            // SAFETY: `SuperBlock` is a transparent wrapper, and `sb` satisfies its invariants
            // for the duration of this call, per the contract.
            let sb = unsafe { &mut *sb.cast::<SuperBlock>() };
            sb.init_simple();
            T::fill_super(sb)?;
            // Without a root the VFS would hit a BUG() once this returns.
            if !sb.has_root() {
                return Err(EINVAL);
            }
            Ok(0)
        })
    }
}

/// A superblock that is being filled in.
///
/// The VFS has already put it on its lists, where other tasks may find it, but they leave it
/// alone until it is `SB_BORN`: the fields set here are written through raw pointers, field by
/// field, never through a reference to the whole superblock.
///
/// # Invariants
///
/// The superblock is new, its `s_umount` is held for writing by the task filling it in, and it is
/// not yet `SB_BORN`.
#[repr(transparent)]
pub struct SuperBlock(Opaque<bindings::super_block>);

impl SuperBlock {
    const SIMPLE_OPS: bindings::super_operations = bindings::super_operations {
        statfs: Some(bindings::simple_statfs),
        // SAFETY: all-zeroes is a valid `super_operations`: every other operation is absent and
        // the VFS then uses its defaults.
        ..unsafe { core::mem::zeroed() }
    };

    /// Sets the defaults of an in-memory file system: page-sized blocks, nanosecond timestamps,
    /// and `statfs()` answered by `simple_statfs`.
    fn init_simple(&mut self) {
        let sb = self.0.get();
        // SAFETY: by the type invariant the superblock is valid, and nobody else reads or writes
        // these fields before it is born.
        unsafe {
            (*sb).s_maxbytes = i64::MAX;
            (*sb).s_blocksize = crate::page::PAGE_SIZE as _;
            (*sb).s_blocksize_bits = crate::page::PAGE_SHIFT as _;
            (*sb).s_time_gran = 1;
            (*sb).s_op = &Self::SIMPLE_OPS;
        }
    }

    /// Sets the magic number that `statfs()` reports.
    pub fn set_magic(&mut self, magic: u32) {
        // SAFETY: by the type invariant the superblock is valid, and nobody else reads or writes
        // `s_magic` before it is born.
        unsafe { (*self.0.get()).s_magic = magic as _ };
    }

    fn has_root(&self) -> bool {
        // SAFETY: by the type invariant only the task filling the superblock writes `s_root`.
        !unsafe { (*self.0.get()).s_root }.is_null()
    }

    /// Allocates a new inode on this superblock.
    pub fn new_inode(&mut self) -> Result<NewInode> {
        // SAFETY: the superblock is valid and being set up by this task.
        let inode = unsafe { bindings::new_inode(self.0.get()) };
        // INVARIANT: `new_inode` returns a counted inode or null.
        NonNull::new(inode).map(NewInode).ok_or(ENOMEM)
    }

    /// Makes `inode` the root directory of this superblock; fails with `EEXIST` if it has one.
    pub fn set_root(&mut self, inode: NewInode) -> Result {
        if self.has_root() {
            return Err(EEXIST);
        }
        let raw = inode.0.as_ptr();
        core::mem::forget(inode);
        // SAFETY: `raw` is a counted inode; `d_make_root` consumes the reference, also on failure.
        let root = unsafe { bindings::d_make_root(raw) };
        if root.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: by the type invariant the superblock is valid, and nobody else reads or writes
        // `s_root` before it is born.
        unsafe { (*self.0.get()).s_root = root };
        Ok(())
    }
}

/// A new inode that is not yet reachable from any dentry.
///
/// It is already on its superblock's list of inodes, but that superblock is not yet born, so
/// nobody else looks at the fields set here; they are written field by field through the
/// pointer, never through a reference to the whole inode.
///
/// # Invariants
///
/// The pointer holds a reference on a valid inode of a superblock that is being filled in, and
/// no dentry refers to the inode yet.
pub struct NewInode(NonNull<bindings::inode>);

impl NewInode {
    /// Turns the inode into an empty directory that nothing can be created in (mode 0555).
    pub fn make_empty_dir(&mut self) -> &mut Self {
        // SAFETY: the inode is valid and private to this task.
        unsafe { bindings::make_empty_dir_inode(self.0.as_ptr()) };
        self
    }

    /// Sets the access, change and modification times to now.
    pub fn init_times(&mut self) -> &mut Self {
        // SAFETY: the inode is valid and private to this task.
        unsafe { bindings::simple_inode_init_ts(self.0.as_ptr()) };
        self
    }

    /// Sets the inode number.
    pub fn set_ino(&mut self, ino: u64) -> &mut Self {
        // SAFETY: by the type invariant the inode is valid and nobody else reads the field yet.
        unsafe { (*self.0.as_ptr()).i_ino = ino as _ };
        self
    }

    /// Marks the inode immutable (`S_IMMUTABLE`) and stops access-time updates (`S_NOATIME`).
    ///
    /// Nobody, not even a task with every capability, may then change its attributes, timestamps,
    /// extended attributes or, for a directory, its entries.
    pub fn set_immutable(&mut self) -> &mut Self {
        // SAFETY: by the type invariant the inode is valid and nobody else reads the field yet.
        unsafe { (*self.0.as_ptr()).i_flags |= bindings::S_IMMUTABLE | bindings::S_NOATIME };
        self
    }
}

impl Drop for NewInode {
    fn drop(&mut self) {
        // SAFETY: by the type invariant we hold a reference, dropped here exactly once.
        unsafe { bindings::iput(self.0.as_ptr()) };
    }
}

/// A counted reference to a mount (`struct vfsmount`).
///
/// # Invariants
///
/// The pointer holds one reference on a valid mount.
pub struct VfsMount(NonNull<bindings::vfsmount>);

impl VfsMount {
    /// Hands the reference over to C, which becomes responsible for dropping it.
    pub fn into_raw(self) -> *mut bindings::vfsmount {
        let raw = self.0.as_ptr();
        core::mem::forget(self);
        raw
    }
}

impl Drop for VfsMount {
    fn drop(&mut self) {
        // SAFETY: by the type invariant we hold a reference, dropped here exactly once.
        unsafe { bindings::mntput(self.0.as_ptr()) };
    }
}
