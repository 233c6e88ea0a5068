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


def imports(module):
    """[(the imported module, whether at the module's top level)] of a module of the package;
    names of the package's own modules are given without the package ("kernel")."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        at_top = id(node) in top
        if isinstance(node, ast.Import):
            found += [(a.name, at_top) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                found.append((node.module, at_top))
            elif node.module:                      # from .settings import REPO
                found.append((node.module, at_top))
            else:                                  # from . import kernel, steps
                found += [(a.name, at_top) for a in node.names]
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

    def test_imports_are_at_the_top_of_a_module(self):
        inside = {(m, name) for m in MODULES for name, at_top in imports(m) if not at_top}
        self.assertEqual(inside - set(INSIDE_FUNCTIONS), set(),
                         "import at the module's top, or give the measured reason in INSIDE_FUNCTIONS")
        self.assertEqual(set(INSIDE_FUNCTIONS) - inside, set(), "INSIDE_FUNCTIONS names an import that is gone")


if __name__ == "__main__":
    unittest.main()
