// SPDX-License-Identifier: GPL-2.0

//! File system types whose superblocks are filled in by Rust.
//!
//! This covers in-memory file systems that are not registered (userspace cannot mount them by
//! name): a [`Type`] is a `static` declared with [`static_file_system_type!`], each call of
//! [`Type::mount_unattached`] makes a new superblock with an anonymous device in the initial
//! user namespace, and `statfs()` is answered by `simple_statfs`.
//!
//! A type belongs to the module that implements it (its `owner`): every superblock of it holds a
//! reference on that module, so the module cannot be unloaded while one exists, and superblocks
//! are only made while the module is live and a reference on it is held, since the module loader
//! frees a module whose init failed whatever references remain, and `rmmod` goes ahead as soon as
//! nobody holds one.
//!
//! C headers: [`include/linux/fs.h`](srctree/include/linux/fs.h) and
//! [`include/linux/fs_context.h`](srctree/include/linux/fs_context.h).
//!
//! # Examples
//!
//! ```
//! use kernel::{c_str, fs::sb::{FileSystem, SuperBlock}, prelude::*};
//!
//! struct EmptyFs;
//!
//! impl FileSystem for EmptyFs {
//!     const NAME: &'static CStr = c_str!("emptyfs");
//!
//!     fn fill_super(sb: &SuperBlock) -> Result {
//!         sb.set_magic(0x454d5054);
//!         let mut root = sb.new_inode()?;
//!         root.make_empty_dir().init_times().set_ino(1);
//!         sb.set_root(root)
//!     }
//! }
//!
//! // SAFETY: the doctests are built into the kernel, where `THIS_MODULE` is null.
//! static OWNER: ThisModule = unsafe { ThisModule::from_ptr(core::ptr::null_mut()) };
//! kernel::static_file_system_type!(static EMPTY_FS: EmptyFs, owner = OWNER);
//!
//! let mnt = EMPTY_FS.mount_unattached(c_str!("emptyfs"))?;
//! assert_eq!(mnt.magic(), 0x454d5054);
//! # Ok::<(), Error>(())
//! ```

use crate::{
    bindings,
    error::{from_err_ptr, from_result},
    prelude::*,
    str::CStr,
    types::{ARef, AlwaysRefCounted, Opaque},
    ThisModule,
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
    /// `mount(2)` refuses the file system as the source of a bind mount. `fsmount(2)` and
    /// `fspick(2)` refuse it too only where the stable tree has the upstream fixes that make them
    /// check the flag, so a file system must not rely on them. A clone made with `open_tree(2)` can
    /// still be attached elsewhere with `move_mount(2)` by a task that can reach the file system.
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

/// A reference on a live module, dropped with `module_put()`; none for built-in code.
///
/// # Invariants
///
/// If `module` is not null, it is live (`MODULE_STATE_LIVE`) and this holds a reference on it,
/// which keeps it from unloading.
struct ModuleRef {
    #[cfg_attr(not(CONFIG_MODULE_UNLOAD), allow(dead_code))]
    module: *mut bindings::module,
}

impl ModuleRef {
    /// Takes a reference on `module` (null for built-in code) if it is live, else fails with
    /// `EBUSY`: while it is still in its init, or unloading.
    ///
    /// # Safety
    ///
    /// `module` must be null or the module of the code that calls, which is not freed while it
    /// runs.
    unsafe fn get(module: *mut bindings::module) -> Result<Self> {
        if module.is_null() {
            return Ok(Self { module });
        }
        #[cfg(CONFIG_MODULE_UNLOAD)]
        {
            // SAFETY: `module` is the caller's own module, which is not freed while it runs.
            // `try_module_get()` fails once it is unloading.
            if !unsafe { bindings::try_module_get(module) } {
                return Err(EBUSY);
            }
        }
        // INVARIANT: the reference is held (or unneeded without `CONFIG_MODULE_UNLOAD`), and the
        // module is live once the check below passes.
        let this = Self { module };
        // A module in its init is refused too. Its state only moves from coming to live, or
        // from live to going once nobody holds a reference (or without `CONFIG_MODULE_UNLOAD`
        // never), so live stays live while the reference is held. Without `CONFIG_MODULES`
        // there is no `struct module`, and every owner is null.
        #[cfg(CONFIG_MODULES)]
        {
            // SAFETY: as above, the module is valid; the state is read once, as a snapshot.
            let state = unsafe { core::ptr::read_volatile(core::ptr::addr_of!((*module).state)) };
            if state != bindings::module_state_MODULE_STATE_LIVE {
                return Err(EBUSY);
            }
        }
        Ok(this)
    }
}

impl Drop for ModuleRef {
    fn drop(&mut self) {
        #[cfg(CONFIG_MODULE_UNLOAD)]
        {
            if !self.module.is_null() {
                // SAFETY: by the type invariant this holds a reference on the module.
                unsafe { bindings::module_put(self.module) };
            }
        }
    }
}

/// A file system implemented in Rust.
pub trait FileSystem: 'static {
    /// The type name, shown in `/proc/self/mountinfo`.
    const NAME: &'static CStr;

    /// Flags set on every superblock.
    const SB_FLAGS: Flags = Flags::NONE;

    /// Internal flags set on every superblock.
    const SB_IFLAGS: IFlags = IFlags::NONE;

    /// Fills in a new superblock; it must at least give it a root with [`SuperBlock::set_root`],
    /// or the mount fails with `EINVAL`.
    ///
    /// It runs with the new superblock's `s_umount` held: mounting an instance of the same type
    /// from here would nest two locks of one lock class, which lockdep reports.
    fn fill_super(sb: &SuperBlock) -> Result;
}

