// SPDX-License-Identifier: GPL-2.0
//! `user_root_vm`: the user_root tests that change the whole system. They pivot the root of
//! the initial mount namespace, which moves every process rooted there, PID 1 included, so they
//! only run in a virtual machine made for them, never on a developer's machine. Both print TAP
//! version 13 on standard output.
//!
//! * `user_root_vm initial-namespace --i-am-in-a-vm`, run as root by the guest's init (an
//!   ordinary child of PID 1, in its mount namespace): pivots the initial mount namespace into a
//!   new tmpfs, checks that PID 1 moved with it, pivots back and checks that `/` is as before.
//! * `user_root_vm switch-root`, exec'd by PID 1 at the end of the guest's init: switches the
//!   whole system to a new tmpfs root, detaches the old root, re-executes itself from the new
//!   root (`switched`), checks that the initramfs's memory came back and that the new root sits
//!   on the null root, prints `# user_root: guest done` and restarts the machine.
//!
//! What the root is (user_root on or off, initramfs or disk) is found out from the system, as
//! the selftests do: on a stock initramfs root pivot_root(2) fails with `EINVAL`, which is the
//! expected outcome there.

mod sys;

use std::fs::{self, OpenOptions};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use user_root_selftest::root::{self, Kind, RootFacts};
use user_root_selftest::sys::{self as ursys, errno};
use user_root_selftest::tap::{ensure, note, Context, Outcome, Tap};

/// What `initial-namespace` must be told, to show that it runs in a virtual machine.
const VM_FLAG: &str = "--i-am-in-a-vm";

const USAGE: &str = "\
usage: user_root_vm initial-namespace --i-am-in-a-vm
       user_root_vm switch-root          (as PID 1)

These tests pivot the root of the whole system: run them only in a virtual machine made for
them (see tools/testing/user_root/vm). The kselftests in tools/testing/selftests/user_root
are the ones to run anywhere else.";

fn refuse(why: &str) -> ! {
    eprintln!("user_root_vm: {why}\n\n{USAGE}");
    std::process::exit(2)
}

// --- initial-namespace ------------------------------------------------------------------------

const INITIAL_TESTS: [&str; 3] = [
    "initial_namespace_pivot_root",
    "pid1_moved_with_the_root",
    "initial_namespace_pivot_back",
];

/// Whether this process is in the mount namespace of PID 1.
fn in_initial_mount_ns() -> Result<bool, String> {
    let me = fs::metadata("/proc/self/ns/mnt").ctx("/proc/self/ns/mnt")?;
    let init = fs::metadata("/proc/1/ns/mnt").ctx("/proc/1/ns/mnt")?;
    Ok((me.dev(), me.ino()) == (init.dev(), init.ino()))
}

fn skip_rest(tap: &mut Tap, names: &[&str], why: &str) {
    for name in names {
        tap.report(name, Outcome::Skip(why.into()));
    }
}

/// pivot_root(2) in the initial mount namespace from an ordinary process: every task rooted at
/// the old root moves to the new one, PID 1 included; then back.
fn initial_namespace() -> i32 {
    let mut tap = Tap::start(INITIAL_TESTS.len());
    let facts = match root::detect() {
        Ok(facts) => facts,
        Err(why) => {
            let why = format!("cannot tell what the root is: {why}");
            for name in INITIAL_TESTS {
                tap.report(name, Outcome::Fail(why.clone()));
            }
            return tap.finish();
        }
    };
    note(&facts.describe());
    match in_initial_mount_ns() {
        Ok(true) => {}
        Ok(false) => {
            skip_rest(
                &mut tap,
                &INITIAL_TESTS,
                "not in the mount namespace of PID 1",
            );
            return tap.finish();
        }
        Err(why) => {
            tap.report(INITIAL_TESTS[0], Outcome::Fail(why));
            skip_rest(&mut tap, &INITIAL_TESTS[1..], "no pivot");
            return tap.finish();
        }
    }
    let dir = match ursys::make_temp_dir("/tmp/user_root_vm.XXXXXX") {
        Ok(dir) => dir,
        Err(e) => {
            tap.report(INITIAL_TESTS[0], Outcome::Fail(format!("mkdtemp: {e}")));
            skip_rest(&mut tap, &INITIAL_TESTS[1..], "no pivot");
            return tap.finish();
        }
    };
    let pivoted = pivot_initial_namespace(&mut tap, &facts, &dir);
    if pivoted {
        let moved = pid1_moved();
        tap.report(INITIAL_TESTS[1], Outcome::of(moved));
        let back = pivot_back(&facts, &dir);
        tap.report(INITIAL_TESTS[2], Outcome::of(back));
    } else {
        skip_rest(&mut tap, &INITIAL_TESTS[1..], "no pivot");
    }
    let _ = ursys::umount_detach(&dir);
    if let Err(e) = fs::remove_dir(&dir) {
        note(&format!("rmdir {}: {e}", dir.display()));
    }
    tap.finish()
}

