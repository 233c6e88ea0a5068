# SPDX-License-Identifier: GPL-2.0
"""Where things are: the repository, the cache, the output directory, and the toolchain."""
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEBIAN_TARBALL = Path("/usr/src/linux-source-6.12.tar.xz")
BINDGEN_VERSION = "0.73.2"
LIBCLANG_PATH = "/usr/lib/llvm-19/lib"
SELFTESTS = REPO / "tools/testing/selftests/user_root"
BASE = "6.12"   # this run's tree: Debian's linux-source-6.12 of this machine, or KSRC= (builds.BASES)
TESTING = REPO / "tools/testing/user_root"


@dataclass
class Settings:
    """Paths and knobs, from the environment (see README.md, "Options")."""
    cache: Path
    out: Path
    jobs: int
    ksrc: Path | None
    accel: str = "auto"
    ci: bool = False
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, env=os.environ):
        home_cache = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        return cls(cache=Path(env.get("CACHE") or home_cache / "user_root"),
                   out=Path(env.get("OUT") or REPO / "out").resolve(),
                   jobs=int(env.get("JOBS") or (os.cpu_count() or 1) + 1),
                   ksrc=Path(env["KSRC"]).resolve() if env.get("KSRC") else None,
                   accel=env.get("UR_ACCEL", "auto"),
                   ci=env.get("CI") == "true")

    @property
    def tree_home(self):
        """Debian's source lives in CACHE/src, another tree in CACHE/ksrc-<hash>/src."""
        if self.ksrc is None:
            return self.cache
        return self.cache / ("ksrc-" + hashlib.sha1(str(self.ksrc).encode()).hexdigest()[:10])

    @property
    def tree(self):
        return self.tree_home / "src"

    def base_home(self, base):
        """Where a base tree (builds.BASES) and its builds live: this run's own in tree_home,
        another in CACHE/base-<name>."""
        return self.tree_home if base == BASE else self.cache / f"base-{base}"

    def build_dir(self, name, base=BASE):
        """A build directory, outside git, next to its tree: build-NAME, where NAME is a
        builds.KernelBuild's name (or another configuration's, such as the BSP check's)."""
        return self.base_home(base) / f"build-{name}"

    def guest_dir(self, name):
        """The guest images of the kernel build named NAME (builds.KernelBuild.guest)."""
        return self.out / f"guest-{name}"

    @property
    def logs(self):
        path = self.out / "logs"
        path.mkdir(parents=True, exist_ok=True)
        return path


def kmake_vars():
    """The make variables of every kernel build: LLVM 19 and Debian's Rust toolchain, as `make deps`
    installs it (README.md, "The Rust toolchain")."""
    return ["LOCALVERSION=", "LLVM=-19", "CLIPPY=1", "RUSTC=/usr/bin/rustc", "RUSTDOC=/usr/bin/rustdoc",
            f"BINDGEN={Path.home() / '.cargo/bin/bindgen'}", "CLIPPY_DRIVER=/usr/bin/clippy-driver"]


def kmake_env():
    return {**os.environ, "LIBCLANG_PATH": LIBCLANG_PATH}
