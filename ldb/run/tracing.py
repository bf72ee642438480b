"""`ldb.trace`: run a program's tests once, in a child process, and return the block trace."""

from __future__ import annotations

import json
import platform
import re
import signal
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Literal

from ldb import cfg, concurrency
from ldb.errors import InputError, SourceSyntaxError
from ldb.literals import TracerName
from ldb.models import (
    BlockVisits,
    CaseResult,
    Event,
    FunctionGraph,
    TestError,
    TraceResult,
    TraceStatus,
)
from ldb.run import pool, sandbox
from ldb.run.runner import HarnessRun, run_harness
from ldb.run.sandbox import SandboxMode
from ldb.run.suite import TestSyntaxError, compile_suite
from ldb.settings import RunLimits
from ldb.wire import PROGRAM_FILENAME, ROLES

Backend = Literal["monitoring", "settrace", "off"]


@dataclass(frozen=True)
class Where:
    """Which backend and which sandbox a run used: every result says."""

    backend: Backend
    sandbox: SandboxMode


@dataclass(frozen=True)
class CaseTrace:
    """One case of a run with its own trace: what the offline engine compares across cases."""

    case: CaseResult
    events: list[Event]
    visits: dict[tuple[str, int], int]
    """Visits of each (function, block), at least up to the visit budget."""


def trace(
    code: str,
    test: str | Sequence[str],
    *,
    entry_point: str | None = None,
    tracer: TracerName = "auto",
    case: int | None = None,
    limits: RunLimits | None = None,
) -> TraceResult:
    """Run `test` against `code` under the block tracer and report every case.

    `test` is assert lines, a HumanEval `def check(candidate)`, pytest-style `test_*`
    functions, or a list of assert strings. The traced case is `case` (an index into the
    cases) when given and run, else the first failing one (or the first, when all pass).
    `limits` bound the run; none given, this machine's (`RunLimits()`).
    """
    return _trace(code, test, entry_point, tracer, limits, case, every_case=False)[0]


def trace_cases(
    code: str,
    test: str | Sequence[str],
    *,
    entry_point: str | None = None,
    tracer: TracerName = "auto",
    limits: RunLimits | None = None,
) -> tuple[TraceResult, list[CaseTrace]]:
    """As `trace`, and the trace of every case that ran, from the same single run."""
    return _trace(code, test, entry_point, tracer, limits, None, every_case=True)


def _trace(
    code: str,
    test: str | Sequence[str],
    entry_point: str | None,
    tracer: TracerName,
    limits: RunLimits | None,
    chosen: int | None,
    every_case: bool,
) -> tuple[TraceResult, list[CaseTrace]]:
    limits = limits or RunLimits()
    where = Where(backend_name(tracer), sandbox.mode())
    try:
        graphs = cfg.build(code, PROGRAM_FILENAME)
    except SourceSyntaxError as error:
        return failed_to_start("syntax_error", str(error), where), []
    try:
        suite = compile_suite(test)
    except TestSyntaxError as error:
        position = [error.filename, error.error.lineno, error.error.offset]
        at = ":".join(str(part) for part in position if part is not None)
        return failed_to_start("test_syntax_error", f"{at}: {error.error.msg}", where), []
    if not suite.cases:
        message = "the test holds no assert and no test_* function"
        return failed_to_start("no_tests", message, where), []
    if suite.uses_candidate and entry_point is None:
        entry_point = infer_entry_point(graphs, test)
    job = {
        "program": code,
        "suite": {
            "setup": suite.setup,
            "cases": [code for _, code in suite.cases],
            "uses_candidate": suite.uses_candidate,
        },
        "entry_point": entry_point,
        "tracer": where.backend,
        "units": [unit_payload(graph) for graph in graphs],
    }
    # The run's slot first, then its sandbox: a run waiting its turn holds no warm sandbox.
    with concurrency.run_slot(), _sandboxed(limits, where.sandbox) as box:
        run, memory_exceeded = run_job(job, box, limits)
    tests = [text for text, _ in suite.cases]
    return result_of(run, tests, limits, where, memory_exceeded, chosen, every_case)


def run_job(
    job: dict[str, Any], box: pool.Lease | sandbox.Prepared, limits: RunLimits
) -> tuple[HarnessRun, bool]:
    """One run of the harness in its sandbox, the job given the limits the child applies
    itself: the run, and whether it went over its memory."""
    applied = {
        "visits_per_block": limits.visits_per_block,
        "exact_counts": limits.exact_counts,
        "max_value_chars": limits.max_value_chars,
        "case_cpu_seconds": limits.case_cpu_s,
        "max_events": limits.max_events,
    }
    run = run_harness(
        {**job, "limits": applied},
        spawn=box.spawn,
        timeout_s=limits.timeout_s,
        max_output_bytes=limits.max_output_bytes,
        max_result_bytes=limits.max_result_bytes,
    )
    return run, box.memory_exceeded()


def _sandboxed(
    limits: RunLimits, mode: SandboxMode
) -> AbstractContextManager[pool.Lease | sandbox.Prepared]:
    """Where one run happens: a slot of the warm pool, or a sandbox started cold."""
    if sandbox.pooled(mode):
        return pool.shared().lease(limits)
    return sandbox.isolated(limits, mode)


