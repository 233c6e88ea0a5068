# SPDX-License-Identifier: GPL-2.0
"""Command line of the user_root tooling; `make` targets are thin calls into it."""
import argparse
import contextlib
import dataclasses
import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

from . import arch as arches
from . import bench, bsp, check, debian_config, demo, deps, fuzz, images, kernel, matrix, qemu, readme, series, soak, steps
from .builds import VARIANTS, KernelBuild
from .settings import REPO, Settings


def cmd_deps(s, args):
    deps.install(("kernel", "guest"))


def cmd_kernel(s, args):
    deps.install(("kernel", "guest") if args.variant == "builtin" else ("kernel",))
    k = kernel.Kernel(s)
    k.apply()
    image = check.Kernels(s, k).image(KernelBuild(args.variant, args.arch))
    steps.say(f"kernel: {image}")


def cmd_guest(s, args):
    _image, g = images.main_kernel_and_guest(s)
    steps.say(f"guest: {g.dir}")


def cmd_boot(s, args):
    """Boots one cell of the matrix, by name, as make check does, with the guests already built
    (the kernel is brought up to date with the series first)."""
    cells = {c.name: c for c in matrix.load()}
    if args.cell not in cells:
        steps.die(f"no cell {args.cell!r}; `urtest matrix` lists them")
    cell = cells[args.cell]
    # The cells only check-debug boots need the debug kernel (fault injection).
    debug = args.debug or cell.run_by == "check-debug"
    if args.append:
        cell = dataclasses.replace(cell, cmdline=" ".join([cell.cmdline, *args.append]))
    k = kernel.Kernel(s)
    # The kernel as the series makes it now: a check interrupted in its prefix builds, or an
    # edit since, leaves something else in the build directory.
    k.apply()
    kernels = check.Kernels(s, k, build_guests=False)
    kb = cell.build(debug)
    kernels.image(kb)
    kernels.guest(kb)
    if cell.distro:
        kernels.system(cell.release, kb)
    boot = check.cell_boot(cell, kernels, check.boot_dir(s, "check-debug" if debug else cell.run_by) /
                           f"{cell.slug}.log", s, debug)
    verdict = check.boot_and_say(boot)
    Path(str(boot.log) + ".json").write_text(verdict.to_json())
    for name in cell.same_lists:  # compared with the same_as cell's by `make check`, not here
        got = verdict.lists.get(name)
        steps.say(f"    list {name}: {' '.join(got) or '(none)' if got is not None else 'not reported'}"
                  f" (make check compares it with {cell.same_as!r})")
    return 0 if verdict.ok else 1


def cmd_check(s, args):
    return check.Check(s, make_target(args)).run()


def cmd_demo(s, args):
    return demo.run(s)


def cmd_bench(s, args):
    # `urtest bench -- --sizes 16`: argparse keeps the "--" in the remainder.
    return bench.main(s, args.rest[1:] if args.rest[:1] == ["--"] else args.rest)


def cmd_debian_config(s, args):
    worst = 0
    for release in debian_config.releases():   # one release's failure does not hide the other's
        try:
            worst = max(worst, debian_config.run(s, release))
        except (steps.StepFailed, series.SeriesError, subprocess.CalledProcessError) as err:
            steps.say(f"[debian-config] Debian {debian_config.code_name(release)}: FAILED: {err}")
            worst = 1
    return worst


def cmd_bsp(s, args):
    results = bsp.run(s)
    for name, status, detail in results:
        steps.say(f"[bsp] {status}: {name}" + (f" ({detail})" if detail else ""))
    failed = sum(status == "fail" for _, status, _ in results)
    steps.say(f"bsp: {len(results) - failed} passed, {failed} failed; the layer and the external tree "
              f"are in {s.out / 'bsp'}")
    return 1 if failed else 0


def cmd_fuzz(s, args):
    deps.install(("kernel", "guest"))
    k = kernel.Kernel(s)
    k.apply()
    image = k.build(KernelBuild("debug" if args.debug else "main"))
    seeds = range(args.seed, args.seed + args.n)
    summary = fuzz.run(s, seeds, image, accel=qemu.choose_accel(s.accel, image, s.cache),
                       tag="fuzz" + ("-debug" if args.debug else ""))
    return 1 if summary["divergences"] or summary["crashes"] else 0


def cmd_soak(s, args):
    image, g = images.main_kernel_and_guest(s)
    summary = soak.run(s, image, g, args.n, tuple(args.cpus), accel=qemu.choose_accel(s.accel, image, s.cache))
    return 1 if soak.failed(summary) else 0


def cmd_patches(s, args):
    deps.install(("kernel",))
    k = kernel.Kernel(s)
    k.apply()
    out = s.out / "patches"
    patches = k.series().write_patches(out, series.commit_date(),
                                       (REPO / "Documentation/cover-letter.txt").read_text())
    steps.say(f"patches: {len(patches)} patches and a cover letter in {out}")


def cmd_refresh(s, args):
    k = kernel.Kernel(s)
    for path in k.series().refresh():
        steps.say(f"refreshed {path}")


