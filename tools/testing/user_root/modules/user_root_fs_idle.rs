// SPDX-License-Identifier: GPL-2.0

//! Owns a file system type but keeps no instance of it: it unloads as any module does.

module! {
    type: FsOwner,
    name: "user_root_fs_idle",
    author: "user_root",
    description: "fs::sb owner test: without a superblock the module of its type can go",
    license: "GPL",
}

const WHEN_LIVE: WhenLive = WhenLive::Nothing;

include!("fs_owner.rs");
