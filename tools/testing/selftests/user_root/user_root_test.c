// SPDX-License-Identifier: GPL-2.0
/*
 * user_root selftests: the boot mount tree, pivot_root(2) in its forms, and
 * the null root under it.
 *
 * The tests find out from the running system what its root is. Two facts:
 *
 *  - the namespace root: in a private mount namespace, everything stacked on
 *    it is detached and the namespace re-entered, which puts root and cwd on
 *    it. It is the null root (NULL_FS_MAGIC) when the kernel runs with
 *    user_root, else rootfs (ramfs or tmpfs). Either way it is locked:
 *    detaching it fails with EINVAL;
 *  - whether / is the initramfs itself (tmpfs "user_root", or "rootfs" on a
 *    stock kernel), or another root mounted over it: a disk the kernel mounted
 *    for root=, or a root that userspace switched to.
 *
 * Together they make the kind of the boot: "on", "off", "disk-on" or
 * "disk-off". The environment variable UR_EXPECT, when set, asserts the kind:
 * only root.detected_kind_matches_ur_expect reads it, the other tests take
 * the detected kind.
 *
 * The tests need root, and change nothing outside their own mount namespaces
 * and temporary directories. The tests that pivot the initial mount namespace
 * or PID 1 are in tools/testing/user_root/vm/, which only runs in a virtual
 * machine.
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
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/magic.h>

#include "../kselftest_harness.h"

#ifndef NULL_FS_MAGIC
#define NULL_FS_MAGIC 0x4E554C4C
#endif

/* The same numbers on every architecture that has them (asm-generic). */
#ifndef __NR_open_tree
#define __NR_open_tree 428
#endif
#ifndef __NR_move_mount
#define __NR_move_mount 429
#endif
#ifndef __NR_fsopen
#define __NR_fsopen 430
#endif
#ifndef __NR_fspick
#define __NR_fspick 433
#endif

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x00000001
#endif
#ifndef FSPICK_CLOEXEC
#define FSPICK_CLOEXEC 0x00000001
#endif

/* More mounts than any boot stacks on its namespace root. */
#define MAX_STACK 16

static int sys_pivot_root(const char *new_root, const char *put_old)
{
	return syscall(SYS_pivot_root, new_root, put_old);
}

static int sys_open_tree(int dfd, const char *path, unsigned int flags)
{
	return syscall(__NR_open_tree, dfd, path, flags);
}

static int sys_move_mount(int from_dfd, const char *from_path, int to_dfd,
			  const char *to_path, unsigned int flags)
{
	return syscall(__NR_move_mount, from_dfd, from_path, to_dfd, to_path, flags);
}

static int sys_fsopen(const char *fstype, unsigned int flags)
{
	return syscall(__NR_fsopen, fstype, flags);
}

static int sys_fspick(int dfd, const char *path, unsigned int flags)
{
	return syscall(__NR_fspick, dfd, path, flags);
}

enum root_kind { KIND_ON, KIND_OFF, KIND_DISK_ON, KIND_DISK_OFF };

static const char * const kind_names[] = {
	[KIND_ON] = "on",
	[KIND_OFF] = "off",
	[KIND_DISK_ON] = "disk-on",
	[KIND_DISK_OFF] = "disk-off",
};

struct mnt_entry {
	int id, parent;
	char fstype[64], source[256];
};

struct root_facts {
	struct mnt_entry root;	/* "/" in /proc/self/mountinfo */
	long ns_root_magic;	/* statfs() of the namespace root */
	int stacked;		/* mounts detached to reach the namespace root */
	bool null_root;		/* the namespace root is the null root */
	bool initramfs;		/* "/" is the initramfs itself */
	enum root_kind kind;
	char error[256];	/* why they could not be found, or "" */
};

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

/*
 * The mount that "/" shows in the mountinfo file at @dfd/@path: the last line
 * for "/", the top of the stack. With @id >= 0, the line of mount @id instead.
 */
static int mount_entry_at(int dfd, const char *path, int id, struct mnt_entry *m)
{
	char line[4096], mnt_point[PATH_MAX];
	bool found = false;
	FILE *f;
	int fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	f = fdopen(fd, "re");
	if (!f) {
		close(fd);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct mnt_entry cur;
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%d %d %*s %*s %4095s",
				   &cur.id, &cur.parent, mnt_point) != 3)
			continue;
		if (id >= 0 ? cur.id != id : strcmp(mnt_point, "/"))
			continue;
		if (sscanf(sep + 3, "%63s %255s", cur.fstype, cur.source) != 2)
			continue;
		*m = cur;
		found = true;
	}
	fclose(f);
	if (!found)
		errno = ENOENT;
	return found ? 0 : -1;
}

