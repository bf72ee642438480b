"""A project's Python files: its own code, which is traced and may be repaired, and its tests.

A tree holds more than its code: virtual environments, caches, builds, version control. Those
are passed over; what remains is the project's, and a file is a test when pytest's default
patterns say so (`test_*.py`, `*_test.py`, `conftest.py`) or it sits in a `tests` or `test`
folder.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ldb.errors import InputError

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


def read_text(path: Path) -> str | None:
    """A file's text as project mode reads it: its bytes decoded as UTF-8, its own line
    endings kept; None when it cannot be read so."""
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


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


@contextlib.contextmanager
def project_tree(texts: Mapping[str, str]) -> Iterator[Path]:
    """A project made of files given as text (by path relative to its root), in a folder of
    its own for as long as the block lasts: the service's way to a client's project. Every
    path must lie inside the project; as root, the tree belongs to an unprivileged uid, which
    its runs then drop to."""
    with tempfile.TemporaryDirectory(prefix="ldb-project-") as folder:
        root = Path(folder)
        for relative, text in texts.items():
            target = root / _inside(relative)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            except (OSError, ValueError) as error:
                raise InputError(f"files: {relative!r} cannot be written ({error})") from None
        if os.geteuid() == 0:
            from ldb.run.sandbox import run_uid

            owner = run_uid()
            for path in [root, *root.rglob("*")]:
                os.chown(path, owner, owner)
        yield root


def _inside(relative: str) -> PurePosixPath:
    path = PurePosixPath(relative)
    parts = path.parts
    wrong = (
        not parts
        or path.is_absolute()
        or ".." in parts
        or "\\" in relative
        or "\0" in relative
        or len(relative.encode()) > 1024
        or any(len(part.encode()) > 255 for part in parts)
        or len(parts) > 32
    )
    if wrong:
        raise InputError(f"files: {relative!r} is not a path inside the project")
    return path
