"""Golden files: expected outputs kept in the repository, regenerated on request.

Set LDB_REGENERATE_GOLDEN=1 to rewrite every golden file a test run compares against; review
the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
REGENERATE = os.environ.get("LDB_REGENERATE_GOLDEN") == "1"


def compare(path: Path, actual: str) -> None:
    """Assert that `actual` equals the golden file at `path` (or rewrite it when asked)."""
    if REGENERATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path}; run with LDB_REGENERATE_GOLDEN=1 to write it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path} differs; LDB_REGENERATE_GOLDEN=1 rewrites it"
