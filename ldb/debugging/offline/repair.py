"""Repair by search: small edits of the most suspicious lines, each run against the tests in
the sandbox, the first that passes them all kept."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ldb.debugging.offline.edits import Edit, edits
from ldb.models import TraceResult
from ldb.run.tracing import trace
from ldb.settings import RunLimits


@dataclass(frozen=True)
class Candidate:
    """An edit and how the tests went with it."""

    edit: Edit
    passed: frozenset[int]
    """Indexes of the cases that passed."""


@dataclass(frozen=True)
class Repair:
    """What the search found: a program passing every test, else the best step towards one
    (more cases pass, none that passed before fails), else nothing."""

    best: Candidate | None
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
) -> Repair:
    """Try the edits of `lines` (most suspicious first, smallest first within a line) until
    one passes every case or `budget_s` runs out. `passing` are the cases the program passes
    now: a partial step must keep them. Each run is bound by `limits`."""
    started = time.perf_counter()
    deadline = started + budget_s
    width = workers or min(4, os.cpu_count() or 1)
    candidates = edits(program, lines, values=values)
    best: Candidate | None = None
    tried = 0

    def run(edit: Edit) -> Candidate:
        result = trace(
            edit.program,
            tests,
            entry_point=entry_point,
            tracer="off",
            limits=limits,
        )
        return Candidate(edit, _passed(result))

    with ThreadPoolExecutor(width, thread_name_prefix="ldb-repair") as threads:
        for batch in _batches(candidates, width):
            if time.perf_counter() >= deadline:
                return Repair(best, False, tried, time.perf_counter() - started, False)
            # In order within a batch: the earliest (most suspicious, smallest) edit wins.
            for candidate in threads.map(run, batch):
                tried += 1
                if len(candidate.passed) == total:
                    return Repair(candidate, True, tried, time.perf_counter() - started, False)
                if candidate.passed > passing and (
                    best is None or len(candidate.passed) > len(best.passed)
                ):
                    best = candidate
    return Repair(best, False, tried, time.perf_counter() - started, True)


def _batches(edits_: Iterator[Edit], size: int) -> Iterator[list[Edit]]:
    while batch := list(itertools.islice(edits_, size)):
        yield batch


def _passed(result: TraceResult) -> frozenset[int]:
    return frozenset(i for i, case in enumerate(result.cases) if case.status == "passed")
