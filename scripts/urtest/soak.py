# SPDX-License-Identifier: GPL-2.0
"""The soak of the switch (`make soak`): many boots of PID 1 switching root with user_root.

Each boot runs scripts/guest/soak-init.sh: PID 1 pivots into a new root, detaches the old one
and checks that the initramfs's memory came back (user_root_vm switch-root), while two loops
keep kworkers spawning usermode helpers (modprobe, for a device no driver has) from the root of
the moment, some of them still running from the old root when it is detached. A boot passes
when every switch test passes, both loops asked for modules until the switch moved them, the
kernel brought up the CPUs asked for, and it reported nothing; any failure is a flake, since
every boot is the same. How many boots had a helper running across PID 1's pivot (its root
moved while it ran) is counted: `make soak` fails if none had, since then the soak did not test
what it is for.
"""
import json
import re
import time
from concurrent.futures import ThreadPoolExecutor

from . import protocol, qemu, steps

CMDLINE = "user_root kunit.enable=0"


# The soak guest's report, once the loops and the helpers that ran across the switch are done.
REPORT = re.compile(r"^# soak: (\d+) and (\d+) module requests until the switch; (\d+) helper\(s\) "
                    r"running across it$")


def helpers_across_pivot(report):
    """How many usermode helpers were running from the old root when PID 1 pivoted away from
    it, by the guest's report in a parsed console (ktap.Report); 0 without one."""
    m = next((m for _, text in report.user for m in [REPORT.match(text)] if m), None)
    return int(m.group(3)) if m else 0


def boot(kernel_image, guest, cpus, i, out, accel):
    """The qemu.Boot of soak boot `i` on `cpus` vCPUs."""
    return qemu.Boot(
        name=f"soak {i:03d}, {cpus} vCPUs", kernel=kernel_image, initrd=guest.path("soak"),
        cmdline=qemu.cmdline("x86_64", CMDLINE), cpus=cpus, timeout=300, accel=accel,
        log=out / f"{cpus}cpu-{i:03d}.log",
        expect_console=[rf"smp: Brought up 1 node, {cpus} CPUs"],
        expect_output=[r"^# soak: [1-9]\d* and [1-9]\d* module requests until the switch; \d+ helper"],
        require=protocol.REQUIRED["switch"])


def run(settings, kernel_image, guest, boots, cpus_list=(2, 4), accel="tcg", jobs=2, record=None,
        tag="soak"):
    """Boots `boots` times on each vCPU count; returns the summary (also in OUT/<tag>)."""
    out = settings.out / tag
    out.mkdir(parents=True, exist_ok=True)
    todo = [(cpus, i) for cpus in cpus_list for i in range(boots)]
    t0 = time.monotonic()
    steps.say(f"[{tag}] {boots} boots on each of {', '.join(map(str, cpus_list))} vCPUs, {jobs} at a time")

    def one(job):
        cpus, i = job
        b = boot(kernel_image, guest, cpus, i, out, accel)
        verdict = qemu.run(b)
        return cpus, b, verdict, helpers_across_pivot(verdict.report) > 0

    per_cpus = {cpus: {"boots": 0, "failed": [], "seconds": 0.0, "helper_across_pivot": 0}
                for cpus in cpus_list}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for n, (cpus, b, verdict, across) in enumerate(pool.map(one, todo), 1):
            row = per_cpus[cpus]
            row["boots"] += 1
            row["helper_across_pivot"] += across
            row["seconds"] += verdict.seconds
            if not verdict.ok:
                row["failed"].append(b.name)
                steps.say(verdict.line())
                for line in qemu.explain(b, verdict):
                    steps.say(line)
            if record:
                record(tag, f"{b.name}: PID 1 switch and memory returned, with usermode helpers",
                       "pass" if verdict.ok else "fail", "" if verdict.ok else f"see {b.log}")
            if n % 20 == 0:
                steps.say(f"[{tag}] {n}/{len(todo)} boots, {sum(len(r['failed']) for r in per_cpus.values())} "
                          f"failed, {steps.fmt_secs(time.monotonic() - t0)}")
    for cpus, row in per_cpus.items():
        row["mean_seconds"] = round(row.pop("seconds") / max(row["boots"], 1), 1)
        if record:
            across = row["helper_across_pivot"]
            record(tag, f"{cpus} vCPUs: a helper ran across PID 1's pivot in {across} of {row['boots']} boots",
                   "pass" if across else "fail")
        steps.say(f"[{tag}] {cpus} vCPUs: {row['boots']} boots, {len(row['failed'])} failed "
                  f"(flake rate {len(row['failed'])}/{row['boots']}), a helper alive across the pivot "
                  f"in {row['helper_across_pivot']}, {row['mean_seconds']} s a boot")
    summary = {"cmdline": CMDLINE, "per_cpus": per_cpus, "wall_seconds": round(time.monotonic() - t0)}
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    steps.say(f"[{tag}] done in {steps.fmt_secs(time.monotonic() - t0)}")
    return summary


def failed(summary):
    """The flakes, plus one for each vCPU count where no helper was alive across a pivot."""
    rows = summary["per_cpus"].values()
    return sum(len(r["failed"]) for r in rows) + sum(r["helper_across_pivot"] == 0 for r in rows)
