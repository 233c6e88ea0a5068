# SPDX-License-Identifier: GPL-2.0
"""Debian's archive as apt on this machine reaches it, for this release and for others.

apt's sources are read from /etc/apt (sources.list and sources.list.d/*.list, one-line format,
and sources.list.d/*.sources, deb822; other files, such as "*.disabled-by-farm", are ignored).
Debian's own suites among them (the release's, and its -updates, -security, ... suites) are the
archive; for another release the same archives serve its suites under its own name (bookworm ->
trixie, bookworm-security -> trixie-security), so no host name is written anywhere.

Archive(cache, release) downloads packages of any release with a private apt (its sources, lists
and status in CACHE/apt-<release>), never touching the machine's own apt state; of() gives a run
one Archive per release, so that its lists are updated (or found unreachable) once:

    deb = of(settings.cache, "trixie").download("linux-source-6.12")   # -> Path of the .deb
"""
import functools
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import steps

APT = Path("/etc/apt")


def host_release(os_release=Path("/etc/os-release")):
    """This machine's Debian release, by its code name (bookworm)."""
    m = re.search(r"^VERSION_CODENAME=\"?(\w+)", Path(os_release).read_text(), re.M)
    if not m:
        raise steps.StepFailed(f"{os_release} names no release (VERSION_CODENAME)")
    return m.group(1)


# --- apt's sources ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    """One apt source: deb822 fields, each a tuple of words; options as sorted (name, value)."""
    types: tuple
    uris: tuple
    suites: tuple
    components: tuple
    options: tuple = ()

    def option(self, name):
        return next((v for k, v in self.options if k == name), None)

    def deb822(self):
        lines = [f"Types: {' '.join(self.types)}", f"URIs: {' '.join(self.uris)}",
                 f"Suites: {' '.join(self.suites)}", f"Components: {' '.join(self.components)}"]
        for name, value in self.options:   # a multi-line value (an embedded key) stays one field
            lines.append(f"{name.title()}: " + value.replace("\n", "\n "))
        return "\n".join(lines) + "\n"


OPTION_NAMES = {"arch": "architectures", "lang": "languages", "target": "targets"}


def parse_deb822(text):
    """The sources of a deb822 .sources file (paragraphs of "Field: value", with continuation
    lines, comments; "Enabled: no" leaves a paragraph out)."""
    out = []
    for para in re.split(r"\n[ \t]*\n", text):
        fields, key = {}, None
        for line in para.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if line[0] in " \t" and key:
                fields[key] += "\n" + line.strip()
                continue
            key, sep, value = line.partition(":")
            if not sep:
                raise ValueError(f"not a deb822 field: {line!r}")
            key = key.strip().lower()
            fields[key] = value.strip()
        if not fields or fields.pop("enabled", "yes").lower() == "no":
            continue
        words = {k: tuple(fields.pop(k, "").split()) for k in ("types", "uris", "suites", "components")}
        out.append(Source(**words, options=tuple(sorted(fields.items()))))
    return out


def parse_one_line(text):
    """The sources of a one-line .list file: `deb [name=value ...] uri suite component...`."""
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        kind, _, rest = line.partition(" ")
        options = []
        rest = rest.strip()
        if rest.startswith("["):
            inside, _, rest = rest[1:].partition("]")
            for opt in inside.split():
                name, _, value = opt.partition("=")
                name = OPTION_NAMES.get(name.lower(), name.lower())
                options.append((name, " ".join(value.split(","))))
        words = rest.split()
        if len(words) < 2:
            raise ValueError(f"not a sources.list line: {line!r}")
        out.append(Source((kind,), (words[0],), (words[1],), tuple(words[2:]), tuple(sorted(options))))
    return out


def read_sources(apt_dir=Path("/etc/apt")):
    """Every source apt reads: sources.list, then sources.list.d/*.list and *.sources in order."""
    apt_dir = Path(apt_dir)
    files = [apt_dir / "sources.list"] + sorted((apt_dir / "sources.list.d").glob("*"))
    out = []
    for f in files:
        if not f.is_file():
            continue
        if f.name.endswith(".list"):
            out += parse_one_line(f.read_text())
        elif f.name.endswith(".sources"):
            out += parse_deb822(f.read_text())
    return out


