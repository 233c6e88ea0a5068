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
//! expected outcome there. Where it cannot be found out (see the selftests' `root.rs`), the tests
//! say why and skip.

mod sys;

use std::collections::HashSet;
use std::fs::{self, OpenOptions};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use user_root_selftest::root::{self, InitramfsFs, Kind, RootFacts};
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
            skip_rest(&mut tap, &INITIAL_TESTS, &why);
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

/// Where /proc/meminfo shows the memory of the file system the initramfs was unpacked into.
///
/// tmpfs pages are swap-backed: they count in `Shmem` (`NR_SHMEM`, added in
/// `shmem_add_to_page_cache()`). ramfs pages are ordinary page cache that is never written back
/// (`mapping_set_unevictable()` in fs/ramfs/inode.c): they count in `Cached` (`NR_FILE_PAGES`)
/// but not in `Shmem`, since `filemap_unaccount_folio()` only moves `NR_SHMEM` for
/// swap-backed folios. So ramfs shows as `Cached` - `Shmem`, which nothing else in the guest
/// uses: the new root and devtmpfs are tmpfs, and the disk (if any) is not mounted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Counter {
    Shmem,
    CachedNotShmem,
}

impl Counter {
    fn for_fs(fs: InitramfsFs) -> Counter {
        match fs {
            InitramfsFs::Tmpfs => Counter::Shmem,
            InitramfsFs::Ramfs => Counter::CachedNotShmem,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Counter::Shmem => "Shmem",
            Counter::CachedNotShmem => "Cached-Shmem",
        }
    }

    fn parse(name: &str) -> Option<Counter> {
        [Counter::Shmem, Counter::CachedNotShmem]
            .into_iter()
            .find(|c| c.name() == name)
    }

    /// The counter now, in kB, with every CPU's pending counter deltas folded in first: on SMP,
    /// /proc/meminfo may otherwise lag by tens of kB per CPU, as much as 1 % of a small
    /// initramfs.
    fn kib(self) -> Result<u64, String> {
        match fs::write("/proc/sys/vm/stat_refresh", "1") {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(format!("vm.stat_refresh: {e}"))
            }
            _ => {}
        }
        let text = fs::read_to_string("/proc/meminfo").ctx("/proc/meminfo")?;
        let shmem = meminfo_kib(&text, "Shmem")?;
        Ok(match self {
            Counter::Shmem => shmem,
            Counter::CachedNotShmem => meminfo_kib(&text, "Cached")?.saturating_sub(shmem),
        })
    }
}

/// A field of /proc/meminfo, in kB.
fn meminfo_kib(text: &str, field: &str) -> Result<u64, String> {
    text.lines()
        .find_map(|l| {
            l.strip_prefix(field)?
                .strip_prefix(':')?
                .trim()
                .strip_suffix(" kB")?
                .parse()
                .ok()
        })
        .ok_or_else(|| format!("no {field} in /proc/meminfo"))
}

/// The memory that the files of the file system at `root` hold, in kB, with `bytes` giving what
/// one regular file or symlink holds; directories count as nothing. Hard links count once; other
/// mounts are not entered.
fn held_by_files_kib(root: &Path, bytes: impl Fn(&fs::Metadata) -> u64) -> Result<u64, String> {
    let dev = fs::symlink_metadata(root).ctx("stat /")?.dev();
    let mut seen = HashSet::new();
    let mut dirs = vec![root.to_path_buf()];
    let mut total = 0;
    while let Some(dir) = dirs.pop() {
        let entries = fs::read_dir(&dir).ctx(&format!("{}", dir.display()))?;
        for entry in entries {
            let path = entry.ctx(&format!("{}", dir.display()))?.path();
            let st = fs::symlink_metadata(&path).ctx(&format!("{}", path.display()))?;
            if st.dev() != dev || !seen.insert(st.ino()) {
                continue;
            }
            if st.is_dir() {
                dirs.push(path);
            } else if st.is_file() || st.file_type().is_symlink() {
                total += bytes(&st);
            }
        }
    }
    Ok(total / 1024)
}

