"""Where the repository's examples and LDB's benchmark data live."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SHARED_DATA = ROOT.parent / "shared" / "data" / "ldb"


def shared_data(relative: str) -> Path:
    """A file of LDB's benchmark data beside the checkout; the test skips, naming it, where the
    data is absent (as in a fresh clone of this repository alone)."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"LDB benchmark data not found: {path} (../shared/data/ldb beside the clone)")
    return path
