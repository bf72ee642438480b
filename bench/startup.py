"""How long ldb takes to start: `import ldb`, `ldb --help` and `ldb blocks` on an example,
against `python -c pass` measured in the same run.

Run: python -m bench.startup [--runs N]. Each command is a fresh interpreter; the kinds are
run in alternating rounds, so that a busy moment of this shared machine falls on all of them
alike, and the median of each is reported with its ratio to the bare interpreter and the
target it is held to.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "moving_average.py"

COMMANDS: list[tuple[str, list[str], float | None]] = [
    ("python -c pass", [sys.executable, "-c", "pass"], None),
    ("import ldb", [sys.executable, "-c", "import ldb"], 0.10),
    ("ldb --help", [sys.executable, "-m", "ldb", "--help"], 0.15),
    ("ldb debug --help", [sys.executable, "-m", "ldb", "debug", "--help"], None),
    ("ldb blocks EXAMPLE", [sys.executable, "-m", "ldb", "blocks", str(EXAMPLE)], 0.20),
]
"""Each command's name, its arguments, and the most seconds it may take (None: no target)."""


def _seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20, help="runs of each command (median)")
    args = parser.parse_args()
    for _, command, _ in COMMANDS:  # warm the file cache and the bytecode caches
        _seconds(command)
    times: dict[str, list[float]] = {name: [] for name, _, _ in COMMANDS}
    for _ in range(args.runs):
        for name, command, _ in COMMANDS:
            times[name].append(_seconds(command))
    baseline = statistics.median(times[COMMANDS[0][0]])
    print(f"python {sys.version.split()[0]}, {args.runs} runs of each, alternating (median)")
    print(f"{'command':<20} {'seconds':>8} {'x python':>9} {'target':>8}")
    for name, _, target in COMMANDS:
        median = statistics.median(times[name])
        verdict = "" if target is None else f"{'<=' if median <= target else '> '} {target:.2f}"
        print(f"{name:<20} {median:8.3f} {median / baseline:8.1f}x {verdict:>8}")


if __name__ == "__main__":
    main()
