"""Human-readable rendering of ldb's results for the terminal (rich markup)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text

from ldb.models import Block, Event, FunctionGraph, TraceResult

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


_STATUS_STYLES = {
    "passed": "bold green",
    "failed": "bold red",
    "error": "bold red",
    "timeout": "bold yellow",
    "not_run": "dim",
}
_CASE_MARKS = {"passed": "✓", "failed": "✗", "error": "✗", "timeout": "⏱", "not_run": "·"}


def trace(result: TraceResult, graphs: Iterable[FunctionGraph]) -> RenderableType:
    """The outcome of each case, the failing one's expected and actual values, then the traced
    case step by step: each block's source beside the variables it changed."""
    parts: list[RenderableType] = [_summary(result)]
    for case in result.cases:
        line = Text.assemble(
            "  ",
            (_CASE_MARKS[case.status], _STATUS_STYLES[case.status]),
            " ",
            case.test.splitlines()[0] if case.test else "",
        )
        parts.append(line)
        if case.status in ("failed", "error", "timeout"):
            if case.expected is not None:
                parts.append(Text.assemble("      expected ", (case.expected, "green")))
            if case.actual is not None:
                parts.append(Text.assemble("      actual   ", (case.actual, "red")))
            if case.error is not None and case.expected is None:
                where = f" (line {case.error.line})" if case.error.line else ""
                parts.append(
                    Text(f"      {case.error.type}: {case.error.message}{where}", style="red")
                )
    if result.traced_case is not None and result.events:
        parts.append(Text(""))
        header = Text.assemble(
            ("Trace of case ", "bold"),
            (str(result.traced_case + 1), "bold"),
            f"  ({len(result.events)} events",
            f", {result.dropped} dropped to fit the budget)" if result.dropped else ")",
        )
        parts.append(header)
        parts.append(_events(result, {g.qualname: g for g in graphs}))
    if result.stdout:
        parts.append(Text(""))
        parts.append(Text("Program output:", style="bold"))
        parts.append(Text(result.stdout.rstrip("\n")))
    return Group(*parts)


def _summary(result: TraceResult) -> Text:
    counts = {status: sum(c.status == status for c in result.cases) for status in _CASE_MARKS}
    title = result.status.replace("_", " ").upper()
    style = "bold green" if result.status == "passed" else "bold red"
    text = Text.assemble((title, style))
    if result.cases:
        text.append(f"  {counts['passed']} of {len(result.cases)} cases passed")
    if result.message:
        text.append(f"  {result.message}", style="red")
    text.append(
        f"   [{result.tracer} on Python {result.python}, {result.seconds:.2f} s]", style="dim"
    )
    return text


def _events(result: TraceResult, graphs: dict[str, FunctionGraph]) -> RenderableType:
    rows: list[tuple[Text, list[Text], Text]] = []
    previous: dict[int, dict[str, str]] = {}
    for event in result.events:
        indent = "  " * (event.depth - 1)
        label = Text(f"{event.step:>4}  {indent}", style="dim")
        if event.block is None:
            args = ", ".join(f"{name}={value}" for name, value in event.state.items())
            label.append(f"{event.function}({args})", style="cyan")
            previous[event.frame] = dict(event.state)
            rows.append((label, [], Text()))
            continue
        label.append(f"{event.function} [{event.block}]")
        if event.visit > 1:
            label.append(f" #{event.visit}", style="dim")
        graph = graphs.get(event.function)
        source = _without_docstring(graph.blocks[event.block].source) if graph else ""
        highlighted = _SYNTAX.highlight(source)
        highlighted.rstrip()
        lines = [Text(f"      {indent}") + line for line in highlighted.split("\n")]
        rows.append((label, lines, _changes(event, previous)))
    width = min(max((line.cell_len for _, lines, _ in rows for line in lines), default=0), 64)
    out: list[RenderableType] = []
    for label, lines, changes in rows:
        out.append(label)
        for index, line in enumerate(lines):
            if index == len(lines) - 1 and changes:
                line = line + Text(" " * max(1, width - line.cell_len + 2)) + changes
            out.append(line)
    return Group(*out)


def _changes(event: Event, previous: dict[int, dict[str, str]]) -> Text:
    """The variables this block set or changed, then what it returned or raised."""
    seen = previous.get(event.frame, {})
    changed = Text()
    for name, value in event.state.items():
        if seen.get(name) != value:
            if changed:
                changed.append("  ")
            changed.append(f"{name}=", style="bold")
            changed.append(value)
    previous[event.frame] = dict(event.state)
    if event.return_value is not None:
        changed.append("  ⇒ return " if changed else "⇒ return ", style="bold green")
        changed.append(event.return_value, style="green")
    if event.exception is not None:
        changed.append("  ⇒ raised " if changed else "⇒ raised ", style="bold red")
        changed.append(event.exception, style="red")
    if changed:
        changed = Text("│ ", style="dim") + changed
    return changed


def _without_docstring(source: str) -> str:
    for quote in ('"""', "'''"):
        if source.startswith(quote):
            end = source.find(quote, 3)
            if end >= 0:
                return source[end + 3 :].lstrip("\n") or source
    return source
