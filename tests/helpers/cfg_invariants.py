"""The properties every control-flow graph ldb builds must have, checked against the AST."""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterator, Sequence

import networkx as nx

from ldb.models import FunctionGraph
from ldb.source import parse

_JUMPS = (ast.Return, ast.Raise, ast.Break, ast.Continue, ast.Assert)
_COMPOUND = (
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.Try,
    ast.TryStar,
    ast.With,
    ast.AsyncWith,
    ast.Match,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
)
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def units(tree: ast.Module) -> Iterator[tuple[ast.AST, list[list[ast.stmt]]]]:
    """Every unit of a module with the suites of statements that belong to it (not those of
    units nested inside it)."""
    stack: list[ast.AST] = [tree]
    while stack:
        unit = stack.pop()
        suites: list[list[ast.stmt]] = []
        pending: list[list[ast.stmt]] = [unit.body]  # type: ignore[attr-defined]
        while pending:
            suite = pending.pop()
            suites.append(suite)
            for statement in suite:
                if isinstance(statement, _DEFINITIONS):
                    stack.append(statement)
                    continue
                for name in ("body", "orelse", "finalbody"):
                    child = getattr(statement, name, None)
                    if child:
                        pending.append(child)
                for handler in getattr(statement, "handlers", ()):
                    pending.append(handler.body)
                for case in getattr(statement, "cases", ()):
                    pending.append(case.body)
        yield unit, [s for s in suites if s]


def start(statement: ast.stmt) -> tuple[int, int]:
    if isinstance(statement, _DEFINITIONS) and statement.decorator_list:
        first = min(d.lineno for d in statement.decorator_list)
        return (min(first, statement.lineno), statement.col_offset)
    return (statement.lineno, statement.col_offset)


def check(source: str, graphs: Sequence[FunctionGraph]) -> list[str]:
    """Every violation of the invariants, as readable sentences (empty when all hold)."""
    problems: list[str] = []
    tree = parse(source)
    all_units = list(units(tree))
    if len(all_units) != len(graphs):
        problems.append(f"{len(all_units)} units in the AST but {len(graphs)} graphs")
    for graph in graphs:
        problems.extend(f"{graph.qualname}: {p}" for p in check_graph(graph))
    for unit, suites in all_units:
        owner = _graph_for(unit, graphs)
        if owner is None:
            problems.append(f"no graph for the unit at line {getattr(unit, 'lineno', 1)}")
            continue
        problems.extend(f"{owner.qualname}: {p}" for p in _check_statements(owner, suites))
    return problems


def _graph_for(unit: ast.AST, graphs: Sequence[FunctionGraph]) -> FunctionGraph | None:
    if isinstance(unit, ast.Module):
        return next((g for g in graphs if g.qualname == "<module>"), None)
    assert isinstance(unit, _DEFINITIONS)
    line = start(unit)[0]
    return next((g for g in graphs if g.start_line == line and g.name == unit.name), None)


def check_graph(graph: FunctionGraph) -> Iterator[str]:
    """The invariants that need only the graph itself."""
    ids = [block.id for block in graph.blocks]
    if ids != list(range(len(ids))):
        yield f"ids are not 0..n-1 in order: {ids}"
    if graph.exit != len(ids) - 1:
        yield f"the exit {graph.exit} is not the last block"
    exit_block = graph.blocks[-1]
    if exit_block.lines or exit_block.source or exit_block.successors:
        yield "the exit block is not empty"
    if len(ids) > 1 and graph.entry != 0:
        yield f"the entry is block {graph.entry}, not the first block"
    positions = []
    for block in graph.blocks[:-1]:
        if not block.lines or not block.spans:
            yield f"block {block.id} is empty"
            continue
        positions.append((block.spans[0].line, block.spans[0].col))
        if block.lines != [span.line for span in block.spans]:
            yield f"block {block.id}: lines {block.lines} do not match its spans"
        if block.start_line != block.lines[0] or (block.end_line or 0) < block.lines[-1]:
            yield f"block {block.id}: line range {block.start_line}-{block.end_line} is off"
        for edge in block.successors:
            if not 0 <= edge.id < len(ids):
                yield f"block {block.id} has an edge to {edge.id}, outside the graph"
    if positions != sorted(positions):
        yield "blocks are not in source order"
    digraph = graph.to_networkx()
    reachable = nx.descendants(digraph, graph.entry) | {graph.entry}
    for block in graph.blocks:
        if block.unreachable == (block.id in reachable):
            state = "unreachable" if block.unreachable else "reachable"
            yield f"block {block.id} is marked {state} but is not"


def _check_statements(graph: FunctionGraph, suites: list[list[ast.stmt]]) -> Iterator[str]:
    owner: dict[tuple[int, int], list[int]] = {}
    for block in graph.blocks:
        for span in block.spans:
            owner.setdefault((span.line, span.col), []).append(block.id)
    starts = Counter(position[0] for position in owner)
    line_owner: dict[int, set[int]] = {}
    for block in graph.blocks:
        for line in block.lines:
            line_owner.setdefault(line, set()).add(block.id)
    for suite in suites:
        for statement in suite:
            position = start(statement)
            holders = owner.get(position, [])
            if len(holders) != 1:
                yield f"the statement at {position} lies in blocks {holders}, not exactly one"
                continue
            line = position[0]
            if starts[line] == 1 and len(line_owner.get(line, ())) != 1:
                yield f"line {line} lies in blocks {sorted(line_owner.get(line, ()))}"
        for first, second in zip(suite, suite[1:], strict=False):
            if isinstance(first, _COMPOUND + _JUMPS) or isinstance(second, _COMPOUND):
                continue
            a, b = owner.get(start(first)), owner.get(start(second))
            if a and b and a != b:
                yield f"consecutive statements at lines {first.lineno} and {second.lineno} split"
