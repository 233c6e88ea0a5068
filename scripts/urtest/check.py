# SPDX-License-Identifier: GPL-2.0
"""`make check`: every test, ending with "N passed, N failed, N skipped".

Suites, in order: the tooling's own tests; the build (kernel, guest, kernel variants); host unit
tests of the kernel's Rust logic; the patch series (git am, checkpatch --strict, every prefix
builds); kernel-side lints (rustfmt, rustc and clippy warnings, modpost, no init-memory symbol
exported); documentation; and the boot matrix. `check-debug` boots the cells marked `debug` on a
KASAN + lockdep kernel instead.
"""
import collections
import hashlib
import json
import re
import subprocess
import sys
import time
from pathlib import Path

from . import arch as arches
from . import bsp, debian_config, deps, distro, fuzz, images, kernel, matrix, protocol, qemu, readme, series, soak, steps
from .builds import BASES, KernelBuild
from .settings import BASE, REPO, TESTING, kmake_env, kmake_vars

RUST_FILES = ["fs/user_root/user_root.rs", "fs/user_root/boot.rs", "fs/user_root/param.rs",
              "fs/user_root/null_root.rs", "rust/kernel/fs.rs", "rust/kernel/fs/sb.rs",
              "rust/kernel/fs/path.rs"] + sorted(
                  str(p.relative_to(REPO)) for p in (TESTING / "modules").glob("*.rs"))
RUST_CRATES = ["tools/testing/selftests/user_root/rust", "tools/testing/user_root/vm",
               "tools/testing/user_root/unit"]
# checkpatch findings accepted in a patch (by the start of its subject), with the reason;
# tools/testing/user_root/README.md lists them. Everything else fails the check.
CHECKPATCH_ACCEPTED = {
    "selftests: user_root:": {
        "REPEATED_WORD": "mountinfo lines in the Rust tests' data, whose fstype and source are "
                         "the same word (proc proc, rootfs rootfs, nullfs nullfs)",
    },
    "init: initramfs: close the file": {
        "UNKNOWN_COMMIT_ID": "the tree here is a release tarball without git history; the ids "
                             "are upstream's (Linux-2.6.12-rc2, and bf6419e4d544 of 5.9)",
        "CAMELCASE": "CopyFile is the unpacker's own state name in init/initramfs.c",
    },
}
# The fixed set of fuzzing cases (100 archives, every mutation five times or more): make check
# boots them on the main kernel, within its time budget; check-debug on the KASAN + lockdep
# kernel (a debug boot takes 17 s, not 3). `make fuzz` runs more.
FUZZ_SEEDS = range(100)
FUZZ_SEEDS_DEBUG = FUZZ_SEEDS
# Boots of the soak of the switch on each vCPU count in make check; `make soak` runs 200.
SOAK_BOOTS = 3
OUR_RUST = re.compile(r"--> .*(fs/user_root/|rust/kernel/fs)")


class Results:
    def __init__(self, path):
        self.path = path
        self.rows = []

    def record(self, suite, name, status, detail=""):
        self.rows.append((suite, name, status, " ".join(str(detail).split())))
        self.path.write_text("".join("\t".join(r) + "\n" for r in self.rows))

    def ok(self):
        return not any(r[2] == "fail" for r in self.rows)

    def summary(self, md_path):
        suites = collections.OrderedDict()
        for suite, _name, status, _detail in self.rows:
            suites.setdefault(suite, collections.Counter())[status] += 1
        md = ["| suite | passed | failed | skipped |", "|---|---:|---:|---:|"]
        md += [f"| {s} | {c['pass']} | {c['fail']} | {c['skip']} |" for s, c in suites.items()]
        fails = [r for r in self.rows if r[2] == "fail"]
        if fails:
            md += ["", "Failures:", ""] + [f"- {s}: {n} {d}".rstrip() for s, n, _, d in fails]
        md_path.write_text("\n".join(md) + "\n")
        steps.say("\n".join(md))
        total = collections.Counter(r[2] for r in self.rows)
        steps.say(f"\n{total['pass']} passed, {total['fail']} failed, {total['skip']} skipped")


