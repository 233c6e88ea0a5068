# SPDX-License-Identifier: GPL-2.0
"""A Debian system (12 "bookworm" or 13 "trixie") on an ext4 disk, booted by a
distribution-style kernel package and initramfs.

Three cached stages per release, each keyed by a hash of everything that goes into it, so that a
second run takes seconds:

1. base(): the root file system, made by mmdebstrap from the Debian archives that apt on this
   machine uses, serving the release's suites (archive.release_sources()). PACKAGES, no recommends, with the
   files of scripts/guest/distro/rootfs/ (initramfs-tools and dracut configuration, the ballast
   hook), a 32 MiB ballast of random data, /etc/fstab naming the root by ROOT_UUID, and the
   serial getty masked (the test owns the console). A tarball: CACHE/distro-<release>/base-<key>.tar.
2. system(deb): the tarball unpacked, with a fixed machine-id (a first boot would prompt), and,
   given a linux-image-*.deb from `make bindeb-pkg`, the kernel installed with `dpkg -i` in a
   chroot (in a private mount namespace with /proc, /sys and /dev), so that Debian's own hooks
   (/etc/kernel/postinst.d/initramfs-tools) build /boot/initrd.img-<version>; then dracut makes
   the second initramfs (`dracut --kver <version>`, with its systemd module). Both load
   virtio_pci, virtio_blk and ext4 when they are modules, and both carry the ballast.
   CACHE/distro-<release>/system-<key>/: tree/, vmlinuz, initrd-<generator>.img, system.json.
3. disk(): the tree plus the test (scripts/guest/distro/user_root-test.{sh,service}, enabled for
   multi-user.target) on an ext4 image made by `mke2fs -d`, with ROOT_UUID. OUT/distro-<release>/.

    system = distro.build(settings, deb, "trixie")  # -> System: version, kernel, initrds, disk

The matrix's Debian cells boot it as every cell boots (check.cell_boot; `urtest boot "<cell>"`
boots one): with root=UUID=ROOT_UUID ro, as a distribution does, and UR_GENERATOR=<generator>,
which the test reads (matrix.Cell.kernel_cmdline). Once multi-user.target is up, the
guest prints TAP 13 (the tests of protocol.REQUIRED["distro"]: the mount tree that the initramfs's way of switching
root leaves, that the initramfs's memory (its ballast) is not held, no failed unit, a
systemd-nspawn and a runc container) and protocol.DONE, then powers off; the test script says
what each way to the root leaves.

The cache does not follow the archive: the packages are those of the day the base was made,
until its key changes (or CACHE/distro is removed).
"""
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import archive, deps, steps
from .settings import REPO

# The releases the Debian cells boot, by code name: their number, and the systemd they ship.
RELEASES = {"bookworm": "12", "trixie": "13"}
PACKAGES = ["systemd", "systemd-sysv", "udev", "initramfs-tools", "dracut-core", "util-linux",
            "kmod", "e2fsprogs", "zstd", "runc", "systemd-container", "busybox-static"]
GENERATORS = ("initramfs-tools", "dracut")
GENERATOR_VAR = "UR_GENERATOR"          # the kernel command-line variable the test reads
GUEST = REPO / "scripts/guest/distro"
OVERLAY = GUEST / "rootfs"
TEST_FILES = {  # repository file -> (path in the image, mode)
    GUEST / "user_root-test.sh": ("usr/local/sbin/user_root-test", 0o755),
    GUEST / "user_root-test.service": ("etc/systemd/system/user_root-test.service", 0o644),
}
TEST_WANTS = "etc/systemd/system/multi-user.target.wants/user_root-test.service"
KSELFTEST = "usr/local/lib/user_root-kselftest"   # the installed kselftests, with their runner
BALLAST = "usr/local/share/user_root/ballast"
BALLAST_MIB = 32
ROOT_UUID = "5e1f0a3c-6d2b-4c8e-9a71-0b5e7ac2d012"   # fixed: the disk is the same on every run
MACHINE_ID = "75736572726f6f74746573746d616368"      # fixed: the first boot is over
SOURCE_DATE_EPOCH = "1735689600"                    # 2025-01-01: reproducible time stamps
MASKED = ["serial-getty@ttyS0.service"]             # the test writes to the serial console
RECIPE = "1"   # bump to rebuild every stage after a change in this file's recipe


