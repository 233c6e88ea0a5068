#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: builds everything `make demo` needs, then runs every test suite and ends with
# "N passed, N failed, N skipped". Exits non-zero on any failure.
#
# `check.sh debug` (make check-debug) instead builds the debug kernel (KASAN, lockdep, list and
# object debugging) and boots a subset of the main kernel's cells with it (DEBUG_CELLS).
set -uo pipefail
PROFILE=${1:-}
source "$(dirname "$0")/lib.sh"
source "$REPO/scripts/boots.sh"

T0=$SECONDS
CHECK_DIR=$OUT/check${PROFILE:+-$PROFILE}
BOOT_DIR=$OUT/boot${PROFILE:+-$PROFILE}
RESULTS=$CHECK_DIR/results.tsv
mkdir -p "$CHECK_DIR" "$BOOT_DIR"
: > "$RESULTS"

# record SUITE NAME pass|fail|skip [DETAIL]
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$(printf '%s' "${4:-}" | tr '\t\n' '  ')" >> "$RESULTS"; }

abort() {
	record setup "$1" fail "$2"
	summary
	exit 1
}

summary() {
	python3 - "$RESULTS" "$CHECK_DIR/summary.md" <<'PY'
import collections, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
suites = collections.OrderedDict()
for suite, name, status, detail in rows:
    suites.setdefault(suite, collections.Counter())[status] += 1
md = ["| suite | passed | failed | skipped |", "|---|---:|---:|---:|"]
for suite, c in suites.items():
    md.append(f"| {suite} | {c['pass']} | {c['fail']} | {c['skip']} |")
fails = [r for r in rows if r[2] == "fail"]
if fails:
    md += ["", "Failures:", ""] + [f"- {s}: {n} {d}".rstrip() for s, n, _, d in fails]
open(sys.argv[2], "w").write("\n".join(md) + "\n")
print("\n".join(md))
total = collections.Counter(r[2] for r in rows)
print(f"\n{total['pass']} passed, {total['fail']} failed, {total['skip']} skipped")
PY
}

# boot_cells [FILTER [TIMEOUT]]: boots every cell of BOOTS (or those whose kernel is FILTER).
boot_cells() {
	local filter=${1:-} timeout=${2:-300}
	for cell in "${BOOTS[@]}"; do
		IFS='|' read -r name kernel image disk append console memory <<< "$cell"
		[ -z "$filter" ] || [ "$kernel" = "$filter" ] || continue
		slug=$(echo "$name" | tr -c 'a-zA-Z0-9\n' '-' | tr -s '-')
		args=(--name "$name" --kernel "${KERNELS[$kernel]}" --append "$append${EXTRA_APPEND:+ $EXTRA_APPEND}"
			--log "$BOOT_DIR/$slug.log" --cache "$CACHE" --memory "${memory:-512M}"
			--timeout "$timeout")
		[ -z "$image" ] || args+=(--initrd "$OUT/guest/$image")
		[ -z "$disk" ] || args+=(--disk "$OUT/guest/disk.img")
		if [ -n "$console" ]; then
			IFS=$'\n' read -r -d '' -a regexes < <(printf '%s' "${console//;;/$'\n'}") || true
			for r in "${regexes[@]}"; do args+=(--expect-console "$r"); done
		fi
		python3 "$REPO/scripts/qemu_run.py" "${args[@]}"
		python3 - "$BOOT_DIR/$slug.log.json" "$name" >> "$RESULTS" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
for r in v["results"]:
    print(f"boot: {sys.argv[2]}\t{r['name']}\t{r['status']}\t")
for p in v["problems"]:
    print(f"boot: {sys.argv[2]}\t{p}\tfail\tsee {sys.argv[1][:-5]}")
PY
	done
}

finish() {
	say "[check] done in $(fmt_secs $(( SECONDS - T0 )))"
	summary
	! grep -q $'\tfail\t' "$RESULTS"
}

# The debug kernel is slow under TCG: a subset of cells, with more time per boot. They cover
# the whole selftest suite, PID 1 switching root, the kernel-mounted root, the clients and
# the unpack failure paths.
DEBUG_CELLS=("initramfs, user_root" "initramfs, stock" "root=/dev/vda, user_root"
	"clients, busybox switch_root, user_root" "clients, util-linux switch_root, user_root"
	"truncated cpio, user_root" "initramfs larger than size=, user_root")
boot_debug_cells() {
	local keep=() cell
	for cell in "${BOOTS[@]}"; do
		for name in "${DEBUG_CELLS[@]}"; do
			[ "${cell%%|*}" = "$name" ] && keep+=("$cell")
		done
	done
	BOOTS=("${keep[@]}")
	# Its ACPI interpreter is so slow under TCG that the PCI interrupt routing (_PRT) hits
	# ACPICA's 30 s loop timeout and the virtio disk gets no interrupt: route PCI interrupts
	# from the BIOS tables instead; ACPI still finds both CPUs.
	EXTRA_APPEND="acpi=noirq"
	boot_cells main 1200
	finish
}