def infer_entry_point(graphs: Sequence[FunctionGraph], test: str | Sequence[str]) -> str:
    """The function a `check(candidate)` test is meant for: the only top-level function,
    else the one the test names."""
    module = graphs[0]
    top = [g.name for g in graphs if g.qualname == g.name and g.qualname != module.qualname]
    top = [name for name in top if not name[:1].isupper()]
    if len(top) == 1:
        return top[0]
    text = test if isinstance(test, str) else "\n".join(test)
    words = set(re.findall(r"\w+", text))
    named = [name for name in top if name in words]
    if len(named) == 1:
        return named[0]
    raise InputError(
        "cannot tell which function the test is for; give entry_point"
        + (f" (one of {', '.join(top)})" if top else "")
    )


def backend_name(tracer: TracerName) -> Backend:
    """The backend a run uses for the tracer asked for, on this interpreter."""
    has_monitoring = hasattr(sys, "monitoring")
    if tracer == "monitoring" and not has_monitoring:
        raise InputError("this Python has no sys.monitoring (it arrived in 3.12)")
    if tracer == "auto":
        return "monitoring" if has_monitoring else "settrace"
    return tracer


def unit_payload(graph: FunctionGraph) -> list[Any]:
    """A unit as the harness takes it: qualname, first line, and its elements (each
    statement's or header's span, with its block and role), in source order."""
    elements = [
        [span.line, span.col, span.end_line, span.end_col, block.id, ROLES[span.kind]]
        for block in graph.blocks
        for span in block.spans
    ]
    elements.sort()
    return [graph.qualname, graph.start_line, elements]


def failed_to_start(status: TraceStatus, message: str, where: Where) -> TraceResult:
    """The result of a run that never started: no case, no event."""
    return TraceResult(
        status=status,
        message=message,
        tracer=where.backend,
        sandbox=where.sandbox,
        python=platform.python_version(),
        cases=[],
        traced_case=None,
        events=[],
        dropped=0,
        visits=[],
        stdout="",
        seconds=0.0,
    )


def result_of(
    run: HarnessRun,
    tests: list[str],
    limits: RunLimits,
    where: Where,
    memory_exceeded: bool,
    chosen: int | None,
    every_case: bool,
) -> tuple[TraceResult, list[CaseTrace]]:
    """What a finished run says: `tests` are the cases' texts in their order; the traced case
    is `chosen`, else the first that did not pass; with `every_case`, each case's trace."""
    events: dict[int, list[dict[str, Any]]] = {}
    dropped_in_child: dict[int, int] = {}
    finished: dict[int, dict[str, Any]] = {}
    error: dict[str, Any] | None = None
    for message in run.messages:
        kind = message.get("type")
        if kind == "event":
            events.setdefault(message["case"], []).append(message)
        elif kind == "case":
            finished[message["index"]] = message
        elif kind == "error":
            error = message
        elif kind == "dropped":
            dropped_in_child[message["case"]] = message["count"]
    cases = [_case(tests[i], finished.get(i)) for i in range(len(tests))]
    status: TraceStatus
    message_text = None
    if error is not None:
        status = error["kind"]
        message_text = error.get("message")
        if error.get("line"):
            message_text = f"line {error['line']}: {message_text}"
        if error.get("error"):
            # The program or the test's own code failed before any case could run: that
            # failure is every case's.
            failure = TestError.model_validate(error["error"])
            cases = [
                case.model_copy(update={"status": "error", "error": failure}) for case in cases
            ]
    elif run.output_exceeded or run.results_truncated:
        status = "output_limit"
        message_text = (
            f"the program printed more than {limits.max_output_bytes} bytes"
            if run.output_exceeded
            else f"the trace grew past {limits.max_result_bytes} bytes"
        )
        cases = _mark_running(cases, finished, "error")
    elif run.timed_out or _signal(run, where) == signal.SIGXCPU:
        status = "timeout"
        message_text = (
            f"the run took longer than {limits.timeout_s:g} s and was stopped"
            if run.timed_out
            else f"the run used more than {limits.cpu_s} s of CPU"
        )
        cases = _mark_running(cases, finished, "timeout")
    elif memory_exceeded or any(_out_of_memory(case) for case in cases):
        status = "memory_limit"
        message_text = f"the program needed more than {limits.memory_mb} MB"
        cases = _mark_running(cases, finished, "error")
    elif not run.finished and _sandbox_failed(run):
        status = "sandbox_error"
        message_text = run.stderr.strip().splitlines()[0]
    elif not run.finished:
        status = "crashed"
        message_text = _crash_message(run, where)
        cases = _mark_running(cases, finished, "error")
    else:
        # The first case that did not pass says what went wrong.
        first = next((c for c in cases if c.status not in ("passed", "skipped")), None)
        status = "passed" if first is None else "timeout" if first.status == "timeout" else "failed"
    traced = _traced_case(cases, events, error)
    if chosen is not None and error is None and 0 <= chosen < len(cases):
        traced = chosen if cases[chosen].status != "not_run" else traced
    kept, dropped = _select(
        events.get(traced, []) if traced is not None else [],
        limits.max_events,
        limits.max_trace_bytes,
    )
    if traced is not None:
        dropped += dropped_in_child.get(traced, 0)
    visits = []
    if traced is not None and traced in finished:
        visits = [
            # Past the budget a backend may stop seeing a block, so the count says only "at
            # least the budget", the same from every backend.
            BlockVisits(
                file=file or None, function=function, block=block, visits=budget, exact=exact
            )
            for key, block, count, complete in finished[traced]["visits"]
            # A project's functions are counted as `file::function`.
            for file, _, function in [key.rpartition("::")]
            for budget, exact in [_visit_count(count, complete, limits)]
        ]
    result = TraceResult(
        status=status,
        message=message_text,
        tracer=where.backend,
        sandbox=where.sandbox,
        python=platform.python_version(),
        cases=cases,
        traced_case=traced if traced is not None and traced >= 0 else None,
        events=[Event.model_validate(_event_fields(e)) for e in kept],
        dropped=dropped,
        visits=visits,
        stdout=run.stdout,
        seconds=round(run.seconds, 4),
    )
    if not every_case:
        return result, []
    per_case = []
    for index, case in enumerate(cases):
        if index not in finished and case.status == "not_run":
            continue
        selected, _ = _select(events.get(index, []), limits.max_events, limits.max_trace_bytes)
        counts = {
            (function, block): count
            for function, block, count, _ in finished.get(index, {}).get("visits", [])
        }
        case_events = [Event.model_validate(_event_fields(e)) for e in selected]
        per_case.append(CaseTrace(case, case_events, counts))
    return result, per_case