/// Pivots into a new tmpfs on `dir`, the old root going to `dir`/old; reports the first test and
/// returns whether the system is now pivoted.
fn pivot_initial_namespace(tap: &mut Tap, facts: &RootFacts, dir: &Path) -> bool {
    let name = INITIAL_TESTS[0];
    let setup = ursys::mount_fs("user_root_vm", dir, "tmpfs")
        .ctx("mount tmpfs")
        .and_then(|()| fs::create_dir(dir.join("old")).ctx("mkdir old"));
    if let Err(why) = setup {
        tap.report(name, Outcome::Fail(why));
        return false;
    }
    match (ursys::pivot_root(dir, dir.join("old")), facts.kind) {
        (Err(e), Kind::Off) if ursys::is_errno(&e, errno::EINVAL) => {
            note("pivot_root: EINVAL, as on every stock initramfs root: it has no parent");
            tap.report(name, Outcome::Pass);
            false
        }
        (Ok(()), Kind::Off) => {
            let why = "pivot_root succeeded on a stock initramfs root".into();
            tap.report(name, Outcome::Fail(why));
            true
        }
        (Err(e), _) => {
            tap.report(name, Outcome::Fail(format!("pivot_root: {e}")));
            false
        }
        (Ok(()), _) => {
            tap.report(name, Outcome::Pass);
            true
        }
    }
}

/// PID 1 was rooted at the old root, so pivot_root(2) moved it to the new one.
fn pid1_moved() -> Result<Outcome, String> {
    let root = fs::metadata("/").ctx("stat /")?;
    let init_root = fs::metadata("/old/proc/1/root").ctx("stat /old/proc/1/root")?;
    ensure(
        (root.dev(), root.ino()) == (init_root.dev(), init_root.ino()),
        || "PID 1 did not move to the new root".into(),
    )?;
    Ok(Outcome::Pass)
}

/// Back: the old root returns to `/`, and the tmpfs goes under `dir` again.
fn pivot_back(facts: &RootFacts, dir: &Path) -> Result<Outcome, String> {
    let under_old = Path::new("/old").join(dir.strip_prefix("/").unwrap_or(dir));
    ursys::pivot_root("/old", &under_old).ctx("pivot_root back: the system stays pivoted")?;
    std::env::set_current_dir("/").ctx("chdir /")?;
    let now = root::root_mount()?;
    ensure(now == facts.root, || {
        format!("/ is now {now:?}, it was {:?}", facts.root)
    })?;
    let tmp = ursys::stat_fs(dir).ctx("statfs")?;
    ensure(tmp.magic() == ursys::TMPFS_MAGIC, || {
        format!("the tmpfs is not back on {}", dir.display())
    })?;
    Ok(Outcome::Pass)
}

// --- switch-root ------------------------------------------------------------------------------

const SWITCH_TESTS: [&str; 4] = [
    "pid1_pivot_root",
    "pid1_detach_old_root",
    "old_root_memory_returned",
    "new_root_on_null_root",
];

/// `Shmem` in kB, with every CPU's pending counter deltas folded in first: on SMP,
/// /proc/meminfo may otherwise lag by tens of kB per CPU, as much as 1 % of a small initramfs.
fn shmem_kib() -> Result<u64, String> {
    match fs::write("/proc/sys/vm/stat_refresh", "1") {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(format!("vm.stat_refresh: {e}"))
        }
        _ => {}
    }
    let text = fs::read_to_string("/proc/meminfo").ctx("/proc/meminfo")?;
    text.lines()
        .find_map(|l| {
            l.strip_prefix("Shmem:")?
                .trim()
                .strip_suffix(" kB")?
                .parse()
                .ok()
        })
        .ok_or_else(|| "no Shmem in /proc/meminfo".into())
}

/// What the first stage found before the switch, for the second.
struct Before {
    kind: Kind,
    /// How many mounts the old root was above the namespace root, and its parent mount.
    stacked: u32,
    parent: u32,
    /// Shmem, and the bytes used on the old root.
    shmem_kib: u64,
    old_used: u64,
}

