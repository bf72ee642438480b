"""The same evaluation on Ray's local runtime as in local processes."""

from __future__ import annotations

from pathlib import Path

from ldb.evaluation.executors import LocalExecutor, RayExecutor
from ldb.evaluation.problems import load
from ldb.evaluation.protocol import Options, run
from ldb.settings import DebugOptions


def test_ray_gives_what_local_processes_give(toy: tuple[Path, Path], tmp_path: Path) -> None:
    folder, seeds = toy
    problems = load("humaneval", data=folder, seeds=seeds)
    options = Options(DebugOptions(max_iterations=2))
    outcomes = {}
    for name, executor in (("local", LocalExecutor(2)), ("ray", RayExecutor(workers=2))):
        try:
            records = run(problems, options, tmp_path / f"{name}.jsonl", executor)
            outcomes[name] = sorted((r.task_id, r.status, r.solved) for r in records)
        finally:
            executor.close()
    assert outcomes["ray"] == outcomes["local"]
    assert [status for _, status, _ in outcomes["ray"]] == ["passed", "fixed", "passed"]
