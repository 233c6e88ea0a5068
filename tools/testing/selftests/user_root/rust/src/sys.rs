// SPDX-License-Identifier: GPL-2.0
//! All the foreign functions, system call numbers, constants and C structures the user_root test
//! programs use, wrapped as safe functions.
//!
//! Only 64-bit Linux on x86_64, aarch64 and riscv64 is supported; the constants that differ
//! between them are chosen by `cfg(target_arch)`.

use std::ffi::{c_char, c_int, c_long, c_ulong, c_void, CString};
use std::fs::File;
use std::io::{Error, Read, Result, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::path::{Path, PathBuf};

#[cfg(not(all(
    target_os = "linux",
    any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "riscv64"
    )
)))]
compile_error!("the user_root tests know the ABI of Linux on x86_64, aarch64 and riscv64 only");

extern "C" {
    fn syscall(number: c_long, ...) -> c_long;
    fn mount(
        source: *const c_char,
        target: *const c_char,
        fstype: *const c_char,
        flags: c_ulong,
        data: *const c_void,
    ) -> c_int;
    fn umount2(target: *const c_char, flags: c_int) -> c_int;
    fn unshare(flags: c_int) -> c_int;
    fn setns(fd: c_int, nstype: c_int) -> c_int;
    fn statfs(path: *const c_char, buf: *mut StatFs) -> c_int;
    fn openat(dirfd: c_int, path: *const c_char, flags: c_int, ...) -> c_int;
    fn mkdtemp(template: *mut c_char) -> *mut c_char;
    fn pipe2(fds: *mut c_int, flags: c_int) -> c_int;
    fn geteuid() -> u32;
    fn setresuid(r: u32, e: u32, s: u32) -> c_int;
    fn setresgid(r: u32, e: u32, s: u32) -> c_int;
    fn setgroups(n: usize, list: *const u32) -> c_int;
    fn fork() -> c_int;
    fn prctl(option: c_int, arg: c_ulong, ...) -> c_int;
    fn waitpid(pid: c_int, status: *mut c_int, options: c_int) -> c_int;
    fn _exit(code: c_int) -> !;
    fn klogctl(kind: c_int, buf: *mut c_char, len: c_int) -> c_int;
}

/// `pivot_root(2)`, which the C library does not wrap. x86_64 has its own numbers; aarch64 and
/// riscv64 use the asm-generic ones.
#[cfg(target_arch = "x86_64")]
const SYS_PIVOT_ROOT: c_long = 155;
#[cfg(any(target_arch = "aarch64", target_arch = "riscv64"))]
const SYS_PIVOT_ROOT: c_long = 41;

pub const CLONE_NEWNS: c_int = 0x0002_0000;
pub const CLONE_NEWUSER: c_int = 0x1000_0000;
const MS_REC: c_ulong = 0x4000;
const MS_PRIVATE: c_ulong = 1 << 18;
const MNT_DETACH: c_int = 2;
const O_RDONLY: c_int = 0;
const O_CLOEXEC: c_int = 0o2_000_000;
const PR_SET_DUMPABLE: c_int = 4;
/// `O_NONBLOCK`, the asm-generic value, which x86_64 shares.
pub const O_NONBLOCK: c_int = 0o4000;
/// `syslog(2)` actions.
const SYSLOG_ACTION_READ_ALL: c_int = 3;
const SYSLOG_ACTION_SIZE_BUFFER: c_int = 10;

/// File system magic numbers (`include/uapi/linux/magic.h`).
pub const TMPFS_MAGIC: i64 = 0x0102_1994;
pub const RAMFS_MAGIC: i64 = 0x8584_58f6;
pub const NULL_FS_MAGIC: i64 = 0x4E55_4C4C;

/// The errno values the tests look for; the same on all three architectures
/// (`include/uapi/asm-generic/errno-base.h`).
pub mod errno {
    pub const EPERM: i32 = 1;
    pub const EINVAL: i32 = 22;
    pub const ENOSPC: i32 = 28;
    pub const EROFS: i32 = 30;
    pub const EPIPE: i32 = 32;
}

