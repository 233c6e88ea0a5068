// SPDX-License-Identifier: GPL-2.0

//! Mounts a file system whose type it owns once it is live, from a work item on its own queue,
//! and drops the mount at once: the guest loads and unloads it hundreds of times, with the
//! superblock's deferred release racing `rmmod`.

module! {
    type: FsOwner,
    name: "user_root_fs_churn",
    author: "user_root",
    description: "fs::sb owner test: unload races the release of a superblock of its type",
    license: "GPL",
}

const WHEN_LIVE: WhenLive = WhenLive::MountAndDrop;

include!("fs_owner.rs");
