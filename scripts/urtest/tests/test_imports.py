# SPDX-License-Identifier: GPL-2.0
"""The tooling's dependencies are visible: every module imports alone, the graph of imports
between urtest's modules has no circle, and imports are at the top of a module."""
import ast
import subprocess
import sys
import unittest
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")

# Imports inside a function, with the measured reason each has to be there.
INSIDE_FUNCTIONS = {
    ("bench_report", "matplotlib"): "only Debian's /usr/bin/python3 has it (python3-matplotlib, which "
                                    "bench runs the report with); importing it takes 0.55 s",
    ("bench_report", "matplotlib.pyplot"): "as matplotlib, after matplotlib.use('Agg')",
}


def own(name):
    """A module name without the package: "urtest.kernel" and "kernel" are "kernel"."""
    return name.removeprefix(PACKAGE.name + ".")


def imports(module, source=None):
    """[(the imported module, whether at the module's top level)] of a module of the package
    (or of `source`); the package's own modules are named without the package ("kernel"),
    however they are imported: relatively, or as urtest.kernel."""
    tree = ast.parse(source if source is not None else (PACKAGE / f"{module}.py").read_text())
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        at_top = id(node) in top
        if isinstance(node, ast.Import):                      # import urtest.kernel
            found += [(own(a.name), at_top) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            package = node.level == 1 and not node.module or node.module == PACKAGE.name
            if package:                                       # from . import kernel; from urtest import kernel
                found += [(a.name, at_top) for a in node.names]
            else:                                             # from .settings import REPO; from urtest.x import y
                found.append((own(node.module), at_top))
    return found


def graph():
    return {m: sorted({name for name, _ in imports(m) if name in MODULES}) for m in MODULES}


def circle(edges):
    """A circle in a directed graph, as a list of nodes, or None."""
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in edges.get(node, ()):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, path + [nxt])
                if found:
                    return found
        state[node] = "done"
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node, [node])
            if found:
                return found
    return None


class Imports(unittest.TestCase):
    def test_each_module_imports_alone(self):
        for module in MODULES:
            with self.subTest(module):
                res = subprocess.run([sys.executable, "-c", f"import urtest.{module}"], cwd=PACKAGE.parent,
                                     capture_output=True, text=True)
                self.assertEqual(res.returncode, 0, res.stderr[-800:])

    def test_the_import_graph_has_no_circle(self):
        self.assertIsNone(circle(graph()))

    def test_the_circle_finder_finds_one(self):
        self.assertEqual(circle({"check": ["bsp"], "bsp": ["kernel", "check"], "kernel": []}),
                         ["bsp", "check", "bsp"])
        self.assertIsNone(circle({"check": ["bsp", "kernel"], "bsp": ["kernel"], "kernel": []}))

    def test_every_form_of_import_names_the_module(self):
        source = ("import os\nimport urtest.kernel\nfrom urtest import check, qemu as q\n"
                  "from urtest.settings import REPO\nfrom . import steps\nfrom .series import git\n"
                  "def f():\n    from . import bsp\n")
        self.assertEqual(imports("x", source), [("os", True), ("kernel", True), ("check", True), ("qemu", True),
                                                ("settings", True), ("steps", True), ("series", True),
                                                ("bsp", False)])

    def test_imports_are_at_the_top_of_a_module(self):
        inside = {(m, name) for m in MODULES for name, at_top in imports(m) if not at_top}
        self.assertEqual(inside - set(INSIDE_FUNCTIONS), set(),
                         "import at the module's top, or give the measured reason in INSIDE_FUNCTIONS")
        self.assertEqual(set(INSIDE_FUNCTIONS) - inside, set(), "INSIDE_FUNCTIONS names an import that is gone")


if __name__ == "__main__":
    unittest.main()
