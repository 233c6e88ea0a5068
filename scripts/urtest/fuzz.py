# SPDX-License-Identifier: GPL-2.0
"""Differential fuzzing of the initramfs unpacker: stock against user_root.

Each case is an initramfs made of two archives: a fixed, valid one with the harness (busybox and
an /init that reports what was unpacked) and a mutated one, made from a valid base by a seeded,
reproducible mutation (bit flips and truncations in headers, name and file sizes, modes, link
targets, hard links, a directory over a file and a file over a directory, ".." and absolute
names, huge name lengths, bad magic, a trailer in the middle, compressed streams with corrupt
parts, concatenations). The same image boots on both configurations; the outcome of each is
classed as the kernel's unpack error, or the hash of the tree /init found, or no /init; the two
classes must be the same, and neither boot may crash, hang or report a kernel BUG, WARNING or
KASAN error.
"""
import gzip
import hashlib
import json
import random
import re
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from . import cpio, images, qemu, steps
from .settings import REPO

HARNESS_DIR = ".fuzz"          # where the harness lives; the mutations never make this name
GUEST_INIT = REPO / "scripts/guest/fuzz-init.sh"
TREE_LINE = re.compile(r"^# fuzz: tree ([0-9a-f]{64}) (\d+) entries$")
UNPACK_ERROR = re.compile(r"Initramfs unpacking failed: (.*)$")
NO_INIT = re.compile(r"No working init found|Kernel panic - not syncing: No (working )?init")

MUTATIONS = ("bitflip", "truncate", "namesize", "filesize", "mode", "symlink_target", "hardlink",
             "dir_over_file", "file_over_dir", "dotdot", "absolute", "huge_name", "bad_magic",
             "early_trailer", "gzip_corrupt", "concat", "nlink_zero", "duplicate")


def harness(arch="x86_64"):
    """The first archive: busybox and /init, under names the mutations never produce."""
    w = cpio.Writer()
    w.dir("dev").node("dev/console", "c", 5, 1)
    w.dir(HARNESS_DIR).file(f"{HARNESS_DIR}/busybox", images.busybox(arch).read_bytes(), 0o755)
    w.file("init", GUEST_INIT.read_bytes(), 0o755)
    return w.bytes()


def base_entries(rnd):
    """The valid archive that mutations start from: a small tree of every kind of entry."""
    w = cpio.Writer()
    w.dir("a").dir("a/b", 0o750)
    for i in range(rnd.randint(2, 5)):
        w.file(f"a/f{i}", rnd.randbytes(rnd.randint(0, 3000)), rnd.choice((0o644, 0o600, 0o755)))
    w.symlink("a/link", "f0").symlink("dangling", "/nowhere")
    w.node("a/null", "c", 1, 3).dir("empty")
    w.file("a/b/deep", b"deep\n")
    return w


@dataclass
class Case:
    seed: int
    mutation: str
    data: bytes        # the mutated archive (the second one)

    def image(self, harness_archive):
        return harness_archive + self.data

    @property
    def name(self):
        return f"fuzz-{self.seed:05d}-{self.mutation}"


def _headers(archive):
    """Offsets of every newc header in an archive (a valid one)."""
    out, pos = [], 0
    while pos + cpio.HEADER_LEN <= len(archive) and archive[pos:pos + 6] == cpio.MAGIC:
        out.append(pos)
        namesize = int(archive[pos + 94:pos + 102], 16)
        size = int(archive[pos + 54:pos + 62], 16)
        body = pos + cpio.HEADER_LEN + namesize
        body += -body % 4
        pos = body + size + (-size % 4)
    return out


def _set_field(archive, header, field, value):
    i = cpio.FIELDS.index(field)
    at = header + 6 + 8 * i
    archive[at:at + 8] = b"%08X" % (value & 0xFFFFFFFF)


