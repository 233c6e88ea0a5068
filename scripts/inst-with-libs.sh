#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copies host programs into a guest root together with the shared libraries they load (as
# ldd resolves them, recursively) and the dynamic loader, at the same paths as on the host.
#   inst-with-libs.sh DESTROOT PROGRAM...
set -euo pipefail
dest=$1
shift
declare -A done=()

install_file() {
	local f=$1
	[ -n "${done[$f]:-}" ] && return
	done[$f]=1
	mkdir -p "$dest$(dirname "$f")"
	cp -L "$f" "$dest$f"
	# Every library ldd names, and the loader (the line without "=>").
	local lib
	for lib in $(ldd "$f" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p'); do
		install_file "$lib"
	done
}

for prog in "$@"; do
	path=$(command -v "$prog") || { echo "inst-with-libs: $prog not found" >&2; exit 1; }
	install_file "$(realpath -s "$path")"
done