/// `struct statfs` as the C library's `statfs()` fills it.
///
/// On 64-bit Linux every word of it is a `long`: x86_64 (`arch/x86/include/uapi/asm/statfs.h`)
/// and arm64 include the asm-generic layout with `__statfs_word` as `__kernel_long_t`, and
/// riscv64 uses the asm-generic one directly (`include/uapi/asm-generic/statfs.h`); glibc's
/// `struct statfs` matches it on all three. What x86 changes is only the packing of the 32-bit
/// compat `statfs64`. So one layout, 120 bytes, checked below.
#[repr(C)]
#[derive(Default, Debug, Clone, Copy)]
pub struct StatFs {
    pub f_type: c_long,
    pub f_bsize: c_long,
    pub f_blocks: c_ulong,
    pub f_bfree: c_ulong,
    pub f_bavail: c_ulong,
    pub f_files: c_ulong,
    pub f_ffree: c_ulong,
    pub f_fsid: [c_int; 2],
    pub f_namelen: c_long,
    pub f_frsize: c_long,
    pub f_flags: c_long,
    pub f_spare: [c_long; 4],
}

const _: () = assert!(std::mem::size_of::<StatFs>() == 120);

impl StatFs {
    /// The file system magic number.
    pub fn magic(&self) -> i64 {
        self.f_type
    }
    /// Bytes in use.
    pub fn used(&self) -> u64 {
        (self.f_blocks - self.f_bfree) * self.f_bsize as u64
    }
    /// Size of the file system.
    pub fn size(&self) -> u64 {
        self.f_blocks * self.f_bsize as u64
    }
}

fn cstr(path: impl AsRef<Path>) -> CString {
    use std::os::unix::ffi::OsStrExt;
    CString::new(path.as_ref().as_os_str().as_bytes()).expect("path with NUL")
}

