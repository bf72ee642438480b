"""How far the offline engine's claims can be trusted on model-written programs: LDB's seeds of
every model in ../shared/data/ldb, debugged under LDB's protocol, each claimed fix scored on
the hidden test.

Run: python -m bench.seeds [--datasets humaneval mbpp transcoder] [--half report|tune|all]
[--workers N] [--out DIR]. Problems are split in two halves by a hash of their task id: the
engine's checks were tuned on `tune` and are reported on `report`, the held-out half. For each
seed file it prints the problems solved by the seeds and after debugging, and the claims:
`fixed` (and how many pass the hidden test: the precision of claims) and `plausible` (and how
many pass it).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ldb.evaluation import executors, problems, protocol
from ldb.evaluation.protocol import EvalRecord
from ldb.literals import Dataset

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "ldb"
DATASETS: tuple[Dataset, ...] = ("humaneval", "mbpp", "transcoder")
MODELS = ("gpt-3.5-turbo-0613", "codellama", "starcoder")


def half(task_id: str) -> str:
    """`tune` or `report`, fixed by the task id alone."""
    return ("tune", "report")[int(hashlib.sha256(task_id.encode()).hexdigest(), 16) % 2]


@dataclass(frozen=True)
class Figures:
    problems: int
    seeds_solved: int
    solved: int
    fixed: int
    fixed_solved: int
    plausible: int
    plausible_solved: int
    seconds: float

    @property
    def precision(self) -> str:
        return f"{self.fixed_solved / self.fixed:.0%}" if self.fixed else "no claim"


def figures(records: list[EvalRecord], seconds: float) -> Figures:
    fixed = [r for r in records if r.status == "fixed"]
    plausible = [r for r in records if r.status == "plausible"]
    return Figures(
        problems=len(records),
        seeds_solved=sum(r.seed_solved for r in records),
        solved=sum(r.solved for r in records),
        fixed=len(fixed),
        fixed_solved=sum(r.solved for r in fixed),
        plausible=len(plausible),
        plausible_solved=sum(r.solved for r in plausible),
        seconds=seconds,
    )


def evaluate(
    dataset: Dataset, model: str, workers: int, out: Path
) -> tuple[list[EvalRecord], float]:
    seeds = SHARED / dataset / "seed" / model / "seed.jsonl"
    loaded = problems.load(dataset, data=SHARED / dataset, seeds=seeds)
    started = time.perf_counter()
    pool = executors.executor("local", workers)
    try:
        records = list(protocol.run(loaded, protocol.Options(), out, pool))
    finally:
        pool.close()
    return records, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    parser.add_argument("--half", choices=["report", "tune", "all"], default="report")
    parser.add_argument("--workers", type=int, default=executors.default_workers())
    parser.add_argument("--out", type=Path, help="keep each file's records here")
    args = parser.parse_args()
    if not SHARED.exists():
        sys.exit(f"LDB's benchmark data not found: {SHARED} (../shared/data/ldb beside the clone)")
    out = args.out or Path(tempfile.mkdtemp(prefix="ldb-bench-seeds-"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"half: {args.half}; records in {out}")
    print(
        f"{'seeds':<34} {'problems':>8} {'solved: seeds → after':>22} {'all: gain':>10} "
        f"{'fixed (hidden ok)':>18} {'precision':>9} {'plausible (ok)':>15} {'time':>7}"
    )
    for dataset in args.datasets:
        for model in MODELS:
            if not (SHARED / dataset / "seed" / model / "seed.jsonl").exists():
                continue
            path = out / f"{dataset}-{model}.jsonl"
            path.unlink(missing_ok=True)
            records, seconds = evaluate(dataset, model, args.workers, path)
            chosen = [r for r in records if args.half == "all" or half(r.task_id) == args.half]
            row, whole = figures(chosen, seconds), figures(records, seconds)
            gained = row.solved - row.seeds_solved
            print(
                f"{dataset + ' ' + model:<34} {row.problems:>8} "
                f"{f'{row.seeds_solved} → {row.solved} ({gained:+d})':>22} "
                f"{f'{whole.solved - whole.seeds_solved:+d}':>10} "
                f"{f'{row.fixed} ({row.fixed_solved})':>18} {row.precision:>9} "
                f"{f'{row.plausible} ({row.plausible_solved})':>15} {row.seconds:>6.0f}s",
                flush=True,
            )


if __name__ == "__main__":
    main()