impl Before {
    fn args(&self) -> [String; 5] {
        [
            self.kind.name().to_string(),
            self.stacked.to_string(),
            self.parent.to_string(),
            self.shmem_kib.to_string(),
            self.old_used.to_string(),
        ]
    }

    fn parse(args: &[String]) -> Option<Before> {
        let [kind, stacked, parent, shmem_kib, old_used] = args else {
            return None;
        };
        Some(Before {
            kind: Kind::parse(kind)?,
            stacked: stacked.parse().ok()?,
            parent: parent.parse().ok()?,
            shmem_kib: shmem_kib.parse().ok()?,
            old_used: old_used.parse().ok()?,
        })
    }
}

/// Where the new root is mounted: /newroot, made if it is missing.
fn new_root_dir() -> Result<PathBuf, String> {
    let dir = PathBuf::from("/newroot");
    match fs::create_dir(&dir) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
            Err(format!("mkdir {}: {e}", dir.display()))
        }
        _ => Ok(dir),
    }
}

/// Builds the new root, a tmpfs with this program as /init and devtmpfs on /dev, and moves the
/// console to it; returns what the second stage needs to know.
fn stage(facts: &RootFacts, dir: &Path) -> Result<Before, String> {
    let old_used = ursys::stat_fs("/").ctx("statfs /")?.used();
    ursys::mount_fs("newroot", dir, "tmpfs").ctx("mount the new root")?;
    for d in ["dev", "proc"] {
        fs::create_dir(dir.join(d)).ctx(d)?;
    }
    fs::copy("/proc/self/exe", dir.join("init")).ctx("copy this program into the new root")?;
    ursys::mount_fs("devtmpfs", dir.join("dev"), "devtmpfs").ctx("devtmpfs")?;
    // The console descriptors are on a node in the old root: reopen it from the new root, or
    // it stays pinned.
    let console = OpenOptions::new()
        .read(true)
        .write(true)
        .open(dir.join("dev/console"))
        .ctx("open the new root's /dev/console")?;
    sys::set_stdio(&console).ctx("dup2")?;
    let shmem_kib = shmem_kib()?;
    std::env::set_current_dir(dir).ctx("chdir to the new root")?;
    Ok(Before {
        kind: facts.kind,
        stacked: facts.stacked,
        parent: facts.root.parent,
        shmem_kib,
        old_used,
    })
}

/// PID 1, stage one: build a new root, pivot into it, detach the old root, re-exec from it.
fn switch_root() -> ! {
    let mut tap = Tap::start(SWITCH_TESTS.len());
    let facts = match root::detect() {
        Ok(facts) => facts,
        Err(why) => {
            let why = format!("cannot tell what the root is: {why}");
            tap.report(SWITCH_TESTS[0], Outcome::Fail(why));
            skip_rest(&mut tap, &SWITCH_TESTS[1..], "no pivot");
            restart(tap);
        }
    };
    note(&facts.describe());
    let before = match new_root_dir().and_then(|dir| stage(&facts, &dir)) {
        Ok(before) => before,
        Err(why) => {
            tap.report(SWITCH_TESTS[0], Outcome::Fail(why));
            skip_rest(&mut tap, &SWITCH_TESTS[1..], "no pivot");
            restart(tap);
        }
    };
    match (ursys::pivot_root(".", "."), facts.kind) {
        (Err(e), Kind::Off) if ursys::is_errno(&e, errno::EINVAL) => {
            note("PID 1: pivot_root(\".\", \".\") failed with EINVAL, which is what stock 6.12");
            note("returns on an initramfs root: rootfs has no parent to pivot under");
            tap.report(SWITCH_TESTS[0], Outcome::Pass);
            skip_rest(&mut tap, &SWITCH_TESTS[1..], "stock kernel: no pivot_root");
            restart(tap);
        }
        (Ok(()), Kind::Off) => {
            let why = "pivot_root succeeded on a stock initramfs root".into();
            tap.report(SWITCH_TESTS[0], Outcome::Fail(why));
        }
        (Err(e), _) => {
            tap.report(SWITCH_TESTS[0], Outcome::Fail(format!("pivot_root: {e}")));
            skip_rest(&mut tap, &SWITCH_TESTS[1..], "no pivot");
            restart(tap);
        }
        (Ok(()), _) => {
            note("PID 1: pivot_root(\".\", \".\") into a new tmpfs succeeded");
            tap.report(SWITCH_TESTS[0], Outcome::Pass);
        }
    }
    let detached = ursys::umount_detach(".").ctx("umount2(\".\", MNT_DETACH)");
    tap.report(
        SWITCH_TESTS[1],
        Outcome::of(detached.map(|()| Outcome::Pass)),
    );
    let err = Command::new("/init")
        .arg("switched")
        .arg(tap.state())
        .args(before.args())
        .exec();
    let why = format!("exec /init in the new root: {err}");
    tap.report(SWITCH_TESTS[2], Outcome::Fail(why));
    skip_rest(&mut tap, &SWITCH_TESTS[3..], "no second stage");
    restart(tap);
}

