#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: see scripts/bench.py.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"$REPO/scripts/install-deps.sh"
dpkg-query -W -f='${Status}' python3-matplotlib 2>/dev/null | grep -q 'install ok installed' ||
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-matplotlib
KERNEL=$("$REPO/scripts/kernel.sh")
T0=$SECONDS
python3 "$REPO/scripts/bench.py" --kernel "$KERNEL" --gen-init-cpio "$BUILD/usr/gen_init_cpio" \
	--out "$OUT/bench" "$@"
say "[bench] done in $(fmt_secs $(( SECONDS - T0 )))"
