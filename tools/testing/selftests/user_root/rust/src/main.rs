// SPDX-License-Identifier: GPL-2.0
//! user_root selftests in Rust, printing TAP.
//!
//! * `user_root_rs`: a rootless container's pivot_root, and `initramfs_options=size=`.
//! * `user_root_rs switch-root`: run as PID 1 (exec'd by the guest's /init) to switch the whole
//!   system to a new root, detach the initramfs, and check that its memory came back; it
//!   re-executes itself from the new root as `switched` and restarts the machine at the end.
//!
//! `UR_EXPECT` says what the boot should look like, as for the C tests: `on`, `off`, `disk-on`
//! or `disk-off`.

mod sys;

use std::fs;
use std::io::{Error, ErrorKind, Result};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::time::{Duration, Instant};

/// Numbered TAP results; failures are counted so the exit status can reflect them.
struct Tap {
    next: usize,
    failed: usize,
}

impl Tap {
    fn start(plan: usize) -> Self {
        println!("TAP version 13");
        println!("1..{plan}");
        Self::resume(1)
    }

    fn resume(next: usize) -> Self {
        Self { next, failed: 0 }
    }

    fn report(&mut self, name: &str, outcome: Outcome) {
        let n = self.next;
        self.next += 1;
        match outcome {
            Ok(Some(note)) => println!("ok {n} {name} # SKIP {note}"),
            Ok(None) => println!("ok {n} {name}"),
            Err(why) => {
                self.failed += 1;
                for line in why.lines() {
                    println!("# {name}: {line}");
                }
                println!("not ok {n} {name}");
            }
        }
    }
}

/// `Ok(None)` passed, `Ok(Some(reason))` skipped, `Err(diagnostic)` failed.
type Outcome = std::result::Result<Option<String>, String>;

fn expect() -> String {
    std::env::var("UR_EXPECT").unwrap_or_else(|_| "on".into())
}

fn expect_einval_pivot() -> bool {
    expect() == "off"
}

fn ctx<T>(what: &str, r: Result<T>) -> std::result::Result<T, String> {
    r.map_err(|e| format!("{what}: {e}"))
}

fn ensure(cond: bool, msg: impl FnOnce() -> String) -> std::result::Result<(), String> {
    if cond {
        Ok(())
    } else {
        Err(msg())
    }
}

/// The pivot_root outcome this boot expects: success, or EINVAL on the stock initramfs root.
fn check_pivot(r: Result<()>) -> std::result::Result<bool, String> {
    match r {
        Ok(()) if !expect_einval_pivot() => Ok(true),
        Err(e) if expect_einval_pivot() && e.raw_os_error() == Some(22) => Ok(false),
        other => Err(format!(
            "pivot_root: got {other:?} with UR_EXPECT={}",
            expect()
        )),
    }
}

/// An unprivileged user in new user and mount namespaces pivots into a fresh tmpfs and
/// detaches the old root: what a rootless container runtime does.
fn rootless_pivot_root() -> Outcome {
    let dir = "/tmp/ur_rootless";
    let _ = fs::create_dir(dir);
    ctx(
        "chmod",
        fs::set_permissions(dir, fs::Permissions::from_mode(0o777)),
    )?;
    let status = ctx(
        "fork",
        sys::run_forked(|| match rootless_child(dir) {
            Ok(()) => 0,
            Err(why) => {
                println!("# rootless_pivot_root: {why}");
                1
            }
        }),
    )?;
    ensure(status == 0, || {
        format!("the rootless child failed (wait status {status:#x})")
    })?;
    Ok(None)
}

