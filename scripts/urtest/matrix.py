# SPDX-License-Identifier: GPL-2.0
"""The boot matrix as data: tools/testing/user_root/matrix.toml, one [[cell]] per boot."""
import re
import tomllib
from dataclasses import dataclass, fields

from . import arch as arches
from . import distro, protocol, qemu
from .builds import VARIANTS, X86_ONLY, KernelBuild
from .settings import TESTING

MATRIX = TESTING / "matrix.toml"
TABLE_DOC = TESTING / "README.md"   # where `make matrix` keeps the table, between the markers
KERNELS = tuple(v for v in VARIANTS if v != "debug")   # check-debug boots the debug kernel instead
GENERATORS = distro.GENERATORS
EXPECT = ("on", "off", "disk-on", "disk-off")
# The make targets that boot cells: a cell's run_by. check-debug also boots every cell with debug.
RUNS = ("check", "check-arch", "check-debug", "check-distro")
IMAGES = ("initramfs", "initramfs-none", "initramfs-gzip", "initramfs-zstd", "initramfs-xz",
          "initramfs-lz4", "concat", "truncated", "corrupt-header", "corrupt-stream", "garbage",
          "initramfs-48m", "clients", "kselftest", "create-fails", "minimal", "uncreatable")


class MatrixError(Exception):
    pass


@dataclass(frozen=True)
class Cell:
    name: str
    expect: str
    arch: str = "x86_64"
    kernel: str = "main"
    image: str = ""
    disk: bool = False
    cmdline: str = ""
    files: tuple = ()
    switch: str = ""
    distro: str = ""
    release: str = ""       # a Debian cell's release (distro.RELEASES): bookworm, trixie
    bootloader: str = ""
    console: tuple = ()
    memory: str = "512M"
    cpus: int = 2
    timeout: int = 300
    debug: bool = False
    run_by: str = "check"   # or another of RUNS: booted by that target only
    panic: str = ""         # the boot must end in this panic (protocol.PANICS), the guest unrun
    kept: bool = False      # the kernel keeps a copy of the user root: its memory must stay
    xfail: tuple = ()       # results that must fail: success's shape, where a fault changed it
    output: tuple = ()      # regexes that some console line (the guest's too) must match
    absent: tuple = ()      # regexes that no console line (the guest's too) may match
    console_max: tuple = ()  # ((message name, n), ...): kernel lines of that message, at most n
    same_as: str = ""       # another cell, whose reported lists (same_lists) this one's must equal
    same_lists: tuple = ()  # names of lists the guest reports (protocol.LISTS)
    churn: int = 0          # rounds of the module churn after the module test (UR_CHURN)

    @property
    def slug(self):
        return re.sub(r"-+", "-", re.sub(r"[^a-zA-Z0-9]", "-", self.name)).strip("-")

    def build(self, debug=False):
        """The kernel the cell boots: its variant, or on `make check-debug` the debug kernel."""
        return KernelBuild("debug" if debug else self.kernel, self.arch)

    def kernel_cmdline(self, debug=False):
        """The whole kernel command line of the cell's boot, composed here and nowhere else:
        QEMU's console and panic words, the cell's, and the variables the guest reads."""
        return qemu.cmdline(self.arch, self.full_cmdline(debug))

    def full_cmdline(self, debug=False):
        """The cell's part of the command line (the matrix table shows it): its own words, the
        variables the guest reads, and what the kernel it boots needs."""
        words = [self.cmdline] if self.cmdline else []
        if debug:
            # Under TCG the debug kernel's ACPI interpreter is so slow that PCI interrupt
            # routing hits ACPICA's 30 s loop timeout.
            words.append("acpi=noirq")
        if self.distro:
            # As Debian's boot loader writes it: the root by UUID, read-only until systemd
            # remounts it.
            return " ".join(words + [f"root=UUID={distro.ROOT_UUID}", "ro",
                                     f"{distro.GENERATOR_VAR}={self.distro}"])
        words.append(f"{protocol.EXPECT}={self.expect}")
        if self.files:
            words.append(f"{protocol.FILES}={','.join(self.files)}")
        if self.switch:
            words.append(f"{protocol.SWITCH}={self.switch}")
        if self.kept:
            words.append(f"{protocol.KEPT}=1")
        if self.churn:
            words.append(f"{protocol.CHURN}={self.churn}")
        return " ".join(words)

    def console_patterns(self):
        return [protocol.MESSAGES[m] for m in self.console]

    def console_bounds(self):
        """[(regex, n)]: kernel messages the console may show at most n times."""
        return [(protocol.MESSAGES[m], n) for m, n in self.console_max]

    def required_results(self):
        """Results the guest's programs must report in this boot (see protocol.REQUIRED)."""
        if self.panic:
            return []
        if self.xfail:
            return list(self.xfail) + self._required()
        return self._required()

    def _required(self):
        if self.distro:
            return protocol.REQUIRED["distro"]
        if self.image in ("clients", "kselftest", "create-fails", "minimal"):
            return protocol.REQUIRED[self.image]
        switch = protocol.REQUIRED["switch-kept" if self.kept else "switch"]
        required = protocol.REQUIRED["tests"] + ([] if self.disk and not self.image else switch)
        required = required + (protocol.REQUIRED["churn"] if self.churn else [])
        return required + (protocol.REQUIRED["ima"] if "ima_policy=" in self.cmdline else [])

    def user_root(self):
        return self.expect in ("on", "disk-on")


