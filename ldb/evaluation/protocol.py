"""Batch evaluation with LDB's protocol: a seed that passes its visible tests is scored on the
hidden test as it is; otherwise it is debugged against the visible tests alone and the final
program is scored on the hidden test. One JSON line per problem, written as it finishes."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ldb.debugging.chat import prompt
from ldb.debugging.chat.replies import parse_program
from ldb.debugging.chat.strategy import ChatStrategy
from ldb.debugging.choice import choose
from ldb.debugging.loop import debug
from ldb.debugging.strategy import Strategy
from ldb.errors import InputError, LdbError
from ldb.evaluation.executors import Executor
from ldb.evaluation.problems import Problem, assemble_program
from ldb.models import SCHEMA_VERSION, DebugStatus, TraceStatus, Verdict
from ldb.run.tracing import trace
from ldb.settings import DebugOptions


class EvalRecord(BaseModel):
    """One problem's outcome, as a line of `ldb eval --out`."""

    schema_version: int = SCHEMA_VERSION
    task_id: str
    dataset: str
    seed_status: TraceStatus = Field(description="The seed on the visible tests.")
    seed_solved: bool = Field(description="The seed passes the hidden test.")
    status: DebugStatus = Field(
        description="passed: the seed passed its visible tests and was not debugged; "
        "fixed / plausible / unfixed / error: how debugging on the visible tests ended "
        "(plausible: they pass after a repair a check doubts)."
    )
    doubts: list[str] = Field(
        default_factory=list, description="Why a plausible repair is not called fixed."
    )
    solved: bool = Field(description="The final program passes the hidden test (pass@1).")
    hidden_status: TraceStatus
    iterations: int = Field(description="Debugging rounds (0 for a seed that passed).")
    tokens: int = Field(description="Model tokens the problem used.")
    seconds: float
    program: str = Field(description="The final program.")
    verdicts: list[list[Verdict]] = Field(description="Each round's verdicts.")
    message: str | None = None


@dataclass(frozen=True)
class Options:
    """How every problem is debugged, and where its seed comes from."""

    debugging: DebugOptions = field(default_factory=DebugOptions)
    generate: bool = False
    """Ask the model for each seed first (from the prompt), instead of the problem's program."""


def evaluate(problem: Problem, options: Options) -> EvalRecord:
    """One problem under LDB's protocol. Runs wherever the executor puts it (another
    process, another machine): everything it needs comes in its arguments."""
    started = time.perf_counter()
    tokens = 0
    if options.generate:
        try:
            problem, tokens = _generated(problem, options)
        except LdbError as error:
            problem = replace(problem, program="")
            failure = f"no seed: {error}"
            return _unsolved(problem, failure, tokens, time.perf_counter() - started)
    visible = trace(
        problem.program,
        problem.visible,
        entry_point=problem.entry_point,
        tracer="off",
        limits=options.debugging.limits,
    )
    seed_hidden = _hidden(problem.program, problem, options)
    program, status, message = problem.program, "passed", None
    iterations, verdicts = 0, []
    doubts: list[str] = []
    if visible.status != "passed":
        try:
            with _strategy(problem, options.debugging) as strategy:
                result = debug(
                    problem.program,
                    problem.visible,
                    task=problem.prompt,
                    entry_point=problem.entry_point,
                    options=options.debugging,
                    strategy=strategy,
                )
        except LdbError as error:
            status, message = "error", str(error)
        else:
            program, status, message = result.program, result.status, result.message
            doubts = result.doubts
            iterations = len(result.iterations)
            tokens += result.usage.total_tokens
            verdicts = [iteration.verdicts for iteration in result.iterations]
    final_hidden = seed_hidden if program == problem.program else _hidden(program, problem, options)
    return EvalRecord(
        task_id=problem.task_id,
        dataset=problem.dataset,
        seed_status=visible.status,
        seed_solved=seed_hidden == "passed",
        status=status,  # type: ignore[arg-type]
        solved=final_hidden == "passed",
        hidden_status=final_hidden,
        iterations=iterations,
        tokens=tokens,
        seconds=round(time.perf_counter() - started, 3),
        program=program,
        verdicts=verdicts,
        message=message,
        doubts=doubts,
    )