def cmd_apply(s, args):
    k = kernel.Kernel(s)
    changed = k.apply(args.upto)
    steps.say(f"series: {len(changed)} files changed in {s.tree}" +
              "".join(f"\n  {p}" for p in changed[:20]))


def cmd_matrix(s, args):
    cells = matrix.load()
    if args.markdown:
        sys.stdout.write(matrix.markdown(cells))
        if matrix.update_doc(cells):
            steps.say(f"({matrix.TABLE_DOC.relative_to(REPO)} updated)")
    else:
        for c in cells:
            steps.say(f"{c.name}  [{c.arch}, {c.kernel}]  {c.full_cmdline()}")


def main(argv=None):
    ap = argparse.ArgumentParser(prog="urtest", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("deps", help="install the toolchain (Debian packages, bindgen-cli)")
    p = sub.add_parser("kernel", help="apply the series and build a kernel")
    p.add_argument("--variant", default="main", choices=list(VARIANTS), help="the kernel variant (builds.VARIANTS)")
    p.add_argument("--arch", default="x86_64", choices=list(arches.ARCHES))
    sub.add_parser("guest", help="build the test programs, the initramfs images and the test disk")
    p = sub.add_parser("boot", help="boot one cell of the matrix (after `make check` built everything)")
    p.add_argument("cell")
    p.add_argument("append", nargs="*", help="more words for the kernel command line")
    p.add_argument("--debug", action="store_true", help="on the debug kernel (as make check-debug)")
    p = sub.add_parser("check", help="run every test")
    p.add_argument("--debug", action="store_true", help="the debug cells on the KASAN + lockdep kernel")
    p.add_argument("--arch", action="store_true", help="the cells of the other architectures (riscv64)")
    p.add_argument("--distro", action="store_true", help="the Debian cells beyond make check's")
    sub.add_parser("demo", help="build, boot with and without user_root, show pivot_root")
    p = sub.add_parser("bench", help="boot-time and memory cost of user_root (out/bench)")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    sub.add_parser("debian-config", help="Debian's kernel config with the series: what changes, and a build of what the series touches")
    sub.add_parser("bsp", help="a Yocto layer and a Buildroot external tree from the series, in OUT/bsp, checked")
    p = sub.add_parser("fuzz", help="differential fuzzing of initramfs archives, stock against user_root")
    p.add_argument("-n", type=int, default=1000, help="how many archives (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="the first seed (default 0)")
    p.add_argument("--debug", action="store_true", help="on the KASAN + lockdep kernel")
    p = sub.add_parser("soak", help="boots of PID 1 switching root while usermode helpers start")
    p.add_argument("-n", type=int, default=200, help="boots on each vCPU count (default 200)")
    p.add_argument("--cpus", type=int, nargs="+", default=[2, 4], help="vCPU counts (default 2 4)")
    sub.add_parser("patches", help="write the series as git format-patch files to OUT/patches")
    sub.add_parser("refresh", help="rewrite the *.patch files from the edited kernel tree")
    p = sub.add_parser("apply", help="apply the series (or its first N patches) to the kernel tree")
    p.add_argument("--upto", type=int)
    p = sub.add_parser("matrix", help="list the boot matrix")
    p.add_argument("--markdown", action="store_true", help="as the table of tools/testing/user_root/README.md, and update it there")
    args = ap.parse_args(argv)
    settings = Settings.from_env()
    try:
        with (exclusive(settings) if args.cmd not in ("deps", "matrix") else contextlib.nullcontext()):
            t0 = time.monotonic()   # once the lock is held
            rc = globals()[f"cmd_{args.cmd.replace('-', '_')}"](settings, args) or 0
    except (steps.StepFailed, series.SeriesError) as err:
        steps.say(f"error: {err}")
        return 1
    target = make_target(args)
    if target and target not in matrix.RUNS:  # a check records it
        steps.say(readme.compare(target, time.monotonic() - t0)[1])
    return rc


def make_target(args):
    """The make target that ran this command as the README times it, or None (other options)."""
    if args.cmd == "check":
        return "check-debug" if args.debug else "check-arch" if args.arch else "check-distro" if args.distro \
            else "check"
    if args.cmd in ("fuzz", "soak"):
        return args.cmd if args.n == {"fuzz": 1000, "soak": 200}[args.cmd] and not getattr(args, "debug", False) \
            and getattr(args, "seed", 0) == 0 else None
    if args.cmd == "bench":
        return "bench" if not args.rest else None
    if args.cmd == "kernel":
        return "kernel" if (args.variant, args.arch) == ("main", "x86_64") else None
    return args.cmd if args.cmd in ("demo", "bsp", "debian-config", "guest", "patches") else None


@contextlib.contextmanager
def exclusive(settings):
    """One run at a time changes the kernel tree and its build directories."""
    settings.cache.mkdir(parents=True, exist_ok=True)
    with open(settings.cache / "urtest.lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            steps.say(f"waiting for another urtest run (pid {lock.read().strip() or '?'}) to finish")
            fcntl.flock(lock, fcntl.LOCK_EX)
        lock.seek(0)
        lock.truncate()
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        yield


if __name__ == "__main__":
    sys.exit(main())
