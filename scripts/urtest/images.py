# SPDX-License-Identifier: GPL-2.0
"""Guest images: the test programs, the initramfs images of the boot matrix, the test disk and the
clients image.

Every initramfs is written by cpio.Writer, so making the dozen variants of the matrix costs no
subprocess but the compressors. The damage in damaged images always lands in /ballast, the last
file of the archive, so that what comes before it (init, busybox, the tests) unpacks and the guest
can still report.
"""
import gzip
import json
import os
import random
import shutil
import stat
import struct
import subprocess
from pathlib import Path

from . import arch as arches
from . import cpio, deps, foreign, kernel, protocol, steps
from .builds import KernelBuild
from .settings import REPO, TESTING, kmake_env, kmake_vars

GUEST = REPO / "scripts/guest"
APPLETS = ("cat chroot cp df echo grep ls mkdir mount reboot sed sleep stat switch_root tr "
           "umount uname head find test sync insmod rmmod lsmod env realpath mktemp basename "
           "dirname wc dmesg").split()
BALLAST_MIB = 16

COMPRESSORS = {
    "none": None,
    "gzip": ["gzip", "-n", "-9"],
    "zstd": ["zstd", "-q", "-19", "-c"],
    "xz": ["xz", "--check=crc32", "-9", "-c"],
    "lz4": ["lz4", "-q", "-l", "-9", "-c"],
}


def compress(data, how):
    cmd = COMPRESSORS[how]
    return data if cmd is None else subprocess.run(cmd, input=data, check=True, capture_output=True).stdout


# Debian's arm64 packages for the clients image (runc, util-linux) and the libraries they load.
CLIENT_PACKAGES = ["busybox-static", "runc", "util-linux", "libc6", "libseccomp2", "libselinux1",
                   "libpcre2-8-0", "libmount1", "libblkid1", "libsmartcols1", "libcap-ng0",
                   "libsystemd0", "libudev1", "libtinfo6"]
CLIENT_PROGRAMS = ["runc", "unshare", "pivot_root", "switch_root"]


def busybox(arch, cache=None):
    """Debian's static busybox for `arch`: the host's, or unpacked from the arch's package."""
    if arch == "x86_64":
        return Path("/bin/busybox")
    return foreign.Sysroot(cache, arches.get(arch).debian).add(["busybox-static"]).program("busybox")


def cross_env(arch):
    """The environment of userspace builds for `arch`: for another architecture, Debian's rustc
    (its standard library for the target is Debian's libstd-rust-web-dev:<arch>), linking with
    the cross C compiler."""
    if not arch.cross:
        return dict(os.environ)
    linker = "CARGO_TARGET_" + arch.rust_target.upper().replace("-", "_") + "_LINKER"
    return {**os.environ, "RUSTC": "/usr/bin/rustc", linker: arch.cross + "gcc"}