/// Declares a `static` [`Type`] of the file system `$fs`, owned by the module whose
/// [`ThisModule`] is the static `$owner` (`THIS_MODULE` in a module).
///
/// A file system type holds lockdep class keys, which must be static objects, and the VFS keeps
/// pointers to it in every superblock it makes: this is the only safe way to create one.
#[macro_export]
macro_rules! static_file_system_type {
    ($vis:vis static $name:ident: $fs:ty, owner = $owner:path) => {
        $vis static $name: $crate::fs::sb::Type<$fs> = {
            // Outside the `unsafe` block: the owner is a path, evaluated by safe code.
            let owner: &'static $crate::ThisModule = &$owner;
            // SAFETY: the value initialises a `static`; a `ThisModule` is only ever made, with
            // `unsafe`, for the module (or built-in code) it is part of, which is where `$fs` is.
            unsafe { $crate::fs::sb::Type::new_static(owner) }
        };
    };
}

/// The `struct file_system_type` of `T`.
///
/// # Invariants
///
/// The value is a `static`: it never moves and lives forever. `inner` is a valid
/// `file_system_type` whose `owner` is the module that `T` belongs to and whose callbacks are
/// those of `T`.
#[repr(transparent)]
pub struct Type<T: FileSystem> {
    inner: Opaque<bindings::file_system_type>,
    _fs: PhantomData<T>,
}

// SAFETY: Rust never accesses `inner` after construction, and the VFS serialises its own updates
// of the type (its list of superblocks) under `sb_lock`.
unsafe impl<T: FileSystem> Sync for Type<T> {}

impl<T: FileSystem> Type<T> {
    /// Creates the type, owned by `owner`; use [`static_file_system_type!`] instead.
    ///
    /// # Safety
    ///
    /// The result must be the initial value of a `static`, and `owner` the module that `T` is
    /// part of (null for built-in code).
    #[doc(hidden)]
    pub const unsafe fn new_static(owner: &'static ThisModule) -> Self {
        // INVARIANT: the caller makes the value a `static` owned by the module of `T`, and the
        // callbacks below are those of `T`.
        Self {
            inner: Opaque::new(bindings::file_system_type {
                name: T::NAME.as_char_ptr(),
                owner: owner.as_ptr(),
                init_fs_context: Some(Self::init_fs_context_callback),
                kill_sb: Some(bindings::kill_anon_super),
                // SAFETY: all-zeroes is a valid `file_system_type`: no flags, empty lists, unused
                // lock class keys and absent callbacks.
                ..unsafe { core::mem::zeroed() }
            }),
            _fs: PhantomData,
        }
    }

    /// The context operations of `T`: a constant, so that `&Self::CONTEXT_OPS` is promoted to a
    /// read-only `'static`, as the `const` tables of C file systems are.
    const CONTEXT_OPS: bindings::fs_context_operations = bindings::fs_context_operations {
        get_tree: Some(Self::get_tree_callback),
        // SAFETY: all-zeroes is a valid `fs_context_operations`: every other callback is absent.
        ..unsafe { core::mem::zeroed() }
    };

