// SPDX-License-Identifier: GPL-2.0
//! What the root of the running system is, found out from the system itself.
//!
//! Two facts make the kind of the boot:
//!
//! * the namespace root: in a private mount namespace, everything stacked on it is detached
//!   and the namespace re-entered, which puts root and cwd on it. It is the null root
//!   (`NULL_FS_MAGIC`) when the kernel runs with user_root, else rootfs (ramfs or tmpfs). Either
//!   way it is locked: detaching it fails with `EINVAL`;
//! * whether `/` is the initramfs itself (tmpfs `user_root`, or `rootfs` on a stock kernel), or
//!   another root mounted over it: a disk the kernel mounted for `root=`, or a root that userspace
//!   switched to.
//!
//! The C selftest `user_root_test` finds the same facts in the same way.

use crate::sys::{self, errno};
use crate::tap::Context;
use std::fs::{self, File};

/// The kind of the boot, named as `UR_EXPECT` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// user_root: `/` is the initramfs tmpfs, on the null root.
    On,
    /// Stock: `/` is rootfs, the namespace root.
    Off,
    /// user_root, with another root over the null root.
    DiskOn,
    /// Stock, with another root over rootfs.
    DiskOff,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::On, Kind::Off, Kind::DiskOn, Kind::DiskOff];

    pub fn name(self) -> &'static str {
        match self {
            Kind::On => "on",
            Kind::Off => "off",
            Kind::DiskOn => "disk-on",
            Kind::DiskOff => "disk-off",
        }
    }

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether the namespace root is the null root.
    pub fn null_root(self) -> bool {
        matches!(self, Kind::On | Kind::DiskOn)
    }

    /// Whether `/` is the initramfs itself.
    pub fn initramfs(self) -> bool {
        matches!(self, Kind::On | Kind::Off)
    }
}

/// One line of /proc/self/mountinfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountEntry {
    pub id: u32,
    pub parent: u32,
    pub mount_point: String,
    pub fstype: String,
    pub source: String,
}

impl MountEntry {
    fn parse(line: &str) -> Option<MountEntry> {
        let f: Vec<&str> = line.split_whitespace().collect();
        let sep = f.iter().position(|x| *x == "-")?;
        Some(MountEntry {
            id: f.first()?.parse().ok()?,
            parent: f.get(1)?.parse().ok()?,
            mount_point: f.get(4)?.to_string(),
            fstype: f.get(sep + 1)?.to_string(),
            source: f.get(sep + 2)?.to_string(),
        })
    }
}

/// The mounts of a mountinfo file's text.
pub fn mounts(text: &str) -> Vec<MountEntry> {
    text.lines().filter_map(MountEntry::parse).collect()
}

/// The mount that `/` shows: the last `/` line, the top of the stack.
pub fn root_entry(text: &str) -> Option<MountEntry> {
    mounts(text).into_iter().rfind(|m| m.mount_point == "/")
}

/// The `/` line of this process's /proc/self/mountinfo.
pub fn root_mount() -> Result<MountEntry, String> {
    let text = fs::read_to_string("/proc/self/mountinfo").ctx("/proc/self/mountinfo")?;
    root_entry(&text).ok_or_else(|| "no / in /proc/self/mountinfo".into())
}

/// The facts, and the kind they make.
#[derive(Debug, Clone)]
pub struct RootFacts {
    /// `/` in /proc/self/mountinfo.
    pub root: MountEntry,
    /// `statfs()` of the namespace root.
    pub ns_root_magic: i64,
    /// How many mounts were detached to reach the namespace root.
    pub stacked: u32,
    pub kind: Kind,
}

impl RootFacts {
    pub fn describe(&self) -> String {
        format!(
            "detected {}: the namespace root is {} (statfs {:#x}), {} mount(s) above it; \
             / is mount {} (parent {}), {} from {}",
            self.kind.name(),
            if self.kind.null_root() {
                "the null root"
            } else {
                "rootfs"
            },
            self.ns_root_magic,
            self.stacked,
            self.root.id,
            self.root.parent,
            self.root.fstype,
            self.root.source
        )
    }
}

/// More mounts than any boot stacks on its namespace root.
const MAX_STACK: u32 = 16;

