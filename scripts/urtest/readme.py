# SPDX-License-Identifier: GPL-2.0
"""The README's table of make targets, whose last column is how long each takes on these
2-core machines from an empty cache: every target compares its own run with it, so the
figures stay true (a run much slower than its row says so, and make check fails on it)."""
import os
import re

from .settings import REPO

README = REPO / "README.md"
ROW = re.compile(r"^\| `make ([a-z][a-z-]*)` \| .+ \| (?:(\d+) min|seconds) \|$", re.M)
# How much slower than its row a run may be before the row is stale (the machines vary).
SLACK = 1.25
SECONDS_AT_MOST = 60   # "seconds" in the table: under a minute


def times(text=None):
    """{target: seconds at most, from the table}."""
    text = README.read_text() if text is None else text
    return {m.group(1): int(m.group(2)) * 60 if m.group(2) else SECONDS_AT_MOST for m in ROW.finditer(text)}


def compare(target, seconds, text=None, cpus=None):
    """(whether `seconds` is within the README's time for `target` with the slack, or None
    where that cannot be told: not on 2 cores; the message). A target without a row is not."""
    stated = times(text).get(target)
    if stated is None:
        return False, f"the README's Targets table has no row for `make {target}`"
    if (cpus or os.cpu_count()) != 2:
        return None, f"the README's times are for 2 cores, this machine has {cpus or os.cpu_count()}"
    within = seconds <= stated * SLACK
    said = f"{stated // 60} min" if stated >= 60 else "seconds"
    took = f"{int(seconds) // 60}m{int(seconds) % 60:02d}s"
    if within:
        return True, f"`make {target}` took {took}; the README says {said} (from an empty cache)"
    return False, (f"`make {target}` took {took}, more than the README's {said} allows: measure it from "
                   "a fresh clone with an empty cache and correct the README's row")
