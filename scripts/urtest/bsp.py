# SPDX-License-Identifier: GPL-2.0
"""The series for embedded BSPs: a Yocto layer and a Buildroot external tree (make bsp).

Both are generated into OUT/bsp from the series (its `git format-patch` files), from one kernel
configuration fragment (scripts/config/user-root.config) and from the files of scripts/bsp/
(its *.template files with their placeholders filled in). Then each is checked the way its
build system would use it, as far as that can be done without BitBake or Buildroot:

- the layer's patches, in the order its bbappend lists them, `git am` (as kernel-yocto's
  kgit-s2q applies them) onto the pristine tree and give the series' commits;
- the external tree's patches, in the order of its `series` file, apply with GNU patch -p1 (as
  Buildroot's apply-patches.sh does) and give the series' tree;
- the fragment, merged as both merge fragments (the kernel's merge_config.sh -m) onto arm64's
  defconfig in that tree, keeps every option it sets through olddefconfig;
- oelint-adv, the BitBake metadata linter, finds nothing in the layer.

No kernel is built.
"""
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from . import debian_config, deps, kernel, series, steps
from .settings import REPO, kmake_env, kmake_vars

FRAGMENT = REPO / "scripts/config/user-root.config"
SKELETON = REPO / "scripts/bsp"
TEMPLATE = ".template"  # a file of SKELETON with @NAME@ placeholders; the copy drops the suffix
LAYER = "meta-user-root"
EXTERNAL = "buildroot-external"
# Where the generated files go, inside each tree.
LAYER_FILES = Path("recipes-kernel/linux/files")
BBAPPEND = Path("recipes-kernel/linux/linux-yocto_6.12%.bbappend")
EXTERNAL_PATCHES = Path("board/user-root/patches")
EXTERNAL_FRAGMENT = Path("board/user-root/user-root.config")
# The Yocto layer's fragment: kernel-yocto takes configuration fragments as *.cfg.
LAYER_FRAGMENT = LAYER_FILES / "user-root.cfg"
# Yocto wants every patch to say whether it went upstream; this series has not been submitted.
UPSTREAM_STATUS = "Upstream-Status: Pending"
# oelint-adv lints the layer with the data of each release the layer declares.
RELEASES = re.compile(r'^LAYERSERIES_COMPAT_\S+\s*=\s*"([^"]*)"', re.M)
FINDING = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<severity>error|warning|info):"
                     r"(?P<rule>[\w.]+):(?P<message>.*)$", re.M)


# --- generation (no kernel tree needed) -------------------------------------------------------
def with_upstream_status(patch_text):
    """A git format-patch file with UPSTREAM_STATUS as the last line of its message."""
    message, sep, rest = patch_text.partition("\n---\n")
    if not sep:
        raise ValueError("not a git format-patch file: no '---' line after the message")
    return f"{message}\n{UPSTREAM_STATUS}{sep}{rest}"


def render(template, values):
    for key, value in values.items():
        template = template.replace(f"@{key}@", value)
    if re.search(r"@[A-Z_]+@", template):
        raise ValueError(f"a placeholder is left: {re.search(r'@[A-Z_]+@', template).group(0)}")
    return template


def copy_skeleton(src, dest, values):
    """Copies a tree of scripts/bsp, rendering its templates."""
    for path in sorted(src.rglob("*")):
        if path.is_dir():
            continue
        target = dest / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == TEMPLATE:
            target.with_suffix("").write_text(render(path.read_text(), values))
        else:
            shutil.copyfile(path, target)


def generate(out, patches, fragment_text, kernel_version):
    """Writes OUT/bsp's two trees (anew) from the patch files, in series order, and the
    fragment's text; returns (layer directory, external tree directory)."""
    out = Path(out)
    layer, external = out / LAYER, out / EXTERNAL
    for tree in (layer, external):
        shutil.rmtree(tree, ignore_errors=True)
    names = [Path(p).name for p in patches]
    src_uri = "".join(f"    file://{name} \\\n" for name in names).rstrip("\n")
    copy_skeleton(SKELETON / LAYER, layer, {"SRC_URI_PATCHES": src_uri})
    copy_skeleton(SKELETON / EXTERNAL, external, {"KERNEL_VERSION": kernel_version})
    (external / EXTERNAL_PATCHES).mkdir(parents=True, exist_ok=True)
    for patch in patches:
        text = Path(patch).read_text()
        (layer / LAYER_FILES / Path(patch).name).write_text(with_upstream_status(text))
        (external / EXTERNAL_PATCHES / Path(patch).name).write_text(text)
    # Buildroot applies a directory's patches in the order of its `series` file if it has one,
    # else in name order; both are the series' order.
    (external / EXTERNAL_PATCHES / "series").write_text("".join(f"{name}\n" for name in names))
    (layer / LAYER_FRAGMENT).write_text(fragment_text)
    (external / EXTERNAL_FRAGMENT).write_text(fragment_text)
    return layer, external


