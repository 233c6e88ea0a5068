// SPDX-License-Identifier: GPL-2.0
//! What the root of the running system is, found out from the system itself.
//!
//! Two facts make the kind of the boot:
//!
//! * the namespace root: in a private mount namespace, everything stacked on it is detached
//!   and the namespace re-entered, which puts root and cwd on it. It is the null root
//!   (`NULL_FS_MAGIC`) when the kernel runs with user_root, else rootfs (ramfs or tmpfs). Either
//!   way it is locked: detaching it fails with `EINVAL`;
//! * whether `/` is the initramfs itself (source `user_root` with fstype tmpfs or ramfs on the
//!   null root, or `rootfs` on a stock kernel), or another root mounted over it: a disk the
//!   kernel mounted for `root=`, or a root that userspace switched to.
//!
//! Where they cannot be found, the kind is unknown and `detect` says why; the tests that depend
//! on it then skip. That is the case for an unprivileged user; in a user namespace that does not
//! own the mounts above the namespace root (a rootless container), where those mounts are locked
//! and detaching them fails with `EINVAL` too; and in a chroot, whose root is not the root of its
//! mount namespace.
//!
//! The C selftest `user_root_test` finds the same facts in the same way.

use crate::sys::{self, errno};
use crate::tap::Context;
use std::fs::{self, File};
use std::io::Read;
use std::os::unix::fs::MetadataExt;

/// The kind of the boot, named as `UR_EXPECT` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// user_root: `/` is the initramfs (a tmpfs or ramfs), on the null root.
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

    /// A short description for diagnostics.
    pub fn describe(&self) -> String {
        format!(
            "mount {} (parent {}), {} from {}",
            self.id, self.parent, self.fstype, self.source
        )
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

/// Why a root that is not listed cannot be looked at.
const NOT_LISTED: &str = "/ is not in /proc/self/mountinfo: the root of this process is not \
                          the root of a mount (is it chrooted?)";

/// The `/` line of this process's /proc/self/mountinfo.
pub fn root_mount() -> Result<MountEntry, String> {
    let text = fs::read_to_string("/proc/self/mountinfo").ctx("/proc/self/mountinfo")?;
    root_entry(&text).ok_or_else(|| NOT_LISTED.into())
}

/// The file systems the initramfs is unpacked into: stock rootfs is a tmpfs unless the command
/// line names a root file system (`root=`, `rootfstype=`), and then a ramfs; user_root's root is
/// of the same kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitramfsFs {
    Tmpfs,
    Ramfs,
}

impl InitramfsFs {
    /// The `statfs()` magic number.
    pub fn magic(self) -> i64 {
        match self {
            InitramfsFs::Tmpfs => sys::TMPFS_MAGIC,
            InitramfsFs::Ramfs => sys::RAMFS_MAGIC,
        }
    }

    pub fn of_magic(magic: i64) -> Option<InitramfsFs> {
        [InitramfsFs::Tmpfs, InitramfsFs::Ramfs]
            .into_iter()
            .find(|fs| fs.magic() == magic)
    }

    pub fn name(self) -> &'static str {
        match self {
            InitramfsFs::Tmpfs => "tmpfs",
            InitramfsFs::Ramfs => "ramfs",
        }
    }
}

/// Whether the mount `root`, the top of the stack on the namespace root, is the initramfs: the
/// user_root tmpfs or ramfs on the null root, or rootfs itself on a stock kernel.
pub fn is_initramfs(root: &MountEntry, null_root: bool) -> bool {
    if null_root {
        root.source == "user_root" && (root.fstype == "tmpfs" || root.fstype == "ramfs")
    } else {
        root.fstype == "rootfs"
    }
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
    /// The kind that the two facts make.
    pub fn new(root: MountEntry, ns_root_magic: i64, stacked: u32) -> RootFacts {
        let null_root = ns_root_magic == sys::NULL_FS_MAGIC;
        let kind = match (is_initramfs(&root, null_root), null_root) {
            (true, true) => Kind::On,
            (true, false) => Kind::Off,
            (false, true) => Kind::DiskOn,
            (false, false) => Kind::DiskOff,
        };
        RootFacts {
            root,
            ns_root_magic,
            stacked,
            kind,
        }
    }

    pub fn describe(&self) -> String {
        format!(
            "detected {}: the namespace root is {} (statfs {:#x}), {} mount(s) above it; \
             / is {}",
            self.kind.name(),
            if self.kind.null_root() {
                "the null root"
            } else {
                "rootfs"
            },
            self.ns_root_magic,
            self.stacked,
            self.root.describe()
        )
    }
}

