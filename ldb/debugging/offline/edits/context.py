"""One statement being edited: where it sits, what its names hold, and how an operator writes
the changes it proposes."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cached_property

from ldb.debugging.offline.edits.facts import Facts
from ldb.debugging.offline.edits.precedence import (
    ARITH,
    ATOM,
    FACTOR,
    SYMBOLS,
    precedence,
    wrap,
)
from ldb.debugging.offline.edits.scopes import SCOPES, Scope, guess
from ldb.debugging.offline.edits.sites import Site, sites
from ldb.debugging.offline.edits.source import Change, Node, Source, find_operator

NUMERIC = frozenset({"int", "float", "bool"})
COLLECTIONS = frozenset({"list", "str", "dict", "set", "tuple"})
_BUILTIN_TYPES: dict[str, type] = {
    "int": int,
    "float": float,
    "bool": bool,
    "str": str,
    "list": list,
    "dict": dict,
    "set": set,
    "tuple": tuple,
}


@dataclass(frozen=True)
class Spec:
    """An edit before its program is built: the node it rewrites and the changes inside it."""

    operator: str
    cost: int
    anchor: tuple[int, int]
    changes: tuple[Change, ...]
    top: ast.stmt
    """The top-level statement holding the change: the part of the program to compile."""
    statement: ast.stmt
    """The statement whose edit it is."""


def operands(test: ast.expr) -> list[tuple[ast.expr, ast.AST, str]]:
    """The operands of the `and` / `or` a condition is, through nested ones."""
    if not isinstance(test, ast.BoolOp):
        return []
    found: list[tuple[ast.expr, ast.AST, str]] = []
    for value in test.values:
        found += operands(value) if isinstance(value, ast.BoolOp) else [(value, test, "values")]
    return found


def tests(statement: ast.stmt, sites: list[Site]) -> list[tuple[ast.expr, ast.AST, str]]:
    """The conditions of a statement, each with its parent and place: an `if`'s or `while`'s
    test, those of its if-expressions, and the operands of `and` / `or` among them."""
    found: list[tuple[ast.expr, ast.AST, str]] = []
    if isinstance(statement, ast.If | ast.While):
        found.append((statement.test, statement, "test"))
    found += [(s.node.test, s.node, "test") for s in sites if isinstance(s.node, ast.IfExp)]
    # The operands of an `and` / `or` condition too, where one `not` too many hides.
    for test, _, _ in list(found):
        found += operands(test)
    return found


def is_range(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "range"
        and 1 <= len(node.args) <= 3
        and not node.keywords
        and not any(isinstance(a, ast.Starred) for a in node.args)
    )


def folds(site: Site) -> bool:
    """Whether the site is the literal `k` of `x + k` / `x - k`, which edits of the sum reach."""
    parent = site.parent
    return (
        isinstance(parent, ast.BinOp)
        and isinstance(parent.op, ast.Add | ast.Sub)
        and site.place == "right"
        and isinstance(site.node, ast.Constant)
    )


def has_attribute(kind: str | None, name: str) -> bool:
    """Whether values of type `kind` have the attribute (so far as the type is known)."""
    known = _BUILTIN_TYPES.get(kind or "")
    return known is None or hasattr(known, name)


def integer(node: ast.AST) -> int | None:
    """The value of an integer literal, negative ones included; not of a bool."""
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node, sign = node.operand, -1
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return sign * node.value
    return None


class Context:
    """The statement, its expressions, and the specs the operators found for it so far."""

    def __init__(self, source: Source, statement: ast.stmt) -> None:
        self.source = source
        self.statement = statement
        self.place = source.places[statement]
        self.top = self.place.top
        self.sites: list[Site] = sites(statement)
        self.found: list[Spec] = []

    @cached_property
    def scope(self) -> Scope:
        return self.source.scope(self.statement)

    @cached_property
    def function(self) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        return self.source.function(self.statement)

    @cached_property
    def facts(self) -> Facts | None:
        return None if self.function is None else self.source.facts_of(self.function)

    def loop(self, statement: ast.stmt) -> ast.For | ast.AsyncFor | ast.While | None:
        """The loop of the function whose body (not `else`) holds the statement, if any."""
        node = statement
        while (parent := self.source.places[node].parent) is not None:
            if isinstance(parent, SCOPES):
                return None
            if (
                isinstance(parent, ast.For | ast.AsyncFor | ast.While)
                and self.source.places[node].body is parent.body
            ):
                return parent
            node = parent
        return None

    def add(
        self, operator: str, cost: int, anchor: Node | tuple[int, int], *changes: Change
    ) -> None:
        if not changes:
            return
        span = anchor if isinstance(anchor, tuple) else self.source.span(anchor)
        self.found.append(Spec(operator, cost, span, changes, self.top, self.statement))

    def replace(self, operator: str, cost: int, anchor: Node, node: Node, text: str) -> None:
        self.add(operator, cost, anchor, (*self.source.span(node), text))

    def insert(self, operator: str, cost: int, change: Change | None) -> None:
        """An edit that only adds text: its anchor is the empty span where the text goes."""
        if change is not None:
            self.add(operator, cost, (change[0], change[1]), change)

    def text(self, node: Node, needed: int) -> str:
        return wrap(self.source.segment(node), precedence(node), needed)

    def kind(self, node: ast.expr) -> str | None:
        """The type of the expression's values, from the evidence of its names or literals."""
        match node:
            case ast.Name():
                return self.source.type_of(node.id, self.scope)
            case ast.UnaryOp(op=ast.USub() | ast.UAdd()):
                return self.kind(node.operand)
            case ast.BinOp():
                left, right = self.kind(node.left), self.kind(node.right)
                if left == right == "int" and isinstance(node.op, ast.Div):
                    return "float"
                return left if left == right else None
        return guess(node)

    def numeric(self, *operands: ast.expr) -> bool:
        return all(self.kind(o) in NUMERIC for o in operands)

    def variables(self, bound: tuple[str, ...], kind: str | None, current: str | None) -> list[str]:
        """The variables in scope (and the names `bound` around the site) that may stand for a
        value of type `kind`: of that type, or of a type unknown."""
        names = dict.fromkeys([*self.scope, *bound])
        return [
            name
            for name in names
            if name != current
            and (
                kind is None
                or (other := self.source.type_of(name, self.scope)) is None
                or other == kind
            )
        ]

    def op_token(self, left: Node, right: Node, op: ast.AST, new: type[ast.AST]) -> Change | None:
        start, end = self.source.span(left)[1], self.source.span(right)[0]
        return find_operator(self.source.text, start, end, op, SYMBOLS[new])

    def shifted(self, node: ast.expr, delta: int) -> tuple[Change, ...]:
        """Changes adding `delta` to `node`, folded into its literal or its trailing `± k`, made
        in place so that the rest of its text (comments, spacing) stays."""
        start, end = self.source.span(node)
        value = integer(node)
        if value is not None:
            return ((start, end, str(value + delta)),)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
            step = integer(node.right)
            if step is not None and isinstance(node.right, ast.Constant):
                sign = 1 if isinstance(node.op, ast.Add) else -1
                new = sign * step + delta
                found = self.op_token(node.left, node.right, node.op, type(node.op))
                if found is None:
                    return ()
                right_start = self.source.span(node.right)[0]
                if new == 0:
                    # Back over the spaces before the operator, unless they indent its line.
                    kept = self.source.text[: found[0]].rstrip(" \t")
                    cut = found[0] if kept.endswith(("\n", "\r")) else len(kept)
                    return ((cut, end, ""),)
                if new * sign > 0:
                    return ((right_start, end, str(abs(new))),)
                symbol = "+" if new > 0 else "-"
                return ((found[0], found[1], symbol), (right_start, end, str(abs(new))))
        symbol = "+" if delta > 0 else "-"
        return self.appended(node, f"{symbol} {abs(delta)}")

    def appended(self, node: ast.expr, tail: str) -> tuple[Change, ...]:
        """Changes making `node` the left operand of `node <tail>` (as `+ 1`, `- k`)."""
        start, end = self.source.span(node)
        if precedence(node) < ARITH:
            return ((start, start, "("), (end, end, f") {tail}"))
        return ((end, end, f" {tail}"),)


def number(value: int) -> tuple[str, int]:
    """A literal's text and how tightly it binds."""
    return str(value), ATOM if value >= 0 else FACTOR