fn check(ret: c_long) -> Result<()> {
    if ret == -1 {
        Err(Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Whether `e` is the error `errno`.
pub fn is_errno(e: &Error, errno: i32) -> bool {
    e.raw_os_error() == Some(errno)
}

pub fn pivot_root(new_root: impl AsRef<Path>, put_old: impl AsRef<Path>) -> Result<()> {
    let (new_root, put_old) = (cstr(new_root), cstr(put_old));
    // SAFETY: both arguments are NUL-terminated strings that outlive the call.
    check(unsafe { syscall(SYS_PIVOT_ROOT, new_root.as_ptr(), put_old.as_ptr()) })
}

/// Mounts a new instance of `fstype` from `source` on `target`.
pub fn mount_fs(source: &str, target: impl AsRef<Path>, fstype: &str) -> Result<()> {
    let (source, target, fstype) = (cstr(source), cstr(target), cstr(fstype));
    // SAFETY: the strings are NUL-terminated and outlive the call; no data.
    check(
        unsafe {
            mount(
                source.as_ptr(),
                target.as_ptr(),
                fstype.as_ptr(),
                0,
                std::ptr::null(),
            )
        }
        .into(),
    )
}

/// Makes every mount in this namespace private, so that nothing propagates out.
pub fn make_private() -> Result<()> {
    let root = cstr("/");
    // SAFETY: null source and type are allowed for a propagation change; "/" is NUL-terminated.
    check(
        unsafe {
            mount(
                std::ptr::null(),
                root.as_ptr(),
                std::ptr::null(),
                MS_REC | MS_PRIVATE,
                std::ptr::null(),
            )
        }
        .into(),
    )
}

/// `umount2(target, MNT_DETACH)`.
pub fn umount_detach(target: impl AsRef<Path>) -> Result<()> {
    let target = cstr(target);
    // SAFETY: NUL-terminated string.
    check(unsafe { umount2(target.as_ptr(), MNT_DETACH) }.into())
}

pub fn unshare_ns(flags: c_int) -> Result<()> {
    // SAFETY: no pointers involved.
    check(unsafe { unshare(flags) }.into())
}

/// Enters the namespace that `ns` (a /proc/PID/ns file) names.
pub fn set_ns(ns: &File, nstype: c_int) -> Result<()> {
    // SAFETY: `ns` is an open descriptor for the duration of the call.
    check(unsafe { setns(ns.as_raw_fd(), nstype) }.into())
}

pub fn stat_fs(path: impl AsRef<Path>) -> Result<StatFs> {
    let path = cstr(path);
    let mut buf = StatFs::default();
    // SAFETY: `buf` is a valid, writable `struct statfs` (layout checked above).
    check(unsafe { statfs(path.as_ptr(), &mut buf) }.into())?;
    Ok(buf)
}

/// Opens `path` relative to the directory `dir`, for reading: it still works when `dir` is no
/// longer reachable by any path.
pub fn open_at(dir: &File, path: impl AsRef<Path>) -> Result<File> {
    let path = cstr(path);
    // SAFETY: `dir` is open and `path` is NUL-terminated; the flags need no mode argument.
    let fd = unsafe { openat(dir.as_raw_fd(), path.as_ptr(), O_RDONLY | O_CLOEXEC) };
    check(fd.into())?;
    // SAFETY: `fd` was just opened and is owned by nobody else.
    Ok(unsafe { File::from_raw_fd(fd) })
}

/// Creates a new directory from `template`, which ends in "XXXXXX".
pub fn make_temp_dir(template: &str) -> Result<PathBuf> {
    let mut buf = cstr(template).into_bytes_with_nul();
    // SAFETY: `buf` is a writable NUL-terminated string, which mkdtemp() changes in place.
    if unsafe { mkdtemp(buf.as_mut_ptr().cast()) }.is_null() {
        return Err(Error::last_os_error());
    }
    buf.pop();
    Ok(PathBuf::from(
        String::from_utf8(buf).expect("the template was UTF-8"),
    ))
}

pub fn euid() -> u32 {
    // SAFETY: no arguments; cannot fail.
    unsafe { geteuid() }
}

/// Drops to an unprivileged user and group, staying dumpable so that the process can still
/// write its own /proc/self/{uid,gid}_map.
pub fn become_user(id: u32) -> Result<()> {
    // SAFETY: no pointers except an empty group list.
    unsafe {
        check(setgroups(0, std::ptr::null()).into())?;
        check(setresgid(id, id, id).into())?;
        check(setresuid(id, id, id).into())?;
        check(prctl(PR_SET_DUMPABLE, 1).into())
    }
}

/// Runs `child` in a forked process, whose namespaces and credentials it may change freely,
/// and returns what it returned, with its wait status.
///
/// The caller must be single-threaded, as these test programs are.
pub fn in_child(child: impl FnOnce() -> String) -> Result<(String, i32)> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors.
    check(unsafe { pipe2(fds.as_mut_ptr(), O_CLOEXEC) }.into())?;
    // SAFETY: both descriptors were just created and are owned by nobody else.
    let (mut rx, tx) = unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) };
    std::io::stdout().flush()?;
    // SAFETY: the process is single-threaded, so the child may run arbitrary code.
    match unsafe { fork() } {
        -1 => Err(Error::last_os_error()),
        0 => {
            drop(rx);
            let code = i32::from((&tx).write_all(child().as_bytes()).is_err());
            let _ = std::io::stdout().flush();
            // SAFETY: ends the child without running the parent's exit handlers twice.
            unsafe { _exit(code) }
        }
        pid => {
            drop(tx);
            let mut text = String::new();
            let read = rx.read_to_string(&mut text);
            let mut status = 0;
            // SAFETY: `status` is valid for writes.
            check(unsafe { waitpid(pid, &mut status, 0) }.into())?;
            read?;
            Ok((text, status))
        }
    }
}

