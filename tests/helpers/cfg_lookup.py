"""A unit's graph and its blocks found by their source text, so that CFG tests read as the
program does: `goes(graph, "x > 0", "y = 3", "true")`."""

from __future__ import annotations

import textwrap

import ldb
from ldb.models import FunctionGraph
from tests.helpers.cfg_invariants import check


def graph_of(source: str, name: str | None = None) -> FunctionGraph:
    """The graph of the unit `name` (the only function when omitted); every graph built along
    the way must satisfy the invariants."""
    source = textwrap.dedent(source)
    graphs = ldb.blocks(source)
    assert check(source, graphs) == []
    if name is None:
        functions = [g for g in graphs if g.qualname != "<module>"]
        assert len(functions) == 1, [g.qualname for g in functions]
        return functions[0]
    return next(g for g in graphs if g.qualname == name)


def block(graph: FunctionGraph, text: str) -> int:
    """The id of the one block whose source has a line that reads `text`."""
    found = [
        b.id
        for b in graph.blocks
        if any(
            line.strip() == text or line.strip().startswith(text + "  #")
            for line in b.source.splitlines()
        )
        or text in b.source.split("; ")
    ]
    assert len(found) == 1, f"{text!r} found in blocks {found}"
    return found[0]


def edges(graph: FunctionGraph, text: str) -> set[tuple[int, str]]:
    return {(e.id, e.kind) for e in graph.blocks[block(graph, text)].successors}


def goes(graph: FunctionGraph, source: str, target: str | None, kind: str) -> bool:
    """Whether the block of `source` has an edge of `kind` to the block of `target` (None: the
    exit)."""
    target_id = graph.exit if target is None else block(graph, target)
    return (target_id, kind) in edges(graph, source)
