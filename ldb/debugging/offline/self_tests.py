"""The code a generated program runs on import to test itself (asserts, prints, a `__main__`
block): found, so that a program failing on import for its own checks can do without them."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ldb import asts

_DEFINITIONS = (
    ast.Import,
    ast.ImportFrom,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Assign,
    ast.AnnAssign,
    ast.AugAssign,
)


@dataclass(frozen=True)
class Stripped:
    """The program without its self-tests, and the lines they took."""

    program: str
    lines: list[tuple[int, int]]
    """First and last line of each statement removed."""


def strip_self_tests(program: str) -> Stripped | None:
    """The program less its module-level statements that define nothing (asserts, calls,
    loops, `if __name__ == "__main__":`), None when it has none or does not parse. A
    docstring, being only a string, stays."""
    try:
        module = asts.parse_module(program)
    except SyntaxError:
        return None
    removed = [
        (statement.lineno, statement.end_lineno or statement.lineno)
        for statement in module.body
        if not isinstance(statement, _DEFINITIONS) and not _is_string(statement)
    ]
    if not removed:
        return None
    lines = program.splitlines(keepends=True)
    gone = {n for first, last in removed for n in range(first, last + 1)}
    kept = "".join(text for n, text in enumerate(lines, 1) if n not in gone)
    return Stripped(kept.rstrip("\n") + "\n", removed)


def _is_string(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )
