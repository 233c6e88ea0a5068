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
 *  - whether / is the initramfs itself (source "user_root", a tmpfs or a
 *    ramfs, on the null root; or "rootfs" on a stock kernel), or another root
 *    mounted over it: a disk the kernel mounted for root=, or a root that
 *    userspace switched to.
 *
 * Together they make the kind of the boot: "on", "off", "disk-on" or
 * "disk-off". The environment variable UR_EXPECT, when set, asserts the kind:
 * only root.detected_kind_matches_ur_expect reads it, the other tests take
 * the detected kind.
 *
 * Where the kind cannot be found out, the tests that depend on it say why
 * and skip: for a user without root; in a user namespace that does not own
 * the mounts above its namespace root (a rootless container), where those
 * mounts are locked, so that detaching them fails with EINVAL as detaching
 * the namespace root does; and in a chroot, whose root is not the root of its
 * mount namespace. Only root.detected_kind_matches_ur_expect then fails, if
 * UR_EXPECT is set.
 *
 * The tests change nothing outside their own mount namespaces and temporary
 * directories. The tests that pivot the initial mount namespace or PID 1 are
 * in tools/testing/user_root/vm/, which only runs in a virtual machine.
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
#ifndef __NR_fsconfig
#define __NR_fsconfig 431
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
#ifndef FSCONFIG_SET_STRING
#define FSCONFIG_SET_STRING 1
#endif
#ifndef FSCONFIG_CMD_RECONFIGURE
#define FSCONFIG_CMD_RECONFIGURE 7
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

static int sys_fsconfig(int fd, unsigned int cmd, const char *key, const void *value, int aux)
{
	return syscall(__NR_fsconfig, fd, cmd, key, value, aux);
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
	char unknown[1024];	/* why the kind cannot be found out, or "" */
};

/*
 * The file system that stock rootfs is for the kernel command line, as
 * init_rootfs() chooses it: a tmpfs, unless the command line has root= with a
 * value or rootfstype=, and then only if rootfstype= names tmpfs. The last of
 * each word counts; words after "--" are for init.
 */
static long rootfs_magic(void)
{
	char buf[4096], *word, *save, *root = NULL, *fstype = NULL;
	bool tmpfs;
	FILE *f = fopen("/proc/cmdline", "re");

	buf[0] = '\0';
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	for (word = strtok_r(buf, "\n ", &save); word && strcmp(word, "--");
	     word = strtok_r(NULL, "\n ", &save)) {
		if (!strncmp(word, "root=", 5))
			root = word + 5;
		else if (!strncmp(word, "rootfstype=", 11))
			fstype = word + 11;
	}
	if (fstype)
		tmpfs = strstr(fstype, "tmpfs");
	else
		tmpfs = !root || !*root;
	return tmpfs ? TMPFS_MAGIC : RAMFS_MAGIC;
}

static const char *magic_name(long magic)
{
	switch (magic) {
	case TMPFS_MAGIC:
		return "tmpfs";
	case RAMFS_MAGIC:
		return "ramfs";
	case NULL_FS_MAGIC:
		return "the null root";
	default:
		return "unknown";
	}
}

/*
 * Whether the user_root root, of fstype @fstype and statfs @sfs, is what the
 * command line asks for: user_root unpacks the initramfs into the kind of file
 * system that stock rootfs would be, a tmpfs or a ramfs.
 */