/// In a private mount namespace, detaches everything stacked on the namespace root, and
/// returns how many mounts that was. setns() into the namespace puts root and cwd on the top of
/// the stack of mounts on its root; `umount2("/", MNT_DETACH)` detaches that mount with all it
/// holds. The namespace root itself is locked: detaching it fails with `EINVAL`, which is where
/// this stops, with root and cwd on it.
pub fn reach_ns_root() -> Result<u32, String> {
    let ns = File::open("/proc/self/ns/mnt").ctx("/proc/self/ns/mnt")?;
    for n in 0..MAX_STACK {
        sys::set_ns(&ns, sys::CLONE_NEWNS).ctx("setns")?;
        match sys::umount_detach("/") {
            Ok(()) => {}
            Err(e) if sys::is_errno(&e, errno::EINVAL) => return Ok(n),
            Err(e) => return Err(format!("umount2(\"/\", MNT_DETACH): {e}")),
        }
    }
    Err(format!(
        "more than {MAX_STACK} mounts on the namespace root"
    ))
}

/// In the calling process: reaches the namespace root, and returns how many mounts were above
/// it and its magic number.
fn probe_ns_root() -> Result<(u32, i64), String> {
    let proc = File::open("/proc").ctx("/proc")?;
    sys::unshare_ns(sys::CLONE_NEWNS).ctx("unshare(CLONE_NEWNS)")?;
    sys::make_private().ctx("making / private")?;
    let stacked = reach_ns_root()?;
    let magic = sys::stat_fs("/")
        .ctx("statfs of the namespace root")?
        .magic();
    // The root of a namespace is its own parent.
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut sys::open_at(&proc, "self/mountinfo").ctx("mountinfo")?,
        &mut text,
    )
    .ctx("mountinfo")?;
    match root_entry(&text) {
        Some(m) if m.id == m.parent => Ok((stacked, magic)),
        other => Err(format!(
            "detaching stopped at a mount that is not the namespace root: {other:?}"
        )),
    }
}

/// Finds the facts. Needs root; the namespace work runs in a child, so that the caller's mount
/// namespace is left as it was.
pub fn detect() -> Result<RootFacts, String> {
    if sys::euid() != 0 {
        return Err("must run as root to detach mounts in a private mount namespace".into());
    }
    let root = root_mount()?;
    let (text, status) = sys::in_child(|| match probe_ns_root() {
        Ok((stacked, magic)) => format!("{stacked} {magic}"),
        Err(e) => format!("error {e}"),
    })
    .ctx("fork")?;
    let (stacked, magic) = text
        .split_once(' ')
        .and_then(|(s, m)| Some((s.parse().ok()?, m.parse().ok()?)))
        .ok_or_else(|| match text.strip_prefix("error ") {
            Some(e) => e.to_string(),
            None => format!("the child that looked at the root said {text:?} ({status:#x})"),
        })?;
    let null_root = magic == sys::NULL_FS_MAGIC;
    let initramfs =
        root.fstype == "rootfs" || (root.fstype == "tmpfs" && root.source == "user_root");
    let kind = match (initramfs, null_root) {
        (true, true) => Kind::On,
        (true, false) => Kind::Off,
        (false, true) => Kind::DiskOn,
        (false, false) => Kind::DiskOff,
    };
    Ok(RootFacts {
        root,
        ns_root_magic: magic,
        stacked,
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mountinfo() {
        let text = "2 1 0:2 / / rw - tmpfs user_root rw\n\
                    20 2 0:19 / /proc rw,nosuid shared:2 - proc proc rw\n";
        let m = root_entry(text).unwrap();
        assert_eq!((m.id, m.parent), (2, 1));
        assert_eq!(
            (m.fstype.as_str(), m.source.as_str()),
            ("tmpfs", "user_root")
        );
        assert_eq!(mounts(text).len(), 2);
    }

    #[test]
    fn the_top_of_the_stack_is_the_root() {
        let text = "1 1 0:1 / / rw - rootfs rootfs rw\n21 1 254:0 / / rw - ext4 /dev/root rw\n";
        assert_eq!(root_entry(text).unwrap().id, 21);
    }

    #[test]
    fn kinds_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.name()), Some(k));
        }
        assert_eq!(Kind::parse("bogus"), None);
    }
}
