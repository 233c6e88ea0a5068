// SPDX-License-Identifier: GPL-2.0
/*
 * user_root selftests: the boot mount tree, pivot_root(2) in its forms, and
 * the null root under it.
 *
 * UR_EXPECT (set on the kernel command line, so it reaches init's
 * environment) says what this boot should look like:
 *   on        initramfs root with user_root
 *   off       initramfs root on stock rootfs
 *   disk-on   root=/dev/vda mounted by the kernel, with user_root
 *   disk-off  root=/dev/vda mounted by the kernel, stock
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/magic.h>

#include "../kselftest_harness.h"

#ifndef NULL_FS_MAGIC
#define NULL_FS_MAGIC 0x4E554C4C
#endif

static const char *expect(void)
{
	const char *e = getenv("UR_EXPECT");

	return e ? e : "on";
}

static bool expect_user_root(void)
{
	return !strcmp(expect(), "on") || !strcmp(expect(), "disk-on");
}

static bool expect_disk(void)
{
	return !strncmp(expect(), "disk-", 5);
}

/* Whether the kernel command line has a word that starts with @prefix. */
static bool cmdline_has(const char *prefix)
{
	char buf[4096], *word, *save;
	bool found = false;
	FILE *f = fopen("/proc/cmdline", "re");

	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f))
		for (word = strtok_r(buf, "\n ", &save); word && !found;
		     word = strtok_r(NULL, "\n ", &save))
			found = !strncmp(word, prefix, strlen(prefix));
	fclose(f);
	return found;
}

/* Stock rootfs: the root of the namespace has no parent to pivot under. */
static bool expect_pivot_einval(void)
{
	return !strcmp(expect(), "off");
}

struct mnt_entry {
	int id, parent;
	char fstype[64], source[256];
};

/* The mount that "/" shows: the last line for "/" in a mountinfo file, the top of the stack. */
static int root_entry_in(const char *mountinfo, struct mnt_entry *m)
{
	char line[4096], mnt_point[PATH_MAX];
	bool found = false;
	FILE *f = fopen(mountinfo, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		struct mnt_entry cur;
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%d %d %*s %*s %4095s",
				   &cur.id, &cur.parent, mnt_point) != 3)
			continue;
		if (strcmp(mnt_point, "/"))
			continue;
		if (sscanf(sep + 3, "%63s %255s", cur.fstype, cur.source) != 2)
			continue;
		*m = cur;
		found = true;
	}
	fclose(f);
	return found ? 0 : -1;
}

static int root_entry(struct mnt_entry *m)
{
	return root_entry_in("/proc/self/mountinfo", m);
}

static int sys_pivot_root(const char *new_root, const char *put_old)
{
	return syscall(SYS_pivot_root, new_root, put_old);
}

/* A private copy of the mount namespace, so that the test changes nothing outside. */
static int private_mount_ns(void)
{
	if (unshare(CLONE_NEWNS))
		return -1;
	return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
}

/*
 * In a private mount namespace, detach the root and re-enter the namespace:
 * setns() puts root and cwd on the namespace root, below everything that was
 * stacked on it.
 */
static int enter_ns_root(void)
{
	int ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	int ret = -1;

	if (ns < 0)
		return -1;
	if (!umount2("/", MNT_DETACH) && !setns(ns, CLONE_NEWNS))
		ret = 0;
	close(ns);
	return ret;
}

static int count_entries(const char *dir)
{
	struct dirent *d;
	int n = 0;
	DIR *dp = opendir(dir);

	if (!dp)
		return -1;
	while ((d = readdir(dp)))
		n++;
	closedir(dp);
	return n;
}

static int make_tmpfs(const char *dir, const char *source)
{
	mkdir(dir, 0755);
	return mount(source, dir, "tmpfs", 0, NULL);
}

TEST(mount_tree)
{
	struct mnt_entry m;

	ASSERT_EQ(0, root_entry(&m));
	TH_LOG("UR_EXPECT=%s: / is mount %d (parent %d), %s from %s",
	       expect(), m.id, m.parent, m.fstype, m.source);
	if (expect_disk()) {
		EXPECT_STREQ("ext4", m.fstype);
		EXPECT_EQ(1, m.parent);
	} else if (expect_user_root()) {
		EXPECT_EQ(2, m.id);
		EXPECT_EQ(1, m.parent);
		EXPECT_STREQ("tmpfs", m.fstype);
		EXPECT_STREQ("user_root", m.source);
	} else {
		EXPECT_EQ(1, m.id);
		EXPECT_EQ(1, m.parent);
		EXPECT_STREQ("rootfs", m.fstype);
	}
}

