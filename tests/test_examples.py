"""The runnable examples under examples/ run, as the README says they do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.paths import EXAMPLES

SCRIPTS = sorted(EXAMPLES.glob("*_api.py"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_example_script_runs(script: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_the_examples_are_all_exercised() -> None:
    assert {p.stem for p in SCRIPTS} == {
        "blocks_api",
        "debug_api",
        "debug_project_api",
        "trace_api",
        "trace_project_api",
    }
