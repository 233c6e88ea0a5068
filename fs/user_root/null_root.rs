// SPDX-License-Identifier: GPL-2.0

//! The null root: an empty, immutable file system that is the root mount of the initial mount
//! namespace when user_root is on.
//!
//! Nothing can ever be created in it, so unmounting or pivoting away whatever is stacked on it
//! never reveals anything. It is not registered, so userspace cannot mount it by name; its
//! superblock is `SB_NOUSER`, so `mount(2)` refuses to bind-mount it; executables and device
//! nodes are ignored on it. A task that can reach it (a privileged one that detached everything
//! above it) can still attach a clone of it elsewhere with `open_tree(2)` and `move_mount(2)`:
//! that clone is as empty and immutable as the original. `statfs()` reports `NULL_FS_MAGIC`, the
//! value Linux 7.0 uses for its "nullfs", so that userspace sees one ABI on both kernels.

use kernel::{
    c_str,
    fs::sb::{FileSystem, Flags, IFlags, SuperBlock, VfsMount},
    prelude::*,
    types::ARef,
};

/// `statfs()` magic of the null root ("NULL"; `NULL_FS_MAGIC` in `<linux/magic.h>`).
const MAGIC: u32 = kernel::bindings::NULL_FS_MAGIC;

/// Inode number of the null root's only inode.
const ROOT_INO: u64 = 1;

struct NullRoot;

impl FileSystem for NullRoot {
    const NAME: &'static CStr = c_str!("nullfs");
    const SB_FLAGS: Flags = Flags::NOUSER;
    const SB_IFLAGS: IFlags = IFlags::NOEXEC.with(IFlags::NODEV);

    fn fill_super(sb: &SuperBlock) -> Result {
        sb.set_magic(MAGIC.into());
        let mut root = sb.new_inode()?;
        root.make_empty_dir()
            .init_times()
            .set_ino(ROOT_INO)
            .set_immutable();
        sb.set_root(root)
    }
}

// SAFETY: user_root is always built in (its Kconfig option is a bool), and the `THIS_MODULE` of
// built-in code is null.
static THIS_MODULE: ThisModule = unsafe { ThisModule::from_ptr(core::ptr::null_mut()) };

kernel::static_file_system_type!(static NULL_ROOT: NullRoot, owner = THIS_MODULE);

/// Creates a new instance of the null root.
pub(crate) fn mount() -> Result<ARef<VfsMount>> {
    NULL_ROOT.mount_unattached(c_str!("nullfs"))
}