static bool user_root_fs_ok(struct __test_metadata *_metadata, const char *fstype,
			    const struct statfs *sfs)
{
	long want = rootfs_magic();

	TH_LOG("the command line makes rootfs a %s; / is a %s (%s)", magic_name(want),
	       magic_name(sfs->f_type), fstype);
	return !strcmp(fstype, magic_name(want)) && sfs->f_type == want;
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
 * root until detaching fails with EINVAL. setns() into the namespace puts
 * root and cwd on the top of the stack of mounts on its root;
 * umount2("/", MNT_DETACH) detaches that mount with all it holds.
 *
 * EINVAL means that the mount is locked: the namespace root always is, and so
 * is every mount that a user namespace got from a more privileged one (a
 * rootless container). find_facts() tells the two apart; the tests call this
 * only once it has shown that it stops at the namespace root.
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

/*
 * Whether the mount that detaching stopped at, @top in mountinfo (NULL if not
 * listed) with the statfs() magic @magic, is the namespace root; if not, why
 * not, in @why. The root of a namespace is its own parent: stock rootfs is
 * "1 1 ... - rootfs rootfs", the null root "1 1 ... - nullfs nullfs" (should
 * a kernel not list it, its magic number is still enough). A locked mount that
 * a rootless container got from its parent namespace has a parent.
 */
static bool is_namespace_root(const struct mnt_entry *top, long magic, char *why, size_t size)
{
	if (top && top->id == top->parent) {
		if (magic == NULL_FS_MAGIC ||
		    (!strcmp(top->fstype, "rootfs") && is_rootfs_magic(magic)))
			return true;
		snprintf(why, size,
			 "the namespace root, mount %d, %s from %s, is neither the null root nor rootfs (statfs 0x%lx)",
			 top->id, top->fstype, top->source, magic);
		return false;
	}
	if (!top && magic == NULL_FS_MAGIC)
		return true;
	if (top)
		snprintf(why, size,
			 "/ is locked but not the namespace root (mount %d on mount %d, %s from %s): a mount this user namespace got from a more privileged one, as in a rootless container",
			 top->id, top->parent, top->fstype, top->source);
	else
		snprintf(why, size,
			 "detaching stopped at a mount that is not in mountinfo (statfs 0x%lx)",
			 magic);
	return false;
}

/* Whether @root, the top of the stack on the namespace root, is the initramfs. */
static bool is_initramfs(const struct mnt_entry *root, bool null_root)
{
	if (!null_root)
		return !strcmp(root->fstype, "rootfs");
	return !strcmp(root->source, "user_root") &&
	       (!strcmp(root->fstype, "tmpfs") || !strcmp(root->fstype, "ramfs"));
}

struct root_id {
	dev_t dev;
	ino_t ino;
	int mnt_id;
};

/* The device, inode and mount (-1 if not listed) of "/". */
static int root_identity(int proc, struct root_id *id)
{
	struct mnt_entry m;
	struct stat st;

	if (stat("/", &st))
		return -1;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->mnt_id = mount_entry_at(proc, "self/mountinfo", -1, &m) ? -1 : m.id;
	return 0;
}

/*
 * Finds the facts, or says in f->unknown why they cannot be found. Runs in a
 * child: detaching mounts changes the caller's namespace for good.
 */
static void find_facts(struct root_facts *f)
{
	struct root_id before, after;
	struct mnt_entry top;
	struct statfs sfs;
	char *why = f->unknown;
	size_t size = sizeof(f->unknown);
	int proc, ns;

	if (geteuid()) {
		snprintf(why, size,
			 "must run as root to detach mounts in a private mount namespace");
		return;
	}
	if (access("/proc/self/mountinfo", R_OK)) {
		snprintf(why, size, "cannot read /proc/self/mountinfo: %m");
		return;
	}
	if (root_entry(&f->root)) {
		snprintf(why, size,
			 "/ is not in /proc/self/mountinfo: the root of this process is not the root of a mount (is it chrooted?)");
		return;
	}
	proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (proc < 0 || private_mount_ns()) {
		snprintf(why, size, "cannot make a private mount namespace: %m");
		return;
	}
	/*
	 * Re-entering the namespace moves root and cwd to the top of the stack on
	 * its root: that must be where the root already is, else it is chrooted.
	 */
	ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (ns < 0 || root_identity(proc, &before) || setns(ns, CLONE_NEWNS) ||
	    root_identity(proc, &after)) {
		snprintf(why, size, "re-entering the mount namespace: %m");
		return;
	}
	close(ns);
	if (before.dev != after.dev || before.ino != after.ino || before.mnt_id != after.mnt_id) {
		snprintf(why, size,
			 "the root of this process is not the root of its mount namespace (it is chrooted)");
		return;
	}
	f->stacked = reach_ns_root();
	if (f->stacked < 0) {
		snprintf(why, size, "detaching / to reach the namespace root: %m");
		return;
	}
	if (statfs("/", &sfs)) {
		snprintf(why, size, "statfs of the namespace root: %m");
		return;
	}
	if (!is_namespace_root(mount_entry_at(proc, "self/mountinfo", -1, &top) ? NULL : &top,
			       sfs.f_type, why, size))
		return;
	f->ns_root_magic = sfs.f_type;
	f->null_root = sfs.f_type == NULL_FS_MAGIC;
	f->initramfs = is_initramfs(&f->root, f->null_root);
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
	found = true;
	return &facts;
}

/* Whether the kind is known; if not, the calling test skips, saying why. */
static bool kind_known(struct __test_metadata *_metadata, const struct root_facts *f)
{
	if (f->unknown[0])
		SKIP(return false, "cannot tell what the root is: %.900s", f->unknown);
	return true;
}

static void log_facts(struct __test_metadata *_metadata, const struct root_facts *f)
{
	if (f->unknown[0]) {
		TH_LOG("cannot tell what the root is: %s", f->unknown);
		return;
	}
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

/* The inode number of the initial PID namespace (PROC_PID_INIT_INO). */
#define PID_NS_INIT_INO 0xEFFFFFFCU

/* Whether this process is in the initial PID namespace, whose PID 1 the kernel started. */
static bool in_initial_pid_ns(void)
{
	struct stat st;

	return !stat("/proc/self/ns/pid", &st) && st.st_ino == PID_NS_INIT_INO;
}

static int count_entries_at(int dirfd, const char *path)
{
	struct dirent *d;
	int n = 0, fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dp;

	if (fd < 0)
		return -1;
	dp = fdopendir(fd);
	if (!dp) {
		close(fd);
		return -1;
	}
	while ((d = readdir(dp)))
		n++;
	closedir(dp);
	return n;
}

static int count_entries(const char *dir)
{
	return count_entries_at(AT_FDCWD, dir);
}

/*
 * A temporary directory under /tmp with a tmpfs of its own on it, mounted in
 * the caller's private mount namespace: nothing the test writes there reaches
 * the system, and the parent removes the empty directory at teardown. Skips
 * where there is no writable /tmp.
 */
static void make_private_tmp(struct __test_metadata *_metadata, char *dir, size_t size)
{
	int err;

	snprintf(dir, size, "/tmp/user_root_test.XXXXXX");
	if (!mkdtemp(dir)) {
		err = errno;
		dir[0] = '\0';
		if (err == ENOENT || err == EROFS || err == EACCES)
			SKIP(return, "no writable /tmp for a temporary directory: %s",
			     strerror(err));
		ASSERT_EQ(0, err) TH_LOG("mkdtemp: %s", strerror(err));
	}
	if (mount("user_root_test", dir, "tmpfs", 0, NULL)) {
		err = errno;
		rmdir(dir);
		dir[0] = '\0';
		ASSERT_EQ(0, err) TH_LOG("mount tmpfs: %s", strerror(err));
	}
}

/*
 * Enters a private copy of the mount namespace, or skips where that cannot be
 * done: without the privilege, without namespaces (EINVAL), or in a chroot,
 * whose root is no mount that could be made private.
 */
static void enter_private_mount_ns(struct __test_metadata *_metadata)
{
	if (unshare(CLONE_NEWNS)) {
		if (errno == EPERM || errno == EINVAL)
			SKIP(return, "cannot make a mount namespace: %s", strerror(errno));
		ASSERT_EQ(0, errno) TH_LOG("unshare(CLONE_NEWNS): %s", strerror(errno));
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		if (errno == EINVAL)
			SKIP(return,
			     "cannot make the mount namespace private: / is not a mount (chrooted?)");
		ASSERT_EQ(0, errno) TH_LOG("making / private: %s", strerror(errno));
	}
}

/* What the root of the system is. */
FIXTURE(root) {
	const struct root_facts *f;
};

FIXTURE_SETUP(root)
{
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
	self->f = root_facts(_metadata);
	enter_private_mount_ns(_metadata);
	if (_metadata->exit_code)
		return;
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
 * root. The process starts in ns. src is a directory with a file "file" in
 * the temporary directory, open as O_PATH.
 */
FIXTURE(null_root) {
	const struct root_facts *f;
	char dir[PATH_MAX];
	int ns, null_ns, null_dir, proc, src;
};

FIXTURE_SETUP(null_root)
{
	char src[PATH_MAX + 8];
	int fd;

	self->f = root_facts(_metadata);
	if (!kind_known(_metadata, self->f))
		return;
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
	if (_metadata->exit_code)
		return;
	snprintf(src, sizeof(src), "%s/src", self->dir);
	ASSERT_EQ(0, mkdir(src, 0755));
	fd = openat(AT_FDCWD, src, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	self->src = fd;
	fd = openat(self->src, "file", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	ASSERT_LE(0, fd);
	close(fd);
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
	if (!want || !*want) {
		if (self->f->unknown[0])
			SKIP(return, "UR_EXPECT is not set, and the kind is unknown: %.900s",
			     self->f->unknown);
		SKIP(return, "UR_EXPECT is not set (detected: %s)", kind_names[self->f->kind]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(kind_names); i++)
		known |= !strcmp(want, kind_names[i]);
	ASSERT_TRUE(known) TH_LOG("UR_EXPECT=%s is none of on, off, disk-on, disk-off", want);
	ASSERT_STREQ("", self->f->unknown)
		TH_LOG("UR_EXPECT=%s, but what the root is cannot be found out", want);
	EXPECT_STREQ(want, kind_names[self->f->kind]);
}

TEST_F(root, mount_tree)
{
	const struct mnt_entry *m = &self->f->root;
	bool initial = in_initial_mount_ns();
	struct statfs sfs;

	log_facts(_metadata, self->f);
	if (!kind_known(_metadata, self->f))
		return;
	switch (self->f->kind) {
	case KIND_ON:
		ASSERT_EQ(0, statfs("/", &sfs));
		EXPECT_TRUE(user_root_fs_ok(_metadata, m->fstype, &sfs));
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
	long want = rootfs_magic();

	if (!kind_known(_metadata, self->f))
		return;
	ASSERT_EQ(0, statfs("/", &sfs));
	TH_LOG("statfs(\"/\"): 0x%lx (%s); the command line makes stock rootfs a %s",
	       (long)sfs.f_type, magic_name(sfs.f_type), magic_name(want));
	switch (self->f->kind) {
	case KIND_ON:
		EXPECT_TRUE(user_root_fs_ok(_metadata, self->f->root.fstype, &sfs));
		break;
	case KIND_OFF:
		EXPECT_EQ(want, sfs.f_type);
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
 * them (as systemd does). Only the initial PID namespace has that PID 1.
 */
TEST_F(root, init_has_console)
{
	char path[64];
	struct stat st;

	if (access("/proc/1", F_OK))
		SKIP(return, "no /proc/1: %s", strerror(errno));
	if (!in_initial_pid_ns())
		SKIP(return, "not in the initial PID namespace: PID 1 is not the kernel's init");
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

	if (!kind_known(_metadata, self->f))
		return;
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

	if (!kind_known(_metadata, self->f))
		return;
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

/*
 * The namespace root, null root or rootfs, can never be detached, and it is
 * its own parent: the stock rootfs "1 1 ... - rootfs rootfs", the null root
 * "1 1 ... - nullfs nullfs" (ids in the initial namespace).
 */
TEST_F(private_ns, namespace_root_is_locked)
{
	struct statfs sfs;
	struct mnt_entry m;
	int proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (!kind_known(_metadata, self->f))
		return;
	ASSERT_LE(0, proc);
	ASSERT_EQ(self->f->stacked, reach_ns_root()) TH_LOG("%s", strerror(errno));
	errno = 0;
	EXPECT_EQ(-1, umount2("/", MNT_DETACH));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, statfs("/", &sfs));
	EXPECT_EQ(self->f->ns_root_magic, sfs.f_type);
	EXPECT_EQ(self->f->null_root, sfs.f_type == NULL_FS_MAGIC);
	if (mount_entry_at(proc, "self/mountinfo", -1, &m)) {
		/* Only the null root may be missing from mountinfo. */
		EXPECT_TRUE(self->f->null_root) TH_LOG("rootfs is not in mountinfo");
		return;
	}
	TH_LOG("the namespace root: mount %d (parent %d), %s from %s", m.id, m.parent,
	       m.fstype, m.source);
	EXPECT_EQ(m.id, m.parent);
	if (self->f->null_root) {
		EXPECT_STREQ("nullfs", m.fstype);
	} else {
		EXPECT_STREQ("rootfs", m.fstype);
		EXPECT_TRUE(is_rootfs_magic(sfs.f_type));
	}
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

	if (!kind_known(_metadata, self->f))
		return;
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

#define EXPECT_ERRNO(err, call) do {						\
	errno = 0;								\
	EXPECT_EQ(-1, (call));							\
	EXPECT_EQ(err, errno) TH_LOG("%s: %s", #call, strerror(errno));		\
} while (0)

/*
 * Every change to the null root fails, for whoever tries, and each call below
 * would succeed for root on an ordinary empty directory of mode 0555.
 *
 * Its directory is permanently empty: no name can even be looked up in it, so
 * creating one fails with ENOENT before any permission check, for every user
 * (an unprivileged user gets EACCES on an ordinary 0555 directory). Removing
 * or renaming needs an entry in it, and it never has one: those calls could
 * only fail with ENOENT as on any empty directory, so instead it is checked
 * that it is still empty. A rename or link into it from another mount fails
 * with EXDEV whatever the directory; the link below comes from another mount
 * too, but fails with ENOENT on the new name first.
 *
 * Its inode is immutable (S_IMMUTABLE), so opening it for writing
 * (O_TMPFILE), changing its times and setting extended attributes fail with
 * EPERM, even with every capability; without S_IMMUTABLE, root would get
 * EOPNOTSUPP from the last two. Every other attribute change fails with EPERM
 * too, even fchown(-1, -1), which changes nothing and succeeds for anyone on
 * an ordinary directory.
 *
 * @src is a directory on another mount with a file "file" in it.
 */
static void check_null_root_refuses(struct __test_metadata *_metadata, int dir, int src,
				    const char *who)
{
	struct statfs sfs;
	struct stat st;

	TH_LOG("checking the null root as %s", who);
	ASSERT_EQ(0, fstatfs(dir, &sfs));
	EXPECT_EQ(NULL_FS_MAGIC, sfs.f_type);
	ASSERT_EQ(0, fstat(dir, &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_EQ(0555, st.st_mode & 07777);
	EXPECT_EQ(1, st.st_ino);

	EXPECT_ERRNO(ENOENT, mkdirat(dir, "d", 0755));
	EXPECT_ERRNO(ENOENT, openat(dir, "f", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	EXPECT_ERRNO(ENOENT, mknodat(dir, "n", S_IFREG | 0644, 0));
	EXPECT_ERRNO(ENOENT, mknodat(dir, "c", S_IFCHR | 0600, makedev(1, 3)));
	EXPECT_ERRNO(ENOENT, mkfifoat(dir, "p", 0644));
	EXPECT_ERRNO(ENOENT, symlinkat("/", dir, "s"));
	ASSERT_EQ(0, faccessat(src, "file", F_OK, 0)) TH_LOG("the file to link is missing");
	EXPECT_ERRNO(ENOENT, linkat(src, "file", dir, "l", 0));
	EXPECT_ERRNO(EPERM, openat(dir, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644));
	EXPECT_ERRNO(EPERM, fchmod(dir, 0777));
	EXPECT_ERRNO(EPERM, fchown(dir, -1, -1));
	/* An id that the user namespace does not map is EINVAL before anything else. */
	errno = 0;
	EXPECT_EQ(-1, fchown(dir, 0, 0));
	EXPECT_TRUE(errno == EPERM || errno == EINVAL) TH_LOG("fchown: %s", strerror(errno));
	EXPECT_ERRNO(EPERM, futimens(dir, NULL));
	EXPECT_ERRNO(EPERM, fsetxattr(dir, "user.ur", "x", 1, 0));
	EXPECT_ERRNO(EPERM, fsetxattr(dir, "trusted.ur", "x", 1, 0));
	EXPECT_ERRNO(EPERM, fsetxattr(dir, "security.ur", "x", 1, 0));
	/* Still empty, still 0555. */
	EXPECT_EQ(2, count_entries_at(dir, "."));
	ASSERT_EQ(0, fstat(dir, &st));
	EXPECT_EQ(0555, st.st_mode & 07777);
}

TEST_F(null_root, refuses_root)
{
	int dir;

	ASSERT_EQ(0, setns(self->null_ns, CLONE_NEWNS));
	EXPECT_EQ(2, count_entries("/"));
	dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, dir);
	check_null_root_refuses(_metadata, dir, self->src, "root");
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
	check_null_root_refuses(_metadata, dir, self->src, "root in a user namespace");

	/* A nested user namespace without a mapping: an unprivileged user. */
	ASSERT_EQ(0, unshare(CLONE_NEWUSER));
	check_null_root_refuses(_metadata, dir, self->src, "an unmapped user");
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
	ASSERT_EQ(0, statfs("/", &sfs));
	ASSERT_EQ(TMPFS_MAGIC, sfs.f_type) TH_LOG("not in the jail");
	ASSERT_EQ(0, setns(self->ns, CLONE_NEWNS));
	for (int i = 0; i < 8; i++)
		ASSERT_EQ(0, chdir(".."));
	ASSERT_EQ(0, chroot("."));
	ASSERT_NE(NULL, getcwd(cwd, sizeof(cwd)));
	EXPECT_STREQ("/", cwd);
	ASSERT_EQ(0, statfs("/", &sfs));
	EXPECT_EQ(NULL_FS_MAGIC, sfs.f_type);
	EXPECT_EQ(2, count_entries("/"));
	EXPECT_ERRNO(ENOENT, mkdir("/tmp", 0755));
	EXPECT_ERRNO(ENOENT, open("/x", O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	EXPECT_ERRNO(EPERM, chmod("/", 0777));
}

/*
 * The null root's superblock is SB_NOUSER: graft_tree() refuses a bind mount
 * of it, recursive or not, even where the namespace holds nothing else. Were
 * it not, binding the namespace root onto itself would succeed.
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

/*
 * Nor can it be reconfigured. Recent 6.12.y refuse fspick() on an SB_NOUSER
 * superblock with EINVAL ("kernel-internal superblocks are nobody's to
 * reconfigure"); older ones hand out a context. The null root takes no
 * parameters and has no reconfigure operation, so nothing done through that
 * context changes it: whichever happens, it must still be the same empty,
 * immutable directory. Setting SB_RDONLY ("ro") is not tried: where fspick()
 * works that would reconfigure the null root of the whole system.
 */
TEST_F(null_root, fspick_refused)
{
	int fs, ret;

	ASSERT_EQ(0, setns(self->null_ns, CLONE_NEWNS));
	errno = 0;
	fs = sys_fspick(AT_FDCWD, "/", FSPICK_CLOEXEC);
	if (fs < 0) {
		TH_LOG("fspick refused the null root: %s", strerror(errno));
		EXPECT_EQ(EINVAL, errno);
	} else {
		TH_LOG("fspick gave a context: this 6.12.y does not refuse SB_NOUSER");
		TH_LOG("reconfiguring it through that context");
		errno = 0;
		ret = sys_fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0777", 0);
		TH_LOG("fsconfig(mode=0777): %s", ret ? strerror(errno) : "accepted");
		errno = 0;
		ret = sys_fsconfig(fs, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0);
		TH_LOG("fsconfig(FSCONFIG_CMD_RECONFIGURE): %s", ret ? strerror(errno) : "done");
		close(fs);
	}
	check_null_root_refuses(_metadata, self->null_dir, self->src, "root, after fspick");
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
	check_null_root_refuses(_metadata, dir, self->src,
				"root, on a clone attached in the namespace");
	close(dir);
	EXPECT_EQ(0, umount2(target, 0)) TH_LOG("umount: %s", strerror(errno));
}

TEST_HARNESS_MAIN
