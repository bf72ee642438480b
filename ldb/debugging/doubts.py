"""The checks every repair that makes the tests pass gets, whoever made it: the task's own
examples (doctest lines, `f(x) == y` in its words) and the program's own module-level asserts,
run as extra tests."""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

from ldb import asts
from ldb.debugging.offline.examples import examples
from ldb.run.tracing import trace
from ldb.settings import RunLimits

_MOST_SHOWN = 3
"""Failed examples named in a doubt; more are counted."""


def unseen_examples(
    task: str | None, program: str, entry_point: str | None, tests: str | Sequence[str]
) -> list[str]:
    """The examples of `entry_point` that the task and the program's docstrings show and the
    tests do not already hold, as assert lines."""
    if entry_point is None:
        return []
    given = {_normal(line) for case in _cases(tests) for line in case.splitlines()}
    shown = examples("\n".join([task or "", *_docstrings(program)]), entry_point)
    return [case for case in shown if _normal(case) not in given]


def own_checks(program: str, tests: str | Sequence[str]) -> list[str]:
    """The program's module-level asserts (a generated program often tests itself on import)
    about calls the tests do not make: where the tests and the program's own check ask the
    same call, the tests are the user's word and win."""
    try:
        tree = asts.parse_module(program)
    except (SyntaxError, ValueError):
        return []
    given = _normal("\n".join(_cases(tests)))
    found = []
    for statement in tree.body:
        if not isinstance(statement, ast.Assert):
            continue
        subject = statement.test
        if isinstance(subject, ast.Compare):
            subject = subject.left
        call = ast.get_source_segment(program, subject)
        text = ast.get_source_segment(program, statement)
        if call and text and _normal(call) not in given:
            found.append(text)
    return found


def _docstrings(program: str) -> list[str]:
    """The program's docstrings: its words about itself, not its code (whose own asserts
    may be what a repair rightly dropped)."""
    try:
        tree = asts.parse_module(program)
    except (SyntaxError, ValueError):
        return []
    nodes = [tree, *(n for n in ast.walk(tree) if isinstance(n, _DOCUMENTED))]
    return [text for node in nodes if (text := ast.get_docstring(node, clean=False))]


_DOCUMENTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def failed_examples(
    original: str,
    repaired: str,
    *,
    task: str | None,
    entry_point: str | None,
    tests: str | Sequence[str],
    limits: RunLimits,
) -> list[str]:
    """A doubt (at most one) for a repair failing examples the task shows that the tests left
    out, or the original program's own checks. Both are read from the original program,
    whose docstrings a repair may have rewritten and whose checks it may have dropped."""
    extra = unseen_examples(task, original, entry_point, tests)
    extra += [check for check in own_checks(original, tests) if check not in extra]
    if not extra:
        return []
    result = trace(repaired, extra, entry_point=entry_point, tracer="off", limits=limits)
    failed = [case for case in result.cases if case.status != "passed"]
    if not failed:
        return []
    shown = "; ".join(f"`{case.test}`" + _got(case.actual) for case in failed[:_MOST_SHOWN])
    more = len(failed) - _MOST_SHOWN
    tail = f" and {more} more" if more > 0 else ""
    noun = "example" if len(extra) == 1 else "examples"
    words = f"fails {len(failed)} of the {len(extra)} {noun} of the task and the program's own "
    words += "checks that the tests leave out"
    return [f"{words}: {shown}{tail}"]


def _got(actual: str | None) -> str:
    return f" (gives {actual})" if actual is not None else ""


def _cases(tests: str | Sequence[str]) -> list[str]:
    return [tests] if isinstance(tests, str) else list(tests)


def _normal(case: str) -> str:
    return re.sub(r"\s+", "", case)
