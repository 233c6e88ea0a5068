# SPDX-License-Identifier: GPL-2.0
"""Boots a kernel in QEMU, captures the serial console and judges the run.

A run fails on a missing or failed test, a plan that was not completed, a guest that did not
finish (no DONE marker: it hung, crashed or timed out), a kernel "BUG:", "WARNING:", Oops,
KASAN, UBSAN or lockdep report, a console line a cell expects that never came, or one that came
more often than the cell allows. run() returns the Verdict, with the parsed console in it:
callers use that, not the log file; whoever keeps results on disk writes Verdict.to_json().
"""
import json
import os
import re
import subprocess
import time
from dataclasses import asdict, dataclass, field, replace
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
    cmdline: str = ""           # the whole kernel command line (cmdline() composes one)
    memory: str = "512M"
    cpus: int = 2
    timeout: int = 300
    expect_console: list = field(default_factory=list)  # regexes the console must show
    require: list = field(default_factory=list)         # names of results that must be reported
    extra: list = field(default_factory=list)           # more QEMU arguments
    accel: str = "tcg"
    bios: Path | None = None    # firmware that loads the kernel itself (U-Boot) from `disk`
    expect_output: list = field(default_factory=list)   # regexes any console line must match
    reject_output: list = field(default_factory=list)   # regexes no console line may match
    expect_panic: str = ""      # the kernel panic the boot must end in (regex); the guest never runs
    xfail: list = field(default_factory=list)   # results that must fail (a fallback's shape)
    console_max: list = field(default_factory=list)  # (regex, n): kernel lines it may match, at most


@dataclass
class Verdict:
    """How a boot went: its results (ktap.Result, the console's and the boot's own checks), the
    problems that fail it whatever its results, and the parsed console itself."""
    name: str
    ok: bool
    seconds: float
    problems: list
    results: list
    report: ktap.Report
    command: list
    accel: str
    errors: list = field(default_factory=list)   # console line indices of kernel error reports

    @property
    def counts(self):
        return {s: sum(r.status == s for r in self.results) for s in ("pass", "fail", "skip")}

    @property
    def kernel_errors(self):
        return [self.report.lines[i] for i in self.errors]

    @property
    def lists(self):
        """The guest's reported lists (protocol.LIST), by name."""
        return self.report.lists

    def line(self):
        c = self.counts
        failed = [r for r in self.results if r.status == "fail"]
        tail = "" if self.ok else " -- " + "; ".join(self.problems + [f"{len(failed)} failed"])
        return (f"[boot] {self.name}: {c['pass']} passed, {c['fail']} failed, {c['skip']} skipped"
                f" ({self.accel}, {self.seconds:.1f}s){tail}")

    def to_json(self):
        return json.dumps({"name": self.name, "ok": self.ok, "seconds": self.seconds, "counts": self.counts,
                           "problems": self.problems, "results": [asdict(r) for r in self.results],
                           "kernel_errors": self.kernel_errors, "lists": self.lists,
                           "command": self.command, "accel": self.accel}, indent=1)


def cmdline(arch, words=""):
    """A whole kernel command line: the serial console, a panic restarts (so that QEMU exits,
    with -no-reboot), and the boot's own words."""
    return f"console={arches.get(arch).console} panic=-1 oops=panic {words}".strip()


def command(boot):
    a = arches.get(boot.arch)
    cmd = [a.qemu, *a.machine, "-accel", boot.accel, "-m", boot.memory, "-smp", str(boot.cpus),
           "-nographic", "-no-reboot"]
    if boot.bios:  # the firmware finds kernel, initramfs and command line on the disk
        cmd += ["-bios", str(boot.bios)]
    else:
        cmd += ["-kernel", str(boot.kernel), "-append", boot.cmdline]
    if boot.initrd and not boot.bios:
        cmd += ["-initrd", str(boot.initrd)]
    if boot.disk:
        cmd += ["-drive", f"file={boot.disk},format=raw,if=virtio,snapshot=on"]
    return cmd + list(boot.extra)


