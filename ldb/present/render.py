"""Human-readable rendering of ldb's results for the terminal (rich markup)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.status import Status
from rich.syntax import Syntax
from rich.text import Text

from ldb.closing import Closing
from ldb.models import (
    Block,
    DebugResult,
    Event,
    FunctionGraph,
    Iteration,
    ProjectDebugResult,
    ProjectIteration,
    TraceResult,
    Verdict,
)
from ldb.present import sources
from ldb.wire import PROGRAM_FILENAME

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
    "skipped": "dim",
}
_CASE_MARKS = {
    "passed": "✓",
    "failed": "✗",
    "error": "✗",
    "timeout": "⏱",
    "not_run": "·",
    "skipped": "-",
}


def trace(
    result: TraceResult,
    graphs: Iterable[FunctionGraph],
    project: Mapping[str, Iterable[FunctionGraph]] | None = None,
) -> RenderableType:
    """The outcome of each case, the failing one's expected and actual values, then the traced
    case step by step: each block's source beside the variables it changed. A project's
    graphs come by file (`project`), as its events name them."""
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
        by_name: dict[tuple[str | None, str], FunctionGraph] = {
            (None, g.qualname): g for g in graphs
        }
        for file, graphs_of_file in (project or {}).items():
            by_name.update({(file, g.qualname): g for g in graphs_of_file})
        parts.append(_events(result, by_name))
    for note in result.notes:
        parts.append(Text(f"  note: {note}", style="dim"))
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


def _events(
    result: TraceResult, graphs: dict[tuple[str | None, str], FunctionGraph]
) -> RenderableType:
    rows: list[tuple[Text, list[Text], Text]] = []
    previous: dict[int, dict[str, str]] = {}
    for event in result.events:
        indent = "  " * (event.depth - 1)
        label = Text(f"{event.step:>4}  {indent}", style="dim")
        if event.block is None:
            args = ", ".join(f"{name}={value}" for name, value in event.state.items())
            label.append(f"{event.function}({args})", style="cyan")
            if event.file is not None:
                label.append(f"  {event.file}", style="dim")
            previous[event.frame] = dict(event.state)
            rows.append((label, [], Text()))
            continue
        label.append(f"{event.function} [{event.block}]")
        if event.visit > 1:
            label.append(f" #{event.visit}", style="dim")
        graph = graphs.get((event.file, event.function))
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


_DEBUG_STYLES = {
    "passed": "bold green",
    "fixed": "bold green",
    "plausible": "bold yellow",
    "unfixed": "bold red",
    "error": "bold red",
}
_REPAIRED = ("fixed", "plausible")
"""The statuses whose tests pass after a repair: its change is shown whole, as a fix's is."""


def debug(result: DebugResult, filename: str = PROGRAM_FILENAME) -> RenderableType:
    """Each round: how the tests went, the verdicts (✗ the blocks blamed, with the evidence),
    and the repair as a coloured diff; then the outcome."""
    parts: list[RenderableType] = []
    for iteration in result.iterations:
        shown = (sources.blocks_of(iteration.program), iteration.program.splitlines())
        diff = _named(iteration.diff, filename) if iteration.diff else None
        parts += _round(iteration, "cases", _program_lookup(shown), diff)
    parts += _outcome(result, len(result.iterations))
    if result.status in _REPAIRED and len(result.iterations) > 1:
        parts.append(Text("The whole change:", style="bold"))
        parts.append(_diff(_named(result.diff, filename)))
    return Group(*parts)


def debug_project(
    result: ProjectDebugResult, source: Callable[[str], str | None]
) -> RenderableType:
    """`debug` for a project: each round's tests, the traced test, the verdicts (each with its
    file), the repair; then the outcome and the whole patch. `source` gives a file's text."""
    parts: list[RenderableType] = []
    for iteration in result.iterations:
        parts += _round(iteration, "tests", _file_lookup(source), iteration.patch)
    parts += _outcome(result, len(result.iterations))
    rounds = len(result.iterations)
    repaired = result.status in _REPAIRED
    if result.patch and (repaired and rounds > 1 or result.status == "unfixed"):
        words = "The whole change:" if repaired else "The change so far:"
        parts.append(Text(words, style="bold"))
        parts.append(_diff(result.patch))
    if result.applied:
        parts.append(Text(f"Applied to {', '.join(sorted(result.files))}.", style="green"))
    return Group(*parts)


_Lookup = Callable[[Verdict], tuple[dict[tuple[str, int], Block], list[str]]]
"""The blocks and source lines a verdict is shown against."""


def _program_lookup(shown: tuple[dict[tuple[str, int], Block], list[str]]) -> _Lookup:
    """Every verdict shown against the one program."""
    return lambda verdict: shown


def _file_lookup(source: Callable[[str], str | None]) -> _Lookup:
    """Each verdict's blocks and lines from its file, each file read and split once."""
    shown = sources.files_shown(source)
    return lambda verdict: shown(verdict.file)


_MESSAGE_STYLES = {"passed": "", "plausible": "yellow"}