def validate(cell):
    """Raises MatrixError if a cell cannot be booted as written."""
    where = f"cell {cell.name!r}"
    if cell.arch not in arches.ARCHES:
        raise MatrixError(f"{where}: unknown arch {cell.arch!r}")
    if cell.kernel not in KERNELS:
        raise MatrixError(f"{where}: unknown kernel {cell.kernel!r}; one of {', '.join(KERNELS)}")
    if cell.expect not in EXPECT:
        raise MatrixError(f"{where}: expect must be one of {', '.join(EXPECT)}")
    if cell.image and cell.image not in IMAGES:
        raise MatrixError(f"{where}: unknown image {cell.image!r}")
    if cell.distro or cell.kernel == "distro" or cell.release:
        if cell.distro not in GENERATORS or cell.kernel != "distro" or cell.image or cell.disk \
                or cell.release not in distro.RELEASES:
            raise MatrixError(f"{where}: a Debian boot has kernel = \"distro\", distro = one of "
                              f"{', '.join(GENERATORS)}, release = one of {', '.join(distro.RELEASES)}, "
                              "and no image or disk of its own")
    elif not cell.image and not cell.disk and cell.kernel != "builtin":
        raise MatrixError(f"{where}: nothing to boot from: no image, disk or built-in initramfs")
    if cell.arch != "x86_64" and (cell.debug or cell.kernel in X86_ONLY):
        raise MatrixError(f"{where}: the debug, Debian and variant kernels are built for x86_64 only")
    if cell.run_by not in RUNS:
        raise MatrixError(f"{where}: run_by is one of {', '.join(RUNS)}")
    if cell.debug and cell.kernel != "main":
        raise MatrixError(f"{where}: a debug cell boots the debug kernel in make check-debug: kernel = \"main\"")
    if cell.run_by == "check-debug" and not cell.debug:
        raise MatrixError(f"{where}: a cell that only check-debug boots is a debug cell: debug = true")
    faulty = "fail_user_root=" in cell.cmdline
    if (cell.xfail or cell.kept or cell.panic) and not faulty:
        raise MatrixError(f"{where}: xfail, kept and panic are for what a fault leaves (fail_user_root=)")
    if cell.panic and cell.panic not in protocol.PANICS:
        raise MatrixError(f"{where}: unknown panic {cell.panic!r}; see protocol.PANICS")
    if faulty and (not cell.debug or cell.run_by != "check-debug"):
        raise MatrixError(f"{where}: fail_user_root= needs the debug kernel "
                          "(CONFIG_USER_ROOT_FAULT_INJECTION): debug = true, run_by = \"check-debug\"")
    for pattern in cell.output + cell.absent:
        try:
            re.compile(pattern)
        except re.error as err:
            raise MatrixError(f"{where}: output {pattern!r}: {err}") from err
    if not arches.get(cell.arch).debian_port and (cell.image != "minimal" or cell.kernel != "main"):
        raise MatrixError(f"{where}: Debian 12 has no {cell.arch} port, so its cells boot the main "
                          "kernel with the C-only image \"minimal\"")
    if cell.bootloader and (cell.bootloader != "u-boot" or not arches.get(cell.arch).u_boot
                            or not cell.image or cell.disk):
        raise MatrixError(f"{where}: bootloader = \"u-boot\" needs an architecture with Debian's U-Boot "
                          f"for QEMU ({', '.join(a for a, x in arches.ARCHES.items() if x.u_boot)}), "
                          "an image and no disk: its disk is the boot medium")
    if cell.expect.startswith("disk") and not cell.disk:
        raise MatrixError(f"{where}: expect={cell.expect} needs the disk")
    for m in cell.console:
        if m not in protocol.MESSAGES:
            raise MatrixError(f"{where}: unknown console message {m!r}; see protocol.MESSAGES")
    for m, n in cell.console_max:
        if m not in protocol.MESSAGES:
            raise MatrixError(f"{where}: console_max: unknown console message {m!r}; see protocol.MESSAGES")
        if type(n) is not int or n < 0:
            raise MatrixError(f"{where}: console_max: {m} = {n!r} is not a count")
    if cell.switch and (cell.switch not in ("busybox", "util-linux") or cell.image != "clients"):
        raise MatrixError(f"{where}: switch is busybox or util-linux, with the clients image")
    # A failure to create the null root leaves a user_root boot on the stock rootfs.
    null_root_fails = "fail_user_root=1," in cell.cmdline
    if ("user_root" in cell.cmdline.split()) != (cell.user_root() or null_root_fails or bool(cell.panic)) \
            and "user_root=" not in cell.cmdline and cell.kernel not in ("default-on", "no-user-root"):
        raise MatrixError(f"{where}: expect={cell.expect} disagrees with the command line")
    if not re.fullmatch(r"\d+[MG]", cell.memory):
        raise MatrixError(f"{where}: memory {cell.memory!r} is not like 512M")
    if type(cell.churn) is not int or cell.churn < 0:
        raise MatrixError(f"{where}: churn {cell.churn!r} is not a number of rounds")
    if cell.churn and (cell.distro or cell.panic or cell.image in ("clients", "kselftest", "create-fails", "minimal")):
        raise MatrixError(f"{where}: churn runs in the test guest's init (scripts/guest/init.sh): "
                          "not with a panic, a Debian boot or the images clients, kselftest, "
                          "create-fails and minimal")
    if bool(cell.same_as) != bool(cell.same_lists) or cell.same_as == cell.name:
        raise MatrixError(f"{where}: same_as names another cell, and same_lists the lists to compare with it")
    for name in cell.same_lists:
        if name not in protocol.LISTS:
            raise MatrixError(f"{where}: unknown list {name!r}; see protocol.LISTS")


