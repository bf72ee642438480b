"""The trace viewer: one self-contained HTML page (no network, no CDN) that draws each
function's control-flow graph, the path a test took, the states step by step, and the
debugger's verdicts and repairs."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from ldb import cfg
from ldb.models import DebugResult, FunctionGraph, TraceResult, Verdict
from ldb.present.layout import layout
from ldb.run.tracing import trace
from ldb.settings import RunLimits

_ASSETS = resources.files(__name__)
ASSETS = Path(str(_ASSETS))
"""The viewer's static files (index.html, viewer.js, viewer.css), for a server to serve."""


def asset(name: str) -> str:
    """A static file of the viewer (`viewer.js`, `viewer.css`, `index.html`)."""
    return (_ASSETS / name).read_text(encoding="utf-8")


def view(
    title: str,
    program: str,
    trace: TraceResult | None,
    verdicts: Sequence[Verdict] = (),
    diff: str | None = None,
    edit: str | None = None,
    graphs: Sequence[FunctionGraph] | None = None,
) -> dict[str, Any]:
    """What the page shows for one program: its graphs laid out (`graphs`, else those of
    `program`), its trace, its verdicts."""
    graphs = list(graphs) if graphs is not None else cfg.program_graphs(program)
    return {
        "title": title,
        "program": program,
        "graphs": [
            {**graph.model_dump(mode="json"), "layout": layout(graph).to_json()}
            for graph in graphs
            if graph.qualname != "<module>" or len(graphs) == 1
        ],
        "trace": trace.model_dump(mode="json", by_alias=True) if trace is not None else None,
        "verdicts": [verdict.model_dump(mode="json") for verdict in verdicts],
        "diff": diff,
        "edit": edit,
    }


def trace_views(program: str, result: TraceResult) -> list[dict[str, Any]]:
    return [view("Trace", program, result)]


def project_views(root: Path, result: TraceResult) -> list[dict[str, Any]]:
    """A project's trace as the page shows a program's: each function named with its file
    (`shop/cart.py::total`), and the graphs of the functions the traced test ran."""

    def named(file: str | None, function: str) -> str:
        return function if file is None else f"{file}::{function}"

    ran = {(e.file, e.function) for e in result.events} | {
        (v.file, v.function) for v in result.visits
    }
    graphs = [
        graph.model_copy(update={"qualname": named(file, graph.qualname)})
        for file in sorted({file for file, _ in ran if file is not None})
        for graph in cfg.program_graphs((root / file).read_text(encoding="utf-8"), file)
        if (file, graph.qualname) in ran
    ]
    renamed = result.model_copy(
        update={
            "events": [
                e.model_copy(update={"function": named(e.file, e.function)}) for e in result.events
            ],
            "visits": [
                v.model_copy(update={"function": named(v.file, v.function)}) for v in result.visits
            ],
        }
    )
    return [view("Trace", "", renamed, graphs=graphs)]


def debug_views(
    result: DebugResult,
    test: str | Sequence[str] | None,
    entry_point: str | None = None,
    limits: RunLimits | None = None,
) -> list[dict[str, Any]]:
    """A view per round (its program, the trace of its failing case, verdicts and repair),
    then the final program's. A result holds no events, so each round's failing case is
    traced again with `test`, for the states the viewer steps through (none without it)."""
    programs = [(it.program, it.traced_case) for it in result.iterations]
    programs.append((result.program, None))
    traces = [
        trace(program, test, entry_point=entry_point, case=case, limits=limits)
        if test is not None
        else None
        for program, case in programs
    ]
    views = [
        view(
            f"Round {iteration.index + 1}",
            iteration.program,
            traced,
            iteration.verdicts,
            iteration.diff,
            iteration.edit,
        )
        for iteration, traced in zip(result.iterations, traces, strict=False)
    ]
    views.append(view(f"Final ({result.status})", result.program, traces[-1]))
    return views


def summary(title: str, result: TraceResult | DebugResult) -> dict[str, Any]:
    """The page's heading: a title, and the outcome in a line."""
    if isinstance(result, TraceResult):
        return {"title": title, "line": f"{result.status} ({result.tracer})"}
    rounds = len(result.iterations)
    line = f"{result.status} after {rounds} round{'s' * (rounds != 1)} ({result.model})"
    return {"title": title, "line": line}


def page(views: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    """The whole page in one file: styles, script and data inline."""
    data = json.dumps({"views": views, "summary": summary}, separators=(",", ":"))
    # `</` would end the script element early; JSON allows escaping the slash.
    data = data.replace("</", "<\\/")
    title = html.escape(str(summary.get("title", "ldb")))
    return (
        asset("index.html")
        .replace("{{title}}", title)
        .replace("/*{{css}}*/", asset("viewer.css"))
        .replace("/*{{data}}*/null", data)
        .replace("/*{{js}}*/", asset("viewer.js"))
    )
