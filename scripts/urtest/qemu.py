# SPDX-License-Identifier: GPL-2.0
"""Boots a kernel in QEMU, captures the serial console and judges the run.

A run fails on a missing or failed test, a plan that was not completed, a guest that did not
finish (no DONE marker: it hung, crashed or timed out), a kernel "BUG:", "WARNING:", Oops,
KASAN, UBSAN or lockdep report, a console line a cell expects that never came, or one that came
more often than the cell allows. The verdict is written as JSON next to the console log.
"""
import json
import os
import re
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import arch as arches
from . import ktap

KVM_PROBE_SECONDS = 20


@dataclass
class Boot:
    """What to boot."""
    name: str
    kernel: Path
    log: Path
    arch: str = "x86_64"
    initrd: Path | None = None
    disk: Path | None = None
    cmdline: str = ""
    memory: str = "512M"
    cpus: int = 2
    timeout: int = 300
    expect_console: list = field(default_factory=list)  # regexes the console must show
    require: list = field(default_factory=list)         # names of results that must be reported
    extra: list = field(default_factory=list)           # more QEMU arguments
    accel: str = "tcg"
    bios: Path | None = None    # firmware that loads the kernel itself (U-Boot) from `disk`
    expect_output: list = field(default_factory=list)   # regexes any console line must match
    expect_panic: str = ""      # the kernel panic the boot must end in (regex); the guest never runs
    xfail: list = field(default_factory=list)   # results that must fail (a fallback's shape)
    console_max: list = field(default_factory=list)  # (regex, n): kernel lines it may match, at most


@dataclass
class Verdict:
    name: str
    ok: bool
    seconds: float
    counts: dict
    problems: list
    results: list
    kernel_errors: list
    command: list
    accel: str
    lists: dict = field(default_factory=dict)  # the guest's reported lists (protocol.LIST), by name

    def line(self):
        c = self.counts
        failed = [r for r in self.results if r["status"] == "fail"]
        tail = "" if self.ok else " -- " + "; ".join(self.problems + [f"{len(failed)} failed"])
        return (f"[boot] {self.name}: {c['pass']} passed, {c['fail']} failed, {c['skip']} skipped"
                f" ({self.accel}, {self.seconds:.1f}s){tail}")


def kernel_cmdline(boot):
    """The kernel command line: the serial console, a panic restarts (so QEMU exits), and the
    boot's own words."""
    return f"console={arches.get(boot.arch).console} panic=-1 oops=panic {boot.cmdline}".strip()


def command(boot):
    a = arches.get(boot.arch)
    cmd = [a.qemu, *a.machine, "-accel", boot.accel, "-m", boot.memory, "-smp", str(boot.cpus),
           "-nographic", "-no-reboot"]
    if boot.bios:  # the firmware finds kernel, initramfs and command line on the disk
        cmd += ["-bios", str(boot.bios)]
    else:
        cmd += ["-kernel", str(boot.kernel), "-append", kernel_cmdline(boot)]
    if boot.initrd and not boot.bios:
        cmd += ["-initrd", str(boot.initrd)]
    if boot.disk:
        cmd += ["-drive", f"file={boot.disk},format=raw,if=virtio,snapshot=on"]
    return cmd + list(boot.extra)


