"""`ldb.trace_project`: a project's tests run once by pytest, in the sandbox, under the
project's interpreter, with the project's own functions traced block by block."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ldb import cfg
from ldb.errors import InputError, SourceSyntaxError
from ldb.literals import TracerName
from ldb.models import TraceResult
from ldb.project import environment, files, targets
from ldb.run import sandbox
from ldb.run.runner import run_harness
from ldb.run.tracing import Backend, Where, failed_to_start, result_of, unit_payload
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
) -> TraceResult:
    """Run the tests named (node ids or test files, relative to `root`; none: all of them)
    as `python -m pytest` from `root` would, and trace the first failing one (or `case`, an
    index into the tests run). Events and visits name each function's `file`; each case's
    `test` is its node id. `env` is the tests' environment, which starts empty."""
    limits = limits or RunLimits()
    base = Path(root).resolve()
    if not base.is_dir():
        raise InputError(f"{root}: not a directory")
    found = files.scan(base)
    node_ids = [targets.parse(base, given, found.tests).node_id for given in tests]
    interpreter = environment.find(base, python)
    where = Where(_backend(tracer, interpreter.version), sandbox.mode())
    prepared, run_root = sandbox.prepare_project(
        limits,
        where.sandbox,
        base,
        (str(interpreter.executable), interpreter.prefixes),
        dict(env or {}),
    )
    try:
        job = {
            "root": str(run_root),
            "node_ids": node_ids,
            "pytest_args": list(pytest_args),
            "tracer": where.backend,
            "units": _units(base, run_root, found.code),
            "limits": {
                "visits_per_block": limits.visits_per_block,
                "exact_counts": limits.exact_counts,
                "max_value_chars": limits.max_value_chars,
                "case_cpu_seconds": limits.case_cpu_s,
                "max_events": limits.max_events,
            },
        }
        run = run_harness(
            job,
            spawn=prepared.spawn,
            timeout_s=limits.timeout_s,
            max_output_bytes=limits.max_output_bytes,
            max_result_bytes=limits.max_result_bytes,
        )
        memory_exceeded = prepared.memory_exceeded()
    finally:
        prepared.close()
    ran = sorted(
        (message for message in run.messages if message.get("type") == "case"),
        key=lambda message: int(message["index"]),
    )
    if run.finished and not ran and not _errors(run.messages):
        return failed_to_start("no_tests", "pytest collected no test to run", where)
    node_order = [str(message["node_id"]) for message in ran]
    result, _ = result_of(run, node_order, limits, where, memory_exceeded, case, False)
    return result


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
