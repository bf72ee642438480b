"""`ldb.trace_project`: a project's tests run once by pytest, in the sandbox, under the
project's interpreter, with the project's own functions traced block by block."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ldb.literals import TracerName
from ldb.models import TraceResult
from ldb.project import targets
from ldb.project.runs import ProjectRuns
from ldb.settings import RunLimits


def trace_project(
    root: str | Path,
    tests: Sequence[str] = (),
    *,
    python: str | None = None,
    pytest_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    tracer: TracerName = "auto",
    case: int | None = None,
    limits: RunLimits | None = None,
    trace_tests: bool = False,
) -> TraceResult:
    """Run the tests named (node ids or test files, relative to `root`; none: all of them)
    as `python -m pytest` from `root` would, and trace the first failing one (or `case`, an
    index into the tests run; the first test when all pass). Events and visits name each
    function's `file`; each case's `test` is its node id. `env` is the tests' environment,
    which starts empty. The project's own functions are traced, its tests' too with
    `trace_tests` (a test is then the caller at depth 1).

    Tests named one by one run once, traced. Files of tests, or all of them, run once at full
    speed, then the one traced runs again alone under the tracer: a suite of hundreds of
    tests costs one plain run and one traced test."""
    runs = ProjectRuns.open(
        root,
        python=python,
        pytest_args=pytest_args,
        env=env,
        limits=limits,
        trace_tests=trace_tests,
    )
    node_ids = [targets.parse(runs.base, given, runs.found.tests).node_id for given in tests]
    result = runs.trace(node_ids, runs.backend(tracer), case)
    runs.refuse_unknown(result, node_ids)
    return result