# What must be the same in a cell and the cell it is compared with (same_as): the boot, but for
# the word user_root on the command line and what follows from it.
TWIN_SAME = ("arch", "kernel", "image", "disk", "distro", "release", "bootloader", "files", "switch", "memory",
             "cpus", "debug", "run_by")


def validate_twin(cell, cells):
    """Raises MatrixError unless the cell that `cell` is compared with (same_as) exists, boots
    in the same runs (RUNS) and the same way but for user_root."""
    if not cell.same_as:
        return
    where = f"cell {cell.name!r}"
    twin = next((c for c in cells if c.name == cell.same_as), None)
    if twin is None:
        raise MatrixError(f"{where}: same_as names no cell: {cell.same_as!r}")
    differ = [k for k in TWIN_SAME if getattr(cell, k) != getattr(twin, k)]
    if [w for w in cell.cmdline.split() if w != "user_root"] != [w for w in twin.cmdline.split() if w != "user_root"]:
        differ.append("cmdline (beyond the word user_root)")
    if differ:
        raise MatrixError(f"{where}: it and {twin.name!r} (same_as) must boot the same way but for "
                          f"user_root; they differ in {', '.join(differ)}")


def parse(text, source="matrix"):
    data = tomllib.loads(text)
    unknown = set(data) - {"cell"}
    if unknown:
        raise MatrixError(f"{source}: unknown top-level keys {sorted(unknown)}")
    names = {f.name for f in fields(Cell)}
    cells = []
    for raw in data.get("cell", []):
        extra = set(raw) - names
        if extra:
            raise MatrixError(f"{source}: cell {raw.get('name')!r}: unknown keys {sorted(extra)}")
        if "name" not in raw or "expect" not in raw:
            raise MatrixError(f"{source}: every cell needs a name and an expect")
        for key in ("files", "console", "xfail", "output", "absent", "same_lists"):
            if key in raw:
                raw[key] = tuple(raw[key])
        if "console_max" in raw:
            if not isinstance(raw["console_max"], dict):
                raise MatrixError(f"{source}: cell {raw['name']!r}: console_max is a table: {{message = count}}")
            raw["console_max"] = tuple(sorted(raw["console_max"].items()))
        cell = Cell(**raw)
        validate(cell)
        cells.append(cell)
    seen = set()
    for c in cells:
        if c.name in seen or c.slug in {x.slug for x in cells if x is not c and x.name != c.name}:
            raise MatrixError(f"{source}: two cells are named {c.name!r} (or give the same log name)")
        seen.add(c.name)
    for c in cells:
        validate_twin(c, cells)
    return cells


