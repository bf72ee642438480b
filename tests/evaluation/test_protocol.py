"""LDB's protocol on real runs: visible tests for debugging, the hidden test for the score."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from ldb.errors import InputError
from ldb.evaluation.executors import LocalExecutor
from ldb.evaluation.problems import Problem, load
from ldb.evaluation.protocol import Options, evaluate, finished, run
from ldb.settings import DebugOptions
from testbed.chat_server import ChatServer


def toy_problems(folder: Path, seeds: Path) -> list[Problem]:
    return load("humaneval", data=folder, seeds=seeds)


def test_each_outcome_of_the_protocol(toy: tuple[Path, Path]) -> None:
    problems = {p.task_id: p for p in toy_problems(*toy)}
    options = Options(DebugOptions(max_iterations=3))

    passing = evaluate(problems["Toy/0"], options)
    assert (passing.seed_status, passing.status, passing.iterations) == ("passed", "passed", 0)
    assert passing.seed_solved and passing.solved

    fixed = evaluate(problems["Toy/1"], options)
    assert (fixed.seed_status, fixed.status) == ("failed", "fixed")
    assert not fixed.seed_solved and fixed.solved
    assert fixed.iterations >= 1 and fixed.verdicts and fixed.verdicts[0]
    assert "range(len(xs))" in fixed.program

    # The debugger sees only `is_even(4)`, which the seed passes: nothing to debug, and the
    # hidden test still fails.
    fooled = evaluate(problems["Toy/2"], options)
    assert (fooled.status, fooled.seed_solved, fooled.solved) == ("passed", False, False)
    assert fooled.hidden_status == "failed"
    assert fooled.program == problems["Toy/2"].program


def test_the_debugger_never_sees_the_hidden_test(toy: tuple[Path, Path]) -> None:
    folder, seeds = toy
    [problem] = [p for p in toy_problems(folder, seeds) if p.task_id == "Toy/1"]
    blind = Problem(
        **{**problem.to_json(), "hidden": problem.hidden + "    assert candidate([5, 5]) == 11\n"}
    )
    record = evaluate(blind, Options(DebugOptions(max_iterations=3)))
    assert record.status == "fixed", "the visible tests are what debugging answers to"
    assert not record.solved and record.hidden_status == "failed"


def test_a_run_writes_each_problem_once_and_resumes(toy: tuple[Path, Path], tmp_path: Path) -> None:
    problems = toy_problems(*toy)
    out = tmp_path / "results.jsonl"
    pool = LocalExecutor(2)
    try:
        first = list(run(problems[:2], Options(DebugOptions(max_iterations=2)), out, pool))
        assert {r.task_id for r in first} == {"Toy/0", "Toy/1"}
        with pytest.raises(InputError, match="--resume"):
            list(run(problems, Options(), out, pool))
        with out.open("a") as handle:
            handle.write('{"task_id": "Toy/2", "cut sho')  # a crash mid-line
        rest = list(run(problems, Options(DebugOptions(max_iterations=2)), out, pool, resume=True))
    finally:
        pool.close()
    assert [r.task_id for r in rest] == ["Toy/2"]
    lines = out.read_text().splitlines()
    ids = [json.loads(line)["task_id"] for line in lines if line.endswith("}")]
    assert sorted(ids) == ["Toy/0", "Toy/1", "Toy/2"]
    assert finished(out) == {"Toy/0", "Toy/1", "Toy/2"}


def test_a_recorded_model_debugs_through_the_protocol(
    toy: tuple[Path, Path], tmp_path: Path
) -> None:
    [problem] = [p for p in toy_problems(*toy) if p.task_id == "Toy/1"]
    replies = [
        {"reply": '{"block": 0, "correct": true, "explanation": "fine"}', "prompt_tokens": 40},
        {
            "reply": "```python\ndef total(xs):\n    return sum(xs)\n```",
            "prompt_tokens": 60,
            "completion_tokens": 12,
        },
    ]
    recording = tmp_path / "replies.jsonl"
    recording.write_text("".join(json.dumps(r) + "\n" for r in replies))
    record = evaluate(problem, Options(DebugOptions(model=f"replay:{recording}", max_iterations=2)))
    assert (record.status, record.solved, record.iterations) == ("fixed", True, 1)
    assert record.tokens == 40 + 60 + 12
    assert record.program == "def total(xs):\n    return sum(xs)\n"


def test_a_model_writes_the_seed_first_when_there_is_none(
    toy: tuple[Path, Path], tmp_path: Path
) -> None:
    [problem] = [p for p in toy_problems(*toy) if p.task_id == "Toy/1"]
    recording = tmp_path / "replies.jsonl"
    seed = {"reply": "```python\ndef total(xs):\n    return sum(xs)\n```", "prompt_tokens": 30}
    recording.write_text(json.dumps(seed) + "\n")
    options = Options(DebugOptions(model=f"replay:{recording}"), generate=True)
    record = evaluate(problem, options)
    assert (record.status, record.solved, record.tokens) == ("passed", True, 30)
    assert record.program == "def total(xs):\n    return sum(xs)\n"

    nothing = tmp_path / "prose.jsonl"
    nothing.write_text(json.dumps("I would rather not.") + "\n")
    refused = evaluate(problem, Options(DebugOptions(model=f"replay:{nothing}"), generate=True))
    assert (refused.status, refused.solved) == ("error", False)
    assert refused.message is not None and refused.message.startswith("no seed:")


def test_every_model_client_the_evaluation_opens_is_closed(
    toy: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chat model on loopback writes one problem's seed and debugs another's: each of the
    strategies the protocol makes (one per problem and one per seed) lets its client go."""
    monkeypatch.setenv("LDB_API_KEY", "sk-test")
    problems = {p.task_id: p for p in toy_problems(*toy)}
    made: list[httpx.Client] = []  # held here, so that no client is closed by being collected
    opened = httpx.Client.__init__

    def counted(client: httpx.Client, *args: Any, **kwargs: Any) -> None:
        opened(client, *args, **kwargs)
        made.append(client)

    monkeypatch.setattr(httpx.Client, "__init__", counted)
    with ChatServer() as server:
        server.complete('{"block": 0, "correct": false, "explanation": "stops early"}')
        server.complete("```python\ndef total(xs):\n    return sum(xs)\n```")
        chat = DebugOptions(model="served-model", base_url=server.url, max_iterations=2)
        debugged = evaluate(problems["Toy/1"], Options(chat))
        server.complete("```python\ndef total(xs):\n    return sum(xs)\n```")
        generated = evaluate(problems["Toy/1"], Options(chat, generate=True))
    assert (debugged.status, debugged.solved) == ("fixed", True)
    assert (generated.status, generated.solved) == ("passed", True)
    assert len(made) == 2
    assert [client.is_closed for client in made] == [True, True]