/// The old root's memory came back once nothing used it any more.
fn memory_returned(before: &Before) -> Result<Outcome, String> {
    if !before.kind.initramfs() {
        return Ok(Outcome::Skip("the old root was a disk, not memory".into()));
    }
    let held = before.old_used / 1024;
    let want = held * 99 / 100;
    let start = Instant::now();
    loop {
        let now = shmem_kib()?;
        let freed = before.shmem_kib.saturating_sub(now);
        let seconds = start.elapsed().as_secs_f64();
        note(&format!(
            "Shmem {} kB before, {now} kB after {seconds:.1} s:",
            before.shmem_kib
        ));
        note(&format!(
            "  {freed} kB freed of the {held} kB the initramfs held"
        ));
        if freed >= want {
            return Ok(Outcome::Pass);
        }
        if start.elapsed() > Duration::from_secs(5) {
            return Err(format!("only {freed} kB of {held} kB came back"));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The new root took the old root's place: directly on the null root when the old root was (an
/// initramfs, or a root that the kernel mounted), else on what the old root was mounted on (a
/// root that userspace switched to over the user_root tmpfs).
fn on_null_root(before: &Before) -> Result<Outcome, String> {
    if !before.kind.null_root() {
        return Ok(Outcome::Skip("stock kernel: no null root".into()));
    }
    let m = root::root_mount()?;
    note(&format!(
        "/ is mount {} (parent {}), {} from {}",
        m.id, m.parent, m.fstype, m.source
    ));
    ensure(m.source == "newroot", || "/ is not the new root".into())?;
    ensure(m.parent == before.parent, || {
        format!("the old root was on mount {}", before.parent)
    })?;
    let magic = ursys::stat_fs("/").ctx("statfs /")?.magic();
    ensure(magic == ursys::TMPFS_MAGIC, || {
        format!("statfs magic {magic:#x}")
    })?;
    let facts = root::detect()?;
    note(&facts.describe());
    ensure(facts.kind.null_root(), || "the null root is gone".into())?;
    ensure(facts.stacked == before.stacked, || {
        format!(
            "the old root was {} mount(s) above the null root",
            before.stacked
        )
    })?;
    Ok(Outcome::Pass)
}

/// PID 1, stage two, running from the new root:
/// `switched TAP-STATE KIND STACKED PARENT SHMEM-KIB OLD-USED`.
fn switched(args: &[String]) -> ! {
    let tap = args.first().and_then(|s| Tap::from_state(s));
    let before = args.get(1..).and_then(Before::parse);
    let (Some(mut tap), Some(before)) = (tap, before) else {
        // PID 1 must not exit: say so, and restart.
        println!("Bail out! switched: bad arguments {args:?}");
        sys::restart()
    };
    if let Err(e) = ursys::mount_fs("proc", "/proc", "proc") {
        note(&format!("mount /proc: {e}"));
    }
    tap.report(SWITCH_TESTS[2], Outcome::of(memory_returned(&before)));
    tap.report(SWITCH_TESTS[3], Outcome::of(on_null_root(&before)));
    restart(tap);
}

fn restart(tap: Tap) -> ! {
    note(&format!("user_root_vm: {} failed", tap.failed()));
    tap.finish();
    println!("# user_root: guest done");
    sys::restart()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rest = args.get(2..).unwrap_or(&[]);
    match args.get(1).map(String::as_str) {
        Some("initial-namespace") => {
            if rest != [VM_FLAG] {
                refuse(
                    "initial-namespace pivots the root of the whole system: \
                     give it --i-am-in-a-vm to confirm that this is a virtual machine",
                );
            }
            if ursys::euid() != 0 {
                refuse("initial-namespace must run as root");
            }
            std::process::exit(initial_namespace())
        }
        Some("switch-root" | "switched") if sys::pid() != 1 => {
            refuse("switch-root switches the root of the whole system: it only runs as PID 1")
        }
        Some("switch-root") if rest.is_empty() => switch_root(),
        Some("switch-root") => refuse("switch-root takes no arguments"),
        Some("switched") => switched(rest),
        _ => refuse("no such command"),
    }
}
