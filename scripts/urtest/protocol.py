# SPDX-License-Identifier: GPL-2.0
"""What the guest and the host say to each other, in one place.

The guest's programs print TAP/KTAP on the console and end with DONE before restarting the
machine. The host reads the console: kernel lines carry a printk timestamp, userspace lines do
not. The kernel messages that cells expect are named here, so that a change of wording in the
kernel is one change here.
"""
import re

# Printed by the guest's PID 1 (or the last program it runs) just before it restarts.
DONE = "# user_root: guest done"
# The first line the guest's /init prints.
GUEST_UP = "# user_root: guest up"

# Kernel command-line variables the guest's init scripts read (they reach init's environment).
EXPECT = "UR_EXPECT"    # the matrix's assertion of what the root is: on, off, disk-on, disk-off
FILES = "UR_FILES"      # files the initramfs must have put in the root: /a,/b
SWITCH = "UR_SWITCH"    # the clients guest's switch_root: busybox or util-linux
KEPT = "UR_KEPT"        # 1: the kernel kept a copy of the user root, whose memory must stay
CHURN = "UR_CHURN"      # N: rounds of the module churn (scripts/guest/churn.sh)
DEMO = "UR_DEMO"        # 1: narrate instead of testing
BENCH = "UR_BENCH"      # the benchmark's way to the final root

# A printk timestamp, at the start of a line or where a kernel line broke into a userspace one.
TIMESTAMP = re.compile(r"\[\s*(\d+\.\d+)\] ?")

# init/initramfs.c names the first CREATE_NAMED names of an archive (each unpack_to_rootfs() call)
# that cannot be created, counts the rest and says how many once that archive is unpacked.
CREATE_NAMED = 10
# How many names of the image "uncreatable" cannot be created: their directory is not in the
# archive (images.add_uncreatable(); its build checks the archive against this number).
UNCREATABLE = 50_000

# Console lines (kernel messages) that cells expect, by name.
MESSAGES = {
    "user_root_on": r'initramfs on tmpfs "user_root"',
    # Where stock rootfs would be a ramfs (root=, or rootfstype= without tmpfs), so is the user root.
    "user_root_ramfs": r'initramfs on ramfs "user_root"',
    "disk_root": r"the kernel-mounted root is the root now; the user root is detached",
    "kdevtmpfs_pivot": r"kdevtmpfs is the root now; the user root is detached",
    "two_cpus": r"smp: Brought up 1 node, 2 CPUs",
    "unpack_failed": r"Initramfs unpacking failed",
    "ballast_enospc": r"Initramfs unpacking: cannot write /ballast: -ENOSPC",
    "create_enospc": r"Initramfs unpacking: cannot create filler-\d+: -ENOSPC",
    # Any name reported as not created: a cell bounds how many (console_max), CREATE_NAMED per archive.
    "create_named": r"Initramfs unpacking: cannot create ",
    "create_more": r"Initramfs unpacking: \d+ more names could not be created",
    # The image "uncreatable": names in a directory the archive does not have, then their count.
    "uncreatable_enoent": r"Initramfs unpacking: cannot create missing/\S+: -ENOENT",
    "uncreatable_more": rf"Initramfs unpacking: {UNCREATABLE - CREATE_NAMED} more names could not be created",
    "bad_options": r'tmpfs rejected initramfs_options="bogus=1"',
    # fail_user_root= (the fault cells): the operation that fails, and what the kernel does then.
    "fault_null_root": r"user_root: fault injection: creating the null root fails with ENOMEM",
    "fault_init_mount": r"user_root: fault injection: init_mount fails with ENOMEM",
    "fault_init_chdir": r"user_root: fault injection: init_chdir fails with ENOMEM",
    "fault_init_chroot": r"user_root: fault injection: init_chroot fails with ENOMEM",
    "fault_root_check": r"user_root: fault injection: checking the new root fails with ENOMEM",
    "fault_init_pivot_root": r"user_root: fault injection: init_pivot_root fails with ENOMEM",
    "fault_init_umount": r"user_root: fault injection: init_umount fails with ENOMEM",
    "null_root_failed": r"cannot create the null root \(ENOMEM\); booting on the stock rootfs",
    "options_failed": r'tmpfs rejected initramfs_options="size=200m" \(ENOMEM\); using its defaults',
    "kdevtmpfs_pivot_failed": r"cannot pivot into kdevtmpfs \(ENOMEM\); it goes on top of the user root instead",
    "kdevtmpfs_detach_failed": r"kdevtmpfs is the root now, but the user root cannot be detached \(ENOMEM\)",
    "disk_pivot_failed": r"cannot pivot into the kernel-mounted root \(ENOMEM\); it goes on top of the user root",
    "disk_detach_failed": r"the kernel-mounted root is the root now, but the user root cannot be detached \(ENOMEM\)",
    "bogus_kept_off": r'ignoring "user_root=bogus": expected user_root=<value> with 1\|y\|yes\|on\|true '
                      r"\(on\) or 0\|n\|no\|off\|false \(off\); user_root stays off \(the Kconfig default\)",
    "bogus_kept_on_kconfig": r'ignoring "user_root=bogus": .* user_root stays on \(the Kconfig default\)',
    "bogus_kept_on_cmdline": r'ignoring "user_root=bogus": .* user_root stays on \(set earlier on the command line\)',
}

