"""How well the offline engine repairs the one-line bug corpus, scored on its hidden tests; or,
with --check, whether the corpus itself is sound.

Run: python -m bench.bugs [--limit N] [--budget S] [--only CLASS] [--json FILE], or
python -m bench.bugs --check [--corpus FILE].

A bug is repaired when the debugger claims a fix (status fixed) and the final program passes
the hidden tests; a claimed fix that fails them is a wrong claim. A plausible repair (the
visible tests pass, but a check doubts it) is counted apart, with how many of those pass the
hidden tests.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import ldb
from bench.bugs import CLASSES, PATH, Bug, corpus_problems, load, problems

CHECK_WORKERS = 2
"""Bugs checked at once: each check waits on two sandbox runs, which overlap well."""


@dataclass(frozen=True)
class Outcome:
    """What debugging one bug came to."""

    bug: Bug
    status: str
    """The debugger's: passed, fixed, plausible, unfixed or error."""
    hidden_passed: bool
    doubts: tuple[str, ...]
    seconds: float
    diff: str
    """From the buggy program to the final one."""
    message: str | None

    @property
    def claimed(self) -> bool:
        return self.status in ("passed", "fixed")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="check the corpus, run nothing else")
    parser.add_argument("--corpus", type=Path, default=PATH, help="the corpus (JSON lines)")
    parser.add_argument("--limit", type=int, help="only the first N bugs")
    parser.add_argument("--budget", type=float, default=20.0, help="repair search seconds")
    parser.add_argument("--only", choices=CLASSES, metavar="CLASS", help="only this class")
    parser.add_argument("--json", type=Path, metavar="FILE", help="a JSON line per bug")
    args = parser.parse_args(argv)
    try:
        bugs = load(args.corpus)
    except (OSError, ValueError) as error:
        print(error)
        return 1
    if args.check:
        return check(bugs)
    chosen = [bug for bug in bugs if args.only in (None, bug.kind)][: args.limit]
    outcomes = benchmark(chosen, args.budget)
    print("\n".join(table(outcomes)))
    if args.json is not None:
        with open(args.json, "w", encoding="utf-8") as handle:
            for outcome in outcomes:
                handle.write(json.dumps(_record(outcome)) + "\n")
    return 0


def check(bugs: list[Bug]) -> int:
    """Print a line for every violation of every bug, then the corpus's size; 1 on any."""
    with ThreadPoolExecutor(CHECK_WORKERS) as pool:
        found = dict(zip(bugs, pool.map(problems, bugs), strict=True))
    lines = [f"{bug.id}: {problem}" for bug, listed in found.items() for problem in listed]
    lines += corpus_problems(bugs)
    for line in lines:
        print(line)
    kinds = {kind: sum(bug.kind == kind for bug in bugs) for kind in CLASSES}
    sizes = ", ".join(f"{kind} {count}" for kind, count in kinds.items())
    print(f"{len(bugs)} bugs, {len(lines)} problems: {sizes}")
    return 1 if lines else 0


