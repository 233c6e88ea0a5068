# SPDX-License-Identifier: GPL-2.0
"""The "newc" cpio format of the initramfs: a writer, and a reader that checks the kernel's rules.

The format (Documentation/driver-api/early-userspace/buffer-format.rst): each entry is a
110-byte header of "070701" and thirteen 8-digit hex fields, the NUL-terminated name padded to a
multiple of four bytes (counting the header), then the data padded likewise; the archive ends
with an entry named TRAILER!!!, and may be followed by NUL padding and further archives.
"""
import stat
from dataclasses import dataclass

MAGIC = b"070701"
MAGIC_CRC = b"070702"
HEADER_LEN = 110
TRAILER = "TRAILER!!!"
# The kernel's limit on a name, PATH_MAX (init/initramfs.c refuses longer ones).
PATH_MAX = 4096
FIELDS = ("ino", "mode", "uid", "gid", "nlink", "mtime", "filesize", "devmajor", "devminor",
          "rdevmajor", "rdevminor", "namesize", "check")


def _pad(n):
    return b"\0" * (-n % 4)


@dataclass
class Entry:
    name: str
    mode: int
    data: bytes = b""
    uid: int = 0
    gid: int = 0
    nlink: int = 1
    mtime: int = 0
    rdevmajor: int = 0
    rdevminor: int = 0
    ino: int = 0


class Writer:
    """Builds an archive in memory, entry by entry, as gen_init_cpio does."""

    def __init__(self, mtime=0):
        self.mtime = mtime
        self.entries = []
        self._ino = 720

    def _add(self, name, mode, **kw):
        self._ino += 1
        self.entries.append(Entry(name.lstrip("/"), mode, mtime=self.mtime, ino=self._ino, **kw))
        return self

    def dir(self, name, perm=0o755, uid=0, gid=0):
        return self._add(name, stat.S_IFDIR | perm, uid=uid, gid=gid, nlink=2)

    def file(self, name, data, perm=0o644, uid=0, gid=0):
        return self._add(name, stat.S_IFREG | perm, data=bytes(data), uid=uid, gid=gid)

    def symlink(self, name, target, perm=0o777):
        return self._add(name, stat.S_IFLNK | perm, data=target.encode())

    def node(self, name, kind, major, minor, perm=0o600):
        fmt = {"c": stat.S_IFCHR, "b": stat.S_IFBLK}[kind]
        return self._add(name, fmt | perm, rdevmajor=major, rdevminor=minor)

    def parents(self, name, perm=0o755):
        """Directories for every parent of `name` that the archive does not have yet."""
        have = {e.name for e in self.entries}
        parts = name.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in have:
                self.dir(d, perm)
                have.add(d)
        return self

    def bytes(self):
        out = bytearray()
        for e in self.entries + [Entry(TRAILER, 0, nlink=1)]:
            out += encode(e)
        return bytes(out)


def encode(e):
    name = e.name.encode() + b"\0"
    values = {"ino": e.ino, "mode": e.mode, "uid": e.uid, "gid": e.gid, "nlink": e.nlink,
              "mtime": e.mtime, "filesize": len(e.data), "devmajor": 0, "devminor": 0,
              "rdevmajor": e.rdevmajor, "rdevminor": e.rdevminor, "namesize": len(name), "check": 0}
    head = MAGIC + b"".join(b"%08X" % values[f] for f in FIELDS) + name
    return head + _pad(len(head)) + e.data + _pad(len(e.data))


class FormatError(Exception):
    pass


def read(data):
    """[[Entry]] of every archive in `data` (NUL padding between them is allowed), checked
    against the kernel's rules; raises FormatError where the kernel would fail to unpack."""
    archives, pos = [], 0
    while pos < len(data):
        if data[pos] == 0:  # padding between archives
            pos += 1
            continue
        entries = []
        while True:
            if data[pos:pos + 6] not in (MAGIC, MAGIC_CRC):
                raise FormatError(f"offset {pos}: no cpio magic")
            if pos + HEADER_LEN > len(data):
                raise FormatError(f"offset {pos}: truncated header")
            try:
                values = {f: int(data[pos + 6 + 8 * i: pos + 14 + 8 * i], 16) for i, f in enumerate(FIELDS)}
            except ValueError:
                raise FormatError(f"offset {pos}: a header field is not hexadecimal") from None
            namesize = values["namesize"]
            if namesize == 0 or namesize > PATH_MAX:
                raise FormatError(f"offset {pos}: name size {namesize}")
            name_at = pos + HEADER_LEN
            name = data[name_at:name_at + namesize]
            if len(name) < namesize or name[-1:] != b"\0":
                raise FormatError(f"offset {pos}: name is not NUL-terminated")
            body_at = name_at + namesize + (-(HEADER_LEN + namesize) % 4)
            size = values["filesize"]
            body = data[body_at:body_at + size]
            if len(body) < size:
                raise FormatError(f"offset {pos}: {name[:-1]!r} is truncated")
            pos = body_at + size + (-size % 4)
            decoded = name[:-1].decode(errors="surrogateescape")
            if decoded == TRAILER:
                break
            entries.append(Entry(decoded, values["mode"], bytes(body), values["uid"], values["gid"],
                                 values["nlink"], values["mtime"], values["rdevmajor"],
                                 values["rdevminor"], values["ino"]))
        archives.append(entries)
    return archives