TEST(statfs_root)
{
	struct statfs sfs;
	long want;

	ASSERT_EQ(0, statfs("/", &sfs));
	if (expect_disk())
		want = EXT4_SUPER_MAGIC;
	else if (!expect_user_root() && cmdline_has("root="))
		want = RAMFS_MAGIC;	/* stock rootfs is ramfs when root= is given */
	else
		want = TMPFS_MAGIC;
	EXPECT_EQ(want, sfs.f_type);
}

/* The regression that sank the 2021 series: init found no /dev/console. */
TEST(console_on_fds)
{
	for (int fd = 0; fd <= 2; fd++) {
		struct stat st;

		ASSERT_EQ(0, fstat(fd, &st));
		EXPECT_TRUE(S_ISCHR(st.st_mode));
		EXPECT_EQ(makedev(5, 1), st.st_rdev) TH_LOG("fd %d is not /dev/console", fd);
	}
}

/* The form systemd and Linux 7.0's boot code use. */
TEST(pivot_root_dot_dot_and_detach)
{
	struct mnt_entry m;
	int ret;

	ASSERT_EQ(0, private_mount_ns());
	ASSERT_EQ(0, make_tmpfs("/tmp/ur_dot", "ur_dot"));
	ASSERT_EQ(0, mkdir("/tmp/ur_dot/marker", 0755));
	ASSERT_EQ(0, chdir("/tmp/ur_dot"));
	ret = sys_pivot_root(".", ".");
	if (expect_pivot_einval()) {
		ASSERT_EQ(-1, ret);
		ASSERT_EQ(EINVAL, errno);
		return;
	}
	ASSERT_EQ(0, ret) TH_LOG("pivot_root: %s", strerror(errno));
	ASSERT_EQ(0, umount2(".", MNT_DETACH));
	ASSERT_EQ(0, chdir("/"));
	EXPECT_EQ(0, access("/marker", F_OK));
	EXPECT_NE(0, access("/tmp", F_OK));
	ASSERT_EQ(0, mount("proc", "/marker", "proc", 0, NULL));
	ASSERT_EQ(0, root_entry_in("/marker/self/mountinfo", &m));
	EXPECT_STREQ("ur_dot", m.source);
}

TEST(pivot_root_put_old)
{
	struct statfs old, sfs;
	int ret;

	ASSERT_EQ(0, statfs("/", &old));
	ASSERT_EQ(0, private_mount_ns());
	ASSERT_EQ(0, make_tmpfs("/tmp/ur_new", "ur_new"));
	ASSERT_EQ(0, mkdir("/tmp/ur_new/old", 0755));
	ret = sys_pivot_root("/tmp/ur_new", "/tmp/ur_new/old");
	if (expect_pivot_einval()) {
		ASSERT_EQ(-1, ret);
		ASSERT_EQ(EINVAL, errno);
		return;
	}
	ASSERT_EQ(0, ret) TH_LOG("pivot_root: %s", strerror(errno));
	ASSERT_EQ(0, chdir("/"));
	/* The old root is at /old, with everything on it. */
	ASSERT_EQ(0, statfs("/old", &sfs));
	EXPECT_EQ(old.f_type, sfs.f_type);
	EXPECT_EQ(0, access("/old/tmp/ur_new", F_OK));
	ASSERT_EQ(0, umount2("/old", MNT_DETACH));
	EXPECT_EQ(2, count_entries("/old"));
	ASSERT_EQ(0, statfs("/", &sfs));
	EXPECT_EQ(TMPFS_MAGIC, sfs.f_type);
}

/*
 * pivot_root(2) in the initial mount namespace from an ordinary process: every
 * task rooted at the old root moves to the new one, so pivot back afterwards.
 */
TEST(pivot_root_initial_namespace_and_back)
{
	struct stat before, st;
	int ret;

	ASSERT_EQ(0, stat("/", &before));
	ASSERT_EQ(0, make_tmpfs("/tmp/ur_init", "ur_init"));
	ASSERT_EQ(0, mkdir("/tmp/ur_init/old", 0755));
	ret = sys_pivot_root("/tmp/ur_init", "/tmp/ur_init/old");
	if (expect_pivot_einval()) {
		EXPECT_EQ(-1, ret);
		EXPECT_EQ(EINVAL, errno);
		umount2("/tmp/ur_init", 0);
		return;
	}
	ASSERT_EQ(0, ret) TH_LOG("pivot_root: %s", strerror(errno));
	/* Every task rooted at the old root moved with us, PID 1 included. */
	ASSERT_EQ(0, stat("/old/proc/1/root/old", &st))
		TH_LOG("PID 1 did not move to the new root");
	/* Back: the old root returns to / and the tmpfs goes under /tmp/ur_init again. */
	ASSERT_EQ(0, sys_pivot_root("/old", "/old/tmp/ur_init"));
	ASSERT_EQ(0, chdir("/"));
	ASSERT_EQ(0, stat("/", &st));
	EXPECT_EQ(before.st_dev, st.st_dev);
	EXPECT_EQ(before.st_ino, st.st_ino);
	EXPECT_EQ(0, umount2("/tmp/ur_init", MNT_DETACH));
}

