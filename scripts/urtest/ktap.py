# SPDX-License-Identifier: GPL-2.0
"""Reads a guest's serial console: TAP and KTAP results, kernel reports, and the end marker.

The console carries two streams. Kernel lines start with a printk timestamp; KUnit's KTAP comes
that way. Userspace lines have none; the kselftests and the other guest programs print TAP 13.
Each stream is parsed on its own, so that kernel messages interleaved with a userspace document
do not break it; a kernel line that broke into a userspace line is split off at its timestamp,
and the userspace line is also put together again (see split()).

KTAP nests by indentation: a test's subtests come, indented by four more spaces, before its own
result line. Leaf results are what counts (a KUnit suite's cases, each kselftest); a parent that
failed with no failed subtest counts as a failure of its own. Every document's plan must match
its number of results, or the run is incomplete.
"""
import re
from dataclasses import dataclass, field

from . import protocol

HEADER = re.compile(r"^(TAP version 1[34]|KTAP version 1)$")
RESULT = re.compile(r"^(ok|not ok) (\d+)(?: -)?(?: ([^#]*?))?\s*(?:#\s*(\S+)\s*(.*))?$")
PLAN = re.compile(r"^1\.\.(\d+)")


@dataclass
class Result:
    name: str
    status: str          # "pass", "fail" or "skip"
    line: int            # index of its line in the console
    suite: str = ""      # the enclosing test, for subtests
    reason: str = ""     # the SKIP reason


@dataclass
class Report:
    """Everything a console says."""
    lines: list
    kernel: list = field(default_factory=list)          # (line index, text) of kernel lines
    user: list = field(default_factory=list)            # (line index, text): userspace lines, and joined ones
    results: list = field(default_factory=list)
    kernel_errors: list = field(default_factory=list)   # line indices
    problems: list = field(default_factory=list)        # incomplete or malformed documents
    done: bool = False
    lists: dict = field(default_factory=dict)           # name -> [items]: the guest's "# list" lines

    def counts(self):
        return {s: sum(r.status == s for r in self.results) for s in ("pass", "fail", "skip")}

    def failed(self):
        return [r for r in self.results if r.status == "fail"]


@dataclass
class _Test:
    name: str
    status: str
    line: int
    reason: str
    children: list


class _Level:
    def __init__(self, indent, line):
        self.indent, self.line = indent, line
        self.plan = None
        self.tests = []


class _Stream:
    """A TAP/KTAP parser for one stream of lines."""

    def __init__(self, report, what):
        self.report, self.what = report, what
        self.levels = []

    def _close(self, level):
        where = f"{self.what} document at line {level.line + 1}"
        if level.plan is None:
            self.report.problems.append(f"{where}: no plan ({len(level.tests)} results)")
        elif level.plan != len(level.tests):
            self.report.problems.append(f"{where}: {len(level.tests)} results for a plan of {level.plan}")

    def _pop_deeper(self, indent):
        """Closes the levels deeper than `indent`; returns the results of the shallowest of them."""
        children = []
        while self.levels and self.levels[-1].indent > indent:
            level = self.levels.pop()
            self._close(level)
            children = level.tests
        return children

    def feed(self, text, index):
        stripped = text.strip()
        indent = len(text) - len(text.lstrip(" "))
        if HEADER.match(stripped):
            if indent == 0:
                self.finish()
            else:
                self._pop_deeper(indent - 1)
            self.levels.append(_Level(indent, index))
            return
        m = PLAN.match(stripped)
        if m:
            if not self.levels or indent > self.levels[-1].indent:
                if not self.levels and indent:
                    return  # a stray plan outside any document
                self.levels.append(_Level(indent, index))  # KTAP subtest without its own header
            level = self._level_at(indent)
            if level is not None and level.plan is None:
                level.plan = int(m.group(1))
            return
        m = RESULT.match(stripped)
        if not m:
            return
        level = self._level_at(indent)
        if level is None:
            return  # "ok" outside any document: not a test result
        children = self._pop_deeper(indent)
        if int(m.group(2)) != len(level.tests) + 1:
            self.report.problems.append(f"{self.what} line {index + 1}: result {m.group(2)} where "
                                        f"{len(level.tests) + 1} was due")
        directive = (m.group(4) or "").upper()
        status = "fail" if m.group(1) == "not ok" else ("skip" if directive == "SKIP" else "pass")
        level.tests.append(_Test((m.group(3) or "").strip(), status, index,
                                 (m.group(5) or "").strip() if directive == "SKIP" else "", children))

    def _level_at(self, indent):
        for level in reversed(self.levels):
            if level.indent == indent:
                return level
            if level.indent < indent:
                return None
        return None

    def finish(self):
        while self.levels:
            level = self.levels.pop()
            self._close(level)
            if not self.levels:
                for test in level.tests:
                    self.report.results.extend(_leaves(test, ""))