def mutate(seed):
    """The case of one seed: always the same archive for the same seed."""
    rnd = random.Random(seed)
    mutation = MUTATIONS[seed % len(MUTATIONS)]
    w = base_entries(rnd)
    if mutation == "dir_over_file":
        w.dir("a/f0")
    elif mutation == "file_over_dir":
        w.file("a/b", b"now a file\n")
    elif mutation == "dotdot":
        w.file(rnd.choice(("../escape", "a/../../escape", "a/b/../../../up")), b"..\n")
    elif mutation == "absolute":
        w.file(rnd.choice(("/abs", "//double", "/a/abs")), b"/\n")
    elif mutation == "hardlink":
        data = rnd.randbytes(100)
        for name in ("h1", "h2", "a/h3"):
            w.entries.append(cpio.Entry(name, stat.S_IFREG | 0o644, data, nlink=3, ino=4242))
        if rnd.random() < 0.5:  # a hard link whose first entry is missing
            w.entries.append(cpio.Entry("orphan", stat.S_IFREG | 0o644, b"", nlink=2, ino=4343))
    elif mutation == "duplicate":
        w.file("a/f0", rnd.randbytes(50)).file("a/f0", rnd.randbytes(60))
    archive = bytearray(w.bytes())
    heads = _headers(bytes(archive))
    victim = rnd.choice(heads[:-1])  # never the trailer, unless on purpose
    if mutation == "bitflip":
        for _ in range(rnd.randint(1, 8)):
            at = rnd.randrange(len(archive))
            archive[at] ^= 1 << rnd.randrange(8)
    elif mutation == "truncate":
        archive = archive[:rnd.randrange(1, len(archive))]
    elif mutation == "namesize":
        _set_field(archive, victim, "namesize", rnd.choice((0, 1, 2, 255, 4096, 4097, 0xFFFFFFFF)))
    elif mutation == "filesize":
        _set_field(archive, victim, "filesize", rnd.choice((0, 1, 4095, 1 << 20, 0x7FFFFFFF, 0xFFFFFFFF)))
    elif mutation == "mode":
        _set_field(archive, victim, "mode", rnd.choice((0, 0o170000, 0o140777, 0o010644, 0o060644,
                                                         0o777777, rnd.getrandbits(32))))
    elif mutation == "symlink_target":
        link = next(h for h in heads if int(archive[h + 14:h + 22], 16) & 0o170000 == 0o120000)
        _set_field(archive, link, "filesize", rnd.choice((0, 1, 4096, 4097, 100000)))
    elif mutation == "huge_name":
        name = b"n" * rnd.choice((255, 256, 4095, 4096, 5000)) + b"\0"
        head = b"070701" + b"".join(b"%08X" % v for v in
                                    (9999, 0o100644, 0, 0, 1, 0, 0, 0, 0, 0, 0, len(name), 0))
        pad = b"\0" * (-(len(head) + len(name)) % 4)
        archive = bytearray(head + name + pad) + archive
    elif mutation == "bad_magic":
        archive[victim:victim + 6] = rnd.choice((b"070700", b"070707", b"07070X", b"\0" * 6))
    elif mutation == "early_trailer":
        trailer = cpio.encode(cpio.Entry(cpio.TRAILER, 0))
        archive = archive[:victim] + bytearray(trailer) + archive[victim:]
    elif mutation == "nlink_zero":
        _set_field(archive, victim, "nlink", 0)
    data = bytes(archive)
    if mutation == "gzip_corrupt":
        gz = bytearray(gzip.compress(data, 6, mtime=0))
        for _ in range(rnd.randint(1, 4)):
            at = rnd.randrange(10, len(gz))
            gz[at] ^= 0xFF
        data = bytes(gz)
    elif mutation == "concat":
        second = cpio.Writer().file("a/f0", b"replaced\n").file("second", b"2\n").bytes()
        data = data + b"\0" * rnd.choice((0, 4, 512)) + gzip.compress(second, 6, mtime=0)
    return Case(seed, mutation, data)