def debian_sources(sources, suite):
    """The Debian archives among them: binary sources of `suite` and its -updates, -security,
    -backports ... suites (another vendor names its own suites), signed by Debian's keyring if a
    key is named. Suites of one archive stay together; other suites are dropped."""
    out = []
    for s in sources:
        suites = tuple(x for x in s.suites if x == suite or x.startswith(suite + "-") or x.startswith(suite + "/"))
        key = s.option("signed-by")
        if "deb" not in s.types or not suites or (key and "debian-archive-keyring" not in key):
            continue
        out.append(Source(("deb",), s.uris, suites, s.components, s.options))
    if not out:
        raise steps.StepFailed(f"apt has no Debian source for {suite} in /etc/apt")
    return out


def sources_text(sources):
    """The sources as one deb822 file."""
    return "\n".join(s.deb822() for s in sources)


def release_sources(release, apt_dir=APT, host=None):
    """Debian's sources for `release`: the host's Debian sources, their suites renamed from the
    host's release to `release`."""
    host = host or host_release()
    out = []
    for s in debian_sources(read_sources(apt_dir), host):
        suites = tuple(release + x[len(host):] for x in s.suites)
        out.append(Source(s.types, s.uris, suites, s.components, s.options))
    return out


def candidate(package, apt_options=()):
    """The version of `package` that apt (with these options) would install now, or None."""
    out = subprocess.run(["apt-cache", *apt_options, "policy", package], capture_output=True, text=True).stdout
    m = re.search(r"Candidate: (\S+)", out)
    return None if not m or m.group(1) == "(none)" else m.group(1)


class Archive:
    """A private apt for one release: its sources, package lists and downloads in
    CACHE/apt-<release>."""

    def __init__(self, cache, release, apt_dir=APT):
        self.release = release
        self.dir = Path(cache) / f"apt-{release}"
        self.sources = release_sources(release, apt_dir)
        self.updated = False
        self.failed = None   # the update's failure, not tried again in this run

    def options(self):
        d = self.dir
        return ["-o", "Dir::Etc::SourceList=/dev/null", "-o", f"Dir::Etc::SourceParts={d / 'sources.list.d'}",
                "-o", f"Dir::State={d / 'state'}", "-o", f"Dir::State::status={d / 'status'}",
                "-o", f"Dir::Cache={d / 'cache'}", "-o", "Debug::NoLocking=true",
                "-o", "APT::Sandbox::User=root"]

    def update(self):
        """apt-get update of the release's lists (once per run)."""
        if self.updated:
            return
        if self.failed:
            raise self.failed
        for sub in ("sources.list.d", "state/lists/partial", "cache/archives/partial", "debs"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        (self.dir / "status").touch()
        (self.dir / "sources.list.d/debian.sources").write_text(sources_text(self.sources))
        res = subprocess.run(["apt-get", *self.options(), "-q", "update"], capture_output=True, text=True)
        if res.returncode or re.search(r"^(W|E): ", res.stdout + res.stderr, re.M):
            self.failed = steps.StepFailed(f"apt-get update for {self.release} failed: "
                                           f"{(res.stdout + res.stderr)[-600:]}")
            raise self.failed
        self.updated = True

    def candidate(self, package):
        """The version of `package` that a system of the release would install now."""
        self.update()
        version = candidate(package, self.options())
        if version is None:
            raise steps.StepFailed(f"Debian {self.release} has no package {package}")
        return version

    def cached(self, package):
        """The newest .deb of `package` downloaded before, or None."""
        found = sorted((self.dir / "debs").glob(f"{package.split(':')[0]}_*.deb"), key=lambda p: p.stat().st_mtime)
        return found[-1] if found else None

    def download(self, package, version=None):
        """The .deb of `package`, of `version` or the candidate (kept: downloaded once a
        version). Without the archive (no network), the one downloaded last, if any."""
        try:
            version = version or self.candidate(package)
        except steps.StepFailed as err:
            old = self.cached(package)
            if old is None:
                raise
            steps.say(f"[archive] {err}; taking {old.name}, downloaded before")
            return old
        debs = self.dir / "debs"
        name = f"{package.split(':')[0]}_{version.replace(':', '%3a')}_"
        found = sorted(debs.glob(name + "*.deb"))
        if found:
            return found[0]
        for old in debs.glob(f"{package.split(':')[0]}_*.deb"):
            old.unlink()
        res = subprocess.run(["apt-get", *self.options(), "-q", "download", f"{package}={version}"], cwd=debs,
                             capture_output=True, text=True)
        found = sorted(debs.glob(name + "*.deb"))
        if res.returncode or not found:
            raise steps.StepFailed(f"apt-get download {package}={version} ({self.release}) failed: "
                                   f"{(res.stdout + res.stderr)[-600:]}")
        return found[0]


@functools.cache
def of(cache, release):
    """This run's Archive of `release`: one apt-get update a run, and one failure."""
    return Archive(cache, release)
