// SPDX-License-Identifier: GPL-2.0
//! The few system calls the tests need that std does not wrap, as safe functions.

use std::ffi::{c_char, c_int, c_long, c_ulong, c_void, CString};
use std::io::{Error, Result};
use std::path::Path;

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
    fn statfs(path: *const c_char, buf: *mut StatFs) -> c_int;
    fn reboot(cmd: c_int) -> c_int;
    fn sync();
    fn setresuid(r: u32, e: u32, s: u32) -> c_int;
    fn setresgid(r: u32, e: u32, s: u32) -> c_int;
    fn setgroups(n: usize, list: *const u32) -> c_int;
    fn fork() -> c_int;
    fn prctl(option: c_int, arg: c_ulong, ...) -> c_int;
    fn waitpid(pid: c_int, status: *mut c_int, options: c_int) -> c_int;
    fn _exit(code: c_int) -> !;
}

const SYS_PIVOT_ROOT: c_long = 155;
pub const CLONE_NEWNS: c_int = 0x0002_0000;
pub const CLONE_NEWUSER: c_int = 0x1000_0000;
pub const MS_PRIVATE: c_ulong = 1 << 18;
pub const MS_REC: c_ulong = 16384;
pub const MNT_DETACH: c_int = 2;
pub const TMPFS_MAGIC: i64 = 0x0102_1994;
const RB_AUTOBOOT: c_int = 0x0123_4567;

/// `struct statfs` on x86_64.
#[repr(C)]
#[derive(Default, Debug, Clone, Copy)]
pub struct StatFs {
    pub f_type: i64,
    pub f_bsize: i64,
    pub f_blocks: u64,
    pub f_bfree: u64,
    pub f_bavail: u64,
    pub f_files: u64,
    pub f_ffree: u64,
    pub f_fsid: [i32; 2],
    pub f_namelen: i64,
    pub f_frsize: i64,
    pub f_flags: i64,
    pub f_spare: [i64; 4],
}

impl StatFs {
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

pub fn pivot_root(new_root: impl AsRef<Path>, put_old: impl AsRef<Path>) -> Result<()> {
    let (new_root, put_old) = (cstr(new_root), cstr(put_old));
    // SAFETY: both arguments are NUL-terminated strings that outlive the call.
    check(unsafe { syscall(SYS_PIVOT_ROOT, new_root.as_ptr(), put_old.as_ptr()) })
}

pub fn mount_fs(
    source: &str,
    target: impl AsRef<Path>,
    fstype: &str,
    options: Option<&str>,
) -> Result<()> {
    let (source, target, fstype) = (cstr(source), cstr(target), cstr(fstype));
    let options = options.map(cstr);
    let data = options
        .as_ref()
        .map_or(std::ptr::null(), |o| o.as_ptr().cast());
    // SAFETY: the strings are NUL-terminated and outlive the call; data is null or a string.
    check(unsafe { mount(source.as_ptr(), target.as_ptr(), fstype.as_ptr(), 0, data) }.into())
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

pub fn umount_detach(target: impl AsRef<Path>) -> Result<()> {
    let target = cstr(target);
    // SAFETY: NUL-terminated string.
    check(unsafe { umount2(target.as_ptr(), MNT_DETACH) }.into())
}

pub fn unshare_ns(flags: c_int) -> Result<()> {
    // SAFETY: no pointers involved.
    check(unsafe { unshare(flags) }.into())
}

pub fn stat_fs(path: impl AsRef<Path>) -> Result<StatFs> {
    let path = cstr(path);
    let mut buf = StatFs::default();
    // SAFETY: `buf` is a valid, writable `struct statfs`.
    check(unsafe { statfs(path.as_ptr(), &mut buf) }.into())?;
    Ok(buf)
}

/// Drops to an unprivileged user and group, staying dumpable so that the process can still
/// write its own /proc/self/{uid,gid}_map.
pub fn become_user(id: u32) -> Result<()> {
    const PR_SET_DUMPABLE: c_int = 4;
    // SAFETY: no pointers except an empty group list.
    unsafe {
        check(setgroups(0, std::ptr::null()).into())?;
        check(setresgid(id, id, id).into())?;
        check(setresuid(id, id, id).into())?;
        check(prctl(PR_SET_DUMPABLE, 1).into())
    }
}

/// Runs `child` in a forked process and returns its exit status (0 is success).
///
/// The caller must be single-threaded, as these test programs are.
pub fn run_forked(child: impl FnOnce() -> i32) -> Result<i32> {
    use std::io::Write;
    std::io::stdout().flush()?;
    // SAFETY: the process is single-threaded, so the child may run arbitrary code.
    match unsafe { fork() } {
        -1 => Err(Error::last_os_error()),
        0 => {
            let code = child();
            let _ = std::io::stdout().flush();
            // SAFETY: ends the child without running the parent's exit handlers twice.
            unsafe { _exit(code) }
        }
        pid => {
            let mut status = 0;
            // SAFETY: `status` is valid for writes.
            check(unsafe { waitpid(pid, &mut status, 0) }.into())?;
            Ok(status)
        }
    }
}

/// Restarts the machine; with QEMU's -no-reboot, QEMU exits.
pub fn restart() -> ! {
    // SAFETY: no arguments that could be invalid.
    unsafe {
        sync();
        reboot(RB_AUTOBOOT);
    }
    loop {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}