/// On a ramfs: ramfs keeps no block counts (`statfs()` and `st_blocks` say 0), so each file
/// counts as its size rounded up to whole pages (`page_symlink()` puts a symlink's target in a
/// page of its own).
fn ramfs_file_bytes(st: &fs::Metadata, page: u64) -> u64 {
    st.len().div_ceil(page) * page
}

/// The memory that the initramfs at `/` holds, in kB, and the counter that shows it; `None`
/// if `/` is neither a tmpfs nor a ramfs.
///
/// A tmpfs with a size limit counts its blocks in use, in `statfs()`; one without (`size=0`,
/// as user_root mounts it where rootfs would be a ramfs) reports no blocks at all there, but
/// still counts each file's pages in `st_blocks`.
fn initramfs_memory() -> Result<Option<(Counter, u64)>, String> {
    let sfs = ursys::stat_fs("/").ctx("statfs /")?;
    let Some(fs) = InitramfsFs::of_magic(sfs.magic()) else {
        return Ok(None);
    };
    let root = Path::new("/");
    let (held, how) = match fs {
        InitramfsFs::Tmpfs if sfs.f_blocks > 0 => (sfs.used() / 1024, "statfs"),
        InitramfsFs::Tmpfs => (
            held_by_files_kib(root, |st| st.blocks() * 512)?,
            "its files' blocks",
        ),
        InitramfsFs::Ramfs => {
            let page = sys::page_size();
            let held = held_by_files_kib(root, |st| ramfs_file_bytes(st, page))?;
            (held, "its files' sizes in pages")
        }
    };
    note(&format!(
        "the initramfs, a {}, holds {held} kB ({how})",
        fs.name()
    ));
    Ok(Some((Counter::for_fs(fs), held)))
}

/// What the first stage found before the switch, for the second.
struct Before {
    kind: Kind,
    /// How many mounts the old root was above the namespace root, and its parent mount.
    stacked: u32,
    parent: u32,
    /// The counter that shows the old root's memory, its value, and what the old root held, in
    /// kB; `None` if the old root was not in memory.
    memory: Option<(Counter, u64, u64)>,
}

impl Before {
    fn args(&self) -> [String; 6] {
        let (counter, value, held) = match self.memory {
            Some((counter, value, held)) => (counter.name(), value, held),
            None => ("none", 0, 0),
        };
        [
            self.kind.name().to_string(),
            self.stacked.to_string(),
            self.parent.to_string(),
            counter.to_string(),
            value.to_string(),
            held.to_string(),
        ]
    }

