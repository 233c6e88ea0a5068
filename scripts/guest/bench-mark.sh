# SPDX-License-Identifier: GPL-2.0
# mark STEP: log one step of a benchmark boot to the kernel log, with the memory it sees.
# Sourced by both /init scripts of the benchmark guest (the initramfs one and the final root's).
# MemFree does not count free pages cached on the page allocator's per-CPU lists, and how
# many sit there at a given moment depends on its auto-tuning, so they are logged too (pcpkib).
# Every CPU's pending counter deltas are folded in first (vm.stat_refresh), or /proc/meminfo
# may lag by hundreds of kB on two vCPUs.
mark() {
	echo 1 > /proc/sys/vm/stat_refresh
	set -- "$*" $(stat -f -c '%b %f %S' /)
	pcp=0
	while read -r key value rest; do
		[ "$key" = count: ] && pcp=$((pcp + value))
	done < /proc/zoneinfo
	echo "user_root-bench: $1 memfree=$(sed -n 's/^MemFree: *\([0-9]*\) kB/\1/p' /proc/meminfo)" \
		"shmem=$(sed -n 's/^Shmem: *\([0-9]*\) kB/\1/p' /proc/meminfo)" \
		"pcpkib=$((pcp * $4 / 1024))" "rootkib=$((($2 - $3) * $4 / 1024))" > /dev/kmsg
}
