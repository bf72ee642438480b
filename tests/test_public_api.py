"""The public Python API: what `ldb` exports, and that api/ and the CLI use only that."""

from __future__ import annotations

import ast
from pathlib import Path

import ldb
from tests.conftest import ROOT


def test_all_lists_exactly_the_public_names_sorted() -> None:
    public = {name for name in vars(ldb) if not name.startswith("_")} - {"annotations"}
    modules = {name for name, value in vars(ldb).items() if type(value).__name__ == "module"}
    assert set(ldb.__all__) == (public - modules) | {"__version__"}
    assert ldb.__all__ == sorted(ldb.__all__, key=lambda name: (name.startswith("_"), name))


def test_blocks_returns_function_graphs() -> None:
    graphs = ldb.blocks("def f():\n    return 1\n")
    assert all(isinstance(graph, ldb.FunctionGraph) for graph in graphs)
    report = ldb.BlocksReport(functions=graphs)
    assert report.model_dump()["functions"][1] == graphs[1].model_dump()


def test_the_service_imports_only_the_public_api() -> None:
    for path in sorted((ROOT / "api").rglob("*.py")):
        tree = ast.parse(Path(path).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ldb."):
                raise AssertionError(f"{path} imports {node.module}; use `ldb` itself")