    fn parse(args: &[String]) -> Option<Before> {
        let [kind, stacked, parent, counter, value, held] = args else {
            return None;
        };
        let memory = match counter.as_str() {
            "none" => None,
            name => Some((
                Counter::parse(name)?,
                value.parse().ok()?,
                held.parse().ok()?,
            )),
        };
        Some(Before {
            kind: Kind::parse(kind)?,
            stacked: stacked.parse().ok()?,
            parent: parent.parse().ok()?,
            memory,
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
    let held = initramfs_memory()?;
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
    // Last, once the new root holds all it will: what changes from now on is the old root.
    let memory = match held {
        Some((counter, held)) => Some((counter, counter.kib()?, held)),
        None => None,
    };
    std::env::set_current_dir(dir).ctx("chdir to the new root")?;
    Ok(Before {
        kind: facts.kind,
        stacked: facts.stacked,
        parent: facts.root.parent,
        memory,
    })
}

/// PID 1, stage one: build a new root, pivot into it, detach the old root, re-exec from it.
fn switch_root() -> ! {
    let mut tap = Tap::start(SWITCH_TESTS.len());
    let facts = match root::detect() {
        Ok(facts) => facts,
        Err(why) => {
            let why = format!("cannot tell what the root is: {why}");
            skip_rest(&mut tap, &SWITCH_TESTS, &why);
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
    let Some((counter, was, held)) = before.memory else {
        return Err("the old root was the initramfs, but neither a tmpfs nor a ramfs".into());
    };
    ensure(held > 0, || {
        "the initramfs held nothing: nothing to measure".into()
    })?;
    let want = held * 99 / 100;
    let start = Instant::now();
    loop {
        let now = counter.kib()?;
        let freed = was.saturating_sub(now);
        let seconds = start.elapsed().as_secs_f64();
        let name = counter.name();
        note(&format!(
            "{name} {was} kB before, {now} kB after {seconds:.1} s:"
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

/// The old root's memory stayed, as the kernel reported when a kernel thread kept a copy of
/// the user root (`UR_KEPT=1`: the fault-injection cells of the boot matrix): for as long as
/// [`memory_returned`] would wait for it to come back.
fn memory_kept(before: &Before) -> Result<Outcome, String> {
    let Some((counter, was, held)) = before.memory else {
        return Err("the old root was not in memory".into());
    };
    let start = Instant::now();
    loop {
        let now = counter.kib()?;
        let freed = was.saturating_sub(now);
        let seconds = start.elapsed().as_secs_f64();
        note(&format!(
            "{} {was} kB before, {now} kB after {seconds:.1} s: {freed} kB freed of {held} kB",
            counter.name()
        ));
        ensure(freed < held / 2, || {
            format!(
                "{freed} kB of {held} kB came back, though the kernel kept a copy of the old root"
            )
        })?;
        if start.elapsed() > Duration::from_secs(5) {
            return Ok(Outcome::Pass);
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
/// `switched TAP-STATE KIND STACKED PARENT COUNTER COUNTER-KIB HELD-KIB`.
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
    if std::env::var("UR_KEPT").is_ok_and(|v| v == "1") {
        tap.report("old_root_memory_kept", Outcome::of(memory_kept(&before)));
    } else {
        tap.report(SWITCH_TESTS[2], Outcome::of(memory_returned(&before)));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_meminfo() {
        let text = "MemTotal:         500000 kB\nCached:            30000 kB\n\
                    SwapCached:            0 kB\nShmem:             20000 kB\n";
        assert_eq!(meminfo_kib(text, "Cached"), Ok(30000));
        assert_eq!(meminfo_kib(text, "Shmem"), Ok(20000));
        assert!(meminfo_kib(text, "Buffers").is_err());
    }

    #[test]
    fn before_round_trips() {
        for memory in [
            None,
            Some((Counter::Shmem, 25100, 23428)),
            Some((Counter::CachedNotShmem, 40000, 16448)),
        ] {
            let before = Before {
                kind: Kind::On,
                stacked: 1,
                parent: 1,
                memory,
            };
            let back = Before::parse(&before.args()).unwrap();
            assert_eq!((back.kind, back.stacked, back.parent), (Kind::On, 1, 1));
            assert_eq!(back.memory, memory);
        }
        assert!(Before::parse(&["on".into(), "1".into()]).is_none());
    }

    #[test]
    fn counters_for_file_systems() {
        assert_eq!(Counter::for_fs(InitramfsFs::Tmpfs), Counter::Shmem);
        assert_eq!(Counter::for_fs(InitramfsFs::Ramfs), Counter::CachedNotShmem);
        for c in [Counter::Shmem, Counter::CachedNotShmem] {
            assert_eq!(Counter::parse(c.name()), Some(c));
        }
    }

    #[test]
    fn counts_ramfs_files_in_whole_pages() {
        let dir = ursys::make_temp_dir("/tmp/user_root_vm_test.XXXXXX").unwrap();
        let page = 4096;
        fs::write(dir.join("one-byte"), "x").unwrap();
        fs::write(dir.join("two-pages"), vec![0u8; 4097]).unwrap();
        fs::write(dir.join("empty"), "").unwrap();
        fs::hard_link(dir.join("two-pages"), dir.join("same-inode")).unwrap();
        fs::create_dir(dir.join("sub")).unwrap();
        fs::write(dir.join("sub/page"), vec![0u8; 4096]).unwrap();
        std::os::unix::fs::symlink("/a/target", dir.join("sub/link")).unwrap();
        let held = held_by_files_kib(&dir, |st| ramfs_file_bytes(st, page));
        let blocks = held_by_files_kib(&dir, |st| st.blocks() * 512);
        fs::remove_dir_all(&dir).unwrap();
        // 1 + 2 + 0 pages, the hard link not again, 1 page in sub/ and 1 for the symlink.
        assert_eq!(held, Ok(5 * 4));
        // What st_blocks says depends on the file system /tmp is on.
        assert!(blocks.is_ok());
    }
}