    /// Creates a new instance, a superblock with a mount of its root, attached to no mount
    /// namespace (`vfs_kern_mount()`; unlike `kern_mount()`, the mount may later become part of a
    /// namespace). The superblock belongs to the initial user namespace, whoever calls.
    ///
    /// Fails with `EBUSY` while the module that owns the type is not live (still in its init, or
    /// unloading): a module whose init fails is freed whatever references its superblocks hold.
    /// Otherwise the module stays loaded at least until the superblock is gone, however soon it is
    /// asked to unload (short of a forced unload, which ignores every reference).
    pub fn mount_unattached(&'static self, source: &CStr) -> Result<ARef<VfsMount>> {
        // SAFETY: by the type invariants `inner` is valid, and its `owner` is never written after
        // construction.
        let owner = unsafe { (*self.inner.get()).owner };
        // Until the superblock holds its own reference on the owner (`get_filesystem()`, which
        // takes it unchecked), this one keeps `rmmod` from freeing the module under the mount.
        // SAFETY: by the type invariants `owner` is null or the module that `T`, and so the code
        // calling this method of its `static`, belongs to.
        let _owner_ref = unsafe { ModuleRef::get(owner) }?;
        // SAFETY: by the type invariants `inner` is a valid type that lives forever, and `source`
        // is NUL-terminated.
        let mnt = from_err_ptr(unsafe {
            bindings::vfs_kern_mount(
                self.inner.get(),
                0,
                source.as_char_ptr(),
                core::ptr::null_mut(),
            )
        })?;
        let mnt = NonNull::new(mnt).ok_or(EINVAL)?;
        // SAFETY: a successful `vfs_kern_mount` returns a mount with a reference that is now ours.
        Ok(unsafe { ARef::from_raw(mnt.cast()) })
    }

    /// # Safety
    ///
    /// `fc` must be a valid file system context of this type that the caller owns for the duration
    /// of the call.
    unsafe extern "C" fn init_fs_context_callback(
        fc: *mut bindings::fs_context,
    ) -> crate::ffi::c_int {
        // SAFETY: `fc` is valid and ours during the call; the operations are a promoted constant,
        // which lives forever.
        unsafe {
            (*fc).ops = &Self::CONTEXT_OPS;
            (*fc).sb_flags |= T::SB_FLAGS.0;
            (*fc).s_iflags |= T::SB_IFLAGS.0;
            // The superblock goes into the initial user namespace, not the caller's.
            (*fc).set_global(true);
        }
        0
    }

