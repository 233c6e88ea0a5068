// SPDX-License-Identifier: GPL-2.0
/*
 * PID 1 for a guest without a shell (riscv64: Debian 12 has no riscv64 busybox). It mounts
 * /proc and /sys, shows the mount tree, runs the C kselftest with the environment the kernel
 * gave init (UR_EXPECT), says the guest is done and restarts the machine, as
 * scripts/guest/init.sh does with busybox.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

static void show_file(const char *path, const char *prefix)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f) {
		printf("# cannot open %s\n", path);
		return;
	}
	while (fgets(line, sizeof(line), f))
		printf("%s%s", prefix, line);
	fclose(f);
}

static int run(char *const argv[])
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execv(argv[0], argv);
		printf("# cannot run %s\n", argv[0]);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(void)
{
	char *const kselftest[] = { "/selftests/user_root_test", NULL };
	const char *expect = getenv("UR_EXPECT");
	FILE *printk;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (mount("proc", "/proc", "proc", 0, NULL) || mount("sysfs", "/sys", "sysfs", 0, NULL))
		perror("# mount");
	/* Warnings and worse stay on the console for the host; chatter does not. */
	printk = fopen("/proc/sys/kernel/printk", "w");
	if (printk) {
		fputs("5\n", printk);
		fclose(printk);
	}
	if (chdir("/"))
		perror("# chdir");
	printf("# user_root: guest up: UR_EXPECT=%s (minimal init)\n", expect ? expect : "");
	show_file("/proc/cmdline", "# cmdline: ");
	show_file("/proc/self/mountinfo", "# mountinfo: ");
	printf("# user_root_test exited with %d\n", run(kselftest));
	printf("# user_root: guest done\n");
	fflush(stdout);
	sync();
	reboot(RB_AUTOBOOT);
	return 1;
}
