"""Splitting a test into individual cases, and rewriting its asserts to report both sides.

Tests come in four forms, told apart by their shape:

- a list of assert strings (LDB's and MBPP's `given_tests`): each string is a case;
- HumanEval's `def check(candidate): ...`: each statement of `check` that holds an assert is a
  case, run with `candidate` bound to the entry point;
- pytest style, top-level `def test_*():` functions: each function is a case;
- plain top-level `assert` lines: each assert is a case.

Other statements are kept in order: those before a case run just before it, so a test that
builds its inputs step by step still does. Every `assert a <op> b` is rewritten to evaluate
each side once, and to report both when the comparison fails.

The parent compiles a test once (`compile_suite`) and sends the code objects with each run
of it: the repair search runs the same test against hundreds of programs.
"""

from __future__ import annotations

import ast
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from types import CodeType

from ldb import asts
from ldb.wire import ACTUAL, CALL, EXPECTED, FAIL

# Builtins that look at the frame calling them: a wrapper in between would change what
# they see.
_FRAME_BUILTINS = {"super", "locals", "vars", "globals", "dir", "eval", "exec", "breakpoint"}

_COMPARISONS: dict[type[ast.cmpop], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}


@dataclass
class Case:
    text: str
    """The case as written in the test."""
    body: list[ast.stmt] = field(default_factory=list)
    """What runs for it: the statements that precede it, then the case, asserts rewritten."""
    filename: str = "test.py"


@dataclass
class Suite:
    setup: list[ast.stmt]
    cases: list[Case]
    form: str
    uses_candidate: bool = False


@dataclass(frozen=True)
class CompiledSuite:
    """A test ready to run, each part compiled with its asserts rewritten."""

    setup: CodeType
    """Runs once, after the program: imports, helpers, the test_* functions."""
    cases: tuple[tuple[str, CodeType], ...]
    """Each case's text and code."""
    uses_candidate: bool
    """The cases call `candidate`, the function under test."""


class TestSyntaxError(Exception):
    def __init__(self, error: SyntaxError, filename: str) -> None:
        self.error = error
        self.filename = filename
        super().__init__(error.msg)


def compile_suite(test: str | Sequence[str]) -> CompiledSuite:
    """The test split into cases and compiled; a test Python cannot compile (or nested too
    deeply to compile) is a TestSyntaxError."""
    return _compile_suite(test if isinstance(test, str) else tuple(test))


@lru_cache(maxsize=64)
def _compile_suite(test: str | tuple[str, ...]) -> CompiledSuite:
    suite = split(test)
    filename = "test.py"
    try:
        setup = _compile(rewrite_module(ast.Module(suite.setup, [])), filename)
        cases = []
        for case in suite.cases:
            filename = case.filename
            cases.append((case.text, _compile(ast.Module(case.body, []), filename)))
    except SyntaxError as error:
        raise TestSyntaxError(error, filename) from None
    except (ValueError, RecursionError, MemoryError) as error:
        raise TestSyntaxError(SyntaxError(f"cannot compile: {error}"), filename) from None
    return CompiledSuite(setup, tuple(cases), suite.uses_candidate)


def _compile(tree: ast.Module, filename: str) -> CodeType:
    return asts.compile_tree(tree, filename)


def split(test: str | Sequence[str]) -> Suite:
    """The cases of a test in any of the accepted forms, their asserts rewritten."""
    if not isinstance(test, str):
        return _from_list(list(test))
    tree = _parse(test, "test.py")
    text = _Text(test)
    check = next(
        (s for s in tree.body if isinstance(s, ast.FunctionDef) and s.name == "check"), None
    )
    if check is not None:
        setup = [s for s in tree.body if s is not check and not _calls_check(s)]
        return Suite(setup, _sequence(check.body, text), "check", uses_candidate=True)
    tests = [s for s in tree.body if isinstance(s, ast.FunctionDef) and s.name.startswith("test")]
    if tests:
        cases = [Case(text.segment(s) or s.name, [_call(s.name, s)]) for s in tests]
        return Suite(list(tree.body), cases, "pytest")
    return Suite([], _sequence(tree.body, text), "asserts")


class _Text:
    """A test's lines, split once, for the text of each case (`ast.get_source_segment` splits
    the whole source again on every call, which a test of many asserts feels)."""

    def __init__(self, source: str) -> None:
        self.lines = [line.encode() for line in io.StringIO(source).readlines()]

    def segment(self, node: ast.stmt) -> str | None:
        if node.end_lineno is None or node.end_col_offset is None:
            return None
        first, last = node.lineno - 1, node.end_lineno - 1
        if last >= len(self.lines):
            return None
        if first == last:
            return self.lines[first][node.col_offset : node.end_col_offset].decode(errors="replace")
        parts = [
            self.lines[first][node.col_offset :],
            *self.lines[first + 1 : last],
            self.lines[last][: node.end_col_offset],
        ]
        return b"".join(parts).decode(errors="replace")


def _from_list(tests: list[str]) -> Suite:
    cases = []
    for index, text in enumerate(tests):
        filename = f"test[{index}]"
        tree = _parse(text, filename)
        cases.append(Case(text.strip(), _rewrite(tree.body), filename))
    return Suite([], cases, "list")