def _generated(problem: Problem, options: Options) -> tuple[Problem, int]:
    """The problem with the model's own first program as its seed, and the tokens it took."""
    with _strategy(problem, options.debugging) as strategy:
        if not isinstance(strategy, ChatStrategy):
            raise InputError("generating seeds needs a chat model (--model NAME), or give --seeds")
        messages = prompt.generation(problem.prompt, translation=strategy.translation)
        completion = strategy.model.complete(messages, max_tokens=options.debugging.max_tokens)
    program = parse_program(completion.text, problem.entry_point, "")
    if problem.dataset == "humaneval":
        program = assemble_program(problem.prompt, program)
    return replace(problem, program=program), completion.usage.total_tokens


def _unsolved(problem: Problem, message: str, tokens: int, seconds: float) -> EvalRecord:
    return EvalRecord(
        task_id=problem.task_id,
        dataset=problem.dataset,
        seed_status="syntax_error",
        seed_solved=False,
        status="error",
        solved=False,
        hidden_status="syntax_error",
        iterations=0,
        tokens=tokens,
        seconds=round(seconds, 3),
        program=problem.program,
        verdicts=[],
        message=message,
    )


def _hidden(program: str, problem: Problem, options: Options) -> TraceStatus:
    result = trace(
        program,
        problem.hidden,
        entry_point=problem.entry_point,
        tracer="off",
        limits=options.debugging.limits,
    )
    return result.status


def _strategy(problem: Problem, options: DebugOptions) -> Strategy:
    strategy = choose(options)
    if isinstance(strategy, ChatStrategy) and problem.dataset == "transcoder":
        strategy.translation = True  # the model is shown the C++ program, as LDB words it
    return strategy


def _evaluate_json(item: tuple[dict[str, Any], Options]) -> dict[str, Any]:
    """`evaluate` on plain data, for executors that ship work between processes."""
    problem, options = item
    return evaluate(Problem.from_json(problem), options).model_dump(mode="json")


def finished(out: Path) -> set[str]:
    """Task ids already in a results file; a line cut short by a crash does not count."""
    done: set[str] = set()
    if not out.exists():
        return done
    with out.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                done.add(json.loads(line)["task_id"])
            except (ValueError, KeyError, TypeError):
                continue
    return done


def run(
    problems: Iterable[Problem],
    options: Options,
    out: Path,
    executor: Executor,
    *,
    resume: bool = False,
    progress: Callable[[EvalRecord], None] | None = None,
) -> Iterator[EvalRecord]:
    """Evaluates the problems on the executor, appending each record to `out` (flushed and
    synced) as it finishes, in whatever order they finish. With `resume`, problems already
    in `out` are skipped; without it, `out` must not exist yet."""
    if out.exists() and not resume:
        raise InputError(f"{out} exists: --resume to go on with it, or name another file")
    skip = finished(out) if resume else set()
    todo = [(problem.to_json(), options) for problem in problems if problem.task_id not in skip]
    out.parent.mkdir(parents=True, exist_ok=True)
    _end_cleanly(out)
    with out.open("a", encoding="utf-8") as handle:
        for record_json in executor.map_unordered(_evaluate_json, todo):
            handle.write(json.dumps(record_json) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
            record = EvalRecord.model_validate(record_json)
            if progress is not None:
                progress(record)
            yield record


def _end_cleanly(out: Path) -> None:
    """A file whose last line a crash cut short gets its newline back, so that the next
    record starts a line of its own (the cut line is skipped on reading)."""
    if out.exists() and out.stat().st_size:
        with out.open("rb+") as handle:
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) != b"\n":
                handle.write(b"\n")