def layer_patches(layer):
    """The patches the layer applies, in its bbappend's order, read back from the bbappend."""
    text = (Path(layer) / BBAPPEND).read_text()
    return [Path(layer) / LAYER_FILES / name for name in re.findall(r"file://(\S+\.patch)\b", text)]


def external_patches(external):
    """The patches the Buildroot tree applies, in its `series` file's order."""
    directory = Path(external) / EXTERNAL_PATCHES
    names = [l.split()[0] for l in (directory / "series").read_text().splitlines()
             if l.strip() and not l.startswith("#")]
    return [directory / name for name in names]


def merge_config_settings(fragment_text):
    """The symbols a fragment sets as merge_config.sh sees them (its `CONFIG_X=` and
    `# CONFIG_X is not set` lines), so that prose in a comment never sets anything."""
    return re.findall(r"^(?:# )?(CONFIG_[A-Za-z0-9_]+)[= ]", fragment_text, re.M)


def parse_findings(output):
    """[(path, line, severity, rule, message)] of oelint-adv's output."""
    return [(m["path"], int(m["line"]), m["severity"], m["rule"], m["message"].strip())
            for m in FINDING.finditer(output)]


# --- checks (on the kernel tree) ---------------------------------------------------------------
def apply_like_buildroot(worktree, patches, log):
    """GNU patch with the options of Buildroot's apply-patches.sh; raises on the first failure."""
    for patch in patches:
        res = subprocess.run(["patch", "-g0", "-p1", "-E", "--no-backup-if-mismatch", "-t", "-N",
                              "-d", str(worktree), "-i", str(patch)], stdout=log, stderr=subprocess.STDOUT)
        if res.returncode:
            raise steps.StepFailed(f"{patch.name} does not apply with patch -p1")


def tree_of_worktree(worktree):
    """The git tree id of everything in the work tree (Debian's .gitignore ignores all: -f)."""
    series.git(worktree, "add", "-A", "-f")
    return series.git(worktree, "write-tree").strip()


def configure_arm64(worktree, build, log):
    """arm64 defconfig, the fragment merged with merge_config.sh -m, olddefconfig, with the
    toolchain of every kernel build here (LLVM, Debian's rustc); returns (.config of defconfig,
    .config at the end)."""
    shutil.rmtree(build, ignore_errors=True)
    build.mkdir(parents=True)
    make = ["make", "-C", str(worktree), f"O={build}", "ARCH=arm64", *kmake_vars()]
    run = dict(check=True, env=kmake_env(), stdout=log, stderr=subprocess.STDOUT)
    subprocess.run(make + ["defconfig"], **run)
    defconfig = (build / ".config").read_text()
    subprocess.run([str(worktree / "scripts/kconfig/merge_config.sh"), "-m", "-O", str(build),
                    str(build / ".config"), str(FRAGMENT)], **run)
    subprocess.run(make + ["olddefconfig"], **run)
    return defconfig, (build / ".config").read_text()


def config_report(defconfig, final):
    """What merging the fragment did to arm64's defconfig: [(symbol, before, after)] of the
    options that changed or came on, toolchain descriptions (version strings) left out; and the
    fragment's lines that olddefconfig did not keep."""
    changed = [c for c in debian_config.changes(debian_config.parse(defconfig), debian_config.parse(final)) if not debian_config.TOOLCHAIN.search(c[0])]
    with tempfile.NamedTemporaryFile("w", suffix=".config") as tmp:
        tmp.write(final)
        tmp.flush()
        lost = [line for line in kernel.wanted([FRAGMENT]) if not kernel.config_has(tmp.name, line)]
    return changed, lost


def lint_layer(bin_dir, layer, log):
    """oelint-adv on the bbappend and layer.conf, once per release the layer declares, with the
    layer's own .oelint.cfg (and not one in HOME); returns (version, {release: findings})."""
    version = subprocess.run([str(bin_dir / "oelint-adv"), "--version"], capture_output=True,
                             text=True, check=True).stdout.split()[-1]
    releases = RELEASES.search((layer / "conf/layer.conf").read_text()).group(1).split()
    env = {**os.environ, "OELINT_CONFIG": str(layer / ".oelint.cfg")}
    found = {}
    for release in releases:
        cmd = [str(bin_dir / "oelint-adv"), "--quiet", "--relpaths", "--mode", "all", "--release",
               release, str(BBAPPEND), "conf/layer.conf"]
        res = subprocess.run(cmd, cwd=layer, env=env, capture_output=True, text=True)
        log.write(f"$ {' '.join(cmd)}\n{res.stdout}{res.stderr}(exit {res.returncode})\n")
        found[release] = parse_findings(res.stdout + res.stderr)
        if res.returncode and not found[release]:
            raise steps.StepFailed(f"oelint-adv --release {release} failed: {res.stderr.strip()[-300:]}")
    return version, found


