"""A project's hostile tests end typed and bounded, leave no process behind, and leave the
tree as it was: a fork bomb, a memory bomb, endless output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import ldb
from tests.helpers.projects import WITHOUT_PLUGINS, fingerprint, write_project

HOSTILE = {
    "pkg/__init__.py": "",
    "pkg/bomb.py": """
        import os


        def explode_ldb_fork_bomb():
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
    """,
    "tests/test_fork.py": """
        from pkg.bomb import explode_ldb_fork_bomb


        def test_fork_bomb():
            explode_ldb_fork_bomb()
    """,
    "tests/test_memory.py": """
        def test_memory_bomb():
            chunks = []
            while True:
                chunks.append(bytearray(50 << 20))
    """,
    "tests/test_output.py": """
        def test_endless_output():
            while True:
                print("x" * 10000)
    """,
}


@pytest.mark.parametrize(
    ("test", "status"),
    [
        ("tests/test_fork.py::test_fork_bomb", "timeout"),
        ("tests/test_memory.py::test_memory_bomb", "memory_limit"),
        ("tests/test_output.py::test_endless_output", "output_limit"),
    ],
)
def test_a_hostile_test_ends_typed_and_bounded(tmp_path: Path, test: str, status: str) -> None:
    root = write_project(tmp_path / "hostile", HOSTILE)
    before = fingerprint(root)
    limits = ldb.RunLimits(timeout_s=4, memory_mb=256)
    result = ldb.trace_project(
        root, [test], python=sys.executable, env=WITHOUT_PLUGINS, limits=limits
    )
    assert result.status == status, result.message
    assert result.seconds < 4 + 3
    left = subprocess.run(["pgrep", "-f", "explode_ldb_fork_bomb"], capture_output=True)
    assert left.stdout == b""
    assert fingerprint(root) == before


# What a test learns of who it is and what it may change, as the run's owner.
_WHOAMI = """
import os
from pathlib import Path


def test_who():
    Path("written.txt").write_text("x")
    try:
        Path("/proc/sys/kernel/hostname").write_text("changed")
        sysctl = "written"
    except OSError as error:
        sysctl = type(error).__name__
    assert False, (os.getuid(), sysctl)
"""


@pytest.mark.parametrize("owner", [0, 60990], ids=["root-owned", "owned-by-a-user"])
def test_a_test_runs_as_the_trees_owner_and_cannot_change_the_kernels_settings(
    tmp_path: Path, owner: int
) -> None:
    if os.geteuid() != 0:
        pytest.skip("who the run becomes is chosen only when ldb runs as root")
    root = write_project(tmp_path / "who", {"tests/test_who.py": _WHOAMI})
    for path in [root, *root.rglob("*")]:
        os.chown(path, owner, owner)
    before = fingerprint(root)
    result = ldb.trace_project(root, python=sys.executable, env=WITHOUT_PLUGINS)
    error = result.cases[0].error
    assert error is not None and f"({owner}, 'OSError')" in error.message
    assert fingerprint(root) == before
