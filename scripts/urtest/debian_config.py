# SPDX-License-Identifier: GPL-2.0
"""Debian's own kernel configuration with the series: what a distribution has to change.

For this machine's release (its installed linux-config-6.12, on this run's tree) and for Debian 13
"trixie" (linux-config-6.12 from its archive, on its own linux-source-6.12: builds.BASES),
Debian's amd64 configuration gets the series' fragment for a
distribution kernel (scripts/config/debian-series.config: CONFIG_RUST, CONFIG_USER_ROOT and what they
need) merged on, then olddefconfig. The report lists every option of Debian's configuration
whose value changed, and says whether RUST and USER_ROOT stayed on. A whole Debian kernel is too
long to build here, so the build is `make prepare`, the Rust crates, and every object the
series touches, and it must have no warning.
"""
import lzma
import re
import shlex
import subprocess
import time
from pathlib import Path

from . import archive, deps, kernel, steps
from .builds import KernelBuild
from .settings import BASE, REPO, kmake_env

FRAGMENT = REPO / "scripts/config/debian-series.config"
# What the series compiles or changes, as make targets.
SERIES_OBJECTS = ["rust/", "fs/user_root/", "fs/namespace.o", "fs/init.o", "init/do_mounts.o",
                  "init/initramfs.o", "kernel/fork.o", "drivers/base/devtmpfs.o"]


CONFIG = "usr/src/linux-config-6.12/config.amd64_none_amd64.xz"
# The releases whose configuration is checked, and the base tree each is built on: None is
# this machine's own (its installed package, this run's tree).
RELEASES = {None: BASE, "trixie": "trixie"}


def releases():
    """The releases to check: this machine's, and each other one unless this machine runs it."""
    host = archive.host_release()
    return [r for r in RELEASES if r is None or r != host]


def code_name(release):
    """A release's code name (None: this machine's)."""
    return release or archive.host_release()


def debian_config(settings, release=None, version=None):
    """Debian's amd64 configuration of a release (of `version`, that of its source tree), and
    the package it is from."""
    if release is None:
        path = Path("/") / CONFIG
        if not path.exists():
            raise steps.StepFailed("Debian's amd64 configuration is missing: install linux-config-6.12")
        version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "linux-config-6.12"],
                                 capture_output=True, text=True).stdout.strip()
        return lzma.decompress(path.read_bytes()).decode(), f"linux-config-6.12 {version} (installed)"
    deb = archive.of(settings.cache, release).download("linux-config-6.12", version)
    data = subprocess.run(f"dpkg-deb --fsys-tarfile {shlex.quote(str(deb))} | tar -xO ./{CONFIG}", shell=True,
                          check=True, capture_output=True).stdout
    return lzma.decompress(data).decode(), deb.name


