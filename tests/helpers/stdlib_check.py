"""One standard-library file's graphs built and checked: the unit of work the whole-library
test hands to its worker processes."""

from __future__ import annotations

from pathlib import Path

import ldb
from testbed.stdlib import read_source
from tests.helpers.cfg_invariants import check


def check_file(path: Path) -> tuple[bool, int, list[str]]:
    """Whether `ast.parse` accepts the file, how many units ldb builds graphs for, and each
    invariant a graph breaks."""
    source = read_source(path)
    if source is None:
        return False, 0, []
    graphs = ldb.blocks(source, str(path))
    return True, len(graphs), [f"{path}: {problem}" for problem in check(source, graphs)]