def outcome(report):
    """The class of one boot's outcome, from its parsed console (ktap.Report): ("error",
    message), ("tree", hash), ("no-init", ""), or ("none", "") when the boot reported none."""
    for _, text in report.kernel:
        e = UNPACK_ERROR.search(text)
        if e:
            return ("error", e.group(1).strip())
        if NO_INIT.search(text):
            return ("no-init", "")
    tree = next((t.group(1) for _, text in report.user for t in [TREE_LINE.match(text)] if t), None)
    return ("tree", tree) if tree else ("none", "")


def classes_match(stock, user_root):
    return stock == user_root


def tree_digest(entries):
    """What /init prints for a tree, computed on the host from (path, kind, mode, size, content):
    the same format as scripts/guest/fuzz-init.sh, for the tests of this module."""
    h = hashlib.sha256()
    for line in sorted(entries):
        h.update(line.encode() + b"\n")
    return h.hexdigest()


def crashed(verdict, klass):
    """Kernel reports other than the panic a missing /init ends in, a hang, or a boot that
    reported no outcome at all (every archive ends in a tree, an unpack error or no /init)."""
    reports = [l for l in verdict.kernel_errors if not (klass[0] == "no-init" and NO_INIT.search(l))]
    hung = any(p.startswith("timed out") for p in verdict.problems)
    lost = klass[0] == "none" and not hung
    return reports + (["the guest hung"] if hung else []) + (["no outcome on the console"] if lost else [])


def run(settings, seeds, kernel_image, accel="tcg", jobs=2, record=None, tag="fuzz"):
    """Boots every case on both configurations; returns (cases, divergences, crashes, classes)."""
    out = settings.out / tag
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "boots").mkdir(parents=True, exist_ok=True)
    harness_archive = harness()

    cases = {seed: mutate(seed) for seed in seeds}
    for case in cases.values():  # all written before any boot reads one; the harness may have changed
        (out / "images" / f"{case.name}.img").write_bytes(case.image(harness_archive))

    def one(seed, config):
        case = cases[seed]
        img = out / "images" / f"{case.name}.img"
        boot = qemu.Boot(name=f"{case.name} {config}", kernel=kernel_image, initrd=img,
                         cmdline=qemu.cmdline("x86_64", "kunit.enable=0" + (" user_root" if config == "user_root" else "")),
                         memory="256M", cpus=2, timeout=120, accel=accel,
                         log=out / "boots" / f"{case.name}-{config}.log")
        verdict = qemu.run(boot)
        klass = outcome(verdict.report)
        return case, config, klass, crashed(verdict, klass)

    results = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for case, config, klass, crash in pool.map(lambda a: one(*a),
                                                   [(s, c) for s in seeds for c in ("stock", "user_root")]):
            results.setdefault(case.seed, {"mutation": case.mutation})[config] = (klass, crash)
    divergences, crashes, classes = [], [], {}
    for seed, r in sorted(results.items()):
        (ks, cs), (ku, cu) = r["stock"], r["user_root"]
        classes[ks[0]] = classes.get(ks[0], 0) + 1
        name = f"fuzz-{seed:05d}-{r['mutation']}"
        ok_same = classes_match(ks, ku)
        if not ok_same:
            divergences.append(f"{name}: stock {ks}, user_root {ku}")
        if cs or cu:
            crashes.append(f"{name}: stock {cs}, user_root {cu}")
        if record:
            record(tag, f"{name}: same outcome on stock and user_root ({ks[0]})",
                   "pass" if ok_same else "fail", "" if ok_same else f"stock {ks}, user_root {ku}")
            record(tag, f"{name}: no crash, hang or kernel report", "fail" if cs or cu else "pass",
                   f"stock {cs}, user_root {cu}" if cs or cu else "")
    summary = {"cases": len(results), "classes": classes, "divergences": divergences, "crashes": crashes}
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    steps.say(f"[{tag}] {len(results)} archives x 2 boots: classes {classes}; "
              f"{len(divergences)} divergence(s), {len(crashes)} crash(es)")
    for line in divergences + crashes:
        steps.say("    " + line)
    return summary
