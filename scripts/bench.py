#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""`make bench`: what user_root costs at boot, next to stock and the copy-to-tmpfs workaround.

One kernel build, one guest memory size, three ways to reach the final root (see
scripts/guest/bench-init.sh): stock (switch_root), user_root (pivot_root + detach), and the
userspace workaround on stock (copy everything into a fresh tmpfs, then switch_root). The
workloads are initramfs images of 16, 64 and 256 MiB, as a few large files or as 20k small
files in 100 directories, uncompressed and zstd.

Timed boots run under QEMU's -icount shift=0,sleep=off: guest time counts guest instructions,
so the same boot gives the same figures and ratios between configurations are exact. Times are
the kernel's own printk timestamps; memory is /proc/meminfo, logged at each step. A few plain
TCG boots are a sanity check (min/median/max). Results: out/bench/results.{json,md} and
out/bench/chart.png.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONFIGS = ["stock", "user_root", "copy"]
SIZES_MIB = [16, 64, 256]
SHAPES = ["large", "small"]
COMPRESSIONS = ["none", "zstd"]
MEMORY = "1536M"
SMALL_FILES, SMALL_DIRS, LARGE_FILE_MIB = 20000, 100, 8
TS = re.compile(r"^\[\s*(\d+\.\d+)\] (.*)$")
MARK = re.compile(r"user_root-bench: (.*) memfree=(\d+) shmem=(\d+) rootkib=(\d+)")


def log(msg):
    print(msg, flush=True)


