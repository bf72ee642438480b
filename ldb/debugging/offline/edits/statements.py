"""Edits of a whole simple statement: deleted, made an augmented assignment or a plain one,
or made to keep the result of the call it drops."""

from __future__ import annotations

import ast

from ldb.debugging.offline.edits.context import COLLECTIONS, Context
from ldb.debugging.offline.edits.layout import whole_lines
from ldb.debugging.offline.edits.precedence import SYMBOLS, TEST
from ldb.debugging.offline.edits.source import find_symbol

# `assert`, `return` and `raise` are never deleted: a repair that drops a check or an exit is
# the overfitting kind, passing the tests by doing less.
_DELETABLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Break, ast.Continue)
# Methods of `str` that return a new string, and leave the one they are called on as it was.
_PURE = frozenset(
    {"strip", "lstrip", "rstrip", "lower", "upper", "replace", "title", "capitalize"}
    | {"swapcase", "casefold", "zfill", "center", "ljust", "rjust", "removeprefix"}
    | {"removesuffix", "translate"}
)
_ACCUMULATING = (ast.Add, ast.Sub)


def propose(context: Context) -> None:
    if context.facts is None:
        return
    _augmented(context)
    _keep_result(context)
    _delete_statement(context)


def _delete_statement(context: Context) -> None:
    statement = context.statement
    if not isinstance(statement, _DELETABLE):
        return
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
        return
    if isinstance(statement, ast.Assign) and not _rebinds(context, statement):
        return
    if len(context.place.body) > 1:
        lines = whole_lines(context.source, statement)
        if lines is not None:
            context.add("delete_statement", 4, lines, (*lines, ""))
    else:
        context.replace("delete_statement", 4, statement, statement, "pass")


def _rebinds(context: Context, statement: ast.Assign) -> bool:
    """Whether every name the assignment binds is bound elsewhere too (by another assignment,
    or as a parameter): without it, the name would not be unbound."""
    facts = context.facts
    assert facts is not None
    parameters = {a.arg for a in _parameters(context)}
    names = [n.id for t in statement.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    return all(len(facts.assigned.get(n, [])) > 1 or n in parameters for n in names)


def _augmented(context: Context) -> None:
    """`x = v` meant as `x += v` (or `-=`) in a loop, and `x += v` meant as `x = v`."""
    statement, source = context.statement, context.source
    if isinstance(statement, ast.AugAssign) and isinstance(statement.op, _ACCUMULATING):
        start, end = source.span(statement.target)[1], source.span(statement.value)[0]
        symbol = SYMBOLS[type(statement.op)] + "="
        change = find_symbol(source.text, start, end, symbol, "=")
        if change is not None:
            context.add("augmented", 3, statement, change)
        return
    if not (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(target := statement.targets[0], ast.Name)
        and context.loop(statement) is not None
    ):
        return
    name, facts = target.id, context.facts
    assert facts is not None
    read = {n.id for n in ast.walk(statement.value) if isinstance(n, ast.Name)}
    bound = len(facts.assigned.get(name, [])) > 1 or name in facts.augmented
    parameter = name in {a.arg for a in _parameters(context)}
    kind = context.kind(target)
    if name in read or not (bound or parameter) or kind in ("dict", "set", "bool"):
        return
    start, end = source.span(target)[1], source.span(statement.value)[0]
    for symbol in ("+=", "-=") if kind not in COLLECTIONS else ("+=",):
        change = find_symbol(source.text, start, end, "=", symbol)
        if change is not None:
            context.add("augmented", 3, statement, change)


def _parameters(context: Context) -> list[ast.arg]:
    function = context.function
    if function is None:
        return []
    arguments = function.args
    return [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]


def _keep_result(context: Context) -> None:
    """A call made for its result, the result dropped: returned, or assigned back to the
    string or list it was computed from."""
    statement, facts = context.statement, context.facts
    if not isinstance(statement, ast.Expr) or facts is None:
        return
    value, text = statement.value, context.source.segment(statement.value)
    if (
        isinstance(value, ast.BinOp)
        and isinstance(value.left, ast.Name)
        and value.left.id in context.scope
    ):
        # `x + 1` alone does nothing: `x += 1` was meant.
        right = context.text(value.right, TEST)
        operator = SYMBOLS[type(value.op)]
        context.replace(
            "keep_result", 3, statement, statement, f"{value.left.id} {operator}= {right}"
        )
        return
    if not isinstance(value, ast.Call):
        return
    func = value.func
    if isinstance(func, ast.Name):
        if facts.returns_values and _returns_values(context, func.id):
            context.replace("keep_result", 3, statement, statement, f"return {text}")
        argument = value.args[0] if len(value.args) == 1 else None
        if func.id == "sorted" and isinstance(argument, ast.Name):
            context.replace("keep_result", 3, statement, statement, f"{argument.id} = {text}")
    elif (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.attr in _PURE
        and context.kind(func.value) in ("str", None)
    ):
        context.replace("keep_result", 3, statement, statement, f"{func.value.id} = {text}")


def _returns_values(context: Context, name: str) -> bool:
    """Whether `name` is this function (called recursively) or another function of the
    program, and returns values."""
    facts = context.facts
    if facts is not None and name == facts.name:
        return True
    definition = context.source.functions.get(name)
    return definition is not None and context.source.facts_of(definition).returns_values
