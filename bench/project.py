"""What project mode costs: tracing one failing test of a repository against a plain
`python -m pytest NODEID` of it, and a whole test file, measured in one run.

Run: python -m bench.project [--runs N]. The bench writes two repositories: a small one (4
modules, 20 tests) and a medium one (50 modules importing each other, 300 tests), each with
one failing test at the bottom of a chain of calls across modules. For each it times, in
alternating rounds (median): the plain pytest run of that test (no sandbox, no tracer);
`ldb.trace_project` of the test (sandbox and tracer); the plain run of the whole test file;
and `ldb.trace_project` of the file (a full-speed run, then the failing test traced alone).
Both sides load no pytest plugin from the environment (ldb's own has heavy ones).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import ldb

QUIET = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONDONTWRITEBYTECODE": "1"}


def write_repository(root: Path, modules: int, tests: int) -> str:
    """A package of `modules` modules, each calling the previous one, and `tests` tests
    spread over test files of 50; one test fails. Returns the failing test's node id."""
    package = root / "chain"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "m0.py").write_text(
        "def step(values):\n    total = 0\n    for value in values:\n"
        "        total += value\n    return total\n"
    )
    for index in range(1, modules):
        (package / f"m{index}.py").write_text(
            f"from chain.m{index - 1} import step as previous\n\n\n"
            "def step(values):\n"
            "    doubled = [value * 2 for value in values]\n"
            "    return previous(doubled) // 2\n"
        )
    top = modules - 1
    (root / "tests").mkdir()
    failing = ""
    for first in range(0, tests, 50):
        lines = [f"from chain.m{top} import step\n"]
        for index in range(first, min(first + 50, tests)):
            expected = index * 3 if index != tests - 1 else -1  # the last one is wrong
            lines.append(
                f"\n\ndef test_{index}():\n    assert step([{index}, {index} * 2]) == {expected}\n"
            )
        name = f"tests/test_{first // 50}.py"
        (root / name).write_text("".join(lines))
        failing = f"{name}::test_{tests - 1}"
    return failing


def _plain(root: Path, target: str) -> Callable[[], object]:
    environment = {"PATH": "/usr/bin:/bin", **QUIET}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", target]
    return lambda: subprocess.run(command, cwd=root, env=environment, capture_output=True)


def _traced(root: Path, target: str) -> Callable[[], object]:
    def trace() -> object:
        result = ldb.trace_project(root, [target], python=sys.executable, env=QUIET)
        assert result.status == "failed" and result.events, result.message
        return result

    return trace


def _median_seconds(work: dict[str, Callable[[], object]], runs: int) -> dict[str, float]:
    for action in work.values():
        action()  # warm caches
    times: dict[str, list[float]] = {name: [] for name in work}
    for _ in range(runs):
        for name, action in work.items():
            started = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(seconds) for name, seconds in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs of each (median)")
    args = parser.parse_args()
    print(
        f"python {sys.version.split()[0]}, sandbox {ldb.sandbox_status().mode}, "
        f"{args.runs} runs of each, alternating (median seconds)"
    )
    print(f"{'repository':<26} {'what':<10} {'pytest':>8} {'ldb':>8} {'ratio':>7}")
    for label, modules, tests in (("small (4 modules, 20)", 4, 20), ("medium (50, 300)", 50, 300)):
        with tempfile.TemporaryDirectory(prefix="ldb-bench-") as folder:
            root = Path(folder)
            node = write_repository(root, modules, tests)
            file = node.partition("::")[0]
            measured = _median_seconds(
                {
                    "plain test": _plain(root, node),
                    "ldb test": _traced(root, node),
                    "plain file": _plain(root, file),
                    "ldb file": _traced(root, file),
                },
                args.runs,
            )
        for what in ("test", "file"):
            plain, traced = measured[f"plain {what}"], measured[f"ldb {what}"]
            print(f"{label:<26} {what:<10} {plain:8.3f} {traced:8.3f} {traced / plain:6.2f}x")


if __name__ == "__main__":
    main()
