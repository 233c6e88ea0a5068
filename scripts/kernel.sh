#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Prepares the kernel tree, applies the series, configures and builds the kernel.
#
#   kernel.sh [VARIANT [FRAGMENT...]]
# The plain test kernel is the selftests' config fragment on tinyconfig. A VARIANT adds
# config fragments (by default scripts/config/VARIANT.config) and builds in its own directory,
# seeded from the plain build so that only what the extra options touch is rebuilt.
# Progress goes to stderr; stdout carries only the path of bzImage, for KERNEL=$(kernel.sh).
# (Callers must not tee to /dev/stderr: when stderr is a file, that reopens and truncates it.)
set -euo pipefail
exec 3>&1 1>&2
source "$(dirname "$0")/lib.sh"

VARIANT=${1:-}
BUILD_DIR=$BUILD${VARIANT:+-$VARIANT}
FRAGMENTS=("$REPO/tools/testing/selftests/user_root/config")
if [ -n "$VARIANT" ]; then
	shift
	[ $# -gt 0 ] || set -- "$REPO/scripts/config/$VARIANT.config"
	FRAGMENTS+=("$@")
fi

# A copy of a build directory is only reused if the saved commands still match: objtool's
# (tools/ build) and Rust's record absolute output paths, and a rebuilt objtool is newer than
# every object, which would then all be rebuilt. Point the copied commands at the copy.
seed() {
	rm -rf "$BUILD_DIR.tmp"
	cp -a "$BUILD" "$BUILD_DIR.tmp"
	grep -rlZ --include='.*.cmd' -e "$BUILD" "$BUILD_DIR.tmp" |
		xargs -0 -r sed -i "s#$BUILD\([^-A-Za-z0-9_.]\|\$\)#$BUILD_DIR\1#g"
	rm -rf "$BUILD_DIR"
	mv "$BUILD_DIR.tmp" "$BUILD_DIR"
}

make_tree() {
	local tmp=$TREE.tmp
	rm -rf "$tmp" && mkdir -p "$tmp"
	if [ -n "$KSRC" ]; then
		[ -f "$KSRC/Makefile" ] || die "KSRC=$KSRC is not a kernel tree"
		tar -C "$KSRC" --exclude=.git -cf - . | tar -C "$tmp" -xf -
	else
		[ -f "$DEBIAN_TARBALL" ] || die "$DEBIAN_TARBALL is missing: run scripts/install-deps.sh"
		tar -C "$tmp" --strip-components=1 -xf "$DEBIAN_TARBALL"
	fi
	git -C "$tmp" init -q
	git -C "$tmp" add -f -A  # -f: Debian's .gitignore ignores the whole top level
	git -C "$tmp" -c user.name=user_root -c user.email=user_root@example.org \
		commit -q -m "pristine source" --no-verify
	git -C "$tmp" branch -f base HEAD
	# An annotated tag at the version keeps setlocalversion from adding "+" or "-dirty".
	git -C "$tmp" -c user.name=user_root -c user.email=user_root@example.org \
		tag -a -m "pristine" "v$(awk '/^VERSION =/{v=$3} /^PATCHLEVEL =/{p=$3} /^SUBLEVEL =/{s=$3} END{print v"."p"."s}' "$tmp/Makefile")"
	mv "$tmp" "$TREE"
}

if [ ! -d "$TREE/.git" ] || ! git -C "$TREE" rev-parse -q --verify base >/dev/null; then
	step tree "pristine kernel tree in $TREE" "$OUT/logs/tree.log" make_tree
fi
KVER=$(kernel_version)
case $KVER in 6.12.*) ;; *) die "the series is for 6.12.y, $TREE is $KVER" ;; esac

step apply "user_root series onto linux $KVER" "$OUT/logs/apply.log" \
	python3 "$REPO/scripts/series.py" apply --tree "$TREE"
sed 's/^/    /' "$OUT/logs/apply.log"

configure() {
	mkdir -p "$BUILD_DIR"
	make -C "$TREE" O="$BUILD_DIR" "${KMAKE_VARS[@]}" ARCH=x86_64 tinyconfig
	"$TREE/scripts/kconfig/merge_config.sh" -m -O "$BUILD_DIR" "$BUILD_DIR/.config" "${FRAGMENTS[@]}"
	make -C "$TREE" O="$BUILD_DIR" "${KMAKE_VARS[@]}" ARCH=x86_64 olddefconfig
	# Every option a fragment asks for must have survived olddefconfig.
	local missing
	missing=$(cat "${FRAGMENTS[@]}" | grep -E '^CONFIG_[A-Z0-9_]+=[ym]' | while read -r want; do
		grep -qx "$want" "$BUILD_DIR/.config" || echo "$want"; done)
	[ -z "$missing" ] || { echo "not set after olddefconfig:"; echo "$missing"; return 1; }
	cat "${FRAGMENTS[@]}" "$TREE/Makefile" | sha1sum > "$BUILD_DIR/.user_root-config-stamp"
}
stamp=$(cat "${FRAGMENTS[@]}" "$TREE/Makefile" | sha1sum)
config_stale() {
	[ ! -f "$BUILD_DIR/.config" ] ||
		[ "$(cat "$BUILD_DIR/.user_root-config-stamp" 2>/dev/null)" != "$stamp" ]
}
# A variant is seeded again whenever its configuration changes (with the plain one's, say):
# reconfiguring its old directory in place would rebuild most of the kernel.
if [ -n "$VARIANT" ] && [ -f "$BUILD/.config" ] && config_stale; then
	step seed "$BUILD_DIR from $BUILD" "$OUT/logs/seed-$VARIANT.log" seed
fi
if config_stale; then
	step config "tinyconfig + ${FRAGMENTS[*]##*/}" "$OUT/logs/config${VARIANT:+-$VARIANT}.log" configure
fi

build() {
	make -C "$TREE" O="$BUILD_DIR" "${KMAKE_VARS[@]}" -j"$JOBS" bzImage
}
step build "linux $KVER + user_root (rust${VARIANT:+, $VARIANT}) in $BUILD_DIR" \
	"$OUT/logs/build${VARIANT:+-$VARIANT}.log" build
echo "$BUILD_DIR/arch/x86/boot/bzImage" >&3
