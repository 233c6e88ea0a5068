// SPDX-License-Identifier: GPL-2.0

//! Mounts a file system whose type it owns and drops the mount: it can be unloaded.

module! {
    type: FsOwner,
    name: "user_root_fs_released",
    author: "user_root",
    description: "fs::sb owner test: without a superblock the module of its type can go",
    license: "GPL",
}

const KEEP_MOUNT: bool = false;

include!("fs_owner.rs");
