// SPDX-License-Identifier: GPL-2.0

// The shared part of the fs::sb owner test modules, included by each: a file system type owned by
// the module.
//
// While the module initialises, an instance of its type is refused (EBUSY): the module loader
// frees a module whose init fails whatever references remain. `user_root_fs_idle` mounts nothing
// more and unloads as any module does. `user_root_fs_pinned` mounts an instance from a work item
// once it is live, and keeps it for good: the superblock holds a reference on the module, so
// `rmmod` must fail. Without the type's `owner`, it would unload too and leave the superblock
// pointing into freed module memory. `user_root_fs_churn` mounts one the same way but drops it at
// once, and is loaded and unloaded hundreds of times: the last `mntput()` from a kworker is
// deferred, so its superblock, and the reference on the module, outlive the work item.
//
// The work item runs on a workqueue that the module allocates and its exit destroys.
// `destroy_workqueue()` drains the queue: it returns once every work item queued on it has
// returned into the workqueue code, so no code of the module runs once its exit has returned. On
// a system queue nothing would wait for it, and a completion signalled by the work function would
// not be enough either: the function still runs its own epilogue after signalling.

use core::{
    ptr::NonNull,
    sync::atomic::{AtomicBool, AtomicU32, Ordering},
};
use kernel::{
    bindings, c_str,
    fs::sb::{FileSystem, SuperBlock},
    prelude::*,
    str::CStr,
    sync::Arc,
    workqueue::{impl_has_work, new_work, Queue, Work, WorkItem},
};

/// `statfs()` magic of the test file system ("UROT").
const MAGIC: u32 = 0x55524f54;

struct OwnedFs;

impl FileSystem for OwnedFs {
    const NAME: &'static CStr = c_str!("user_root_fs_owner");

    fn fill_super(sb: &SuperBlock) -> Result {
        sb.set_magic(MAGIC.into());
        let mut root = sb.new_inode()?;
        root.make_empty_dir().init_times().set_ino(1);
        sb.set_root(root)
    }
}

kernel::static_file_system_type!(static OWNED_FS: OwnedFs, owner = THIS_MODULE);

/// What a test module does once it is live (its `WHEN_LIVE`).
#[expect(dead_code, reason = "each module constructs one of them")]
enum WhenLive {
    /// Nothing: the module queues no work.
    Nothing,
    /// Mounts an instance from a work item and keeps it for the life of the system.
    MountAndKeep,
    /// Mounts an instance from a work item and drops it at once.
    MountAndDrop,
}

/// A workqueue of the module's own, destroyed when dropped.
///
/// # Invariants
///
/// `0` points to a workqueue made by `alloc_workqueue()` that only `drop` destroys.
struct OwnedQueue(NonNull<bindings::workqueue_struct>);

// SAFETY: the workqueue API may be called from any task: a workqueue can be used, and destroyed
// once, from any of them.
unsafe impl Send for OwnedQueue {}

// SAFETY: a shared `OwnedQueue` only lends the workqueue out as a `&Queue`, which is `Sync`.
unsafe impl Sync for OwnedQueue {}

impl OwnedQueue {
    /// Allocates a workqueue named `name`.
    fn new(name: &CStr) -> Result<Self> {
        // SAFETY: the format is a NUL-terminated "%s" that takes exactly the one variadic argument
        // passed, a NUL-terminated string; the name is copied into the workqueue.
        let wq = unsafe {
            bindings::alloc_workqueue(
                c_str!("%s").as_char_ptr(),
                bindings::wq_flags_WQ_UNBOUND,
                0,
                name.as_char_ptr(),
            )
        };
        // INVARIANT: the workqueue is new, and only `drop` destroys it.
        Ok(Self(NonNull::new(wq).ok_or(ENOMEM)?))
    }

    fn queue(&self) -> &Queue {
        // SAFETY: by the type invariant the workqueue is valid until `self` is dropped, which the
        // returned borrow of `self` cannot outlive.
        unsafe { Queue::from_raw(self.0.as_ptr()) }
    }
}

impl Drop for OwnedQueue {
    fn drop(&mut self) {
        // SAFETY: by the type invariant the workqueue is valid and destroyed only here, once; no
        // `&Queue` lent out by `queue` outlives `self`. It is drained first: this returns once
        // every work item queued on it has returned.
        unsafe { bindings::destroy_workqueue(self.0.as_ptr()) };
    }
}

/// Set by the module's exit before it destroys its queue: the work item then stops waiting for a
/// module that will never be live again. Only a hint; the drain is what makes exit safe.
static EXITING: AtomicBool = AtomicBool::new(false);

/// What the work item has done (`OUTCOME_*`), for the module's exit to report.
static OUTCOME: AtomicU32 = AtomicU32::new(OUTCOME_WAITING);
const OUTCOME_WAITING: u32 = 0;
const OUTCOME_MOUNTED: u32 = 1;
const OUTCOME_FAILED: u32 = 2;

/// Mounts an instance as soon as the module is live, and keeps it for the life of the system or
/// drops it at once.
fn mount_when_live(keep: bool) {
    // 0.5 to 1 ms a try: 10 s at least. The loader makes the module live right after its init
    // returns, so this gives up only on a broken loader or abstraction.
    for _ in 0..20_000 {
        if EXITING.load(Ordering::Relaxed) {
            return;
        }
        match OWNED_FS.mount_unattached(c_str!("user_root_fs_owner")) {
            Err(e) if e == EBUSY => {
                // SAFETY: a work item may sleep.
                unsafe { bindings::usleep_range_state(500, 1000, bindings::TASK_UNINTERRUPTIBLE) };
            }
            Ok(mount) if mount.magic() == u64::from(MAGIC) => {
                OUTCOME.store(OUTCOME_MOUNTED, Ordering::Relaxed);
                if keep {
                    pr_info!("live: mounted an instance of its type, kept: the module must stay\n");
                    core::mem::forget(mount);
                }
                // Otherwise dropped here. The last `mntput()` of a mount from a kworker goes to
                // delayed work, so the superblock outlives this work item, and `rmmod` is refused
                // until it is gone.
                return;
            }
            other => {
                OUTCOME.store(OUTCOME_FAILED, Ordering::Relaxed);
                pr_err!(
                    "live: mounting an instance of its type gave {:?}\n",
                    other.err()
                );
                return;
            }
        }
    }
    OUTCOME.store(OUTCOME_FAILED, Ordering::Relaxed);
    pr_err!("live: the module never became live\n");
}

/// The work item that mounts an instance. Its lock class key and name are statics of this module
/// (`new_work!`), so lockdep forgets them when the module is unloaded; a closure spawned with
/// `Queue::try_spawn()` would use a key of the kernel crate with a name in the module, which lockdep
/// reports as a class whose name changed once the module is loaded again elsewhere.
#[pin_data]
struct MountWork {
    keep: bool,
    #[pin]
    work: Work<MountWork>,
}

impl_has_work! {
    impl HasWork<Self> for MountWork { self.work }
}

impl WorkItem for MountWork {
    type Pointer = Arc<MountWork>;

    fn run(this: Arc<MountWork>) {
        mount_when_live(this.keep);
    }
}

struct FsOwner {
    /// The queue of the work item that mounts an instance, if the module queues one.
    queue: Option<OwnedQueue>,
}

impl kernel::Module for FsOwner {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        match OWNED_FS.mount_unattached(c_str!("user_root_fs_owner")) {
            Err(e) if e == EBUSY => pr_info!("init: an instance of its type is refused (EBUSY)\n"),
            Err(e) => {
                pr_err!("init: an instance of its type gave {e:?}\n");
                return Err(EINVAL);
            }
            Ok(mount) => {
                // A broken abstraction: the mount is leaked, since its deferred release would
                // run after the loader freed this module for the failed init.
                pr_err!("init: an instance of its type was mounted while the module initialised\n");
                core::mem::forget(mount);
                return Err(EINVAL);
            }
        }
        let keep = match WHEN_LIVE {
            WhenLive::Nothing => return Ok(Self { queue: None }),
            WhenLive::MountAndKeep => true,
            WhenLive::MountAndDrop => false,
        };
        let queue = OwnedQueue::new(c_str!("user_root_fs_owner"))?;
        // The last step that can fail: once the work is queued, init succeeds, so that the
        // module's exit is what destroys the queue. If this fails, nothing was queued.
        let work = Arc::pin_init(
            pin_init!(MountWork {
                keep,
                work <- new_work!("user_root_fs_owner::mount"),
            }),
            GFP_KERNEL,
        )?;
        // A new work item is not queued yet: this cannot fail.
        let _ = queue.queue().enqueue(work);
        Ok(Self { queue: Some(queue) })
    }
}

impl Drop for FsOwner {
    fn drop(&mut self) {
        let Some(queue) = self.queue.take() else {
            return;
        };
        EXITING.store(true, Ordering::Relaxed);
        // Waits for the work item to return.
        drop(queue);
        // The drain above waited for the work item: its store is seen here.
        match OUTCOME.load(Ordering::Relaxed) {
            OUTCOME_MOUNTED => pr_info!("exit: its work item had mounted an instance\n"),
            OUTCOME_WAITING => pr_info!("exit: unloaded before its work item could mount\n"),
            _ => pr_info!("exit: its work item failed\n"),
        }
    }
}
