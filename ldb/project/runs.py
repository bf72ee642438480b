"""Runs of one project's tests in the sandbox: plain, traced, or with some files replaced (a
candidate repair), each read back as a `TraceResult`."""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ldb import cfg, concurrency
from ldb.errors import InputError, SourceSyntaxError
from ldb.literals import TracerName
from ldb.models import TraceResult
from ldb.project import environment, files, targets
from ldb.run import sandbox
from ldb.run.runner import HarnessRun
from ldb.run.tracing import (
    Backend,
    CaseTrace,
    Where,
    failed_to_start,
    result_of,
    run_job,
    unit_payload,
)
from ldb.settings import RunLimits

Files = Mapping[str, str]
"""Files a run sees in place of the tree's: a relative path → its text."""


@dataclass(frozen=True)
class ProjectRuns:
    """What every run of one project's tests shares: its root, its interpreter, pytest's
    options, the tests' environment and the limits of each run."""

    base: Path
    found: files.ProjectFiles
    interpreter: environment.Interpreter
    env: dict[str, str] = field(default_factory=dict)
    pytest_args: list[str] = field(default_factory=list)
    limits: RunLimits = field(default_factory=RunLimits)
    trace_tests: bool = False
    unsaved: dict[str, str] = field(default_factory=dict)
    """Files every run sees in place of the tree's (an editor's unsaved buffers), beneath a
    run's own overrides."""

    @classmethod
    def open(
        cls,
        root: str | Path,
        *,
        python: str | None = None,
        pytest_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        limits: RunLimits | None = None,
        trace_tests: bool = False,
        unsaved: Mapping[str, str] | None = None,
    ) -> ProjectRuns:
        """The runs of the project at `root`: its files scanned, its interpreter found."""
        base = Path(root).resolve()
        if not base.is_dir():
            raise InputError(f"{root}: not a directory")
        return cls(
            base,
            files.scan(base),
            environment.find(base, python),
            dict(env or {}),
            list(pytest_args),
            limits or RunLimits(),
            trace_tests,
            dict(unsaved or {}),
        )

    @property
    def python(self) -> str:
        return ".".join(str(part) for part in self.interpreter.version)

    def backend(self, tracer: TracerName) -> Backend:
        """The backend the project's interpreter will use (it may be another Python than
        ldb's)."""
        monitoring = self.interpreter.version >= (3, 12)
        if tracer == "monitoring" and not monitoring:
            raise InputError("the project's Python has no sys.monitoring (it arrived in 3.12)")
        if tracer == "auto":
            return "monitoring" if monitoring else "settrace"
        return tracer

    def run(
        self,
        node_ids: Sequence[str],
        backend: Backend,
        case: int | None = None,
        *,
        overrides: Files | None = None,
        every_case: bool = False,
        limits: RunLimits | None = None,
        collect_only: bool = False,
    ) -> tuple[TraceResult, list[CaseTrace]]:
        """One run of the tests in the sandbox, traced by `backend` (or not, `off`), the tree
        seen with `overrides` in place of its files; with `every_case`, each test's own trace
        too; with `collect_only`, the tests are named and not run."""
        limits = limits or self.limits
        overrides = overrides or {}
        where = Where(backend, sandbox.mode())
        traced = self.found.code + self.found.tests if self.trace_tests else self.found.code
        job = {
            "node_ids": list(node_ids),
            "pytest_args": [*self.pytest_args, *(["--collect-only"] if collect_only else [])],
            "tracer": backend,
            "units": [] if backend == "off" else self._units(self.base, traced, overrides),
        }
        run, memory_exceeded = self._run_job(job, where, limits, overrides)
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
            return failed_to_start("no_tests", _why_none(run.stderr), where), []
        node_order = [str(m["node_id"]) for m in ran] if collected is None else collected
        result, traces = result_of(
            run, node_order, limits, where, memory_exceeded, case, every_case
        )
        notes = [str(m["message"]) for m in run.messages if m.get("type") == "note"]
        # The project's interpreter ran the tests, which may not be ldb's own.
        return result.model_copy(update={"notes": notes, "python": self.python}), traces

    def trace(
        self,
        node_ids: Sequence[str],
        backend: Backend,
        case: int | None = None,
        *,
        overrides: Files | None = None,
    ) -> TraceResult:
        """Run the tests and trace one: `case` (an index into the tests run), else the first
        that failed. Tests named one by one run once, traced; files of tests (or all of
        them) run once at full speed, then the one traced runs again alone under the tracer:
        a suite of hundreds of tests costs one plain run and one traced test."""
        if node_ids and all("::" in node for node in node_ids):
            return self.run(node_ids, backend, case, overrides=overrides)[0]
        tested, _ = self.run(node_ids, "off", overrides=overrides)
        if backend == "off" or tested.status not in ("passed", "failed", "timeout"):
            return tested
        chosen = _chosen(tested, case)
        if chosen is None:
            return tested
        return self.trace_one(tested, chosen, node_ids, backend, overrides=overrides)

    def trace_one(
        self,
        tested: TraceResult,
        chosen: int,
        node_ids: Sequence[str],
        backend: Backend,
        *,
        overrides: Files | None = None,
    ) -> TraceResult:
        """`tested` (a plain run of `node_ids`) with its case `chosen` traced: run alone, or,
        should it do otherwise alone, among the rest as before."""
        traced, _ = self.run([tested.cases[chosen].test], backend, overrides=overrides)
        alone = traced.cases[0].status if len(traced.cases) == 1 else None
        if alone != tested.cases[chosen].status:
            # Alone, the test did otherwise (it depends on the tests before it): traced as it
            # ran among them, so that the trace shows the outcome reported.
            among, _ = self.run(node_ids, backend, chosen, overrides=overrides)
            name = tested.cases[chosen].test
            note = f"{name} is {alone or 'not run'} alone: traced among the rest"
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

    def check(
        self,
        node_ids: Sequence[str],
        candidates: Sequence[Files],
        *,
        overrides: Files | None = None,
        limits: RunLimits | None = None,
        failing: Collection[str] = (),
        passing: Collection[str] = (),
    ) -> list[frozenset[str] | None]:
        """The tests that pass with each candidate (files in place of `overrides`' or the
        tree's), from one run: pytest starts and collects once, and each candidate runs in a
        child forked from that session with its changed functions swapped in. None for a
        candidate that could not be checked so (a change to what runs on import, or a run
        cut short): `run` it on its own.

        Given the tests `failing` and `passing` now, a candidate runs the failing first and
        stops as soon as it is sure to be refused: none of them passes, or a passing one
        fails (its tests not run are not counted as passed)."""
        limits = limits or self.limits
        if not candidates:
            return []
        # Each candidate's child has the run's time limit; the run, all of theirs and its own.
        whole = limits.updated(timeout_s=limits.timeout_s * (len(candidates) + 1))
        job = {
            "node_ids": list(node_ids),
            # Only which tests pass counts: no failure formatted (for a long module, the most
            # of a check's time).
            "pytest_args": [*self.pytest_args, "--tb=no", "-q"],
            "tracer": "off",
            "units": [],
            "candidates": [{"files": dict(files)} for files in candidates],
            "candidate_seconds": limits.timeout_s,
            "first": sorted(failing),
            "keep": sorted(passing),
        }
        run, _ = self._run_job(job, Where("off", sandbox.mode()), whole, overrides or {})
        passed: list[set[str]] = [set() for _ in candidates]
        ended: dict[int, str] = {}
        for message in run.messages:
            kind, index = message.get("type"), message.get("index")
            if kind == "case" and message.get("status") == "passed" and "candidate" in message:
                passed[int(message["candidate"])].add(str(message["node_id"]))
            elif kind == "candidate_end" and isinstance(index, int):
                ended[index] = str(message["status"])
        return [
            frozenset(passed[index]) if ended.get(index) in ("done", "timeout", "crashed") else None
            for index in range(len(candidates))
        ]

    def _run_job(
        self, job: dict[str, Any], where: Where, limits: RunLimits, overrides: Files
    ) -> tuple[HarnessRun, bool]:
        """The harness run on the project's tree (seen with `overrides`), once this process
        has a run slot free."""
        interpreter = (str(self.interpreter.executable), self.interpreter.prefixes)
        seen = {**self.unsaved, **overrides}
        with concurrency.run_slot():
            prepared, run_root = sandbox.prepare_project(
                limits, where.sandbox, self.base, interpreter, self.env, seen
            )
            try:
                return run_job({**job, "root": str(run_root)}, prepared, limits)
            finally:
                prepared.close()

    def refuse_unknown(self, result: TraceResult, node_ids: Sequence[str]) -> None:
        """A run that found no test to run is bad input: pytest's refusal of its arguments (an
        option the project's configuration adds that no plugin defines) in pytest's words;
        else, when tests were named, which of them do not exist, each with the names closest
        to it in its file."""
        if result.status != "no_tests":
            return
        if result.message and _refused_arguments(result.message):
            raise InputError(result.message)
        if not any("::" in node for node in node_ids):
            return
        files_named = sorted({node.partition("::")[0] for node in node_ids})
        listed, _ = self.run(files_named, "off", collect_only=True)
        raise targets.not_found(node_ids, [case.test for case in listed.cases])

    def text(self, relative: str, overrides: Files | None = None) -> str:
        """A file of the project as the runs see it."""
        if overrides and relative in overrides:
            return overrides[relative]
        if relative in self.unsaved:
            return self.unsaved[relative]
        # Bytes decoded, not read as text: a file's own line endings are kept.
        return (self.base / relative).read_bytes().decode("utf-8")

    def _units(self, run_root: Path, traced: Sequence[str], overrides: Files) -> list[list[Any]]:
        """Every function of the traced files, as the harness follows them: by the name the
        interpreter will give their file (where the tree is in the run)."""
        units: list[list[Any]] = []
        for relative in traced:
            try:
                source = self.text(relative, overrides)
            except (UnicodeDecodeError, OSError):
                continue  # the run shows what importing it does
            filename = str(run_root / relative)
            units += [[filename, relative, *unit] for unit in _file_units(source, relative)]
        return units


