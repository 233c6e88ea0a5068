#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The kernel crate's fs::sb owner rule under churn: $1 (UR_CHURN, a matrix cell's `churn`) rounds
# of loading user_root_fs_churn and unloading it again, after no delay or a few milliseconds. Its
# work item, on the module's own workqueue, mounts an instance of the module's file system type
# once the module is live and drops it at once; the last mntput() from a kworker is deferred, so
# the superblock and its reference on the module may outlive the work item, and rmmod is refused
# (EWOULDBLOCK) until they are gone: it is retried. The module's exit drains its workqueue. A use
# of freed module memory shows as a kernel report on the console, which fails the boot (the cell
# runs on the KASAN + lockdep kernel).
#
# What each round's work item did comes from the module's exit message. `dmesg -c` clears the ring
# buffer after reading, so that each round reads its own messages only; the console keeps them
# all, and nothing after this script reads the buffer.
rounds=${1:-$UR_CHURN}
mod=user_root_fs_churn
loaded() { grep -q "^$mod " /proc/modules; }
refs() { sed -n "s/^$mod [0-9]* \([0-9]*\) .*/\1/p" /proc/modules; }
# ok NAME CONDITION...: one TAP line.
n=0
ok() {
	n=$((n + 1))
	name=$1
	shift
	if "$@"; then echo "ok $n $name"; else echo "not ok $n $name"; fi
}

case $rounds in
'' | *[!0-9]*)
	echo "# churn: the number of rounds is not a number: '$rounds'"
	rounds=0
	;;
esac
loads=0 unloads=0 refusals=0 refused_rounds=0 mounted=0 waiting=0 failed=0 silent=0
dmesg -c >/dev/null
i=0
while [ "$i" -lt "$rounds" ]; do
	i=$((i + 1))
	if ! out=$(insmod /modules/$mod.ko 2>&1); then
		echo "# churn: round $i: insmod failed: $out"
		break
	fi
	loads=$((loads + 1))
	# rmmod then comes while the work item sleeps between two tries, while it mounts, or once
	# the release of its superblock is pending or done (round-robin without $RANDOM,
	# which busybox ash has but POSIX does not).
	# shellcheck disable=SC3028
	r=${RANDOM:-$i}
	case $((r % 4)) in
	1) sleep 0.001 ;;
	2) sleep 0.005 ;;
	3) sleep 0.02 ;;
	esac
	tries=0
	until out=$(rmmod $mod 2>&1); do
		[ "$tries" != 0 ] || [ "$refused_rounds" != 0 ] || echo "# churn: first refusal, round $i: $out"
		tries=$((tries + 1))
		[ "$tries" -lt 500 ] || break
		sleep 0.01
	done
	refusals=$((refusals + tries))
	[ "$tries" = 0 ] || refused_rounds=$((refused_rounds + 1))
	if loaded; then
		echo "# churn: round $i: rmmod still refused after $tries tries: $out; references: $(refs)"
		break
	fi
	unloads=$((unloads + 1))
	log=$(dmesg -c)
	case $log in
	*"$mod: exit: its work item had mounted an instance"*) mounted=$((mounted + 1)) ;;
	*"$mod: exit: unloaded before its work item could mount"*) waiting=$((waiting + 1)) ;;
	*"$mod: exit: its work item failed"*)
		failed=$((failed + 1))
		echo "# churn: round $i: $(echo "$log" | grep "$mod: " | tr '\n' ' ')"
		;;
	*)
		silent=$((silent + 1))
		echo "# churn: round $i: no exit message from $mod"
		;;
	esac
	[ $((i % 50)) != 0 ] || echo "# churn: $i rounds done, $mounted mounted an instance"
done

echo "TAP version 13"
echo "1..5"
echo "# churn: $loads of $rounds rounds loaded $mod, $unloads unloaded it"
echo "# churn: its work item mounted an instance in $mounted rounds; in $waiting the module" \
	"was unloaded first (each try of the work item refused, EBUSY); $failed failed;" \
	"$silent said nothing"
echo "# churn: rmmod was refused $refusals times, in $refused_rounds rounds"
ok "churn: every round loads user_root_fs_churn" \
	eval '[ "$rounds" -gt 0 ] && [ "$loads" = "$rounds" ]'
ok "churn: every round unloads it, rmmod retried while a superblock holds it" \
	eval '[ "$rounds" -gt 0 ] && [ "$unloads" = "$rounds" ]'
ok "churn: every unload says what its work item did, and none failed" \
	eval '[ "$unloads" -gt 0 ] && [ $((mounted + waiting)) = "$unloads" ]'
ok "churn: some rounds mount an instance from the work item" eval '[ "$mounted" -gt 0 ]'
ok "churn: the module is gone at the end" eval '! loaded && [ ! -e /sys/module/$mod ]'