/*
 * Every write to the null root fails, for whoever tries. Its directory is
 * permanently empty: no name can even be looked up in it, so creating one fails
 * with ENOENT before any permission check. Its inode is immutable, so changing
 * its attributes fails with EPERM, even with every capability.
 */
#define EXPECT_REFUSED(call) do {						\
	errno = 0;								\
	EXPECT_EQ(-1, (call));							\
	EXPECT_TRUE(errno == ENOENT || errno == EPERM || errno == EACCES ||	\
		    errno == EXDEV) TH_LOG("%s: %s", #call, strerror(errno));	\
} while (0)

#define EXPECT_EPERM(call) do {							\
	errno = 0;								\
	EXPECT_EQ(-1, (call));							\
	EXPECT_EQ(EPERM, errno) TH_LOG("%s: %s", #call, strerror(errno));	\
} while (0)

static void check_null_root_refuses(struct __test_metadata *_metadata, int dir, const char *who)
{
	struct statfs sfs;
	struct stat st;

	TH_LOG("checking the null root as %s", who);
	ASSERT_EQ(0, fstatfs(dir, &sfs));
	EXPECT_EQ(NULL_FS_MAGIC, sfs.f_type);
	ASSERT_EQ(0, fstat(dir, &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_EQ(0555, st.st_mode & 07777);

	EXPECT_REFUSED(mkdirat(dir, "d", 0755));
	EXPECT_REFUSED(openat(dir, "f", O_CREAT | O_WRONLY, 0644));
	EXPECT_REFUSED(openat(dir, ".", O_TMPFILE | O_WRONLY, 0644));
	EXPECT_REFUSED(mknodat(dir, "n", S_IFREG | 0644, 0));
	EXPECT_REFUSED(mknodat(dir, "c", S_IFCHR | 0600, makedev(1, 3)));
	EXPECT_REFUSED(mkfifoat(dir, "p", 0644));
	EXPECT_REFUSED(symlinkat("/", dir, "s"));
	EXPECT_REFUSED(linkat(AT_FDCWD, "/proc/self/exe", dir, "l", 0));
	EXPECT_REFUSED(renameat(dir, "d", dir, "e"));
	EXPECT_REFUSED(unlinkat(dir, "d", 0));
	EXPECT_REFUSED(unlinkat(dir, "d", AT_REMOVEDIR));
	EXPECT_EPERM(fchmod(dir, 0777));
	/* An id that the user namespace does not map is EINVAL before anything else. */
	errno = 0;
	EXPECT_EQ(-1, fchown(dir, 0, 0));
	EXPECT_TRUE(errno == EPERM || errno == EINVAL) TH_LOG("fchown: %s", strerror(errno));
	EXPECT_EPERM(futimens(dir, NULL));
	EXPECT_EPERM(fsetxattr(dir, "user.ur", "x", 1, 0));
	EXPECT_EPERM(fsetxattr(dir, "trusted.ur", "x", 1, 0));
	EXPECT_EPERM(fsetxattr(dir, "security.ur", "x", 1, 0));
	/* Still empty, still 0555. */
	ASSERT_EQ(0, fstat(dir, &st));
	EXPECT_EQ(0555, st.st_mode & 07777);
	EXPECT_EQ(1, st.st_ino);
}

TEST(null_root_refuses_root)
{
	int dir;

	if (!expect_user_root())
		SKIP(return, "no null root without user_root");
	ASSERT_EQ(0, private_mount_ns());
	ASSERT_EQ(0, enter_ns_root())
		TH_LOG("cannot reach the namespace root: %s", strerror(errno));
	EXPECT_EQ(2, count_entries("/"));
	dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_GE(dir, 0);
	check_null_root_refuses(_metadata, dir, "root");
}

static int write_file(int dirfd, const char *path, const char *text)
{
	int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

TEST(null_root_refuses_user_namespace)
{
	int dir, proc;

	if (!expect_user_root())
		SKIP(return, "no null root without user_root");
	proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_GE(proc, 0);
	ASSERT_EQ(0, private_mount_ns());
	ASSERT_EQ(0, enter_ns_root());
	dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_GE(dir, 0);

	/* Root of a new user namespace: every capability there, none outside. */
	ASSERT_EQ(0, unshare(CLONE_NEWUSER));
	ASSERT_EQ(0, write_file(proc, "self/setgroups", "deny"));
	ASSERT_EQ(0, write_file(proc, "self/uid_map", "0 0 1"));
	ASSERT_EQ(0, write_file(proc, "self/gid_map", "0 0 1"));
	check_null_root_refuses(_metadata, dir, "root in a user namespace");

	/* A nested user namespace without a mapping: an unprivileged user. */
	ASSERT_EQ(0, unshare(CLONE_NEWUSER));
	check_null_root_refuses(_metadata, dir, "an unmapped user");
}

/*
 * A chrooted process that escapes by re-entering its mount namespace lands on
 * the namespace root. With the root detached, that is the null root: nothing
 * to find, nothing to write, and ".." leads nowhere.
 */
TEST(chroot_escape_finds_nothing)
{
	char cwd[PATH_MAX];
	struct statfs sfs;
	int ns, jail;

	if (!expect_user_root())
		SKIP(return, "no null root without user_root");
	ASSERT_EQ(0, private_mount_ns());
	mkdir("/tmp/ur_jail", 0755);
	ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	jail = open("/tmp/ur_jail", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_GE(ns, 0);
	ASSERT_GE(jail, 0);
	ASSERT_EQ(0, umount2("/", MNT_DETACH));
	ASSERT_EQ(0, fchdir(jail));
	ASSERT_EQ(0, chroot("."));
	ASSERT_EQ(0, setns(ns, CLONE_NEWNS));
	for (int i = 0; i < 8; i++)
		ASSERT_EQ(0, chdir(".."));
	ASSERT_EQ(0, chroot("."));
	ASSERT_NE(NULL, getcwd(cwd, sizeof(cwd)));
	EXPECT_STREQ("/", cwd);
	ASSERT_EQ(0, statfs("/", &sfs));
	EXPECT_EQ(NULL_FS_MAGIC, sfs.f_type);
	EXPECT_EQ(2, count_entries("/"));
	EXPECT_NE(0, access("/init", F_OK));
	EXPECT_REFUSED(mkdir("/tmp", 0755));
	EXPECT_REFUSED(open("/x", O_CREAT | O_WRONLY, 0600));
	EXPECT_EPERM(chmod("/", 0777));
}

/* On stock the root of the namespace is rootfs, locked in place. */
TEST(namespace_root_is_locked_without_user_root)
{
	if (strcmp(expect(), "off"))
		SKIP(return, "only for the stock initramfs root");
	ASSERT_EQ(0, private_mount_ns());
	EXPECT_EQ(-1, umount2("/", MNT_DETACH));
	EXPECT_EQ(EINVAL, errno);
}

TEST(null_root_not_mountable)
{
	char line[256];
	bool listed = false;
	FILE *f;

	ASSERT_EQ(0, private_mount_ns());
	mkdir("/tmp/ur_mnt", 0755);
	EXPECT_EQ(-1, mount("none", "/tmp/ur_mnt", "nullfs", 0, NULL));
	EXPECT_EQ(ENODEV, errno);
	f = fopen("/proc/filesystems", "re");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		listed |= !!strstr(line, "nullfs");
	fclose(f);
	EXPECT_FALSE(listed);
}

/*
 * With root= the kernel mounts the disk itself. With user_root it must sit
 * directly on the null root, the user_root tmpfs gone from under it; stock
 * leaves it on rootfs.
 */
TEST(kernel_mounted_root_sits_on_null_root)
{
	struct statfs sfs;

	if (!expect_disk())
		SKIP(return, "only for root=");
	ASSERT_EQ(0, private_mount_ns());
	ASSERT_EQ(0, enter_ns_root());
	ASSERT_EQ(0, statfs("/", &sfs));
	if (expect_user_root()) {
		EXPECT_EQ(NULL_FS_MAGIC, sfs.f_type);
		EXPECT_EQ(2, count_entries("/"));
	} else {
		EXPECT_TRUE(sfs.f_type == TMPFS_MAGIC || sfs.f_type == RAMFS_MAGIC);
	}
}

TEST_HARNESS_MAIN
