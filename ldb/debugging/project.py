"""`ldb.debug_project`: a repository's failing tests debugged across its files, round after
round, the repair a patch over the tree (written into it only when asked)."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from ldb import cfg
from ldb.debugging.choice import choose
from ldb.debugging.loop import Progress, plausible_message, usage_of
from ldb.debugging.strategy import ProjectRound, ProjectStep, ProjectStrategy
from ldb.errors import InputError
from ldb.llm.base import Usage as TokenUsage
from ldb.models import (
    DebugStatus,
    FunctionGraph,
    ProjectDebugResult,
    ProjectIteration,
    TraceResult,
)
from ldb.project import targets
from ldb.project.runs import ProjectRuns
from ldb.project.snapshot import Snapshot
from ldb.settings import DebugOptions
from ldb.source import patch

log = logging.getLogger("ldb.debug")

_NOT_PASSING = ("failed", "error", "timeout", "not_run")


def debug_project(
    root: str | Path,
    tests: Sequence[str] = (),
    *,
    task: str | None = None,
    options: DebugOptions | None = None,
    python: str | None = None,
    pytest_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    trace_tests: bool = False,
    allow_test_edits: bool = False,
    apply: bool = False,
    strategy: ProjectStrategy | None = None,
    progress: Progress | None = None,
    unsaved: Mapping[str, str] | None = None,
) -> ProjectDebugResult:
    """Debug the failing tests named (node ids or test files, relative to `root`; none: every
    failing test of the project) until they pass, across the project's files.

    The tests of the targets' files are the repair's check: a repair that breaks one of them
    that passed is refused. Repairs change the project's own files (its tests too with
    `allow_test_edits`), never the tree: the result holds the patch and the new texts, and
    `apply` writes them into the tree when the tests pass with them, refusing if a file they
    touch changed since the run began. `unsaved` (a relative path → its text: an editor's
    buffers) takes the tree's files' place in every run, and the patch is made against it.
    `python`, `pytest_args`, `env` and `trace_tests` are as in `ldb.trace_project`; `options`,
    `strategy` and `progress` as in `ldb.debug`."""
    options = options or DebugOptions()
    runs = ProjectRuns.open(
        root,
        python=python,
        pytest_args=pytest_args,
        env=env,
        limits=options.limits,
        trace_tests=trace_tests,
        unsaved=unsaved,
    )
    named = [targets.parse(runs.base, given, runs.found.tests).node_id for given in tests]
    editable = runs.found.code + (runs.found.tests if allow_test_edits else ())
    session = _Session(runs, named, frozenset(editable), task, options, progress, str(root))
    if strategy is not None:
        result = session.run(strategy)
    else:
        with choose(options) as chosen:
            result = session.run(chosen)
    if apply and result.status == "fixed" and result.files:
        try:
            session.snapshot.write(result.files)
        except InputError as refused:
            result = result.model_copy(update={"notes": [*result.notes, str(refused)]})
        else:
            result = result.model_copy(update={"applied": True})
    session.progress("done", {"result": result})
    return result


class _Session:
    """One debugging of a project: its first state, and the rounds that follow."""

    def __init__(
        self,
        runs: ProjectRuns,
        named: list[str],
        editable: frozenset[str],
        task: str | None,
        options: DebugOptions,
        progress: Progress | None,
        root: str,
    ) -> None:
        self.runs = runs
        self.named = named
        self.editable = editable
        self.task = task
        self.options = options
        self.progress = progress or (lambda stage, details: None)
        self.root = root
        self.random = random.Random(options.seed)
        self.backend = runs.backend("auto")
        self.started = time.perf_counter()
        # Before any run, so that a change made while ldb works is never written over.
        self.snapshot = Snapshot.take(runs.base, sorted(editable), runs.unsaved)

    def run(self, strategy: ProjectStrategy) -> ProjectDebugResult:
        first, _ = self.runs.run(self.named, "off")
        self.runs.refuse_unknown(first, self.named)
        _refuse_bad_input(first)
        # Code that fails on import fails every test: which of them are the targets is known
        # once a repair lets them collect.
        unknown = first.status == "program_error"
        targets = frozenset(c.test for c in first.cases if c.status in _NOT_PASSING)
        if not targets and not unknown:
            self.progress("tests", {"iteration": 0, "result": first})
            words = "nothing to debug: the tests pass"
            ran = [case.test for case in first.cases]
            return self._result("passed", words, [], [], ran, {}, [], TokenUsage(), strategy, first)
        named_files = sorted({node.partition("::")[0] for node in self.named})
        check = sorted({node.partition("::")[0] for node in targets}) if targets else named_files
        if unknown:
            tested = first
        elif all("::" not in node for node in self.named):
            # The first run already ran every test of the targets' files: kept, the others'
            # left out.
            within = [c for c in first.cases if c.test.partition("::")[0] in check]
            tested = first.model_copy(update={"cases": within})
        else:
            tested, _ = self.runs.run(check, "off")
        kept = frozenset(c.test for c in tested.cases if c.status == "passed") - targets
        files: dict[str, str] = {}
        iterations: list[ProjectIteration] = []
        usage = TokenUsage()
        status: DebugStatus = "unfixed"
        message: str | None = None
        doubts: list[str] = []
        for index in range(self.options.max_iterations + 1):
            if index > 0:
                tested, _ = self.runs.run(check, "off", overrides=files)
            self.progress("tests", {"iteration": index, "result": tested})
            if tested.status == "sandbox_error":
                status, message = "error", tested.message
                break
            outcome = {case.test: case.status for case in tested.cases}
            if unknown and tested.status != "program_error":
                unknown = False
                targets = frozenset(t for t, s in outcome.items() if s in _NOT_PASSING)
                targets = _covered(targets, self.named) if self.named else targets
                kept = frozenset(t for t, s in outcome.items() if s == "passed")
            wanted = targets | kept
            still = sorted(node for node in wanted if outcome.get(node) != "passed")
            if not unknown and not still:
                status = "passed" if index == 0 else "plausible" if doubts else "fixed"
                message = plausible_message(doubts) if status == "plausible" else None
                break
            if index == self.options.max_iterations:
                message = f"the tests still fail after {self.options.max_iterations} rounds"
                break
            round_started = time.perf_counter()
            traced = self._traced(tested, still, check, files)
            if traced.traced_case is not None:
                self.progress("trace", {"iteration": index, "result": traced})
            state = ProjectRound(
                index,
                self.task,
                self.runs,
                dict(files),
                check,
                targets,
                # Targets an earlier round's repair made pass count too: no step takes them back.
                frozenset(node for node in wanted if outcome.get(node) == "passed"),
                kept,
                traced,
                self._graphs(traced, files),
                self.editable,
            )
            step = strategy.step_project(state)
            usage += step.usage
            doubts += [doubt for doubt in step.doubts if doubt not in doubts]
            self.progress("verdicts", {"iteration": index, "verdicts": step.verdicts})
            iterations.append(self._iteration(index, traced, step, files, round_started))
            if step.files is None:
                message = step.message or "no repair was found"
                status = "error" if step.failed else "unfixed"
                break
            files = self._changed(step.files)
            self.progress("repair", {"iteration": index, "diff": iterations[-1].patch})
            self.progress("iteration", {"iteration": index, "files": files})
        ran = [case.test for case in tested.cases] or check
        kept_doubts = doubts if status == "plausible" else []
        return self._result(
            status,
            message,
            kept_doubts,
            sorted(targets),
            ran,
            files,
            iterations,
            usage,
            strategy,
            tested,
        )

    def _traced(
        self, tested: TraceResult, still: list[str], check: list[str], files: dict[str, str]
    ) -> TraceResult:
        """The run with one failing test traced, chosen among them with the seed."""
        order = [case.test for case in tested.cases]
        ran = [node for node in still if node in order]
        if not ran or self.backend == "off":
            return tested
        chosen = order.index(self.random.choice(ran))
        return self.runs.trace_one(tested, chosen, check, self.backend, overrides=files)

    def _graphs(
        self, traced: TraceResult, files: Mapping[str, str]
    ) -> dict[str, list[FunctionGraph]]:
        """The CFGs of the files the traced test ran code of."""
        ran = {e.file for e in traced.events if e.file} | {v.file for v in traced.visits if v.file}
        return {file: cfg.program_graphs(self.runs.text(file, files), file) for file in sorted(ran)}

    def _changed(self, files: Mapping[str, str]) -> dict[str, str]:
        """The files a step gives that differ from the tree's (in the files a repair may
        change: a strategy naming another is refused)."""
        changed = {}
        for relative, text in files.items():
            if relative not in self.editable:
                raise InputError(f"a repair may not change {relative}")
            if self.snapshot.texts.get(relative) != text:
                changed[relative] = text
        return changed

    def _iteration(
        self,
        index: int,
        traced: TraceResult,
        step: ProjectStep,
        files: Mapping[str, str],
        started: float,
    ) -> ProjectIteration:
        after = None if step.files is None else patch(self._before(files, step.files), step.files)
        return ProjectIteration(
            index=index,
            status=traced.status,
            message=traced.message,
            cases=traced.cases,
            traced_case=traced.traced_case,
            trace=traced if traced.traced_case is not None else None,
            feedback=step.feedback,
            verdicts=step.verdicts,
            replies=step.replies,
            usage=usage_of(step.usage),
            edit=step.edit,
            patch=after,
            seconds=round(time.perf_counter() - started, 3),
        )

    def _before(self, files: Mapping[str, str], after: Mapping[str, str]) -> dict[str, str]:
        return {path: files.get(path, self.snapshot.texts.get(path, "")) for path in after}

    def _result(
        self,
        status: DebugStatus,
        message: str | None,
        doubts: list[str],
        targets: list[str],
        tests: list[str],
        files: dict[str, str],
        iterations: list[ProjectIteration],
        usage: TokenUsage,
        strategy: ProjectStrategy,
        last: TraceResult,
    ) -> ProjectDebugResult:
        result = ProjectDebugResult(
            status=status,
            message=message,
            doubts=doubts,
            root=self.root,
            targets=targets,
            tests=tests,
            patch=patch(self.snapshot.texts, files),
            files=files,
            applied=False,
            model=strategy.name,
            feedback=self.options.feedback,
            level=self.options.level,
            seed=self.options.seed,
            iterations=iterations,
            usage=usage_of(usage),
            sandbox=last.sandbox,
            python=self.runs.python,
            notes=last.notes,
            seconds=round(time.perf_counter() - self.started, 3),
        )
        log.info("debug --project %s after %d rounds", status, len(iterations))
        return result


def _refuse_bad_input(result: TraceResult) -> None:
    """The tests cannot be debugged as named: none to run, or a test file that does not
    collect for a reason of its own (not the code under test)."""
    if result.status in ("no_tests", "collection_error"):
        raise InputError(result.message or "no test to run")


def _covered(found: frozenset[str], named: list[str]) -> frozenset[str]:
    """The tests found that a name given covers: itself, a file's or a class's tests, a
    test's parameters."""
    return frozenset(
        node
        for node in found
        for given in named
        if node == given or node.startswith((f"{given}::", f"{given}["))
    )
