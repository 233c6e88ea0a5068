/* SPDX-License-Identifier: GPL-2.0 */
/*
 * user_root: boot with the initramfs on a tmpfs (or a ramfs) stacked on an
 * immutable, empty null root, so that userspace can pivot_root(2) away from
 * it. The logic is in Rust, in fs/user_root/; these are the hooks the boot
 * code calls. They all live in init memory.
 */
#ifndef _LINUX_USER_ROOT_H
#define _LINUX_USER_ROOT_H

#include <linux/errno.h>
#include <linux/init.h>

struct vfsmount;

#ifdef CONFIG_USER_ROOT
/* Handles the user_root boot parameter; @rest is what follows its name. */
int __init user_root_parse_param(const char *rest);

/*
 * Called by init_rootfs(): whether rootfs would be a tmpfs, else a ramfs. The
 * initramfs then goes into a file system of the same kind, so that what
 * depends on it (IMA's policies, size limits) stays as it is without user_root.
 */
void __init user_root_rootfs_kind(bool tmpfs);

/*
 * The root mount of the initial namespace: the null root, or NULL if user_root
 * is off or the null root could not be made (reported), so that the caller
 * mounts the stock rootfs.
 */
struct vfsmount *__init user_root_null_mount(void);

/*
 * Mounts the tmpfs or ramfs the initramfs goes into on the null root, mounted
 * as root by now, and makes it the caller's root and cwd. Returns 0 (also if
 * user_root is off) or a negative errno: there is then nowhere to unpack the
 * initramfs.
 */
int __init user_root_mount_initramfs(const char *options);

/*
 * Makes the mount at the cwd the root and detaches the user_root mount, which
 * would otherwise stay pinned under it; @what names the new root in messages.
 * Returns 0 once the root is switched: if user_root then cannot be detached,
 * that is reported and it stays in memory, but the switch stands. Returns
 * -EOPNOTSUPP if user_root is off, or the error of a pivot that failed and
 * changed nothing: the caller then switches root its stock way.
 */
int __init user_root_switch_root(const char *what);

#ifdef CONFIG_USER_ROOT_FAULT_INJECTION
/* Whether fail_user_root= makes the boot operation about to run fail. */
bool __init user_root_should_fail(void);
#endif
#else
static inline void user_root_rootfs_kind(bool tmpfs)
{
}

static inline struct vfsmount *user_root_null_mount(void)
{
	return NULL;
}

static inline int user_root_mount_initramfs(const char *options)
{
	return 0;
}

static inline int user_root_switch_root(const char *what)
{
	return -EOPNOTSUPP;
}
#endif

#endif /* _LINUX_USER_ROOT_H */