/// What the kernel log buffer holds, with `syslog(SYSLOG_ACTION_READ_ALL)`: one message per
/// line, each with its "<PRIO>[TIME] " prefix. Needs `CAP_SYSLOG` unless `dmesg_restrict` is 0.
pub fn read_kernel_log() -> Result<String> {
    // SAFETY: no buffer is passed for this action.
    let size = unsafe { klogctl(SYSLOG_ACTION_SIZE_BUFFER, std::ptr::null_mut(), 0) };
    check(size.into())?;
    let mut buf = vec![0u8; usize::try_from(size).unwrap_or(0).max(1)];
    let len = c_int::try_from(buf.len()).unwrap_or(c_int::MAX);
    // SAFETY: `buf` is writable for `len` bytes.
    let n = unsafe { klogctl(SYSLOG_ACTION_READ_ALL, buf.as_mut_ptr().cast(), len) };
    check(n.into())?;
    buf.truncate(usize::try_from(n).unwrap_or(0));
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

pub mod kmsg {
    //! Looking for a message in the kernel log: from /dev/kmsg when there is one, else with
    //! `syslog(2)`, since a minimal initramfs may have no /dev.

    use crate::sys;
    use std::fs::OpenOptions;
    use std::io::{ErrorKind, Read};
    use std::os::unix::fs::OpenOptionsExt;

    /// The first message of the kernel log that contains `needle`, if any. Reads what the log still
    /// holds, without waiting for more.
    pub fn find(needle: &str) -> Result<Option<String>, String> {
        let messages = match read_kmsg() {
            Ok(messages) => messages,
            Err(kmsg) => sys::read_kernel_log().map_err(|e| format!("{kmsg}; syslog(2): {e}"))?,
        };
        Ok(first_match(&messages, needle))
    }

    fn first_match(messages: &str, needle: &str) -> Option<String> {
        messages
            .lines()
            .find(|l| l.contains(needle))
            .map(|l| l.trim().to_string())
    }

    /// The messages of /dev/kmsg, one record per line, without their prefixes.
    fn read_kmsg() -> Result<String, String> {
        let mut kmsg = OpenOptions::new()
            .read(true)
            .custom_flags(sys::O_NONBLOCK)
            .open("/dev/kmsg")
            .map_err(|e| format!("/dev/kmsg: {e}"))?;
        let mut messages = String::new();
        // One record per read(), at most about 1 kB, or EINVAL.
        let mut buf = vec![0u8; 16 << 10];
        loop {
            match kmsg.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    messages.push_str(&record_text(&String::from_utf8_lossy(&buf[..n])));
                    messages.push('\n');
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                // Records were overwritten while reading: go on with the next one.
                Err(e) if e.raw_os_error() == Some(sys::errno::EPIPE) => {}
                Err(e) => return Err(format!("reading /dev/kmsg: {e}")),
            }
        }
        Ok(messages)
    }

    /// The message of a /dev/kmsg record, "PRIO,SEQ,TIME,FLAGS;MESSAGE\n KEY=VALUE...".
    fn record_text(record: &str) -> String {
        let first = record.lines().next().unwrap_or("");
        first.split_once(';').map_or(first, |(_, m)| m).to_string()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn finds_the_rejection() {
            let record =
                "3,123,456789,-;user_root: tmpfs rejected initramfs_options=\"size=1m,bogus=1\" \
                          (EINVAL); using its defaults\n SUBSYSTEM=x\n";
            let text = record_text(record);
            assert!(text.starts_with("user_root: tmpfs rejected"));
            let log = format!("Linux version 6.12\n{text}\nuser_root: other\n");
            assert_eq!(
                first_match(&log, "user_root: tmpfs rejected initramfs_options").as_deref(),
                Some(text.as_str())
            );
            assert_eq!(first_match(&log, "ramfs rejected"), None);
        }

        /// Reads the log of the running kernel, through /dev/kmsg and through syslog(2): needs root
        /// (or `dmesg_restrict=0`), so run it by hand with `cargo test -- --ignored`.
        #[test]
        #[ignore]
        fn reads_the_running_kernels_log() {
            let kmsg = read_kmsg().unwrap();
            let syslog = sys::read_kernel_log().unwrap();
            for log in [&kmsg, &syslog] {
                assert!(first_match(log, "Linux version").is_some(), "{log:.200}");
            }
            assert!(find("Linux version").unwrap().is_some());
        }

        #[test]
        fn syslog_lines_match_too() {
            let log = "<6>[    0.1] Linux\n\
                       <3>[    0.2] user_root: tmpfs rejected initramfs_options=\"x\"\n";
            assert!(first_match(log, "user_root: tmpfs rejected initramfs_options").is_some());
        }
    }
}
