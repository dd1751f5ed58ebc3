"""Kernels compiled without a CPython wrapper (``**INTERNAL``, see
:mod:`penalized.penalties._fastmath`) crash the interpreter when Python calls them. This
checks, on the source, that no Python code names one: only other kernels may.

A name counts as used from Python when any function that is not a numba kernel, or any
module-level code, in ``src/``, ``tests/`` or ``benchmarks/`` loads it (a call, an
argument, an attribute ``module.name`` or an import under another name).
"""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DIRS = ("src", "tests", "benchmarks")


def _is_njit(dec):
    d = dec.func if isinstance(dec, ast.Call) else dec
    return (isinstance(d, ast.Name) and d.id in ("njit", "jit")) or (
        isinstance(d, ast.Attribute) and d.attr in ("njit", "jit"))


def _is_internal(dec):
    return isinstance(dec, ast.Call) and _is_njit(dec) and any(
        k.arg is None and isinstance(k.value, ast.Name) and k.value.id == "INTERNAL"
        for k in dec.keywords)


def _trees():
    out = {}
    for d in DIRS:
        for f in sorted((ROOT / d).rglob("*.py")):
            out[f.relative_to(ROOT)] = ast.parse(f.read_text(encoding="utf-8"))
    return out


class _Uses(ast.NodeVisitor):
    """Names loaded outside numba kernels."""

    def __init__(self, names):
        self.names, self.in_kernel, self.found = names, 0, []

    def visit_FunctionDef(self, node):
        k = any(_is_njit(d) for d in node.decorator_list)
        for d in node.decorator_list:
            self.visit(d)
        self.in_kernel += k
        for stmt in node.body:
            self.visit(stmt)
        self.in_kernel -= k

    def visit_ImportFrom(self, node):
        for a in node.names:
            if a.name in self.names and a.asname and a.asname != a.name:
                self.found.append((a.name, node.lineno, "imported as " + a.asname))

    def visit_Name(self, node):
        if not self.in_kernel and node.id in self.names and isinstance(node.ctx, ast.Load):
            self.found.append((node.id, node.lineno, "name"))

    def visit_Attribute(self, node):
        if not self.in_kernel and node.attr in self.names:
            self.found.append((node.attr, node.lineno, "attribute"))
        self.generic_visit(node)


def test_internal_kernels_are_only_called_by_kernels():
    trees = _trees()
    internal = {}
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and any(
                    _is_internal(d) for d in node.decorator_list):
                internal.setdefault(node.name, []).append(str(path))
    if not internal:
        pytest.skip("no source tree next to the tests")
    # the scan must see the kernels of the least-squares path (what INTERNAL is for)
    assert {"anderson_candidate", "pick_working_set", "kkt_scores"} <= set(internal)
    bad = []
    for path, tree in trees.items():
        v = _Uses(set(internal))
        v.visit(tree)
        bad += [f"{path}:{line}: {name} ({how})" for name, line, how in v.found]
    assert not bad, ("kernels compiled with **INTERNAL (no CPython wrapper) are used "
                     "from Python; drop INTERNAL from them:\n" + "\n".join(bad))


def test_scan_sees_python_uses():
    """The scan itself: a use from Python, an alias and a kernel-only call."""
    src = """
from numba import njit
from .k import helper as h2

@njit(cache=True, **INTERNAL)
def helper(x):
    return x

@njit(cache=True)
def kernel(x):
    return helper(x)

def python_side(x):
    return mod.helper(x) + helper(x)
"""
    v = _Uses({"helper"})
    v.visit(ast.parse(src))
    assert sorted(how for _, _, how in v.found) == ["attribute", "imported as h2", "name"]
