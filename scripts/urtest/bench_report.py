# SPDX-License-Identifier: GPL-2.0
"""Turn out/bench/results.json into results.md (tables) and chart.png."""
import json
import sys
from pathlib import Path

CONFIGS = ["stock", "user_root", "copy"]
LABEL = {"stock": "stock (switch_root)", "user_root": "user_root (pivot_root)",
         "copy": "stock + copy to tmpfs", "stock_quiet": "stock, loglevel=3 (no error on the console)"}
# A serial console at 115200 baud, 8N1: ten bits a byte.
BAUD_BYTES_PER_S = 115200 / 10


def mib(kib):
    return kib / 1024


def uncreatable_md(u):
    """The section on the hostile archive (results.json's "uncreatable"): names that cannot be
    created, what the console shows of them, and what that costs next to a console that shows none."""
    by = {r["config"]: r for r in u["rows"]}
    st, ur, quiet = by["stock"], by["user_root"], by["stock_quiet"]
    md = [f"An archive of {u['names']:,} names that cannot be created: the benchmark's guest, then the"
          " names (files, directories, symlinks, nodes) in a"
          f" directory the archive does not have; {u['image_kib'] / 1024:.1f} MiB, uncompressed. The"
          f" kernel names the first {u['named_per_archive']} of an archive and counts the rest. One boot"
          " per configuration, initramfs_async=0, guest time under `-icount` (exact). The last row is"
          " stock with loglevel=3: the console shows no error, the same messages are only logged.",
          "Under `-icount` QEMU's serial port takes no guest time per byte; the last column is what the"
          " console's bytes of the unpacker's lines (timestamps and line ends included) take at 115200"
          " baud, 8N1.", "",
          "| config | unpack s | ratio to stock | /init at s | ratio to stock | final root at s"
          " | unpacker lines on the console | naming a name | names named + counted in the log"
          " | console bytes | at 115200 baud s |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for c in [*CONFIGS, "stock_quiet"]:
        r = by.get(c)
        if not r:
            continue
        md.append(f"| {LABEL[c]} | {r['unpack_s']:.4f} | {r['unpack_s'] / st['unpack_s']:.4f}"
                  f" | {r['to_init_s']:.4f} | {r['to_init_s'] / st['to_init_s']:.4f} | {r['to_final_root_s']:.4f}"
                  f" | {r['unpacker_console_lines']} | {r['unpacker_console_named']}"
                  f" | {r['unpacker_log_named']} + {r['unpacker_log_more']:,}"
                  f" | {r['unpacker_console_bytes']:,} | {r['unpacker_console_bytes'] / BAUD_BYTES_PER_S:.3f} |")
    per_line = st["unpacker_console_bytes"] / max(1, st["unpacker_console_lines"])
    md += ["", f"user_root vs stock: unpack ratio {ur['unpack_s'] / st['unpack_s']:.4f}, /init ratio"
           f" {ur['to_init_s'] / st['to_init_s']:.4f}. The bounded report vs a console that shows no"
           f" error (stock, loglevel=3): unpack {st['unpack_s'] - quiet['unpack_s']:+.4f} s (ratio"
           f" {st['unpack_s'] / quiet['unpack_s']:.4f}), /init {st['to_init_s'] - quiet['to_init_s']:+.4f} s"
           f" (ratio {st['to_init_s'] / quiet['to_init_s']:.4f}). A line for each name instead would be about"
           f" {u['names'] * per_line / 1e6:.1f} MB of console, {u['names'] * per_line / BAUD_BYTES_PER_S:.0f} s"
           f" at 115200 baud (estimated from stock's lines, {per_line:.0f} bytes each).", ""]
    return md


def main():
    res = json.loads(Path(sys.argv[1]).read_text())
    out = Path(sys.argv[2])
    rows = res["icount"]
    by = {(r["config"], r["shape"], r["size_mib"], r["compression"]): r for r in rows}
    workloads = sorted({(r["size_mib"], r["shape"], r["compression"]) for r in rows})

    runs = res.get("runs", 1)
    md = [f"Machine: {res['machine']['cpu']}, {res['machine']['cpus']} CPUs; {res['machine']['qemu']};"
          f" guest memory {res['machine']['guest_memory']}, {res['machine'].get('guest_cpus', '1')} vCPUs;"
          f" {res['machine']['date']}.", "",
          "Guest time under `-icount shift=0,sleep=off` (deterministic). Ratios are to stock, same run.",
          "Unpack and free memory after it: a boot with initramfs_async=0, so that nothing else runs"
          f" during the unpack. Everything else: the median of {runs} default (async) boots, /init as"
          " median (min-max).",
          "Free: MemFree plus the free pages cached on the per-CPU lists; MemFree alone in its own"
          " column. The async boots' free memory after unpack: the median's difference to stock's,"
          f" and the spread of the {runs} boots.", "",
          "| workload | config | unpack s | ratio | /init at s | ratio | final root at s | free after unpack MiB | vs stock MiB | MemFree vs stock MiB | async: vs stock MiB (spread) | lowest MemFree during switch MiB | free after switch MiB | old root still held MiB | freed % |",
          "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    worst = {"unpack": 0.0, "init": 0.0, "free": 0.0, "memfree": 0.0, "async": 0.0, "spread": 0.0}
    for size, shape, comp in workloads:
        base = by[("stock", shape, size, comp)]
        for c in CONFIGS:
            r = by.get((c, shape, size, comp))
            if not r:
                continue
            ru = r["unpack_s"] / base["unpack_s"]
            ri = r["to_init_s"] / base["to_init_s"]
            df = mib(r["sync_free_after_unpack_kib"] - base["sync_free_after_unpack_kib"])
            dm = mib(r["sync_memfree_after_unpack_kib"] - base["sync_memfree_after_unpack_kib"])
            da = mib(r["free_after_unpack_kib"] - base["free_after_unpack_kib"])
            spread_kib = max(r["free_after_unpack_kib_runs"]) - min(r["free_after_unpack_kib_runs"])
            freed = 100.0 * (1 - r["old_root_held_kib"] / max(1, r["initramfs_kib"]))
            if c == "user_root":
                worst["unpack"] = max(worst["unpack"], ru)
                worst["init"] = max(worst["init"], ri)
                worst["free"] = max(worst["free"], abs(df))
                worst["memfree"] = max(worst["memfree"], abs(dm))
                worst["async"] = max(worst["async"], abs(da))
            worst["spread"] = max(worst["spread"], mib(spread_kib))
            spread = f"{min(r['to_init_s_runs']):.4f}-{max(r['to_init_s_runs']):.4f}"
            md.append(f"| {size} MiB {shape} {comp} | {LABEL[c]} | {r['unpack_s']:.4f} | {ru:.4f}"
                      f" | {r['to_init_s']:.4f} ({spread}) | {ri:.4f}"
                      f" | {r['to_final_root_s']:.4f} | {mib(r['sync_free_after_unpack_kib']):.1f} | {df:+.2f}"
                      f" | {dm:+.2f} | {da:+.2f} ({mib(spread_kib):.2f})"
                      f" | {mib(r['memfree_peak_switch_kib']):.1f} | {mib(r['free_after_switch_kib']):.1f}"
                      f" | {mib(r['old_root_held_kib']):.1f} | {freed:.1f} |")
    md += ["", f"user_root vs stock, worst case over all workloads: unpack ratio {worst['unpack']:.4f},"
           f" median time-to-/init ratio {worst['init']:.4f}, free memory after unpack within"
           f" {worst['free']:.2f} MiB (MemFree alone: {worst['memfree']:.2f} MiB). In the default boots"
           f" the medians differ by up to {worst['async']:.2f} MiB, and the {runs} boots of one"
           f" configuration by up to {worst['spread']:.2f} MiB among themselves.", ""]
    if "uncreatable" in res:
        md += uncreatable_md(res["uncreatable"])
    md += ["Plain TCG (wall-clock noise, sanity check only): unpack seconds, initramfs_async=0", "",
           "| config | workload | min | median | max | median ratio to stock |", "|---|---|---:|---:|---:|---:|"]
    san = res["plain_tcg"]
    for c in CONFIGS:
        s = san[c]
        md.append(f"| {LABEL[c]} | {s['workload']} | {s['min']:.3f} | {s['median']:.3f} | {s['max']:.3f}"
                  f" | {s['median'] / san['stock']['median']:.3f} |")
    (out / "results.md").write_text("\n".join(md) + "\n")

    # The condensed table for the README: user_root against stock, and what each way leaves.
    sm = ["| workload | user_root/stock unpack | user_root/stock /init | user_root free memory after unpack vs stock (MemFree alone) | final root at: stock / user_root / copy | extra tmpfs memory at the switch's peak: stock / user_root / copy | old root still held after: stock / user_root / copy |",
          "|---|---:|---:|---:|---|---|---|"]
    for size, shape, comp in workloads:
        r = {c: by[(c, shape, size, comp)] for c in CONFIGS}
        st, ur = r["stock"], r["user_root"]
        final = " / ".join("%.3f s" % r[c]["to_final_root_s"] for c in CONFIGS)
        low = " / ".join("%.1f" % mib(r[c]["shmem_peak_switch_kib"] - r[c]["shmem_after_unpack_kib"])
                         for c in CONFIGS)
        held = " / ".join("%.1f" % mib(r[c]["old_root_held_kib"]) for c in CONFIGS)
        df = mib(ur["sync_free_after_unpack_kib"] - st["sync_free_after_unpack_kib"])
        dm = mib(ur["sync_memfree_after_unpack_kib"] - st["sync_memfree_after_unpack_kib"])
        sm.append(f"| {size} MiB {shape} {comp} | {ur['unpack_s'] / st['unpack_s']:.4f}"
                  f" | {ur['to_init_s'] / st['to_init_s']:.4f} | {df:+.2f} MiB ({dm:+.2f}) | {final} | {low} MiB | {held} MiB |")
    (out / "summary.md").write_text("\n".join(sm) + "\n")

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, grid = plt.subplots(2, 2, figsize=(16, 9))
    axes = grid.flatten()
    labels = [f"{s}M\n{sh}\n{c}" for s, sh, c in workloads]
    width = 0.27
    colors = {"stock": "#7f7f7f", "user_root": "#1f77b4", "copy": "#d62728"}
    panels = [
        ("initramfs unpack time (initramfs_async=0)", "guest seconds (icount)", lambda r: r["unpack_s"]),
        ("time from boot to running on the final root", "guest seconds (icount)",
         lambda r: r["to_final_root_s"]),
        ("extra tmpfs memory at the peak of the switch", "MiB of Shmem, vs just after unpack",
         lambda r: mib(r["shmem_peak_switch_kib"] - r["shmem_after_unpack_kib"])),
        ("memory returned by the switch", "MiB, free after the switch minus after unpack",
         lambda r: mib(r["free_after_switch_kib"] - r["free_after_unpack_kib"])),
    ]
    for ax, (title, unit, value) in zip(axes, panels):
        for i, c in enumerate(CONFIGS):
            xs = [j + (i - 1) * width for j in range(len(workloads))]
            ax.bar(xs, [value(by[(c, sh, s, co)]) for s, sh, co in workloads], width,
                   label=LABEL[c], color=colors[c])
        ax.set_title(title)
        ax.set_ylabel(unit)
        ax.set_xticks(range(len(workloads)))
        ax.set_xticklabels(labels, fontsize=7)
        ax.legend(fontsize=8)
    fig.suptitle(f"user_root on Linux 6.12: boot cost and memory ({res['machine']['date']})")
    fig.tight_layout()
    fig.savefig(out / "chart.png", dpi=110)
    print(f"bench: {out / 'results.md'}, {out / 'chart.png'}")


if __name__ == "__main__":
    main()