class Guest:
    """The guest of a kernel build (builds.KernelBuild.guest), built into OUT/guest-<its name>."""

    def __init__(self, settings, kernel, kb=KernelBuild()):
        """The guest that kernel build `kb` boots: its test modules are built against kb.guest
        (the variants of make check share the main kernel's, which load in them)."""
        self.s, self.kernel, self.kb = settings, kernel, kb.guest
        self.arch = arches.get(kb.arch)
        self.dir = settings.guest_dir(self.kb.name)
        self.programs = settings.out / f"programs-{self.arch.name}"   # userspace: one per architecture
        self.modules_src = self.programs / f"modules-src-{self.kb.name}"

    def path(self, image):
        return self.dir / f"{image}.img"

    # --- test programs -------------------------------------------------------------------------
    def build_programs(self, log):
        """The kselftests (C and Rust) from the kernel tree, and the VM-only program."""
        self.programs.mkdir(parents=True, exist_ok=True)
        env = cross_env(self.arch)
        run = dict(check=True, stdout=log, stderr=subprocess.STDOUT, env=env)
        cross = [f"CROSS_COMPILE={self.arch.cross}"] if self.arch.cross else []
        subprocess.run(["make", "-C", str(self.s.tree / "tools/testing/selftests/user_root"),
                        f"OUTPUT={self.programs}", f"ARCH={self.arch.make_arch}", *cross,
                        str(self.programs / "user_root_test"), str(self.programs / "user_root_rs")],
                       **run)
        target = self.arch.rust_target
        subprocess.run(["cargo", "build", "--quiet", "--release", "--locked", "--target", target,
                        "--manifest-path", str(TESTING / "vm/Cargo.toml"),
                        "--target-dir", str(self.programs / "vm-target")],
                       **{**run, "env": {**env, "RUSTFLAGS": "-C target-feature=+crt-static"}})
        shutil.copy2(self.programs / "vm-target" / target / "release/user_root_vm",
                     self.programs / "user_root_vm")
        # The kselftests installed as `make install` does, with their runner.
        install = self.programs / "kselftest"
        shutil.rmtree(install, ignore_errors=True)
        subprocess.run(["make", "-C", str(self.s.tree / "tools/testing/selftests"), "TARGETS=user_root",
                        f"ARCH={self.arch.make_arch}", *cross, f"O={self.programs / 'kselftest-build'}",
                        f"INSTALL_PATH={install}", "install"], **run)

    def build_modules(self, log):
        """The kernel crate's test modules, built out of tree as the top-level Kbuild says. The
        sources are copied first: an external build writes its objects next to them."""
        src = self.modules_src
        shutil.rmtree(src, ignore_errors=True)
        shutil.copytree(TESTING / "modules", src / "tools/testing/user_root/modules")
        shutil.copy2(REPO / "Kbuild", src / "Kbuild")
        build = self.kernel.build_dir(self.kb)
        subprocess.run(["make", "-C", str(self.s.tree), f"O={build}", f"ARCH={self.arch.make_arch}",
                        *kmake_vars(), f"M={src}", f"-j{self.s.jobs}", "modules"],
                       check=True, stdout=log, stderr=subprocess.STDOUT, env=kmake_env())
        self.modules = sorted(src.glob("tools/testing/user_root/modules/*.ko"))
        if len(self.modules) != 3:
            raise RuntimeError(f"expected three test modules, got {[m.name for m in self.modules]}")

    # --- the main guest ------------------------------------------------------------------------
    def base(self, ballast_mib=BALLAST_MIB, init="init.sh"):
        """The test guest as a cpio.Writer: busybox, /init, the test programs, and a ballast."""
        w = cpio.Writer()
        w.dir("dev").node("dev/console", "c", 5, 1)
        for d in ("proc", "sys", "bin", "sbin", "selftests", "vm", "newroot"):
            w.dir(d)
        w.dir("tmp", 0o1777)
        w.file("bin/busybox", busybox(self.arch.name, self.s.cache).read_bytes(), 0o755)
        w.symlink("bin/sh", "busybox")
        for a in APPLETS:
            w.symlink(f"bin/{a}", "busybox")
        w.file("init", (GUEST / init).read_bytes(), 0o755)
        w.symlink("sbin/init", "/init")
        for prog in ("user_root_test", "user_root_rs"):
            w.file(f"selftests/{prog}", (self.programs / prog).read_bytes(), 0o755)
        w.file("vm/user_root_vm", (self.programs / "user_root_vm").read_bytes(), 0o755)
        w.file("vm/modules.sh", (GUEST / "modules.sh").read_bytes(), 0o755)
        w.file("vm/churn.sh", (GUEST / "churn.sh").read_bytes(), 0o755)
        w.file("vm/ima.sh", (GUEST / "ima.sh").read_bytes(), 0o755)
        w.dir("modules")
        for ko in sorted((self.modules_src / "tools/testing/user_root/modules").glob("*.ko")):
            w.file(f"modules/{ko.name}", ko.read_bytes())
        w.file("ballast", bytes(ballast_mib << 20))
        return w

    def build_images(self, log):
        """Every initramfs image of the matrix, the built-in archive and the test disk."""
        self.dir.mkdir(parents=True, exist_ok=True)
        archive = self.base().bytes()
        images = {f"initramfs-{how}": compress(archive, how) for how in COMPRESSORS}
        images["initramfs"] = images["initramfs-gzip"]
        # The installed kselftests, which /init then runs as a user would, with no variable.
        with_runner = self.base()
        kselftest = self.programs / "kselftest"
        with_runner.dir("kselftest")
        for path in sorted(kselftest.rglob("*")):
            name = "kselftest/" + str(path.relative_to(kselftest))
            with_runner.parents(name)
            if path.is_dir():
                with_runner.dir(name)
            elif path.is_file():
                with_runner.file(name, path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
        images["kselftest"] = gzip.compress(with_runner.bytes(), 1, mtime=0)
        # An uncompressed early archive (as microcode loading adds) followed by a compressed one.
        early = cpio.Writer().file("early-marker", b"loaded from the early, uncompressed archive\n").bytes()
        images["concat"] = early + images["initramfs-zstd"]
        ballast = header_offset(archive, "ballast")
        images["truncated"] = archive[:ballast + cpio.HEADER_LEN + 4096 * 100]
        broken = bytearray(archive)
        broken[ballast:ballast + 6] = b"07070X"
        images["corrupt-header"] = bytes(broken)
        gz = bytearray(images["initramfs-gzip"])
        for i in range(len(gz) - 2048, len(gz) - 1024, 97):
            gz[i] ^= 0xA5
        images["corrupt-stream"] = bytes(gz)
        rnd = random.Random(6_12_117)
        images["garbage"] = images["initramfs-gzip"] + bytes(rnd.getrandbits(8) for _ in range(4096))
        # More names than initramfs_options=nr_inodes= lets it create: a small /init first, so
        # that the guest still reports, then names that cannot be created.
        small = cpio.Writer()
        small.dir("dev").node("dev/console", "c", 5, 1).dir("bin")
        small.file("bin/busybox", busybox(self.arch.name, self.s.cache).read_bytes(), 0o755).symlink("bin/sh", "busybox")
        small.file("init", (GUEST / "minimal-init.sh").read_bytes(), 0o755)
        for i in range(20):
            small.file(f"filler-{i:02d}", b"x")
        images["create-fails"] = small.bytes()
        # The usual guest, then protocol.UNCREATABLE names in a directory the archive does not
        # have: the unpacker names the first few and counts the rest; the guest's tests run as usual.
        flood = add_uncreatable(self.base(), protocol.UNCREATABLE)
        if uncreatable(flood.entries) != protocol.UNCREATABLE:
            raise RuntimeError(f"image uncreatable: {uncreatable(flood.entries)} names cannot be created, "
                               f"not protocol.UNCREATABLE = {protocol.UNCREATABLE}")
        images["uncreatable"] = gzip.compress(flood.bytes(), 1, mtime=0)
        # The soak's (urtest.soak): PID 1 switches root while usermode helpers start.
        soak = self.base(init="soak-init.sh")
        soak.file("sbin/soak-helper", (GUEST / "soak-helper.sh").read_bytes(), 0o755)
        images["soak"] = gzip.compress(soak.bytes(), 1, mtime=0)
        # 48 MiB, for the low-memory boots.
        images["initramfs-48m"] = gzip.compress(self.base(ballast_mib=42).bytes(), 1, mtime=0)
        for name, data in images.items():
            self.path(name).write_bytes(data)
        # The same guest built into the kernel (CONFIG_INITRAMFS_SOURCE), with a marker file.
        builtin = self.base()
        builtin.file("builtin-marker", b"built into the kernel\n")
        (self.dir / "builtin.cpio").write_bytes(builtin.bytes())
        (self.dir / "builtin.config").write_text(f'CONFIG_INITRAMFS_SOURCE="{self.dir / "builtin.cpio"}"\n')
        self.build_disk(log)
        print(" ".join(f"{n} ({len(d) >> 10} KiB)" for n, d in images.items()), file=log)

    def build_disk(self, log):
        """The same userspace on an ext4 disk, for root=/dev/vda: the kernel mounts it itself."""
        tree = self.dir / "disk-root"
        shutil.rmtree(tree, ignore_errors=True)
        w = self.base()
        w.entries = [e for e in w.entries if e.name not in ("ballast", "init", "sbin/init")]
        materialize(w.entries, tree)
        shutil.copy2(GUEST / "init.sh", tree / "sbin/init")
        subprocess.run(["mke2fs", "-q", "-t", "ext4", "-F", "-E", "root_owner=0:0", "-d", str(tree),
                        str(self.dir / "disk.img"), "64M"], check=True, stdout=log, stderr=subprocess.STDOUT)

    # --- real clients --------------------------------------------------------------------------
    def build_clients(self, log):
        """busybox, Debian's runc, unshare, pivot_root and switch_root with their libraries, and
        a busybox OCI bundle for runc."""
        w = cpio.Writer()
        for d in ("bin", "sbin", "dev", "proc", "sys", "tmp", "run", "etc"):
            w.dir(d)
        bb = busybox(self.arch.name, self.s.cache).read_bytes()
        w.file("bin/busybox", bb, 0o755)
        for a in "sh cat cp echo grep ls mkdir mount sed stat test umount reboot sync head".split():
            w.symlink(f"bin/{a}", "busybox")
        sysroot = (foreign.Sysroot(self.s.cache, self.arch.debian).add(CLIENT_PACKAGES) if self.arch.cross
                   else foreign.Sysroot.host())
        for guest_path, host_path in sysroot.with_libs(CLIENT_PROGRAMS):
            w.parents(guest_path)
            w.file(guest_path, host_path.read_bytes(), 0o755)
        w.file("init", (GUEST / "clients.sh").read_bytes(), 0o755)
        w.file("newroot-init.sh", (GUEST / "newroot-init.sh").read_bytes(), 0o755)
        # The container: busybox, and the spec that `runc spec` writes, made to run without a
        # terminal and without the mounts this small kernel does not have (mqueue, devpts).
        spec_dir = self.dir / "runc-spec"
        shutil.rmtree(spec_dir, ignore_errors=True)
        spec_dir.mkdir(parents=True)
        subprocess.run(["runc", "spec"], cwd=spec_dir, check=True, stdout=log, stderr=subprocess.STDOUT)
        spec = json.loads((spec_dir / "config.json").read_text())
        spec["process"]["terminal"] = False
        spec["process"]["args"] = ["/bin/sh", "-c",
                                   "echo hello from a container; /bin/busybox head -n 1 /proc/self/mountinfo"]
        spec["mounts"] = [m for m in spec["mounts"] if m["type"] not in ("mqueue", "devpts")]
        spec["root"]["readonly"] = False
        for d in ("bundle", "bundle/rootfs", "bundle/rootfs/bin", "bundle/rootfs/proc",
                  "bundle/rootfs/dev", "bundle/rootfs/sys"):
            w.dir(d)
        w.file("bundle/config.json", json.dumps(spec, indent=1).encode())
        w.file("bundle/rootfs/bin/busybox", bb, 0o755)
        w.symlink("bundle/rootfs/bin/sh", "busybox")
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path("clients").write_bytes(gzip.compress(w.bytes(), 1, mtime=0))
        versions = (f"Debian's {self.arch.debian} packages in {sysroot.dir}" if self.arch.cross else
                    subprocess.run(["runc", "--version"], capture_output=True, text=True).stdout.split("\n")[0])
        print(f"clients: {self.path('clients')}: {versions}", file=log)

    # --- a guest of C programs only, for an architecture that Debian 12 has no port of ---------
    def build_minimal(self, log):
        """The C kselftest and a minimal init (tools/testing/user_root/minimal-init.c), static,
        in an initramfs of its own: image "minimal"."""
        self.programs.mkdir(parents=True, exist_ok=True)
        run = dict(check=True, stdout=log, stderr=subprocess.STDOUT)
        subprocess.run(["make", "-C", str(self.s.tree / "tools/testing/selftests/user_root"),
                        f"OUTPUT={self.programs}", f"ARCH={self.arch.make_arch}",
                        f"CROSS_COMPILE={self.arch.cross}", str(self.programs / "user_root_test")], **run)
        subprocess.run([f"{self.arch.cross}gcc", "-static", "-O2", "-Wall", "-Werror", "-o",
                        str(self.programs / "minimal-init"), str(TESTING / "minimal-init.c")], **run)
        w = cpio.Writer()
        w.dir("dev").node("dev/console", "c", 5, 1)
        for d in ("proc", "sys", "selftests", "tmp"):
            w.dir(d)
        w.file("init", (self.programs / "minimal-init").read_bytes(), 0o755)
        w.file("selftests/user_root_test", (self.programs / "user_root_test").read_bytes(), 0o755)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path("minimal").write_bytes(gzip.compress(w.bytes(), 6, mtime=0))

    def build(self):
        """Test programs, images, disk and clients."""
        logs = self.s.logs
        suffix = f"-{self.kb.name}"
        if not self.arch.debian_port:
            steps.logged("images", f"C-only guest: kselftest and minimal init ({self.arch.name}, static)",
                         logs / f"images{suffix}.log", self.build_minimal)
            return
        steps.logged("programs", f"selftests and the VM program ({self.arch.rust_target}, static)",
                     logs / f"programs{suffix}.log", self.build_programs)
        steps.logged("modules", "the kernel crate's test modules (make M=, the top-level Kbuild)",
                     logs / f"modules{suffix}.log", self.build_modules)
        steps.logged("images", f"initramfs images, built-in archive and test disk ({self.arch.name})",
                     logs / f"images{suffix}.log", self.build_images)
        steps.logged("clients", f"clients image: busybox, runc and util-linux from Debian ({self.arch.debian})",
                     logs / f"clients{suffix}.log", self.build_clients)


def main_kernel_and_guest(settings):
    """Installs what the build needs, applies the series, builds the main x86_64 kernel and its
    guest; returns (kernel image, Guest)."""
    deps.install(("kernel", "guest"))
    k = kernel.Kernel(settings)
    k.apply()
    image = k.build(KernelBuild())
    guest = Guest(settings, k)
    guest.build()
    return image, guest


def u_boot_disk(dest, kernel, initrd, bootargs, log):
    """A disk as a board's boot medium: one partition with the kernel Image, the initramfs and a
    boot script that U-Boot's distro boot finds and runs. `booti` hands the initramfs over in
    the device tree's /chosen node (linux,initrd-start and -end), as on a board."""
    dest = Path(dest)
    tree = dest.with_name(dest.name + ".d")
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    shutil.copy2(kernel, tree / "Image")
    shutil.copy2(initrd, tree / "initrd.img")
    (tree / "boot.txt").write_text(
        f"setenv bootargs \"{bootargs}\"\n"
        "load virtio 0:1 ${kernel_addr_r} Image\n"
        "load virtio 0:1 ${ramdisk_addr_r} initrd.img\n"
        "booti ${kernel_addr_r} ${ramdisk_addr_r}:${filesize} ${fdtcontroladdr}\n")
    run = dict(check=True, stdout=log, stderr=subprocess.STDOUT)
    subprocess.run(["mkimage", "-A", "arm64", "-O", "linux", "-T", "script", "-C", "none", "-n", "user_root test",
                    "-d", str(tree / "boot.txt"), str(tree / "boot.scr")], **run)
    size_mib = (sum(f.stat().st_size for f in tree.iterdir()) >> 20) + 16
    part = dest.with_name(dest.name + ".part")
    part.unlink(missing_ok=True)
    subprocess.run(["mke2fs", "-q", "-t", "ext4", "-F", "-E", "root_owner=0:0", "-d", str(tree), str(part),
                    f"{size_mib}M"], **run)
    with open(dest, "wb") as disk, open(part, "rb") as fs:
        disk.write(mbr(start=2048, sectors=size_mib << 11))
        disk.seek(1 << 20)
        shutil.copyfileobj(fs, disk)
    part.unlink()
    return dest


def mbr(start, sectors):
    """A DOS partition table with one bootable Linux partition (LBA addressing only)."""
    entry = struct.pack("<B3sB3sII", 0x80, b"\xfe\xff\xff", 0x83, b"\xfe\xff\xff", start, sectors)
    return bytes(446) + entry + bytes(48) + b"\x55\xaa"


# What the kernel's own default archive (usr/default_cpio_list) has put in the root before the
# boot loader's archive is unpacked.
KERNEL_DEFAULT_DIRS, KERNEL_DEFAULT_FILES = ("dev", "root"), ("dev/console",)


def add_uncreatable(w, count, parent="missing"):
    """Adds `count` names that the unpacker cannot create to the cpio.Writer `w`: files,
    directories, symlinks and device nodes in turn, all in `parent`, which the archive does not
    have, so that each fails with ENOENT. Names and order are always the same."""
    kinds = ("file", "dir", "link", "node")
    for i in range(count):
        name = f"{parent}/{kinds[i % 4]}-{i:05d}"
        if i % 4 == 0:
            w.file(name, b"")
        elif i % 4 == 1:
            w.dir(name)
        elif i % 4 == 2:
            w.symlink(name, "/init")
        else:
            w.node(name, "c", 1, 3)
    return w


def uncreatable(entries, dirs=KERNEL_DEFAULT_DIRS, files=KERNEL_DEFAULT_FILES):
    """How many of the cpio entries, unpacked in order by one unpack_to_rootfs() call after what
    `dirs` and `files` already put in the root, init/initramfs.c cannot create and so counts: those
    whose directory is not there. A name that is there already (EEXIST) does not count. Limits of
    space and inodes are left out, and so are hard links (cpio.Writer makes none)."""
    have_dirs, have = {"", *dirs}, {*dirs, *files}
    failed = 0
    for e in entries:
        name = e.name.strip("/")
        if name in have:
            continue
        if name.rpartition("/")[0] not in have_dirs:
            failed += 1
            continue
        have.add(name)
        if stat.S_ISDIR(e.mode):
            have_dirs.add(name)
    return failed


def header_offset(archive, name):
    """Offset of the newc header of the entry called `name`."""
    return archive.index(name.encode() + b"\0") - cpio.HEADER_LEN


def materialize(entries, dest):
    """Writes cpio entries as a directory tree (device nodes are left out)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for e in entries:
        path = dest / e.name
        kind = stat.S_IFMT(e.mode)
        if kind == stat.S_IFDIR:
            path.mkdir(parents=True, exist_ok=True)
            path.chmod(stat.S_IMODE(e.mode))
        elif kind == stat.S_IFREG:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(e.data)
            path.chmod(stat.S_IMODE(e.mode))
        elif kind == stat.S_IFLNK:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.symlink_to(e.data.decode())
