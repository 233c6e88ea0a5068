#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Boot a kernel in QEMU, capture the serial console, judge the run.

The guest prints TAP/KTAP (kselftests, the Rust test program, KUnit) on the console and ends
with "# user_root: guest done" before restarting; QEMU runs with -no-reboot, so it then exits.
The run fails on a missing or failed test, a plan that was not completed, a timeout, or a
kernel "BUG:", "WARNING:", Oops, KASAN/UBSAN or lockdep report. The verdict is printed and
written as JSON next to the console log.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

TIMESTAMP = re.compile(r"^\[\s*\d+\.\d+\] ?")
TAP_RESULT = re.compile(r"^(ok|not ok) (\d+)\b ?-? ?(.*?)(?:\s+#\s*(SKIP|skip|TODO)\b\s*(.*))?$")
TAP_PLAN = re.compile(r"^1\.\.(\d+)")
KERNEL_ERROR = re.compile(
    r"BUG:|WARNING:|\bOops\b|KASAN:|UBSAN:|Kernel panic|general protection fault|"
    r"possible (circular|recursive) locking|INFO: task .* blocked|rcu_.*stall|"
    r"Unable to handle kernel|kernel BUG at|refcount_t:|list_(add|del) corruption")
DONE = "# user_root: guest done"


def kvm_works(kernel, cache):
    """KVM hangs on some machines: trust it only after a short timed boot succeeded once."""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False
    stamp = Path(cache, "kvm-probe")
    if stamp.exists():
        return stamp.read_text().strip() == "ok"
    cmd = ["qemu-system-x86_64", "-accel", "kvm", "-m", "256M", "-nographic", "-no-reboot",
           "-kernel", kernel, "-append", "console=ttyS0 panic=-1 rdinit=/none root=/dev/none"]
    try:
        out = subprocess.run(cmd, capture_output=True, timeout=20, stdin=subprocess.DEVNULL).stdout
        ok = b"Kernel panic" in out
    except subprocess.TimeoutExpired:
        ok = False
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text("ok\n" if ok else "hangs\n")
    return ok


def analyse(lines):
    """Test results, TAP plans, kernel error lines and whether the guest finished.

    Userspace TAP documents count their top-level results. In KUnit's KTAP the top level is
    one line per suite; the test cases one level down are what is counted.
    """
    results, plans, errors = [], [], []
    done = False
    depth = 0  # indentation of the results that count in the current document
    for i, raw in enumerate(lines):
        kernel_line = bool(TIMESTAMP.match(raw))
        line = TIMESTAMP.sub("", raw).rstrip()
        if kernel_line and KERNEL_ERROR.search(line):
            errors.append(i)
        if line == DONE:
            done = True
        if line in ("TAP version 13", "TAP version 14"):
            depth = 0
        elif line == "KTAP version 1":
            depth = 4
        indent = len(line) - len(line.lstrip(" "))
        if indent != depth:
            continue
        line = line.strip()
        m = TAP_PLAN.match(line)
        if m:
            plans.append(int(m.group(1)))
            continue
        m = TAP_RESULT.match(line)
        if m:
            status = "fail" if m.group(1) == "not ok" else (
                "skip" if (m.group(4) or "").upper() == "SKIP" else "pass")
            results.append({"name": m.group(3).strip(), "status": status, "line": i})
    return results, plans, errors, done


def context(lines, indices, before=3, after=12):
    shown, out = set(), []
    for i in indices:
        for j in range(max(0, i - before), min(len(lines), i + after)):
            if j not in shown:
                shown.add(j)
                out.append(lines[j].rstrip())
        out.append("    ...")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd")
    ap.add_argument("--disk")
    ap.add_argument("--append", default="")
    ap.add_argument("--memory", default="512M")
    ap.add_argument("--smp", default="2")
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--log", required=True)
    ap.add_argument("--accel", default=os.environ.get("UR_ACCEL", "auto"), choices=["auto", "tcg", "kvm"])
    ap.add_argument("--cache", default=os.environ.get("CACHE", "/tmp"))
    ap.add_argument("--extra", action="append", default=[], help="extra QEMU argument")
    ap.add_argument("--quiet", action="store_true", help="print only the verdict line")
    ap.add_argument("--expect-console", action="append", default=[], metavar="REGEX",
                    help="a line the console must show (counted as a test)")
    args = ap.parse_args()

    accel = args.accel
    if accel == "auto":
        accel = "kvm" if kvm_works(args.kernel, args.cache) else "tcg"
    cmd = ["qemu-system-x86_64", "-accel", accel, "-m", args.memory, "-smp", args.smp,
           "-nographic", "-no-reboot", "-kernel", args.kernel,
           "-append", f"console=ttyS0 panic=-1 oops=panic {args.append}".strip()]
    if args.initrd:
        cmd += ["-initrd", args.initrd]
    if args.disk:
        cmd += ["-drive", f"file={args.disk},format=raw,if=virtio,snapshot=on"]
    cmd += args.extra

    log = Path(args.log)
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    timed_out = False
    with open(log, "wb") as console:
        proc = subprocess.Popen(cmd, stdout=console, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            rc = proc.wait(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            proc.kill()
            rc = proc.wait()
    elapsed = time.monotonic() - start
    lines = log.read_bytes().decode("utf-8", "replace").splitlines()
    results, plans, errors, done = analyse(lines)

    problems = []
    if timed_out:
        problems.append(f"timed out after {args.timeout} s")
    elif not done:
        problems.append(f"the guest did not finish (QEMU exit {rc})")
    if sum(plans) != len(results):
        problems.append(f"{len(results)} results for plans totalling {sum(plans)}")
    if errors:
        problems.append(f"{len(errors)} kernel error report(s)")
    for pattern in args.expect_console:
        hit = next((i for i, l in enumerate(lines) if re.search(pattern, l)), None)
        results.append({"name": f"console shows /{pattern}/", "status": "pass" if hit is not None else "fail",
                        "line": hit if hit is not None else len(lines) - 1})
    failed = [r for r in results if r["status"] == "fail"]
    counts = {s: sum(r["status"] == s for r in results) for s in ("pass", "fail", "skip")}
    verdict = {"name": args.name, "accel": accel, "seconds": round(elapsed, 1), "command": cmd,
               "counts": counts, "results": results, "problems": problems,
               "kernel_errors": [lines[i] for i in errors], "ok": not problems and not failed}
    Path(str(log) + ".json").write_text(json.dumps(verdict, indent=1))

    print(f"[boot] {args.name}: {counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped"
          f" ({accel}, {elapsed:.1f}s){'' if verdict['ok'] else ' -- ' + '; '.join(problems + [f'{len(failed)} failed'])}")
    if not verdict["ok"] and not args.quiet:
        print(f"    console: {log}")
        relevant = [i for r in failed for i in range(max(0, r["line"] - 15), r["line"] + 1)]
        for line in context(lines, sorted(set(errors)), 3, 25) + [lines[i].rstrip() for i in relevant]:
            print("    | " + line)
        if problems:
            for line in lines[-30:]:
                print("    | " + line.rstrip())
    sys.exit(0 if verdict["ok"] else 1)


if __name__ == "__main__":
    main()