class Kernels:
    """The kernel builds and guests that cells boot, each built once, in dependency order: a
    seeded variant after its main build, a built-in initramfs after its guest, a guest after the
    kernel its modules are built against. With build_guests=False, guests are taken as the last
    build left them (urtest boot)."""

    def __init__(self, settings, k, build_guests=True):
        self.s, self.k, self.build_guests = settings, k, build_guests
        self.images = {}   # KernelBuild -> boot image
        self.guests = {}   # KernelBuild (a guest build) -> images.Guest
        self.systems = {}  # Debian release -> its system (distro.System) with the distro kernel
        self.debs = {}     # KernelBuild -> its linux-image package
        self.failed = {}   # what failed to build ("image", kb) or ("guest", kb) -> the error

    def _once(self, what, kb, build):
        """Builds `what` of `kb` once: a failure is remembered and raised again, as is one of a
        dependency, without building anything again."""
        if (what, kb) in self.failed:
            raise steps.StepFailed(f"skipped: the {what} of {kb} failed to build")
        try:
            return build()
        except Exception as err:
            self.failed[what, kb] = err
            raise

    def image(self, kb):
        if kb not in self.images:
            def build():
                if kb.arch != "x86_64":
                    deps.install((f"guest-{kb.arch}",))
                if kb.seeded:
                    self.image(kb.main)
                if kb.variant == "builtin":
                    self.guest(kb)
                return self.k.build(kb)
            self.images[kb] = self._once("image", kb, build)
        return self.images[kb]

    def system(self, release, kb=KernelBuild("distro")):
        """The Debian system of a release, with the modular kernel `kb` installed from its
        package (make bindeb-pkg) by Debian's own tools."""
        if release not in self.systems:
            self.image(kb)
            if kb not in self.debs:
                self.debs[kb] = self.k.deb(kb)
            self.systems[release] = distro.build(self.s, self.debs[kb], release,
                                                 kselftest=self.guest(kb.main).programs / "kselftest")
        return self.systems[release]

    def guest(self, kb):
        g = kb.guest
        if g not in self.guests:
            def build():
                self.image(g)
                guest = images.Guest(self.s, self.k, g)
                if self.build_guests:
                    guest.build()
                elif not guest.path("initramfs" if guest.arch.debian_port else "minimal").exists():
                    raise steps.StepFailed(f"no guest images in {guest.dir} yet: run the make target that "
                                           "boots this cell first")
                return guest
            self.guests[g] = self._once("guest", g, build)
        return self.guests[g]


def boot_dir(settings, run):
    """Where a run (matrix.RUNS) keeps its consoles: OUT/boot for make check, OUT/boot-debug for
    make check-debug, ..."""
    return settings.out / ("boot" + run.removeprefix("check"))


def build_order(kb):
    """Main builds first (the others are seeded from them), x86_64 before other architectures."""
    return (kb.arch != "x86_64", kb.arch, kb.variant != "main", kb.variant)


