"""The code a verdict is shown against: each file's text as the verdicts judged it, its blocks
(by function and id) and lines, each file parsed once, and a block's first statement."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ldb import cfg
from ldb.models import Block
from ldb.project import files
from ldb.wire import PROGRAM_FILENAME

Blocks = dict[tuple[str, int], Block]
"""A file's blocks by their function's qualname and their id."""
Shown = tuple[Blocks, list[str]]
"""A file's blocks and its lines."""


def blocks_of(text: str, filename: str = PROGRAM_FILENAME) -> Blocks:
    """Every block of every unit of the text (none when it does not parse)."""
    graphs = cfg.program_graphs(text, filename)
    return {(graph.qualname, block.id): block for graph in graphs for block in graph.blocks}


def files_shown(source: Callable[[str], str | None]) -> Callable[[str | None], Shown]:
    """A file's blocks and lines (nothing for an unknown file or none), `source` giving its
    text; each file read and parsed once."""
    known: dict[str | None, Shown] = {}

    def shown(file: str | None) -> Shown:
        if file not in known:
            text = source(file) if file is not None else None
            known[file] = (blocks_of(text, file or ""), text.splitlines()) if text else ({}, [])
        return known[file]

    return shown


def first_statement(lines: Sequence[int], written: Sequence[str]) -> str | None:
    """The first of the lines (1-based) that is not a docstring, stripped: a docstring says
    nothing about what a block does."""
    statements = [written[n - 1].strip() for n in lines if 0 < n <= len(written)]
    return next((s for s in statements if not s.startswith(("'", '"'))), None)


class JudgedTexts:
    """A project's files as a debug run's verdicts judged them: each file a round's verdicts
    name, read when they come (`--apply` may rewrite it before the result is shown), the
    others read when asked. Its `keep` is a progress hook; calling it gives a file's text."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.texts: dict[str, str | None] = {}

    def keep(self, stage: str, details: Mapping[str, Any]) -> None:
        if stage != "verdicts":
            return
        for verdict in details["verdicts"]:
            if verdict.file is not None and verdict.file not in self.texts:
                self.texts[verdict.file] = files.read_text(self.root / verdict.file)

    def __call__(self, file: str) -> str | None:
        if file in self.texts:
            return self.texts[file]
        return files.read_text(self.root / file)