    /// # Safety
    ///
    /// `fc` must be a valid file system context set up by `init_fs_context_callback`.
    unsafe extern "C" fn get_tree_callback(fc: *mut bindings::fs_context) -> crate::ffi::c_int {
        // SAFETY: `fc` is valid per this function's contract; `get_tree_nodev` calls the fill
        // callback with a new superblock whose `s_umount` it holds.
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
            let sb = unsafe { &*sb.cast::<SuperBlock>() };
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

/// `super_operations` of every superblock made here: `statfs()` by `simple_statfs`, the VFS's
/// defaults for everything else. A `static` without interior mutability, so it is read-only.
struct SuperOps(bindings::super_operations);

// SAFETY: the table is never written to; the VFS only reads it.
unsafe impl Sync for SuperOps {}

static SIMPLE_SUPER_OPS: SuperOps = SuperOps(bindings::super_operations {
    statfs: Some(bindings::simple_statfs),
    // SAFETY: all-zeroes is a valid `super_operations`: every other operation is absent and the
    // VFS then uses its defaults.
    ..unsafe { core::mem::zeroed() }
});

/// A superblock that is being filled in.
///
/// The VFS has already put it on its lists, where other tasks may find it (`sync(2)`,
/// `iterate_supers()`), but they leave the fields set here alone until it is `SB_BORN`. So only
/// shared references to it exist, and the fields are written through raw pointers, one by one.
/// It is not `Sync`: only the task filling it in ever sees a `&SuperBlock`.
///
/// # Invariants
///
/// The superblock is new, its `s_umount` is held for writing by the task filling it in, and it is
/// not yet `SB_BORN`.
#[repr(transparent)]
pub struct SuperBlock(Opaque<bindings::super_block>);

impl SuperBlock {
    /// Sets the defaults of an in-memory file system: page-sized blocks, nanosecond timestamps,
    /// and `statfs()` answered by `simple_statfs`.
    fn init_simple(&self) {
        let sb = self.0.get();
        // SAFETY: by the type invariant the superblock is valid, and only this task reads or
        // writes these fields before it is born.
        unsafe {
            (*sb).s_maxbytes = bindings::MAX_LFS_FILESIZE;
            (*sb).s_blocksize = crate::page::PAGE_SIZE as _;
            (*sb).s_blocksize_bits = crate::page::PAGE_SHIFT as _;
            (*sb).s_time_gran = 1;
            (*sb).s_op = &SIMPLE_SUPER_OPS.0;
        }
    }

    /// Sets the magic number that `statfs()` reports.
    pub fn set_magic(&self, magic: u64) {
        // SAFETY: by the type invariant the superblock is valid, and only this task reads or
        // writes `s_magic` before it is born.
        unsafe { (*self.0.get()).s_magic = magic as _ };
    }

    fn has_root(&self) -> bool {
        // SAFETY: by the type invariant only this task writes `s_root` before the superblock is
        // born.
        !unsafe { (*self.0.get()).s_root }.is_null()
    }

    /// Allocates a new inode on this superblock.
    pub fn new_inode(&self) -> Result<NewInode<'_>> {
        // SAFETY: the superblock is valid and being set up by this task.
        let inode = NonNull::new(unsafe { bindings::new_inode(self.0.get()) }).ok_or(ENOMEM)?;
        // INVARIANT: `new_inode` returns an inode of this superblock that no dentry refers to,
        // with one reference, which is now ours.
        Ok(NewInode {
            // SAFETY: as above, the reference is ours.
            inode: unsafe { ARef::from_raw(inode.cast()) },
            _sb: PhantomData,
        })
    }

    /// Makes `inode` the root directory of this superblock.
    ///
    /// Fails with `EEXIST` if the superblock has a root already, and with `EINVAL` if `inode`
    /// belongs to another superblock or is not a directory (the VFS walks `..` from a root and
    /// mounts on it as on a directory).
    ///
    /// # Examples
    ///
    /// A superblock takes one root, and a mount fails without one:
    ///
    /// ```
    /// use kernel::{c_str, fs::sb::{FileSystem, SuperBlock}, prelude::*};
    ///
    /// struct TwoRoots;
    ///
    /// impl FileSystem for TwoRoots {
    ///     const NAME: &'static CStr = c_str!("two_roots");
    ///
    ///     fn fill_super(sb: &SuperBlock) -> Result {
    ///         let mut first = sb.new_inode()?;
    ///         first.make_empty_dir();
    ///         sb.set_root(first)?;
    ///         let mut second = sb.new_inode()?;
    ///         second.make_empty_dir();
    ///         sb.set_root(second)
    ///     }
    /// }
    ///
    /// struct FileRoot;
    ///
    /// impl FileSystem for FileRoot {
    ///     const NAME: &'static CStr = c_str!("file_root");
    ///
    ///     fn fill_super(sb: &SuperBlock) -> Result {
    ///         // A new inode has mode 0: not a directory.
    ///         sb.set_root(sb.new_inode()?)
    ///     }
    /// }
    ///
    /// struct NoRoot;
    ///
    /// impl FileSystem for NoRoot {
    ///     const NAME: &'static CStr = c_str!("no_root");
    ///
    ///     fn fill_super(sb: &SuperBlock) -> Result {
    ///         let _dropped = sb.new_inode()?;
    ///         Ok(())
    ///     }
    /// }
    ///
    /// // SAFETY: the doctests are built into the kernel, where `THIS_MODULE` is null.
    /// static OWNER: ThisModule = unsafe { ThisModule::from_ptr(core::ptr::null_mut()) };
    /// kernel::static_file_system_type!(static TWO_ROOTS: TwoRoots, owner = OWNER);
    /// kernel::static_file_system_type!(static FILE_ROOT: FileRoot, owner = OWNER);
    /// kernel::static_file_system_type!(static NO_ROOT: NoRoot, owner = OWNER);
    ///
    /// assert_eq!(TWO_ROOTS.mount_unattached(c_str!("two")).err(), Some(EEXIST));
    /// assert_eq!(FILE_ROOT.mount_unattached(c_str!("file")).err(), Some(EINVAL));
    /// assert_eq!(NO_ROOT.mount_unattached(c_str!("none")).err(), Some(EINVAL));
    /// ```
    pub fn set_root(&self, inode: NewInode<'_>) -> Result {
        if self.has_root() {
            return Err(EEXIST);
        }
        let raw = ARef::into_raw(inode.inode)
            .cast::<bindings::inode>()
            .as_ptr();
        // SAFETY: `raw` is a valid inode that we hold a reference on; its superblock and mode are
        // only written by this task before the superblock is born.
        let (sb, mode) = unsafe { ((*raw).i_sb, u32::from((*raw).i_mode)) };
        if sb != self.0.get() || mode & bindings::S_IFMT != bindings::S_IFDIR {
            // SAFETY: as above; the reference is dropped here, exactly once.
            unsafe { bindings::iput(raw) };
            return Err(EINVAL);
        }
        // SAFETY: `raw` is a counted inode; `d_make_root` consumes the reference, also on failure.
        let root = unsafe { bindings::d_make_root(raw) };
        if root.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: by the type invariant the superblock is valid, and only this task reads or
        // writes `s_root` before it is born.
        unsafe { (*self.0.get()).s_root = root };
        Ok(())
    }
}

/// An inode, counted with `ihold()`/`iput()`.
///
/// # Invariants
///
/// The inode is valid while a reference on it is held.
#[repr(transparent)]
struct Inode(Opaque<bindings::inode>);

// SAFETY: by the type invariant a reference keeps the inode valid; `ihold` takes one and `iput`
// drops one.
unsafe impl AlwaysRefCounted for Inode {
    fn inc_ref(&self) {
        // SAFETY: the existence of `&self` means the inode is valid and referenced.
        unsafe { bindings::ihold(self.0.get()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller gives up a reference it holds.
        unsafe { bindings::iput(obj.cast().as_ptr()) };
    }
}

/// A new inode of the superblock `'sb` that is not yet reachable from any dentry.
///
/// It is already on its superblock's list of inodes, but that superblock is not yet born, so only
/// the task filling it in looks at the fields set here; they are written field by field through
/// the pointer, never through a reference to the whole inode. Dropping it releases the inode.
///
/// # Invariants
///
/// `inode` is an inode of the superblock `'sb`, which is being filled in, and no dentry refers to
/// it yet.
pub struct NewInode<'sb> {
    inode: ARef<Inode>,
    _sb: PhantomData<&'sb SuperBlock>,
}

impl NewInode<'_> {
    fn as_ptr(&self) -> *mut bindings::inode {
        self.inode.0.get()
    }

