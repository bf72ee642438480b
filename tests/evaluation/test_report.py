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
    assert summary.solved_by_status == {"passed": 1, "fixed": 2}
    assert report.precision(summary) == 2 / 3


# Two repairs a check doubted: one of them passes the hidden test all the same.
DOUBTED = [
    *RECORDS,
    record("T/5", False, True, "plausible", 1),
    record("T/6", False, False, "plausible", 2),
]


def test_plausible_repairs_are_counted_apart_from_fixed_ones(tmp_path: Path) -> None:
    summary = report.summarise(DOUBTED)
    assert summary.statuses == {"passed": 1, "fixed": 3, "plausible": 2, "unfixed": 1}
    assert summary.solved_by_status == {"passed": 1, "fixed": 2, "plausible": 1}
    assert report.precision(summary) == 2 / 3  # the plausible ones claim no fix
    assert summary.solved == 4 and summary.debugged == 6
    text = report.markdown(DOUBTED)
    assert "| outcomes | fixed 3, passed 1, plausible 2, unfixed 1 |" in text
    assert "| fixed (every check cleared) | 3 (2 pass the hidden test) |" in text
    assert "| plausible (a check doubts the repair) | 2 (1 pass the hidden test) |" in text
    assert "| precision of claimed fixes (fixed and solved / fixed) | 66.7% (2/3) |" in text
    # Against LDB's file, a problem counts by whether it is solved, whatever was claimed.
    theirs = tmp_path / "ldb.jsonl"
    theirs.write_text(
        "".join(json.dumps({"task_id": f"T/{i}", "is_solved": False}) + "\n" for i in (5, 6))
    )
    assert report.compare(DOUBTED, theirs)["ldb only"] == ["T/5"]
    assert "| neither | 1 | T/6 |" in report.markdown(DOUBTED, report.compare(DOUBTED, theirs))


def test_precision_with_no_repair_called_fixed() -> None:
    records = [record("T/0", True, True, "passed", 0), record("T/1", False, False, "plausible", 1)]
    assert report.precision(report.summarise(records)) is None
    text = report.markdown(records)
    assert "| precision of claimed fixes (fixed and solved / fixed) | none called fixed |" in text
    assert "| fixed (every check cleared) | 0 (0 pass the hidden test) |" in text


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
    report.plot(DOUBTED, path, "humaneval")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 5000
