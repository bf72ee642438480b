"""`ldb.trace_project`: a project's tests run once by pytest, in the sandbox, under the
project's interpreter, with the project's own functions traced block by block."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ldb import cfg
from ldb.errors import InputError, SourceSyntaxError
from ldb.literals import TracerName
from ldb.models import TraceResult
from ldb.project import environment, files, targets
from ldb.run import sandbox
from ldb.run.tracing import Backend, Where, failed_to_start, result_of, run_job, unit_payload
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
    base = Path(root).resolve()
    if not base.is_dir():
        raise InputError(f"{root}: not a directory")
    found = files.scan(base)
    node_ids = [targets.parse(base, given, found.tests).node_id for given in tests]
    interpreter = environment.find(base, python)
    traced_files = found.code + found.tests if trace_tests else found.code
    project = _Project(
        base, traced_files, interpreter, dict(env or {}), list(pytest_args), limits or RunLimits()
    )
    backend = _backend(tracer, interpreter.version)
    if node_ids and all("::" in node for node in node_ids):
        # Tests named one by one: few enough to trace in the one run.
        return project.run(node_ids, backend, case)
    tested = project.run(node_ids, "off")
    if backend == "off" or tested.status not in ("passed", "failed", "timeout"):
        return tested
    chosen = _chosen(tested, case)
    if chosen is None:
        return tested
    traced = project.run([tested.cases[chosen].test], backend)
    alone = traced.cases[0].status if len(traced.cases) == 1 else None
    if alone != tested.cases[chosen].status:
        # Alone, the test did otherwise (it depends on the tests before it): traced as it ran
        # among them, so that the trace shows the outcome reported.
        among = project.run(node_ids, backend, chosen)
        note = f"{tested.cases[chosen].test} is {alone or 'not run'} alone: traced among the rest"
        return among.model_copy(update={"notes": [*among.notes, note]})
    return tested.model_copy(
        update={
            "tracer": traced.tracer,
            "traced_case": chosen,
            "events": traced.events,
            "dropped": traced.dropped,
            "visits": traced.visits,
            "seconds": round(tested.seconds + traced.seconds, 4),
        }
    )


def _chosen(tested: TraceResult, case: int | None) -> int | None:
    """The case to trace: the one asked for when it ran, else the first that did not pass,
    else the first."""
    ran = [i for i, c in enumerate(tested.cases) if c.status not in ("not_run", "skipped")]
    if case is not None and case in ran:
        return case
    failing = [i for i in ran if tested.cases[i].status != "passed"]
    return failing[0] if failing else ran[0] if ran else None


@dataclass(frozen=True)
class _Project:
    """What every run of one project's tests shares."""

    base: Path
    traced_files: tuple[str, ...]
    interpreter: environment.Interpreter
    env: dict[str, str]
    pytest_args: list[str]
    limits: RunLimits

    def run(self, node_ids: list[str], backend: Backend, case: int | None = None) -> TraceResult:
        """One run of the tests in the sandbox, traced by `backend` (or not, `off`)."""
        limits = self.limits
        where = Where(backend, sandbox.mode())
        interpreter = (str(self.interpreter.executable), self.interpreter.prefixes)
        prepared, run_root = sandbox.prepare_project(
            limits, where.sandbox, self.base, interpreter, self.env
        )
        try:
            job = {
                "root": str(run_root),
                "node_ids": node_ids,
                "pytest_args": self.pytest_args,
                "tracer": backend,
                "units": [] if backend == "off" else _units(self.base, run_root, self.traced_files),
            }
            run, memory_exceeded = run_job(job, prepared, limits)
        finally:
            prepared.close()
        ran = sorted(
            (message for message in run.messages if message.get("type") == "case"),
            key=lambda message: int(message["index"]),
        )
        for message in run.messages:
            # The code under test failing on import is the failure to debug, not the test's.
            place = message.get("file")
            if message.get("kind") == "collection_error" and place and not files.is_test(place):
                message["kind"] = "program_error"
        collected = next(
            (m["node_ids"] for m in run.messages if m.get("type") == "collected"), None
        )
        if run.finished and not ran and not collected and not _errors(run.messages):
            return failed_to_start("no_tests", "pytest collected no test to run", where)
        node_order = [str(m["node_id"]) for m in ran] if collected is None else collected
        result, _ = result_of(run, node_order, limits, where, memory_exceeded, case, False)
        notes = [str(m["message"]) for m in run.messages if m.get("type") == "note"]
        # The project's interpreter ran the tests, which may not be ldb's own.
        python = ".".join(str(part) for part in self.interpreter.version)
        return result.model_copy(update={"notes": notes, "python": python})


def _units(base: Path, run_root: Path, code: Sequence[str]) -> list[list[Any]]:
    """Every function of the project's own files, as the harness follows them: by the name
    the interpreter will give their file (where the tree is in the run)."""
    units: list[list[Any]] = []
    for relative in code:
        try:
            source = (base / relative).read_text(encoding="utf-8")
            graphs = cfg.build(source, relative)
        except (SourceSyntaxError, UnicodeDecodeError, OSError):
            continue  # the run shows what importing it does
        filename = str(run_root / relative)
        for graph in graphs:
            qualname, line, elements = unit_payload(graph)
            units.append([filename, relative, qualname, line, elements])
    return units


def _backend(tracer: TracerName, version: tuple[int, int, int]) -> Backend:
    """The backend the project's interpreter will use (it may be another Python than ldb's)."""
    monitoring = version >= (3, 12)
    if tracer == "monitoring" and not monitoring:
        raise InputError("the project's Python has no sys.monitoring (it arrived in 3.12)")
    if tracer == "auto":
        return "monitoring" if monitoring else "settrace"
    return tracer


def _errors(messages: list[dict[str, Any]]) -> bool:
    return any(message.get("type") == "error" for message in messages)