def payload(dest, shape, size_mib):
    """Host files of one workload and their gen_init_cpio lines; made once, reused."""
    root = dest / f"payload-{shape}-{size_mib}"
    lines = ["dir /payload 0755 0 0"]
    stamp = root / ".complete"
    make = not stamp.exists()
    if make:
        root.mkdir(parents=True, exist_ok=True)
    if shape == "large":
        for i in range(size_mib // LARGE_FILE_MIB or 1):
            f = root / f"big-{i:03d}"
            if make:
                f.write_bytes(os.urandom(min(size_mib, LARGE_FILE_MIB) << 20))
            lines.append(f"file /payload/big-{i:03d} {f} 0644 0 0")
    else:
        per_file = (size_mib << 20) // SMALL_FILES
        for d in range(SMALL_DIRS):
            lines.append(f"dir /payload/d{d:03d} 0755 0 0")
            if make:
                (root / f"d{d:03d}").mkdir(exist_ok=True)
        for i in range(SMALL_FILES):
            d = i % SMALL_DIRS
            f = root / f"d{d:03d}" / f"f{i:05d}"
            if make:
                f.write_bytes(os.urandom(per_file))
            lines.append(f"file /payload/d{d:03d}/f{i:05d} {f} 0644 0 0")
    stamp.touch()
    return lines


def base_list():
    applets = "cat chroot cp ln mkdir mount pivot_root reboot sed sleep stat switch_root umount".split()
    lines = ["dir /dev 0755 0 0", "nod /dev/console 0600 0 0 c 5 1",
             "dir /proc 0755 0 0", "dir /bin 0755 0 0", "dir /newroot 0755 0 0",
             "file /bin/busybox /bin/busybox 0755 0 0", "slink /bin/sh busybox 0777 0 0",
             f"file /init {REPO}/scripts/guest/bench-init.sh 0755 0 0",
             f"file /bench-final.sh {REPO}/scripts/guest/bench-final.sh 0755 0 0"]
    return lines + [f"slink /bin/{a} busybox 0777 0 0" for a in applets]


def image(dest, gen_init_cpio, shape, size_mib, compression):
    out = dest / f"initramfs-{shape}-{size_mib}-{compression}.img"
    if out.exists():
        return out
    lst = dest / f"{shape}-{size_mib}.list"
    lst.write_text("\n".join(base_list() + payload(dest, shape, size_mib)) + "\n")
    cpio = dest / f"{shape}-{size_mib}.cpio"
    if not cpio.exists():
        with open(cpio, "wb") as f:
            subprocess.run([gen_init_cpio, str(lst)], stdout=f, check=True)
    if compression == "none":
        os.link(cpio, out)
    else:
        subprocess.run(["zstd", "-q", "-3", "-T0", "-f", str(cpio), "-o", str(out)], check=True)
    return out


def boot(kernel, img, config, logfile, icount):
    # KUnit's boot-time tests only cost time here.
    append = f"kunit.enable=0 UR_BENCH={config}" + (" user_root" if config == "user_root" else "")
    cmd = [sys.executable, str(REPO / "scripts/qemu_run.py"), "--name", logfile.stem, "--quiet",
           "--kernel", kernel, "--initrd", str(img), "--append", append, "--memory", MEMORY,
           "--log", str(logfile), "--accel", "tcg", "--timeout", "900", "--smp", "1"]
    if icount:
        cmd += ["--extra=-icount", "--extra=shift=0,sleep=off"]
    t0 = time.monotonic()
    res = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.monotonic() - t0
    if res.returncode:
        raise SystemExit(f"bench boot failed:\n{res.stdout}{res.stderr}")
    return parse(logfile.read_text(errors="replace")), wall


def parse(text):
    """The figures of one boot, from printk timestamps and the guest's marks."""
    at, marks = {}, {}
    for line in text.splitlines():
        m = TS.match(line)
        if not m:
            continue
        ts, msg = float(m.group(1)), m.group(2)
        if msg.startswith("Trying to unpack rootfs image") or msg.startswith("Unpacking initramfs"):
            at.setdefault("unpack_start", ts)
        elif msg.startswith("Freeing initrd memory"):
            at.setdefault("unpack_end", ts)
        elif msg.startswith("Run /init as init process"):
            at.setdefault("init", ts)
        mk = MARK.search(msg)
        if mk:
            marks[mk.group(1)] = {"t": ts, "memfree_kib": int(mk.group(2)), "shmem_kib": int(mk.group(3)),
                                  "root_kib": int(mk.group(4))}
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
        "shmem_after_unpack_kib": init["shmem_kib"],
        "memfree_peak_switch_kib": min(ready["memfree_kib"], final["memfree_kib"]),
        "shmem_peak_switch_kib": max(ready["shmem_kib"], final["shmem_kib"]),
        "memfree_after_switch_kib": settled["memfree_kib"],
        "shmem_after_switch_kib": settled["shmem_kib"],
        "initramfs_kib": init["root_kib"],
        # Shmem that is neither the final root's content nor free: what the old root still holds.
        "old_root_held_kib": max(0, settled["shmem_kib"] - settled["root_kib"]),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--gen-init-cpio", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--sizes", default=",".join(map(str, SIZES_MIB)))
    ap.add_argument("--sanity-runs", type=int, default=3)
    ap.add_argument("--reparse", action="store_true",
                    help="recompute the figures from the console logs of the last run")
    args = ap.parse_args()
    out = Path(args.out)
    if args.reparse:
        res = json.loads((out / "results.json").read_text())
        for r in res["icount"]:
            name = f"{r['config']}-{r['shape']}-{r['size_mib']}-{r['compression']}.log"
            r.update(parse((out / "logs" / name).read_text(errors="replace")))
        (out / "results.json").write_text(json.dumps(res, indent=1))
        subprocess.run(["/usr/bin/python3", str(REPO / "scripts/bench_report.py"), str(out / "results.json"),
                        str(out)], check=True)
        return
    work = out / "images"
    work.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]

    rows = []
    for size in sizes:
        for shape in SHAPES:
            for comp in COMPRESSIONS:
                t0 = time.monotonic()
                img = image(work, args.gen_init_cpio, shape, size, comp)
                for config in CONFIGS:
                    fig, wall = boot(args.kernel, img, config,
                                     out / "logs" / f"{config}-{shape}-{size}-{comp}.log", icount=True)
                    rows.append({"config": config, "size_mib": size, "shape": shape,
                                 "compression": comp, "image_kib": img.stat().st_size >> 10, **fig})
                    log(f"[bench] {config:9s} {shape:5s} {size:3d} MiB {comp:4s}: unpack {fig['unpack_s']:.4f} s,"
                        f" /init at {fig['to_init_s']:.4f} s, final root at {fig['to_final_root_s']:.4f} s,"
                        f" MemFree {fig['memfree_after_unpack_kib']} -> {fig['memfree_after_switch_kib']} kB"
                        f" ({wall:.0f}s wall)")
    # Plain TCG: wall-clock noise, as a sanity check of the icount figures.
    sanity = {}
    size = 64 if 64 in sizes else sizes[0]
    img = image(work, args.gen_init_cpio, "large", size, "none")
    for config in CONFIGS:
        runs = [boot(args.kernel, img, config, out / "logs" / f"tcg-{config}-{i}.log", icount=False)[0]["unpack_s"]
                for i in range(args.sanity_runs)]
        sanity[config] = {"workload": f"large {size} MiB none", "unpack_s": runs,
                          "min": min(runs), "median": statistics.median(runs), "max": max(runs)}
        log(f"[bench] plain TCG {config}: unpack min/median/max {min(runs):.3f}/{statistics.median(runs):.3f}/{max(runs):.3f} s")

    machine = {"date": time.strftime("%Y-%m-%d"), "cpus": os.cpu_count(),
               "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?"),
               "qemu": subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout.splitlines()[0],
               "guest_memory": MEMORY, "kernel": args.kernel}
    results = {"machine": machine, "icount": rows, "plain_tcg": sanity}
    (out / "results.json").write_text(json.dumps(results, indent=1))
    subprocess.run(["/usr/bin/python3", str(REPO / "scripts/bench_report.py"), str(out / "results.json"), str(out)],
                   check=True)


if __name__ == "__main__":
    main()
