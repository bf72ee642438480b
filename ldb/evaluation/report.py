"""What an evaluation's results say: pass@1 before and after debugging, what changed, the cost,
and, against LDB's own results file, which problems each solved."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ldb.errors import InputError
from ldb.evaluation.problems import read_jsonl
from ldb.evaluation.protocol import EvalRecord


@dataclass(frozen=True)
class Summary:
    problems: int
    seed_solved: int
    solved: int
    fixed: int
    """Seeds that failed the hidden test and whose final program passes it."""
    broken: int
    """Seeds that passed the hidden test and whose final program fails it."""
    unchanged: int
    statuses: dict[str, int]
    solved_by_status: dict[str, int]
    """Of each debug status's problems, how many the final program solves (the hidden test
    passes): what a `fixed` or a `plausible` claimed, and what held."""
    debugged: int
    mean_iterations: float
    mean_tokens: float
    median_seconds: float
    total_seconds: float


def load(path: Path) -> list[EvalRecord]:
    records = [EvalRecord.model_validate(raw) for raw in read_jsonl(path)]
    if not records:
        raise InputError(f"{path}: no results")
    return records


def summarise(records: list[EvalRecord]) -> Summary:
    debugged = [r for r in records if r.status != "passed"]
    return Summary(
        problems=len(records),
        seed_solved=sum(r.seed_solved for r in records),
        solved=sum(r.solved for r in records),
        fixed=sum(r.solved and not r.seed_solved for r in records),
        broken=sum(r.seed_solved and not r.solved for r in records),
        unchanged=sum(r.solved == r.seed_solved for r in records),
        statuses=dict(Counter(r.status for r in records)),
        solved_by_status=dict(Counter(r.status for r in records if r.solved)),
        debugged=len(debugged),
        mean_iterations=statistics.fmean(r.iterations for r in debugged) if debugged else 0.0,
        mean_tokens=statistics.fmean(r.tokens for r in records),
        median_seconds=statistics.median(r.seconds for r in records),
        total_seconds=sum(r.seconds for r in records),
    )


def precision(summary: Summary) -> float | None:
    """Of the repairs called fixed, the share whose final program passes the hidden test;
    None when none was."""
    fixed = summary.statuses.get("fixed", 0)
    return summary.solved_by_status.get("fixed", 0) / fixed if fixed else None


def pass_by_round(records: list[EvalRecord]) -> list[float]:
    """pass@1 when k rounds were allowed, for k = 0 up to the most any problem used: a problem
    whose debugging ended within k rounds counts as its final program does; one that needed
    more, as its seed did (the programs between are not scored)."""
    most = max((r.iterations for r in records), default=0)
    return [
        sum(r.solved if r.iterations <= allowed else r.seed_solved for r in records) / len(records)
        for allowed in range(most + 1)
    ]


def compare(records: list[EvalRecord], theirs: Path) -> dict[str, list[str]]:
    """Problem by problem against LDB's results (`task_id`, `is_solved`): solved by both, by
    ldb only, by LDB only, by neither; over the problems both files hold."""
    reference = {str(raw["task_id"]): _truthy(raw.get("is_solved")) for raw in read_jsonl(theirs)}
    groups: dict[str, list[str]] = {"both": [], "ldb only": [], "LDB only": [], "neither": []}
    for record in records:
        if record.task_id not in reference:
            continue
        ours, other = record.solved, reference[record.task_id]
        key = (
            "both" if ours and other else "ldb only" if ours else "LDB only" if other else "neither"
        )
        groups[key].append(record.task_id)
    return groups


def markdown(
    records: list[EvalRecord], groups: dict[str, list[str]] | None = None, name: str = ""
) -> str:
    summary = summarise(records)
    n = summary.problems

    def rate(count: int) -> str:
        return f"{100 * count / n:.1f}% ({count}/{n})"

    def claimed(status: str) -> str:
        count = summary.statuses.get(status, 0)
        return f"{count} ({summary.solved_by_status.get(status, 0)} pass the hidden test)"

    fixed, held = summary.statuses.get("fixed", 0), summary.solved_by_status.get("fixed", 0)
    share = precision(summary)
    precise = "none called fixed" if share is None else f"{100 * share:.1f}% ({held}/{fixed})"

    lines = [
        f"# ldb evaluation{f': {name}' if name else ''}",
        "",
        "| | |",
        "|---|---|",
        f"| problems | {n} |",
        f"| pass@1, seeds | {rate(summary.seed_solved)} |",
        f"| pass@1, after debugging | {rate(summary.solved)} |",
        f"| solved by debugging (seed failed, final passes) | {summary.fixed} |",
        f"| broken (seed passed, final fails) | {summary.broken} |",
        f"| unchanged | {summary.unchanged} |",
        f"| debugged (seed failed its visible tests) | {summary.debugged} |",
        "| outcomes | " + ", ".join(f"{k} {v}" for k, v in sorted(summary.statuses.items())) + " |",
        f"| fixed (every check cleared) | {claimed('fixed')} |",
        f"| plausible (a check doubts the repair) | {claimed('plausible')} |",
        f"| precision of claimed fixes (fixed and solved / fixed) | {precise} |",
        f"| rounds per debugged problem | {summary.mean_iterations:.2f} |",
        f"| tokens per problem | {summary.mean_tokens:.0f} |",
        f"| seconds per problem (median) | {summary.median_seconds:.2f} |",
        f"| seconds, all problems | {summary.total_seconds:.1f} |",
    ]
    if groups is not None:
        compared = sum(len(ids) for ids in groups.values())
        lines += [
            "",
            f"## Against LDB, problem by problem ({compared} problems in both files)",
            "",
            "| solved by | problems | task ids |",
            "|---|---:|---|",
        ]
        for key in ("both", "ldb only", "LDB only", "neither"):
            ids = groups[key]
            shown = ", ".join(ids[:12]) + (f", … ({len(ids) - 12} more)" if len(ids) > 12 else "")
            lines.append(f"| {key} | {len(ids)} | {shown if key != 'both' else ''} |")
    return "\n".join(lines) + "\n"


def plot(records: list[EvalRecord], path: Path, name: str = "") -> None:
    """A PNG of pass@1 by the rounds allowed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InputError("--plot needs matplotlib: pip install 'ldb[report]'") from None
    rates = [100 * rate for rate in pass_by_round(records)]
    figure, axes = plt.subplots(figsize=(6, 3.6), dpi=120)
    axes.plot(range(len(rates)), rates, marker="o")
    axes.set_xlabel("debugging rounds allowed")
    axes.set_ylabel("pass@1 (%)")
    axes.set_title(f"ldb{f' on {name}' if name else ''}: pass@1 by rounds")
    axes.set_xticks(range(len(rates)))
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"
