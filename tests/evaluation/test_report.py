"""The report's numbers from known records, the comparison with LDB's file, and the plot."""

from __future__ import annotations

import json
from pathlib import Path

from ldb.evaluation import report
from ldb.evaluation.protocol import EvalRecord


def record(task: str, seed_solved: bool, solved: bool, status: str, iterations: int) -> EvalRecord:
    return EvalRecord(
        task_id=task,
        dataset="humaneval",
        seed_status="passed" if status == "passed" else "failed",
        seed_solved=seed_solved,
        status=status,  # type: ignore[arg-type]
        solved=solved,
        hidden_status="passed" if solved else "failed",
        iterations=iterations,
        tokens=100 * iterations,
        seconds=1.0 + iterations,
        program="",
        verdicts=[],
    )


RECORDS = [
    record("T/0", True, True, "passed", 0),
    record("T/1", False, True, "fixed", 1),
    record("T/2", False, True, "fixed", 3),
    record("T/3", True, False, "fixed", 2),
    record("T/4", False, False, "unfixed", 10),
]


def test_summary_counts() -> None:
    summary = report.summarise(RECORDS)
    assert (summary.seed_solved, summary.solved) == (2, 3)
    assert (summary.fixed, summary.broken, summary.unchanged) == (2, 1, 2)
    assert summary.debugged == 4
    assert summary.mean_iterations == (1 + 3 + 2 + 10) / 4
    assert summary.statuses == {"passed": 1, "fixed": 3, "unfixed": 1}


def test_pass_by_round_counts_a_problem_from_the_round_it_ended() -> None:
    rates = report.pass_by_round(RECORDS)
    assert len(rates) == 11
    assert rates[0] == 2 / 5  # the seeds
    assert rates[1] == 3 / 5  # T/1 fixed
    assert rates[2] == 2 / 5  # T/3 broken
    assert rates[3] == 3 / 5 and rates[10] == 3 / 5


def test_markdown_and_comparison_with_ldbs_file(tmp_path: Path) -> None:
    theirs = tmp_path / "ldb.jsonl"
    reference = {"T/0": True, "T/1": False, "T/3": "True", "T/4": False, "T/9": True}
    theirs.write_text(
        "".join(json.dumps({"task_id": k, "is_solved": v}) + "\n" for k, v in reference.items())
    )
    groups = report.compare(RECORDS, theirs)
    assert groups == {"both": ["T/0"], "ldb only": ["T/1"], "LDB only": ["T/3"], "neither": ["T/4"]}
    text = report.markdown(RECORDS, groups, "humaneval")
    assert "| pass@1, seeds | 40.0% (2/5) |" in text
    assert "| pass@1, after debugging | 60.0% (3/5) |" in text
    assert "| LDB only | 1 | T/3 |" in text
    assert "(4 problems in both files)" in text


def test_the_plot_is_a_png(tmp_path: Path) -> None:
    path = tmp_path / "rounds.png"
    report.plot(RECORDS, path, "humaneval")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 5000
