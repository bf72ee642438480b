"""A project's Python files: its own code, which is traced and may be repaired, and its tests.

A tree holds more than its code: virtual environments, caches, builds, version control. Those
are passed over; what remains is the project's, and a file is a test when pytest's default
patterns say so (`test_*.py`, `*_test.py`, `conftest.py`) or it sits in a `tests` or `test`
folder.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

_SKIPPED_FOLDERS = frozenset({"__pycache__", "build", "dist", "node_modules", "site-packages"})
_TEST_FOLDERS = frozenset({"tests", "test", "testing"})
_TEST_PATTERNS = ("test_*.py", "*_test.py", "conftest.py")


@dataclass(frozen=True)
class ProjectFiles:
    """The Python files under a root, by path relative to it (with `/`)."""

    code: tuple[str, ...]
    """The project's own modules: traced, and what a repair may edit."""
    tests: tuple[str, ...]


def scan(root: Path) -> ProjectFiles:
    """The project's Python files, in a stable order."""
    code: list[str] = []
    tests: list[str] = []
    for folder, folders, files in os.walk(root):
        here = Path(folder)
        folders[:] = sorted(name for name in folders if not _skipped(here / name))
        for name in sorted(files):
            if name.endswith(".py"):
                relative = (here / name).relative_to(root).as_posix()
                (tests if is_test(relative) else code).append(relative)
    return ProjectFiles(tuple(code), tuple(tests))


def is_test(relative: str) -> bool:
    """Whether a file (relative to the root) is test code rather than the project's own."""
    path = PurePosixPath(relative)
    if any(part in _TEST_FOLDERS for part in path.parts[:-1]):
        return True
    return any(fnmatch.fnmatch(path.name, pattern) for pattern in _TEST_PATTERNS)


def _skipped(folder: Path) -> bool:
    """Hidden folders (`.git`, `.venv`, `.tox`), caches and builds, egg-info, and any virtual
    environment, whatever its name."""
    name = folder.name
    return (
        name.startswith(".")
        or name in _SKIPPED_FOLDERS
        or name.endswith(".egg-info")
        or (folder / "pyvenv.cfg").exists()
    )
