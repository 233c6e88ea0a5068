// SPDX-License-Identifier: GPL-2.0
//! user_root selftests in Rust, printing TAP: a rootless container's pivot_root, and
//! `initramfs_options=size=`.
//!
//! The program finds out from the running system what its root is (see `root.rs`); it changes
//! nothing outside its own namespaces and temporary directory. It takes no arguments. It needs
//! root: where it cannot tell what the root is (an unprivileged user, a rootless container, a
//! chroot), it says why and its tests skip. The tests that pivot PID 1 or the initial mount
//! namespace are in tools/testing/user_root/vm, which only runs in a virtual machine.

use std::fs;
use std::io::ErrorKind;
use std::path::Path;
use user_root_selftest::root::{self, InitramfsFs, Kind, RootFacts};
use user_root_selftest::sys::{self, errno, kmsg};
use user_root_selftest::tap::{ensure, note, Context, Outcome, Tap};

/// An unprivileged user in new user and mount namespaces pivots into a fresh tmpfs and
/// detaches the old root: what a rootless container runtime does. On a stock initramfs root
/// pivot_root fails with `EINVAL`: the root has no parent to pivot under.
fn rootless_pivot_root(facts: &RootFacts) -> Result<Outcome, String> {
    let dir = match sys::make_temp_dir("/tmp/user_root_rs.XXXXXX") {
        Ok(dir) => dir,
        Err(e) if e.kind() == ErrorKind::NotFound || sys::is_errno(&e, errno::EROFS) => {
            return Ok(Outcome::Skip(format!("no writable /tmp: {e}")));
        }
        Err(e) => return Err(format!("mkdtemp: {e}")),
    };
    let child = sys::in_child(|| Outcome::of(rootless_child(facts.kind, &dir)).encode());
    let removed = fs::remove_dir(&dir).ctx(&format!("rmdir {}", dir.display()));
    let (text, status) = child.ctx("fork")?;
    ensure(status == 0, || {
        format!("the child died (wait status {status:#x})")
    })?;
    removed?;
    Ok(Outcome::decode(&text))
}

fn rootless_child(kind: Kind, dir: &Path) -> Result<Outcome, String> {
    const NOBODY: u32 = 65534;
    match sys::become_user(NOBODY) {
        Ok(()) => {}
        // Not mapped, or no capability to change ids: already in a user namespace.
        Err(e)
            if [errno::EPERM, errno::EINVAL]
                .iter()
                .any(|n| sys::is_errno(&e, *n)) =>
        {
            return Ok(Outcome::Skip(format!(
                "cannot become nobody ({NOBODY}): {e}"
            )));
        }
        Err(e) => return Err(format!("drop privileges: {e}")),
    }
    match sys::unshare_ns(sys::CLONE_NEWUSER | sys::CLONE_NEWNS) {
        Ok(()) => {}
        Err(e)
            if [errno::EPERM, errno::EINVAL, errno::ENOSPC]
                .iter()
                .any(|n| sys::is_errno(&e, *n)) =>
        {
            return Ok(Outcome::Skip(format!("no user namespace for nobody: {e}")));
        }
        Err(e) => return Err(format!("unshare(CLONE_NEWUSER | CLONE_NEWNS): {e}")),
    }
    fs::write("/proc/self/setgroups", "deny").ctx("setgroups")?;
    fs::write("/proc/self/uid_map", format!("0 {NOBODY} 1")).ctx("uid_map")?;
    fs::write("/proc/self/gid_map", format!("0 {NOBODY} 1")).ctx("gid_map")?;
    sys::make_private().ctx("make private")?;
    sys::mount_fs("rootless", dir, "tmpfs").ctx("mount tmpfs")?;
    fs::create_dir(dir.join("container-marker")).ctx("marker")?;
    std::env::set_current_dir(dir).ctx("chdir")?;
    match (sys::pivot_root(".", "."), kind) {
        (Err(e), Kind::Off) if sys::is_errno(&e, errno::EINVAL) => {
            note("pivot_root: EINVAL, as on every stock initramfs root");
            return Ok(Outcome::Pass);
        }
        (Ok(()), Kind::Off) => return Err("pivot_root succeeded on a stock initramfs root".into()),
        (r, _) => r.ctx("pivot_root(\".\", \".\")")?,
    }
    sys::umount_detach(".").ctx("detach old root")?;
    std::env::set_current_dir("/").ctx("chdir /")?;
    ensure(Path::new("/container-marker").exists(), || {
        "not in the new root".into()
    })?;
    ensure(!Path::new("/tmp").exists(), || {
        "old root still visible".into()
    })?;
    Ok(Outcome::Pass)
}

