// SPDX-License-Identifier: GPL-2.0

// The shared part of the two fs::sb owner test modules, included by each: a file system type
// owned by the module, and a module that mounts an instance of it when it is loaded.
//
// `user_root_fs_pinned` keeps its mount: the superblock holds a reference on the module, so
// `rmmod` must fail. `user_root_fs_released` drops it at once: `rmmod` must work. Without the
// type's `owner`, both would unload, and the pinned one would leave the superblock pointing
// into freed module memory.

use kernel::{
    c_str,
    fs::sb::{FileSystem, SuperBlock, VfsMount},
    prelude::*,
    types::ARef,
};

/// `statfs()` magic of the test file system ("UROT").
const MAGIC: u32 = 0x55524f54;

struct OwnedFs;

impl FileSystem for OwnedFs {
    const NAME: &'static CStr = c_str!("user_root_fs_owner");

    fn fill_super(sb: &SuperBlock) -> Result {
        sb.set_magic(MAGIC);
        let mut root = sb.new_inode()?;
        root.make_empty_dir().init_times().set_ino(1);
        sb.set_root(root)
    }
}

kernel::static_file_system_type!(static OWNED_FS: OwnedFs, owner = &THIS_MODULE);

struct FsOwner {
    _mount: Option<ARef<VfsMount>>,
}

impl kernel::Module for FsOwner {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let mount = OWNED_FS.mount_unattached(c_str!("user_root_fs_owner"))?;
        if mount.magic() != u64::from(MAGIC) {
            return Err(EINVAL);
        }
        pr_info!(
            "mounted an instance of a type this module owns; {}\n",
            if KEEP_MOUNT {
                "kept: the module must stay loaded"
            } else {
                "dropped: the module may go"
            }
        );
        Ok(Self {
            _mount: KEEP_MOUNT.then_some(mount),
        })
    }
}
