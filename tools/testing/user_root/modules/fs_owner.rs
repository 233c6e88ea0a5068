// SPDX-License-Identifier: GPL-2.0

// The shared part of the two fs::sb owner test modules, included by each: a file system type
// owned by the module.
//
// While the module initialises, an instance of its type is refused (EBUSY): the module loader
// frees a module whose init fails whatever references remain. `user_root_fs_pinned` then mounts
// an instance from a work item once it is live, and keeps it for good: the superblock holds a
// reference on the module, so `rmmod` must fail. `user_root_fs_idle` mounts nothing more and
// unloads as any module does. Without the type's `owner`, the pinned one would unload too and
// leave the superblock pointing into freed module memory.

use kernel::{
    bindings, c_str,
    fs::sb::{FileSystem, SuperBlock},
    prelude::*,
    workqueue,
};

/// `statfs()` magic of the test file system ("UROT").
const MAGIC: u32 = 0x55524f54;

struct OwnedFs;

impl FileSystem for OwnedFs {
    const NAME: &'static CStr = c_str!("user_root_fs_owner");

    fn fill_super(sb: &SuperBlock) -> Result {
        sb.set_magic(MAGIC.into());
        let mut root = sb.new_inode()?;
        root.make_empty_dir().init_times().set_ino(1);
        sb.set_root(root)
    }
}

kernel::static_file_system_type!(static OWNED_FS: OwnedFs, owner = THIS_MODULE);

/// Mounts an instance as soon as the module is live, and keeps it for the life of the system.
fn mount_when_live() {
    for _ in 0..1000 {
        match OWNED_FS.mount_unattached(c_str!("user_root_fs_owner")) {
            Err(e) if e == EBUSY => {
                // SAFETY: sleeping is allowed in a work item.
                unsafe { bindings::msleep(10) };
            }
            Ok(mount) if mount.magic() == u64::from(MAGIC) => {
                pr_info!("live: mounted an instance of its type, kept: the module must stay\n");
                core::mem::forget(mount);
                return;
            }
            other => {
                pr_err!(
                    "live: mounting an instance of its type gave {:?}\n",
                    other.err()
                );
                return;
            }
        }
    }
    pr_err!("live: the module never became live\n");
}

struct FsOwner;

impl kernel::Module for FsOwner {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        match OWNED_FS.mount_unattached(c_str!("user_root_fs_owner")) {
            Err(e) if e == EBUSY => pr_info!("init: an instance of its type is refused (EBUSY)\n"),
            other => {
                pr_err!("init: an instance of its type gave {:?}\n", other.err());
                return Err(EINVAL);
            }
        }
        if MOUNT_WHEN_LIVE {
            workqueue::system().try_spawn(GFP_KERNEL, mount_when_live)?;
        }
        Ok(Self)
    }
}
