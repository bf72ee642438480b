"""Edits of expressions beyond their operators: literals swapped for common values, unary
operators added or removed, index terms added or dropped, initial values made extremes."""

from __future__ import annotations

import ast

from ldb.debugging.offline.edits.context import (
    Context,
    folds,
    integer,
    is_range,
    number,
    tests,
)
from ldb.debugging.offline.edits.precedence import (
    ARITH,
    AWAIT,
    FACTOR,
    NOT,
    TEST,
    precedence,
    slot,
    wrap,
)
from ldb.debugging.offline.edits.sites import Site

# The values a wrong small literal most often should have been; its neighbours are
# `constant`'s. Large literals (a base, a limit) are wrong by one more often than by these.
_COMMON = (0, 1, -1, 2)
_SMALL = range(-10, 11)
_DIVISIONS = (ast.Div, ast.FloorDiv, ast.Mod)
_INTEGERS = 3
"""At most this many integer variables are offered as a missing term of an index."""
_PREDICATES = frozenset(
    {"any", "all", "isinstance", "issubclass", "callable", "hasattr", "bool", "startswith"}
    | {"endswith", "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower"}
    | {"isnumeric", "isdecimal", "isidentifier", "istitle", "issubset", "issuperset"}
    | {"isdisjoint"}
)
# Comparisons whose negation is another comparison the `comparison` edit makes already.
_FLIPPED = (ast.Eq, ast.NotEq, ast.In, ast.NotIn, ast.Is, ast.IsNot)
_EXTREMES = ('float("inf")', 'float("-inf")')


def propose(context: Context) -> None:
    _bool_literal(context)
    _literal(context)
    _unary(context)
    _operand(context)
    _initial_value(context)


def _bool_literal(context: Context) -> None:
    for site in context.sites:
        node = site.node
        # `while True:` and `if False:` are the loop and the branch themselves, not a slip.
        if isinstance(node, ast.Constant) and type(node.value) is bool and site.place != "test":
            context.replace("bool_literal", 1, node, node, str(not node.value))


def _literal(context: Context) -> None:
    for site in context.sites:
        node, parent = site.node, site.parent
        value = integer(node)
        if value is None or (isinstance(node, ast.Constant) and isinstance(parent, ast.UnaryOp)):
            continue
        # Bounds and the `k` of `x ± k` have edits of their own that know these better.
        if is_range(parent) or site.place in ("lower", "upper", "step") or folds(site):
            continue
        divisor = (
            isinstance(parent, ast.BinOp)
            and isinstance(parent.op, _DIVISIONS)
            and site.place == "right"
        )
        for other in _substitutes(value, divisor):
            text, binds = number(other)
            context.replace("literal", 2, node, node, wrap(text, binds, slot(parent, site.place)))


def _substitutes(value: int, divisor: bool) -> list[int]:
    """The common values a small literal may have been meant as: not its neighbours, not 2
    for a literal at most 0, not 0 for a divisor."""
    if value not in _SMALL:
        return []
    return [
        other
        for other in _COMMON
        if abs(other - value) > 1
        and not (other == 2 and value <= 0)
        and not (other == 0 and divisor)
    ]


def _unary(context: Context) -> None:
    negated = {id(test) for test, _, _ in tests(context.statement, context.sites)}
    for site in context.sites:
        node, parent = site.node, site.parent
        needed = slot(parent, site.place)
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.operand, ast.Constant):
                context.replace("unary", 2, node, node, context.text(node.operand, needed))
        elif isinstance(parent, ast.UnaryOp) or id(node) in negated or _stored(node):
            continue
        elif _boolean(context, node):
            text = context.source.segment(node)
            text = f"not {text}" if precedence(node) >= AWAIT else f"not ({text})"
            context.replace("unary", 2, node, node, wrap(text, NOT, needed))
        elif _signed(context, site):
            text = f"-{context.text(node, FACTOR)}"
            context.replace("unary", 3, node, node, wrap(text, FACTOR, needed))


