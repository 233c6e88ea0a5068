#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The soak's modprobe: a usermode helper that says on the kernel log when it starts and ends,
# and stays alive a moment in between, so that some are running from the old root while PID 1
# switches away from it.
echo "soak-helper $$ started" > /dev/kmsg
busybox usleep 300000
echo "soak-helper $$ ended" > /dev/kmsg
exit 1