def load(path=MATRIX):
    return parse(path.read_text(), str(path))


TABLE_START = "<!-- matrix: generated by `make matrix` -->\n"
TABLE_END = "<!-- end of matrix -->\n"


def doc_table(text):
    """The generated table in a document, between its markers."""
    start = text.index(TABLE_START) + len(TABLE_START)
    return text[start:text.index(TABLE_END)]


def update_doc(cells, path=TABLE_DOC):
    """Writes the table into the document; returns whether it changed."""
    text = path.read_text()
    old = doc_table(text)
    new = markdown(cells)
    if old == new:
        return False
    path.write_text(text.replace(TABLE_START + old + TABLE_END, TABLE_START + new + TABLE_END))
    return True


def markdown(cells):
    """The summary table of the matrix (tools/testing/user_root/README.md)."""
    out = ["| cell | arch | kernel | initramfs | disk | command line | expects | console must show |",
           "|---|---|---|---|---|---|---|---|"]
    for c in cells:
        image = c.image or (f"Debian {distro.RELEASES[c.release]}'s, by {c.distro}" if c.distro else "-")
        image += ", by U-Boot" if c.bootloader == "u-boot" else ""
        name = c.name + (f" (`make {c.run_by}`)" if c.run_by != "check" else "")
        out.append(f"| {name} | {c.arch} | {c.kernel} | {image} | {'yes' if c.disk or c.distro else '-'} | "
                   f"`{c.full_cmdline().replace(distro.ROOT_UUID, '<ROOT_UUID>')}` | {expects(c)} | "
                   f"{console_column(c)} |")
    return "\n".join(out) + "\n"


def expects(cell):
    """The "expects" column: the root, or the panic; and the lists to match another cell's."""
    text = "panic: " + cell.panic if cell.panic else cell.expect
    if cell.same_as:
        text += f"; {', '.join(cell.same_lists)} as in \"{cell.same_as}\""
    return text


def console_column(cell):
    """The "console must show" column: the messages, those it may show only so often, the
    lines some console line must match and those none may."""
    shown = [*cell.console, *(f"{m} at most {n}x" for m, n in cell.console_max),
             *(f"`/{p}/`" for p in cell.output), *(f"not `/{p}/`" for p in cell.absent)]
    shown = [s.replace("|", "\\|") for s in shown]   # a table cell
    return ", ".join(shown) or "-"
