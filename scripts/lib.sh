# SPDX-License-Identifier: GPL-2.0
# Shared settings and helpers of the user_root tooling; sourced by the other scripts.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Persistent, outside git: the kernel tree (a git repo whose ref "base" is pristine) and builds.
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/user_root}
# Logs, images, the patch series and test results.
OUT=${OUT:-$REPO/out}
JOBS=${JOBS:-$(( $(nproc) + 1 ))}
# Any v6.12.y tree; empty means Debian's linux-source-6.12.
KSRC=${KSRC:-}
DEBIAN_TARBALL=/usr/src/linux-source-6.12.tar.xz
BINDGEN_VERSION=0.73.2

export LIBCLANG_PATH=/usr/lib/llvm-19/lib
KMAKE_VARS=(LOCALVERSION= LLVM=-19 CLIPPY=1 RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
	BINDGEN="$HOME/.cargo/bin/bindgen" CLIPPY_DRIVER=/usr/bin/clippy-driver)

mkdir -p "$OUT/logs"

say() { printf '%s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

fmt_secs() { printf '%dm%02ds' $(( $1 / 60 )) $(( $1 % 60 )); }

# step TAG "what" LOG cmd...: runs cmd with its output in LOG, prints what and how long it took;
# on failure prints the end of LOG.
step() {
	local tag=$1 what=$2 log=$3 t0=$SECONDS
	shift 3
	printf '[%s] %s ... ' "$tag" "$what"
	if "$@" >"$log" 2>&1; then
		printf '%s\n' "$(fmt_secs $(( SECONDS - t0 )))"
	else
		local rc=$?
		printf 'FAILED after %s (exit %d); last lines of %s:\n' "$(fmt_secs $(( SECONDS - t0 )))" "$rc" "$log"
		grep -E 'error|Error|ERROR|warning: unused|\*\*\*' "$log" | tail -n 20 | sed 's/^/    /'
		tail -n 25 "$log" | sed 's/^/    | /'
		return "$rc"
	fi
}

# The kernel tree and build directory for the chosen source.
# Debian's source is in $CACHE/src, another tree in $CACHE/ksrc-<hash>/src; builds beside it.
if [ -n "$KSRC" ]; then
	TREE_HOME=$CACHE/ksrc-$(realpath "$KSRC" | sha1sum | cut -c1-10)
else
	TREE_HOME=$CACHE
fi
TREE=$TREE_HOME/src
BUILD=${BUILD:-$TREE_HOME/build}

kernel_version() {
	awk '/^VERSION =/{v=$3} /^PATCHLEVEL =/{p=$3} /^SUBLEVEL =/{s=$3} END{print v"."p"."s}' "$TREE/Makefile"
}

kmake() {
	make -C "$TREE" O="$BUILD" "${KMAKE_VARS[@]}" "$@"
}
