"""The trace viewer: one self-contained HTML page (no network, no CDN) that draws each
function's control-flow graph, the path a test took, the states step by step, and the
debugger's verdicts and repairs."""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ldb import cfg
from ldb.models import DebugResult, FunctionGraph, ProjectDebugResult, TraceResult, Verdict
from ldb.present.layout import layout
from ldb.present.viewer import patches
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
    return [_project_view("Trace", _Tree(root).text, result)]


def project_debug_views(root: Path, result: ProjectDebugResult) -> list[dict[str, Any]]:
    """A view per round of debugging a project (its traced test, its verdicts, its patch),
    then the final files' with the whole patch; functions named with their files as in
    `project_views`. A round's graphs are drawn from the files as that round tested them:
    the tree's under `root` with the earlier rounds' patches applied. A tree that holds the
    final files (`--apply`) has the originals got back by undoing the whole patch; a text
    that cannot be rebuilt is drawn as the tree holds it, and the view says so (`notes`)."""
    tree = _Tree(root)
    views = []
    for iteration, texts in zip(result.iterations, _round_texts(tree, result), strict=True):
        shown = _project_view(
            f"Round {iteration.index + 1}",
            texts.text,
            iteration.trace,
            iteration.verdicts,
            iteration.patch,
            iteration.edit,
        )
        shown["notes"] = [
            f"{path}: this round's text could not be rebuilt from the patches; drawn as the "
            "tree holds it"
            for path in texts.unsure
        ]
        views.append(shown)
    # The final view shows the functions any round ran or judged, in the final files.
    ran = {key for iteration in result.iterations for key in _ran(iteration.trace)}
    judged = {
        (verdict.file, verdict.function)
        for iteration in result.iterations
        for verdict in iteration.verdicts
    }
    final = _project_view(
        f"Final ({result.status})",
        _Texts(tree, result.files).text,
        None,
        diff=result.patch or None,
        functions=ran | judged,
    )
    views.append(final)
    return views


class _Tree:
    """The texts of a project's files as its tree holds them, each read once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._texts: dict[str, str | None] = {}

    def text(self, relative: str) -> str | None:
        """The file's exact text (its line endings kept, as a repair's patch has them); None
        when it cannot be read as UTF-8."""
        if relative not in self._texts:
            try:
                self._texts[relative] = (self.root / relative).read_bytes().decode("utf-8")
            except (OSError, UnicodeDecodeError):
                self._texts[relative] = None
        return self._texts[relative]


@dataclass(frozen=True)
class _Texts:
    """The files' texts as one round tested them: the tree's but for those it `overrides`
    (a relative path → its text); `unsure`: files whose text could not be rebuilt."""

    tree: _Tree
    overrides: Mapping[str, str]
    unsure: Sequence[str] = ()

    def text(self, relative: str) -> str | None:
        if relative in self.overrides:
            return self.overrides[relative]
        return self.tree.text(relative)


def _round_texts(tree: _Tree, result: ProjectDebugResult) -> list[_Texts]:
    """The texts each round tested, rebuilt from the tree and the rounds' patches."""
    current: dict[str, str] = {}
    unsure: set[str] = set()
    kept = [path for path, text in result.files.items() if tree.text(path) == text]
    if kept:
        # Applied: the tree holds the final texts; undoing the whole patch gives the first.
        undone = patches.apply(
            {path: result.files[path] for path in kept}, result.patch, reverse=True
        )
        for path in kept:
            original = undone.get(path)
            if original is None:
                unsure.add(path)
            else:
                current[path] = original
    rounds = []
    for iteration in result.iterations:
        rounds.append(_Texts(tree, dict(current), sorted(unsure)))
        if not iteration.patch:
            continue
        before = {}
        for path in patches.files(iteration.patch):
            text = current.get(path, tree.text(path))
            if text is not None:
                before[path] = text
        for path, after in patches.apply(before, iteration.patch).items():
            if after is None:
                unsure.add(path)
                current.pop(path, None)
            else:
                current[path] = after
    return rounds


def _named(file: str | None, function: str) -> str:
    return function if file is None else f"{file}::{function}"


def _ran(trace: TraceResult | None) -> set[tuple[str | None, str]]:
    if trace is None:
        return set()
    return {(e.file, e.function) for e in trace.events} | {
        (v.file, v.function) for v in trace.visits
    }


