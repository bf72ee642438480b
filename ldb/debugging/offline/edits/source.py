"""The program as text and tree: statements by line, node spans, scopes and operator tokens."""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

from ldb import asts
from ldb.debugging.offline.edits.facts import Facts
from ldb.debugging.offline.edits.precedence import SYMBOLS
from ldb.debugging.offline.edits.scopes import (
    FUNCTIONS,
    SCOPES,
    Scope,
    definitions,
    parameters,
    read_scope,
)
from ldb.debugging.offline.edits.sites import roots

Change = tuple[int, int, str]
"""Replace the program's characters `[start, end)` by the text."""
Node = ast.expr | ast.stmt | ast.keyword

_NEWLINE = re.compile(r"\r\n|\r|\n")
_COMMENT = re.compile(r"#[^\r\n]*")


@dataclass
class Place:
    """Where a statement sits: its scope, its top-level statement, and its block."""

    scope: ast.AST
    top: ast.stmt
    parent: ast.stmt | None
    """The compound statement whose block holds it; None at the top level."""
    body: list[ast.stmt]
    """The block that holds it."""


@dataclass
class Source:
    """The program parsed, with its statements indexed by line and its scopes read."""

    text: str
    values: Mapping[str, str]
    tree: ast.Module = field(init=False)
    starts: list[int] = field(init=False)
    statements: dict[int, list[ast.stmt]] = field(init=False, default_factory=dict)
    places: dict[ast.stmt, Place] = field(init=False, default_factory=dict)
    scopes: dict[ast.AST, Scope] = field(init=False, default_factory=dict)
    methods: set[ast.AST] = field(init=False, default_factory=set)
    module_names: set[str] = field(init=False, default_factory=set)
    newline: str = field(init=False)
    """The program's line ending, for the lines an edit inserts."""
    facts: dict[ast.AST, Facts] = field(init=False, default_factory=dict)
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(
        init=False, default_factory=dict
    )
    """The program's functions (nested ones too) by name, the first of each name."""

    def __post_init__(self) -> None:
        with warnings.catch_warnings():
            # Warnings about the program (invalid escapes, `is` with a literal) are not ours.
            warnings.simplefilter("ignore")
            self.tree = asts.parse_module(self.text)
        self.starts = [0, *(m.end() for m in _NEWLINE.finditer(self.text))]
        self._index(self.tree.body, self.tree, None, None)
        self.module_names = definitions(self.tree.body)
        newline = _NEWLINE.search(self.text)
        self.newline = newline.group() if newline else "\n"

    def _index(
        self, body: list[ast.stmt], scope: ast.AST, top: ast.stmt | None, parent: ast.stmt | None
    ) -> None:
        for statement in body:
            self.places[statement] = Place(scope, top or statement, parent, body)
            if isinstance(statement, FUNCTIONS):
                self.functions.setdefault(statement.name, statement)
            end = _header_end(statement)
            for line in range(statement.lineno, end + 1):
                self.statements.setdefault(line, []).append(statement)
            inner = statement if isinstance(statement, SCOPES) else scope
            if isinstance(statement, FUNCTIONS) and isinstance(scope, ast.ClassDef):
                decorators = {d.id for d in statement.decorator_list if isinstance(d, ast.Name)}
                if "staticmethod" not in decorators:
                    self.methods.add(statement)
            for child in _child_bodies(statement):
                self._index(child, inner, top or statement, statement)

    def offset(self, line: int, column: int) -> int:
        """The character offset of a node position (whose column counts UTF-8 bytes)."""
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        text = self.text[start:end]
        if text.isascii():
            return start + column
        return start + len(text.encode()[:column].decode())

    def span(self, node: Node) -> tuple[int, int]:
        start = self.offset(node.lineno, node.col_offset)
        end_line, end_column = node.end_lineno, node.end_col_offset
        assert end_line is not None and end_column is not None
        return start, self.offset(end_line, end_column)

    def segment(self, node: Node) -> str:
        start, end = self.span(node)
        return self.text[start:end]

    def scope(self, statement: ast.stmt) -> Scope:
        node = self.places[statement].scope
        if node not in self.scopes:
            method = node in self.methods
            self.scopes[node] = read_scope(node, method=method, module_names=self.module_names)
        return self.scopes[node]

    def type_of(self, name: str, scope: Scope) -> str | None:
        return self.values.get(name) or scope.get(name)

    def function(self, statement: ast.stmt) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The function whose body holds the statement (not a class body or the module)."""
        node = self.places[statement].scope
        return node if isinstance(node, FUNCTIONS) else None

    def facts_of(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Facts:
        if function not in self.facts:
            self.facts[function] = Facts.read(function)
        return self.facts[function]


def _header_end(statement: ast.stmt) -> int:
    """The last line of the statement's own text: for a compound statement, of its header."""
    if not _child_bodies(statement):
        return statement.end_lineno or statement.lineno
    header: list[ast.AST] = [node for _, node in roots(statement)]
    if isinstance(statement, FUNCTIONS):
        header += [*parameters(statement.args), *filter(None, [statement.returns])]
    ends: list[int] = [
        end
        for root in header
        for n in ast.walk(root)
        if isinstance(end := getattr(n, "end_lineno", None), int)
    ]
    return max([statement.lineno, *ends])


def _child_bodies(statement: ast.stmt) -> list[list[ast.stmt]]:
    bodies: list[list[ast.stmt]] = []
    for name in ("body", "orelse", "finalbody"):
        body = getattr(statement, name, None)
        if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
            bodies.append(body)
    bodies += [h.body for h in getattr(statement, "handlers", ())]
    bodies += [case.body for case in getattr(statement, "cases", ())]
    return bodies


def find_operator(text: str, start: int, end: int, op: ast.AST, new: str) -> Change | None:
    """The change of the operator written between `start` and `end` to `new`."""
    words = SYMBOLS[type(op)].split()
    pattern = r"\s+".join(rf"\b{w}\b" if w.isalpha() else re.escape(w) for w in words)
    return _search(text, start, end, pattern, new)


def find_symbol(text: str, start: int, end: int, symbol: str, new: str) -> Change | None:
    return _search(text, start, end, re.escape(symbol), new)


def _search(text: str, start: int, end: int, pattern: str, new: str) -> Change | None:
    # Between two operands only brackets, spaces, comments and the operator can stand; blank
    # the comments so that a symbol inside one is not taken for the operator.
    gap = _COMMENT.sub(lambda m: " " * len(m.group()), text[start:end])
    found = re.search(pattern, gap)
    return None if found is None else (start + found.start(), start + found.end(), new)
