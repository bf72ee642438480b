"""Repair by search: small edits of the most suspicious lines, each run against the tests in
the sandbox, the first that passes them all kept."""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from ldb.debugging.offline.edits import Edit, edit_pairs, edits
from ldb.models import CaseResult, TraceResult
from ldb.run.tracing import trace
from ldb.settings import RunLimits

T = TypeVar("T")


@dataclass(frozen=True)
class Candidate(Generic[T]):
    """An edit and how the tests went with it."""

    edit: T
    passed: frozenset[Hashable]
    """The cases that passed: their indexes, or a project's node ids."""


@dataclass(frozen=True)
class Repair(Generic[T]):
    """What the search found: an edit passing every case asked for, else the best step
    towards one (more of them pass, none that passed before fails), else nothing."""

    best: Candidate[T] | None
    complete: bool
    tried: int
    seconds: float
    exhausted: bool
    """Every candidate was tried (rather than the time running out)."""
    alternatives: tuple[T, ...] = ()
    """Other edits passing every case, found while looking on for a while after the first:
    the evidence that the tests pin the repair down (or do not)."""
    moved: tuple[Moved, ...] = ()
    """For each case the program failed, how the edits tried changed its answer."""


@dataclass(frozen=True)
class Moved:
    """How the edits tried moved one failing case: how many changed its answer, and how many
    of those made it pass. Where most changes pass it (a yes/no answer, say), passing it
    says little about an edit."""

    case: int
    changed: int
    passed: int

    @property
    def ease(self) -> float:
        """The share of answer-changing edits that pass the case, smoothed (a case moved by
        no edit says nothing either way: one half)."""
        return (self.passed + 1) / (self.changed + 2)


def search(
    program: str,
    tests: Sequence[str] | str,
    lines: Sequence[int],
    *,
    entry_point: str | None,
    passing: frozenset[int],
    total: int,
    budget_s: float = 20.0,
    limits: RunLimits,
    values: Mapping[str, str] | None = None,
    workers: int | None = None,
    alternatives: int = 0,
    pairs: Sequence[tuple[Sequence[int], Sequence[int]]] = (),
    answers: Sequence[str] = (),
) -> Repair[Edit]:
    """Try the edits of `lines` (most suspicious first, smallest first within a line) until
    one passes every case or `budget_s` runs out; then, when no single edit passes more
    cases, edits of two lines at once, one from each side of `pairs`, in the time left.
    `passing` are the cases the program passes now: a partial step must keep them. Each run
    is bound by `limits`. With `alternatives`, up to that many other complete edits are
    looked for after the first (single edits only: a pair is no rival to a single edit).
    `answers`, the program's own answer to each case (as `answer` words it), lets the search
    count how the edits moved each failing case."""
    failing = [i for i in range(len(answers)) if i not in passing]
    moved = {i: [0, 0] for i in failing}
    tally = threading.Lock()

    def check(edit: Edit) -> frozenset[Hashable]:
        result = trace(edit.program, tests, entry_point=entry_point, tracer="off", limits=limits)
        passed = frozenset(_passed(result))
        if len(result.cases) == len(answers):
            with tally:
                for i in failing:
                    now = result.cases[i]
                    if now.status != "timeout" and answer(now) != answers[i]:
                        moved[i][0] += 1
                        moved[i][1] += i in passed
        return passed

    width = workers or min(4, os.cpu_count() or 1)
    with ThreadPoolExecutor(width, thread_name_prefix="ldb-repair") as threads:

        def run(candidates: Iterator[Edit], seconds: float) -> Repair[Edit]:
            return first_passing(
                candidates,
                lambda batch: list(threads.map(check, batch)),
                goal=frozenset(range(total)),
                passing=frozenset(passing),
                budget_s=seconds,
                batch=width,
                alternatives=alternatives,
            )

        singles = run(edits(program, lines, values=values), budget_s)
        found = singles
        left = budget_s - singles.seconds
        if singles.best is None and pairs and singles.exhausted and left > 0:
            doubles = run(_pairs(program, pairs, values), left)
            found = replace(
                doubles,
                tried=singles.tried + doubles.tried,
                seconds=singles.seconds + doubles.seconds,
            )
    with tally:
        return replace(found, moved=tuple(Moved(i, *moved[i]) for i in failing))


def answer(case: CaseResult) -> str:
    """A case's outcome and the value it got, as one comparable string."""
    return f"{case.status}: {case.actual}"


def _pairs(
    program: str,
    pairs: Sequence[tuple[Sequence[int], Sequence[int]]],
    values: Mapping[str, str] | None,
) -> Iterator[Edit]:
    for first, second in pairs:
        yield from edit_pairs(program, first, second, values=values)


def first_passing(
    candidates: Iterator[T],
    check: Callable[[list[T]], list[frozenset[Hashable]]],
    *,
    goal: frozenset[Hashable],
    passing: frozenset[Hashable],
    budget_s: float,
    batch: int,
    alternatives: int = 0,
) -> Repair[T]:
    """Check the candidates in order, `batch` at a time (`check` gives the cases each one
    passes), until one passes every case of `goal` or `budget_s` runs out. A candidate that
    passes all `passing` passes now and more of `goal` is the best step so far.

    With `alternatives`, the search goes on after the first complete candidate, within the
    budget, and keeps up to that many more complete ones: a repair is only as good as the
    tests that tell it from others."""
    started = time.perf_counter()
    deadline = started + budget_s
    best: Candidate[T] | None = None
    found: list[T] = []
    tried = 0
    for edits_ in _batches(candidates, batch):
        if time.perf_counter() >= deadline:
            break
        # In order within a batch: the earliest (most suspicious, smallest) edit wins.
        for edit, passed in zip(edits_, check(edits_), strict=True):
            candidate = Candidate(edit, passed)
            tried += 1
            if goal <= candidate.passed:
                if not found:
                    best = candidate
                found.append(edit)
                if len(found) > alternatives:
                    return _found(best, found, tried, started, exhausted=False)
                continue
            gained = len(goal & candidate.passed)
            if (
                not found
                and passing <= candidate.passed
                and gained > len(goal & passing)
                and (best is None or gained > len(goal & best.passed))
            ):
                best = candidate
    else:
        return _found(best, found, tried, started, exhausted=True)
    return _found(best, found, tried, started, exhausted=False)


def _found(
    best: Candidate[T] | None, found: list[T], tried: int, started: float, *, exhausted: bool
) -> Repair[T]:
    seconds = time.perf_counter() - started
    return Repair(best, bool(found), tried, seconds, exhausted, tuple(found[1:]))


def _batches(candidates: Iterator[T], size: int) -> Iterator[list[T]]:
    while batch := list(itertools.islice(candidates, size)):
        yield batch


def _passed(result: TraceResult) -> frozenset[int]:
    return frozenset(i for i, case in enumerate(result.cases) if case.status == "passed")