def _project_view(
    title: str,
    text_of: Callable[[str], str | None],
    trace: TraceResult | None,
    verdicts: Sequence[Verdict] = (),
    diff: str | None = None,
    edit: str | None = None,
    functions: Set[tuple[str | None, str]] | None = None,
) -> dict[str, Any]:
    """The view of a project's run: the graphs of `functions` (else those the trace ran or
    the verdicts judge) from the files' texts `text_of` gives, every function named with
    its file in the graphs, the trace and the verdicts alike."""
    if functions is None:
        functions = _ran(trace) | {(v.file, v.function) for v in verdicts}
    graphs: list[FunctionGraph] = []
    for file in sorted({file for file, _ in functions if file is not None}):
        text = text_of(file)
        if text is None:
            continue
        graphs.extend(
            graph.model_copy(update={"qualname": _named(file, graph.qualname)})
            for graph in cfg.program_graphs(text, file)
            if (file, graph.qualname) in functions
        )
    renamed = None
    if trace is not None:
        renamed = trace.model_copy(
            update={
                "events": [
                    e.model_copy(update={"function": _named(e.file, e.function)})
                    for e in trace.events
                ],
                "visits": [
                    v.model_copy(update={"function": _named(v.file, v.function)})
                    for v in trace.visits
                ],
            }
        )
    named = [v.model_copy(update={"function": _named(v.file, v.function)}) for v in verdicts]
    return view(title, "", renamed, named, diff, edit, graphs=graphs)


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


def summary(title: str, result: TraceResult | DebugResult | ProjectDebugResult) -> dict[str, Any]:
    """The page's heading: a title, and the outcome in a line; for a debug run, also its
    status, why it is not passed or fixed (`message`) and a plausible repair's `doubts`; for a
    project, also the targets, the tests run and the whole patch."""
    if isinstance(result, TraceResult):
        return {"title": title, "line": f"{result.status} ({result.tracer})"}
    rounds = len(result.iterations)
    line = f"{result.status} after {rounds} round{'s' * (rounds != 1)} ({result.model})"
    outcome = {
        "status": result.status,
        "message": result.message if result.status != "fixed" else None,
        "doubts": result.doubts,
    }
    if isinstance(result, DebugResult):
        return {"title": title, "line": line, **outcome}
    named = ", ".join(result.targets[:3]) + (
        f" and {len(result.targets) - 3} more" if len(result.targets) > 3 else ""
    )
    line += (
        f" in {result.seconds:.1f} s · targets: {named or 'none'} · {len(result.tests)} tests run"
    )
    if result.applied:
        line += " · patch applied"
    return {
        "title": title,
        "line": line,
        **outcome,
        "model": result.model,
        "seconds": result.seconds,
        "targets": result.targets,
        "tests": result.tests,
        "patch": result.patch,
    }


def inputs(request: Mapping[str, Any]) -> dict[str, Any]:
    """What a run was given, as the page shows it above the run: a program's `code`, `test`
    (a string or a list of asserts), `task` and `entry_point`; a project's `tests` and the
    names of its `files` (their texts are in the graphs)."""
    shown: dict[str, Any] = {
        key: request[key]
        for key in ("code", "test", "task", "entry_point", "tests")
        if request.get(key) is not None
    }
    files = request.get("files")
    if isinstance(files, Mapping):
        shown["files"] = sorted(files)
    return shown


def page(
    views: list[dict[str, Any]],
    summary: dict[str, Any],
    given: Mapping[str, Any] | None = None,
) -> str:
    """The whole page in one file: styles, script and data inline; `given`, what the run was
    given (see `inputs`), shown above it."""
    data = json.dumps(
        {"views": views, "summary": summary, "inputs": inputs(given) if given else None},
        separators=(",", ":"),
    )
    # Any `<` escaped: `</script` would end the data's element early, and `<!--<script` would
    # make the parser take the viewer's own script for more data.
    data = data.replace("<", "\\u003c")
    title = html.escape(str(summary.get("title", "ldb")))
    return (
        asset("index.html")
        .replace("{{title}}", title)
        .replace("/*{{css}}*/", asset("viewer.css"))
        .replace("/*{{data}}*/null", data)
        .replace("/*{{js}}*/", asset("viewer.js"))
    )
