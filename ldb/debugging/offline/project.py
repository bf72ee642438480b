"""The offline engine on a project: blocks blamed across files from the spectra of the
targets' test files, and a repair searched among small edits of the suspect files, each
checked by a pytest run that sees the edited file in place of the tree's."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass

from ldb import cfg
from ldb.debugging.offline import evidence
from ldb.debugging.offline.edits import Edit, edits
from ldb.debugging.offline.judging import at_level, blame
from ldb.debugging.offline.localise import Localisation, localise, value_types, verdicts
from ldb.debugging.offline.repair import first_passing
from ldb.debugging.strategy import ProjectRound, ProjectStep
from ldb.literals import Level
from ldb.models import Event, FunctionGraph, TraceResult, Verdict
from ldb.run.tracing import CaseTrace
from ldb.settings import RunLimits

SEPARATOR = "::"
"""Between a file and a qualname in the names the engine ranks blocks by
(`pkg/mod.py::Cart.total`), so that functions of two files never meet."""

_IMPORTS = "<imports>"
"""The goal of a round whose code fails on import: that the tests collect."""

_BATCH = 8
"""Candidates checked by one warm run: its start-up shared by all of them."""

IMPORT_PLACE = re.compile(r"^(?P<file>[^\s:]+\.py):(?P<line>\d+): ")
"""`pkg/mod.py:12: NameError: …`: the place the message of code failing on import names."""


@dataclass(frozen=True)
class FileEdit:
    """An edit of one file of the project."""

    file: str
    edit: Edit

    @property
    def description(self) -> str:
        return f"{self.file} {self.edit.description}"


def step(state: ProjectRound, level: Level, budget_s: float, most: int) -> ProjectStep:
    """Verdicts on the blocks the failing targets ran, and the first small edit of the most
    suspicious lines (in the files a repair may change) that makes them pass and keeps every
    passing test passing."""
    if state.result.status == "program_error":
        return _import_failure(state, budget_s)
    spectra, traces, graphs, localisation = ranked(state)
    judged = at_level(verdicts(localisation), level, graphs, localisation)
    if not localisation.suspects:
        message = "no block of the project's code ran in a failing test"
        return ProjectStep(filed(judged), None, message=message)
    places = [
        (file, suspect.lines)
        for suspect in localisation.suspects[:most]
        for file in [suspect.function.partition(SEPARATOR)[0]]
        if file in state.editable
    ]
    if not places:
        message = "the suspect blocks are all in files a repair may not change (tests)"
        return ProjectStep(filed(judged), None, message=message)
    values = value_types(traces)
    candidates = _candidates(state, places, values)
    goal = frozenset(state.goal)
    limits = state.limits_for_candidates(spectra.seconds)
    repair = first_passing(
        candidates,
        lambda batch: _passed(state, batch, limits),
        goal=goal,
        passing=frozenset(state.passing),
        budget_s=budget_s,
        batch=_BATCH,
    )
    if repair.best is None:
        why = "no edit of the suspicious lines passes more tests"
        if not repair.exhausted:
            why += f" (the {budget_s:g} s search budget ran out)"
        return ProjectStep(filed(judged), None, message=f"{why}; {repair.tried} edits tried")
    found = repair.best.edit
    passed = len(goal & repair.best.passed)
    words = f"{found.description} ({passed} of {len(goal)} tests pass, {repair.tried} edits tried)"
    proof = f"{found.edit.change} here makes {passed} of {len(goal)} tests pass"
    in_file = [g for g in graphs if g.qualname.startswith(found.file + SEPARATOR)]
    blamed = blame(verdicts(localisation), in_file, found.edit.line, proof, repair.complete)
    judged = at_level(blamed, level, graphs, localisation)
    files = {**state.files, found.file: found.edit.program}
    suspected = [line for file, lines in places if file == found.file for line in lines]
    marked = evidence.marks(
        state.text(found.file),
        found.edit,
        task=state.task,
        values=values,
        suspected_lines=suspected,
    )
    doubts = [f"{found.description}: {flag}" for flag in marked.flags]
    return ProjectStep(filed(judged), files, edit=words, doubts=doubts)


def ranked(
    state: ProjectRound,
) -> tuple[TraceResult, list[CaseTrace], list[FunctionGraph], Localisation]:
    """The blocks the failing tests ran, most suspicious first, from a traced run of every
    test of the check (the run, each test's trace, and the CFGs it ranked). Functions are
    named `file::qualname` throughout; `filed` splits the verdicts made of them."""
    backend = state.runs.backend("auto")
    spectra, traces = state.runs.run(state.tests, backend, overrides=state.files, every_case=True)
    traces = [_named(trace) for trace in traces]
    graphs = _graphs(state, traces)
    traced = state.result.traced_case
    shown = state.result.cases[traced].test if traced is not None else None
    focus = next((i for i, t in enumerate(traces) if t.case.test == shown), None)
    return spectra, traces, graphs, localise(graphs, traces, focus)


def _import_failure(state: ProjectRound, budget_s: float) -> ProjectStep:
    """The code under test fails on import: the line it names is the suspect, and the goal
    is that the tests collect."""
    message = state.result.message or "the project's code fails on import"
    place = IMPORT_PLACE.match(message)
    blamed = Verdict(function="<module>", block=None, correct=False, explanation=message)
    if place is None or place["file"] not in state.editable:
        return ProjectStep([blamed], None, message=f"no repair for: {message}")
    file, line = place["file"], int(place["line"])
    blamed = blamed.model_copy(update={"file": file, "line": line})
    candidates = (FileEdit(file, edit) for edit in edits(state.text(file), [line]))
    limits = state.limits_for_candidates(state.result.seconds)
    repair = first_passing(
        candidates,
        lambda batch: [_passed_cold(state, edit, limits) for edit in batch],
        goal=frozenset({_IMPORTS}),
        passing=frozenset(),
        budget_s=budget_s,
        batch=1,
    )
    if repair.best is None:
        return ProjectStep([blamed], None, message=f"no edit of {file}:{line} imports; {message}")
    found = repair.best.edit
    files = {**state.files, found.file: found.edit.program}
    return ProjectStep([blamed], files, edit=f"{found.description} (the tests collect)")


def _candidates(
    state: ProjectRound, places: Sequence[tuple[str, list[int]]], values: dict[str, str]
) -> Iterator[FileEdit]:
    """The edits of each place in turn (most suspicious first), none twice."""
    seen: set[tuple[str, str]] = set()
    for file, lines in places:
        for edit in edits(state.text(file), lines, values=values):
            if (file, edit.program) not in seen:
                seen.add((file, edit.program))
                yield FileEdit(file, edit)


def _passed(
    state: ProjectRound, batch: list[FileEdit], limits: RunLimits
) -> list[frozenset[Hashable]]:
    """The tests that pass with each edit: all checked in one warm run, those it could not
    swap in each in a run of their own."""
    changes = [{edit.file: edit.edit.program} for edit in batch]
    warm = state.runs.check(
        state.tests,
        changes,
        overrides=state.files,
        limits=limits,
        failing=state.goal - state.passing,
        passing=state.passing,
    )
    return [
        frozenset(passed) if passed is not None else _passed_cold(state, edit, limits)
        for edit, passed in zip(batch, warm, strict=True)
    ]


def _passed_cold(
    state: ProjectRound, candidate: FileEdit, limits: RunLimits
) -> frozenset[Hashable]:
    """The tests that pass with the edit in a run of its own; `<imports>` among them when the
    tests collect."""
    overrides = {**state.files, candidate.file: candidate.edit.program}
    result, _ = state.runs.run(state.tests, "off", overrides=overrides, limits=limits)
    passed: set[Hashable] = {case.test for case in result.cases if case.status == "passed"}
    if result.status not in ("program_error", "collection_error", "no_tests"):
        passed.add(_IMPORTS)
    return frozenset(passed)


def _named(trace: CaseTrace) -> CaseTrace:
    """A test's trace with each function named by its file too."""
    events = [_renamed(event) for event in trace.events]
    return CaseTrace(trace.case, events, trace.visits)


def _renamed(event: Event) -> Event:
    if event.file is None:
        return event
    return event.model_copy(update={"function": f"{event.file}{SEPARATOR}{event.function}"})


def _graphs(state: ProjectRound, traces: Sequence[CaseTrace]) -> list[FunctionGraph]:
    """The CFGs of every file a test ran code of, each function named by its file; module
    code is left out (it ran on import, not in the test)."""
    ran = {function.partition(SEPARATOR)[0] for t in traces for function, _ in t.visits}
    ran |= set(state.graphs)
    graphs: list[FunctionGraph] = []
    for file in sorted(ran):
        found = state.graphs.get(file)
        if found is None:
            try:
                found = cfg.program_graphs(state.text(file), file)
            except (OSError, UnicodeDecodeError):
                continue
        graphs += [
            graph.model_copy(update={"qualname": f"{file}{SEPARATOR}{graph.qualname}"})
            for graph in found
            if graph.qualname != "<module>"
        ]
    return graphs


def filed(judged: list[Verdict]) -> list[Verdict]:
    """Verdicts as the result shows them: the file apart from the function."""
    filed = []
    for verdict in judged:
        file, separator, function = verdict.function.partition(SEPARATOR)
        if separator:
            verdict = verdict.model_copy(update={"file": file, "function": function})
        filed.append(verdict)
    return filed
