"""The offline engine as a debugging strategy: verdicts from the cases' spectra and states,
a repair from the edit search."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ldb.debugging.offline import evidence, project
from ldb.debugging.offline.examples import examples
from ldb.debugging.offline.judging import at_level, blame
from ldb.debugging.offline.localise import (
    Localisation,
    blocks_run,
    localise,
    value_types,
    verdicts,
)
from ldb.debugging.offline.repair import answer, search
from ldb.debugging.offline.self_tests import Stripped, strip_self_tests
from ldb.debugging.strategy import Judge, ProjectRound, ProjectStep, Round, Step
from ldb.literals import Level
from ldb.llm.base import Usage
from ldb.models import Verdict
from ldb.run.tracing import trace_cases


@dataclass
class OfflineEngine(Judge):
    """Judges blocks without a model and repairs by testing small edits in the sandbox."""

    level: Level = "block"
    budget_s: float = 20.0
    """Time for one repair search."""
    suspects: int = 6
    """How many of the most suspicious blocks the search edits."""
    project_budget_s: float = 90.0
    """Time for one repair search of a project, whose every candidate is a pytest run."""
    alternatives: int = 6
    """Other edits passing the tests to look for once one does, to weigh it against."""

    name = "offline"

    def step_project(self, state: ProjectRound) -> ProjectStep:
        return project.step(state, self.level, self.project_budget_s, self.suspects)

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
        judged = at_level(blocks, self.level, graphs, localisation)
        if not localisation.suspects:
            return Step(judged, None, message="no block of the program ran in a failing case")
        passing = frozenset(i for i, t in enumerate(traces) if t.case.status == "passed")
        timeout = max(1.0, min(state.limits.timeout_s, 5.0))
        # An edit that loops forever must cost little: a case gets a few times what the whole
        # traced run took (tracing is itself several times slower than the untraced runs).
        case_cpu = min(timeout, max(0.25, 5 * traced.seconds))
        values = value_types(traces)
        limits = state.limits.updated(timeout_s=timeout, case_cpu_s=case_cpu)
        repair = search(
            state.program,
            tests,
            localisation.lines(self.suspects),
            entry_point=state.entry_point,
            passing=passing,
            total=len(traces),
            budget_s=self.budget_s,
            values=values,
            limits=limits,
            alternatives=self.alternatives,
            pairs=_two_blocks(localisation),
            answers=[answer(trace.case) for trace in traces],
        )
        if repair.best is None:
            why = "no edit of the suspicious lines passes more tests"
            if not repair.exhausted:
                why += f" (the {self.budget_s:g} s search budget ran out)"
            return Step(judged, None, message=f"{why}; {repair.tried} edits tried")
        suspected = localisation.lines()
        if repair.complete:
            chosen = evidence.choose(
                state.program,
                [repair.best.edit, *repair.alternatives],
                tests=[trace.case.test for trace in traces],
                passing_tests=passing,
                entry_point=state.entry_point or state.defines,
                task=state.task,
                values=values,
                suspected_lines=suspected,
                limits=limits.updated(case_cpu_s=min(case_cpu, 0.25)),
                test_paths=[frozenset(blocks_run(trace)) for trace in traces],
            )
            edit, doubts, passed = chosen.edit, chosen.doubts, len(traces)
            weak = evidence.weak_tests(repair.moved, len(passing))
            if weak:
                doubts.append(weak)
            if not repair.exhausted and len(repair.alternatives) < self.alternatives:
                doubts.append(
                    f"the {self.budget_s:g} s search ran out before every other edit of the "
                    "suspicious lines was tried: one passing the tests too may answer otherwise"
                )
        else:
            edit, passed = repair.best.edit, len(repair.best.passed)
            marked = evidence.marks(
                state.program, edit, task=state.task, values=values, suspected_lines=suspected
            )
            # A step that passes more cases but not all is kept only for a later round to
            # finish: no edit of it is shown right on its own, and together they never were.
            partial = f"a partial step ({passed} of {len(traces)} cases pass), finished later"
            doubts = [*marked.flags, partial]
        words = f"{edit.description} ({passed} of {len(traces)} cases pass"
        words += f", {repair.tried} edits tried)"
        proof = f"{edit.change} here makes {passed} of {len(traces)} cases pass"
        blamed = blame(blocks, graphs, edit.line, proof, repair.complete)
        judged = at_level(blamed, self.level, graphs, localisation)
        found = [f"{edit.description}: {doubt}" for doubt in doubts]
        return Step(judged, edit.program, edit=words, usage=Usage(), doubts=found)


def _two_blocks(localisation: Localisation) -> list[tuple[list[int], list[int]]]:
    """Pairs of the most suspicious blocks, for edits of two lines at once: where the trace
    points at two blocks, the fault may be in both."""
    top = localisation.suspects[:_PAIRED_BLOCKS]
    return [(a.lines, b.lines) for a, b in itertools.combinations(top, 2)]


_PAIRED_BLOCKS = 3


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
    # No doubt here: the checks removed are run on the final program, as every repair's are.
    return Step(blamed, stripped.program, edit=edit)


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
