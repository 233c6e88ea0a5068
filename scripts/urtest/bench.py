# SPDX-License-Identifier: GPL-2.0
"""`make bench`: what user_root costs at boot, next to stock and the copy-to-tmpfs workaround.

One kernel build, one guest size (memory and two vCPUs), three ways to reach the final root (see
scripts/guest/bench-init.sh): stock (switch_root), user_root (pivot_root + detach), and the
userspace workaround on stock (copy everything into a fresh tmpfs, then switch_root). The
workloads are initramfs images of 16, 64 and 256 MiB, as a few large files or as 20k small
files in 100 directories, uncompressed and zstd.

Timed boots run under QEMU's -icount shift=0,sleep=off: guest time counts guest instructions,
so the same boot gives the same figures and ratios between configurations are exact. Times are
the kernel's own printk timestamps; memory is /proc/meminfo and the per-CPU free page lists of
/proc/zoneinfo, logged at each step. Each configuration and workload boots RUNS times with the
default asynchronous unpack (reported as median, min and max) and once with initramfs_async=0,
which times the unpack alone. A few plain TCG boots are a sanity check (min/median/max).

One more workload is a hostile archive: the guest, then protocol.UNCREATABLE names that cannot be
created (images.add_uncreatable()). The kernel names the first few and counts the rest; it boots
once per configuration with initramfs_async=0, and once more on stock with loglevel=3, where the
console shows no error at all: the reference for what the bounded report costs.
Results: out/bench/results.{json,md}, out/bench/summary.md and out/bench/chart.png.
"""
import argparse
import hashlib
import json
import os
import random
import re
import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from . import cpio, deps, kernel, protocol, qemu
from . import images as guest_images
from .builds import KernelBuild
from .settings import REPO
CONFIGS = ["stock", "user_root", "copy"]
SIZES_MIB = [16, 64, 256]
SHAPES = ["large", "small"]
COMPRESSIONS = ["none", "zstd"]
MEMORY = "1536M"
# Two vCPUs, as in make check: the idle thread of the second must not pin the old root. Under
# -icount QEMU runs them in turn on one host thread, and boots stay exactly repeatable.
CPUS = "2"
SMALL_FILES, SMALL_DIRS, LARGE_FILE_MIB = 20000, 100, 8
RUNS = 3
# The hostile archive's boots: each configuration, and stock with the console quiet for errors.
UNCREATABLE_CONFIGS = CONFIGS + ["stock_quiet"]
# The guest's header before it shows the kernel log, where the console's log level kept the
# kernel's messages from it (scripts/guest/bench-final.sh); the host reads the times there.
KERNEL_LOG = "# user_root-bench: the kernel log, which the console did not show"
UNPACKER = "Initramfs unpacking:"
MORE = re.compile(r"Initramfs unpacking: (\d+) more names could not be created")


def log(msg):
    print(msg, flush=True)


