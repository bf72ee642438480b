"""How well the offline engine debugs: fault localisation and repair on our seeded bugs, and
repair of gpt-3.5's failing HumanEval seeds scored on their hidden tests.

Run: python -m bench.offline [--humaneval] [--limit N] [--budget S]. The seeded corpus is
`testbed/seeded_bugs.jsonl`; the HumanEval seeds come from ../shared/data/ldb (LDB's inputs).
Localisation counts a bug found at top-k when a faulty line is among the lines of the k most
suspicious blocks; repair counts a program passing all of the bug's tests.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import ldb
from ldb.debugging.offline.engine import OfflineEngine
from ldb.debugging.offline.localise import Suspect, localise
from ldb.evaluation.problems import assemble_program, read_jsonl
from ldb.run.tracing import trace_cases
from testbed.seeded_bugs import SeededBug, load

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "ldb"
SEEDS = SHARED / "humaneval" / "seed" / "gpt-3.5-turbo-0613" / "seed.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--humaneval", action="store_true", help="also the 36 HumanEval seeds")
    parser.add_argument("--limit", type=int, help="only the first N of each set")
    parser.add_argument("--budget", type=float, default=20.0, help="repair search seconds")
    args = parser.parse_args()
    seeded(load()[: args.limit], args.budget)
    if args.humaneval:
        humaneval(args.limit, args.budget)


def seeded(bugs: list[SeededBug], budget: float) -> None:
    found = Counter[int]()
    repaired: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    seconds = []
    for bug in bugs:
        kinds[bug.kind] += 1
        _, traces = trace_cases(bug.program, bug.tests, entry_point=bug.entry_point)
        localisation = localise(ldb.blocks(bug.program), traces)
        rank = _rank(localisation.suspects, bug.fault_lines)
        for k in (1, 3, 5):
            found[k] += rank is not None and rank < k
        started = time.perf_counter()
        result = ldb.debug(
            bug.program,
            bug.tests,
            task=bug.task,
            entry_point=bug.entry_point,
            strategy=OfflineEngine(budget_s=budget),
        )
        seconds.append(time.perf_counter() - started)
        fixed = result.status == "fixed"
        repaired[bug.kind] += fixed
        mark = "fixed  " if fixed else "unfixed"
        where = "-" if rank is None else str(rank + 1)
        print(f"  {bug.id:40} {bug.kind:18} rank {where:>2}  {mark} {seconds[-1]:5.1f} s")
    total = len(bugs)
    print(
        f"seeded bugs: {total}; localisation top-1 {found[1]}/{total}, top-3 {found[3]}/{total}, "
        f"top-5 {found[5]}/{total}; repaired {sum(repaired.values())}/{total}; "
        f"median {statistics.median(seconds):.1f} s a bug"
    )
    for kind in sorted(kinds):
        print(f"  {kind:18} repaired {repaired[kind]}/{kinds[kind]}")


def humaneval(limit: int | None, budget: float) -> None:
    if not SEEDS.exists():
        sys.exit(f"LDB benchmark data not found: {SEEDS}")
    failing = []
    for seed in read_jsonl(SEEDS):
        program = assemble_program(seed["prompt"], seed["solution"])
        visible = ldb.trace(program, seed["given_tests"], entry_point=seed["entry_point"])
        if visible.status != "passed":
            failing.append((seed, program))
    failing = failing[:limit]
    solved = 0
    for seed, program in failing:
        started = time.perf_counter()
        result = ldb.debug(
            program,
            seed["given_tests"],
            task=seed["prompt"],
            entry_point=seed["entry_point"],
            strategy=OfflineEngine(budget_s=budget),
        )
        hidden = ldb.trace(
            result.program,
            seed["test"] + f"\ncheck({seed['entry_point']})\n",
            entry_point=seed["entry_point"],
            tracer="off",
        )
        solved += hidden.status == "passed"
        print(
            f"  {seed['task_id']:14} {result.status:8} hidden {hidden.status:8} "
            f"{time.perf_counter() - started:5.1f} s"
        )
    print(f"HumanEval gpt-3.5 failing seeds: {solved}/{len(failing)} pass the hidden tests")


def _rank(suspects: list[Suspect], fault_lines: list[int]) -> int | None:
    for rank, suspect in enumerate(suspects):
        if set(suspect.lines) & set(fault_lines):
            return rank
    return None


if __name__ == "__main__":
    main()
