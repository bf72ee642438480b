"""Repair by search: small edits of the most suspicious lines, each run against the tests in
the sandbox, the first that passes them all kept."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

from ldb.debugging.offline.edits import Edit, edits
from ldb.models import TraceResult
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
) -> Repair[Edit]:
    """Try the edits of `lines` (most suspicious first, smallest first within a line) until
    one passes every case or `budget_s` runs out. `passing` are the cases the program passes
    now: a partial step must keep them. Each run is bound by `limits`."""

    def check(edit: Edit) -> frozenset[Hashable]:
        result = trace(edit.program, tests, entry_point=entry_point, tracer="off", limits=limits)
        return frozenset(_passed(result))

    width = workers or min(4, os.cpu_count() or 1)
    with ThreadPoolExecutor(width, thread_name_prefix="ldb-repair") as threads:
        return first_passing(
            edits(program, lines, values=values),
            lambda batch: list(threads.map(check, batch)),
            goal=frozenset(range(total)),
            passing=frozenset(passing),
            budget_s=budget_s,
            batch=width,
        )


def first_passing(
    candidates: Iterator[T],
    check: Callable[[list[T]], list[frozenset[Hashable]]],
    *,
    goal: frozenset[Hashable],
    passing: frozenset[Hashable],
    budget_s: float,
    batch: int,
) -> Repair[T]:
    """Check the candidates in order, `batch` at a time (`check` gives the cases each one
    passes), until one passes every case of `goal` or `budget_s` runs out. A candidate that
    passes all `passing` passes now and more of `goal` is the best step so far."""
    started = time.perf_counter()
    deadline = started + budget_s
    best: Candidate[T] | None = None
    tried = 0
    for edits_ in _batches(candidates, batch):
        if time.perf_counter() >= deadline:
            return Repair(best, False, tried, time.perf_counter() - started, False)
        # In order within a batch: the earliest (most suspicious, smallest) edit wins.
        for edit, passed in zip(edits_, check(edits_), strict=True):
            candidate = Candidate(edit, passed)
            tried += 1
            if goal <= candidate.passed:
                return Repair(candidate, True, tried, time.perf_counter() - started, False)
            gained = len(goal & candidate.passed)
            if (
                passing <= candidate.passed
                and gained > len(goal & passing)
                and (best is None or gained > len(goal & best.passed))
            ):
                best = candidate
    return Repair(best, False, tried, time.perf_counter() - started, True)


def _batches(candidates: Iterator[T], size: int) -> Iterator[list[T]]:
    while batch := list(itertools.islice(candidates, size)):
        yield batch


def _passed(result: TraceResult) -> frozenset[int]:
    return frozenset(i for i, case in enumerate(result.cases) if case.status == "passed")
