"""The public Python API: what `ldb` exports, and that api/ and the CLI use only that."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import ldb
from tests.helpers.paths import EXAMPLES, ROOT

EXAMPLE = EXAMPLES / "moving_average.py"


def test_all_lists_exactly_the_public_names_sorted_and_each_resolves() -> None:
    assert ldb.__all__ == sorted(ldb.__all__, key=lambda name: (name.startswith("_"), name))
    assert set(dir(ldb)) == set(ldb.__all__)
    for name in ldb.__all__:
        assert getattr(ldb, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = ldb.nothing  # type: ignore[attr-defined]


def test_the_names_type_checkers_see_are_the_names_ldb_resolves() -> None:
    """`ldb/__init__.py` imports its names for type checkers only, and finds them itself when
    they are first used: each must be the very object the type checkers were told of."""
    tree = ast.parse((ROOT / "ldb" / "__init__.py").read_text())
    checked = next(n for n in tree.body if isinstance(n, ast.If))
    seen: dict[str, object] = {}
    for node in checked.body:
        assert isinstance(node, ast.ImportFrom) and node.module is not None
        module = importlib.import_module(node.module)
        for alias in node.names:
            seen[alias.asname or alias.name] = getattr(module, alias.name)
    assert set(seen) | {"__version__"} == set(ldb.__all__)
    for name, value in seen.items():
        assert getattr(ldb, name) is value, name


_LOADED = """
import atexit, json, sys
atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))
"""


@pytest.mark.parametrize(
    ("start", "unused"),
    [
        ("import ldb", ["pydantic", "rich"]),
        ("from ldb.cli import main; main(['--help'])", ["pydantic", "rich"]),
        (f"from ldb.cli import main; main(['blocks', {str(EXAMPLE)!r}])", []),
    ],
    ids=["import", "help", "blocks"],
)
def test_starting_ldb_imports_only_what_the_command_uses(start: str, unused: list[str]) -> None:
    never = ["fastapi", "grandalf", "httpx", "networkx", "ldb.present.viewer", "ldb.llm"]
    done = subprocess.run(
        [sys.executable, "-c", _LOADED + start], capture_output=True, text=True, check=False
    )
    loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
    assert [name for name in [*never, *unused] if name in loaded] == []


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
