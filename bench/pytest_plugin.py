"""What installing ldb costs a pytest run that does not ask for it: `pytest --co -q` of a
300-test project under two virtual environments made here, one with pytest alone and one with
pytest and ldb installed from its wheel (whose `pytest11` entry point pytest then loads), and
the second again with `-p no:ldb` (the same site-packages, the plugin alone blocked).

Run: python -m bench.pytest_plugin [--runs N]. Two measures, both in this run:
- instructions executed (valgrind's cachegrind, where valgrind is installed): the same count
  for the same run whatever else this shared machine does, so a difference of a few
  milliseconds shows, which wall or CPU time over a 0.4 s run cannot;
- CPU seconds of each run (user and system), N runs of each kind in rounds of shuffled order,
  medians: the scale that turns the instructions' difference into milliseconds.
The target: installing ldb costs a run at most 10 ms. Last, what importing the plugin itself
takes, in a fresh interpreter with pytest imported.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 10.0
FILES, TESTS_PER_FILE = 10, 30


def _project(folder: Path) -> Path:
    """A project of FILES test files of TESTS_PER_FILE tests each, a few parametrized."""
    folder.mkdir(parents=True)
    (folder / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    tests = folder / "tests"
    tests.mkdir()
    for number in range(FILES):
        body = [f"def test_{k}():\n    assert {k} + 1 == {k + 1}\n" for k in range(25)]
        body.append(
            textwrap.dedent(
                """
                import pytest


                @pytest.mark.parametrize("n", range(5))
                def test_each(n):
                    assert n >= 0
                """
            )
        )
        (tests / f"test_part{number}.py").write_text("\n\n".join(body))
    return folder


def _venv(folder: Path, with_ldb: bool) -> Path:
    """A virtual environment with the pytest running here, and ldb (alone: an inactive plugin
    imports none of its dependencies) when asked."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = folder / "bin" / "python"
    installs = [[f"pytest=={_pytest_version()}"]]
    if with_ldb:
        installs.append(["--no-deps", str(ROOT)])
    for packages in installs:
        install = [str(python), "-m", "pip", "install", "-q", *packages]
        subprocess.run(install, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return python


def _pytest_version() -> str:
    import pytest

    return pytest.__version__


def _seconds(command: list[str], cwd: Path) -> float:
    """The CPU time (user and system) the command's process took: on a shared machine, less
    swayed by other work than its wall time."""
    with subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE) as process:
        output = process.stdout.read() if process.stdout else b""
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    if b"300 tests collected" not in output:
        raise SystemExit(f"{' '.join(command)}: did not collect 300 tests:\n{output!r}")
    return usage.ru_utime + usage.ru_stime


_IMPORT = """
import time
import pytest
started = time.perf_counter()
import ldb.pytest_plugin
print(time.perf_counter() - started)
"""


def _import_seconds(python: Path) -> float:
    """What importing the plugin takes in a fresh interpreter, pytest imported already."""
    done = subprocess.run([str(python), "-c", _IMPORT], capture_output=True, text=True, check=True)
    return float(done.stdout)


def _instructions(command: list[str], cwd: Path) -> int | None:
    """Instructions the run executes, counted by valgrind (None without valgrind)."""
    if shutil.which("valgrind") is None:
        return None
    counted = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        *command,
    ]
    # One hash seed for every count: string hashing's seed sways a run by a fraction of a percent.
    steady = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(counted, cwd=cwd, capture_output=True, text=True, check=True, env=steady)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if found is None:
        raise SystemExit(f"valgrind printed no count:\n{done.stderr}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ldb-bench-plugin-") as scratch:
        base = Path(scratch)
        project = _project(base / "project")
        print("making two virtual environments (pytest; pytest and ldb) …", flush=True)
        bare = _venv(base / "bare", with_ldb=False)
        with_ldb = _venv(base / "with-ldb", with_ldb=True)
        collect = ["-m", "pytest", "--co", "-q", "-p", "no:cacheprovider"]
        commands = {
            ALONE: [str(bare), *collect],
            INSTALLED: [str(with_ldb), *collect],
            BLOCKED: [str(with_ldb), *collect, "-p", "no:ldb"],
        }
        for command in commands.values():  # warm the file and bytecode caches
            _seconds(command, project)
        print("counting instructions under valgrind …", flush=True)
        counts = {name: _instructions(command, project) for name, command in commands.items()}
        times: dict[str, list[float]] = {name: [] for name in commands}
        order = list(commands)
        shuffler = random.Random(0)
        for _ in range(args.runs):
            shuffler.shuffle(order)  # no kind always first in its round
            for name in order:
                times[name].append(_seconds(commands[name], project))
        imports = [_import_seconds(with_ldb) for _ in range(args.runs)]
    _report(counts, {name: statistics.median(values) for name, values in times.items()}, args)
    print(f"importing the plugin (pytest imported): {statistics.median(imports) * 1000:.2f} ms")


def _report(
    counts: dict[str, int | None], medians: dict[str, float], args: argparse.Namespace
) -> None:
    alone_seconds = medians[ALONE]
    alone_count = counts[ALONE]
    print(
        f"pytest --co -q of {FILES * TESTS_PER_FILE} tests; CPU: median of {args.runs} runs each, "
        "in shuffled rounds"
    )
    print(f"{'environment':<26} {'instructions':>14} {'x alone':>8} {'CPU s':>7} {'x alone':>8}")
    for name in (ALONE, INSTALLED, BLOCKED):
        count = counts[name]
        shown = "-" if count is None or alone_count is None else f"{count / alone_count:.4f}x"
        print(
            f"{name:<26} {count if count is not None else '-':>14} {shown:>8} "
            f"{medians[name]:7.3f} {medians[name] / alone_seconds:7.3f}x"
        )
    installed = counts[INSTALLED]
    if installed is None or alone_count is None:
        extra = (medians[INSTALLED] - alone_seconds) * 1000
        basis = "CPU medians (no valgrind here: noisy)"
    else:
        extra = (installed - alone_count) / alone_count * alone_seconds * 1000
        basis = "instructions, at this machine's CPU time per instruction"
    verdict = "within" if extra <= TARGET_MS else "OVER"
    print(
        f"installing ldb costs a run {extra:.1f} ms ({basis}): {verdict} the "
        f"{TARGET_MS:.0f} ms target"
    )


ALONE, INSTALLED, BLOCKED = "pytest alone", "pytest + ldb installed", "pytest + ldb, -p no:ldb"


if __name__ == "__main__":
    main()