def parse(text):
    """{symbol: value} of a .config ("n" for "is not set")."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^CONFIG_(\w+)=(.*)$", line) or re.match(r"^# CONFIG_(\w+) is not set$", line)
        if m:
            out[m.group(1)] = m.group(2) if line.startswith("CONFIG_") else "n"
    return out


# Symbols that describe the toolchain rather than choose a feature: they change because this
# build uses LLVM (clang, lld) where Debian's uses GCC and binutils.
TOOLCHAIN = re.compile(r"^(CC|GCC|CLANG|LD|AS|LLD|RUSTC|PAHOLE|TOOLS|HAS|HAVE|BINDGEN)_|_VERSION(_TEXT)?$|"
                       r"^(FTRACE_MCOUNT_USE_CC|FTRACE_MCOUNT_USE_OBJTOOL|RUST_IS_AVAILABLE|"
                       r"USE_X86_SEG_SUPPORT|X86_X32_ABI|X86_X32_DISABLED)$")


def changes(before, after):
    """[(symbol, Debian's value, the value now)] for Debian's options that changed, and for
    options Debian's configuration does not have that are now on."""
    changed = [(k, v, after.get(k, "n")) for k, v in sorted(before.items()) if after.get(k, "n") != v]
    added = [(k, "(absent)", v) for k, v in sorted(after.items()) if k not in before and v not in ("n", '""')]
    return changed + added


def report_dir(settings, release=None):
    return settings.out / ("debian-config" + (f"-{release}" if release else ""))


def run(settings, release=None):
    """The report for one release (None: this machine's); returns 0 if RUST and USER_ROOT stay
    on and what the series touches builds without a warning."""
    deps.install(("kernel", "debian-config"))
    base = RELEASES[release]
    k = kernel.Kernel(settings, base)
    k.apply()
    build = settings.build_dir("debian", base)
    build.mkdir(parents=True, exist_ok=True)
    logs = settings.logs
    name = code_name(release)
    v = KernelBuild(base=base)   # Debian's amd64 configuration, in a build directory of its own
    debian, package = debian_config(settings, release, k.source_version())
    steps.say(f"[debian-config] Debian {name}: {package}, on {k.source()}")

    def configure(log):
        run_ = dict(check=True, env=kmake_env(), stdout=log, stderr=subprocess.STDOUT)
        # Debian's configuration alone, with this toolchain: the baseline.
        (build / ".config").write_text(debian)
        subprocess.run(k.make(v, "olddefconfig", build_dir=build), **run_)
        baseline = (build / ".config").read_text()
        (build / ".config").write_text(debian)
        subprocess.run([str(k.tree / "scripts/kconfig/merge_config.sh"), "-m", "-O", str(build),
                        str(build / ".config"), str(FRAGMENT)], **run_)
        subprocess.run(k.make(v, "olddefconfig", build_dir=build), **run_)
        return baseline

    baseline = steps.logged("config", f"Debian {name}'s amd64 config, alone and + {FRAGMENT.name}, olddefconfig",
                            logs / f"config-debian-{name}.log", configure)
    after = parse((build / ".config").read_text())
    # What the series changes: against Debian's config as this toolchain's olddefconfig makes it.
    changed = changes(parse(baseline), after)
    toolchain_only = changes(parse(debian), parse(baseline))
    toolchain = [c for c in toolchain_only if TOOLCHAIN.search(c[0])]
    defaults = [c for c in toolchain_only if not TOOLCHAIN.search(c[0])]
    report = [f"Debian {name}'s configuration ({package}) with the series, on {k.version()} ({k.source()}): "
              f"{len(changed)} options change",
              *[f"  CONFIG_{s}: {a} -> {b}" for s, a, b in changed],
              f"Without the series, olddefconfig already changes {len(toolchain)} options that describe the "
              "toolchain (LLVM here, GCC in Debian's build), and sets these defaults that Debian's "
              "published configuration leaves out:",
              *[f"  CONFIG_{s}: {a} -> {b}" for s, a, b in defaults]]
    stays = {s: after.get(s, "n") for s in ("RUST", "USER_ROOT", "MODVERSIONS")}
    report.append("  " + ", ".join(f"CONFIG_{s}={v}" for s, v in stays.items()))
    out = report_dir(settings, release)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.txt").write_text("\n".join(report) + "\n")
    for line in report:
        steps.say(line)
    if stays["RUST"] != "y" or stays["USER_ROOT"] != "y":
        raise steps.StepFailed("CONFIG_RUST or CONFIG_USER_ROOT did not stay on")
    t0 = time.monotonic()
    log = logs / f"build-debian-{name}.log"
    steps.run("build", f"make prepare (Debian {name}'s config)", log,
              k.make(v, f"-j{settings.jobs}", "prepare", build_dir=build), env=kmake_env())
    objects = logs / f"build-debian-{name}-objects.log"
    steps.run("build", "the Rust crates and the objects of the series", objects,
              k.make(v, f"-j{settings.jobs}", *SERIES_OBJECTS, build_dir=build), env=kmake_env())
    # The kernel crate (rust/kernel.o, with the series' fs abstractions) is built by prepare.
    text = log.read_text(errors="replace") + objects.read_text(errors="replace")
    warnings = [l for l in text.splitlines() if re.search(r"\bwarning:", l)]
    took = steps.fmt_secs(time.monotonic() - t0)
    summary = f"built in {took}: {len(warnings)} warning(s)"
    (out / "report.txt").write_text("\n".join(report + [summary] + warnings) + "\n")
    steps.say(summary)
    for w in warnings[:20]:
        steps.say("    " + w)
    return 1 if warnings else 0
