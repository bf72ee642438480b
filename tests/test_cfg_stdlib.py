"""Every file of the running interpreter's standard library: graphs build, invariants hold."""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor

import pytest

from testbed.stdlib import stdlib_files
from tests.helpers.stdlib_check import check_file


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_whole_standard_library() -> None:
    # The files are independent, so this run's share of the cores takes them in worker
    # processes, largest first so that none is left with a big file at the end; fresh
    # interpreters (spawn), as forking a process that runs threads may deadlock.
    files = sorted(stdlib_files(), key=lambda path: path.stat().st_size, reverse=True)
    started = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(cores_of_this_run(), mp_context=context) as workers:
        results = list(workers.map(check_file, files, chunksize=8))
    seconds = time.perf_counter() - started
    accepted = [units for parsed, units, _ in results if parsed]
    rejected = [
        str(path) for path, (parsed, _, _) in zip(files, results, strict=True) if not parsed
    ]
    assert len(accepted) > 1000
    # Only test data written to be invalid is rejected by the parser itself.
    assert len(rejected) < 30, rejected
    problems = [problem for _, _, found in results for problem in found]
    print(
        f"\nstdlib: {len(accepted)} files ({len(rejected)} rejected by ast.parse), "
        f"{sum(accepted)} units, {seconds:.1f} s with invariant checks"
    )
    assert problems == []


def cores_of_this_run() -> int:
    """The cores this process may use, shared out among pytest-xdist's workers, if any: more
    would only slow the tests running beside it, some of which time what they do."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    return max(1, len(os.sched_getaffinity(0)) // workers)
