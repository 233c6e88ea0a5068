/* SPDX-License-Identifier: GPL-2.0 */
/*
 * user_root: boot with the initramfs on a tmpfs stacked on an immutable, empty
 * null root, so that userspace can pivot_root(2) away from it. The logic is in
 * Rust, in fs/user_root/; these are the hooks the boot code calls.
 */
#ifndef _LINUX_USER_ROOT_H
#define _LINUX_USER_ROOT_H

#include <linux/init.h>
#include <linux/types.h>

struct vfsmount;

#ifdef CONFIG_USER_ROOT
/* All of them live in init memory: boot code only. */
int __init user_root_parse_param(const char *rest);
struct vfsmount *__init user_root_null_mount(void);
void __init user_root_mount_tmpfs(const char *options);
bool __init user_root_switch_root(const char *what);
#else
static inline struct vfsmount *user_root_null_mount(void)
{
	return NULL;
}

static inline void user_root_mount_tmpfs(const char *options) { }

static inline bool user_root_switch_root(const char *what)
{
	return false;
}
#endif

#endif /* _LINUX_USER_ROOT_H */
