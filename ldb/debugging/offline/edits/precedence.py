"""Operator symbols and precedences: how tightly an expression binds, and when to bracket it."""

from __future__ import annotations

import ast

# Operator precedences, lowest first, as the grammar binds them (after `ast._Precedence`).
NAMED, TUPLE, YIELD, TEST, OR, AND, NOT, CMP, BOR, BXOR, BAND = range(11)
SHIFT, ARITH, TERM, FACTOR, POWER, AWAIT, ATOM = range(11, 18)

SYMBOLS: dict[type[ast.AST], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.MatMult: "@",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.And: "and",
    ast.Or: "or",
}
_BINARY_PRECEDENCE: dict[type[ast.AST], int] = {
    ast.Add: ARITH,
    ast.Sub: ARITH,
    ast.Mult: TERM,
    ast.Div: TERM,
    ast.FloorDiv: TERM,
    ast.Mod: TERM,
    ast.MatMult: TERM,
    ast.Pow: POWER,
    ast.LShift: SHIFT,
    ast.RShift: SHIFT,
    ast.BitOr: BOR,
    ast.BitXor: BXOR,
    ast.BitAnd: BAND,
}


def precedence(node: ast.AST) -> int:
    match node:
        case ast.NamedExpr():
            return NAMED
        case ast.Tuple():
            return TUPLE
        case ast.Yield() | ast.YieldFrom():
            return YIELD
        case ast.Lambda() | ast.IfExp():
            return TEST
        case ast.BoolOp():
            return AND if isinstance(node.op, ast.And) else OR
        case ast.UnaryOp():
            return NOT if isinstance(node.op, ast.Not) else FACTOR
        case ast.Compare():
            return CMP
        case ast.BinOp():
            return _BINARY_PRECEDENCE[type(node.op)]
        case ast.Await():
            return AWAIT
        case ast.Starred():
            return BOR
    return ATOM


def slot(parent: ast.AST, name: str) -> int:
    """The lowest precedence an expression may have, unparenthesised, in this place."""
    match parent:
        case ast.BinOp(op=ast.Pow()):
            return AWAIT if name == "left" else FACTOR
        case ast.BinOp():
            own = _BINARY_PRECEDENCE[type(parent.op)]
            return own if name == "left" else own + 1
        case ast.UnaryOp():
            return NOT if isinstance(parent.op, ast.Not) else FACTOR
        case ast.BoolOp():
            return precedence(parent) + 1
        case ast.Compare():
            return CMP + 1
        case ast.IfExp():
            return TEST if name == "orelse" else OR
        case ast.Attribute() | ast.Subscript() | ast.Call() | ast.Await():
            return ATOM if name in ("value", "func") else TEST
        case ast.Starred():
            return BOR
    return TEST


def wrap(text: str, precedence: int, needed: int) -> str:
    return f"({text})" if precedence < needed else text
