// SPDX-License-Identifier: GPL-2.0
//! The foreign functions that only the VM program needs, as safe functions; the rest are in
//! the selftests' `user_root_selftest::sys`.

use std::ffi::c_int;
use std::fs::File;
use std::io::{Error, Result};
use std::os::fd::AsRawFd;

extern "C" {
    fn dup2(old: c_int, new: c_int) -> c_int;
    fn getpid() -> c_int;
    fn getpagesize() -> c_int;
    fn reboot(cmd: c_int) -> c_int;
    fn sync();
}

/// `LINUX_REBOOT_CMD_RESTART`, the same on every architecture.
const RB_AUTOBOOT: c_int = 0x0123_4567;

pub fn pid() -> i32 {
    // SAFETY: no arguments; cannot fail.
    unsafe { getpid() }
}

/// The size of a page of memory, in bytes.
pub fn page_size() -> u64 {
    // SAFETY: no arguments; cannot fail.
    let size = unsafe { getpagesize() };
    u64::try_from(size).unwrap_or(4096)
}

/// Makes descriptors 0, 1 and 2 refer to `file`.
pub fn set_stdio(file: &File) -> Result<()> {
    for fd in 0..3 {
        // SAFETY: `file` is open; replacing descriptors 0-2 is what this function is for.
        if unsafe { dup2(file.as_raw_fd(), fd) } < 0 {
            return Err(Error::last_os_error());
        }
    }
    Ok(())
}

/// Restarts the machine; with QEMU's -no-reboot, QEMU exits.
pub fn restart() -> ! {
    // SAFETY: no pointers; reboot() only returns if it failed.
    unsafe {
        sync();
        reboot(RB_AUTOBOOT);
    }
    loop {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}
