#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The soak's modprobe: a usermode helper that stays alive a moment, so that some are running
# from the old root while PID 1 switches away from it.
busybox usleep 100000
exit 1