def check_trees(settings, s, date, yocto_order, buildroot_order):
    """In one work tree of the kernel tree's repository: the layer's patches with git am, then
    the external tree's with GNU patch, each onto base, must give the series; then the fragment
    is merged in that tree. Returns results."""
    version = kernel.version_of(settings.tree)
    yocto = (f"Yocto: the bbappend's {len(yocto_order)} patches, in its order, git am onto pristine "
             f"{version}: every commit is the series'")
    applied = (f"Buildroot: the {len(buildroot_order)} patches, in series-file order, apply with "
               f"patch -p1 onto pristine {version} and give the series' tree")
    merged = "fragment: merge_config.sh -m onto arm64 defconfig, then olddefconfig, keeps all it sets"
    want_tree = series.git(settings.tree, "rev-parse", f"{s.commit(date)[-1]}^{{tree}}").strip()
    outcome = {}
    with tempfile.TemporaryDirectory(dir=settings.tree.parent) as tmp, \
            open(settings.logs / "bsp.log", "w") as log:
        worktree = Path(tmp, "pristine")
        steps.call("bsp", f"a work tree of pristine {version}", series.git, settings.tree, "worktree",
                   "add", "--quiet", "--detach", str(worktree), "base")
        try:
            try:
                steps.call("bsp", f"git am of the layer's patches onto pristine {version}", s.verify,
                           yocto_order, date, worktree)
                outcome[yocto] = ("pass", "")
            except steps.StepFailed as err:
                outcome[yocto] = ("fail", str(err))
            try:
                series.git(worktree, "checkout", "--quiet", "--force", "--detach", "base")
                series.git(worktree, "clean", "-fdxq")
                steps.call("bsp", f"the external tree's patches with GNU patch onto pristine {version}",
                           apply_like_buildroot, worktree, buildroot_order, log)
                got = tree_of_worktree(worktree)
                if got != want_tree:
                    raise steps.StepFailed(f"tree {got}, the series' is {want_tree}")
                outcome[applied] = ("pass", "")
                defconfig, final = steps.call(
                    "bsp", "arm64 defconfig + user-root.config (merge_config.sh -m), olddefconfig",
                    configure_arm64, worktree, settings.build_dir("aarch64-bsp"), log)
                changed, lost = config_report(defconfig, final)
                detail = "changes to arm64 defconfig: " + (
                    ", ".join(f"CONFIG_{sym} {a} -> {b}" for sym, a, b in changed) or "none")
                outcome[merged] = ("fail" if lost else "pass",
                                   (f"not kept: {' '.join(lost)}; " if lost else "") + detail)
            except steps.StepFailed as err:
                if applied not in outcome:
                    outcome[applied] = ("fail", str(err))
                    outcome[merged] = ("fail", "not tried: the patched tree is not the series'")
                else:
                    outcome[merged] = ("fail", str(err))
        finally:
            steps.call("bsp", "remove the work tree", series.git, settings.tree, "worktree", "remove",
                       "--force", str(worktree))
    return [(name, *outcome[name]) for name in (yocto, applied, merged)]


def run(settings):
    """Generates OUT/bsp/{meta-user-root,buildroot-external} and checks them; returns
    [(name, "pass" or "fail", detail)]. The caller holds urtest's lock (the kernel tree's git
    repository gets a work tree and the series' commits)."""
    deps.install(("kernel", "bsp"))
    k = kernel.Kernel(settings)
    k.prepare_tree()
    s, date = k.series(), series.commit_date()
    generated = "generated the Yocto layer and the Buildroot external tree"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            patches = steps.call("bsp", "the series as git format-patch files", s.write_patches, tmp, date)
            layer, external = generate(settings.out / "bsp", patches, FRAGMENT.read_text(), k.version())
    except (steps.StepFailed, ValueError) as err:
        return [(generated, "fail", str(err))]
    results = [(generated, "pass", str(settings.out / "bsp"))]

    yocto_order, buildroot_order = layer_patches(layer), external_patches(external)
    names = [p.name for p in yocto_order]
    same = bool(names) and names == [p.name for p in buildroot_order] == sorted(names)
    results.append(("both trees list the same patches, in the same order, which is also name order",
                    "pass" if same else "fail",
                    f"{len(names)} patches" if same else
                    f"bbappend: {names}; series file: {[p.name for p in buildroot_order]}"))
    results += check_trees(settings, s, date, yocto_order, buildroot_order)

    bin_dir = deps.install_pip("bsp", settings.cache / "venv-bsp")
    try:
        with open(settings.logs / "bsp-oelint.log", "w") as log:
            linter, found = steps.call("bsp", "oelint-adv on the layer", lint_layer, bin_dir, layer, log)
    except steps.StepFailed as err:
        return results + [("oelint-adv on the layer", "fail", str(err))]
    for release, findings in found.items():
        results.append((f"oelint-adv {linter} --release {release}: no finding in the layer",
                        "fail" if findings else "pass",
                        " | ".join(f"{p}:{n}:{sev}:{rule}" for p, n, sev, rule, _ in findings[:5])))
    return results