class Check:
    """One run: `make check`, `make check-debug`, `make check-arch` or `make check-distro` (a
    cell's run_by, matrix.RUNS)."""

    def __init__(self, settings, run="check"):
        self.s = settings
        self.run_name = run
        self.debug = run == "check-debug"
        self.dir = settings.out / run
        self.boot_dir = boot_dir(settings, run)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.results = Results(self.dir / "results.tsv")
        self.k = kernel.Kernel(settings)
        self.kernels = Kernels(settings, self.k)
        self.lists = {}     # cell name -> the lists its guest reported (protocol.LIST), once booted

    def record(self, *args):
        self.results.record(*args)

    # --- suites ------------------------------------------------------------------------------
    def tooling(self):
        """The tooling's own tests, first: they need nothing built, only two host tools."""
        deps.install(("tooling",))
        log = self.s.logs / "tooling.log"
        res = subprocess.run([sys.executable, "-m", "unittest", "discover", "-v", "-s",
                              str(REPO / "scripts/urtest/tests"), "-t", str(REPO / "scripts")],
                             capture_output=True, text=True, cwd=REPO / "scripts")
        log.write_text(res.stdout + res.stderr)
        for m in re.finditer(r"^(\w+) \(([\w.]+)\)\s*(?:\n.*?)?\.\.\. (ok|FAIL|ERROR|skipped.*)$",
                             res.stderr, re.M):
            status = {"ok": "pass", "FAIL": "fail", "ERROR": "fail"}.get(m.group(3), "skip")
            where = m.group(2).split(".")  # Python 3.11 names the test's method here too
            where = where[:-1] if where[-1] == m.group(1) and len(where) > 1 else where
            self.record("tooling", f"{where[-1]}.{m.group(1)}", status)
        if res.returncode or not any(r[0] == "tooling" for r in self.results.rows):
            self.record("tooling", "python3 -m unittest", "fail", f"no test ran or one failed: see {log}")
        steps.say(f"[tooling] {sum(r[0] == 'tooling' and r[2] == 'pass' for r in self.results.rows)} "
                  f"tests of the tooling passed" + ("" if res.returncode == 0 else f"; FAILED, see {log}"))

    def builds(self, cells):
        """The kernel builds this run boots: the cells', and the x86_64 kernel that the lints,
        the soak and the fuzzing use (the debug kernel on check-debug)."""
        wanted = {c.build(self.debug) for c in cells}
        if self.run_name in ("check", "check-debug"):
            wanted.add(KernelBuild("debug" if self.debug else "main"))
        return sorted(wanted, key=build_order)

    def build(self, cells=()):
        deps.install(("kernel", "guest"))
        if self.run_name == "check":
            self.prefixes()
        # Recompile user_root every time, so that its rustc and clippy warnings are always seen;
        # the kernel crate only when its warnings for these sources were not seen yet.
        for f in (self.s.tree / "fs/user_root").glob("*.rs"):
            f.touch()
        self.k.apply()
        builds = self.builds(cells)
        key = kernel_crate_key(self.s.tree)
        if any(key not in kernel_crate_memo(self.k.build_dir(kb)) for kb in builds if kb.variant == "main"):
            (self.s.tree / "rust/kernel/fs.rs").touch()
        for kb in builds:
            try:
                self.kernels.image(kb)
                self.kernels.guest(kb)
            except Exception as err:   # one build's failure leaves the others' results standing
                self.record("setup", f"build ({kb})", "fail", err)
        for release in sorted({c.release for c in cells if c.distro}):
            try:
                self.kernels.system(release)
            except Exception as err:
                self.record("setup", f"the Debian {release} system", "fail", err)

    def prefixes(self):
        """Every prefix of the series builds. Done before the full build, in the same tree and
        build directory, so that it costs one incremental build per patch; skipped when the
        series and the configuration are those of the last successful run."""
        self.k.apply()
        s = self.k.series()
        v = KernelBuild()
        h = hashlib.sha256()
        h.update(self.k.version().encode() + " ".join(kmake_vars()).encode())
        for tool in (["/usr/bin/rustc", "--version"], ["clang-19", "--version"]):
            h.update(subprocess.run(tool, capture_output=True).stdout)
        for state in s.states()[:-1]:
            for path, (data, _x) in sorted(state.items()):
                h.update(path.encode() + hashlib.sha256(data).digest())
        for f in self.k.fragments(v):
            h.update(Path(f).read_bytes())
        stamp = self.s.cache / "prefixes-built"
        n = len(s.entries)
        if stamp.exists() and stamp.read_text() == h.hexdigest():
            for i, e in enumerate(s.entries[:-1], 1):
                self.record("series", f"prefix {i} builds: {e.subject}", "pass", "unchanged since it last built")
            steps.say(f"[series] prefixes 1-{n - 1} of {n} unchanged since they last built")
            return
        # An interrupted loop must not leave a prefix's configuration looking current.
        (self.k.build_dir(v) / ".urtest-config-stamp").unlink(missing_ok=True)
        states = s.states()
        for i, e in enumerate(s.entries[:-1], 1):
            try:
                self.k.apply(i)
                # Configure again where Kconfig files come or go, from the full series' options.
                if i == 1 or any(Path(f).name.startswith("Kconfig") for f in e.files):
                    steps.logged("config", f"prefix {i}", self.s.logs / "config-prefix.log",
                                 self.k.configure, v, False)
                targets = ["vmlinux"] + (["modules"] if kernel.has_modules(self.k.build_dir(v)) else [])
                log = self.s.logs / f"build-prefix-{i}.log"
                steps.run("series", f"prefix {i}/{n} builds: {e.subject}", log,
                          self.k.make(v, f"-j{self.s.jobs}", *targets), env=kmake_env())
                # Warnings about what the series has changed so far fail the prefix too.
                ours = [l for l in log.read_text(errors="replace").splitlines()
                        if re.search(r"\b(warning|error):", l) and any(p in l for p in states[i - 1])]
                if ours:
                    raise steps.StepFailed(" | ".join(ours[:3]))
                self.record("series", f"prefix {i} builds: {e.subject}", "pass")
            except steps.StepFailed as err:
                self.record("series", f"prefix {i} builds: {e.subject}", "fail", err)
        self.k.apply()
        # The full series is configured again: the prefixes' configurations lacked its options.
        (self.k.build_dir(v) / ".urtest-config-stamp").unlink(missing_ok=True)
        if all(r[2] == "pass" for r in self.results.rows if r[0] == "series"):
            stamp.write_text(h.hexdigest())

    def unit(self):
        log = self.s.logs / "unit.log"
        try:
            steps.run("unit", "host unit tests of fs/user_root/param.rs", log,
                      ["cargo", "test", "--manifest-path", str(TESTING / "unit/Cargo.toml"),
                       "--target-dir", str(self.s.out / "unit-target"), "--", "--test-threads=1"])
        except steps.StepFailed:
            pass
        text = log.read_text()
        for m in re.finditer(r"^test (\S+) \.\.\. (ok|FAILED|ignored)$", text, re.M):
            self.record("unit", m.group(1), {"ok": "pass", "ignored": "skip"}.get(m.group(2), "fail"))
        if not re.search(r"^test result: ok", text, re.M):
            self.record("unit", "cargo test", "fail", f"see {log}")

    def patches(self):
        s = self.k.series()
        out = self.s.out / "patches"
        date = series.commit_date()
        try:
            patches = steps.call("patches", f"patch series to {out}", s.write_patches, out, date,
                                 (REPO / "Documentation/cover-letter.txt").read_text())
            self.record("patches", "git format-patch series written", "pass")
        except steps.StepFailed as err:
            self.record("patches", "git format-patch series written", "fail", err)
            return
        try:
            n = steps.call("verify", f"git am onto pristine {self.k.version()} gives each commit's tree",
                           s.verify, patches, date)
            self.record("patches", f"{n} patches apply with git am; every commit is the series'", "pass")
        except steps.StepFailed as err:
            self.record("patches", "patches apply with git am; every commit is the series'", "fail", err)
        for base in BASES:
            if base != BASE:
                self.patches_on(base, patches, date)
        for p in patches:
            log = self.s.logs / f"checkpatch-{p.stem}.log"
            res = subprocess.run(["perl", "scripts/checkpatch.pl", "--no-tree", "--strict", "--show-types",
                                  "--ignore", "FILE_PATH_CHANGES", str(p)], cwd=self.s.tree,
                                 capture_output=True, text=True)
            log.write_text(res.stdout + res.stderr)
            subject = re.search(r"^Subject: \[PATCH[^\]]*\] (.*)", p.read_text(), re.M).group(1)
            accepted = next((a for start, a in CHECKPATCH_ACCEPTED.items() if subject.startswith(start)), {})
            found = re.findall(r"^(ERROR|WARNING|CHECK):(\w+):", res.stdout, re.M)
            left = [f"{level}:{kind}" for level, kind in found if kind not in accepted]
            if re.search(r"^total: ", res.stdout, re.M) and not left:
                note = ", ".join(sorted({k for _, k in found})) if found else ""
                self.record("checkpatch", p.name, "pass", f"accepted: {note}" if note else "")
            else:
                self.record("checkpatch", p.name, "fail", " ".join(left[:5]) or f"see {log}")

    def patches_on(self, base, patches, date):
        """The same patches on another base tree (builds.BASES): git am must give, commit by
        commit, the series as it applies to that tree."""
        k = kernel.Kernel(self.s, base)
        name = f"{len(patches)} patches apply with git am to {BASES[base]}; every commit is the series'"
        try:
            steps.call("verify", f"the pristine tree of {BASES[base]}", k.prepare_tree)
            n = steps.call("verify", f"git am onto pristine {k.version()} ({k.source()}) gives each commit's tree",
                           k.series().verify, patches, date)
            self.record("patches", name.replace(f"{len(patches)} patches", f"{n} patches"), "pass", k.source())
        except Exception as err:   # the network, the archive, a series that no longer applies
            self.record("patches", name, "fail", f"{type(err).__name__}: {err}")

    def lint(self):
        res = subprocess.run(["rustfmt", "--check", "--edition", "2021", "--config-path",
                              str(self.s.tree / ".rustfmt.toml"), *RUST_FILES], cwd=REPO,
                             capture_output=True, text=True)
        self.record("lint", "rustfmt of the kernel Rust (kernel .rustfmt.toml)",
                    "pass" if res.returncode == 0 else "fail", (res.stdout + res.stderr)[:300])
        for crate in RUST_CRATES:
            res = subprocess.run(["cargo", "fmt", "--check", "--manifest-path", str(REPO / crate / "Cargo.toml")],
                                 capture_output=True, text=True)
            self.record("lint", f"rustfmt of {crate}", "pass" if res.returncode == 0 else "fail",
                        (res.stdout + res.stderr)[:300])
        # The main kernel of each architecture: the series has nothing architecture-specific.
        for v in sorted((kb for kb in self.kernels.images if kb.variant == "main"), key=build_order):
            arch = v.arch
            on = "" if arch == "x86_64" else f" ({arch})"
            build_log = self.k.log("build", v).read_text(errors="replace")
            warnings = rust_warnings(build_log, self.k.build_dir(v), kernel_crate_key(self.s.tree))
            self.record("lint", f"no rustc or clippy warnings in user_root and rust/kernel/fs (CLIPPY=1){on}",
                        "fail" if warnings else "pass", " | ".join(warnings[:3]))
            modpost = [l for l in build_log.splitlines() if "modpost:" in l and ("WARNING" in l or "ERROR" in l)]
            self.record("lint", f"no modpost warnings{on}", "fail" if modpost else "pass", " | ".join(modpost[:3]))
            bad, exported = init_exports(self.k.build_dir(v))
            self.record("lint", f"no symbol in .init.text is exported ({exported} exports checked){on}",
                        "fail" if bad or not exported else "pass", " ".join(bad[:10]))

    def debian_config(self):
        """Debian's own configuration with the series keeps RUST and USER_ROOT, and what the
        series touches builds in it without a warning (make debian-config): this machine's
        release's configuration, and Debian 13's on its own source."""
        for release in debian_config.releases():
            name = f"Debian {debian_config.code_name(release)}"
            try:
                rc = debian_config.run(self.s, release)
                report = (debian_config.report_dir(self.s, release) / "report.txt").read_text().splitlines()
                self.record("debian-config", f"RUST and USER_ROOT stay on in {name}'s config; the series' "
                            "objects build without a warning", "pass" if rc == 0 else "fail",
                            f"{report[0]} | {report[-1]}")
            except Exception as err:   # the network, the archive, a series that no longer applies
                self.record("debian-config", f"RUST and USER_ROOT stay on in {name}'s config", "fail",
                            f"{type(err).__name__}: {err}")

    def bsp(self):
        """The Yocto layer and the Buildroot tree that `make bsp` writes: patch order, patches
        applied as each tool does, the fragment on arm64's defconfig, oelint-adv."""
        try:
            for name, status, detail in bsp.run(self.s):
                self.record("bsp", name, status, detail)
        except (steps.StepFailed, subprocess.CalledProcessError, OSError) as err:
            self.record("bsp", "make bsp", "fail", err)

    def fuzz(self, seeds):
        """Differential fuzzing of the unpacker: each archive boots on stock and on user_root,
        with the same outcome and no crash (scripts/urtest/fuzz.py; `make fuzz` runs more)."""
        kb = KernelBuild("debug" if self.debug else "main")
        if kb not in self.kernels.images:
            self.record("fuzz", "boots", "fail", f"the {kb} kernel did not build")
            return
        image = self.kernels.images[kb]
        accel = qemu.choose_accel(self.s.accel, image, self.s.cache)
        fuzz.run(self.s, seeds, image, accel=accel, record=self.record,
                 tag="fuzz" + ("-debug" if self.debug else ""))

    def soak(self, boots):
        """PID 1 switches root while usermode helpers run, on 2 and 4 vCPUs, with the memory
        check (scripts/urtest/soak.py; `make soak` boots more)."""
        kb = KernelBuild()
        if kb not in self.kernels.images or kb not in self.kernels.guests:
            self.record("soak", "boots", "fail", f"the {kb} kernel or its guest did not build")
            return
        image = self.kernels.images[kb]
        accel = qemu.choose_accel(self.s.accel, image, self.s.cache)
        soak.run(self.s, image, self.kernels.guests[kb], boots, accel=accel, record=self.record)

    def docs(self):
        doc = REPO / "Documentation/filesystems/user_root.rst"
        res = subprocess.run(["/usr/bin/python3", "-c", (
            "import sys, docutils.core\n"
            "docutils.core.publish_doctree(open(sys.argv[1]).read(), source_path=sys.argv[1],"
            " settings_overrides={'halt_level': 2, 'report_level': 2})"), str(doc)],
            capture_output=True, text=True)
        self.record("docs", f"{doc.name} is valid reStructuredText", "pass" if res.returncode == 0 else "fail",
                    res.stderr[-300:])

    def boots(self, cells):
        """Boots the cells, then compares the lists of those with same_as with their twin's, once
        all have booted: whatever the order of the boots, or boots that run in parallel."""
        self.boot_each(cells)
        for suite, name, status, detail in same_lists(cells, self.lists):
            steps.say(f"[boot] {suite.removeprefix('boot: ')}: {name}: "
                      f"{'ok' if status == 'pass' else 'FAILED'}: {detail}")
            self.record(suite, name, status, detail)

    def boot_each(self, cells):
        for cell in cells:
            suite = f"boot: {cell.name}"
            kb = cell.build(self.debug)
            if kb not in self.kernels.images or kb.guest not in self.kernels.guests:
                self.record(suite, "boot", "fail", f"its kernel ({kb}) or guest did not build")
                continue
            try:
                boot = cell_boot(cell, self.kernels, self.boot_dir / f"{cell.slug}.log", self.s, self.debug)
            except (steps.StepFailed, subprocess.CalledProcessError) as err:
                self.record(suite, "boot medium", "fail", err)
                continue
            verdict = boot_and_say(boot)
            self.lists[cell.name] = verdict.lists
            # The results on disk, next to the console: the one place a verdict is written.
            Path(str(boot.log) + ".json").write_text(verdict.to_json())
            for r in verdict.results:
                self.record(suite, (r.suite + ": " if r.suite else "") + r.name, r.status)
            for p in verdict.problems:
                self.record(suite, p, "fail", f"see {boot.log}")

    # --- the whole run -------------------------------------------------------------------------
    def run(self):
        t0 = time.monotonic()
        try:
            cells = matrix.load()
        except matrix.MatrixError as err:
            self.record("setup", "the boot matrix", "fail", err)
            cells = []
        # make check boots the cells of `make check`, check-arch those of the other architectures,
        # check-debug the debug cells.
        cells = [c for c in cells if (c.debug if self.debug else c.run_by == self.run_name)]
        if self.run_name == "check":
            self.tooling()
        try:
            self.build(cells)
        except steps.StepFailed as err:
            self.record("setup", "build", "fail", err)
            return self.finish(t0)
        if self.debug:
            self.boots(cells)
            self.fuzz(FUZZ_SEEDS_DEBUG)
            return self.finish(t0)
        if self.run_name == "check-arch":
            self.lint()
            self.boots(cells)
            return self.finish(t0)
        if self.run_name == "check-distro":
            self.boots(cells)
            return self.finish(t0)
        self.unit()
        self.patches()
        self.lint()
        self.debian_config()
        self.bsp()
        self.docs()
        self.boots(cells)
        self.soak(SOAK_BOOTS)
        self.fuzz(FUZZ_SEEDS)
        return self.finish(t0)

    def finish(self, t0):
        elapsed = time.monotonic() - t0
        steps.say(f"[check] done in {steps.fmt_secs(elapsed)}")
        # The README's time for this run is an upper bound that the run itself keeps true.
        within, message = readme.compare(self.run_name, elapsed)
        self.record("time", f"make {self.run_name} within the README's time for it",
                    {True: "pass", False: "fail", None: "skip"}[within], message)
        self.results.summary(self.dir / "summary.md")
        return 0 if self.results.ok() else 1


