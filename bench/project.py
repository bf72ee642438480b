"""What project mode costs: tracing one failing test of a repository against a plain
`python -m pytest NODEID` of it, a whole test file, and checking candidate repairs against a
cold pytest run of the same tests, measured in one run.

Run: python -m bench.project [--runs N]. The bench writes two repositories: a small one (4
modules, 20 tests) and a medium one (50 modules importing each other, 300 tests), each with
one failing test at the bottom of a chain of calls across modules. For each it times, in
alternating rounds (median): the plain pytest run of that test (no sandbox, no tracer);
`ldb.trace_project` of the test (sandbox and tracer); the plain run of the whole test file;
`ldb.trace_project` of the file (a full-speed run, then the failing test traced alone); and
the check of 8 candidate edits of the bottom module against that file, as the offline
engine's repair search makes it (one warm pytest session forked for each candidate), per
candidate. Both sides load no pytest plugin from the environment (ldb's own has heavy ones).
Last, the medium repository's test traced again once the tree also holds data beside the
code (10,000 small files and one of 100 MB), against the same tree without them: the tree is
mounted, never copied, so its size does not count.
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
from ldb.project.runs import ProjectRuns

CANDIDATES = 8

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


def _checks(root: Path, node: str, fail_fast: bool) -> Callable[[], object]:
    """The check of `CANDIDATES` edits of the bottom module against the failing test's file,
    the time per candidate being the whole over their number: as the repair search checks
    them (the failing test first, the rest only for a candidate that makes it pass), or
    every test run for every candidate (what a candidate that fixes it costs)."""
    runs = ProjectRuns.open(root, python=sys.executable, env=QUIET)
    bottom = (root / "chain" / "m0.py").read_text()
    edits = [
        {"chain/m0.py": bottom.replace("total = 0", f"total = {k + 1}")} for k in range(CANDIDATES)
    ]
    failing = [node] if fail_fast else []

    def check() -> object:
        passed = runs.check([node.partition("::")[0]], edits, failing=failing)
        assert all(tests is not None for tests in passed), "a candidate was not swapped in"
        return passed

    return check


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
    print(f"{'repository':<24} {'what':<21} {'pytest':>8} {'ldb':>8} {'ratio':>7}")
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
                    "ldb candidate": _checks(root, node, fail_fast=True),
                    "ldb candidate, all tests": _checks(root, node, fail_fast=False),
                },
                args.runs,
            )
        for what in ("candidate", "candidate, all tests"):
            measured[f"plain {what}"] = measured["plain file"]
            measured[f"ldb {what}"] /= CANDIDATES
        for what in ("test", "file", "candidate", "candidate, all tests"):
            plain, traced = measured[f"plain {what}"], measured[f"ldb {what}"]
            print(f"{label:<24} {what:<21} {plain:8.3f} {traced:8.3f} {traced / plain:6.2f}x")
    _big_tree(args.runs)


def _big_tree(runs: int) -> None:
    """A test traced in a tree of code alone and in the same tree with data beside it."""
    with (
        tempfile.TemporaryDirectory(prefix="ldb-bench-") as lean_folder,
        tempfile.TemporaryDirectory(prefix="ldb-bench-") as big_folder,
    ):
        lean, big = Path(lean_folder), Path(big_folder)
        node = write_repository(lean, 50, 300)
        write_repository(big, 50, 300)
        data = big / "data"
        data.mkdir()
        for index in range(10_000):
            (data / f"record-{index}.json").write_text(f'{{"value": {index}}}\n')
        (data / "blob.bin").write_bytes(bytes(100 * 1024 * 1024))
        measured = _median_seconds({"lean": _traced(lean, node), "big": _traced(big, node)}, runs)
    lean_s, big_s = measured["lean"], measured["big"]
    print(
        f"{'medium + 10k files, 100 MB':<24} {'test, tree size':<21} {lean_s:8.3f} {big_s:8.3f}"
        f" {big_s / lean_s:6.2f}x  (against the tree without the data)"
    )


if __name__ == "__main__":
    main()