def run(boot):
    """Boots, waits for QEMU to exit (the guest restarts with -no-reboot) or the timeout, and
    returns the Verdict; the console is in boot.log."""
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
    return replace(judge(boot, report, timed_out, rc, elapsed), command=cmd)


def _check(name, passed, line):
    """A result of the boot's own checks (not the guest's), at a console line."""
    return ktap.Result(name=name, status="pass" if passed else "fail", line=line)


def judge(boot, report, timed_out, rc, elapsed):
    problems = list(report.problems)
    results = [replace(r) for r in report.results]
    errors = report.kernel_errors
    end = len(report.lines) - 1
    panicked = False
    if boot.expect_panic:
        # The expected panic, and its end marker, are not errors; anything else still is.
        panicked = any(re.search(boot.expect_panic, text) for _, text in report.kernel)
        results.append(_check(f"the kernel panics: /{boot.expect_panic}/", panicked, end))
        errors = [i for i in errors if "Kernel panic - not syncing" not in report.lines[i]]
    if timed_out:
        problems.insert(0, f"timed out after {boot.timeout} s")
    elif not report.done and not panicked:
        problems.insert(0, f"the guest did not finish (QEMU exit {rc})")
    if errors:
        problems.append(f"{len(errors)} kernel error report(s)")
    for pattern in boot.expect_console:  # kernel messages: only kernel lines count
        hit = next((i for i, text in report.kernel if re.search(pattern, text)), None)
        results.append(_check(f"console shows /{pattern}/", hit is not None, end if hit is None else hit))
    for pattern, most in boot.console_max:  # kernel messages that must not flood the console
        hits = [i for i, text in report.kernel if re.search(pattern, text)]
        name = f"console shows /{pattern}/ at most {most} times"
        ok = len(hits) <= most
        results.append(_check(name if ok else f"{name} (it did {len(hits)} times)", ok, end if ok else hits[most]))
    for pattern in boot.expect_output:  # userspace lines (joined up again), or any other
        hit = next((i for i, text in [*report.user, *enumerate(report.lines)] if re.search(pattern, text)), None)
        results.append(_check(f"console shows /{pattern}/", hit is not None, end if hit is None else hit))
    for pattern in boot.reject_output:  # lines that show the wrong thing happened
        hit = next((i for i, text in [*report.user, *enumerate(report.lines)] if re.search(pattern, text)), None)
        results.append(_check(f"console never shows /{pattern}/", hit is None, end if hit is None else hit))
    for r in results:  # an expected failure passes; a pass where it must fail fails
        if any(r.name == x or r.name.startswith(x + " ") for x in boot.xfail):
            r.status, r.name = ("pass", r.name + " (fails, as it must here)") \
                if r.status == "fail" else ("fail", r.name + " (must fail here)")
    reported = [r.name for r in results]
    for name in boot.require:  # a result may add its details after the name
        if not any(r == name or r.startswith(name + " ") for r in reported):
            results.append(_check(f"{name} (never reported)", False, end))
    ok = not problems and not any(r.status == "fail" for r in results)
    return Verdict(boot.name, ok, round(elapsed, 1), problems, results, report, [], boot.accel, list(errors))


def explain(boot, verdict):
    """The console lines that show why a boot failed: kernel reports with context, the lines
    before each failed test, and the end of the console."""
    lines = verdict.report.lines
    out = [f"    console: {boot.log}"]
    shown = set()

    def show(lo, hi):
        for j in range(max(0, lo), min(len(lines), hi)):
            if j not in shown:
                shown.add(j)
                out.append("    | " + lines[j].rstrip())

    for i in verdict.errors:
        show(i - 3, i + 25)
    for r in verdict.results:
        if r.status == "fail":
            show(r.line - 15, r.line + 1)
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
