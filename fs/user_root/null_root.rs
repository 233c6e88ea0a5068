// SPDX-License-Identifier: GPL-2.0

//! The null root: an empty, immutable file system that is the root mount of the initial mount
//! namespace when user_root is on.
//!
//! Nothing can ever be created in it, so unmounting or pivoting away whatever is stacked on it
//! never reveals anything. It is not registered, so userspace cannot mount it by name; its
//! superblock is `SB_NOUSER`, so `mount(2)` refuses to bind-mount it too; executables and device
//! nodes are ignored on it; `statfs()` reports `NULL_FS_MAGIC`, the value Linux 7.0 uses for its
//! "nullfs", so that userspace sees one ABI on both kernels.

use kernel::{
    c_str,
    fs::sb::{FileSystem, Flags, IFlags, SuperBlock, Type, VfsMount},
    prelude::*,
    str::CStr,
};

/// `statfs()` magic of the null root ("NULL"; `NULL_FS_MAGIC` in `<linux/magic.h>`).
pub(crate) const MAGIC: u32 = kernel::bindings::NULL_FS_MAGIC;

/// Inode number of the null root's only inode.
const ROOT_INO: u64 = 1;

pub(crate) struct NullRoot;

impl FileSystem for NullRoot {
    const NAME: &'static CStr = c_str!("nullfs");
    const SB_FLAGS: Flags = Flags::NOUSER;
    const SB_IFLAGS: IFlags = IFlags::NOEXEC.with(IFlags::NODEV);

    fn fill_super(sb: &mut SuperBlock) -> Result {
        sb.set_magic(MAGIC);
        let mut root = sb.new_inode()?;
        root.make_empty_dir()
            .init_times()
            .set_ino(ROOT_INO)
            .set_immutable();
        sb.set_root(root)
    }
}

static NULL_ROOT: Type<NullRoot> = Type::new();

/// Creates the null root's one instance.
pub(crate) fn mount() -> Result<VfsMount> {
    NULL_ROOT.kern_mount(c_str!("nullfs"))
}