static int root_entry(struct mnt_entry *m)
{
	return mount_entry_at(AT_FDCWD, "/proc/self/mountinfo", -1, m);
}

static bool mount_listed(int id)
{
	struct mnt_entry m;

	return !mount_entry_at(AT_FDCWD, "/proc/self/mountinfo", id, &m);
}

/* A private copy of the mount namespace, so that the test changes nothing outside. */
static int private_mount_ns(void)
{
	if (unshare(CLONE_NEWNS))
		return -1;
	return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
}

/*
 * In a private mount namespace, detach everything stacked on the namespace
 * root. setns() into the namespace puts root and cwd on the top of the stack
 * of mounts on its root; umount2("/", MNT_DETACH) detaches that mount with
 * all it holds. The namespace root itself is locked: detaching it fails with
 * EINVAL, which is where this stops, with root and cwd on it.
 *
 * Returns the number of mounts detached, or -1 with errno set.
 */
static int reach_ns_root(void)
{
	int ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	int n, ret = -1, err = ELOOP;

	if (ns < 0)
		return -1;
	for (n = 0; n < MAX_STACK; n++) {
		if (setns(ns, CLONE_NEWNS)) {
			err = errno;
			break;
		}
		if (umount2("/", MNT_DETACH)) {
			err = errno;
			if (err == EINVAL)
				ret = n;
			break;
		}
	}
	close(ns);
	errno = err;
	return ret;
}

static bool is_rootfs_magic(long magic)
{
	return magic == TMPFS_MAGIC || magic == RAMFS_MAGIC;
}

/* Runs in a child: detaching mounts changes the caller's namespace for good. */
static void find_facts(struct root_facts *f)
{
	struct mnt_entry top;
	struct statfs sfs;
	int proc;

	if (root_entry(&f->root)) {
		snprintf(f->error, sizeof(f->error), "no / in /proc/self/mountinfo: %m");
		return;
	}
	proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (proc < 0 || private_mount_ns()) {
		snprintf(f->error, sizeof(f->error), "private mount namespace: %m");
		return;
	}
	f->stacked = reach_ns_root();
	if (f->stacked < 0) {
		snprintf(f->error, sizeof(f->error), "detaching / to reach the namespace root: %m");
		return;
	}
	if (statfs("/", &sfs)) {
		snprintf(f->error, sizeof(f->error), "statfs of the namespace root: %m");
		return;
	}
	/* The root of a namespace is its own parent. */
	if (mount_entry_at(proc, "self/mountinfo", -1, &top) || top.id != top.parent) {
		snprintf(f->error, sizeof(f->error),
			 "detaching stopped at a mount that is not the namespace root");
		return;
	}
	f->ns_root_magic = sfs.f_type;
	f->null_root = sfs.f_type == NULL_FS_MAGIC;
	f->initramfs = !strcmp(f->root.fstype, "rootfs") ||
		       (!strcmp(f->root.fstype, "tmpfs") && !strcmp(f->root.source, "user_root"));
	if (f->initramfs)
		f->kind = f->null_root ? KIND_ON : KIND_OFF;
	else
		f->kind = f->null_root ? KIND_DISK_ON : KIND_DISK_OFF;
}

