"""The test and benchmark code keeps its layout: helpers are shared from tests/helpers/ (or as
fixtures), never from a test module or a conftest; tests/ and bench/ never import each other,
and testbed/, which both use, imports neither."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.paths import ROOT

FOLDERS = ("tests", "bench", "testbed")
FIXTURES = ROOT / "tests" / "fixtures"
"""Other projects' code, data for project mode's tests: not ldb's modules."""


def modules() -> Iterator[tuple[str, Path]]:
    """The dotted name and path of every module under the folders."""
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.is_relative_to(FIXTURES / "projects"):
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join(parts), path


def imported(name: str, path: Path) -> Iterator[tuple[int, str]]:
    """Each module `name` imports, with its line: for `from a import b`, both `a` and `a.b`
    (b may be a module), relative imports resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def is_test_module(name: str) -> bool:
    last = name.rpartition(".")[2]
    return last.startswith("test_") or last == "conftest"


def broken_rules(name: str, path: Path, root: Path = ROOT) -> Iterator[str]:
    """Each import of module `name` (at `path` under `root`) that breaks a rule."""
    where = path.relative_to(root)
    top = name.partition(".")[0]
    for line, target in imported(name, path):
        target_top = target.partition(".")[0]
        if target_top not in FOLDERS or target == top:
            continue
        if is_test_module(target):
            yield f"{where}:{line}: imports the test module {target}"
        elif top != target_top and not (top in ("tests", "bench") and target_top == "testbed"):
            yield f"{where}:{line}: {top}/ imports {target_top}/ ({target})"


MODULES = list(modules())


def test_the_folders_hold_modules() -> None:
    names = {name for name, _ in MODULES}
    assert {"tests.conftest", "tests.helpers", "bench.offline", "testbed.server"} <= names


@pytest.mark.parametrize(("name", "path"), MODULES, ids=[name for name, _ in MODULES])
def test_no_module_imports_a_test_module_or_crosses_between_tests_and_bench(
    name: str, path: Path
) -> None:
    assert list(broken_rules(name, path)) == []


def test_the_rules_catch_what_they_forbid(tmp_path: Path) -> None:
    module = tmp_path / "tests" / "service" / "test_x.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "from tests.test_cli import ldb_command\n"
        "from tests import conftest\n"
        "from . import conftest as here\n"
        "from ..debug.test_loop import CODE\n"
        "import bench.offline\n"
        "from tests.helpers.paths import ROOT\n"
        "from testbed import server\n"
    )
    assert list(broken_rules("tests.service.test_x", module, tmp_path)) == [
        "tests/service/test_x.py:1: imports the test module tests.test_cli",
        "tests/service/test_x.py:2: imports the test module tests.conftest",
        "tests/service/test_x.py:3: imports the test module tests.service.conftest",
        "tests/service/test_x.py:4: imports the test module tests.debug.test_loop",
        "tests/service/test_x.py:5: tests/ imports bench/ (bench.offline)",
    ]
    shared = tmp_path / "testbed" / "stdlib.py"
    shared.parent.mkdir()
    shared.write_text("from tests.helpers import paths\n")
    assert list(broken_rules("testbed.stdlib", shared, tmp_path)) == [
        "testbed/stdlib.py:1: testbed/ imports tests/ (tests.helpers)",
        "testbed/stdlib.py:1: testbed/ imports tests/ (tests.helpers.paths)",
    ]


def conftest_extras(path: Path) -> Iterator[str]:
    """Top-level statements of a conftest other than its docstring, imports, `__all__`,
    fixtures and hooks."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == ["__all__"]:
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (
            node.name.startswith("pytest_")
            or any("fixture" in ast.unparse(decorator) for decorator in node.decorator_list)
        ):
            continue
        yield f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node).splitlines()[0]}"


def test_a_conftest_holds_only_fixtures_and_hooks() -> None:
    conftests = [
        path
        for path in sorted((ROOT / "tests").rglob("conftest.py"))
        if not path.is_relative_to(FIXTURES / "projects")
    ]
    assert conftests
    assert [extra for path in conftests for extra in conftest_extras(path)] == []
