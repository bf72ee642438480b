"""The expressions of a statement an edit may rewrite, each with where it sits."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ldb.debugging.offline.edits.scopes import parameters, targets

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
_NOT_EXPRESSIONS = (ast.expr_context, ast.operator, ast.boolop, ast.cmpop, ast.unaryop)


@dataclass(frozen=True)
class Site:
    """An expression of a statement with where it sits."""

    node: ast.expr
    parent: ast.AST
    place: str
    bound: tuple[str, ...]
    """Names bound by the lambdas and comprehensions around it."""


def sites(statement: ast.stmt) -> list[Site]:
    found: list[Site] = []
    for name, root in roots(statement):
        _walk(root, statement, name, (), found)
    return found


def roots(statement: ast.stmt) -> list[tuple[str, ast.AST]]:
    """The expressions that are the statement's own: a compound statement's header only."""
    match statement:
        case ast.If() | ast.While():
            return [("test", statement.test)]
        case ast.For() | ast.AsyncFor():
            return [("target", statement.target), ("iter", statement.iter)]
        case ast.With() | ast.AsyncWith():
            return [("items", item) for item in statement.items]
        case ast.FunctionDef() | ast.AsyncFunctionDef():
            defaults = [*statement.args.defaults, *statement.args.kw_defaults]
            return [("defaults", d) for d in defaults if d is not None]
        case ast.Match():
            return [("subject", statement.subject)]
        case ast.ClassDef() | ast.Try() | ast.TryStar():
            return []
    found: list[tuple[str, ast.AST]] = []
    for name, value in ast.iter_fields(statement):
        if name == "annotation":
            continue
        if isinstance(value, ast.AST):
            found.append((name, value))
        elif isinstance(value, list):
            found += [(name, item) for item in value if isinstance(item, ast.AST)]
    return found


def _walk(
    node: ast.AST, parent: ast.AST, name: str, bound: tuple[str, ...], out: list[Site]
) -> None:
    # Before 3.12, positions inside f-strings can be wrong: leave them alone.
    if isinstance(node, (ast.JoinedStr, *_NOT_EXPRESSIONS)):
        return
    if isinstance(node, ast.expr):
        out.append(Site(node, parent, name, bound))
    if isinstance(node, ast.Lambda):
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                _walk(default, node.args, "defaults", bound, out)
        inner = bound + tuple(p.arg for p in parameters(node.args))
        _walk(node.body, node, "body", inner, out)
        return
    if isinstance(node, _COMPREHENSIONS):
        inner = bound
        for generator in node.generators:
            _walk(generator.iter, generator, "iter", inner, out)
            inner += targets(generator.target)
            for condition in generator.ifs:
                _walk(condition, generator, "ifs", inner, out)
        for part_name in ("elt", "key", "value"):
            part = getattr(node, part_name, None)
            if isinstance(part, ast.expr):
                _walk(part, node, part_name, inner, out)
        return
    for child_name, value in ast.iter_fields(node):
        children = value if isinstance(value, list) else [value]
        for child in children:
            if isinstance(child, ast.AST):
                _walk(child, node, child_name, bound, out)