/* What the root of this system is, found once per test process. */
static const struct root_facts *root_facts(struct __test_metadata *_metadata)
{
	static struct root_facts facts;
	static bool found;
	size_t got = 0;
	int status, pipefd[2];
	ssize_t n;
	pid_t pid;

	if (found)
		return &facts;
	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct root_facts f = {};

		close(pipefd[0]);
		find_facts(&f);
		_exit(write(pipefd[1], &f, sizeof(f)) == sizeof(f) ? 0 : 1);
	}
	close(pipefd[1]);
	while (got < sizeof(facts)) {
		n = read(pipefd[0], (char *)&facts + got, sizeof(facts) - got);
		if (n <= 0)
			break;
		got += n;
	}
	close(pipefd[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(sizeof(facts), got) TH_LOG("the child that looked at the root died");
	ASSERT_STREQ("", facts.error) TH_LOG("cannot tell what the root is");
	found = true;
	return &facts;
}

static void log_facts(struct __test_metadata *_metadata, const struct root_facts *f)
{
	TH_LOG("detected %s: the namespace root is %s (statfs 0x%lx), %d mount(s) above it",
	       kind_names[f->kind], f->null_root ? "the null root" : "rootfs",
	       f->ns_root_magic, f->stacked);
	TH_LOG("/ is mount %d (parent %d), %s from %s: %s", f->root.id, f->root.parent,
	       f->root.fstype, f->root.source,
	       f->initramfs ? "the initramfs" : "a root mounted over the initramfs");
}

static bool kind_is_disk(const struct root_facts *f)
{
	return f->kind == KIND_DISK_ON || f->kind == KIND_DISK_OFF;
}

/* Stock rootfs: the root of the namespace has no parent to pivot under. */
static bool expect_pivot_einval(const struct root_facts *f)
{
	return f->kind == KIND_OFF;
}

/* Whether this process is in the mount namespace of PID 1. */
static bool in_initial_mount_ns(void)
{
	struct stat self, init;

	return !stat("/proc/self/ns/mnt", &self) && !stat("/proc/1/ns/mnt", &init) &&
	       self.st_dev == init.st_dev && self.st_ino == init.st_ino;
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

/*
 * A temporary directory under /tmp with a tmpfs of its own on it, mounted in
 * the caller's private mount namespace: nothing the test writes there reaches
 * the system, and the parent removes the empty directory at teardown.
 */
static void make_private_tmp(struct __test_metadata *_metadata, char *dir, size_t size)
{
	int err;

	snprintf(dir, size, "/tmp/user_root_test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(dir)) TH_LOG("mkdtemp: %s", strerror(errno));
	if (mount("user_root_test", dir, "tmpfs", 0, NULL)) {
		err = errno;
		rmdir(dir);
		dir[0] = '\0';
		ASSERT_EQ(0, err) TH_LOG("mount tmpfs: %s", strerror(err));
	}
}

/* What the root of the system is. */
FIXTURE(root) {
	const struct root_facts *f;
};

FIXTURE_SETUP(root)
{
	if (geteuid())
		SKIP(return, "must run as root");
	self->f = root_facts(_metadata);
}

FIXTURE_TEARDOWN(root)
{
}

/* A private mount namespace, and a temporary directory with a tmpfs on it. */
FIXTURE(private_ns) {
	const struct root_facts *f;
	char dir[PATH_MAX];
};

FIXTURE_SETUP(private_ns)
{
	if (geteuid())
		SKIP(return, "must run as root");
	self->f = root_facts(_metadata);
	ASSERT_EQ(0, private_mount_ns()) TH_LOG("%s", strerror(errno));
	make_private_tmp(_metadata, self->dir, sizeof(self->dir));
}

FIXTURE_TEARDOWN_PARENT(private_ns)
{
	if (self->dir[0])
		EXPECT_EQ(0, rmdir(self->dir)) TH_LOG("rmdir %s: %s", self->dir, strerror(errno));
}

/*
 * The null root reached: a private mount namespace (ns) with a temporary
 * directory, and a second one (null_ns) where everything above the namespace
 * root is detached, so that setns() into it puts root and cwd on the null
 * root. The process starts in ns.
 */
FIXTURE(null_root) {
	const struct root_facts *f;
	char dir[PATH_MAX];
	int ns, null_ns, null_dir, proc;
};

FIXTURE_SETUP(null_root)
{
	if (geteuid())
		SKIP(return, "must run as root");
	self->f = root_facts(_metadata);
	if (!self->f->null_root)
		SKIP(return, "the namespace root is rootfs, not the null root: user_root is off");
	ASSERT_EQ(0, private_mount_ns()) TH_LOG("%s", strerror(errno));
	self->ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->ns);
	self->proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, self->proc);

	ASSERT_EQ(0, private_mount_ns()) TH_LOG("%s", strerror(errno));
	self->null_ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->null_ns);
	ASSERT_LE(0, reach_ns_root()) TH_LOG("cannot reach the null root: %s", strerror(errno));
	self->null_dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, self->null_dir);

	ASSERT_EQ(0, setns(self->ns, CLONE_NEWNS));
	make_private_tmp(_metadata, self->dir, sizeof(self->dir));
}

FIXTURE_TEARDOWN_PARENT(null_root)
{
	if (self->dir[0])
		EXPECT_EQ(0, rmdir(self->dir)) TH_LOG("rmdir %s: %s", self->dir, strerror(errno));
}