    /// Turns the inode into an empty directory that nothing can be created in (mode 0555).
    pub fn make_empty_dir(&mut self) -> &mut Self {
        // SAFETY: by the type invariant the inode is valid and private to this task.
        unsafe { bindings::make_empty_dir_inode(self.as_ptr()) };
        self
    }

    /// Sets the access, change and modification times to now.
    pub fn init_times(&mut self) -> &mut Self {
        // SAFETY: by the type invariant the inode is valid and private to this task.
        unsafe { bindings::simple_inode_init_ts(self.as_ptr()) };
        self
    }

    /// Sets the inode number.
    pub fn set_ino(&mut self, ino: u64) -> &mut Self {
        // SAFETY: by the type invariant the inode is valid and nobody else reads the field yet.
        unsafe { (*self.as_ptr()).i_ino = ino as _ };
        self
    }

    /// Marks the inode immutable (`S_IMMUTABLE`) and stops access-time updates (`S_NOATIME`).
    ///
    /// Nobody, not even a task with every capability, may then change its attributes, timestamps,
    /// extended attributes or, for a directory, its entries.
    pub fn set_immutable(&mut self) -> &mut Self {
        // SAFETY: by the type invariant the inode is valid and nobody else reads the field yet.
        unsafe { (*self.as_ptr()).i_flags |= bindings::S_IMMUTABLE | bindings::S_NOATIME };
        self
    }
}

/// A mount (`struct vfsmount`), counted with `mntget()`/`mntput()`.
///
/// # Invariants
///
/// The mount is valid while a reference on it is held.
#[repr(transparent)]
pub struct VfsMount(Opaque<bindings::vfsmount>);

// SAFETY: mounts are reference counted with atomic operations, and a reference may be taken and
// dropped on any thread.
unsafe impl Send for VfsMount {}

// SAFETY: `&VfsMount` only reads fields that do not change while the mount is referenced.
unsafe impl Sync for VfsMount {}

// SAFETY: by the type invariant a reference keeps the mount valid; `mntget` takes one and
// `mntput` drops one.
unsafe impl AlwaysRefCounted for VfsMount {
    fn inc_ref(&self) {
        // SAFETY: the existence of `&self` means the mount is valid and referenced.
        unsafe { bindings::mntget(self.0.get()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller gives up a reference it holds.
        unsafe { bindings::mntput(obj.cast().as_ptr()) };
    }
}

impl VfsMount {
    /// The raw `struct vfsmount`.
    pub fn as_ptr(&self) -> *mut bindings::vfsmount {
        self.0.get()
    }

    /// The magic number of the mounted file system, as `statfs()` reports it in `f_type`.
    pub fn magic(&self) -> u64 {
        // SAFETY: by the type invariant the mount is valid, and so is its superblock, whose magic
        // does not change once it is born.
        unsafe { (*(*self.0.get()).mnt_sb).s_magic as u64 }
    }
}