# The panics that cells expect (the `panic` of a cell), by name: the boot must end in it.
PANICS = {
    "user_root_mount": r"Kernel panic - not syncing: Can't mount user_root for the initramfs: -ENOMEM",
}

# Results that must be in a boot's console (passed or skipped), by what the guest runs, so that a
# test program that did not run at all fails the boot instead of going unnoticed.
REQUIRED = {
    # scripts/guest/init.sh: the kselftests, the VM program and the module test.
    "tests": ["root.detected_kind_matches_ur_expect", "rootless_pivot_root",
              "initial_namespace_pivot_root", "its live superblock holds the module: rmmod is refused",
              "rust_doctest_kernel_fs_sb_rs_0", "busybox_pivot_root_private_ns"],
    # ... and on an initramfs root, PID 1 switching root at the end.
    "switch": ["pid1_pivot_root", "old_root_memory_returned"],
    # ... or, where the kernel kept a copy of the user root (UR_KEPT=1), that it stays.
    "switch-kept": ["pid1_pivot_root", "old_root_memory_kept"],
    # scripts/guest/clients.sh
    "clients": ["runc run, without --no-pivot"],
    # scripts/guest/distro/user_root-test.sh, on the Debian system (urtest.distro)
    "distro": ["mount_tree", "initramfs_memory_freed", "no_failed_units", "nspawn_container",
               "runc_container", "kselftests"],
    # scripts/guest/churn.sh, in a cell with churn (UR_CHURN)
    "churn": ["churn: every round loads user_root_fs_churn",
              "churn: every round unloads it, rmmod retried while a superblock holds it",
              "churn: every unload says what its work item did, and none failed",
              "churn: some rounds mount an instance from the work item",
              "churn: the module is gone at the end"],
    # scripts/guest/ima.sh, when the command line sets an IMA policy
    "ima": ["the initramfs's files are measured exactly when the initramfs is on a ramfs",
            "the initramfs is on a ramfs exactly when stock rootfs would be one"],
    # scripts/guest/minimal-init.sh
    "create-fails": ["the initramfs /init ran with what could be created"],
    # tools/testing/user_root/minimal-init.c: the C kselftest, and the kernel's own Rust doctests
    "minimal": ["root.detected_kind_matches_ur_expect", "rust_doctest_kernel_fs_sb_rs_0"],
    # the installed kselftests, run by their runner
    "kselftest": ["selftests: user_root: user_root_test", "selftests: user_root: user_root_rs"],
}

# Lists the guest reports for the host to compare between boots (a cell's same_as and same_lists
# in the matrix): one userspace line "# list NAME (N): ITEM ITEM ...", its N items separated by
# spaces (N = 0: none). The count tells a whole line from one a kernel message broke into.
LIST = re.compile(r"^# list ([\w.-]+) \((\d+)\):(.*)$")
LISTS = {
    # scripts/guest/ima.sh: the initramfs's files in IMA's measurement list, sorted
    "ima-measured": "IMA measured the same initramfs files",
    # scripts/guest/distro/user_root-test.sh: systemd's (PID 1's) warnings, a word each
    "systemd-warnings": "systemd logged the same warnings",
}

# A kernel report that fails any boot.
KERNEL_ERROR = re.compile(
    r"BUG:|WARNING:|\bOops\b|KASAN:|UBSAN:|Kernel panic|general protection fault|"
    r"possible (circular|recursive) locking|INFO: task .* blocked|rcu_.*stall|"
    r"Unable to handle kernel|kernel BUG at|refcount_t:|list_(add|del) corruption")

# What the benchmark's guest logs at each step (scripts/guest/bench-mark.sh).
BENCH_MARK = re.compile(r"user_root-bench: (.*) memfree=(\d+) shmem=(\d+) pcpkib=(\d+) rootkib=(\d+)")