# --- build -------------------------------------------------------------------------------
"$REPO/scripts/install-deps.sh" || abort toolchain "installing the toolchain failed"
# Recompile user_root every time, so that its rustc and clippy warnings are always seen.
[ -d "$TREE/fs/user_root" ] && touch "$TREE"/fs/user_root/*.rs
declare -A KERNELS
KERNELS[main]=$("$REPO/scripts/kernel.sh") || abort kernel "the kernel did not build"
"$REPO/scripts/mkguest.sh" "$OUT/guest" || abort guest "the guest did not build"
"$REPO/scripts/mkclients.sh" "$OUT/guest" || abort guest "the clients initramfs did not build"
if [ "$PROFILE" = debug ]; then
	KERNELS[main]=$("$REPO/scripts/kernel.sh" debug) ||
		abort kernel "the debug kernel did not build"
	boot_debug_cells
	exit $?
fi
KERNELS[default-on]=$("$REPO/scripts/kernel.sh" default-on) ||
	abort kernel "the CONFIG_USER_ROOT_DEFAULT_ON=y kernel did not build"
KERNELS[builtin]=$("$REPO/scripts/kernel.sh" builtin "$OUT/guest/builtin.config") ||
	abort kernel "the kernel with a built-in initramfs did not build"

# --- host-side unit tests of the kernel's Rust logic ---------------------------------------
unit() { cargo test --manifest-path "$REPO/tools/testing/user_root/unit/Cargo.toml" -- --test-threads=1; }
step unit "host unit tests of fs/user_root/param.rs" "$OUT/logs/unit.log" unit
grep -E '^test .* \.\.\. (ok|FAILED|ignored)$' "$OUT/logs/unit.log" | while read -r _ name _ st; do
	case $st in ok) record unit "$name" pass ;; ignored) record unit "$name" skip ;; *) record unit "$name" fail ;; esac
done
grep -q '^test result: ok' "$OUT/logs/unit.log" || record unit "cargo test" fail "see $OUT/logs/unit.log"

# --- the patch series ---------------------------------------------------------------------
if step patches "patch series to $OUT/patches" "$OUT/logs/patches.log" \
	python3 "$REPO/scripts/series.py" patches --tree "$TREE" --out "$OUT/patches"; then
	record patches "git format-patch series written" pass
	if step verify "git am onto pristine $(kernel_version) gives the built tree" "$OUT/logs/verify.log" \
		python3 "$REPO/scripts/series.py" verify --tree "$TREE" --out "$OUT/patches"; then
		record patches "applies with git am; result is the built tree" pass
	else
		record patches "applies with git am; result is the built tree" fail "$(tail -3 "$OUT/logs/verify.log")"
	fi
	# FILE_PATH_CHANGES is ignored: the MAINTAINERS entry for all the new files comes in one
	# patch, and checkpatch would ask for it again in every other patch that adds a file.
	for p in "$OUT"/patches/0*.patch; do
		case $p in */0000-*) continue ;; esac
		log=$OUT/logs/checkpatch-$(basename "$p" .patch).log
		(cd "$TREE" && perl scripts/checkpatch.pl --no-tree --show-types --ignore FILE_PATH_CHANGES "$p") > "$log" 2>&1
		if grep -q '^total: 0 errors, 0 warnings' "$log"; then
			record checkpatch "$(basename "$p")" pass
		else
			record checkpatch "$(basename "$p")" fail "$(grep -E '^(ERROR|WARNING)' "$log" | head -3 | tr '\n' ' ')"
		fi
	done
else
	record patches "git format-patch series written" fail "see $OUT/logs/patches.log"
fi

# --- Rust style and lints -----------------------------------------------------------------
RUST_FILES=(fs/user_root/*.rs rust/kernel/fs.rs rust/kernel/fs/*.rs)
if (cd "$REPO" && rustfmt --check --edition 2021 --config-path "$TREE/.rustfmt.toml" "${RUST_FILES[@]}") \
	> "$OUT/logs/rustfmt.log" 2>&1; then
	record lint "rustfmt (kernel .rustfmt.toml)" pass
else
	record lint "rustfmt (kernel .rustfmt.toml)" fail "$(head -5 "$OUT/logs/rustfmt.log")"
fi
warnings=$(grep -E -A3 '^(warning|error)' "$OUT/logs/build.log" | grep -E -- '--> .*(fs/user_root/|rust/kernel/fs)' || true)
if [ -z "$warnings" ]; then
	record lint "no rustc or clippy warnings in user_root code (CLIPPY=1 build)" pass
else
	record lint "no rustc or clippy warnings in user_root code (CLIPPY=1 build)" fail "$warnings"
fi

# --- documentation ------------------------------------------------------------------------
for doc in "$REPO"/Documentation/filesystems/user_root.rst; do
	if /usr/bin/python3 - "$doc" > "$OUT/logs/docs.log" 2>&1 <<'PY'
import sys, docutils.core
src = open(sys.argv[1]).read()
docutils.core.publish_doctree(src, source_path=sys.argv[1],
    settings_overrides={"halt_level": 2, "report_level": 2})
PY
	then record docs "$(basename "$doc") is valid reStructuredText" pass
	else record docs "$(basename "$doc") is valid reStructuredText" fail "$(tail -2 "$OUT/logs/docs.log")"
	fi
done

# --- boots ---------------------------------------------------------------------------------
boot_cells
finish