fn rootless_child(dir: &str) -> std::result::Result<(), String> {
    const NOBODY: u32 = 65534;
    ctx("drop privileges", sys::become_user(NOBODY))?;
    ctx(
        "unshare",
        sys::unshare_ns(sys::CLONE_NEWUSER | sys::CLONE_NEWNS),
    )?;
    ctx("setgroups", fs::write("/proc/self/setgroups", "deny"))?;
    ctx(
        "uid_map",
        fs::write("/proc/self/uid_map", format!("0 {NOBODY} 1")),
    )?;
    ctx(
        "gid_map",
        fs::write("/proc/self/gid_map", format!("0 {NOBODY} 1")),
    )?;
    ctx("make private", sys::make_private())?;
    ctx("mount tmpfs", sys::mount_fs("rootless", dir, "tmpfs", None))?;
    ctx("marker", fs::create_dir(format!("{dir}/container-marker")))?;
    ctx("chdir", std::env::set_current_dir(dir))?;
    if !check_pivot(sys::pivot_root(".", "."))? {
        return Ok(());
    }
    ctx("detach old root", sys::umount_detach("."))?;
    ctx("chdir /", std::env::set_current_dir("/"))?;
    ensure(fs::metadata("/container-marker").is_ok(), || {
        "not in the new root".into()
    })?;
    ensure(fs::metadata("/tmp").is_err(), || {
        "old root still visible".into()
    })?;
    Ok(())
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
fn initramfs_options_size() -> Outcome {
    let cmdline = ctx("cmdline", fs::read_to_string("/proc/cmdline"))?;
    let Some(options) = cmdline
        .split_whitespace()
        .find_map(|w| w.strip_prefix("initramfs_options="))
    else {
        return Ok(Some("no initramfs_options= on the command line".into()));
    };
    if expect().starts_with("disk") {
        return Ok(Some("the root is a disk".into()));
    }
    let Some(want) = options
        .split(',')
        .find_map(|o| o.strip_prefix("size="))
        .and_then(parse_size)
    else {
        return Ok(Some(format!("no valid size= in {options}")));
    };
    let got = ctx("statfs /", sys::stat_fs("/"))?.size();
    ensure(got == want, || {
        format!("/ is {got} bytes, initramfs_options asked for {want}")
    })?;
    Ok(None)
}

fn meminfo_kib(field: &str) -> Result<u64> {
    // Fold every CPU's pending counter deltas in first: on SMP, /proc/meminfo may otherwise lag
    // by tens of kB per CPU, as much as 1 % of a small initramfs.
    fs::write("/proc/sys/vm/stat_refresh", "1")?;
    let text = fs::read_to_string("/proc/meminfo")?;
    text.lines()
        .find_map(|l| {
            l.strip_prefix(field)?
                .strip_prefix(':')?
                .trim()
                .strip_suffix(" kB")?
                .parse()
                .ok()
        })
        .ok_or_else(|| Error::new(ErrorKind::NotFound, format!("{field} not in /proc/meminfo")))
}

/// The `/` line of /proc/self/mountinfo: (mount id, parent id, source).
fn root_mount() -> Result<(u32, u32, String)> {
    let text = fs::read_to_string("/proc/self/mountinfo")?;
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let sep = f.iter().position(|x| *x == "-")?;
            (f.get(4) == Some(&"/")).then(|| {
                Some((
                    f[0].parse().ok()?,
                    f[1].parse().ok()?,
                    f.get(sep + 2)?.to_string(),
                ))
            })?
        })
        .last()
        .ok_or_else(|| Error::new(ErrorKind::NotFound, "no / in mountinfo"))
}

const SWITCH_PLAN: usize = 4;

