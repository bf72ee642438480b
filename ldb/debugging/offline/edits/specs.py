"""The candidate edits of one statement, by operator, as changes to its text."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ldb.debugging.offline.edits.precedence import (
    ARITH,
    ATOM,
    AWAIT,
    CMP,
    FACTOR,
    NOT,
    SYMBOLS,
    TEST,
    precedence,
    slot,
    wrap,
)
from ldb.debugging.offline.edits.scopes import Scope, guess
from ldb.debugging.offline.edits.sites import sites
from ldb.debugging.offline.edits.source import Change, Node, Source, find_operator, find_symbol

_COMPARISONS: dict[type[ast.AST], tuple[type[ast.cmpop], ...]] = {
    ast.Lt: (ast.LtE, ast.Gt),
    ast.LtE: (ast.Lt, ast.GtE),
    ast.Gt: (ast.GtE, ast.Lt),
    ast.GtE: (ast.Gt, ast.LtE),
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
}
_ARITHMETIC: dict[type[ast.AST], tuple[type[ast.operator], ...]] = {
    ast.Add: (ast.Sub,),
    ast.Sub: (ast.Add,),
    ast.Mult: (ast.FloorDiv,),
    ast.FloorDiv: (ast.Mult, ast.Div, ast.Mod),
    ast.Div: (ast.FloorDiv,),
    ast.Mod: (ast.FloorDiv,),
}
# `+` is among them: it concatenates strings and lists, where order matters.
_ORDERED_OPERANDS = (
    ast.Add,
    ast.Sub,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.Pow,
    ast.LShift,
    ast.RShift,
    ast.MatMult,
)
_NUMERIC = frozenset({"int", "float", "bool"})


@dataclass(frozen=True)
class Spec:
    """An edit before its program is built: the node it rewrites and the changes inside it."""

    operator: str
    cost: int
    anchor: tuple[int, int]
    changes: tuple[Change, ...]
    top: ast.stmt
    """The top-level statement holding the change: the part of the program to compile."""


def _operands(test: ast.expr) -> list[tuple[ast.expr, ast.AST, str]]:
    """The operands of the `and` / `or` a condition is, through nested ones."""
    if not isinstance(test, ast.BoolOp):
        return []
    found: list[tuple[ast.expr, ast.AST, str]] = []
    for value in test.values:
        found += _operands(value) if isinstance(value, ast.BoolOp) else [(value, test, "values")]
    return found


def _is_range(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "range"
        and 1 <= len(node.args) <= 3
        and not node.keywords
        and not any(isinstance(a, ast.Starred) for a in node.args)
    )


def _int(node: ast.AST) -> int | None:
    """The value of an integer literal, negative ones included; not of a bool."""
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node, sign = node.operand, -1
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return sign * node.value
    return None


def _number(value: int) -> tuple[str, int]:
    return str(value), ATOM if value >= 0 else FACTOR


class Specs:
    """The edits of one statement, by operator."""

    def __init__(self, source: Source, statement: ast.stmt) -> None:
        self.source = source
        self.statement = statement
        self.top = source.places[statement].top
        self.sites = sites(statement)
        self.found: list[Spec] = []

    def all(self) -> list[Spec]:
        self._comparison()
        self._arithmetic()
        self._boolean()
        self._range_bound()
        self._slice_bound()
        self._constant()
        self._negation()
        self._drop_condition()
        self._swap_operands()
        self._variable()
        self._return_value()
        return self.found

    def add(self, operator: str, cost: int, anchor: Node, *changes: Change) -> None:
        if not changes:
            return
        spec = Spec(operator, cost, self.source.span(anchor), changes, self.top)
        self.found.append(spec)

    def replace(self, operator: str, cost: int, anchor: Node, node: Node, text: str) -> None:
        self.add(operator, cost, anchor, (*self.source.span(node), text))

    def text(self, node: Node, needed: int) -> str:
        return wrap(self.source.segment(node), precedence(node), needed)

    def shifted(self, node: ast.expr, delta: int) -> tuple[Change, ...]:
        """Changes adding `delta` to `node`, folded into its literal or its trailing `± k`, made
        in place so that the rest of its text (comments, spacing) stays."""
        start, end = self.source.span(node)
        value = _int(node)
        if value is not None:
            return ((start, end, str(value + delta)),)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
            step = _int(node.right)
            if step is not None and isinstance(node.right, ast.Constant):
                sign = 1 if isinstance(node.op, ast.Add) else -1
                new = sign * step + delta
                found = self._op_token(node.left, node.right, node.op, type(node.op))
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
        if precedence(node) < ARITH:
            return ((start, start, "("), (end, end, f") {symbol} {abs(delta)}"))
        return ((end, end, f" {symbol} {abs(delta)}"),)

    def _comparison(self) -> None:
        for site in self.sites:
            node = site.node
            if not isinstance(node, ast.Compare):
                continue
            operands = [node.left, *node.comparators]
            for index, op in enumerate(node.ops):
                for other in _COMPARISONS[type(op)]:
                    change = self._op_token(operands[index], operands[index + 1], op, other)
                    if change:
                        self.add("comparison", 1, node, change)

    def _op_token(self, left: Node, right: Node, op: ast.AST, new: type[ast.AST]) -> Change | None:
        start, end = self.source.span(left)[1], self.source.span(right)[0]
        return find_operator(self.source.text, start, end, op, SYMBOLS[new])

    def _arithmetic(self) -> None:
        for site in self.sites:
            node = site.node
            if isinstance(node, ast.BinOp):
                for other in _ARITHMETIC.get(type(node.op), ()):
                    change = self._op_token(node.left, node.right, node.op, other)
                    if change:
                        self.add("arithmetic", 1, node, change)
        statement = self.statement
        if isinstance(statement, ast.AugAssign):
            for other in _ARITHMETIC.get(type(statement.op), ()):
                start = self.source.span(statement.target)[1]
                end = self.source.span(statement.value)[0]
                symbol = SYMBOLS[type(statement.op)] + "="
                change = find_symbol(self.source.text, start, end, symbol, SYMBOLS[other] + "=")
                if change:
                    self.add("arithmetic", 1, statement, change)

    def _boolean(self) -> None:
        for site in self.sites:
            node = site.node
            if isinstance(node, ast.BoolOp):
                other = ast.Or if isinstance(node.op, ast.And) else ast.And
                for left, right in zip(node.values, node.values[1:], strict=False):
                    change = self._op_token(left, right, node.op, other)
                    if change:
                        self.add("boolean", 1, node, change)

    def _range_bound(self) -> None:
        for site in self.sites:
            node = site.node
            if not _is_range(node):
                continue
            assert isinstance(node, ast.Call)
            for index, argument in enumerate(node.args):
                for delta in (-1, 1):
                    if _int(argument) == -delta and (index == 2 or index < len(node.args) == 2):
                        # A step of 0 fails; a start of 0 is the variant without a start.
                        continue
                    self.add("range_bound", 1, node, *self.shifted(argument, delta))
            name = self.source.segment(node.func)
            parts = [self.text(a, TEST) for a in node.args]
            if len(parts) == 1:
                self.replace("range_bound", 1, node, node, f"{name}(1, {parts[0]})")
            elif len(parts) == 2 and _int(node.args[0]) != 0:
                self.replace("range_bound", 1, node, node, f"{name}({parts[1]})")

    def _slice_bound(self) -> None:
        for site in self.sites:
            node = site.node
            if not (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice)):
                continue
            part = node.slice
            bounds = [b for b in (part.lower, part.upper) if b is not None]
            for bound in bounds:
                for delta in (-1, 1):
                    self.add("slice_bound", 1, node, *self.shifted(bound, delta))
            for bound in bounds:
                lower, upper, step = (
                    "" if b is None or b is bound else self.text(b, TEST)
                    for b in (part.lower, part.upper, part.step)
                )
                text = f"{lower}:{upper}" + (f":{step}" if part.step is not None else "")
                self.replace("slice_bound", 2, node, part, text)

    def _constant(self) -> None:
        for site in self.sites:
            node, parent = site.node, site.parent
            value = _int(node)
            if value is None or (
                isinstance(node, ast.Constant) and isinstance(parent, ast.UnaryOp)
            ):
                continue
            if _is_range(parent) or site.place in ("lower", "upper"):
                # The bound edits shift these already (and know when not to).
                continue
            folds = (
                isinstance(parent, ast.BinOp)
                and isinstance(parent.op, ast.Add | ast.Sub)
                and site.place == "right"
                and isinstance(node, ast.Constant)
            )
            for delta in (-1, 1):
                if folds:
                    assert isinstance(parent, ast.BinOp)
                    self.add("constant", 1, parent, *self.shifted(parent, delta))
                else:
                    text, binds = _number(value + delta)
                    wrapped = wrap(text, binds, slot(parent, site.place))
                    self.replace("constant", 1, node, node, wrapped)

    def _negation(self) -> None:
        tests: list[tuple[ast.expr, ast.AST, str]] = []
        if isinstance(self.statement, ast.If | ast.While):
            tests.append((self.statement.test, self.statement, "test"))
        tests += [
            (s.node.test, s.node, "test") for s in self.sites if isinstance(s.node, ast.IfExp)
        ]
        # The operands of an `and` / `or` condition too, where one `not` too many hides.
        for test, _, _ in list(tests):
            tests += _operands(test)
        for test, owner, place in tests:
            if isinstance(test, ast.Constant):
                continue
            if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
                text = self.text(test.operand, slot(owner, place))
            elif precedence(test) >= AWAIT:
                text = f"not {self.source.segment(test)}"
            else:
                text = wrap(f"not ({self.source.segment(test)})", NOT, slot(owner, place))
            self.replace("negation", 2, test, test, text)

    def _drop_condition(self) -> None:
        for site in self.sites:
            node = site.node
            if not isinstance(node, ast.BoolOp):
                continue
            word = f" {SYMBOLS[type(node.op)]} "
            needed = precedence(node) + 1
            for dropped in node.values:
                kept = [v for v in node.values if v is not dropped]
                if len(kept) == 1:
                    text = self.text(kept[0], slot(site.parent, site.place))
                else:
                    text = word.join(self.text(v, needed) for v in kept)
                self.replace("drop_condition", 2, node, node, text)

    def _swap_operands(self) -> None:
        for site in self.sites:
            node = site.node
            if isinstance(node, ast.BinOp) and isinstance(node.op, _ORDERED_OPERANDS):
                if isinstance(node.op, ast.Add) and self._numeric(node.left, node.right):
                    continue
                symbol = SYMBOLS[type(node.op)]
                left = self.text(node.right, slot(node, "left"))
                right = self.text(node.left, slot(node, "right"))
                self.replace("swap_operands", 2, node, node, f"{left} {symbol} {right}")
            elif (
                isinstance(node, ast.Compare)
                and len(node.ops) == 1
                and isinstance(node.ops[0], ast.In | ast.NotIn)
            ):
                # Ordering comparisons are left out: `b < a` is the comparison edit `a > b`.
                symbol = SYMBOLS[type(node.ops[0])]
                left = self.text(node.comparators[0], CMP + 1)
                right = self.text(node.left, CMP + 1)
                self.replace("swap_operands", 2, node, node, f"{left} {symbol} {right}")

    def _numeric(self, *operands: ast.expr) -> bool:
        scope = self.source.scope(self.statement)
        kinds = [
            self.source.type_of(o.id, scope) if isinstance(o, ast.Name) else guess(o)
            for o in operands
        ]
        return all(kind in _NUMERIC for kind in kinds)

    def _variable(self) -> None:
        scope = self.source.scope(self.statement)
        called = {id(s.node.func) for s in self.sites if isinstance(s.node, ast.Call)}
        for site in self.sites:
            node = site.node
            if not isinstance(node, ast.Name) or not isinstance(node.ctx, ast.Load):
                continue
            if id(node) in called or (node.id not in scope and node.id not in site.bound):
                continue
            kind = self.source.type_of(node.id, scope)
            for other in self._candidates(scope, site.bound, kind, node.id):
                self.replace("variable", 2, node, node, other)

    def _return_value(self) -> None:
        statement = self.statement
        if not isinstance(statement, ast.Return) or statement.value is None:
            return
        scope = self.source.scope(statement)
        value = statement.value
        if isinstance(value, ast.Name):
            kind, current = self.source.type_of(value.id, scope), value.id
        else:
            kind, current = guess(value), None
        for other in self._candidates(scope, (), kind, current):
            self.replace("return_value", 3, value, value, other)

    def _candidates(
        self, scope: Scope, bound: tuple[str, ...], kind: str | None, current: str | None
    ) -> list[str]:
        names = dict.fromkeys([*scope, *bound])
        return [
            name
            for name in names
            if name != current
            and (
                kind is None or (other := self.source.type_of(name, scope)) is None or other == kind
            )
        ]
