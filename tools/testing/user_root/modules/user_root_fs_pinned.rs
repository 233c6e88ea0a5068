// SPDX-License-Identifier: GPL-2.0

//! Mounts a file system whose type it owns once it is live, and keeps the mount: it cannot be
//! unloaded.

module! {
    type: FsOwner,
    name: "user_root_fs_pinned",
    author: "user_root",
    description: "fs::sb owner test: a live superblock pins the module of its type",
    license: "GPL",
}

const WHEN_LIVE: WhenLive = WhenLive::MountAndKeep;

include!("fs_owner.rs");
