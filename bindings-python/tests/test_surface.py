"""The exported surface: every name in festival_core.__all__ exists, is exercised by a test file,
and the .pyi stubs list exactly the runtime classes' public members (stubs cannot drift)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import festival_core as fc
import festival_core._native as native

TESTS = Path(__file__).resolve().parent
STUB = Path(native.__file__).resolve().parent / "_native.pyi"


def _result_only_classes() -> set[str]:
    """Classes with neither a constructor nor a static factory: only returned by the API."""
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    out = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            fns = [n for n in node.body if isinstance(n, ast.FunctionDef)]
            entry = any(f.name == "__init__" or any(
                isinstance(d, ast.Name) and d.id == "staticmethod" for d in f.decorator_list) for f in fns)
            if not entry:
                out.add(node.name)
    return out


def test_every_export_exists_and_is_used_by_a_test() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in TESTS.glob("test_*.py") if p.name != "test_surface.py")
    missing = [n for n in fc.__all__ if not hasattr(fc, n)]
    assert missing == []
    # Entry points (functions, constructible classes) must be called by a test by name; result-only
    # classes (Hold, ScanOutcome, ReconcileReport, ...) are reached through them.
    results = _result_only_classes()
    assert {"Hold", "ScanOutcome", "RecordOutcome", "PricedLine"} <= results
    unused = [n for n in fc.__all__
              if n not in results and not re.search(rf"\b(fc|festival_core)\.{n}\b", text)]
    assert unused == [], f"exported but never exercised by a test: {unused}"


def _stub_classes() -> dict[str, set[str]]:
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    out: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            out[node.name] = {
                n.name for n in node.body if isinstance(n, ast.FunctionDef) and (not n.name.startswith("_"))
            }
    return out


def test_stubs_match_the_runtime_classes() -> None:
    stubs = _stub_classes()
    runtime_classes = {n for n in dir(native) if isinstance(getattr(native, n), type) and not n.startswith("_")}
    assert set(stubs) == runtime_classes
    for name, members in stubs.items():
        cls = getattr(native, name)
        public = {m for m in vars(cls) if not m.startswith("_")}
        assert members == public, f"{name}: stub-only {members - public}, runtime-only {public - members}"


def test_stubs_list_every_runtime_function() -> None:
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    stub_fns = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    runtime_fns = {n for n in dir(native) if callable(getattr(native, n)) and not isinstance(getattr(native, n), type)
                   and not n.startswith("_")}
    assert stub_fns == runtime_fns
