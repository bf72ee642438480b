"""Human-readable rendering of ldb's results for the terminal (rich markup)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text

from ldb.models import Block, FunctionGraph

_SYNTAX = Syntax("", "python", theme="ansi_dark", background_color="default")

_EDGE_STYLES = {
    "true": "green",
    "false": "red",
    "loop": "cyan",
    "loop_exit": "cyan",
    "raise": "magenta",
    "exception": "magenta",
    "assert_fail": "magenta",
    "return": "yellow",
}


def blocks(graphs: Iterable[FunctionGraph]) -> RenderableType:
    """Each unit's blocks: id, lines, source and where control goes next."""
    return Group(*(_graph(graph) for graph in graphs))


def _graph(graph: FunctionGraph) -> RenderableType:
    title = Text.assemble(
        (graph.qualname, "bold"),
        f"  line {graph.start_line}, {len(graph.blocks)} blocks, ",
        f"entry [{graph.entry}], exit [{graph.exit}]",
    )
    return Group(title, *(_block(block, graph) for block in graph.blocks), Text(""))


def _block(block: Block, graph: FunctionGraph) -> RenderableType:
    if block.id == graph.exit:
        label = Text.assemble((f"  [{block.id}]", "bold"), " exit")
    elif block.start_line == block.end_line:
        label = Text.assemble((f"  [{block.id}]", "bold"), f" line {block.start_line}")
    else:
        label = Text.assemble(
            (f"  [{block.id}]", "bold"), f" lines {block.start_line}-{block.end_line}"
        )
    if block.unreachable:
        label.append("  unreachable", style="dim italic")
    parts: list[RenderableType] = [label]
    if block.source:
        source = _SYNTAX.highlight(block.source)
        source.rstrip()
        parts.extend(Text("      ") + line for line in source.split("\n"))
    if block.successors:
        edges = Text("      → ")
        for index, edge in enumerate(block.successors):
            if index:
                edges.append(", ")
            edges.append(f"[{edge.id}] {edge.kind}", style=_EDGE_STYLES.get(edge.kind, ""))
        parts.append(edges)
    return Group(*parts)