/// More mounts than any boot stacks on its namespace root.
const MAX_STACK: u32 = 16;

/// In a private mount namespace, detaches everything stacked on the namespace root until
/// detaching fails with `EINVAL`, and returns how many mounts that was. setns() into the
/// namespace puts root and cwd on the top of the stack of mounts on its root;
/// `umount2("/", MNT_DETACH)` detaches that mount with all it holds.
///
/// `EINVAL` means that the mount is locked: the namespace root always is, and so is every mount
/// that a user namespace got from a more privileged one (a rootless container). `namespace_root`
/// tells the two apart; the tests call this only once detection has shown that it stops at the
/// namespace root.
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

/// Whether the mount that detaching stopped at, `top` in mountinfo (`None` if not listed) with
/// the `statfs()` magic `magic`, is the namespace root, and if not, why not.
///
/// The root of a namespace is its own parent: stock rootfs is "1 1 ... - rootfs rootfs", the null
/// root "1 1 ... - nullfs nullfs" (should a kernel not list it, its magic number is still enough).
/// A locked mount that a rootless container got from its parent namespace has a parent.
pub fn namespace_root(top: Option<&MountEntry>, magic: i64) -> Result<(), String> {
    let rootfs_magic = InitramfsFs::of_magic(magic).is_some();
    match top {
        Some(m) if m.id == m.parent => {
            if magic == sys::NULL_FS_MAGIC || (m.fstype == "rootfs" && rootfs_magic) {
                Ok(())
            } else {
                Err(format!(
                    "the namespace root, {}, is neither the null root nor rootfs \
                     (statfs {magic:#x})",
                    m.describe()
                ))
            }
        }
        None if magic == sys::NULL_FS_MAGIC => Ok(()),
        Some(m) => Err(format!(
            "/ is locked but not the namespace root (mount {} on mount {}, {} from {}): a \
             mount this user namespace got from a more privileged one, as in a rootless container",
            m.id, m.parent, m.fstype, m.source
        )),
        None => Err(format!(
            "detaching stopped at a mount that is not in mountinfo (statfs {magic:#x})"
        )),
    }
}

fn read_mountinfo(proc: &File) -> Result<String, String> {
    let mut text = String::new();
    sys::open_at(proc, "self/mountinfo")
        .and_then(|mut f| f.read_to_string(&mut text))
        .ctx("/proc/self/mountinfo")?;
    Ok(text)
}

/// The device, inode and mount of `/`.
fn root_identity(proc: &File) -> Result<(u64, u64, Option<u32>), String> {
    let st = fs::metadata("/").ctx("stat /")?;
    let id = root_entry(&read_mountinfo(proc)?).map(|m| m.id);
    Ok((st.dev(), st.ino(), id))
}

/// In the calling process: reaches the namespace root, and returns how many mounts were above
/// it and its magic number.
fn probe_ns_root() -> Result<(u32, i64), String> {
    let proc = File::open("/proc").ctx("/proc")?;
    match sys::unshare_ns(sys::CLONE_NEWNS) {
        Err(e) if sys::is_errno(&e, errno::EPERM) => {
            return Err(format!(
                "cannot make a private mount namespace: {e} (not privileged over it)"
            ))
        }
        r => r.ctx("unshare(CLONE_NEWNS)")?,
    }
    sys::make_private().ctx("making / private")?;
    // Re-entering the namespace moves root and cwd to the top of the namespace root's stack:
    // that must be where the root already is, or this process is chrooted.
    let before = root_identity(&proc)?;
    let ns = File::open("/proc/self/ns/mnt").ctx("/proc/self/ns/mnt")?;
    sys::set_ns(&ns, sys::CLONE_NEWNS).ctx("setns")?;
    if root_identity(&proc)? != before {
        return Err(
            "the root of this process is not the root of its mount namespace \
                    (it is chrooted)"
                .into(),
        );
    }
    let stacked = reach_ns_root()?;
    let magic = sys::stat_fs("/")
        .ctx("statfs of the namespace root")?
        .magic();
    namespace_root(root_entry(&read_mountinfo(&proc)?).as_ref(), magic)?;
    Ok((stacked, magic))
}

