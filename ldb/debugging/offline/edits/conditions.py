"""Conditions too loose: an `if`'s or `while`'s test given one more `and X` / `or X`, where X
is a condition the function already tests elsewhere, its negation, or a collection's
truthiness.

Not the conditions the statement runs under already (those of the `if`s and `while`s around
it, and of its own `elif`s), which would add nothing or make it never run; nor those that
read a name bound only after the statement."""

from __future__ import annotations

import ast

from ldb.debugging.offline.edits.context import COLLECTIONS, Context, operands
from ldb.debugging.offline.edits.facts import Facts
from ldb.debugging.offline.edits.precedence import AND, AWAIT, OR, precedence, wrap
from ldb.debugging.offline.edits.scopes import SCOPES

_COST = 4
_POOL = 4
"""At most this many conditions of the function are offered, the nearest first."""
_TRUTHS = 2
"""At most this many collections are offered for their truthiness."""


def propose(context: Context) -> None:
    statement, facts = context.statement, context.facts
    if not isinstance(statement, ast.If | ast.While) or facts is None:
        return
    test = statement.test
    segment = context.source.segment
    own = {segment(part) for part in [test, *(o for o, _, _ in operands(test))]}
    known = _known(context, statement)
    pool: dict[str, ast.expr] = {}
    for other in sorted(facts.tests, key=lambda t: abs(t.lineno - test.lineno)):
        if id(other) in known:
            continue
        for part in [other, *(o for o, _, _ in operands(other))]:
            text = segment(part)
            if (
                text not in own
                and "\n" not in text
                and not isinstance(part, ast.Constant)
                and _bound_before(facts, part, statement.lineno)
            ):
                pool.setdefault(text, part)
    current = context.text(test, AND)
    loose = context.text(test, OR)
    for text, part in list(pool.items())[:_POOL]:
        extra = wrap(text, precedence(part), AND + 1)
        context.replace("add_condition", _COST, test, test, f"{current} and {extra}")
        context.replace(
            "add_condition", _COST, test, test, f"{current} and {_negated(context, part)}"
        )
        context.replace("add_condition", _COST, test, test, f"{loose} or {extra}")
    named = {n.id for n in ast.walk(test) if isinstance(n, ast.Name)}
    collections = [
        name
        for name in context.scope
        if context.source.type_of(name, context.scope) in COLLECTIONS and name not in named
    ]
    for name in collections[:_TRUTHS]:
        context.replace("add_condition", _COST, test, test, f"{current} and {name}")


def _known(context: Context, statement: ast.If | ast.While) -> set[int]:
    """The ids of the conditions the statement runs under, or that exclude it: those of the
    `if`s and `while`s it is in, and of its `elif`s."""
    found: set[int] = set()
    node: ast.stmt | None = statement
    while node is not None and not isinstance(node, SCOPES):
        if isinstance(node, ast.If | ast.While):
            found.add(id(node.test))
        node = context.source.places[node].parent
    chain: list[ast.stmt] = statement.orelse
    while len(chain) == 1 and isinstance(chain[0], ast.If):
        found.add(id(chain[0].test))
        chain = chain[0].orelse
    return found


def _bound_before(facts: Facts, part: ast.expr, line: int) -> bool:
    names = {n.id for n in ast.walk(part) if isinstance(n, ast.Name)}
    return all(facts.bound.get(name, 0) < line for name in names)


def _negated(context: Context, part: ast.expr) -> str:
    if isinstance(part, ast.UnaryOp) and isinstance(part.op, ast.Not):
        return context.text(part.operand, AND + 1)
    text = context.source.segment(part)
    return f"not {text}" if precedence(part) >= AWAIT else f"not ({text})"
