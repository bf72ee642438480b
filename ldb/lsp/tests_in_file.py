"""The tests a test file defines, found in its text as the editor has it: functions, methods
of test classes, and the cases of a `pytest.mark.parametrize` whose ids can be read off it."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TypeGuard


@dataclass(frozen=True)
class FoundTest:
    """A test, named as in its node id after the file (`Class::test_x`, `test_y[2-4]`), and
    the 1-based line its lens sits on."""

    name: str
    line: int


def is_test_file(relative: str) -> bool:
    """Named as pytest finds test files by default: `test_*.py` or `*_test.py`."""
    name = PurePosixPath(relative).name
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def tests(source: str) -> list[FoundTest]:
    """The file's tests in source order; none when it does not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    tables = _tables(tree)
    found: list[FoundTest] = []
    for node in tree.body:
        if _is_test_function(node):
            found += _with_cases(node, node.name, tables)
        elif isinstance(node, ast.ClassDef) and _is_test_class(node):
            for inner in node.body:
                if _is_test_function(inner):
                    found += _with_cases(inner, f"{node.name}::{inner.name}", tables)
    return found


def _tables(tree: ast.Module) -> dict[str, ast.List | ast.Tuple]:
    """The module's names bound once to a list or tuple written out: parameter tables that
    a `parametrize` names (`@pytest.mark.parametrize(("n", "word"), ORDINALS)`)."""
    bound: dict[str, list[ast.expr]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name):
            bound.setdefault(target.id, []).append(value)
    return {
        name: values[0]
        for name, values in bound.items()
        if len(values) == 1 and isinstance(values[0], ast.List | ast.Tuple)
    }


def _is_test_function(node: ast.stmt) -> TypeGuard[ast.FunctionDef | ast.AsyncFunctionDef]:
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")


def _is_test_class(node: ast.ClassDef) -> bool:
    bases = [ast.unparse(base).rpartition(".")[2] for base in node.bases]
    return node.name.startswith("Test") or any(base.endswith("TestCase") for base in bases)


def _with_cases(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    name: str,
    tables: dict[str, ast.List | ast.Tuple],
) -> list[FoundTest]:
    """The test, and a case for each parameter set of its one `parametrize` whose ids pytest
    would give can be read: literals, `pytest.param(..., id=…)`, or `ids=[…]`."""
    line = function.decorator_list[0].lineno if function.decorator_list else function.lineno
    found = [FoundTest(name, line)]
    marks = [d for d in function.decorator_list if _is_parametrize(d)]
    if len(marks) == 1 and isinstance(marks[0], ast.Call):
        found += [FoundTest(f"{name}[{case}]", at) for at, case in _cases(marks[0], tables)]
    return found


def _is_parametrize(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return ast.unparse(target).endswith("mark.parametrize")


def _cases(mark: ast.Call, tables: dict[str, ast.List | ast.Tuple]) -> list[tuple[int, str]]:
    """Each parameter set's line (in the decorator, or in the table it names) and id."""
    if len(mark.args) < 2:
        return []
    values = mark.args[1]
    if isinstance(values, ast.Name):
        values = tables.get(values.id, values)
    if not isinstance(values, ast.List | ast.Tuple):
        return []
    try:
        names = ast.literal_eval(mark.args[0])
    except ValueError:
        return []
    if isinstance(names, str):
        names = [part.strip() for part in names.split(",") if part.strip()]
    ids = _given_ids(mark)
    cases: list[tuple[int, str]] = []
    for index, element in enumerate(values.elts):
        case = ids[index] if ids is not None and index < len(ids) else _id(element, names, index)
        if case is None:
            return []
        cases.append((element.lineno, case))
    return cases


def _given_ids(mark: ast.Call) -> list[str | None] | None:
    for keyword in mark.keywords:
        if keyword.arg == "ids":
            try:
                value = ast.literal_eval(keyword.value)
            except ValueError:
                return None
            return list(value) if isinstance(value, list | tuple) else None
    return None


def _id(element: ast.expr, names: list[str], index: int) -> str | None:
    """The id pytest gives a parameter set, or None where it cannot be read here."""
    if isinstance(element, ast.Call) and ast.unparse(element.func).endswith("param"):
        for keyword in element.keywords:
            if keyword.arg == "id":
                given = _literal(keyword.value)
                return given if isinstance(given, str) else None
        values: list[ast.expr] = list(element.args)
    elif len(names) == 1:
        values = [element]
    elif isinstance(element, ast.Tuple | ast.List):
        values = list(element.elts)
    else:
        return None
    parts = []
    for position, value in enumerate(values):
        literal = _literal(value)
        name = names[position] if position < len(names) else f"arg{position}"
        parts.append(_value_id(literal, name, index))
    return "-".join(parts)


_MISSING = object()


def _literal(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except ValueError:
        return _MISSING


def _value_id(value: object, name: str, index: int) -> str:
    """As pytest names one value: numbers, strings, booleans and None as written; anything
    else by its parameter's name and the set's index."""
    if isinstance(value, str):
        return value if value.isascii() else value.encode("unicode_escape").decode("ascii")
    if value is None or isinstance(value, bool | int | float | complex):
        return str(value)
    return f"{name}{index}"