/* The one test that reads UR_EXPECT: what the caller says this boot is. */
TEST_F(root, detected_kind_matches_ur_expect)
{
	const char *want = getenv("UR_EXPECT");
	bool known = false;

	log_facts(_metadata, self->f);
	if (!want || !*want)
		SKIP(return, "UR_EXPECT is not set (detected: %s)", kind_names[self->f->kind]);
	for (size_t i = 0; i < ARRAY_SIZE(kind_names); i++)
		known |= !strcmp(want, kind_names[i]);
	ASSERT_TRUE(known) TH_LOG("UR_EXPECT=%s is none of on, off, disk-on, disk-off", want);
	EXPECT_STREQ(want, kind_names[self->f->kind]);
}

TEST_F(root, mount_tree)
{
	const struct mnt_entry *m = &self->f->root;
	bool initial = in_initial_mount_ns();

	log_facts(_metadata, self->f);
	switch (self->f->kind) {
	case KIND_ON:
		EXPECT_STREQ("tmpfs", m->fstype);
		EXPECT_STREQ("user_root", m->source);
		/* Mounted on the null root, which lies outside the root: not listed. */
		EXPECT_NE(m->id, m->parent);
		EXPECT_FALSE(mount_listed(m->parent));
		if (initial) {
			EXPECT_EQ(2, m->id);
			EXPECT_EQ(1, m->parent);
		}
		break;
	case KIND_OFF:
		EXPECT_STREQ("rootfs", m->fstype);
		EXPECT_EQ(m->id, m->parent);
		if (initial)
			EXPECT_EQ(1, m->id);
		break;
	default:
		EXPECT_NE(m->id, m->parent);
		EXPECT_STRNE("rootfs", m->fstype);
		EXPECT_STRNE("user_root", m->source);
		/* A root that the kernel mounted for root= is mounted on mount 1. */
		if (initial && !strcmp(m->source, "/dev/root"))
			EXPECT_EQ(1, m->parent);
		break;
	}
}

TEST_F(root, statfs_root)
{
	struct statfs sfs;

	ASSERT_EQ(0, statfs("/", &sfs));
	TH_LOG("statfs(\"/\"): 0x%lx", (long)sfs.f_type);
	switch (self->f->kind) {
	case KIND_ON:
		EXPECT_EQ(TMPFS_MAGIC, sfs.f_type);
		break;
	case KIND_OFF:
		/* Stock rootfs is ramfs when root= is given, else tmpfs. */
		EXPECT_TRUE(is_rootfs_magic(sfs.f_type));
		EXPECT_TRUE(sfs.f_type == RAMFS_MAGIC || !cmdline_has("root="));
		EXPECT_EQ(self->f->ns_root_magic, sfs.f_type);
		break;
	default:
		EXPECT_NE(NULL_FS_MAGIC, sfs.f_type);
		break;
	}
}

/*
 * The regression that sank the 2021 series: init found no /dev/console. The
 * descriptors the kernel gave PID 1 must be the console, unless init replaced
 * them (as systemd does).
 */
TEST_F(root, init_has_console)
{
	char path[64];
	struct stat st;

	for (int fd = 0; fd <= 2; fd++) {
		snprintf(path, sizeof(path), "/proc/1/fd/%d", fd);
		if (stat(path, &st) && (errno == EACCES || errno == EPERM))
			SKIP(return, "cannot look at PID 1's descriptors: %s", strerror(errno));
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("PID 1 has no fd %d: %s", fd, strerror(errno));
		if (fd == 0 && (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(5, 1)))
			SKIP(return, "PID 1 replaced its fd 0 (now %o %u:%u)", st.st_mode & S_IFMT,
			     major(st.st_rdev), minor(st.st_rdev));
		EXPECT_TRUE(S_ISCHR(st.st_mode));
		EXPECT_EQ(makedev(5, 1), st.st_rdev)
			TH_LOG("fd %d of PID 1 is not /dev/console", fd);
	}
}