/// PID 1, stage one: build a new root, pivot into it, detach the initramfs, re-exec from it.
fn switch_root() -> ! {
    let mut tap = Tap::start(SWITCH_PLAN);
    let staged = (|| -> std::result::Result<(u64, u64), String> {
        let old_used = ctx("statfs /", sys::stat_fs("/"))?.used();
        let _ = fs::create_dir("/newroot");
        ctx(
            "mount new root",
            sys::mount_fs("newroot", "/newroot", "tmpfs", None),
        )?;
        for d in ["/newroot/dev", "/newroot/proc"] {
            ctx(d, fs::create_dir(d))?;
        }
        ctx("copy self", fs::copy("/proc/self/exe", "/newroot/init"))?;
        ctx(
            "devtmpfs",
            sys::mount_fs("devtmpfs", "/newroot/dev", "devtmpfs", None),
        )?;
        // Our console is a node in the initramfs: reopen it from the new root, or it pins the old.
        ctx("console", reopen_console("/newroot/dev/console"))?;
        let shmem = ctx("meminfo", meminfo_kib("Shmem"))?;
        ctx("chdir", std::env::set_current_dir("/newroot"))?;
        Ok((shmem, old_used))
    })();
    let (shmem_before, old_used) = match staged {
        Ok(v) => v,
        Err(why) => {
            tap.report("pid1_pivot_root", Err(why));
            restart(tap);
        }
    };
    let pivoted = sys::pivot_root(".", ".");
    match &pivoted {
        Ok(()) => println!("# PID 1: pivot_root(\".\", \".\") into a new tmpfs succeeded"),
        Err(e) => println!("# PID 1: pivot_root(\".\", \".\") failed: {e}"),
    }
    match check_pivot(pivoted) {
        Ok(true) => tap.report("pid1_pivot_root", Ok(None)),
        Ok(false) => {
            println!("# (EINVAL is what stock 6.12 returns: the root mount has no parent)");
            tap.report("pid1_pivot_root", Ok(None));
            for name in [
                "pid1_detach_old_root",
                "old_root_memory_returned",
                "new_root_on_null_root",
            ] {
                tap.report(name, Ok(Some("stock kernel: no pivot_root".into())));
            }
            restart(tap);
        }
        Err(why) => {
            tap.report("pid1_pivot_root", Err(why));
            restart(tap);
        }
    }
    let detached = sys::umount_detach(".");
    tap.report(
        "pid1_detach_old_root",
        ctx("umount2(MNT_DETACH)", detached).map(|()| None),
    );
    let err = Command::new("/init")
        .args([
            "switched",
            &tap.next.to_string(),
            &shmem_before.to_string(),
            &old_used.to_string(),
        ])
        .exec();
    tap.report(
        "old_root_memory_returned",
        Err(format!("exec /init in the new root: {err}")),
    );
    restart(tap);
}

fn reopen_console(path: &str) -> Result<()> {
    use std::os::fd::AsRawFd;
    extern "C" {
        fn dup2(old: i32, new: i32) -> i32;
    }
    let console = fs::OpenOptions::new().read(true).write(true).open(path)?;
    for fd in 0..3 {
        // SAFETY: `console` is an open descriptor; replacing 0-2 is what this function is for.
        if unsafe { dup2(console.as_raw_fd(), fd) } < 0 {
            return Err(Error::last_os_error());
        }
    }
    Ok(())
}

/// PID 1, stage two, running from the new root.
fn switched(next: usize, shmem_before: u64, old_used: u64) -> ! {
    let mut tap = Tap::resume(next);
    let _ = sys::mount_fs("proc", "/proc", "proc", None);
    let memory = (|| -> Outcome {
        let want_kib = old_used / 1024 * 99 / 100;
        let start = Instant::now();
        loop {
            let now = ctx("meminfo", meminfo_kib("Shmem"))?;
            let freed = shmem_before.saturating_sub(now);
            let seconds = start.elapsed().as_secs_f64();
            let held = old_used / 1024;
            println!("# Shmem {shmem_before} kB before, {now} kB after {seconds:.1} s:");
            println!("#   {freed} kB freed of the {held} kB the initramfs held");
            if freed >= want_kib {
                return Ok(None);
            }
            if start.elapsed() > Duration::from_secs(5) {
                return Err(format!(
                    "only {freed} kB of {} kB came back",
                    old_used / 1024
                ));
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    })();
    tap.report("old_root_memory_returned", memory);
    let placed = (|| -> Outcome {
        let (id, parent, source) = ctx("mountinfo", root_mount())?;
        println!("# / is mount {id} (parent {parent}) from {source}");
        ensure(source == "newroot" && parent == 1, || {
            "the new root is not on the null root".into()
        })?;
        let magic = ctx("statfs /", sys::stat_fs("/"))?.f_type;
        ensure(magic == sys::TMPFS_MAGIC, || {
            format!("statfs magic {magic:#x}")
        })?;
        Ok(None)
    })();
    tap.report("new_root_on_null_root", placed);
    restart(tap);
}

fn restart(tap: Tap) -> ! {
    println!("# user_root_rs: {} failed", tap.failed);
    println!("# user_root: guest done");
    sys::restart()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("switch-root") => switch_root(),
        Some("switched") => {
            let n = |i: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(0);
            switched(n(2) as usize, n(3), n(4))
        }
        _ => {
            let mut tap = Tap::start(2);
            tap.report("rootless_pivot_root", rootless_pivot_root());
            tap.report("initramfs_options_size", initramfs_options_size());
            std::process::exit(i32::from(tap.failed > 0));
        }
    }
}