def _visit_count(count: int, complete: bool, limits: RunLimits) -> tuple[int, bool]:
    if limits.exact_counts or (complete and count <= limits.visits_per_block):
        return count, True
    return min(count, limits.visits_per_block), False


def _case(test: str, message: dict[str, Any] | None) -> CaseResult:
    if message is None:
        return CaseResult(test=test, status="not_run")
    error = message.get("error")
    return CaseResult(
        test=test,
        status=message["status"],
        expected=message.get("expected"),
        actual=message.get("actual"),
        error=TestError.model_validate(error) if error else None,
    )


def _mark_running(
    cases: list[CaseResult], finished: dict[int, Any], status: Literal["timeout", "error"]
) -> list[CaseResult]:
    """The case that was running when the run ended gets the run's fate."""
    running = len(finished)
    if running < len(cases):
        cases = list(cases)
        cases[running] = cases[running].model_copy(update={"status": status})
    return cases


def _traced_case(
    cases: list[CaseResult], events: dict[int, list[Any]], error: dict[str, Any] | None
) -> int | None:
    if error is not None:
        # A program that failed while loading: its module code is the trace to see.
        return -1 if error["kind"] == "program_error" and -1 in events else None
    for index, case in enumerate(cases):
        if case.status not in ("passed", "not_run", "skipped"):
            return index
    # All passed: the first case that ran any of the program (`assert True` runs none).
    return next((index for index in range(len(cases)) if events.get(index)), 0 if cases else None)


def _select(
    events: list[dict[str, Any]], max_events: int, max_bytes: int
) -> tuple[list[dict[str, Any]], int]:
    """What fits the budget: the first events (how the run began) and, twice as many, the
    last ones, which lead up to the failure (an exception, or the test's call returning a
    wrong value, is always the last event of its case)."""
    sizes = [len(json.dumps(event)) for event in events]
    count = min(len(events), max_events)
    while count > 1:
        head = count // 3
        tail = count - head
        kept = sum(sizes[:head]) + sum(sizes[len(sizes) - tail :])
        if kept <= max_bytes:
            break
        count = count * 3 // 4
    if count >= len(events):
        return events, 0
    head = count // 3
    tail = count - head
    return events[:head] + events[len(events) - tail :], len(events) - count


def _event_fields(message: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in message.items() if key not in ("type", "case")}


def _out_of_memory(case: CaseResult) -> bool:
    return case.error is not None and case.error.type == "MemoryError"


def _sandbox_failed(run: HarnessRun) -> bool:
    """bwrap itself failed (it reports on stderr and exits 1 before the harness starts)."""
    return not run.messages and run.stderr.startswith("bwrap:")


def _signal(run: HarnessRun, where: Where) -> int | None:
    """The signal that ended the run: the child's own, or, inside bwrap (which exits with
    128 + the signal of the program it ran), the program's."""
    code = run.returncode
    if code is not None and code < 0:
        return -code
    if where.sandbox == "bwrap" and code is not None and 128 < code < 128 + 65:
        return code - 128
    return None


def _crash_message(run: HarnessRun, where: Where) -> str:
    number = _signal(run, where)
    if number is not None:
        try:
            return f"the program was killed by {signal.Signals(number).name}"
        except ValueError:
            return f"the program was killed by signal {number}"
    code = run.returncode
    last = run.stderr.strip().splitlines()[-1:] or ["no output"]
    return f"the program ended before its tests finished (exit status {code}): {last[0]}"
