#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The soak's modprobe: a usermode helper that stays alive a moment, so that some are running
# from the old root while PID 1 switches away from it. One that was leaves a mark in the new
# root: its own root has moved there, which has no /sys. It writes nothing to the console,
# where it could break a line of the tests' output.
busybox usleep 300000
[ -e /sys/kernel ] || : > "/helper-across-$$"
exit 1