fn parse_size(s: &str) -> Option<u64> {
    let (num, mult) = match s.as_bytes().last()? {
        b'k' | b'K' => (&s[..s.len() - 1], 1 << 10),
        b'm' | b'M' => (&s[..s.len() - 1], 1 << 20),
        b'g' | b'G' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<u64>().ok().map(|n| n * mult)
}

/// `initramfs_options=size=` sizes the tmpfs the initramfs is unpacked into.
///
/// If tmpfs rejected the options, the kernel said so ("user_root: tmpfs rejected
/// initramfs_options=...") and mounted the tmpfs with its defaults; that is not this test's
/// business, so a size that differs then skips. A ramfs has no size: it skips too.
fn initramfs_options_size(facts: &RootFacts) -> Result<Outcome, String> {
    let cmdline = fs::read_to_string("/proc/cmdline").ctx("/proc/cmdline")?;
    let Some(options) = cmdline
        .split_whitespace()
        .take_while(|w| *w != "--")
        .filter_map(|w| w.strip_prefix("initramfs_options="))
        .last()
    else {
        return Ok(Outcome::Skip(
            "no initramfs_options= on the command line".into(),
        ));
    };
    if !facts.kind.initramfs() {
        return Ok(Outcome::Skip(format!(
            "/ is not the initramfs but {}",
            facts.root.describe()
        )));
    }
    let root = sys::stat_fs("/").ctx("statfs /")?;
    match InitramfsFs::of_magic(root.magic()) {
        Some(InitramfsFs::Tmpfs) => {}
        Some(InitramfsFs::Ramfs) => {
            return Ok(Outcome::Skip(
                "the initramfs is on a ramfs (root= or rootfstype= on the command line), \
                 which has no size"
                    .into(),
            ))
        }
        None => return Err(format!("statfs magic of /: {:#x}", root.magic())),
    }
    let Some(want) = options
        .split(',')
        .rev()
        .find_map(|o| o.strip_prefix("size="))
        .and_then(parse_size)
    else {
        return Ok(Outcome::Skip(format!("no valid size= in {options}")));
    };
    let got = root.size();
    if got == want {
        return Ok(Outcome::Pass);
    }
    let mismatch = format!("/ is {got} bytes, initramfs_options asked for {want}");
    if !facts.kind.null_root() {
        // Stock rootfs cannot fall back: the kernel panics if the options are rejected.
        return Err(mismatch);
    }
    match kmsg::find(REJECTED) {
        Ok(Some(line)) => Ok(Outcome::Skip(format!(
            "{mismatch}, but the kernel rejected the options: {line}"
        ))),
        Ok(None) => Err(format!(
            "{mismatch}, and the kernel log does not say that tmpfs rejected them"
        )),
        Err(e) => Ok(Outcome::Skip(format!(
            "{mismatch}; cannot read the kernel log to tell whether tmpfs rejected them: {e}"
        ))),
    }
}

/// What user_root logs when tmpfs rejects `initramfs_options=`.
const REJECTED: &str = "user_root: tmpfs rejected initramfs_options";

type Test = fn(&RootFacts) -> Result<Outcome, String>;

const TESTS: [(&str, Test); 2] = [
    ("rootless_pivot_root", rootless_pivot_root),
    ("initramfs_options_size", initramfs_options_size),
];

fn main() {
    let mut tap = Tap::start(TESTS.len());
    let facts = root::detect();
    match &facts {
        Ok(facts) => note(&facts.describe()),
        Err(why) => note(&format!("cannot tell what the root is: {why}")),
    }
    for (name, test) in TESTS {
        let outcome = match &facts {
            Ok(facts) => Outcome::of(test(facts)),
            Err(why) => Outcome::Skip(format!("cannot tell what the root is: {why}")),
        };
        tap.report(name, outcome);
    }
    std::process::exit(tap.finish());
}