@functools.lru_cache(maxsize=1024)
def _file_units(source: str, relative: str) -> tuple[tuple[Any, ...], ...]:
    """A file's functions as the harness takes them (qualname, first line, elements): kept
    while the text is the same, since every run of a debugging session sends them."""
    try:
        graphs = cfg.build(source, relative)
    except SourceSyntaxError:
        return ()
    return tuple(tuple(unit_payload(graph)) for graph in graphs)


def _chosen(tested: TraceResult, case: int | None) -> int | None:
    """The case to trace: the one asked for when it ran, else the first that did not pass,
    else the first."""
    ran = [i for i, c in enumerate(tested.cases) if c.status not in ("not_run", "skipped")]
    if case is not None and case in ran:
        return case
    failing = [i for i in ran if tested.cases[i].status != "passed"]
    return failing[0] if failing else ran[0] if ran else None


def _why_none(stderr: str) -> str:
    """Why pytest ran no test, in its own words when it refused its arguments or a name
    (`error: unrecognized arguments: --bogus`, `not found: tests/test_x.py::nope`)."""
    for line in stderr.splitlines():
        if "error: " in line:
            return f"pytest: {line.partition('error: ')[2]}"
        if line.startswith("ERROR: ") and not line.startswith("ERROR: usage:"):
            return f"pytest: {line.removeprefix('ERROR: ')}"
    return "pytest collected no test to run"


def _refused_arguments(why: str) -> bool:
    """Whether pytest ran nothing for its arguments, not for a name it did not find (both
    come as `_why_none` words)."""
    return why.startswith("pytest: ") and not why.startswith("pytest: not found:")


def _errors(messages: list[dict[str, Any]]) -> bool:
    return any(message.get("type") == "error" for message in messages)
