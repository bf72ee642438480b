"""What a user asks to debug: pytest node ids or test files, relative to the project's root.

`tests/test_x.py::test_y`, `tests/test_x.py::TestC::test_m[3-4]`, or a test file (its
failing tests). The file part is checked here, against the tree; the rest is pytest's to
collect, in the run.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ldb.errors import InputError


@dataclass(frozen=True)
class Target:
    """One test, or one file of tests, as pytest names it."""

    file: str
    """The test file, relative to the root, with `/`."""
    names: tuple[str, ...] = ()
    """The class and function below the file (`TestC`, `test_m[3-4]`); none for a whole file."""

    @property
    def node_id(self) -> str:
        return "::".join((self.file, *self.names))


def parse(root: Path, given: str, test_files: tuple[str, ...]) -> Target:
    """A target, its file checked to exist under `root`; a missing one is refused naming the
    test files whose names are closest."""
    path, *names = given.split("::")
    relative = PurePosixPath(Path(path).as_posix())
    if relative.is_absolute() or ".." in relative.parts:
        raise InputError(f"{given}: a test is named relative to the project's root")
    file = relative.as_posix()
    if not (root / file).is_file():
        close = difflib.get_close_matches(file, test_files, n=3, cutoff=0.5)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise InputError(f"{given}: no such test file under {root}{hint}")
    if not file.endswith(".py"):
        raise InputError(f"{given}: not a Python file")
    if any(not name for name in names):
        raise InputError(f"{given}: an empty part between `::`")
    return Target(file, tuple(names))


def not_found(named: Sequence[str], collected: Sequence[str]) -> InputError:
    """The error for tests named that pytest did not collect, each with the collected
    names closest to it."""
    missing = [
        given
        for given in named
        if "::" in given
        and not any(
            node == given or node.startswith((f"{given}::", f"{given}[")) for node in collected
        )
    ]
    words = []
    for given in missing or named:
        # Compared within the file, by the names after it: the file's part says nothing.
        file, _, name = given.partition("::")
        here = {node.partition("::")[2]: node for node in collected if node.startswith(file)}
        close = [here[n] for n in difflib.get_close_matches(name, list(here), n=3, cutoff=0.75)]
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        words.append(f"{given}{hint}")
    return InputError(f"no such test: {'; '.join(words)}")