def same_lists(cells, lists):
    """The results of comparing lists between boots: for each cell with same_as, one result per
    list in same_lists, in the cell's suite, that passes if its guest reported the same list as
    the same_as cell's guest did. `lists` maps the name of each cell booted to the lists its
    guest reported; a cell that is not in it did not boot (or not in this run)."""
    rows = []
    for cell in cells:
        if not cell.same_as:
            continue
        twin = cell.same_as
        for name in cell.same_lists:
            result = f'{protocol.LISTS.get(name, name)} as "{twin}" ({name})'
            mine = lists.get(cell.name, {}).get(name)
            theirs = lists.get(twin, {}).get(name)
            missing = [f"{who} reported no {name} list" + ("" if who in lists else " (it did not boot)")
                       for who, got in ((cell.name, mine), (twin, theirs)) if got is None]
            if missing:
                rows.append((f"boot: {cell.name}", result, "fail", "; ".join(missing)))
            elif mine != theirs:
                only_mine = sorted(set(mine) - set(theirs))
                only_theirs = sorted(set(theirs) - set(mine))
                rows.append((f"boot: {cell.name}", result, "fail",
                             f"this boot: {' '.join(mine) or '(none)'} | {twin}: {' '.join(theirs) or '(none)'} | "
                             f"only here: {' '.join(only_mine) or '-'}; only there: {' '.join(only_theirs) or '-'}"))
            else:
                rows.append((f"boot: {cell.name}", result, "pass", f"{len(mine)}: {' '.join(mine)}"))
    return rows