/* The form systemd and Linux 7.0's boot code use. */
TEST_F(private_ns, pivot_root_dot_dot_and_detach)
{
	struct mnt_entry m;
	int ret;

	ASSERT_EQ(0, chdir(self->dir));
	ASSERT_EQ(0, mkdir("marker", 0755));
	ret = sys_pivot_root(".", ".");
	if (expect_pivot_einval(self->f)) {
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
	ASSERT_EQ(0, mount_entry_at(AT_FDCWD, "/marker/self/mountinfo", -1, &m));
	EXPECT_STREQ("user_root_test", m.source);
}

TEST_F(private_ns, pivot_root_put_old)
{
	char put_old[PATH_MAX + 8], mountpoint[PATH_MAX + 8];
	struct statfs old, sfs;
	int ret;

	snprintf(put_old, sizeof(put_old), "%s/old", self->dir);
	snprintf(mountpoint, sizeof(mountpoint), "/old%s", self->dir);
	ASSERT_EQ(0, statfs("/", &old));
	ASSERT_EQ(0, mkdir(put_old, 0755));
	ret = sys_pivot_root(self->dir, put_old);
	if (expect_pivot_einval(self->f)) {
		ASSERT_EQ(-1, ret);
		ASSERT_EQ(EINVAL, errno);
		return;
	}
	ASSERT_EQ(0, ret) TH_LOG("pivot_root: %s", strerror(errno));
	ASSERT_EQ(0, chdir("/"));
	/* The old root is at /old, with everything on it. */
	ASSERT_EQ(0, statfs("/old", &sfs));
	EXPECT_EQ(old.f_type, sfs.f_type);
	EXPECT_EQ(0, access(mountpoint, F_OK));
	ASSERT_EQ(0, umount2("/old", MNT_DETACH));
	EXPECT_EQ(2, count_entries("/old"));
	ASSERT_EQ(0, statfs("/", &sfs));
	EXPECT_EQ(TMPFS_MAGIC, sfs.f_type);
}

/* The namespace root, null root or rootfs, can never be detached. */
TEST_F(private_ns, namespace_root_is_locked)
{
	struct statfs sfs;
	struct mnt_entry m;
	int proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);

	ASSERT_LE(0, proc);
	ASSERT_EQ(self->f->stacked, reach_ns_root()) TH_LOG("%s", strerror(errno));
	errno = 0;
	EXPECT_EQ(-1, umount2("/", MNT_DETACH));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, mount_entry_at(proc, "self/mountinfo", -1, &m));
	EXPECT_EQ(m.id, m.parent);
	ASSERT_EQ(0, statfs("/", &sfs));
	EXPECT_EQ(self->f->null_root, sfs.f_type == NULL_FS_MAGIC);
	EXPECT_TRUE(self->f->null_root || is_rootfs_magic(sfs.f_type));
}

/* Nobody can make a null root: its type is not registered. */
TEST_F(private_ns, nullfs_not_mountable)
{
	char line[256];
	bool listed = false;
	FILE *f;

	errno = 0;
	EXPECT_EQ(-1, mount("none", self->dir, "nullfs", 0, NULL));
	EXPECT_EQ(ENODEV, errno);
	errno = 0;
	EXPECT_EQ(-1, sys_fsopen("nullfs", FSOPEN_CLOEXEC));
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
 * leaves it directly on rootfs.
 */
TEST_F(private_ns, kernel_mounted_root_on_namespace_root)
{
	struct statfs sfs;
	int ns;

	if (!kind_is_disk(self->f))
		SKIP(return, "/ is the initramfs");
	if (strcmp(self->f->root.source, "/dev/root"))
		SKIP(return, "/ (%s) was mounted by userspace, not by the kernel",
		     self->f->root.source);
	ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ns);
	ASSERT_EQ(0, umount2("/", MNT_DETACH));
	ASSERT_EQ(0, setns(ns, CLONE_NEWNS));
	ASSERT_EQ(0, statfs("/", &sfs));
	TH_LOG("below /: statfs 0x%lx", (long)sfs.f_type);
	if (self->f->null_root) {
		EXPECT_EQ(NULL_FS_MAGIC, sfs.f_type);
		EXPECT_EQ(2, count_entries("/"));
	} else {
		EXPECT_TRUE(is_rootfs_magic(sfs.f_type));
	}
	/* Nothing else in between: this is the namespace root. */
	errno = 0;
	EXPECT_EQ(-1, umount2("/", MNT_DETACH));
	EXPECT_EQ(EINVAL, errno);
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

TEST_F(null_root, refuses_root)
{
	int dir;

	ASSERT_EQ(0, setns(self->null_ns, CLONE_NEWNS));
	EXPECT_EQ(2, count_entries("/"));
	dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, dir);
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

TEST_F(null_root, refuses_user_namespace)
{
	int dir;

	ASSERT_EQ(0, setns(self->null_ns, CLONE_NEWNS));
	dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, dir);

	/* Root of a new user namespace: every capability there, none outside. */
	if (unshare(CLONE_NEWUSER))
		SKIP(return, "no user namespace: %s", strerror(errno));
	ASSERT_EQ(0, write_file(self->proc, "self/setgroups", "deny"));
	ASSERT_EQ(0, write_file(self->proc, "self/uid_map", "0 0 1"));
	ASSERT_EQ(0, write_file(self->proc, "self/gid_map", "0 0 1"));
	check_null_root_refuses(_metadata, dir, "root in a user namespace");

	/* A nested user namespace without a mapping: an unprivileged user. */
	ASSERT_EQ(0, unshare(CLONE_NEWUSER));
	check_null_root_refuses(_metadata, dir, "an unmapped user");
}

