"""The candidate edits of one statement, by operator, as changes to its text: the operators
on its expressions' operators, literals, bounds and names here; those on calls, conditions and
whole statements in their own modules."""

from __future__ import annotations

import ast
from collections.abc import Callable

from ldb.debugging.offline.edits import calls, conditions, expressions, insertions, statements
from ldb.debugging.offline.edits.context import (
    COLLECTIONS,
    Context,
    Spec,
    folds,
    has_attribute,
    integer,
    is_range,
    number,
    tests,
)
from ldb.debugging.offline.edits.precedence import (
    AWAIT,
    CMP,
    NOT,
    SYMBOLS,
    TEST,
    precedence,
    slot,
    wrap,
)
from ldb.debugging.offline.edits.scopes import guess
from ldb.debugging.offline.edits.source import find_symbol

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
# Each operator's likely slips with their costs: the neighbours of old for 1; for 2 the swaps
# that change what is computed more (`+` for `*`, `*` for `**`), tried once the others failed.
_ARITHMETIC: dict[type[ast.AST], tuple[tuple[type[ast.operator], int], ...]] = {
    ast.Add: ((ast.Sub, 1), (ast.Mult, 2)),
    ast.Sub: ((ast.Add, 1),),
    ast.Mult: ((ast.FloorDiv, 1), (ast.Add, 2), (ast.Pow, 2)),
    ast.FloorDiv: ((ast.Mult, 1), (ast.Div, 1), (ast.Mod, 1)),
    ast.Div: ((ast.FloorDiv, 1), (ast.Mult, 2)),
    ast.Mod: ((ast.FloorDiv, 1),),
    ast.Pow: ((ast.Mult, 2),),
    ast.BitAnd: ((ast.BitOr, 1), (ast.BitXor, 1)),
    ast.BitOr: ((ast.BitAnd, 1), (ast.BitXor, 1)),
    ast.BitXor: ((ast.BitAnd, 1), (ast.BitOr, 1)),
    ast.LShift: ((ast.RShift, 1),),
    ast.RShift: ((ast.LShift, 1),),
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
_PROPOSERS: tuple[Callable[[Context], None], ...] = (
    expressions.propose,
    calls.propose,
    conditions.propose,
    statements.propose,
    insertions.propose,
)


class Specs(Context):
    """The edits of one statement, by operator."""

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
        for propose in _PROPOSERS:
            propose(self)
        return self.found

    def _comparison(self) -> None:
        for site in self.sites:
            node = site.node
            if not isinstance(node, ast.Compare):
                continue
            operands = [node.left, *node.comparators]
            for index, op in enumerate(node.ops):
                for other in _COMPARISONS[type(op)]:
                    change = self.op_token(operands[index], operands[index + 1], op, other)
                    if change:
                        self.add("comparison", 1, node, change)

    def _arithmetic(self) -> None:
        for site in self.sites:
            node = site.node
            if isinstance(node, ast.BinOp):
                for other, cost in self._slips(node.op, node.left, node.right):
                    change = self.op_token(node.left, node.right, node.op, other)
                    if change:
                        self.add("arithmetic", cost, node, change)
        statement = self.statement
        if isinstance(statement, ast.AugAssign):
            for other, cost in self._slips(statement.op, statement.target, statement.value):
                start = self.source.span(statement.target)[1]
                end = self.source.span(statement.value)[0]
                symbol = SYMBOLS[type(statement.op)] + "="
                change = find_symbol(self.source.text, start, end, symbol, SYMBOLS[other] + "=")
                if change:
                    self.add("arithmetic", cost, statement, change)

    def _slips(
        self, op: ast.operator, left: ast.expr, right: ast.expr
    ) -> list[tuple[type[ast.operator], int]]:
        """The operators `op` may have been meant as: the costlier ones only where they make
        sense, on numbers (not `s * n` made `s + n`) and not with `0` or `1` (`x * 1`)."""
        found = list(_ARITHMETIC.get(type(op), ()))
        plain = not {self.kind(left), self.kind(right)} & COLLECTIONS and not {
            integer(left),
            integer(right),
        } & {0, 1}
        return [(other, cost) for other, cost in found if cost == 1 or plain]

    def _boolean(self) -> None:
        for site in self.sites:
            node = site.node
            if isinstance(node, ast.BoolOp):
                other = ast.Or if isinstance(node.op, ast.And) else ast.And
                for left, right in zip(node.values, node.values[1:], strict=False):
                    change = self.op_token(left, right, node.op, other)
                    if change:
                        self.add("boolean", 1, node, change)

    def _range_bound(self) -> None:
        for site in self.sites:
            node = site.node
            if not is_range(node):
                continue
            assert isinstance(node, ast.Call)
            for index, argument in enumerate(node.args):
                for delta in (-1, 1):
                    if integer(argument) == -delta and (index == 2 or index < len(node.args) == 2):
                        # A step of 0 fails; a start of 0 is the variant without a start.
                        continue
                    self.add("range_bound", 1, node, *self.shifted(argument, delta))
            name = self.source.segment(node.func)
            parts = [self.text(a, TEST) for a in node.args]
            if len(parts) == 1:
                self.replace("range_bound", 1, node, node, f"{name}(1, {parts[0]})")
            elif len(parts) == 2 and integer(node.args[0]) != 0:
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
            value = integer(node)
            if value is None or (
                isinstance(node, ast.Constant) and isinstance(parent, ast.UnaryOp)
            ):
                continue
            if is_range(parent) or site.place in ("lower", "upper"):
                # The bound edits shift these already (and know when not to).
                continue
            for delta in (-1, 1):
                if folds(site):
                    assert isinstance(parent, ast.BinOp)
                    self.add("constant", 1, parent, *self.shifted(parent, delta))
                else:
                    text, binds = number(value + delta)
                    wrapped = wrap(text, binds, slot(parent, site.place))
                    self.replace("constant", 1, node, node, wrapped)

    def _negation(self) -> None:
        for test, owner, place in tests(self.statement, self.sites):
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
                if isinstance(node.op, ast.Add) and self.numeric(node.left, node.right):
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

    def _variable(self) -> None:
        scope = self.scope
        called = {id(s.node.func) for s in self.sites if isinstance(s.node, ast.Call)}
        for site in self.sites:
            node = site.node
            if not isinstance(node, ast.Name) or not isinstance(node.ctx, ast.Load):
                continue
            if id(node) in called or (node.id not in scope and node.id not in site.bound):
                continue
            kind = self.source.type_of(node.id, scope)
            # A receiver (`xs.append`) only swaps for one whose type has the attribute.
            attribute = site.parent.attr if isinstance(site.parent, ast.Attribute) else None
            for other in self.variables(site.bound, kind, node.id):
                if attribute and not has_attribute(self.source.type_of(other, scope), attribute):
                    continue
                self.replace("variable", 2, node, node, other)

    def _return_value(self) -> None:
        statement = self.statement
        if not isinstance(statement, ast.Return) or statement.value is None:
            return
        value = statement.value
        if self.kind(value) in ("int", "float") and not isinstance(value, ast.Constant):
            # One more or one less than the number returned; literals have their own edits.
            for delta in (-1, 1):
                self.add("return_value", 2, value, *self.shifted(value, delta))
        if isinstance(value, ast.Name):
            kind, current = self.source.type_of(value.id, self.scope), value.id
        else:
            kind, current = guess(value), None
        for other in self.variables((), kind, current):
            self.replace("return_value", 3, value, value, other)
