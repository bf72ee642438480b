"""`ldb eval` and `ldb report` as users run them: real processes, a kill and a resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers.paths import ROOT, shared_data
from tests.helpers.toy_dataset import PROBLEMS, write_dataset


def ldb(*arguments: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ldb", *map(str, arguments)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


# What a recorded model answers for each copy of Toy/1 (the others pass their visible tests
# and are never debugged): a verdict, then the repair.
REPLIES = [
    {
        "reply": '{"block": 1, "correct": false, "explanation": "skips the last"}',
        "prompt_tokens": 50,
    },
    {"reply": "```python\ndef total(xs):\n    return sum(xs)\n```", "completion_tokens": 10},
]


def test_a_killed_run_resumes_without_losing_or_repeating_a_problem(tmp_path: Path) -> None:
    """A recorded model, end to end: visible tests for debugging, the hidden one for the
    score, a kill mid-run and a resume."""
    many = [{**p, "task_id": f"Toy/{n}-{i}"} for n, p in enumerate(PROBLEMS) for i in range(4)]
    seeds = write_dataset(tmp_path / "toy", many)
    recording = tmp_path / "replies.jsonl"
    recording.write_text("".join(json.dumps(reply) + "\n" for reply in REPLIES))
    out = tmp_path / "results.jsonl"
    command = [sys.executable, "-m", "ldb", "eval", "humaneval", "--data", str(tmp_path / "toy")]
    command += ["--seeds", str(seeds), "--workers", "1", "--out", str(out)]
    command += ["--model", f"replay:{recording}"]
    process = subprocess.Popen(command, cwd=tmp_path, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (
        not out.exists() or len(out.read_text().splitlines()) < 2
    ):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    before = [
        json.loads(line)["task_id"] for line in out.read_text().splitlines() if line.endswith("}")
    ]
    assert 2 <= len(before) < len(many)

    toy = ("eval", "humaneval", "--data", tmp_path / "toy", "--seeds", seeds, "--out", out)
    again = ldb(*toy, "--workers", "2", cwd=tmp_path)
    assert again.returncode == 2 and "--resume" in again.stderr
    model = f"replay:{recording}"
    resumed = ldb(*toy, "--workers", "2", "--resume", "--model", model, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    ids = [
        json.loads(line)["task_id"] for line in out.read_text().splitlines() if line.endswith("}")
    ]
    assert sorted(ids) == sorted(p["task_id"] for p in many)
    assert ids[: len(before)] == before
    whole = [line for line in out.read_text().splitlines() if line.endswith("}")]
    records = {r["task_id"]: r for r in map(json.loads, whole)}
    for copy in range(4):
        debugged = records[f"Toy/1-{copy}"]
        assert (debugged["status"], debugged["solved"], debugged["tokens"]) == ("fixed", True, 60)
        fooled = records[f"Toy/2-{copy}"]  # passes what the debugger sees, fails the hidden
        assert (fooled["status"], fooled["solved"], fooled["tokens"]) == ("passed", False, 0)

    shown = ldb("report", out, "--plot", tmp_path / "rounds.png", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert f"| problems | {len(many)} |" in shown.stdout
    assert "| pass@1, seeds | 33.3% (4/12) |" in shown.stdout
    assert "| pass@1, after debugging | 66.7% (8/12) |" in shown.stdout
    assert "| tokens per problem | 20 |" in shown.stdout
    assert (tmp_path / "rounds.png").exists()


def test_bad_input_exits_2(tmp_path: Path) -> None:
    missing = ldb("eval", "mbpp", cwd=tmp_path)
    assert missing.returncode == 2 and "mbpp needs --data" in missing.stderr
    unknown = ldb("eval", "apps", cwd=tmp_path)
    assert unknown.returncode == 2
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    nothing = ldb("report", empty, cwd=tmp_path)
    assert nothing.returncode == 2 and "no results" in nothing.stderr


def test_ci_subset_of_gpt35_failing_seeds(tmp_path: Path) -> None:
    """The named CI subset: ten of gpt-3.5's failing seeds per dataset, short budget."""
    for name in ("humaneval", "mbpp"):
        seeds = shared_data(f"{name}/seed/gpt-3.5-turbo-0613/seed.jsonl")
        failing = tmp_path / f"{name}-failing.jsonl"
        rows = [json.loads(line) for line in seeds.read_text().splitlines() if line.strip()]
        failing.write_text("".join(json.dumps(r) + "\n" for r in rows if not r["is_solved"]))
        out = tmp_path / f"{name}.jsonl"
        result = ldb(
            "eval",
            name,
            "--data",
            seeds.parents[2],
            "--seeds",
            failing,
            "--limit",
            "10",
            "--max-iterations",
            "2",
            "--workers",
            "2",
            "--out",
            out,
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr
        records = [json.loads(line) for line in out.read_text().splitlines()]
        assert len(records) == 10
        statuses = ("passed", "fixed", "plausible", "unfixed", "error")
        assert all(r["status"] in statuses for r in records)
        assert all(bool(r["doubts"]) == (r["status"] == "plausible") for r in records)
        assert all(r["iterations"] <= 2 for r in records)
        unchanged = [r for r in records if r["status"] == "passed"]
        assert all(r["iterations"] == 0 and r["solved"] == r["seed_solved"] for r in unchanged)
        compared = ldb(
            "report",
            out,
            "--compare",
            shared_data(f"results/ldb/{name}/gpt-3.5-turbo-0613/results.jsonl"),
            cwd=tmp_path,
        )
        assert compared.returncode == 0, compared.stderr
        assert "(10 problems in both files)" in compared.stdout
        assert "| precision of claimed fixes (fixed and solved / fixed) |" in compared.stdout