def run(boot):
    """Boots, waits for QEMU to exit (the guest restarts with -no-reboot) or the timeout, and
    returns the Verdict; the console is in boot.log and the verdict in boot.log + ".json"."""
    cmd = command(boot)
    log = Path(boot.log)
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    timed_out = False
    with open(log, "wb") as console:
        proc = subprocess.Popen(cmd, stdout=console, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            rc = proc.wait(timeout=boot.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            proc.kill()
            rc = proc.wait()
    elapsed = time.monotonic() - start
    report = ktap.parse(log.read_bytes().decode("utf-8", "replace"))
    verdict = judge(boot, report, timed_out, rc, elapsed)
    verdict.command = cmd
    Path(str(log) + ".json").write_text(json.dumps(asdict(verdict), indent=1))
    return verdict


def judge(boot, report, timed_out, rc, elapsed):
    problems = list(report.problems)
    results = [asdict(r) for r in report.results]
    errors = report.kernel_errors
    panicked = False
    if boot.expect_panic:
        # The expected panic, and its end marker, are not errors; anything else still is.
        panicked = any(re.search(boot.expect_panic, text) for _, text in report.kernel)
        results.append({"name": f"the kernel panics: /{boot.expect_panic}/",
                        "status": "pass" if panicked else "fail", "line": len(report.lines) - 1,
                        "suite": "", "reason": ""})
        errors = [i for i in errors if "Kernel panic - not syncing" not in report.lines[i]]
    if timed_out:
        problems.insert(0, f"timed out after {boot.timeout} s")
    elif not report.done and not panicked:
        problems.insert(0, f"the guest did not finish (QEMU exit {rc})")
    if errors:
        problems.append(f"{len(errors)} kernel error report(s)")
    for pattern in boot.expect_console:  # kernel messages: only kernel lines count
        hit = next((i for i, text in report.kernel if re.search(pattern, text)), None)
        results.append({"name": f"console shows /{pattern}/", "status": "pass" if hit is not None else "fail",
                        "line": len(report.lines) - 1 if hit is None else hit, "suite": "", "reason": ""})
    for pattern, most in boot.console_max:  # kernel messages that must not flood the console
        hits = [i for i, text in report.kernel if re.search(pattern, text)]
        name = f"console shows /{pattern}/ at most {most} times"
        ok = len(hits) <= most
        results.append({"name": name if ok else f"{name} (it did {len(hits)} times)",
                        "status": "pass" if ok else "fail",
                        "line": len(report.lines) - 1 if ok else hits[most], "suite": "", "reason": ""})
    for pattern in boot.expect_output:  # userspace lines (joined up again), or any other
        hit = next((i for i, text in [*report.user, *enumerate(report.lines)] if re.search(pattern, text)), None)
        results.append({"name": f"console shows /{pattern}/", "status": "pass" if hit is not None else "fail",
                        "line": len(report.lines) - 1 if hit is None else hit, "suite": "", "reason": ""})
    for r in results:  # an expected failure passes; a pass where it must fail fails
        if any(r["name"] == x or r["name"].startswith(x + " ") for x in boot.xfail):
            r["status"], r["name"] = ("pass", r["name"] + " (fails, as it must here)") \
                if r["status"] == "fail" else ("fail", r["name"] + " (must fail here)")
    reported = [r["name"] for r in results]
    for name in boot.require:  # a result may add its details after the name
        if not any(r == name or r.startswith(name + " ") for r in reported):
            results.append({"name": f"{name} (never reported)", "status": "fail",
                            "line": len(report.lines) - 1, "suite": "", "reason": ""})
    counts = {s: sum(r["status"] == s for r in results) for s in ("pass", "fail", "skip")}
    ok = not problems and counts["fail"] == 0
    return Verdict(boot.name, ok, round(elapsed, 1), counts, problems, results,
                   [report.lines[i] for i in errors], [], boot.accel, dict(report.lists))


def explain(boot, verdict):
    """The console lines that show why a boot failed: kernel reports with context, the lines
    before each failed test, and the end of the console."""
    lines = Path(boot.log).read_bytes().decode("utf-8", "replace").splitlines()
    out = [f"    console: {boot.log}"]
    shown = set()

    def show(lo, hi):
        for j in range(max(0, lo), min(len(lines), hi)):
            if j not in shown:
                shown.add(j)
                out.append("    | " + lines[j].rstrip())

    errors = [i for i, l in enumerate(lines) if l in verdict.kernel_errors]
    for i in errors:
        show(i - 3, i + 25)
    for r in verdict.results:
        if r["status"] == "fail":
            show(r["line"] - 15, r["line"] + 1)
    if verdict.problems:
        out.append("    | ... end of the console:")
        show(len(lines) - 30, len(lines))
    return out


def kvm_works(kernel, cache, arch="x86_64"):
    """KVM hangs on some machines: trust it only after a short timed boot succeeded once."""
    if arch != "x86_64" or not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False
    stamp = Path(cache, "kvm-probe")
    if stamp.exists():
        return stamp.read_text().strip() == "ok"
    cmd = ["qemu-system-x86_64", "-accel", "kvm", "-m", "256M", "-nographic", "-no-reboot",
           "-kernel", str(kernel), "-append", "console=ttyS0 panic=-1 rdinit=/none root=/dev/none"]
    try:
        out = subprocess.run(cmd, capture_output=True, timeout=KVM_PROBE_SECONDS, stdin=subprocess.DEVNULL).stdout
        ok = b"Kernel panic" in out
    except subprocess.TimeoutExpired:
        ok = False
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text("ok\n" if ok else "hangs\n")
    return ok


def choose_accel(setting, kernel, cache, arch="x86_64"):
    if arch != "x86_64":  # another architecture is emulated, whatever the setting
        return "tcg"
    if setting in ("tcg", "kvm"):
        return setting
    return "kvm" if kvm_works(kernel, cache, arch) else "tcg"
