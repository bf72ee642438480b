"""What tracing costs: traced ÷ untraced wall time of the same call, per backend, in one run.

Run: python -m bench.tracer [--repeat N]. The calls run in this process with the harness's
own recorder and backends (as in the child), so the ratio is the tracer's cost alone; then
whole `ldb.trace` runs over the failing gpt-3.5 HumanEval seeds, against plain `python -c`
runs of the same programs and tests. Run it under Python 3.11 for settrace and 3.12+ for
sys.monitoring too.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import ldb
from ldb.evaluation.problems import assemble_program, read_jsonl
from ldb.harness.recorder import Recorder
from ldb.harness.saferepr import SafeRepr
from ldb.run.tracing import unit_payload

PROGRAMS = {
    "primes below 20000": (
        """
def primes(n):
    found = []
    for candidate in range(2, n):
        is_prime = True
        for p in found:
            if p * p > candidate:
                break
            if candidate % p == 0:
                is_prime = False
                break
        if is_prime:
            found.append(candidate)
    return found
""",
        "primes",
        20000,
    ),
    "fib(22), recursive": (
        """
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)
""",
        "fib",
        22,
    ),
}

SEEDS = Path(__file__).resolve().parents[2] / "shared/data/ldb/humaneval/seed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each (median)")
    args = parser.parse_args()
    backends = ["settrace", *(["monitoring"] if hasattr(sys, "monitoring") else [])]
    print(f"python {sys.version.split()[0]}, median of {args.repeat} runs")
    print(
        f"{'program':22} {'backend':10} {'untraced':>9} {'traced':>9} {'ratio':>7} "
        f"{'exact counts':>13}"
    )
    for name, (source, function, argument) in PROGRAMS.items():
        for backend in backends:
            plain, traced, exact = _measure(source, function, argument, backend, args.repeat)
            print(
                f"{name:22} {backend:10} {plain * 1e3:7.1f}ms {traced * 1e3:7.1f}ms "
                f"{traced / plain:6.2f}x {exact / plain:12.2f}x"
            )
    _seeds()


def _measure(
    source: str, function: str, argument: int, backend_name: str, repeat: int
) -> tuple[float, float, float]:
    namespace: dict[str, Any] = {}
    module = compile(source, "program.py", "exec")
    exec(module, namespace)
    call = namespace[function]
    plain = _median(lambda: call(argument), repeat)
    times = []
    for exact in (False, True):
        backend = _backend(source, module, backend_name, exact)
        times.append(_median(partial(_traced, backend, call, argument), repeat))
    return plain, times[0], times[1]


def _backend(source: str, module: Any, name: str, exact: bool) -> Any:
    units = {
        ("program.py", qualname, line): (qualname, [tuple(e) for e in elements])
        for qualname, line, elements in map(unit_payload, ldb.blocks(source, "program.py"))
    }
    recorder = Recorder(
        units,
        {"program.py": None},
        lambda event: None,
        visits_per_block=ldb.RunLimits().visits_per_block,
        exact_counts=exact,
        safe_repr=SafeRepr(),
    )
    if name == "monitoring":
        from ldb.harness.sysmon import MonitoringBackend

        backend: Any = MonitoringBackend(recorder, exact)
    else:
        from ldb.harness.settrace import SettraceBackend

        backend = SettraceBackend(recorder, exact)
    backend.install(module)
    return backend


def _traced(backend: Any, call: Callable[[int], object], argument: int) -> None:
    backend.recorder.reset()
    backend.start()
    try:
        call(argument)
    finally:
        backend.stop()


def _median(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _seeds() -> None:
    path = SEEDS / "gpt-3.5-turbo-0613/seed.jsonl"
    if not path.exists():
        print(f"(LDB's seeds not found at {path}: seed traces skipped)")
        return
    failing = []
    for seed in read_jsonl(path):
        program = assemble_program(seed["prompt"], seed["solution"])
        if (
            ldb.trace(program, seed["given_tests"], entry_point=seed["entry_point"]).status
            != "passed"
        ):
            failing.append((program, seed))
    started = time.perf_counter()
    for program, seed in failing:
        ldb.trace(program, seed["given_tests"], entry_point=seed["entry_point"])
    traced = time.perf_counter() - started
    started = time.perf_counter()
    for program, seed in failing:
        script = (
            program
            + "\n"
            + "\n".join(
                f"try:\n    {test}\nexcept Exception:\n    pass" for test in seed["given_tests"]
            )
        )
        subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, check=False)
    plain = time.perf_counter() - started
    count = len(failing)
    print(
        f"{count} failing gpt-3.5 seeds: ldb.trace {count / traced:6.1f} traces/s, "
        f"plain python -c {count / plain:6.1f} runs/s, ratio {traced / plain:.2f}x"
    )


if __name__ == "__main__":
    main()