def cell_boot(cell, kernels, log, settings, debug=False):
    """The qemu.Boot of a cell of the matrix, with the kernel, guest and (for a Debian cell)
    the Debian system that `kernels` (Kernels) built for it: the one way every cell boots."""
    kb = cell.build(debug)
    kernel_image = kernels.images[kb]
    guest = kernels.guests[kb.guest]
    accel = qemu.choose_accel(settings.accel, kernel_image, settings.cache, cell.arch)
    boot = qemu.Boot(
        name=cell.name, kernel=kernel_image, arch=cell.arch, log=log,
        initrd=guest.path(cell.image) if cell.image else None,
        disk=guest.dir / "disk.img" if cell.disk else None,
        cmdline=cell.kernel_cmdline(debug),
        memory=cell.memory, cpus=cell.cpus, timeout=cell.timeout * (4 if debug else 1),
        expect_console=cell.console_patterns(), require=cell.required_results(), accel=accel,
        expect_panic=protocol.PANICS[cell.panic] if cell.panic else "", xfail=list(cell.xfail),
        expect_output=list(cell.output), reject_output=list(cell.absent), console_max=cell.console_bounds())
    if cell.distro:
        # Debian's system boots the kernel its package installed, with the initramfs that
        # Debian's hooks (initramfs-tools) or dracut made for it, from its own disk.
        system = kernels.systems.get(cell.release)
        if system is None or cell.distro not in system.initrds:
            raise steps.StepFailed(f"no Debian {cell.release} system with a {cell.distro} initramfs was built")
        boot.kernel, boot.initrd, boot.disk = system.kernel, system.initrds[cell.distro], system.disk
    if cell.bootloader == "u-boot":
        # The boot medium holds this boot's command line in its script: made for each boot.
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(str(log) + ".disk.log", "w") as disk_log:
            boot.disk = images.u_boot_disk(log.with_suffix(".disk.img"), kernel_image, boot.initrd,
                                           boot.cmdline, disk_log)
        boot.bios = Path(arches.get(cell.arch).u_boot)
        boot.expect_output += [r"^U-Boot \d{4}\.\d\d", r"Loading Ramdisk to [0-9a-f]+"]
    return boot