def payload(w, shape, size_mib):
    """Adds one workload's files to the archive; their content is random but the same each time."""
    rnd = random.Random(f"{shape}-{size_mib}")
    w.dir("payload")
    if shape == "large":
        for i in range(size_mib // LARGE_FILE_MIB or 1):
            w.file(f"payload/big-{i:03d}", rnd.randbytes(min(size_mib, LARGE_FILE_MIB) << 20))
    else:
        per_file = (size_mib << 20) // SMALL_FILES
        for d in range(SMALL_DIRS):
            w.dir(f"payload/d{d:03d}")
        for i in range(SMALL_FILES):
            w.file(f"payload/d{i % SMALL_DIRS:03d}/f{i:05d}", rnd.randbytes(per_file))


def base(w):
    guest = REPO / "scripts/guest"
    w.dir("dev").node("dev/console", "c", 5, 1)
    for d in ("proc", "bin", "newroot"):
        w.dir(d)
    w.file("bin/busybox", Path("/bin/busybox").read_bytes(), 0o755).symlink("bin/sh", "busybox")
    w.file("init", (guest / "bench-init.sh").read_bytes(), 0o755)
    w.file("bench-final.sh", (guest / "bench-final.sh").read_bytes(), 0o755)
    w.file("bench-mark.sh", (guest / "bench-mark.sh").read_bytes())
    for a in "cat chroot cp ln mkdir mount pivot_root reboot sed sleep stat switch_root umount".split():
        w.symlink(f"bin/{a}", "busybox")


def cached_image(out, key, make, sources=()):
    """`out`, rebuilt with `make()` (the archive's bytes) unless it was made from the same `key`,
    bench guest scripts, this generator and `sources`."""
    digest = hashlib.sha256(key.encode())
    for script in sorted((REPO / "scripts/guest").glob("bench-*.sh")) + [Path(__file__), Path(cpio.__file__),
                                                                          *sources]:
        digest.update(script.read_bytes())
    stamp = out.with_suffix(".stamp")
    if out.exists() and stamp.exists() and stamp.read_text() == digest.hexdigest():
        return out
    out.write_bytes(make())
    stamp.write_text(digest.hexdigest())
    return out


def image(dest, shape, size_mib, compression):
    """The initramfs of one workload; rebuilt when a guest script or this generator changed."""
    def make():
        w = cpio.Writer()
        base(w)
        payload(w, shape, size_mib)
        data = w.bytes()
        if compression == "zstd":
            data = subprocess.run(["zstd", "-q", "-3", "-T0", "-c"], input=data, check=True,
                                  capture_output=True).stdout
        return data
    return cached_image(dest / f"initramfs-{shape}-{size_mib}-{compression}.img",
                        f"{shape} {size_mib} {compression} {SMALL_FILES} {LARGE_FILE_MIB}", make)


def uncreatable_image(dest):
    """The hostile archive: the benchmark's guest, then protocol.UNCREATABLE names in a directory
    that the archive does not have; uncompressed, so that its unpack is the names'."""
    def make():
        w = cpio.Writer()
        base(w)
        guest_images.add_uncreatable(w, protocol.UNCREATABLE)
        if guest_images.uncreatable(w.entries) != protocol.UNCREATABLE:
            raise SystemExit(f"bench: the hostile archive has {guest_images.uncreatable(w.entries)} names "
                             f"that cannot be created, not {protocol.UNCREATABLE}")
        return w.bytes()
    return cached_image(dest / "initramfs-uncreatable.img", f"uncreatable {protocol.UNCREATABLE}", make,
                        [Path(guest_images.__file__)])


def uncreatable_boots():
    """(log name, command line) of the hostile archive's boots: one per configuration, with
    initramfs_async=0 (under -icount one boot is exact); stock_quiet is stock with loglevel=3."""
    out = []
    for config in UNCREATABLE_CONFIGS:
        way = "stock" if config == "stock_quiet" else config
        append = f"UR_BENCH={way} initramfs_async=0" + (" user_root" if way == "user_root" else "")
        out.append((f"uncreatable-{config}", append + (" loglevel=3" if config == "stock_quiet" else "")))
    return out


def boot(kernel_image, img, append, logfile, icount):
    # KUnit's boot-time tests only cost time here.
    b = qemu.Boot(name=logfile.stem, kernel=kernel_image, initrd=img, cmdline=qemu.cmdline("x86_64", "kunit.enable=0 " + append),
                  memory=MEMORY, log=logfile, accel="tcg", timeout=900, cpus=int(CPUS),
                  extra=["-icount", "shift=0,sleep=off"] if icount else [])
    t0 = time.monotonic()
    verdict = qemu.run(b)
    wall = time.monotonic() - t0
    if not verdict.ok:
        raise SystemExit(f"bench boot {logfile.stem} failed: {'; '.join(verdict.problems)}")
    return parse("\n".join(verdict.report.lines)), wall


def parse(text):
    """The figures of one boot, from printk timestamps and the guest's marks."""
    at, marks = {}, {}
    # The unpacker's messages: those the console showed, and all the kernel logged (the console's,
    # or the kernel log the guest showed, where the console's log level kept them from it).
    shown = {"lines": 0, "bytes": 0, "named": 0}
    logged = {"lines": 0, "named": 0, "more": 0}
    on_console = True
    for line in text.splitlines():
        # endswith: the firmware's screen-clearing escapes may come before it on the line.
        if line.rstrip().endswith(KERNEL_LOG):
            on_console = False
        m = protocol.TIMESTAMP.match(line)
        if not m:
            continue
        ts, msg = float(m.group(1)), line[m.end():]
        if msg.startswith(UNPACKER):
            named = msg.startswith(UNPACKER + " cannot create ")
            more = MORE.match(msg)
            if on_console:
                shown["lines"] += 1
                shown["bytes"] += len(line) + 2  # and the serial console's CR LF
                shown["named"] += named
            logged["lines"] += 1
            logged["named"] += named
            logged["more"] += int(more.group(1)) if more else 0
        if msg.startswith("Trying to unpack rootfs image") or msg.startswith("Unpacking initramfs"):
            at.setdefault("unpack_start", ts)
        elif msg.startswith("Freeing initrd memory"):
            at.setdefault("unpack_end", ts)
        elif msg.startswith("Run /init as init process"):
            at.setdefault("init", ts)
        mk = protocol.BENCH_MARK.search(msg)
        if mk:
            marks[mk.group(1)] = {"t": ts, "memfree_kib": int(mk.group(2)), "shmem_kib": int(mk.group(3)),
                                  "pcp_kib": int(mk.group(4)), "root_kib": int(mk.group(5))}
    need = ["unpack_start", "unpack_end", "init"]
    if any(k not in at for k in need) or any(k not in marks for k in ("init", "new root ready", "final root", "settled")):
        raise SystemExit(f"bench: the boot did not log every step: {sorted(at)} {sorted(marks)}")
    init, ready, final, settled = (marks[k] for k in ("init", "new root ready", "final root", "settled"))
    return {
        "unpack_s": round(at["unpack_end"] - at["unpack_start"], 6),
        "to_init_s": at["init"],
        "to_final_root_s": final["t"],
        "switch_s": round(final["t"] - init["t"], 6),
        "memfree_after_unpack_kib": init["memfree_kib"],
        # Free pages on the per-CPU lists are free too; MemFree leaves them out.
        "free_after_unpack_kib": init["memfree_kib"] + init["pcp_kib"],
        "shmem_after_unpack_kib": init["shmem_kib"],
        "memfree_peak_switch_kib": min(ready["memfree_kib"], final["memfree_kib"]),
        "shmem_peak_switch_kib": max(ready["shmem_kib"], final["shmem_kib"]),
        "memfree_after_switch_kib": settled["memfree_kib"],
        "free_after_switch_kib": settled["memfree_kib"] + settled["pcp_kib"],
        "shmem_after_switch_kib": settled["shmem_kib"],
        "initramfs_kib": init["root_kib"],
        # Shmem that is neither the final root's content nor free: what the old root still holds.
        "old_root_held_kib": max(0, settled["shmem_kib"] - settled["root_kib"]),
        "unpacker_console_lines": shown["lines"],
        "unpacker_console_bytes": shown["bytes"],
        "unpacker_console_named": shown["named"],
        "unpacker_log_lines": logged["lines"],
        "unpacker_log_named": logged["named"],
        "unpacker_log_more": logged["more"],
    }


def cell_boots(config, shape, size, comp):
    """(log name, command line) of every timed boot of one configuration and workload."""
    base = f"UR_BENCH={config}" + (" user_root" if config == "user_root" else "")
    name = f"{config}-{shape}-{size}-{comp}"
    # The unpack runs as an async initcall, beside the other initcalls; where the two meet
    # shifts with any change to the boot (a longer command line, a different image), so the
    # default boot is run RUNS times, each with a different bench_run= on the command line, and
    # reported as min/median/max. initramfs_async=0 gives the unpack alone, which is what the
    # unpack time and the memory after unpack are taken from.
    boots = [(f"{name}-run{i}", f"{base} bench_run={i}") for i in range(1, RUNS + 1)]
    return boots + [(f"{name}-sync", f"{base} initramfs_async=0")]


def cell(config, shape, size, comp, figures):
    """One row of results.json from the figures of a cell's boots (by log name)."""
    name = f"{config}-{shape}-{size}-{comp}"
    runs = [figures[f"{name}-run{i}"] for i in range(1, RUNS + 1)]
    sync = figures[f"{name}-sync"]
    row = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    for k in ("unpack_s", "to_init_s", "to_final_root_s", "free_after_unpack_kib"):
        row[k + "_runs"] = [r[k] for r in runs]
    row["unpack_async_s"] = row.pop("unpack_s")
    row["unpack_s"] = sync["unpack_s"]
    row["sync_to_init_s"] = sync["to_init_s"]
    row["sync_memfree_after_unpack_kib"] = sync["memfree_after_unpack_kib"]
    row["sync_free_after_unpack_kib"] = sync["free_after_unpack_kib"]
    return row


def uncreatable_results(figures, image_kib):
    """The hostile archive's part of results.json, from the figures of its boots (by log name)."""
    rows = []
    for config in UNCREATABLE_CONFIGS:
        fig = figures[f"uncreatable-{config}"]
        rows.append({"config": config, **{k: fig[k] for k in (
            "unpack_s", "to_init_s", "to_final_root_s", "unpacker_console_lines", "unpacker_console_bytes",
            "unpacker_console_named", "unpacker_log_lines", "unpacker_log_named", "unpacker_log_more")}})
    return {"names": protocol.UNCREATABLE, "named_per_archive": protocol.CREATE_NAMED, "image_kib": image_kib,
            "compression": "none", "initramfs_async": 0, "rows": rows}


def workloads(sizes):
    return [(shape, size, comp) for size in sizes for shape in SHAPES for comp in COMPRESSIONS]


def main(settings, argv):
    ap = argparse.ArgumentParser(prog="urtest bench", description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=",".join(map(str, SIZES_MIB)))
    ap.add_argument("--sanity-runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="icount boots run in parallel: their figures do not depend on the host's load")
    ap.add_argument("--reparse", action="store_true",
                    help="recompute the figures from the console logs of the last run")
    args = ap.parse_args(argv)
    out = settings.out / "bench"
    logs = out / "logs"
    if args.reparse:
        res = json.loads((out / "results.json").read_text())
        sizes = sorted({r["size_mib"] for r in res["icount"]})
        figures = {p.stem: parse(p.read_text(errors="replace")) for p in logs.glob("*-*-*-*-*.log")
                   if not p.name.startswith("tcg-")}
        res["icount"] = [{"config": c, "size_mib": size, "shape": shape, "compression": comp,
                          "image_kib": next(r["image_kib"] for r in res["icount"] if (r["shape"], r["size_mib"],
                                                                                    r["compression"]) == (shape, size, comp)),
                          **cell(c, shape, size, comp, figures)}
                         for shape, size, comp in workloads(sizes) for c in CONFIGS]
        if all((logs / f"{name}.log").exists() for name, _ in uncreatable_boots()):
            res["uncreatable"] = uncreatable_results(
                {name: parse((logs / f"{name}.log").read_text(errors="replace")) for name, _ in uncreatable_boots()},
                res.get("uncreatable", {}).get("image_kib", 0))
        (out / "results.json").write_text(json.dumps(res, indent=1))
        report(out)
        return 0
    deps.install(("kernel", "guest", "bench"))
    k = kernel.Kernel(settings)
    k.apply()
    kernel_image = k.build(KernelBuild())
    t_start = time.monotonic()
    work = out / "images"
    work.mkdir(parents=True, exist_ok=True)
    logs.mkdir(exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]

    t0 = time.monotonic()
    images = {w: image(work, *w) for w in workloads(sizes)}
    hostile = uncreatable_image(work)
    log(f"[bench] {len(images) + 1} initramfs images ready ({time.monotonic() - t0:.0f}s)")
    jobs = [(name, images[w], append) for w in workloads(sizes) for c in CONFIGS for name, append in cell_boots(c, *w)]
    jobs += [(name, hostile, append) for name, append in uncreatable_boots()]
    log(f"[bench] {len(jobs)} icount boots, {args.jobs} at a time")
    t0 = time.monotonic()
    figures = {}
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        running = {pool.submit(boot, kernel_image, img, append, logs / f"{name}.log", True): name
                   for name, img, append in jobs}
        for done, fut in enumerate(as_completed(running), 1):
            name = running[fut]
            fig, wall = fut.result()
            figures[name] = fig
            log(f"[bench] {done:3d}/{len(jobs)} {name}: unpack {fig['unpack_s']:.4f} s, /init at {fig['to_init_s']:.4f} s,"
                f" final root at {fig['to_final_root_s']:.4f} s, free {fig['free_after_unpack_kib']} ->"
                f" {fig['free_after_switch_kib']} kB ({wall:.0f}s wall)")
    log(f"[bench] icount boots done in {time.monotonic() - t0:.0f}s")
    rows = [{"config": c, "size_mib": size, "shape": shape, "compression": comp,
             "image_kib": images[(shape, size, comp)].stat().st_size >> 10, **cell(c, shape, size, comp, figures)}
            for shape, size, comp in workloads(sizes) for c in CONFIGS]

    # Plain TCG, one boot at a time: wall-clock noise, as a sanity check of the icount figures.
    # The unpack alone, as in the icount figures: an async unpack's interval in wall-clock time
    # also holds whatever the other initcalls waited for.
    sanity = {}
    size = 64 if 64 in sizes else sizes[0]
    img = images[("large", size, "none")]
    for config in CONFIGS:
        append = f"UR_BENCH={config} initramfs_async=0" + (" user_root" if config == "user_root" else "")
        runs = [boot(kernel_image, img, append, logs / f"tcg-{config}-{i}.log", icount=False)[0]["unpack_s"]
                for i in range(args.sanity_runs)]
        sanity[config] = {"workload": f"large {size} MiB none", "unpack_s": runs,
                          "min": min(runs), "median": statistics.median(runs), "max": max(runs)}
        log(f"[bench] plain TCG {config}: unpack min/median/max {min(runs):.3f}/{statistics.median(runs):.3f}/{max(runs):.3f} s")

    machine = {"date": time.strftime("%Y-%m-%d"), "cpus": os.cpu_count(),
               "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?"),
               "qemu": subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout.splitlines()[0],
               "guest_memory": MEMORY, "guest_cpus": CPUS, "kernel": str(kernel_image)}
    results = {"machine": machine, "runs": RUNS, "icount": rows, "plain_tcg": sanity,
               "uncreatable": uncreatable_results(figures, hostile.stat().st_size >> 10)}
    (out / "results.json").write_text(json.dumps(results, indent=1))
    report(out)
    log(f"[bench] done in {time.monotonic() - t_start:.0f}s")
    return 0


def report(out):
    # matplotlib comes from Debian's python3-matplotlib, for the system interpreter.
    subprocess.run(["/usr/bin/python3", "-m", "urtest.bench_report", str(out / "results.json"), str(out)],
                   check=True, cwd=REPO / "scripts", env={**os.environ, "PYTHONPATH": str(REPO / "scripts")})