def benchmark(bugs: list[Bug], budget: float) -> list[Outcome]:
    """Debug every bug against its visible tests, then score the result on the hidden ones,
    with a progress bar on standard error."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (
        TextColumn("{task.description:28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("repaired {task.fields[repaired]}"),
    )
    console = Console(stderr=True)
    outcomes = []
    with Progress(*columns, console=console, disable=not console.is_terminal) as bar:
        task = bar.add_task("bugs", total=len(bugs), repaired=0)
        for bug in bugs:
            bar.update(task, description=bug.id)
            outcomes.append(debug(bug, budget))
            repaired = sum(outcome.claimed and outcome.hidden_passed for outcome in outcomes)
            bar.update(task, advance=1, repaired=repaired)
    return outcomes


def debug(bug: Bug, budget: float) -> Outcome:
    """Debug one bug with the offline engine and score its final program."""
    from ldb.debugging.offline.engine import OfflineEngine

    started = time.perf_counter()
    try:
        with OfflineEngine(budget_s=budget) as engine:
            result = ldb.debug(
                bug.program,
                list(bug.visible),
                task=bug.task,
                entry_point=bug.entry_point,
                strategy=engine,
            )
    except ldb.LdbError as error:
        seconds = time.perf_counter() - started
        return Outcome(bug, "error", False, (), seconds, "", str(error))
    seconds = time.perf_counter() - started
    hidden = ldb.trace(result.program, list(bug.hidden), entry_point=bug.entry_point, tracer="off")
    return Outcome(
        bug,
        result.status,
        hidden.status == "passed",
        tuple(result.doubts),
        seconds,
        result.diff,
        result.message,
    )


def table(outcomes: list[Outcome]) -> Iterator[str]:
    """The figures of every class, then of all, as lines of text."""
    header = (
        f"{'class':27} {'bugs':>4} {'repaired':>8} {'plausible (hidden ok)':>21} "
        f"{'wrong claims':>12} {'precision':>9} {'unfixed':>7} {'errors':>6} {'median s':>8}"
    )
    yield header
    yield "-" * len(header)
    for kind in CLASSES:
        some = [outcome for outcome in outcomes if outcome.bug.kind == kind]
        if some:
            yield _row(kind, some)
    yield "-" * len(header)
    yield _row("all", outcomes)
    yield _overall(outcomes)


def _row(name: str, outcomes: list[Outcome]) -> str:
    figures = _figures(outcomes)
    plausible = f"{figures['plausible']} ({figures['plausible_hidden']})"
    return (
        f"{name:27} {len(outcomes):>4} {figures['repaired']:>8} {plausible:>21} "
        f"{figures['wrong']:>12} {_precision(figures):>9} {figures['unfixed']:>7} "
        f"{figures['errors']:>6} {_median(outcomes):>8}"
    )


def _overall(outcomes: list[Outcome]) -> str:
    figures = _figures(outcomes)
    total = len(outcomes)
    share = f"{figures['repaired'] / total:.0%}" if total else "-"
    seconds = sum(outcome.seconds for outcome in outcomes)
    return (
        f"overall: {figures['repaired']} of {total} bugs repaired ({share}), "
        f"{figures['plausible']} plausible ({figures['plausible_hidden']} of them pass the "
        f"hidden tests), {figures['wrong']} wrong claims, precision of claims "
        f"{_precision(figures)}, {figures['unfixed']} unfixed, {figures['errors']} errors; "
        f"median {_median(outcomes)} s a bug, {seconds:.0f} s in all"
    )


def _figures(outcomes: list[Outcome]) -> dict[str, int]:
    return {
        "repaired": sum(o.claimed and o.hidden_passed for o in outcomes),
        "wrong": sum(o.claimed and not o.hidden_passed for o in outcomes),
        "plausible": sum(o.status == "plausible" for o in outcomes),
        "plausible_hidden": sum(o.status == "plausible" and o.hidden_passed for o in outcomes),
        "unfixed": sum(o.status == "unfixed" for o in outcomes),
        "errors": sum(o.status == "error" for o in outcomes),
    }


def _precision(figures: dict[str, int]) -> str:
    claims = figures["repaired"] + figures["wrong"]
    return f"{figures['repaired'] / claims:.0%}" if claims else "-"


def _median(outcomes: list[Outcome]) -> str:
    return f"{statistics.median(o.seconds for o in outcomes):.1f}" if outcomes else "-"


def _record(outcome: Outcome) -> dict[str, object]:
    return {
        "id": outcome.bug.id,
        "class": outcome.bug.kind,
        "status": outcome.status,
        "hidden_passed": outcome.hidden_passed,
        "doubts": list(outcome.doubts),
        "seconds": round(outcome.seconds, 3),
        "diff": outcome.diff,
        "message": outcome.message,
    }


if __name__ == "__main__":
    sys.exit(main())