def _leaves(test, suite):
    if not test.children:
        return [Result(test.name, test.status, test.line, suite, test.reason)]
    out = []
    for child in test.children:
        out.extend(_leaves(child, test.name))
    if test.status == "fail" and not any(r.status == "fail" for r in out):
        out.append(Result(f"{test.name} (as a whole)", "fail", test.line, suite))
    return out


KERNEL, USER, JOINED = "kernel", "user", "joined"


def split(raw_lines):
    """[(index, kind, text)]: each console line as kernel and userspace lines, with kernel lines
    that broke into a userspace line split off at their timestamp. The userspace line's rest
    follows the kernel line, so each such break also gives a JOINED line: the head and the rest
    put together again. It is only a candidate (a head may also be a whole line that quotes the
    kernel's log), for what looks for a line by pattern; TAP reads the USER lines."""
    out = []
    pending = None     # [index, text] of a userspace line a kernel line may have broken into
    seen_kernel = False
    for i, raw in enumerate(raw_lines):
        line = raw.rstrip("\r\n")
        m = protocol.TIMESTAMP.search(line)
        head = line if m is None else line[:m.start()]
        if head:
            out.append((i, USER, head))
        if pending is not None and (m is None or head):
            pending[1] += head
            if m is None:  # the rest of the broken line
                out.append((pending[0], JOINED, pending[1]))
                pending = None
        elif m is not None and head and seen_kernel:
            # Before the first kernel line it is the firmware's; "# " alone is a diagnostic that
            # quotes the kernel's log (journalctl -k).
            if head.strip("# \t"):
                pending = [i, head]
        line = "" if m is None else line[m.start():]
        while line:
            m = protocol.TIMESTAMP.match(line)
            rest = line[m.end():]
            nxt = protocol.TIMESTAMP.search(rest)
            # A kernel line runs to the end of the physical line unless another starts in it.
            end = nxt.start() if nxt and nxt.start() > 0 else len(rest)
            out.append((i, KERNEL, rest[:end]))
            seen_kernel = True
            line = rest[end:]
    if pending is not None:
        out.append((pending[0], JOINED, pending[1]))
    return out


def parse(text):
    """A Report of a whole console log."""
    lines = text.splitlines()
    report = Report(lines)
    kernel, user = _Stream(report, "kernel"), _Stream(report, "userspace")
    for index, kind, content in split(lines):
        if kind == KERNEL:
            report.kernel.append((index, content))
            if protocol.KERNEL_ERROR.search(content):
                report.kernel_errors.append(index)
            kernel.feed(content, index)
            continue
        report.user.append((index, content))
        if content.strip() == protocol.DONE:
            report.done = True
        if kind == USER:
            user.feed(content, index)
    kernel.finish()
    user.finish()
    report.results.sort(key=lambda r: r.line)
    report.lists = lists(report.user)
    return report


def lists(user_lines):
    """{name: [items]} of the guest's list lines (protocol.LIST), from the userspace lines and
    the joined candidates: a line counts only if it has as many items as it says, which rules out
    a head short of its items and a joining with the next line. A joined line comes after its
    head, and the last report of a list is the one kept: so a head whose last name the kernel
    message cut in two gives way to the joined line."""
    found = {}
    for _index, text in user_lines:
        m = protocol.LIST.match(text.strip())
        if m:
            items = m.group(3).split()
            if len(items) == int(m.group(2)):
                found[m.group(1)] = items
    return found