/// Finds the facts, or says why they cannot be found. Needs root; the namespace work runs in a
/// child, so that the caller's mount namespace is left as it was.
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
    Ok(RootFacts::new(root, magic, stacked))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(line: &str) -> MountEntry {
        MountEntry::parse(line).unwrap()
    }

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
    fn a_chroot_has_no_root_line() {
        // What a process chrooted into /srv/jail, a plain directory, sees.
        let text = "30 21 0:25 / /proc rw - proc proc rw\n";
        assert_eq!(root_entry(text), None);
    }

    #[test]
    fn kinds_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.name()), Some(k));
        }
        assert_eq!(Kind::parse("bogus"), None);
    }

    #[test]
    fn kinds_of_roots() {
        let null = sys::NULL_FS_MAGIC;
        let cases = [
            ("2 1 0:2 / / rw - tmpfs user_root rw", null, Kind::On),
            ("2 1 0:2 / / rw - ramfs user_root rw", null, Kind::On),
            (
                "1 1 0:1 / / rw - rootfs rootfs rw",
                sys::TMPFS_MAGIC,
                Kind::Off,
            ),
            (
                "1 1 0:1 / / rw - rootfs rootfs rw",
                sys::RAMFS_MAGIC,
                Kind::Off,
            ),
            ("21 1 254:0 / / rw - ext4 /dev/root rw", null, Kind::DiskOn),
            ("15 1 0:30 / / rw - tmpfs newroot rw", null, Kind::DiskOn),
            (
                "21 1 254:0 / / rw - ext4 /dev/root rw",
                sys::TMPFS_MAGIC,
                Kind::DiskOff,
            ),
            // A tmpfs that userspace named user_root over stock rootfs is not the initramfs.
            (
                "22 1 0:30 / / rw - tmpfs user_root rw",
                sys::RAMFS_MAGIC,
                Kind::DiskOff,
            ),
            // Nor is a tmpfs of another name on the null root.
            ("2 1 0:2 / / rw - tmpfs other rw", null, Kind::DiskOn),
        ];
        for (line, magic, kind) in cases {
            assert_eq!(RootFacts::new(entry(line), magic, 1).kind, kind, "{line}");
        }
    }

    #[test]
    fn the_namespace_root_is_its_own_parent() {
        let rootfs = entry("1 1 0:1 / / rw - rootfs rootfs rw");
        assert_eq!(namespace_root(Some(&rootfs), sys::TMPFS_MAGIC), Ok(()));
        assert_eq!(namespace_root(Some(&rootfs), sys::RAMFS_MAGIC), Ok(()));
        let null = entry("1 1 0:1 / / ro - nullfs nullfs ro");
        assert_eq!(namespace_root(Some(&null), sys::NULL_FS_MAGIC), Ok(()));
        assert_eq!(namespace_root(None, sys::NULL_FS_MAGIC), Ok(()));
    }

    #[test]
    fn a_locked_mount_is_not_the_namespace_root() {
        // A rootless container on user_root: the user_root tmpfs is locked, its parent (the
        // null root) not listed; the same with a disk on stock rootfs.
        for line in [
            "2 1 0:2 / / rw - tmpfs user_root rw",
            "2 1 0:2 / / rw - ramfs user_root rw",
            "21 1 254:0 / / rw - ext4 /dev/root rw",
        ] {
            let err = namespace_root(Some(&entry(line)), sys::TMPFS_MAGIC).unwrap_err();
            assert!(err.contains("rootless container"), "{err}");
        }
        assert!(namespace_root(None, sys::TMPFS_MAGIC).is_err());
    }

    #[test]
    fn a_namespace_root_must_be_null_root_or_rootfs() {
        // Its own parent, but not what any kernel makes the namespace root.
        let odd = entry("1 1 0:1 / / rw - tmpfs none rw");
        assert!(namespace_root(Some(&odd), sys::TMPFS_MAGIC).is_err());
        let odd = entry("1 1 0:1 / / rw - rootfs rootfs rw");
        assert!(namespace_root(Some(&odd), 0xEF53).is_err());
    }
}
