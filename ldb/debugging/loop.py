"""`ldb.debug`: the loop of testing, tracing, judging and repairing until the tests pass."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from ldb import cfg
from ldb.debugging.choice import choose
from ldb.debugging.doubts import failed_examples
from ldb.debugging.strategy import Round, Step, Strategy
from ldb.errors import InputError
from ldb.llm.base import Usage as TokenUsage
from ldb.models import (
    DebugResult,
    DebugStatus,
    Iteration,
    TraceResult,
    Usage,
)
from ldb.run.tracing import infer_entry_point, trace
from ldb.settings import DebugOptions
from ldb.source import unified_diff

log = logging.getLogger("ldb.debug")

Progress = Callable[[str, dict[str, Any]], None]
"""Told of each stage as it happens: ("tests", ...), ("trace", ...) when a failing case was
traced, ("verdicts", ...), ("repair", ...), ("iteration", ...), ("done", ...); for progress
bars and the service's event streams. An exception it raises ends the run (a caller's way to
cancel)."""

_BAD_TEST = {
    "test_syntax_error": "the test does not parse",
    "no_tests": "the test holds no assert and no test_* function",
    "no_entry_point": "the program has no function for the test to call",
}


def debug(
    code: str,
    test: str | Sequence[str],
    *,
    task: str | None = None,
    entry_point: str | None = None,
    options: DebugOptions | None = None,
    strategy: Strategy | None = None,
    progress: Progress | None = None,
) -> DebugResult:
    """Debug `code` until `test` passes or `options.max_iterations` rounds are spent.

    Each round runs the tests, traces a failing case (chosen with `options.seed`), asks for
    verdicts on its blocks and for a repair. `options` say who judges and repairs (the
    offline engine unless a model is named there or in `LDB_MODEL`) and bound every run;
    `strategy`, when given, judges and repairs instead, and its caller closes it.
    """
    options = options or DebugOptions()
    if strategy is not None:
        return _Loop(code, test, task, entry_point, strategy, options, progress).run()
    with choose(options) as chosen:
        return _Loop(code, test, task, entry_point, chosen, options, progress).run()


class _Loop:
    def __init__(
        self,
        code: str,
        test: str | Sequence[str],
        task: str | None,
        entry_point: str | None,
        strategy: Strategy,
        options: DebugOptions,
        progress: Progress | None,
    ) -> None:
        self.code = code
        self.test = test if isinstance(test, str) else list(test)
        self.task = task
        self.entry_point = entry_point
        self.defines = entry_point or _tested_function(code, self.test)
        self.strategy = strategy
        self.options = options
        self.random = random.Random(options.seed)
        self.limits = options.limits
        self.progress = progress or (lambda stage, details: None)
        self.started = time.perf_counter()

    def run(self) -> DebugResult:
        max_iterations = self.options.max_iterations
        program = self.code
        iterations: list[Iteration] = []
        usage = TokenUsage()
        status: DebugStatus = "unfixed"
        message: str | None = None
        doubts: list[str] = []
        sandbox_mode: Any = "bwrap"
        for index in range(max_iterations + 1):
            result = self._test(program)
            sandbox_mode = result.sandbox
            self.progress("tests", {"iteration": index, "result": result})
            if result.traced_case is not None and result.status != "passed":
                self.progress("trace", {"iteration": index, "result": result})
            if result.status == "passed" and index == 0:
                status = "passed"
                break
            if result.status == "passed":
                doubts += self._unseen_examples_failed(program)
                status = "plausible" if doubts else "fixed"
                if doubts:
                    message = plausible_message(doubts)
                break
            if result.status in _BAD_TEST:
                words, why = _BAD_TEST[result.status], result.message or ""
                raise InputError(why if why.startswith(words) else f"{words}: {why}")
            if result.status == "sandbox_error":
                status, message = "error", result.message
                break
            if index == max_iterations:
                message = f"the tests still fail after {max_iterations} rounds"
                break
            round_started = time.perf_counter()
            step = self.strategy.step(
                Round(
                    index,
                    self.task,
                    program,
                    self.test,
                    self.entry_point,
                    result,
                    cfg.program_graphs(program),
                    self.limits,
                    self.defines,
                )
            )
            usage += step.usage
            doubts += [doubt for doubt in step.doubts if doubt not in doubts]
            self.progress("verdicts", {"iteration": index, "verdicts": step.verdicts})
            iterations.append(self._iteration(index, program, result, step, round_started))
            if step.program is None:
                message = step.message or "no repair was found"
                status = "error" if step.failed else "unfixed"
                break
            self.progress("repair", {"iteration": index, "diff": iterations[-1].diff})
            program = step.program
            self.progress("iteration", {"iteration": index, "program": program})
        debug_result = DebugResult(
            status=status,
            message=message,
            doubts=doubts if status == "plausible" else [],
            program=program,
            diff=unified_diff(self.code, program),
            model=self.strategy.name,
            feedback=self.options.feedback,
            level=self.options.level,
            seed=self.options.seed,
            iterations=iterations,
            usage=usage_of(usage),
            sandbox=sandbox_mode,
            seconds=round(time.perf_counter() - self.started, 3),
        )
        log.info("debug %s after %d rounds", status, len(iterations))
        self.progress("done", {"result": debug_result})
        return debug_result

    def _unseen_examples_failed(self, program: str) -> list[str]:
        return failed_examples(
            self.code,
            program,
            task=self.task,
            entry_point=self.defines,
            tests=self.test,
            limits=self.limits,
        )

    def _test(self, program: str) -> TraceResult:
        """The tests on `program`, with a failing case chosen at random (by the seed) traced."""
        result = trace(program, self.test, entry_point=self.entry_point, limits=self.limits)
        failing = [i for i, case in enumerate(result.cases) if case.status != "passed"]
        failing = [i for i in failing if result.cases[i].status != "not_run"]
        if len(failing) > 1:
            chosen = self.random.choice(failing)
            if chosen != result.traced_case:
                result = trace(
                    program,
                    self.test,
                    entry_point=self.entry_point,
                    case=chosen,
                    limits=self.limits,
                )
        return result

    def _iteration(
        self, index: int, program: str, result: TraceResult, step: Step, started: float
    ) -> Iteration:
        diff = unified_diff(program, step.program) if step.program is not None else None
        return Iteration(
            index=index,
            program=program,
            status=result.status,
            message=result.message,
            cases=result.cases,
            traced_case=result.traced_case,
            feedback=step.feedback,
            verdicts=step.verdicts,
            replies=step.replies,
            usage=usage_of(step.usage),
            edit=step.edit,
            diff=diff,
            seconds=round(time.perf_counter() - started, 3),
        )


def plausible_message(doubts: list[str]) -> str:
    checks = "a check doubts it" if len(doubts) == 1 else f"{len(doubts)} checks doubt it"
    return f"the tests pass after a repair, but {checks}: look before trusting it"


def _tested_function(code: str, test: str | Sequence[str]) -> str | None:
    """The function the test is for, when the program and test say so plainly."""
    graphs = cfg.program_graphs(code)
    if not graphs:
        return None
    try:
        return infer_entry_point(graphs, test)
    except InputError:
        return None


def usage_of(usage: TokenUsage) -> Usage:
    return Usage(
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        total_tokens=usage.total_tokens,
    )