/*
 * A chrooted process that escapes by re-entering its mount namespace lands on
 * the namespace root. With everything above it detached, that is the null
 * root: nothing to find, nothing to write, and ".." leads nowhere.
 */
TEST_F(null_root, chroot_escape_finds_nothing)
{
	char jail_path[PATH_MAX + 8], cwd[PATH_MAX];
	struct statfs sfs;
	int jail;

	snprintf(jail_path, sizeof(jail_path), "%s/jail", self->dir);
	ASSERT_EQ(0, mkdir(jail_path, 0755));
	jail = open(jail_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, jail);
	ASSERT_LE(0, reach_ns_root());
	ASSERT_EQ(0, fchdir(jail));
	ASSERT_EQ(0, chroot("."));
	ASSERT_EQ(0, setns(self->ns, CLONE_NEWNS));
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

/*
 * The null root's superblock is SB_NOUSER: graft_tree() refuses a bind mount
 * of it, recursive or not, even where the namespace holds nothing else.
 */
TEST_F(null_root, bind_mount_refused)
{
	ASSERT_EQ(0, setns(self->null_ns, CLONE_NEWNS));
	errno = 0;
	EXPECT_EQ(-1, mount("/", "/", NULL, MS_BIND, NULL));
	EXPECT_EQ(EINVAL, errno) TH_LOG("bind mount: %s", strerror(errno));
	errno = 0;
	EXPECT_EQ(-1, mount("/", "/", NULL, MS_BIND | MS_REC, NULL));
	EXPECT_EQ(EINVAL, errno) TH_LOG("recursive bind mount: %s", strerror(errno));
	/* Nothing was mounted on it: / is still the locked namespace root. */
	errno = 0;
	EXPECT_EQ(-1, umount2("/", MNT_DETACH));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(2, count_entries("/"));
}

/* Nor can it be reconfigured. */
TEST_F(null_root, fspick_refused)
{
	ASSERT_EQ(0, setns(self->null_ns, CLONE_NEWNS));
	errno = 0;
	EXPECT_EQ(-1, sys_fspick(AT_FDCWD, "/", FSPICK_CLOEXEC));
	EXPECT_EQ(EINVAL, errno) TH_LOG("fspick: %s", strerror(errno));
}

/*
 * SB_NOUSER does not stop open_tree(OPEN_TREE_CLONE) + move_mount(): a task
 * privileged over its namespace that has reached the null root can attach a
 * clone of it elsewhere. The clone is the same empty, immutable directory.
 */
TEST_F(null_root, open_tree_clone_move_mount)
{
	char target[PATH_MAX + 16];
	struct statfs sfs;
	int tree, dir;

	snprintf(target, sizeof(target), "%s/attached", self->dir);
	ASSERT_EQ(0, mkdir(target, 0755));
	ASSERT_EQ(0, setns(self->null_ns, CLONE_NEWNS));
	tree = sys_open_tree(AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	ASSERT_LE(0, tree) TH_LOG("open_tree: %s", strerror(errno));
	/* Back: LOOKUP_DOWN puts root and cwd on top of the namespace's root. */
	ASSERT_EQ(0, setns(self->ns, CLONE_NEWNS));
	ASSERT_EQ(0, sys_move_mount(tree, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH))
		TH_LOG("move_mount: %s", strerror(errno));
	close(tree);
	ASSERT_EQ(0, statfs(target, &sfs));
	EXPECT_EQ(NULL_FS_MAGIC, sfs.f_type);
	dir = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, dir);
	check_null_root_refuses(_metadata, dir, "root, on a clone attached in the namespace");
	close(dir);
	EXPECT_EQ(0, umount2(target, 0)) TH_LOG("umount: %s", strerror(errno));
}

TEST_HARNESS_MAIN