def _outcome(result: DebugResult | ProjectDebugResult, rounds: int) -> list[Text]:
    """`FIXED  after 1 round   [offline, 0.3 s]`, with why when it is not fixed; a plausible
    repair's doubts beneath, one a line."""
    outcome = Text.assemble((result.status.upper(), _DEBUG_STYLES[result.status]))
    outcome.append(f"  after {rounds} round{'s' * (rounds != 1)}")
    if result.message and result.status != "fixed":
        outcome.append(f"  {result.message}", style=_MESSAGE_STYLES.get(result.status, "red"))
    usage = f", {result.usage.total_tokens} tokens" if result.usage.total_tokens else ""
    outcome.append(f"   [{result.model}{usage}, {result.seconds:.1f} s]", style="dim")
    doubts = [Text.assemble(("  doubt: ", "bold yellow"), doubt) for doubt in result.doubts]
    return [outcome, *doubts]


def _round(
    iteration: Iteration | ProjectIteration, unit: str, lookup: _Lookup, diff: str | None
) -> list[RenderableType]:
    """One round: its tests, the case traced and how it failed, the verdicts, the repair."""
    passed = sum(case.status == "passed" for case in iteration.cases)
    header = Text.assemble(
        (f"Round {iteration.index + 1}", "bold"),
        f"  {passed} of {len(iteration.cases)} {unit} pass",
    )
    parts: list[RenderableType] = [header]
    if iteration.message and iteration.status != "failed":
        parts.append(Text(f"  {iteration.status}: {iteration.message}", style="red"))
    if iteration.traced_case is not None:
        case = iteration.cases[iteration.traced_case]
        parts.append(Text.assemble(("  ✗ ", "red"), case.test.splitlines()[0]))
        if case.expected is not None:
            parts.append(Text.assemble("      expected ", (case.expected, "green")))
        if case.actual is not None:
            parts.append(Text.assemble("      actual   ", (case.actual, "red")))
        if case.error is not None and case.expected is None:
            parts.append(Text(f"      {case.error.type}: {case.error.message}", style="red"))
        elif case.error is None and case.expected is None:
            parts.append(Text(f"      {case.status}", style="red"))
    judged = [v for v in iteration.verdicts if v.correct is not None]
    for verdict in sorted(judged, key=lambda v: v.correct is not False):
        parts.extend(_verdict(verdict, *lookup(verdict)))
    unknown = len(iteration.verdicts) - len(judged)
    if unknown:
        parts.append(Text(f"  ? {unknown} not judged", style="dim"))
    if iteration.edit:
        parts.append(Text.assemble(("  repair: ", "bold"), iteration.edit))
    if diff:
        parts.append(_diff(diff))
    parts.append(Text(""))
    return parts


def _verdict(
    verdict: Verdict, blocks: dict[tuple[str, int], Block], source: list[str]
) -> list[Text]:
    """`✗ line 11 in f (block 3, visit 1): return averages`, the explanation beneath."""
    blamed = verdict.correct is False
    mark, style = ("✗", "bold red") if blamed else ("✓", "green")
    block = blocks.get((verdict.function, verdict.block)) if verdict.block is not None else None
    lines = [verdict.line] if verdict.line is not None else block.lines if block else []
    where = ""
    if lines:
        where = f"line {lines[0]}" if len(lines) == 1 else f"lines {lines[0]}-{lines[-1]}"
        where += " in "
    where += verdict.function if verdict.file is None else f"{verdict.file} {verdict.function}"
    about = [f"block {verdict.block}"] if verdict.block is not None else []
    about += [f"visit {verdict.visit}"] if verdict.visit else []
    if about:
        where += f" ({', '.join(about)})"
    text = Text.assemble("  ", (mark, style), " ", (where, "bold" if blamed else "dim"))
    shown = sources.first_statement(lines, source)
    if shown:
        text.append(": ")
        text.append(shown, style="" if blamed else "dim")
    found = [text]
    if verdict.explanation:
        found.append(Text(f"      {verdict.explanation}", style="" if blamed else "dim"))
    return found


def _named(diff: str, filename: str) -> str:
    """The diff's headers name the user's file (relative, as git shows it)."""
    name = filename.lstrip("/")
    return diff.replace(f"--- a/{PROGRAM_FILENAME}", f"--- a/{name}", 1).replace(
        f"+++ b/{PROGRAM_FILENAME}", f"+++ b/{name}", 1
    )


def _diff(diff: str) -> RenderableType:
    return Syntax(diff.rstrip("\n"), "diff", theme="ansi_dark", background_color="default")


class DebugProgress(Closing):
    """A spinner on standard error saying which stage of which round the debugger is at,
    from entering a `with` block to leaving it."""

    def __init__(self, console: Console, enabled: bool = True) -> None:
        self.status: Status | None = None
        if enabled and console.is_terminal:
            self.status = console.status("running the tests")

    def __enter__(self) -> DebugProgress:
        if self.status is not None:
            self.status.start()
        return self

    def close(self) -> None:
        if self.status is not None:
            self.status.stop()

    def update(self, stage: str, details: dict[str, Any]) -> None:
        if self.status is None:
            return
        round_number = int(details.get("iteration", 0)) + 1
        words = {
            "tests": "judging the blocks and searching for a repair",
            "verdicts": "repairing",
            "repair": "testing the repair",
            "iteration": "testing the repair",
        }.get(stage)
        if words is not None:
            self.status.update(f"round {round_number}: {words}")