def _signed(context: Context, site: Site) -> bool:
    """Whether a `-` may be missing from the number: one returned, or a name, call or item
    assigned (not every sum, most of whose negations are absurd)."""
    node, parent = site.node, site.parent
    if site.place != "value" or integer(node) is not None:
        return False
    if context.kind(node) not in ("int", "float"):
        return False
    atom = isinstance(node, ast.Name | ast.Attribute | ast.Subscript | ast.Call)
    return isinstance(parent, ast.Return) or (isinstance(parent, ast.Assign) and atom)


def _stored(node: ast.expr) -> bool:
    return not isinstance(getattr(node, "ctx", ast.Load()), ast.Load)


def _boolean(context: Context, node: ast.expr) -> bool:
    """Whether the expression is a truth value a `not` may be missing from."""
    if isinstance(node, ast.Compare):
        return not (len(node.ops) == 1 and isinstance(node.ops[0], _FLIPPED))
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        return name in _PREDICATES
    if isinstance(node, ast.Name):
        return context.kind(node) == "bool"
    return isinstance(node, ast.BoolOp)


def _operand(context: Context) -> None:
    """An index or a bound with a term too many or too few."""
    for site in context.sites:
        node, parent = site.node, site.parent
        # An index of a sequence by position, not a key of a mapping.
        index = (
            isinstance(parent, ast.Subscript)
            and site.place == "slice"
            and not isinstance(node, ast.Slice | ast.Tuple)
            and context.kind(parent.value) != "dict"
            and context.kind(node) in ("int", None)
        )
        argument = is_range(parent) and site.place == "args"
        if not (index or argument or site.place in ("lower", "upper")):
            continue
        _drop_term(context, site)
        if (index or argument) and not isinstance(node, ast.Constant):
            used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            for name in _integers(context, site):
                if name not in used:
                    for symbol in "+-":
                        context.add("operand", 3, node, *context.appended(node, f"{symbol} {name}"))


def _integers(context: Context, site: Site) -> list[str]:
    names = dict.fromkeys([*context.scope, *site.bound])
    found = [n for n in names if context.source.type_of(n, context.scope) == "int"]
    return found[:_INTEGERS]


def _drop_term(context: Context, site: Site) -> None:
    terms = _terms(site.node)
    if len(terms) < 2:
        return
    for index, (_, term) in enumerate(terms):
        if isinstance(term, ast.Constant) or (index == 0 and terms[1][0] == "-"):
            # Literal terms fold with `constant`; `i - j` is not `-j` without its `i`.
            continue
        kept = terms[:index] + terms[index + 1 :]
        if len(kept) == 1:
            text = context.text(kept[0][1], slot(site.parent, site.place))
        else:
            parts = [context.text(kept[0][1], ARITH)]
            parts += [f"{sign} {context.text(t, ARITH + 1)}" for sign, t in kept[1:]]
            text = wrap(" ".join(parts), ARITH, slot(site.parent, site.place))
        context.replace("operand", 2, site.node, site.node, text)


def _terms(node: ast.expr) -> list[tuple[str, ast.expr]]:
    """The terms of a `+` / `-` chain with their signs (the first's is `+`)."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub)):
        return [("+", node)]
    sign = "+" if isinstance(node.op, ast.Add) else "-"
    return [*_terms(node.left), (sign, node.right)]


def _initial_value(context: Context) -> None:
    statement, facts = context.statement, context.facts
    if not isinstance(statement, ast.Assign) or facts is None:
        return
    value = statement.value
    names = {t.id for t in statement.targets if isinstance(t, ast.Name)}
    if isinstance(value, ast.Constant) and type(value.value) in (int, float):
        # A running minimum or maximum that starts at 0 misses values past it.
        if names & facts.ordered:
            for text in _EXTREMES:
                context.replace("initial_value", 3, value, value, text)
    elif (
        isinstance(value, ast.BinOp)
        and isinstance(value.op, ast.Mult)
        and isinstance(value.left, ast.List)
        and len(value.left.elts) == 1
        and isinstance(value.left.elts[0], ast.List | ast.ListComp | ast.BinOp)
    ):
        # `[[0] * n] * m` repeats one row: every row is the same list.
        row = context.text(value.left.elts[0], TEST)
        count = context.text(value.right, TEST)
        context.replace("initial_value", 3, value, value, f"[{row} for _ in range({count})]")