def _parse(source: str, filename: str) -> ast.Module:
    try:
        return asts.parse_module(source, filename)
    except SyntaxError as error:
        raise TestSyntaxError(error, filename) from None
    except ValueError as error:  # null bytes
        raise TestSyntaxError(SyntaxError(str(error)), filename) from None


def _sequence(statements: list[ast.stmt], text: _Text) -> list[Case]:
    """Each statement holding an assert is a case; the others run before the next case."""
    cases: list[Case] = []
    prelude: list[ast.stmt] = []
    for statement in statements:
        if any(isinstance(node, ast.Assert) for node in ast.walk(statement)):
            written = text.segment(statement) or ast.unparse(statement)
            body = [*prelude, statement]
            cases.append(Case(written, _rewrite(body)))
            prelude = []
        else:
            prelude.append(statement)
    return cases


def _calls_check(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Call)
        and isinstance(statement.value.func, ast.Name)
        and statement.value.func.id == "check"
    )


def _call(name: str, where: ast.stmt) -> ast.stmt:
    call = ast.Expr(ast.Call(ast.Name(name, ast.Load()), [], []))
    return ast.fix_missing_locations(ast.copy_location(call, where))


def rewrite_module(tree: ast.Module) -> ast.Module:
    """The same statements with every assert rewritten (for setup code such as test_*)."""
    tree.body = _rewrite(tree.body)
    return tree


def _rewrite(statements: list[ast.stmt]) -> list[ast.stmt]:
    module = ast.Module(body=statements, type_ignores=[])
    _AssertRewriter().visit(module)
    _CallWrapper().visit(module)
    ast.fix_missing_locations(module)
    return module.body


class _CallWrapper(ast.NodeTransformer):
    """`f(x)` in the test becomes `__ldb_call__(f, x)`: the harness sees each call the test
    makes into the program begin and end, whatever the tracer had switched off."""

    def visit_Call(self, node: ast.Call) -> ast.expr:  # noqa: N802 (ast's naming)
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id in (_FRAME_BUILTINS | {FAIL, CALL}):
            return node
        wrapped = ast.Call(ast.Name(CALL, ast.Load()), [node.func, *node.args], node.keywords)
        return ast.copy_location(wrapped, node)


class _AssertRewriter(ast.NodeTransformer):
    def visit_Assert(self, node: ast.Assert) -> list[ast.stmt]:  # noqa: N802 (ast's naming)
        actual, operator, expected, condition = _sides(node.test)
        failure = ast.Call(
            ast.Name(FAIL, ast.Load()),
            [
                ast.Name(ACTUAL, ast.Load()),
                ast.Constant(operator),
                ast.Name(EXPECTED, ast.Load()),
                node.msg if node.msg is not None else ast.Constant(None),
            ],
            [],
        )
        statements: list[ast.stmt] = [
            ast.Assign([ast.Name(ACTUAL, ast.Store())], actual),
            ast.Assign([ast.Name(EXPECTED, ast.Store())], expected),
            ast.If(ast.UnaryOp(ast.Not(), condition), [ast.Expr(failure)], []),
        ]
        for statement in statements:
            for child in ast.walk(statement):
                ast.copy_location(child, node)
        return statements


def _sides(test: ast.expr) -> tuple[ast.expr, str, ast.expr, ast.expr]:
    """What to evaluate as actual and expected, the operator to report, and the condition
    (over the names that hold the two sides) that passes the assert."""
    actual_name = ast.Name(ACTUAL, ast.Load())
    expected_name = ast.Name(EXPECTED, ast.Load())
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        left, right, op = test.left, test.comparators[0], test.ops[0]
        operator = _COMPARISONS.get(type(op), "?")
        difference = _abs_difference(left)
        if difference is not None and operator in ("<", "<="):
            # assert abs(a - b) < eps: the values compared are a and b.
            a, b = difference
            close = ast.Compare(
                ast.Call(
                    ast.Name("abs", ast.Load()),
                    [ast.BinOp(actual_name, ast.Sub(), expected_name)],
                    [],
                ),
                [op],
                [right],
            )
            return a, f"within {ast.unparse(right)} of", b, close
        swapped = _holds_call(right) and not _holds_call(left) and operator in ("==", "!=")
        if swapped:
            left, right = right, left
        return left, operator, right, ast.Compare(actual_name, [op], [expected_name])
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return test.operand, "falsy", ast.Constant(None), ast.UnaryOp(ast.Not(), actual_name)
    return test, "truthy", ast.Constant(None), actual_name


def _abs_difference(node: ast.expr) -> tuple[ast.expr, ast.expr] | None:
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "abs"
        and len(node.args) == 1
        and not node.keywords
        and isinstance(node.args[0], ast.BinOp)
        and isinstance(node.args[0].op, ast.Sub)
    ):
        return node.args[0].left, node.args[0].right
    return None


def _holds_call(node: ast.expr) -> bool:
    return any(isinstance(child, ast.Call) for child in ast.walk(node))
