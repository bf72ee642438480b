"""The `ldb` command run as a user runs it: a real subprocess of the installed entry point."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def ldb_command(
    *args: str,
    stdin: str | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("ldb", path=str(Path(sys.executable).parent))
    command = [executable] if executable else [sys.executable, "-m", "ldb"]
    return subprocess.run(
        [*command, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=cwd,
        env=env,
    )


def debug_to_html(program: Path, test: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """`ldb debug PROGRAM --test-file TEST --html OUT`: the viewer page of a debug run."""
    return ldb_command("debug", str(program), "--test-file", str(test), "--html", str(out))