# --- cache keys ------------------------------------------------------------------------------
def file_digest(paths, root=None):
    """A digest of files by their path (relative to `root`), executable bit and content."""
    h = hashlib.sha256()
    for p in sorted(Path(x) for x in paths):
        if p.is_file():
            name = str(p.relative_to(root)) if root else str(p)
            h.update(f"{name}\0{os.access(p, os.X_OK)}\0".encode() + hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def cache_key(*parts):
    """A short hash of strings (or lists of them), in order."""
    h = hashlib.sha256()
    for part in parts:
        items = part if isinstance(part, (list, tuple)) else [part]
        h.update(repr([str(i) for i in items]).encode() + b"\1")
    return h.hexdigest()[:16]


def ballast(size=BALLAST_MIB << 20, seed=6_12_32):
    """Random (so incompressible), and the same every time."""
    return random.Random(seed).randbytes(size)


# --- what a stage gives ----------------------------------------------------------------------
@dataclass
class System:
    """A bootable system: the kernel image, the initramfs of each generator, the disk."""
    version: str                   # the installed kernel's release, "" without a kernel package
    kernel: Path | None            # /boot/vmlinuz-<version> from the package
    initrds: dict = field(default_factory=dict)   # generator -> initramfs image
    disk: Path | None = None
    uuid: str = ROOT_UUID
    tree: Path | None = None       # the root file system the disk is made from
    key: str = ""


# --- the stages ------------------------------------------------------------------------------
class Distro:
    """The stages, with their work in CACHE/distro and their outputs and logs in OUT/distro."""

    def __init__(self, settings, release="bookworm", apt_dir=archive.APT):
        if release not in RELEASES:
            raise steps.StepFailed(f"no Debian release {release!r}; one of {', '.join(RELEASES)}")
        self.s = settings
        self.release = release
        self.cache = settings.cache / f"distro-{release}"
        self.out = settings.out / f"distro-{release}"
        self.sources = archive.release_sources(release, apt_dir)
        for d in (self.cache, self.out):
            d.mkdir(parents=True, exist_ok=True)

    def log(self, name):
        return self.out / f"{name}.log"

    # --- 1. the root file system ---------------------------------------------------------------
    def base_key(self):
        overlay = [p for p in OVERLAY.rglob("*")]
        return cache_key(RECIPE, self.release, PACKAGES, archive.sources_text(self.sources), file_digest(overlay, OVERLAY),
                         MASKED, ROOT_UUID, BALLAST_MIB, SOURCE_DATE_EPOCH)

    def base(self):
        """The mmdebstrap tarball, made unless it is in the cache."""
        key = self.base_key()
        tar = self.cache / f"base-{key}.tar"
        if tar.exists():
            steps.say(f"[distro] Debian {self.release} root file system: cached ({tar.name})")
            return tar
        with tempfile.TemporaryDirectory(prefix="urtest-distro-") as tmp:
            tmp = Path(tmp)
            overlay = self._overlay(tmp / "overlay")
            (tmp / "debian.sources").write_text(archive.sources_text(self.sources))
            hooks = [f"sync-in {overlay} /",
                     f'echo "UUID={ROOT_UUID} / ext4 errors=remount-ro 0 1" > "$1/etc/fstab"',
                     'echo debian-user-root > "$1/etc/hostname"',
                     'rm -f "$1/etc/resolv.conf"',
                     'chroot "$1" systemctl mask ' + " ".join(MASKED)]
            cmd = ["mmdebstrap", "--mode=root", "--variant=apt", "--format=tar",
                   "--aptopt=APT::Install-Recommends \"false\"", f"--include={','.join(PACKAGES)}",
                   *[f"--customize-hook={h}" for h in hooks],
                   self.release, str(tar) + ".tmp", str(tmp / "debian.sources")]
            steps.run("distro", f"Debian {self.release} root file system (mmdebstrap, {len(PACKAGES)} packages)",
                      self.log("mmdebstrap"), cmd, env={**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH})
        os.replace(str(tar) + ".tmp", tar)
        for old in self.cache.glob("base-*.tar*"):
            if old != tar:
                old.unlink()
        return tar

    def _overlay(self, dest):
        """scripts/guest/distro/rootfs with the ballast, with modes that do not depend on the
        checkout (directories 0755, files 0644 or 0755)."""
        shutil.copytree(OVERLAY, dest)
        for p in [dest, *dest.rglob("*")]:
            p.chmod(0o755 if p.is_dir() or os.access(p, os.X_OK) else 0o644)
        b = dest / BALLAST
        b.parent.mkdir(parents=True, exist_ok=True)
        for d in [b.parent, *b.parent.parents]:
            if d == dest:
                break
            d.chmod(0o755)
        b.write_bytes(ballast())
        b.chmod(0o644)
        return dest

    # --- 2. the system, with a kernel package ---------------------------------------------------
    def system(self, deb=None):
        """The unpacked tree, with the kernel package installed and both initramfs images."""
        tar = self.base()
        deb_digest = file_digest([deb]) if deb else "none"
        key = cache_key(RECIPE, tar.name, deb_digest, MACHINE_ID)
        home = self.cache / f"system-{key}"
        meta = home / "system.json"
        if meta.exists():
            data = json.loads(meta.read_text())
            steps.say(f"[distro] system with kernel {data['version'] or '(none)'}: cached ({home.name})")
            return self._system(home, data, key)
        shutil.rmtree(home, ignore_errors=True)
        tree = home / "tree"
        tree.mkdir(parents=True)
        steps.run("distro", "unpack the root file system", self.log("unpack"),
                  ["tar", "-C", str(tree), "--numeric-owner", "--xattrs", "--xattrs-include=*", "-xf", str(tar)])
        (tree / "etc/machine-id").write_text(MACHINE_ID + "\n")
        data = {"version": "", "kernel": None, "initrds": {}}
        if deb:
            data = steps.logged("distro", f"install {Path(deb).name} (dpkg -i; Debian's hooks run "
                                f"initramfs-tools)", self.log("kernel"), self._install, tree, Path(deb), home)
            steps.logged("distro", f"dracut initramfs for {data['version']}", self.log("dracut"),
                         self._dracut, tree, data, home)
        data["base"] = tar.name
        meta.write_text(json.dumps(data, indent=1))
        self._prune(home, tar.name, bool(deb))
        return self._system(home, data, key)

    def _prune(self, keep, base_name, with_kernel):
        """Removes the systems of other bases, and the older one of the same kind (with a kernel
        package, or without)."""
        for old in self.cache.glob("system-*"):
            meta = old / "system.json"
            data = json.loads(meta.read_text()) if meta.exists() else {}
            if old != keep and (data.get("base") != base_name or bool(data.get("version")) == with_kernel):
                shutil.rmtree(old, ignore_errors=True)

    def _system(self, home, data, key):
        return System(version=data["version"], kernel=home / data["kernel"] if data["kernel"] else None,
                      initrds={g: home / f for g, f in data["initrds"].items()}, tree=home / "tree", key=key)

    def _install(self, log, tree, deb, home):
        shutil.copy2(deb, tree / "tmp" / deb.name)
        chroot(tree, ["dpkg", "-i", f"/tmp/{deb.name}"], log)
        (tree / "tmp" / deb.name).unlink()
        kernels = sorted((tree / "boot").glob("vmlinuz-*"))
        if len(kernels) != 1:
            raise steps.StepFailed(f"expected one /boot/vmlinuz-* after dpkg -i, found {[k.name for k in kernels]}")
        version = kernels[0].name[len("vmlinuz-"):]
        initrd = tree / "boot" / f"initrd.img-{version}"
        if not initrd.exists():
            raise steps.StepFailed(f"Debian's kernel hooks made no {initrd.relative_to(tree)}")
        shutil.copy2(kernels[0], home / "vmlinuz")
        shutil.copy2(initrd, home / "initrd-initramfs-tools.img")
        print(f"kernel {version}; initramfs-tools: {initrd.stat().st_size >> 10} KiB", file=log, flush=True)
        return {"version": version, "kernel": "vmlinuz", "initrds": {"initramfs-tools": "initrd-initramfs-tools.img"}}

    def _dracut(self, log, tree, data, home):
        version = data["version"]
        inside = f"/tmp/dracut-{version}.img"
        chroot(tree, ["dracut", "--force", "--kver", version, inside], log)
        shutil.move(tree / inside.lstrip("/"), home / "initrd-dracut.img")
        data["initrds"]["dracut"] = "initrd-dracut.img"
        print(f"dracut: {(home / 'initrd-dracut.img').stat().st_size >> 10} KiB", file=log, flush=True)

    # --- 3. the disk -------------------------------------------------------------------------
    def disk(self, system, kselftest=None):
        """The tree and the test on an ext4 image with ROOT_UUID, unless it is up to date; with
        the installed kselftests (`make install` of tools/testing/selftests) in KSELFTEST, which
        the test runs as a user would."""
        self.kselftest = Path(kselftest) if kselftest else None
        extra = file_digest(self.kselftest.rglob("*"), self.kselftest) if self.kselftest else ""
        key = cache_key(RECIPE, system.key, file_digest(TEST_FILES), ROOT_UUID, extra)
        name = f"debian-{self.release}" + (f"-{system.version}" if system.version else "")
        disk = self.out / f"{name}.img"
        stamp = self.out / f"{name}.key"
        if disk.exists() and stamp.exists() and stamp.read_text() == key:
            steps.say(f"[distro] disk {disk.name}: up to date")
        else:
            stamp.unlink(missing_ok=True)
            steps.logged("distro", f"ext4 disk {disk.name} (mke2fs -d, UUID={ROOT_UUID})",
                         self.log("disk"), self._mkfs, system.tree, disk)
            stamp.write_text(key)
        system.disk = disk
        return system

    def _mkfs(self, log, tree, disk):
        """mke2fs -d from a copy of the tree made of hard links, with the test files added."""
        scratch = disk.with_name(disk.name + ".tree")
        shutil.rmtree(scratch, ignore_errors=True)
        try:
            subprocess.run(["cp", "-al", str(tree), str(scratch)], check=True, stdout=log, stderr=subprocess.STDOUT)
            for src, (dest, mode) in TEST_FILES.items():
                path = scratch / dest
                path.parent.mkdir(parents=True, exist_ok=True)
                path.unlink(missing_ok=True)
                shutil.copyfile(src, path)
                path.chmod(mode)
            if self.kselftest:
                shutil.copytree(self.kselftest, scratch / KSELFTEST, symlinks=True)
            wants = scratch / TEST_WANTS
            wants.parent.mkdir(parents=True, exist_ok=True)
            wants.unlink(missing_ok=True)
            wants.symlink_to("/" + TEST_FILES[GUEST / "user_root-test.service"][0])
            used = int(subprocess.run(["du", "-sxk", str(scratch)], capture_output=True, text=True,
                                      check=True).stdout.split()[0]) << 10
            size = ((used * 5 // 4 + (512 << 20)) >> 26) + 1 << 26   # room to write, 64 MiB steps
            disk.unlink(missing_ok=True)
            subprocess.run(["mke2fs", "-q", "-t", "ext4", "-F", "-U", ROOT_UUID, "-L", "root",
                            "-E", f"root_owner=0:0,hash_seed={ROOT_UUID}", "-d", str(scratch),
                            str(disk), f"{size >> 20}M"], check=True, stdout=log, stderr=subprocess.STDOUT,
                           env={**os.environ, "E2FSPROGS_FAKE_TIME": SOURCE_DATE_EPOCH})
            print(f"{disk}: {size >> 20} MiB, {used >> 20} MiB used", file=log, flush=True)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


def chroot(tree, cmd, log):
    """Runs cmd in the tree, in a private mount namespace with /proc, /sys and /dev (gone when it
    ends, whatever happens)."""
    script = ('set -e; t=$1; shift; mount -t proc proc "$t/proc"; mount -t sysfs sysfs "$t/sys"; '
              'mount --rbind /dev "$t/dev"; exec chroot "$t" "$@"')
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C.UTF-8", "DEBIAN_FRONTEND": "noninteractive",
           "HOME": "/root"}
    print(f"$ chroot {tree} {' '.join(cmd)}", file=log, flush=True)
    subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", str(tree), *cmd],
                   check=True, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)


def build(settings, deb=None, release="bookworm", apt_dir=archive.APT, kselftest=None):
    """Everything, from the cache where it can: returns the System."""
    deps.install(("distro",))
    d = Distro(settings, release, apt_dir)
    return d.disk(d.system(deb), kselftest)
