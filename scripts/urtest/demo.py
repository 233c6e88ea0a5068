# SPDX-License-Identifier: GPL-2.0
"""`make demo`: from nothing to a booted user_root kernel whose PID 1 pivots away from its
initramfs, next to the same kernel without user_root, where pivot_root fails."""
import re

from . import images, protocol, qemu, series, steps
from .settings import REPO


def guest_lines(report):
    """What the guest printed (its lines in a parsed console, ktap.Report), from its first."""
    user = [text for _, text in report.user]
    start = next((i for i, l in enumerate(user) if l.startswith(protocol.GUEST_UP)), len(user))
    return [l for l in user[start:] if re.match(r"^(#|ok |not ok )", l)]


def first(lines, prefix):
    return next((l[len(prefix):].strip() for l in lines if l.startswith(prefix)), "(not shown)")


def run(s):
    image, guest = images.main_kernel_and_guest(s)
    k = guest.kernel
    out = s.out / "patches"
    steps.call("patches", f"patch series to {out}", k.series().write_patches, out, series.commit_date(),
               (REPO / "Documentation/cover-letter.txt").read_text())
    accel = qemu.choose_accel(s.accel, image, s.cache)
    shown = {}
    for name, cmdline, title in (("user_root", "user_root UR_EXPECT=on", "booting with user_root on the command line"),
                                 ("stock", "UR_EXPECT=off", "the same kernel and initramfs, without user_root")):
        steps.say(f"\n=== {title}")
        boot = qemu.Boot(name=name, kernel=image, initrd=guest.path("initramfs"), accel=accel,
                         cmdline=qemu.cmdline("x86_64", f"{protocol.DEMO}=1 {cmdline}"),
                         log=s.out / "demo" / f"{name}.log")
        verdict = qemu.run(boot)
        lines = guest_lines(verdict.report)
        for line in lines:
            steps.say("    " + line)
        if not verdict.ok:
            steps.say("    " + verdict.line())
        shown[name] = lines
    on, off = shown["user_root"], shown["stock"]
    root_line = first([l for l in on if re.match(r"^# mountinfo: \S+ \S+ \S+ / / ", l)], "# mountinfo:")
    stock_line = first([l for l in off if re.match(r"^# mountinfo: \S+ \S+ \S+ / / ", l)], "# mountinfo:")
    freed = " ".join(l.lstrip("# ").strip() for l in on if l.startswith(("# Shmem", "#   ")))
    steps.say(f"""
Verdict: Linux {k.version()} booted with user_root shows its root as
    {root_line}
that is, / is mount 2, a tmpfs named user_root, whose parent is mount 1, the immutable null
root. PID 1 built a new root and {first(on, '# PID 1:')}; after detaching the
initramfs: {freed or '(no memory report)'}.
The same kernel without user_root shows
    {stock_line}
and there {first(off, '# PID 1:').split(", which is what")[0]}, as on stock 6.12.
Kernel image: {image}
Patch series: {out}/ (git am onto a pristine 6.12.y tree)
Console logs: {s.out / 'demo'}/""")
    return 0
