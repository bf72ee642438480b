"""The offline engine as a debugging strategy: verdicts from the cases' spectra and states,
a repair from the edit search."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ldb.debugging.offline.examples import examples
from ldb.debugging.offline.localise import Localisation, localise, verdicts
from ldb.debugging.offline.repair import search
from ldb.debugging.offline.self_tests import Stripped, strip_self_tests
from ldb.debugging.strategy import Round, Step, Strategy
from ldb.literals import Level
from ldb.llm.base import Usage
from ldb.models import FunctionGraph, Verdict
from ldb.run.tracing import CaseTrace, trace_cases

_TYPE_OF_REPR = (
    (re.compile(r"-?\d+"), "int"),
    (re.compile(r"-?\d+\.\d*(e[-+]?\d+)?|-?inf|nan"), "float"),
    (re.compile(r"""(?s)['"].*['"]"""), "str"),
    (re.compile(r"(?s)\[.*\]"), "list"),
    (re.compile(r"(?s)\{.*\}"), "dict"),
    (re.compile(r"(?s)\(.*\)"), "tuple"),
    (re.compile(r"True|False"), "bool"),
    (re.compile(r"None"), "None"),
)


@dataclass
class OfflineEngine(Strategy):
    """Judges blocks without a model and repairs by testing small edits in the sandbox."""

    level: Level = "block"
    budget_s: float = 20.0
    """Time for one repair search."""
    suspects: int = 6
    """How many of the most suspicious blocks the search edits."""

    name = "offline"

    def step(self, state: Round) -> Step:
        if state.result.status == "program_error":
            stripped = strip_self_tests(state.program)
            if stripped is not None:
                return _without_self_tests(stripped, state)
        tests = _with_examples(state.tests, state.task, state.program, state.entry_point)
        traced, traces = trace_cases(
            state.program, tests, entry_point=state.entry_point, limits=state.limits
        )
        graphs = state.graphs
        localisation = localise(graphs, traces, state.result.traced_case)
        blocks = verdicts(localisation)
        judged = _at_level(blocks, self.level, graphs, localisation)
        if not localisation.suspects:
            return Step(judged, None, message="no block of the program ran in a failing case")
        passing = frozenset(i for i, t in enumerate(traces) if t.case.status == "passed")
        timeout = max(1.0, min(state.limits.timeout_s, 5.0))
        # An edit that loops forever must cost little: a case gets a few times what the whole
        # traced run took (tracing is itself several times slower than the untraced runs).
        case_cpu = min(timeout, max(0.25, 5 * traced.seconds))
        repair = search(
            state.program,
            tests,
            localisation.lines(self.suspects),
            entry_point=state.entry_point,
            passing=passing,
            total=len(traces),
            budget_s=self.budget_s,
            values=_types(traces),
            limits=state.limits.updated(timeout_s=timeout, case_cpu_s=case_cpu),
        )
        if repair.best is None:
            why = "no edit of the suspicious lines passes more tests"
            if not repair.exhausted:
                why += f" (the {self.budget_s:g} s search budget ran out)"
            return Step(judged, None, message=f"{why}; {repair.tried} edits tried")
        edit = repair.best.edit
        passed = len(repair.best.passed)
        words = f"{edit.description} ({passed} of {len(traces)} cases pass"
        words += f", {repair.tried} edits tried)"
        change = edit.description.partition(": ")[2]
        proof = f"changing {change} here makes {passed} of {len(traces)} cases pass"
        blamed = _blame(blocks, graphs, edit.line, proof, repair.complete)
        judged = _at_level(blamed, self.level, graphs, localisation)
        return Step(judged, edit.program, edit=words, usage=Usage())


def _without_self_tests(stripped: Stripped, state: Round) -> Step:
    """The program stops on import at code of its own that tests it: that code is the fault,
    and the first repair is to go without it."""
    spans = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in stripped.lines)
    error = state.result.message or "an error"
    words = f"the module-level code at lines {spans} runs on import and fails ({error})"
    blamed = [
        Verdict(function="<module>", block=None, visit=None, correct=False, explanation=words)
    ]
    edit = f"lines {spans}: the program's own module-level checks removed"
    return Step(blamed, stripped.program, edit=edit)


def _blame(
    judged: list[Verdict],
    graphs: Sequence[FunctionGraph],
    line: int,
    proof: str,
    complete: bool,
) -> list[Verdict]:
    """The block the repair edited is incorrect, whatever its score: the passing edit is the
    strongest evidence there is. When the edit passes every case, the other blocks blamed
    are no longer: they are left not judged, first the edited block."""
    edited = {
        (graph.qualname, block.id)
        for graph in graphs
        if graph.qualname != "<module>"
        for block in graph.blocks
        if block.start_line is not None
        and block.end_line is not None
        and block.start_line <= line <= block.end_line
    }
    blamed: list[Verdict] = []
    others: list[Verdict] = []
    for verdict in judged:
        if (verdict.function, verdict.block) in edited:
            explanation = f"{verdict.explanation}; {proof}"
            blamed.append(verdict.model_copy(update={"correct": False, "explanation": explanation}))
        elif complete and verdict.correct is False:
            others.append(verdict.model_copy(update={"correct": None}))
        else:
            others.append(verdict)
    return blamed + others


def _with_examples(
    tests: str | Sequence[str], task: str | None, program: str, entry_point: str | None
) -> str | list[str]:
    """With a single visible test the spectra cannot tell blocks apart: the task's own
    examples (and the docstring's) join the tests then."""
    cases = [tests] if isinstance(tests, str) else list(tests)
    plain = isinstance(tests, str) and "def " in tests
    if plain or entry_point is None or len(_asserts(cases)) > 1:
        return tests if isinstance(tests, str) else list(tests)
    extra = examples(f"{task or ''}\n{program}", entry_point)
    normalised = {_normal(case) for case in _asserts(cases)}
    added = [case for case in extra if _normal(case) not in normalised]
    if isinstance(tests, str):
        return "\n".join([tests.rstrip("\n"), *added]) + "\n"
    return [*tests, *added]


def _asserts(cases: list[str]) -> list[str]:
    return [line for case in cases for line in case.splitlines() if line.strip()]


def _normal(case: str) -> str:
    return re.sub(r"\s+", "", case)


def _types(traces: Sequence[CaseTrace]) -> dict[str, str]:
    """The type of each variable's values in the runs, told from their reprs; None does not
    count, being the placeholder of a variable that later holds the real type."""
    found: dict[str, str] = {}
    for trace in traces:
        for event in trace.events:
            for name, text in event.state.items():
                if name not in found:
                    kind = next((k for p, k in _TYPE_OF_REPR if p.fullmatch(text)), None)
                    if kind is not None and kind != "None":
                        found[name] = kind
    return found


def _at_level(
    judged: list[Verdict],
    level: Level,
    graphs: Sequence[FunctionGraph],
    localisation: Localisation,
) -> list[Verdict]:
    """Block verdicts restated per line (each line takes its block's) or per function (the
    worst of its blocks)."""
    if level == "block":
        return judged
    if level == "line":
        by_block = {(g.qualname, b.id): b for g in graphs for b in g.blocks}
        return [
            verdict.model_copy(update={"line": line})
            for verdict in judged
            if verdict.block is not None
            for line in by_block[(verdict.function, verdict.block)].lines
        ]
    worst: dict[str, Verdict] = {}
    for verdict in judged:
        kept = worst.get(verdict.function)
        if kept is None or (verdict.suspiciousness or 0) > (kept.suspiciousness or 0):
            worst[verdict.function] = verdict.model_copy(update={"block": None, "visit": None})
    return list(worst.values())