def boot_and_say(boot):
    """Boots; prints the verdict's line, and why the boot failed; returns the Verdict."""
    verdict = qemu.run(boot)
    steps.say(verdict.line())
    if not verdict.ok:
        for line in qemu.explain(boot, verdict):
            steps.say(line)
    return verdict


def kernel_crate_key(tree):
    """What the kernel crate's warnings about our files depend on: those files' content."""
    h = hashlib.sha256()
    for f in sorted(Path(tree, "rust/kernel").glob("fs*")) + sorted(Path(tree, "rust/kernel/fs").glob("*.rs")):
        if f.is_file():
            h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()


def kernel_crate_memo(build_dir):
    memo = Path(build_dir) / ".urtest-kernel-crate-warnings.json"
    return json.loads(memo.read_text()) if memo.exists() else {}


def rust_warnings(build_log, build_dir, key):
    """rustc and clippy warnings in our Rust, from this build's log; the kernel crate's come from
    the build that last compiled it with the same sources (it is not recompiled every time:
    `key` says which sources)."""
    ours = []
    lines = build_log.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^(warning|error)", line):
            where = next((l for l in lines[i + 1:i + 4] if OUR_RUST.search(l)), None)
            if where:
                ours.append(f"{line.strip()} {where.strip()}")
    memo = kernel_crate_memo(build_dir)
    if re.search(r"(RUSTC|CLIPPY) L rust/kernel\.o", build_log):
        memo = {key: [w for w in ours if "rust/kernel/fs" in w]}
        (Path(build_dir) / ".urtest-kernel-crate-warnings.json").write_text(json.dumps(memo))
        return ours
    if key not in memo:
        return ours + ["the kernel crate was not compiled with the current rust/kernel/fs sources: "
                       "its warnings are unknown"]
    return ours + memo[key]


def init_exports(build_dir):
    """([exported symbols whose address is in .init.text], number of exports checked), from
    System.map and Module.symvers (or vmlinux.symvers)."""
    build_dir = Path(build_dir)
    symvers = build_dir / "Module.symvers"
    if not symvers.exists() or symvers.stat().st_size == 0:
        symvers = build_dir / "vmlinux.symvers"
    addresses = {}
    for line in (build_dir / "System.map").read_text().splitlines():
        parts = line.split()
        if len(parts) == 3:
            addresses[parts[2]] = int(parts[0], 16)
    lo, hi = addresses["_sinittext"], addresses["_einittext"]
    exported = [line.split("\t")[1] for line in symvers.read_text().splitlines() if line.count("\t") >= 3]
    bad = [sym for sym in exported if lo <= addresses.get(sym, -1) < hi]
    return bad, len(exported)
